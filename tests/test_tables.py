"""Strict CSV reading: every row is read or reported with its line number; nothing is dropped or swallowed."""

from __future__ import annotations

import io

import pytest

from symbackprop.errors import DataError
from symbackprop.tables import read_table


def _read(text: str, **kwargs):
    kwargs.setdefault("required", ["id", "answer"])
    return read_table(io.StringIO(text), **kwargs)


def test_clean_rows_are_read_with_their_line_numbers():
    table = _read('\ufeffID , Answer\n1,"a + b"\n\n2,"x, y"\n')
    assert [(row.line, row.values) for row in table.rows] == [(2, {"id": "1", "answer": "a + b"}), (4, {"id": "2", "answer": "x, y"})]
    assert table.problems == () and table.count == 2


def test_an_unquoted_comma_in_a_latex_answer_is_reported_not_truncated():
    table = _read("id,answer\n1,a\\,b\n2,c\n")
    assert [row.values["id"] for row in table.rows] == ["2"]
    (problem,) = table.problems
    assert problem.line == 2 and "3 fields where the header has 2" in problem.message and "'b'" in problem.message
    assert "double quotes" in problem.message and problem.values["id"] == "1"


def test_an_unbalanced_quote_does_not_swallow_the_rows_after_it():
    table = _read('id,answer\n1,a\n2,"b\n3,c\n4,"d"\n5,e\n')
    assert [row.values["id"] for row in table.rows] == ["1", "3", "4", "5"]
    assert [(p.line, p.message.split(":")[0]) for p in table.problems] == [(3, "unterminated quote")]
    assert table.count == 5


def test_a_quoted_cell_may_span_lines():
    table = _read('id,answer\n1,"first line\nsecond line"\n2,b\n')
    assert [row.values["answer"] for row in table.rows] == ["first line\nsecond line", "b"]
    assert [row.line for row in table.rows] == [2, 4]


def test_duplicate_and_empty_keys_and_short_rows_are_reported():
    table = _read("id,part,answer\n1,a,x\n1,a,y\n1,b,z\n,c,w\n2,a\n", required=["id", "part", "answer"], key=("id", "part"))
    assert [row.line for row in table.rows] == [2, 4]
    messages = {p.line: p.message for p in table.problems}
    assert "duplicate id '1', part 'a' (first on line 2)" in messages[3]
    assert messages[5] == "empty id"
    assert "2 field(s) where the header has 3" in messages[6]



def test_an_optional_key_column_is_a_key_only_when_the_file_has_it():
    keyed = _read("ID,answer\n1,x\n1,y\n", required=["answer"], optional=["id"], key=("id",))
    assert [row.line for row in keyed.rows] == [2]
    assert [(p.line, p.message) for p in keyed.problems] == [(3, "duplicate id '1' (first on line 2)")]
    unkeyed = _read("answer\nx\nx\n", required=["answer"], optional=["id"], key=("id",))
    assert [row.line for row in unkeyed.rows] == [2, 3] and unkeyed.problems == ()

@pytest.mark.parametrize(
    "text, fragment",
    [("", "is empty"), ("\n\n", "is empty"), ("id,wrt\n1,x\n", r"needs the column\(s\) answer"), ("id,answer,id\n", "more than once")],
)
def test_whole_file_problems_are_one_clear_error(text, fragment):
    with pytest.raises(DataError, match=fragment):
        _read(text)


def test_a_file_that_is_not_utf8_is_a_clear_error(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("id,answer\n1,é\n".encode("latin-1"))
    with pytest.raises(DataError, match="not UTF-8"):
        read_table(path, required=["id", "answer"])


def test_a_cell_longer_than_the_csv_modules_default_limit_is_read():
    """csv's own limit is 131,072 characters; before, such a row was reported as unreadable."""
    table = _read("id,answer\n1," + "x" * 200_000 + "\n2,y\n")
    assert [len(row.values["answer"]) for row in table.rows] == [200_000, 1] and table.problems == ()
