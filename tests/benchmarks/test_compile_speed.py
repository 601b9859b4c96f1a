"""``compile`` of a network a course trains — [784, 128, 10], sigmoid, biases, 101,770 parameters — against the
smallest network of the same layer template, [2, 2, 2], each in a fresh process: seconds and peak memory
(resident set) printed, never asserted.

Run:  pytest tests/benchmarks/test_compile_speed.py -m benchmark -s
Target (issue 15): < 1 s and < 300 MB for [784, 128, 10].
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

import pytest

pytestmark = pytest.mark.benchmark

ROUNDS = 5
SCRIPT = """
import json, sys, time
def high_water_mb():  # VmHWM: this process's peak resident set (ru_maxrss would carry the parent's across exec)
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
started = time.perf_counter()
from symbackprop import MLP, compile
import numpy, sympy, scipy.special  # what compile needs, loaded before the clock starts
imported = time.perf_counter() - started
before = high_water_mb()
started = time.perf_counter()
model = compile(MLP(json.loads(sys.argv[1]), activation="sigmoid", bias=True))
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "imports": imported, "peak_mb": high_water_mb(), "before_mb": before, "size": model.size}))
"""


def _compile(sizes: list[int]) -> dict:
    out = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(sizes)], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def test_compile_time_and_memory_do_not_grow_with_the_parameter_count():
    runs: dict[str, list[dict]] = {"[784, 128, 10]": [], "[2, 2, 2]": []}
    for _ in range(ROUNDS):  # interleaved, fresh processes
        runs["[784, 128, 10]"].append(_compile([784, 128, 10]))
        runs["[2, 2, 2]"].append(_compile([2, 2, 2]))
    print(f"\ncompile(MLP(sizes, activation='sigmoid', bias=True)) in a fresh process, {ROUNDS} rounds (median; imports not counted)")
    print(f"{'network':<16} {'parameters':>10} {'compile s':>10} {'peak MB':>8} {'MB before':>10}")
    for name, values in runs.items():
        print(
            f"{name:<16} {values[0]['size']:>10,} {statistics.median(v['seconds'] for v in values):>10.3f} "
            f"{statistics.median(v['peak_mb'] for v in values):>8.0f} {statistics.median(v['before_mb'] for v in values):>10.0f}"
        )
    large = statistics.median(v["seconds"] for v in runs["[784, 128, 10]"])
    small = statistics.median(v["seconds"] for v in runs["[2, 2, 2]"])
    peak = statistics.median(v["peak_mb"] for v in runs["[784, 128, 10]"])
    print(f"targets: < 1 s: {large:.2f} s ({large / small:.2f} × the [2, 2, 2] template); < 300 MB: {peak:.0f} MB peak resident")
