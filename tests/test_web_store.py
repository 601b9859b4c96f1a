"""The record of checks: SQLite in WAL mode, one committed row per check, an export for symbackprop grade
that is written atomically and never over its input."""

from __future__ import annotations

import csv
import os
import sqlite3
import subprocess
import sys

import pytest
from starlette.testclient import TestClient

from symbackprop.errors import DataError
from symbackprop.web.app import Settings, create_app
from symbackprop.web.store import SubmissionStore, export_submissions

from .web_support import NET, RIGHT


def test_the_database_runs_in_wal_mode_and_keeps_every_field(tmp_path):
    store = SubmissionStore(tmp_path / "checks.sqlite")
    row = store.record(student="s1", part="1a", network=NET, wrt="b^2_1", answer="δ^2_1, \"quoted\"\nnext line", verdict="wrong", mistake="sign")
    store.close()
    connection = sqlite3.connect(tmp_path / "checks.sqlite")
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    stored = connection.execute("SELECT row, student, part, network, wrt, answer, verdict, mistake, time FROM checks").fetchone()
    assert stored[:8] == (row, "s1", "1a", '{"activation":"sigmoid","bias":true,"loss":"squared","output":null,"sizes":[2,2,1]}',
                          "b^2_1", "δ^2_1, \"quoted\"\nnext line", "wrong", "sign")
    assert stored[8].endswith("+00:00")


def test_the_export_has_each_students_latest_answer_per_part_and_reads_back_exactly(tmp_path):
    store = SubmissionStore(tmp_path / "checks.sqlite")
    for student, part, answer in [("b", "1a", "first"), ("a", "1a", "x, y"), ("b", "1a", "second"), ("a", "2", "=cmd|' /C calc'!A0"),
                                  ("a", "1a", "-2(y_1 - a^2_1)"), (None, None, "practice"), ("c", None, "no part")]:
        store.record(student=student, part=part, network=NET, wrt="b^2_1", answer=answer, verdict="wrong")
    store.close()
    summary = export_submissions(tmp_path / "checks.sqlite", tmp_path / "submissions.csv")
    with open(tmp_path / "submissions.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["id", "part", "answer"], ["a", "1a", "-2(y_1 - a^2_1)"], ["a", "2", "=cmd|' /C calc'!A0"], ["b", "1a", "second"]]
    assert (summary.written, summary.checks, summary.without_student_or_part) == (3, 7, 2)
    assert [name for name in os.listdir(tmp_path) if name.endswith(".tmp")] == []


def test_the_export_never_overwrites_its_input_and_refuses_other_files(tmp_path):
    database = tmp_path / "checks.sqlite"
    SubmissionStore(database).close()
    with pytest.raises(DataError, match="overwrite the database"):
        export_submissions(database, database)
    with pytest.raises(DataError, match="no submissions database"):
        export_submissions(tmp_path / "missing.sqlite", tmp_path / "out.csv")
    (tmp_path / "other.sqlite").write_bytes(b"not a database at all" * 100)
    with pytest.raises(DataError):
        export_submissions(tmp_path / "other.sqlite", tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_an_unusable_database_path_is_one_error(tmp_path):
    with pytest.raises(DataError, match="cannot use"):
        SubmissionStore(tmp_path / "no" / "such" / "dir" / "checks.sqlite")


def test_records_committed_before_a_kill_survive_it(tmp_path):
    """A process that records and is then killed (SIGKILL, no clean-up) loses nothing it recorded."""
    database = tmp_path / "checks.sqlite"
    script = (
        "import os, signal\n"
        "from symbackprop.web.store import SubmissionStore\n"
        f"store = SubmissionStore({str(database)!r})\n"
        "for n in range(50):\n"
        "    store.record(student=f's{n}', part='1a', network=None, wrt='b^2_1', answer=str(n), verdict='wrong')\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], check=False)
    assert completed.returncode == -9
    assert sqlite3.connect(database).execute("SELECT COUNT(*) FROM checks").fetchone()[0] == 50


def test_a_check_that_cannot_be_recorded_is_not_answered_as_if_it_were(tmp_path, monkeypatch):
    with TestClient(create_app(Settings(db=tmp_path / "checks.sqlite", workers=1, rate_limit=0))) as client:
        services = client.app.state.services

        def failing(**fields):  # noqa: ANN003, ANN202
            raise DataError("disk full")

        monkeypatch.setattr(services.store, "record", failing)
        response = client.post("/api/check", json={"network": NET, "wrt": "b^2_1", "answer": RIGHT})
        assert response.status_code == 503 and "could not be recorded" in response.json()["error"]
