"""How long ``symbackprop derive`` takes, against the symbolic work it prints, measured in the same run.

Run:  pytest tests/benchmarks/test_derive_speed.py -m benchmark -s
Ratios are printed, never asserted against a wall clock (shared, noisy machines).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest

from symbackprop import MLP
from symbackprop.derive import clear_caches
from symbackprop.emit.example import example_network
from symbackprop.emit.multiclass import classification_network
from symbackprop.lecture.document import deep_network, lecture_sections
from symbackprop.lecture.regenerate import render
from symbackprop.proof import prove

pytestmark = pytest.mark.benchmark


def _best(function, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        clear_caches()
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def test_lecture_document_against_the_proofs_it_reports():
    networks = (example_network, deep_network, classification_network)
    baseline = _best(lambda: [prove(make()) for make in networks])
    document = _best(lambda: render("lecture.tex"))
    print(f"\nlecture.tex: build {document:.2f} s; proving its networks alone {baseline:.2f} s "
          f"(document / proofs = {document / baseline:.1f}x)")
    for section in lecture_sections():
        seconds = _best(section.build, repeats=1)
        print(f"  section {section.name:<14} {seconds:.2f} s")


def test_the_command_end_to_end(tmp_path):
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import symbackprop.cli"], check=True)
    imports = time.perf_counter() - started
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "symbackprop", "derive", "--out", str(tmp_path / "lecture.tex")], check=True,
                   capture_output=True)
    command = time.perf_counter() - started
    line = f"\nsymbackprop derive --out lecture.tex: {command:.2f} s (python + imports alone: {imports:.2f} s)"
    if shutil.which("pdflatex"):
        started = time.perf_counter()
        subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "lecture.tex"], cwd=tmp_path,
                       check=True, capture_output=True)
        line += f"; pdflatex lecture.tex: {time.perf_counter() - started:.2f} s"
    print(line)


def test_document_for_a_larger_network():
    net = MLP([8, 8, 8, 8, 4])
    from symbackprop.emit import build_document, network_section

    proof = _best(lambda: prove(net), repeats=1)
    document = _best(lambda: build_document([network_section(net)]), repeats=1)
    print(f"\n[8, 8, 8, 8, 4]: document {document:.2f} s, prove alone {proof:.2f} s ({document / proof:.1f}x)")
