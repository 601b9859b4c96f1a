"""How fast a class is graded: 1,000 answers of a [2, 2, 1] sigmoid network with biases, one process
against a pool on every core, measured in the same run.

Run:  pytest tests/benchmarks/test_answer_grading_speed.py -m benchmark -s
Figures are printed, never asserted against a wall clock.
"""

from __future__ import annotations

import os
import random
import statistics
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


def test_grading_1000_answers_serial_against_a_process_pool():
    rows = _class(1000)
    serial_seconds, serial = _grade(0, rows)
    cores = os.cpu_count() or 1
    pool_seconds, pooled = _grade(cores, rows)
    assert [g.verdict for g in serial] == [g.verdict for g in pooled]
    counts: dict[str, int] = {}
    for item in pooled:
        counts[item.verdict] = counts.get(item.verdict, 0) + 1
    times = sorted(g.seconds for g in serial)
    print(
        f"\n1,000 answers, [2,2,1] sigmoid with biases ({', '.join(f'{v} {k}' for k, v in sorted(counts.items()))}):"
        f"\n  one process : {serial_seconds:6.2f} s = {1000 / serial_seconds:6.0f} answers/s"
        f"\n  pool of {cores}   : {pool_seconds:6.2f} s = {1000 / pool_seconds:6.0f} answers/s  (speed-up {serial_seconds / pool_seconds:.2f}x)"
        f"\n  per answer  : median {statistics.median(times) * 1000:.1f} ms, 95th percentile "
        f"{times[int(0.95 * len(times))] * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms"
    )
