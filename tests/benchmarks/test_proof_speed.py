"""How fast prove() is, against the plain SymPy recipe and the full expansion alone, measured in the same run.

Run:  pytest tests/benchmarks/test_proof_speed.py -m benchmark -s
Targets (issue 13 item 5): prove(MLP([8]*8 + [4])) under 5 s, prove(MLP([16]*6 + [4])) under 20 s, each
under 1 GB peak RSS (measured in a fresh process); time per added layer about constant at width 8.
Ratios are printed, never asserted against a wall clock (shared, noisy machines).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from symbackprop import MLP, backprop
from symbackprop.derive import Gradients, clear_caches
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


def _full_expansion_only_seconds(sizes: list[int]) -> tuple[float, object]:
    """The method before the layer-local proof: every entry by the full expansion, no recursion to chain."""
    clear_caches()
    net = MLP(sizes)
    started = time.perf_counter()
    gradients = backprop(net)
    bare = Gradients(net, gradients.method, {p: gradients.engine_expression(p) for p in net.parameters})
    proof = prove(net, bare, full_expansion=True)
    return time.perf_counter() - started, proof


def test_time_per_added_layer_at_width_8():
    """[8]*d + [4] for d = 2…8: the layer-local proof (with the full expansion where it fits, and alone),
    against the full expansion alone where it finishes in seconds (d ≤ 5; d = 6 took 40 s, d = 7 never ended)."""
    rows = []
    for depth in range(2, 9):
        sizes = [8] * depth + [4]
        seconds, proof = _fresh_prove_seconds(sizes)
        assert proof.holds
        clear_caches()
        started = time.perf_counter()
        assert prove(MLP(sizes), full_expansion=False).holds
        local_only = time.perf_counter() - started
        full = None
        if depth <= 5:
            full, full_proof = _full_expansion_only_seconds(sizes)
            assert full_proof.holds
        rows.append((depth, len(proof.entries), seconds, local_only, full, proof.method_counts()))
    print("\nprove(MLP([8]*d + [4])) by depth d (seconds; 'added' = time of the last layer added):")
    print("   d  params  prove   added  ×prev | chain only  added | full expansion only  (ratio to prove)")
    previous = previous_local = None
    for depth, entries, seconds, local_only, full, counts in rows:
        added = f"{seconds - previous:+6.2f}" if previous is not None else "      "
        ratio = f"{seconds / previous:5.2f}" if previous is not None else "     "
        added_local = f"{local_only - previous_local:+6.2f}" if previous_local is not None else "      "
        baseline = f"{full:7.2f} s ({full / seconds:5.1f}x)" if full is not None else "   not run (≥ 40 s)"
        print(
            f"  {depth:2d}  {entries:6d}  {seconds:5.2f}  {added}  {ratio} |   {local_only:5.2f}   {added_local} | {baseline}"
            f"   [full expansion also on {counts['full expansion']}/{entries}]"
        )
        previous, previous_local = seconds, local_only


_PEAK = (
    "import atexit\n"
    "def _peak():\n"
    "    with open('/proc/self/status') as status:\n"
    "        print('peak-rss-kib', next(line.split()[1] for line in status if line.startswith('VmHWM')), flush=True)\n"
    "atexit.register(_peak)\n"
)
"""Prints the process's own high-water RSS at exit (VmHWM belongs to the process image after exec; the
rusage of a child would also count the pages of the pytest process it was forked from)."""

_CHILD = _PEAK + """
import json, sys, time
from symbackprop import MLP
from symbackprop.proof import prove
started = time.perf_counter()
proof = prove(MLP(json.loads(sys.argv[1])))
seconds = time.perf_counter() - started
print(json.dumps({"holds": proof.holds, "seconds": seconds, "entries": len(proof.entries), "counts": proof.method_counts(),
                  "stages": {k: round(v, 2) for k, v in proof.timings.items()}}))
"""

_CLI = _PEAK + "import runpy, sys\nsys.argv = ['symbackprop', *sys.argv[1:]]\nrunpy.run_module('symbackprop', run_name='__main__')\n"


def _in_a_fresh_process(arguments: list[str]) -> tuple[float, float, list[str], int]:
    """(wall seconds, peak RSS in MiB, output lines, exit status) of one child Python process."""
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-c", *arguments], capture_output=True, text=True)
    wall = time.perf_counter() - started
    lines = completed.stdout.splitlines()
    peak = next(int(line.split()[1]) for line in lines if line.startswith("peak-rss-kib")) / 1024
    return wall, peak, [line for line in lines if not line.startswith("peak-rss-kib")], completed.returncode


@pytest.mark.parametrize("sizes, target", [([8] * 8 + [4], 5.0), ([16] * 6 + [4], 20.0)], ids=["8x8+4", "16x6+4"])
def test_deep_networks_in_a_fresh_process(sizes, target):
    wall, peak, output, status = _in_a_fresh_process([_CHILD, json.dumps(sizes)])
    assert status == 0, output
    result = json.loads(output[-1])
    assert result["holds"]
    print(
        f"\nprove(MLP({sizes[0]}×{len(sizes) - 1} + [{sizes[-1]}])): {result['entries']} entries proved in "
        f"{result['seconds']:.2f} s (target < {target:.0f} s), process {wall:.2f} s wall with imports, "
        f"peak RSS {peak:.0f} MiB (target < 1024 MiB); entries by method {result['counts']}; stages {result['stages']}"
    )


@pytest.mark.parametrize("sizes", ["4,4,4,4,4,4,4,4,4,4,4,4", "6,6,6,6,6,6,6,6,6,6"])
def test_issue_14_sigmoid_examples_finish(sizes):
    """`symbackprop prove --activation sigmoid --sizes …`: reached 6.7 GB and 10.7 GB at 300 s before."""
    wall, peak, output, status = _in_a_fresh_process([_CLI, "prove", "--activation", "sigmoid", "--sizes", sizes])
    assert status == 0, output
    print(f"\nsymbackprop prove --activation sigmoid --sizes {sizes}: exit {status}, {wall:.2f} s wall, peak RSS {peak:.0f} MiB")
    print("  " + "\n  ".join(line for line in output if line.startswith(("Result", "Methods", "    ", "Time"))))
