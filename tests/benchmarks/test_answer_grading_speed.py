"""How fast a class is graded, and how fast one answer is checked from a cold start.

1. 1,000 answers of a [2, 2, 1] sigmoid network with biases: in this process, then a pool of one and of
   two workers (answers sent in batches; what checking needs built once, before forking), in the same run.
   Target (issue 15): two workers ≥ 1.8× in-process.
2. A cold ``symbackprop check`` end to end (a fresh interpreter, the lark tables cached on disk), beside a
   bare ``import sympy`` in the same run.  Target: ≤ 0.3 s.

Run:  pytest tests/benchmarks/test_answer_grading_speed.py -m benchmark -s
Figures are printed, never asserted against a wall clock.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time

import pytest

from symbackprop import MLP
from symbackprop.answers import grade_answers

pytestmark = pytest.mark.benchmark

# (wrt, answer) — right answers in several spellings, the typical mistakes, syntax errors, unrelated ones
TEMPLATES = [
    ("b^2_1", "delta^2_1 * sigma'(z^2_1)"),
    ("b^2_1", r"\delta^{2}_{1}\,\sigma'\left(z^{2}_{1}\right)"),
    ("b^2_1", "2(a^2_1 - y_1) a^2_1 (1 - a^2_1)"),
    ("b^2_1", r"2(a^2_1-y_1)\frac{e^{-z^{2}_{1}}}{\left(1+e^{-z^{2}_{1}}\right)^{2}}"),
    ("b^2_1", "delta^2_1 * sigma'(z^2_1) * a^1_2"),
    ("b^2_1", "2(y_1 - a^2_1) a^2_1 (1 - a^2_1)"),
    ("b^2_1", "(a^2_1 - y_1) a^2_1 (1 - a^2_1)"),
    ("b^2_1", "delta^2_1"),
    ("b^1_1", "δ^1_1 σ'(z^1_1)"),
    ("b^1_1", "sigma'(z^1_1) * w^2_11 * sigma'(z^2_1) * 2 * (a^2_1 - y_1)"),
    ("b^1_1", "σ'(z^1_1) w^2_12 σ'(z^2_1) δ^2_1"),
    ("b^1_1", "σ'(z^1_1) w^2_11 2(a^2_1 - y_1)"),
    ("b^1_1", "σ'(z^2_1) δ^2_1"),
    ("w^1_12", "δ^1_1 σ'(z^1_1) x_2"),
    ("w^1_12", "δ^1_2 σ'(z^1_2) x_1"),
    ("w^1_12", "δ^1_1 σ'(z^1_1) a^1_2"),
    ("w^2_12", r"\delta^{2}_{1} \cdot \sigma'(z^{2}_{1}) \cdot a^{1}_{2}"),
    ("w^2_12", "delta^2_1 * sigma'(z^2_1)"),
    ("w^2_12", "δ^2_1 σ'(z^2_1) a^1_2 + x_1"),
    ("w^2_12", "delta^2_1 * sigma(z^2_1"),
    ("b^2_1", "__import__('os').system('true')"),
    ("b^2_1", "9^9^9^9"),
]


def _vary(answer: str, rng: random.Random) -> str:
    """The same answer as different students type it: spacing and explicit or implicit products."""
    answer = answer.replace(" * ", rng.choice([" * ", "*", " ", " \\cdot "]) if "\\" in answer else rng.choice([" * ", "*", " "]))
    return "".join(char + (" " * rng.randint(0, 2) if char in "+-" and rng.random() < 0.5 else "") for char in answer)


def _class(size: int, seed: int = 1) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    return [(f"s{n:04d}", _vary(answer, rng), wrt) for n, (wrt, answer) in enumerate(rng.choices(TEMPLATES, k=size))]


def _grade(workers: int, rows) -> tuple[float, list]:  # noqa: ANN001
    net = MLP([2, 2, 1], activation="sigmoid", bias=True)  # fresh: nothing cached from another run
    started = time.perf_counter()
    graded = grade_answers(net, rows, workers=workers)
    return time.perf_counter() - started, graded


def test_grading_1000_answers_in_process_against_pools_of_one_and_two_workers():
    rows = _class(1000)
    serial_seconds, serial = _grade(0, rows)
    one_seconds, one = _grade(1, rows)
    two_seconds, two = _grade(2, rows)
    assert [g.verdict for g in serial] == [g.verdict for g in one] == [g.verdict for g in two]
    counts: dict[str, int] = {}
    for item in two:
        counts[item.verdict] = counts.get(item.verdict, 0) + 1
    times = sorted(g.seconds for g in serial)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"\n1,000 answers, [2,2,1] sigmoid with biases ({', '.join(f'{v} {k}' for k, v in sorted(counts.items()))}),"
        f" {os.cpu_count()} cores, load average {load:.1f} at the end:"
        f"\n  in this process : {serial_seconds:6.2f} s = {1000 / serial_seconds:6.0f} answers/s"
        f"\n  1 worker        : {one_seconds:6.2f} s = {1000 / one_seconds:6.0f} answers/s  ({serial_seconds / one_seconds:.2f}x in-process)"
        f"\n  2 workers       : {two_seconds:6.2f} s = {1000 / two_seconds:6.0f} answers/s  ({serial_seconds / two_seconds:.2f}x in-process; target >= 1.8x)"
        f"\n  per answer      : median {statistics.median(times) * 1000:.1f} ms, 95th percentile "
        f"{times[int(0.95 * len(times))] * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms"
    )


def _seconds(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, env=env, check=False)
    return time.perf_counter() - started


def test_a_cold_check_end_to_end(tmp_path):
    env = dict(os.environ, SYMBACKPROP_CACHE_DIR=str(tmp_path / "cache"))
    check = [sys.executable, "-m", "symbackprop", "check", "--sizes", "2,2,1", "--activation", "sigmoid", "--bias",
             "--wrt", "b^2_1", "--answer", "delta^2_1 * sigma'(z^2_1)"]
    first = _seconds(check, env)  # fills the lark cache
    rounds = [(_seconds(check, env), _seconds([sys.executable, "-c", "import sympy"], env), _seconds([sys.executable, "-c", "pass"], env)) for _ in range(5)]
    cold, sympy_import, interpreter = (statistics.median(values) for values in zip(*rounds))
    print(
        f"\ncold `symbackprop check` end to end (median of 5): {cold:.2f} s (target <= 0.3 s); first run, filling the"
        f" parser cache: {first:.2f} s\n  in the same run: `python -c 'import sympy'` {sympy_import:.2f} s, `python -c pass` {interpreter:.2f} s"
    )
