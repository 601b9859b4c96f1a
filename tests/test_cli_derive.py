"""``symbackprop derive`` through the real entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from symbackprop.cli import main
from symbackprop.emit import build_document
from symbackprop.lecture.regenerate import DERIVATIONS

from .latex_tools import require_tools

ROOT = Path(__file__).resolve().parent.parent
from .test_cli import run_cli


def test_derive_without_options_writes_the_whole_lecture_and_its_figures(tmp_path):
    out = tmp_path / "lecture.tex"
    result = run_cli("derive", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"wrote {out} and its figures lecture-schedules.pdf, lecture-paths.pdf, lecture-norms.pdf" in result.stdout
    lecture = DERIVATIONS["lecture.tex"]
    assert out.read_text(encoding="ascii") == build_document(lecture.sections(), title=lecture.title, figure_prefix="lecture")
    assert r"\newcommand{\figurefile}[1]{lecture-#1}" in out.read_text()
    for name in ("paths", "norms", "schedules"):
        assert (tmp_path / f"lecture-{name}.pdf").read_bytes()[:4] == b"%PDF"


def test_derive_a_network_and_compile_it(tmp_path):
    require_tools("pdflatex")
    out = tmp_path / "net.tex"
    result = run_cli("derive", "--sizes", "3,3,2", "--activation", "sigmoid", "--bias", "--parameter", "w^2_12",
                     "--out", str(out), "--pdf")
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert r"with respect to $w^{2}_{12}$" in text and r"\sigma'\left(z^{1}_{1}\right)" in text
    assert (tmp_path / "net.pdf").exists() and "pages" in result.stdout and "overfull" not in result.stdout


def test_derive_softmax_network_adds_the_kl_section(tmp_path, capsys):
    out = tmp_path / "soft.tex"
    assert main(["derive", "--sizes", "2,3", "--output", "softmax", "--loss", "cross_entropy", "--out", str(out)]) == 0
    text = out.read_text()
    assert r"\section{Softmax outputs and the KL divergence (L18--L22)}" in text and r"q_{3} - y_{3}" in text


def test_derive_all_regenerates_the_committed_documents_and_figures(tmp_path, capsys):
    assert main(["derive", "--all", str(tmp_path)]) == 0
    tex = sorted(p.name for p in tmp_path.glob("*.tex"))
    assert tex == sorted(DERIVATIONS)
    assert {p.name for p in tmp_path.glob("*.pdf")} == {p.name for p in (ROOT / "derivations").glob("*.pdf")}


def test_the_lecturers_controls_reach_the_document(tmp_path, capsys):
    notes = tmp_path / "notes.tex"
    notes.write_text("%% before: recursion\n\\paragraph{In class.} On the board, then here.\n", encoding="utf-8")
    out = tmp_path / "week.tex"
    assert main(["derive", "--out", str(out), "--title", "Week 5: backpropagation", "--author", "P. Balamurugan",
                 "--course", "IE 643", "--date", "30 August 2022", "--sections", "notation,example-backprop,recursion,bias",
                 "--notes", str(notes), "--no-answers"]) == 0
    text = out.read_text()
    assert r"\title{Week 5: backpropagation\\[0.4em]\large IE 643}" in text and r"\date{30 August 2022}" in text
    assert text.count(r"\section{") == 4 and text.index("On the board") < text.index(r"\section{The general recursion")
    assert r"\textbf{Answer.}" not in text and r"\answerbox{12}" in text
    assert not list(tmp_path.glob("week-*.pdf"))  # none of the chosen sections has a figure


def test_the_notes_file_is_never_overwritten(tmp_path, capsys):
    notes = tmp_path / "notes.tex"
    notes.write_text("%% before: data\nmine\n", encoding="utf-8")
    assert main(["derive", "--out", str(notes), "--notes", str(notes), "--sections", "data"]) == 2
    assert "also an input" in capsys.readouterr().err and notes.read_text() == "%% before: data\nmine\n"


def test_a_foreign_file_is_not_replaced_without_force(tmp_path, capsys):
    out = tmp_path / "mine.tex"
    out.write_text("my own notes\n", encoding="utf-8")
    assert main(["derive", "--out", str(out), "--sections", "notation"]) == 2
    assert "was not written by symbackprop" in capsys.readouterr().err and out.read_text() == "my own notes\n"
    assert main(["derive", "--out", str(out), "--sections", "notation", "--force"]) == 0


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
        (["derive", "--all", "d", "--no-answers"], "--all regenerates the committed documents"),
        (["derive", "--out", "x.tex", "--sections", "data,nope"], "no section named 'nope'; sections are: notation, data"),
        (["derive", "--sizes", "2,2", "--out", "x.tex", "--sections", "recursion"], "no section named 'recursion'; sections are: notation, forward"),
        (["derive", "--out", "x.tex", "--notes", "missing.tex"], "notes file 'missing.tex' does not exist"),
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
    for option in ("--sizes", "--activation", "--output", "--bias", "--loss", "--out FILE.tex", "--pdf", "--all DIR", "--parameter",
                   "--title", "--author", "--course", "--date", "--sections", "--notes", "--no-answers"):
        assert option in result.stdout, option
