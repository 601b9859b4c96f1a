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
from symbackprop.lecture import story
from symbackprop.lecture.document import lecture_sections
from symbackprop.lecture.regenerate import render
from symbackprop.proof import prove

# ``symbackprop derive --out lecture.tex`` before the notes were rewritten (issue 10), measured on the 2-core
# development machine (README, Benchmarks): the figure the end-to-end time below is compared with.
TODAY_SECONDS = 10.0

pytestmark = pytest.mark.benchmark


def _clear() -> None:
    clear_caches()
    for name in dir(story):  # the story's runs and experiments are computed once per process: start afresh
        cached = getattr(story, name)
        if hasattr(cached, "cache_clear"):
            cached.cache_clear()
    from symbackprop.lecture import claims

    claims._settle.cache_clear()


def _best(function, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        _clear()
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def test_lecture_document_against_the_proofs_it_reports():
    networks = (story.simple_network, story.deep_network, story.classification_network)
    baseline = _best(lambda: [prove(make()) for make in networks])
    document = _best(lambda: render("lecture.tex"))
    print(f"\nlecture.tex: build {document:.2f} s; proving its networks alone {baseline:.2f} s "
          f"(document / proofs = {document / baseline:.1f}x)")
    _clear()
    for section in lecture_sections():  # in order, so each pays only for what the story has not computed yet
        started = time.perf_counter()
        section.build()
        print(f"  section {section.name:<16} {time.perf_counter() - started:.2f} s")


def test_the_command_end_to_end(tmp_path):
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import symbackprop.cli"], check=True)
    imports = time.perf_counter() - started
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "symbackprop", "derive", "--out", str(tmp_path / "lecture.tex")], check=True,
                   capture_output=True)
    command = time.perf_counter() - started
    line = (f"\nsymbackprop derive --out lecture.tex (with its three figures): {command:.2f} s, {command / TODAY_SECONDS:.2f}x "
            f"the {TODAY_SECONDS:.0f} s before issue 10 (python + imports alone: {imports:.2f} s)")
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
