"""`symbackprop demo`, run as a user runs it: every step, every file, and a clear summary."""

from __future__ import annotations

import os
import shutil

import pytest

from .test_cli import run_cli


def test_demo_runs_end_to_end_and_says_where_every_file_went(tmp_path):
    out = tmp_path / "demo"
    result = run_cli("demo", "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "simple example: PROVED — 2/2 entries identical (exact)" in text
    assert "example network [2, 3, 2, 2], biases, every φ: PROVED — 23/23" in text
    for method in ("gd ", "gd-exact", "sgd", "minibatch"):
        assert f"\n   {method}" in text
    assert "22/22 items settled as the lecture says: 12 proved (general), 4 proved, 1 refuted, 1 checked, 4 demonstrated" in text
    assert "everything came out as the lecture says" in text
    for name in ("loss.png", "gradient-norms.png", "descent-paths.png", "schedules.png", "lecture.tex",
                 "lecture-paths.pdf", "lecture-norms.pdf", "lecture-schedules.pdf"):
        assert (out / name).exists() and str(out / name) in text
    for name in ("loss.png", "gradient-norms.png", "descent-paths.png", "schedules.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG" and b"Software\x00symbackprop" in (out / name).read_bytes()[:4096]
    if shutil.which("pdflatex"):
        assert (out / "lecture.pdf").read_bytes()[:4] == b"%PDF" and str(out / "lecture.pdf") in text
    elif os.environ.get("SYMBACKPROP_REQUIRE_PDFLATEX") == "1":
        pytest.fail("pdflatex is required here (SYMBACKPROP_REQUIRE_PDFLATEX=1) but missing")


def test_demo_without_pdf_still_writes_the_tex(tmp_path):
    result = run_cli("demo", "--out", str(tmp_path), "--no-pdf")
    assert result.returncode == 0 and (tmp_path / "lecture.tex").exists() and not (tmp_path / "lecture.pdf").exists()
