"""Start-up: ``import symbackprop`` against ``import sympy``, and ``symbackprop --version`` against
``import argparse`` — whole processes, interleaved rounds, medians and ratios printed (nothing asserted)."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.benchmark

ROUNDS = 15


def _seconds(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def _interleaved(commands: dict[str, list[str]]) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in commands}
    for name, command in commands.items():  # warm the file cache once
        _seconds(command)
    for _ in range(ROUNDS):
        for name, command in commands.items():
            times[name].append(_seconds(command))
    return {name: statistics.median(values) for name, values in times.items()}


def _console_script() -> list[str]:
    script = shutil.which("symbackprop")
    return [script] if script else [sys.executable, "-m", "symbackprop"]


def test_import_and_version_against_their_baselines():
    python = sys.executable
    medians = _interleaved(
        {
            "import sympy": [python, "-c", "import sympy"],
            "import symbackprop": [python, "-c", "import symbackprop"],
            "import argparse": [python, "-c", "import argparse"],
            "symbackprop --version": [*_console_script(), "--version"],
            "symbackprop --help": [*_console_script(), "--help"],
            "import symbackprop; symbackprop.MLP": [python, "-c", "import symbackprop; symbackprop.MLP"],
        }
    )
    print(f"\nstart-up, median of {ROUNDS} interleaved rounds:")
    for name, seconds in medians.items():
        print(f"  {name:<38} {seconds * 1000:7.1f} ms")
    print(f"  import symbackprop / import sympy      = {medians['import symbackprop'] / medians['import sympy']:.2f}x (target ≤ 1.2x)")
    print(f"  symbackprop --version / import argparse = {medians['symbackprop --version'] / medians['import argparse']:.2f}x (target ≤ 2x)")
    print(f"  symbackprop --help / import argparse    = {medians['symbackprop --help'] / medians['import argparse']:.2f}x")
