"""``symbackprop homework --spec``: a spec file is read strictly (capped size, UTF-8, strict JSON or TOML), and
every problem — with the file or with a value in it — is one line that names the file, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from symbackprop.cli import main
from symbackprop.errors import SpecError
from symbackprop.homework import load_spec
from symbackprop.homework.spec import MAX_SPEC_BYTES, HomeworkSpec

ROSTER = "id,name\nada,Ada Lovelace\nalan,Alan Turing\n"


def _homework(tmp_path: Path, spec: Path) -> list[str]:
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    return ["homework", "--roster", str(roster), "--seed", "1", "--out", str(tmp_path / "out"), "--no-pdf", "--spec", str(spec)]


def _refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, content: str | bytes) -> str:
    """Run the command on a spec file holding ``content``; the one error line it printed (checked to be one
    line naming the file, with a non-zero exit and nothing written)."""
    spec = tmp_path / name
    spec.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    assert main(_homework(tmp_path, spec)) != 0
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("symbackprop homework: error: ") and str(spec) in lines[0], lines[0]
    assert "Traceback" not in captured.err and not (tmp_path / "out").exists()
    return lines[0]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"title": "a", "title": "b"}', "the key 'title' appears twice"),
        ('{"credit": {"convention": 0.5, "convention": 0.25}}', "the key 'convention' appears twice"),
        ('{"tolerance": NaN}', "NaN is not a number JSON allows"),
        ('{"tolerance": Infinity}', "Infinity is not a number JSON allows"),
        ('{"questions": [{"type": "triangle", "points": [1e999]}]}', "1e999 is too large for a float"),
        ('{"seed": 1' + "0" * 5000 + "}", "a whole number of 5,001 digits"),
        ('["title"]', "a homework spec is a table/object"),
        ('"just a string"', "a homework spec is a table/object"),
        ('{"questions": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
        ('{"title": "unclosed', "not valid JSON"),
        ('{"credit": 5}', "credit is a table/object"),
        ('{"conventions": 5}', "conventions must be a list"),
        ('{"conventions": [{}]}', "conventions must be a list"),
        ('{"questions": 5}', "questions is a list"),
        ('{"title": [1]}', "title is a string"),
        ('{"questions": [{"type": []}]}', "question 1: type must be one of"),
        ('{"questions": [{"type": "bias", "sizes": 5}]}', "question 1 (bias): sizes is a non-empty list"),
        ('{"questions": [{"type": "backprop", "bias": ["x"]}]}', "bias is a list of true/false"),
        ('{"questions": [{"type": "triangle", "points": [true]}]}', "points is a list of 1 positive numbers"),
        ('{"questions": [{"type": "kl", "classes": [true]}]}', "classes are whole numbers"),
    ],
)
def test_a_bad_json_spec_is_one_line_naming_the_file(tmp_path, capsys, content, expected):
    assert expected in _refused(tmp_path, capsys, "spec.json", content)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('title = "a"\ntitle = "b"\n', "not valid TOML"),
        ("tolerance = \n", "not valid TOML: Invalid value (at line 1, column 13)"),
        ("tolerance = nan\n", "nan is not a number a spec allows"),
        ('[[questions]]\ntype = "triangle"\npoints = [inf]\n', "inf is not a number a spec allows"),
        ("tolerance = 1" + "0" * 5000 + "\n", "a number cannot be read"),
        ("questions = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
        ('[[questions]]\ntype = "softmax"\nsizes = [[2, 1]]\n', "at least 2 output classes"),
    ],
)
def test_a_bad_toml_spec_is_one_line_naming_the_file_and_where(tmp_path, capsys, content, expected):
    assert expected in _refused(tmp_path, capsys, "spec.toml", content)


def test_a_spec_that_is_too_large_is_refused_before_it_is_read(tmp_path, capsys):
    content = '{"title": "' + "x" * MAX_SPEC_BYTES + '"}'
    assert f"larger than this file may be ({MAX_SPEC_BYTES} bytes)" in _refused(tmp_path, capsys, "spec.json", content)


@pytest.mark.parametrize(("name", "content"), [("spec.json", b'{"title": "\xff"}'), ("spec.toml", b'title = "\xff\xfe"\n')])
def test_a_spec_that_is_not_utf8_is_refused_at_its_first_bad_byte(tmp_path, capsys, name, content):
    first_bad = content.index(b"\xff")
    assert f"not UTF-8 text (byte {first_bad})" in _refused(tmp_path, capsys, name, content)


def test_a_spec_that_is_neither_json_nor_toml_or_missing_is_refused(tmp_path, capsys):
    assert "must be a .json or .toml file" in _refused(tmp_path, capsys, "spec.yaml", "title: x\n")
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    assert main(_homework(tmp_path, tmp_path / "absent.json")) != 0
    assert "cannot read" in capsys.readouterr().err


def test_good_json_and_toml_specs_make_the_homework_they_describe(tmp_path, capsys):
    spec = {"title": "Quiz", "tolerance": 0.001, "credit": {"convention": 0.25},
            "questions": [{"type": "kl", "points": [1, 3], "classes": [3], "denominators": [6]}, {"type": "triangle", "points": [2.5]}]}
    toml = ('title = "Quiz"\ntolerance = 0.001\n[credit]\nconvention = 0.25\n[[questions]]\ntype = "kl"\npoints = [1, 3]\nclasses = [3]\n'
            'denominators = [6]\n[[questions]]\ntype = "triangle"\npoints = [2.5]\n')
    for name, content in (("spec.json", json.dumps(spec)), ("spec.toml", toml)):
        folder = tmp_path / name.replace(".", "_")
        folder.mkdir()
        (folder / name).write_text(content, encoding="utf-8")
        assert main(_homework(folder, folder / name)) == 0, capsys.readouterr().err
        document = json.loads((folder / "out" / "variants.json").read_text(encoding="utf-8"))
        assert document["title"] == "Quiz" and document["spec"]["credit"]["convention"] == 0.25
        parts = document["students"]["ada"]["parts"]
        assert [(part["kind"], part["points"]) for part in parts] == [("value", 1.0), ("value", 3.0), ("yesno", 2.5)]
        assert all(part["tolerance"] == 0.001 for part in parts if part["kind"] == "value")


def test_building_a_spec_in_python_refuses_non_finite_points_and_keeps_tuples():
    with pytest.raises(SpecError, match="points is a list"):
        HomeworkSpec.build({"questions": [{"type": "triangle", "points": [float("inf")]}]})
    built = HomeworkSpec.build({"conventions": ("lecture", "half_loss"), "questions": ({"type": "triangle"},)})
    assert built.conventions == ("lecture", "half_loss") and len(built.questions) == 1
    assert load_spec(None).title.startswith("Homework")


def test_the_command_line_prints_no_traceback_for_a_bad_spec(tmp_path):
    spec = tmp_path / "spec.json"
    spec.write_text('{"credit": 5, "credit": 6}', encoding="utf-8")
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    completed = subprocess.run([sys.executable, "-m", "symbackprop", *_homework(tmp_path, spec)], capture_output=True, text=True, check=False)
    assert completed.returncode == 2
    assert completed.stderr.strip() == f"symbackprop homework: error: {spec}: the key 'credit' appears twice in one object"


def test_a_seed_grade_could_not_read_back_is_refused_before_anything_is_written(tmp_path, capsys):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    seed = "7" * 1001  # variants.json would hold it, and grade's strict reader refuse it
    with pytest.raises(SystemExit) as exit_info:
        main(["homework", "--roster", str(roster), "--seed", seed, "--out", str(tmp_path / "out"), "--no-pdf"])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "--seed: expected a whole number of at most 1000 digits, got 1001 digits" in error and "Traceback" not in error
    assert not (tmp_path / "out").exists()


def test_the_largest_seed_homework_accepts_is_one_grade_reads_back(tmp_path, capsys):
    from symbackprop.strict_json import read_json_file

    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    seed = "-" + "9" * 1000
    assert main(["homework", "--roster", str(roster), "--seed", seed, "--out", str(tmp_path / "out"), "--no-pdf"]) == 0
    assert read_json_file(tmp_path / "out" / "variants.json", max_bytes=10**8)["seed"] == int(seed)


def test_make_variants_itself_refuses_a_seed_grade_could_not_read_back():
    from symbackprop.homework.variants import make_variants

    spec = load_spec(None)
    with pytest.raises(SpecError, match="at most 1,000 digits"):
        make_variants(spec, 10**1000, [("ada", "Ada")])
    assert make_variants(spec, -(10**1000 - 1), [("ada", "Ada")])["seed"] == -(10**1000 - 1)
