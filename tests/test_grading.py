"""Grading a class: CSV in, a process pool with a hard time limit per answer, CSV out — and no single row
(hostile, empty, unreadable, hanging or crashing) stops the others."""

from __future__ import annotations

import csv
import io
import os
import time

import pytest

from symbackprop import MLP
from symbackprop.answers import check_answer, grade_answers, read_answers, write_results
from symbackprop.answers import grading
from symbackprop.errors import DataError

NET = MLP([2, 2, 1], activation="sigmoid", bias=True)

CLASS = [
    {"id": "ada", "answer": "delta^2_1 * sigma'(z^2_1)"},
    {"id": "ben", "answer": "delta^2_1 * sigma'(z^2_1) * a^1_2"},
    {"id": "cy", "answer": "2(y_1 - a^2_1) a^2_1 (1 - a^2_1)"},
    {"id": "dee", "answer": "__import__('os').system('echo pwned')"},
    {"id": "eve", "answer": "9^9^9^9"},
    {"id": "fay", "answer": ""},
    {"id": "gus", "answer": r"\delta^{1}_{1}\,\sigma'(z^{1}_{1})", "wrt": "b^1_1"},
    {"id": "hal", "answer": "x_1", "wrt": "w^7_11"},
]
EXPECTED = ["correct", "wrong", "wrong", "syntax error", "syntax error", "syntax error", "correct", "error"]


def test_a_class_is_graded_in_order_with_per_row_parameters():
    graded = grade_answers(NET, CLASS, wrt="b^2_1", workers=2)
    assert [g.verdict for g in graded] == EXPECTED
    assert [g.id for g in graded] == [row["id"] for row in CLASS]
    assert graded[1].mistake == "extra_activation" and graded[2].mistake == "sign"
    assert graded[6].wrt == "b^1_1" and graded[0].wrt == "b^2_1"
    assert "layer 7 does not exist" in graded[7].feedback
    assert "at character" in graded[3].feedback


def test_the_pool_gives_the_same_verdicts_as_checking_one_by_one():
    pooled = grade_answers(NET, CLASS[:3] + CLASS[6:7], wrt="b^2_1", workers=2)
    for row, result in zip(CLASS[:3] + CLASS[6:7], pooled):
        alone = check_answer(NET, row.get("wrt", "b^2_1"), row["answer"])
        assert result.verdict == alone.status and result.feedback == alone.feedback


def test_serial_grading_in_this_process_matches_the_pool():
    serial = grade_answers(NET, CLASS, wrt="b^2_1", workers=0)
    assert [g.verdict for g in serial] == EXPECTED


def test_a_hanging_or_crashing_answer_is_stopped_and_the_rest_are_graded(monkeypatch):
    """Workers are forked after the patch, so they inherit a checker that hangs on one answer and
    kills its own process on another; the pool must kill the first, replace both, and go on."""
    real = grading.check_answer

    def misbehaving(net, wrt, answer, **kwargs):  # noqa: ANN001, ANN003, ANN202
        if answer == "HANG":
            time.sleep(3600)
        if answer == "CRASH":
            os._exit(3)
        return real(net, wrt, answer, **kwargs)

    monkeypatch.setattr(grading, "check_answer", misbehaving)
    rows = [("r1", "HANG"), ("r2", "delta^2_1 * sigma'(z^2_1)"), ("r3", "CRASH"), ("r4", "delta^2_1"), ("r5", "δ^2_1 σ'(z^2_1)")]
    started = time.monotonic()
    graded = grade_answers(NET, rows, wrt="b^2_1", workers=2, time_limit=0.1)
    assert [g.verdict for g in graded] == ["timeout", "correct", "error", "wrong", "correct"]
    assert "stopped" in graded[0].feedback and "process stopped" in graded[2].feedback
    assert time.monotonic() - started < 3600  # the hanging worker was killed, not waited for


# --- CSV in and out ----------------------------------------------------------------------------------

