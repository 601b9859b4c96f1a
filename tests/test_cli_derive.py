"""``symbackprop derive`` through the real entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from symbackprop.cli import main
from symbackprop.lecture.regenerate import DERIVATIONS, render

from .latex_tools import require_tools
from .test_cli import run_cli


def test_derive_without_options_writes_the_whole_lecture(tmp_path):
    out = tmp_path / "lecture.tex"
    result = run_cli("derive", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}" in result.stdout
    assert out.read_text(encoding="ascii") == render("lecture.tex").replace(
        "% Regenerate with: symbackprop derive --all derivations/\n", ""
    )


def test_derive_a_network_and_compile_it(tmp_path):
    require_tools("pdflatex")
    out = tmp_path / "net.tex"
    result = run_cli("derive", "--sizes", "3,3,2", "--activation", "sigmoid", "--bias", "--parameter", "w^2_12",
                     "--out", str(out), "--pdf")
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert r"Direct derivative of $w^{2}_{12}$" in text and r"\sigma'\left(z^{1}_{1}\right)" in text
    assert (tmp_path / "net.pdf").exists() and "pages" in result.stdout and "overfull" not in result.stdout


def test_derive_softmax_network_adds_the_kl_section(tmp_path, capsys):
    out = tmp_path / "soft.tex"
    assert main(["derive", "--sizes", "2,3", "--output", "softmax", "--loss", "cross_entropy", "--out", str(out)]) == 0
    text = out.read_text()
    assert r"\section{Softmax outputs and KL (L18--L22)}" in text and r"q_{3} - y_{3}" in text


def test_derive_all_regenerates_the_committed_documents(tmp_path, capsys):
    assert main(["derive", "--all", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(DERIVATIONS)


def test_pdf_without_pdflatex_says_so_clearly(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    env = dict(os.environ, PATH=str(bin_dir), PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    out = tmp_path / "x.tex"
    result = subprocess.run(
        [sys.executable, "-m", "symbackprop", "derive", "--sizes", "1,1", "--out", str(out), "--pdf"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == 1
    assert out.exists() and "pdflatex is not installed" in result.stderr and "texlive-latex-base" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args,message",
    [
        (["derive", "--out", "x.pdf"], "--out must name a .tex file"),
        (["derive", "--sizes", "2,2", "--parameter", "w^3_11", "--out", "x.tex"], "layer 3 does not exist"),
        (["derive", "--sizes", "2,2", "--parameter", "os.system('ls')", "--out", "x.tex"], "expected a parameter name"),
        (["derive", "--parameter", "w^1_11", "--out", "x.tex"], "--parameter needs a network"),
        (["derive", "--all", "d", "--bias"], "--all regenerates the committed documents"),
        (["derive", "--sizes", "2,0", "--out", "x.tex"], "N_1 must be at least 1"),
    ],
)
def test_bad_derive_input_gives_a_clear_error(args, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "x.tex").exists()


def test_derive_needs_an_output(capsys):
    with pytest.raises(SystemExit):
        main(["derive"])
    assert "one of the arguments --out --all is required" in capsys.readouterr().err


def test_derive_help_names_the_options():
    result = run_cli("derive", "--help")
    assert result.returncode == 0
    for option in ("--sizes", "--activation", "--output", "--bias", "--loss", "--out FILE.tex", "--pdf", "--all DIR", "--parameter"):
        assert option in result.stdout, option
