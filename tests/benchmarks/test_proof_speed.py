"""How fast prove() is, against the plain SymPy recipe measured in the same run.

Run:  pytest tests/benchmarks/test_proof_speed.py -m benchmark -s
Ratios are printed, never asserted against a wall clock (shared, noisy machines).
"""

from __future__ import annotations

import time

import pytest

from symbackprop import MLP
from symbackprop.derive import clear_caches
from symbackprop.proof import prove

from .plain_sympy import plain_sympy_proof

pytestmark = pytest.mark.benchmark


def _fresh_prove_seconds(sizes: list[int], repeats: int = 1) -> tuple[float, object]:
    """Best wall time of prove() on a newly built network (nothing cached between repeats)."""
    best, proof = float("inf"), None
    for _ in range(repeats):
        clear_caches()
        started = time.perf_counter()
        proof = prove(MLP(sizes))
        best = min(best, time.perf_counter() - started)
    return best, proof


def test_prove_against_plain_sympy_on_4_4_4_2():
    sizes = [4, 4, 4, 2]
    started = time.perf_counter()
    assert plain_sympy_proof(sizes)
    baseline = time.perf_counter() - started
    ours, proof = _fresh_prove_seconds(sizes, repeats=5)
    assert proof.holds
    print(
        f"\n[4,4,4,2] plain SymPy diff+expand: {baseline:.2f} s | symbackprop prove: {ours * 1000:.0f} ms "
        f"| speed-up {baseline / ours:.0f}x (target ≥ 20x)"
    )


def test_prove_8_8_8_8_4_generic_phi():
    seconds, proof = _fresh_prove_seconds([8, 8, 8, 8, 4])
    assert proof.holds and len(proof.entries) == 224
    print(f"\n[8,8,8,8,4] 224 weights, generic φ: proved exactly in {seconds:.2f} s (target < 20 s); stages {_stages(proof)}")


def test_prove_growth_with_width_and_depth():
    rows = []
    for sizes in ([4, 4, 4, 4, 4], [8, 8, 8, 8, 4], [12, 12, 12, 12, 4], [16, 16, 16, 16, 4], [8, 8, 4], [8, 8, 8, 4], [8, 8, 8, 8, 8, 4]):
        seconds, proof = _fresh_prove_seconds(sizes)
        assert proof.holds
        rows.append((sizes, len(proof.entries), seconds, _stages(proof)))
    print("\nproof time by width (depth 4) and by depth (width 8):")
    for sizes, entries, seconds, stages in rows:
        print(f"  {str(sizes):22} {entries:5d} params  {seconds:7.2f} s   {stages}")


def _stages(proof) -> str:  # noqa: ANN001
    return ", ".join(f"{name} {seconds:.2f}" for name, seconds in proof.timings.items())