def test_read_answers_accepts_header_variants_and_turns_bad_rows_into_error_rows(tmp_path):
    path = tmp_path / "class.csv"
    path.write_bytes(
        "\ufeffID, Answer ,WRT\n"
        "s1,delta^2_1 * sigma'(z^2_1),b^2_1\n"
        "s2\n"
        "\n"
        ",x_1,\n".encode("utf-8") + b"s4,\xff\xfe broken bytes,b^2_1\n"
    )
    rows = read_answers(path)
    assert [row["id"] for row in rows] == ["s1", "s2", "line 5", "s4"]
    assert [row["line"] for row in rows] == [2, 3, 5, 6]
    assert rows[0]["wrt"] == "b^2_1" and rows[2]["wrt"] is None
    assert rows[1]["problem"] == "line 3: 1 field(s) where the header has 3 (id, answer, wrt)"
    assert rows[2]["problem"] == "line 5: empty id"  # a row nobody can be credited with
    assert rows[3]["problem"] == "line 6: not UTF-8 text; save the file as UTF-8 CSV"
    graded = grade_answers(NET, rows, wrt="b^2_1", workers=0)
    assert [g.verdict for g in graded] == ["correct", "error", "error", "error"]
    assert graded[3].feedback.startswith("line 6:")



def test_read_answers_keys_rows_by_id_only_when_there_is_an_id_column(tmp_path):
    keyed, unkeyed = tmp_path / "keyed.csv", tmp_path / "unkeyed.csv"
    keyed.write_text("answer,Id\ndelta^2_1,s1\nx_1,s1\n", encoding="utf-8")
    unkeyed.write_text("\n\nanswer\ndelta^2_1\ndelta^2_1\n", encoding="utf-8")
    rows = read_answers(keyed)
    assert [(row["id"], row["line"], row["problem"]) for row in rows] == [("s1", 2, None), ("s1", 3, "line 3: duplicate id 's1' (first on line 2)")]
    assert [g.verdict for g in grade_answers(NET, rows, wrt="b^2_1", workers=0)] == ["wrong", "error"]  # the repeat is counted, not dropped
    assert [(row["id"], row["line"], row["problem"]) for row in read_answers(unkeyed)] == [("line 4", 4, None), ("line 5", 5, None)]

def test_a_huge_field_is_read_and_rejected_by_the_length_limit(tmp_path):
    path = tmp_path / "class.csv"
    path.write_text("id,answer\nbig," + "x_1+" * 100_000 + "x_1\nok,delta^2_1\n", encoding="utf-8")
    graded = grade_answers(NET, read_answers(path), wrt="b^2_1", workers=0)
    assert [g.verdict for g in graded] == ["syntax error", "wrong"]
    assert "longer than" in graded[0].feedback


@pytest.mark.parametrize(
    "content, message",
    [("", "empty"), ("id,text\n1,x\n", r"needs the column\(s\) answer")],
)
def test_unusable_files_raise_data_errors(tmp_path, content, message):
    path = tmp_path / "class.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        read_answers(path)
    with pytest.raises(DataError, match="cannot read"):
        read_answers(tmp_path / "missing.csv")


def test_results_csv_has_every_column_and_defuses_spreadsheet_formulas():
    graded = grade_answers(NET, [("=HYPERLINK(\"http://x\")", "-delta^2_1 * sigma'(z^2_1)"), ("s2", "delta^2_1")], wrt="b^2_1", workers=0)
    buffer = io.StringIO()
    write_results(buffer, graded)
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert list(rows[0]) == list(grading.RESULT_COLUMNS)
    assert rows[0]["id"].startswith("'=") and rows[0]["answer"].startswith("'-")
    assert rows[0]["verdict"] == "wrong" and rows[0]["mistake"] == "sign"
    assert rows[1]["mistake"] == "missing_phi_prime" and rows[1]["counterexample"].startswith("at x_1=")
    assert rows[1]["expected"].startswith(r"\frac{\partial e}{\partial b^{2}_{1}}")
