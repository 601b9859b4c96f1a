"""Every command that writes a file follows the output policy (symbackprop/files.py): never over an input,
never over a file symbackprop did not write unless --force, atomically, missing folders created and said so;
what symbackprop writes is recognised as its own (.tex header, PDF Creator, PNG Software, CSV header).

Before: `check --answers in.csv --out in.csv` replaced the class's answers with the results; derive --out,
--pdf, train --plot, claims --tex/--plot and demo --out overwrote existing files without a word; derive
created missing folders while train --plot refused them; a results CSV graded again turned correct
answers into syntax errors (the formula guard's leading apostrophe)."""

from __future__ import annotations

import csv
import shutil

import pytest

from symbackprop.cli import main
from symbackprop.files import PNG_SOFTWARE, is_symbackprop_output

FOREIGN = "somebody's own work\n"
CHECK = ["check", "--sizes", "2,2,1", "--activation", "sigmoid", "--bias"]


def _foreign(path):  # noqa: ANN001, ANN202
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FOREIGN)
    return path


@pytest.mark.parametrize(
    "command, name",
    [
        (["derive", "--sizes", "2,1", "--out"], "thesis.tex"),
        (["train", "--method", "gd", "--epochs", "3", "--quiet", "--plot"], "loss.png"),
        (["claims", "--quick", "--tex"], "claims.tex"),
        (["claims", "--quick", "--plot"], "norms.png"),
    ],
)
def test_a_file_symbackprop_did_not_write_is_kept_and_replaced_only_with_force(tmp_path, capsys, command, name):
    target = _foreign(tmp_path / name)
    assert main([*command, str(target)]) == 2
    err = capsys.readouterr().err
    assert "was not written by symbackprop; pass --force" in err and "Traceback" not in err
    assert target.read_text() == FOREIGN
    assert main([*command, str(target), "--force"]) in (0, 1)
    assert is_symbackprop_output(target)
    assert main([*command, str(target)]) in (0, 1)  # now it is ours: replaced without --force


def test_derive_pdf_is_recognised_by_its_creator_and_written_atomically(tmp_path):
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    pdf = _foreign(tmp_path / "net.pdf")
    tex = tmp_path / "net.tex"
    assert main(["derive", "--sizes", "2,1", "--out", str(tex), "--pdf"]) == 2
    assert pdf.read_text() == FOREIGN and not tex.exists()  # refused before anything was written
    pdf.unlink()
    assert main(["derive", "--sizes", "2,1", "--out", str(tex), "--pdf"]) == 0
    assert is_symbackprop_output(pdf) and b"/Creator (symbackprop)" in pdf.read_bytes()
    assert main(["derive", "--sizes", "2,1", "--out", str(tex), "--pdf"]) == 0  # our own PDF is replaced
    assert sorted(path.name for path in tmp_path.iterdir()) == ["net.pdf", "net.tex"]  # no temporary left


def test_plots_name_symbackprop_in_their_png_metadata(tmp_path):
    from PIL import Image

    plot = tmp_path / "loss.png"
    assert main(["train", "--method", "gd", "--epochs", "3", "--quiet", "--plot", str(plot)]) == 0
    with Image.open(plot) as image:
        assert image.info.get("Software") == PNG_SOFTWARE


def test_missing_folders_are_created_and_said_so(tmp_path, capsys):
    for command in (["derive", "--sizes", "2,1", "--out", str(tmp_path / "a" / "x.tex")],
                    ["train", "--method", "gd", "--epochs", "3", "--quiet", "--plot", str(tmp_path / "b" / "loss.png")]):
        assert main(command) == 0
    err = capsys.readouterr().err
    assert f"created folder {tmp_path / 'a'}" in err and f"created folder {tmp_path / 'b'}" in err
    assert (tmp_path / "a" / "x.tex").exists() and (tmp_path / "b" / "loss.png").exists()


def test_an_unwritable_folder_is_a_one_line_error(capsys):
    assert main(["train", "--method", "gd", "--epochs", "3", "--quiet", "--plot", "/proc/no-such-dir/loss.png"]) == 2
    err = capsys.readouterr().err
    assert "error" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_demo_refuses_a_folder_with_somebody_elses_files_before_running(tmp_path, capsys):
    target = _foreign(tmp_path / "demo" / "lecture.tex")
    assert main(["demo", "--out", str(tmp_path / "demo"), "--no-pdf"]) == 2
    assert "lecture.tex exists and was not written by symbackprop" in capsys.readouterr().err
    assert target.read_text() == FOREIGN and sorted(p.name for p in target.parent.iterdir()) == ["lecture.tex"]


def test_derive_all_checks_every_file_before_writing_any(tmp_path, capsys):
    _foreign(tmp_path / "optimisers.tex")
    assert main(["derive", "--all", str(tmp_path)]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["optimisers.tex"]


def test_grading_never_writes_over_its_input(tmp_path, capsys):
    answers = tmp_path / "class.csv"
    answers.write_text("id,answer\ns1,delta^2_1\n", encoding="utf-8")
    before = answers.read_bytes()
    for extra in ([], ["--force"]):
        assert main([*CHECK, "--wrt", "b^2_1", "--answers", str(answers), "--out", str(answers), "--jobs", "0", *extra]) == 2
        assert "is also an input of this command" in capsys.readouterr().err
    assert answers.read_bytes() == before


def test_a_results_csv_graded_again_gives_the_same_verdicts(tmp_path, capsys):
    answers = tmp_path / "class.csv"
    answers.write_text(
        "id,answer,wrt\n"
        "ada,\"-2(y_1 - a^2_1) a^2_1 (1 - a^2_1)\",b^2_1\n"  # starts with '-': guarded against spreadsheet formulas
        "=cmd,\"+delta^2_1 sigma'(z^2_1)\",b^2_1\n"
        "cy,\"-delta^2_1\",b^2_1\n"
        "dee,\"x_1 +\",b^2_1\n",
        encoding="utf-8",
    )
    first, second = tmp_path / "results.csv", tmp_path / "again.csv"
    assert main([*CHECK, "--answers", str(answers), "--out", str(first), "--jobs", "0"]) == 0
    assert main([*CHECK, "--answers", str(first), "--out", str(second), "--jobs", "0"]) == 0

    def verdicts(path):  # noqa: ANN001, ANN202
        with path.open(encoding="utf-8", newline="") as handle:
            return [(row["id"], row["answer"], row["verdict"]) for row in csv.DictReader(handle)]

    assert verdicts(first) == verdicts(second)
    assert [verdict for _, _, verdict in verdicts(first)] == ["correct", "correct", "wrong", "syntax error"]
    assert verdicts(first)[0][1].startswith("'-") and verdicts(first)[1][0] == "'=cmd"
    assert main([*CHECK, "--answers", str(answers), "--out", str(first), "--jobs", "0"]) == 0  # its own results: replaced
