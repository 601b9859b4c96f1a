"""The strict JSON reader: what plain ``json.loads`` lets through (or raises a bare error for) is one line of the caller's error."""

from __future__ import annotations

import pytest

from symbackprop.errors import DataError, SpecError
from symbackprop.strict_json import MAX_DIGITS, read_json_file, read_text_file, strict_loads


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": 1, "a": 2}', "the key 'a' appears twice in one object"),
        ("[NaN]", "NaN is not a number JSON allows"),
        ("[-Infinity]", "-Infinity is not a number JSON allows"),
        ("[1e999]", "the number 1e999 is too large for a float"),
        ("[-2.5e400]", "the number -2.5e400 is too large for a float"),
        ("[" + "9" * (MAX_DIGITS + 1) + "]", f"a whole number of {MAX_DIGITS + 1:,} digits"),
        ("[" * 100_000, "nested too deeply"),
        ("[1,]", "not valid JSON: Expecting value at line 1, column 4"),
    ],
)
def test_what_plain_json_accepts_or_crashes_on_is_the_callers_one_line_error(text, message):
    with pytest.raises(SpecError) as raised:
        strict_loads(text, SpecError)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_ordinary_json_reads_as_json_loads_reads_it():
    text = '{"n": -12, "x": 0.5, "big": ' + "9" * MAX_DIGITS + ', "e": 1e300, "l": [true, null, "\\u00e9"]}'
    assert strict_loads(text, SpecError) == {"n": -12, "x": 0.5, "big": int("9" * MAX_DIGITS), "e": 1e300, "l": [True, None, "é"]}


def test_a_file_is_capped_before_it_is_read_and_named_in_every_error(tmp_path):
    path = tmp_path / "doc.json"
    path.write_text('{"a": [1, 2]}')
    assert read_json_file(path, max_bytes=100) == {"a": [1, 2]}
    with pytest.raises(DataError, match=r"doc\.json: 13 bytes is larger than this file may be \(12 bytes\)"):
        read_json_file(path, max_bytes=12)
    path.write_bytes(b"\xef\xbb\xbf{}")
    assert read_text_file(path, max_bytes=10) == "{}"  # a byte-order mark is not content
    path.write_text('{"a": 1, "a": 1}')
    with pytest.raises(DataError, match=r"doc\.json: the key 'a' appears twice"):
        read_json_file(path, max_bytes=100)


def test_grade_refuses_a_variants_json_with_an_overlong_number_in_one_line(tmp_path, capsys):
    from symbackprop.cli import main

    variants = tmp_path / "variants.json"
    variants.write_text('{"generator": "symbackprop", "seed": ' + "1" * 5000 + ', "students": {}}', encoding="utf-8")
    answers = tmp_path / "answers.csv"
    answers.write_text("id,part,answer\n", encoding="utf-8")
    assert main(["grade", "--variants", str(variants), "--answers", str(answers), "--out", str(tmp_path / "gradebook.csv")]) == 2
    error = capsys.readouterr().err
    assert error == f"symbackprop grade: error: {variants}: a whole number of 5,000 digits (at most {MAX_DIGITS:,})\n"
    assert not (tmp_path / "gradebook.csv").exists()
