"""How long the general proof takes, against the per-architecture proof of a small network in the same run.

Run:  pytest tests/benchmarks/test_general_speed.py -m benchmark -s
Target (issue 13): the whole general proof (recursion + multi-class + L14 + L4) under 10 s on 2 cores.
Times are printed with their ratio to the baseline, never asserted (shared, noisy machines).
"""

from __future__ import annotations

import time

import pytest
import sympy as sp

from symbackprop import MLP
from symbackprop.general import MUTANTS, prove_general
from symbackprop import prove

pytestmark = pytest.mark.benchmark


def _seconds(run, repeats: int = 3) -> tuple[float, float, object]:  # noqa: ANN001
    """(first, best) wall time of run() with SymPy's cache cleared before each call, and the last result."""
    times, result = [], None
    for _ in range(repeats):
        sp.core.cache.clear_cache()
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return times[0], min(times), result


def test_general_proof_against_the_per_architecture_proof_of_2_2_2():
    base_first, base_best, baseline = _seconds(lambda: prove(MLP([2, 2, 2])))
    first, best, proof = _seconds(prove_general)
    assert baseline.holds and proof.holds
    parts = ", ".join(f"{name} {seconds:.2f}" for name, seconds in proof.timings.items())
    print(
        f"\nprove(MLP([2,2,2])): {base_best * 1000:.0f} ms (first {base_first * 1000:.0f} ms) | "
        f"prove_general(): {best:.2f} s (first {first:.2f} s; target < 10 s) | ratio {best / base_best:.0f}x\n"
        f"  stages (s): {parts}"
    )


def test_general_proof_of_every_mutant():
    rows = []
    for name, mutant in MUTANTS.items():
        first, _, proof = _seconds(lambda mutant=mutant: prove_general(mutant), repeats=1)
        assert not proof.holds
        rows.append((name, first, [step.id for step in proof.failing_steps]))
    print("\nprove_general(mutant), cache cleared before each:")
    for name, seconds, failing in rows:
        print(f"  {name:26} {seconds:5.2f} s   fails {', '.join(failing)}")
