"""Every check the server makes, recorded in SQLite before the student sees the verdict.

One table, ``checks``: when, who (a student id when one was given), which network, part and parameter,
the answer as typed, the verdict.  The database runs in WAL mode with ``synchronous=FULL`` and every
record is its own committed transaction, so a server that is killed loses at most the request it was
answering.  :func:`export_submissions` turns the records into the submissions CSV of ``symbackprop
grade`` (``id,part,answer``: each student's latest answer to each part).
"""

from __future__ import annotations

import csv
import datetime as _dt
import json
import os
import sqlite3
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError

__all__ = ["SubmissionStore", "ExportSummary", "export_submissions", "SUBMISSION_COLUMNS"]

SUBMISSION_COLUMNS = ("id", "part", "answer")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS checks (
    row INTEGER PRIMARY KEY AUTOINCREMENT,
    time TEXT NOT NULL,
    student TEXT,
    part TEXT,
    network TEXT NOT NULL,
    wrt TEXT,
    answer TEXT NOT NULL,
    verdict TEXT NOT NULL,
    mistake TEXT
);
CREATE INDEX IF NOT EXISTS checks_by_student_part ON checks (student, part, row);
"""


class SubmissionStore:
    """The server's record of checks (thread-safe: one connection, one lock, one commit per record)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        try:
            self._connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            mode = self._connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            self._connection.execute("PRAGMA synchronous=FULL")
            self._connection.executescript(_SCHEMA)
        except sqlite3.Error as error:
            raise DataError(f"cannot use {os.fspath(path)!r} as the submissions database: {error}") from None
        if str(mode).lower() != "wal":
            raise DataError(f"{os.fspath(path)!r}: SQLite could not switch to WAL mode (journal mode {mode!r})")
        self._lock = threading.Lock()

    def record(self, *, student: str | None, part: str | None, network: object, wrt: str | None, answer: str, verdict: str, mistake: str | None = None) -> int:
        """Store one check and commit it; returns its row number.  Raises DataError if it could not be stored."""
        stamp = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")
        values = (stamp, student, part, json.dumps(network, sort_keys=True, separators=(",", ":")), wrt, answer, verdict, mistake)
        with self._lock:
            try:
                cursor = self._connection.execute(
                    "INSERT INTO checks (time, student, part, network, wrt, answer, verdict, mistake) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    values,
                )
            except sqlite3.Error as error:
                raise DataError(f"the check could not be recorded: {error}") from None
            return int(cursor.lastrowid or 0)

    def count(self) -> int:
        with self._lock:
            return int(self._connection.execute("SELECT COUNT(*) FROM checks").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._connection.close()


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote: rows written, checks read, and checks without a student id or part (kept in
    the database, not in the submissions file, because ``grade`` could not place them)."""

    written: int
    checks: int
    without_student_or_part: int


def export_submissions(database: str | os.PathLike, out: str | os.PathLike) -> ExportSummary:
    """Write ``out`` (CSV ``id,part,answer``): each student's latest recorded answer to each part.

    The file is written to a temporary name and renamed into place; ``out`` may not be the database."""
    source, target = Path(database), Path(out)
    if not source.is_file():
        raise DataError(f"no submissions database at {os.fspath(database)!r}")
    if target.exists() and target.resolve() == source.resolve():
        raise DataError("the export would overwrite the database: choose another --export file")
    try:
        connection = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise DataError(f"cannot open {os.fspath(database)!r}: {error}") from None
    try:
        checks = connection.execute("SELECT COUNT(*) FROM checks").fetchone()[0]
        loose = connection.execute("SELECT COUNT(*) FROM checks WHERE student IS NULL OR part IS NULL").fetchone()[0]
        rows = connection.execute(
            """SELECT student, part, answer FROM checks
               WHERE row IN (SELECT MAX(row) FROM checks WHERE student IS NOT NULL AND part IS NOT NULL GROUP BY student, part)
               ORDER BY student, part"""
        ).fetchall()
    except sqlite3.Error as error:
        raise DataError(f"{os.fspath(database)!r} is not a submissions database of symbackprop serve: {error}") from None
    finally:
        connection.close()
    _write_atomically(target, rows)
    return ExportSummary(written=len(rows), checks=int(checks), without_student_or_part=int(loose))


def _write_atomically(target: Path, rows: list[tuple[str, str, str]]) -> None:
    directory = target.parent if str(target.parent) else Path(".")
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", dir=directory, prefix=f".{target.name}.", suffix=".tmp", delete=False)
    try:
        with handle:
            writer = csv.writer(handle)
            writer.writerow(SUBMISSION_COLUMNS)
            writer.writerows(rows)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
