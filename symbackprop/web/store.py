"""Every check the server makes, recorded in SQLite before the student sees the verdict — and read back as
the submissions ``symbackprop grade`` grades.

One table, ``checks``: when, who (a student id when one was given), which network, part and parameter, the
answer as typed and the conventions its author declared, the verdict, the named mistake, the points of a
homework part (and its maximum), and the student's variant.  The database runs in WAL mode with
``synchronous=FULL`` and every record is its own committed transaction, so a server that is killed loses at
most the request it was answering.  A ``symbackprop_meta`` table marks the file as symbackprop's (the output
policy of :mod:`symbackprop.files`): a database of something else is refused, never written into.

The submissions are each student's latest recorded answer to each part: :func:`recorded_submissions` gives
them as :class:`~symbackprop.homework.gradebook.Submission` rows (``symbackprop grade --db``), and
:func:`export_submissions` writes them as the submissions CSV (``symbackprop serve --export``).
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import os
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .. import __version__
from ..errors import DataError
from ..files import write_text
from ..homework.gradebook import Problem, Submission

__all__ = ["SubmissionStore", "ExportSummary", "Recorded", "export_submissions", "recorded_submissions", "SUBMISSION_COLUMNS"]

SUBMISSION_COLUMNS = ("id", "part", "answer", "conventions")
SCHEMA_VERSION = "2"
_COLUMNS = {  # every column of ``checks``, with its type; the first eight are those of schema 1
    "row": "INTEGER PRIMARY KEY AUTOINCREMENT", "time": "TEXT NOT NULL", "student": "TEXT", "part": "TEXT",
    "network": "TEXT NOT NULL", "wrt": "TEXT", "answer": "TEXT NOT NULL", "verdict": "TEXT NOT NULL", "mistake": "TEXT",
    "kind": "TEXT", "conventions": "TEXT", "points": "REAL", "max_points": "REAL", "variant": "TEXT",
}
_FIRST_SCHEMA = ("row", "time", "student", "part", "network", "wrt", "answer", "verdict")
_LATEST = """SELECT row, student, part, answer, conventions, variant FROM checks
             WHERE row IN (SELECT MAX(row) FROM checks WHERE student IS NOT NULL AND part IS NOT NULL GROUP BY student, part)
             ORDER BY student, part"""


def _tables(connection: sqlite3.Connection, where: str) -> set[str]:
    """The tables of a database, refused (before anything is written to it) unless it is new or ours."""
    tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if tables and not tables & {"checks", "symbackprop_meta"}:
        raise DataError(f"{where} is a database of something else (tables {', '.join(sorted(tables)[:5])}); "
                        "symbackprop serve records into its own database: choose a new file")
    return tables


def _prepare(connection: sqlite3.Connection, where: str) -> None:
    """Create the tables, or check that an existing file is a record of ``symbackprop serve`` (and bring a
    record of schema 1 up to date by adding the new columns)."""
    tables = _tables(connection, where)
    if "checks" in tables:
        present = [name for (_, name, *_) in connection.execute("PRAGMA table_info(checks)")]
        if not set(_FIRST_SCHEMA) <= set(present):
            raise DataError(f"{where}: its table 'checks' is not a record of symbackprop serve (columns {', '.join(present)})")
        for name, kind in _COLUMNS.items():
            if name not in present:
                connection.execute(f"ALTER TABLE checks ADD COLUMN {name} {kind.replace(' NOT NULL', '')}")
    else:
        columns = ",\n    ".join(f"{name} {kind}" for name, kind in _COLUMNS.items())
        connection.execute(f"CREATE TABLE checks (\n    {columns}\n)")
    connection.execute("CREATE INDEX IF NOT EXISTS checks_by_student_part ON checks (student, part, row)")
    connection.execute("CREATE TABLE IF NOT EXISTS symbackprop_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    connection.execute("INSERT OR REPLACE INTO symbackprop_meta VALUES ('generator', ?), ('schema', ?)", (f"symbackprop {__version__}", SCHEMA_VERSION))


class SubmissionStore:
    """The server's record of checks (thread-safe: one connection, one lock, one commit per record)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        where = os.fspath(path)
        try:
            self._connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            try:
                _tables(self._connection, where)
            except DataError:
                self._connection.close()
                raise
            mode = self._connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            self._connection.execute("PRAGMA synchronous=FULL")
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                _prepare(self._connection, where)
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")
        except sqlite3.Error as error:
            raise DataError(f"cannot use {where!r} as the submissions database: {error}") from None
        if str(mode).lower() != "wal":
            raise DataError(f"{where!r}: SQLite could not switch to WAL mode (journal mode {mode!r})")
        self._lock = threading.Lock()

    def record(
        self,
        *,
        student: str | None,
        part: str | None,
        network: object,
        wrt: str | None,
        answer: str,
        verdict: str,
        mistake: str | None = None,
        kind: str | None = None,
        conventions: str | None = None,
        points: float | None = None,
        max_points: float | None = None,
        variant: str | None = None,
    ) -> int:
        """Store one check and commit it; returns its row number.  Raises DataError if it could not be stored."""
        stamp = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")
        values = (stamp, student, part, json.dumps(network, sort_keys=True, separators=(",", ":")), wrt, answer, verdict, mistake,
                  kind, conventions, points, max_points, variant)
        with self._lock:
            try:
                cursor = self._connection.execute(
                    "INSERT INTO checks (time, student, part, network, wrt, answer, verdict, mistake, kind, conventions, points, max_points, variant)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    values,
                )
            except sqlite3.Error as error:
                raise DataError(f"the check could not be recorded: {error}") from None
            return int(cursor.lastrowid or 0)

    def latest(self, student: str, part: str) -> tuple[str, str] | None:
        """The student's latest recorded answer to a part and the conventions declared with it, or None."""
        with self._lock:
            row = self._connection.execute(
                "SELECT answer, conventions FROM checks WHERE student = ? AND part = ? ORDER BY row DESC LIMIT 1", (student, part)
            ).fetchone()
        return None if row is None else (row[0], row[1] or "")

    def count(self) -> int:
        with self._lock:
            return int(self._connection.execute("SELECT COUNT(*) FROM checks").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._connection.close()


# --- reading the record back ---------------------------------------------------------------------------------

@dataclass
class Recorded:
    """What a record holds for grading: each student's latest answer per part (``rows``, whose ``line`` is the
    check's row number), the rows that cannot be graded (``problems``), and what is not a submission: checks
    without a student or part (practice on a chosen network) and earlier answers superseded by a later one."""

    rows: list[Submission] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    checks: int = 0
    practice: int = 0
    superseded: int = 0


def _read(database: str | os.PathLike) -> tuple[int, int, list[tuple]]:
    """(checks, practice checks, latest rows) of a record, opened read-only."""
    source = Path(database)
    where = os.fspath(database)
    if not source.is_file():
        raise DataError(f"no submissions database at {where!r}")
    try:
        connection = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise DataError(f"cannot open {where!r}: {error}") from None
    try:
        columns = [name for (_, name, *_) in connection.execute("PRAGMA table_info(checks)")]
        if not set(_FIRST_SCHEMA) <= set(columns):
            raise DataError(f"{where!r} is not a submissions database of symbackprop serve (it has no table 'checks')")
        checks = connection.execute("SELECT COUNT(*) FROM checks").fetchone()[0]
        practice = connection.execute("SELECT COUNT(*) FROM checks WHERE student IS NULL OR part IS NULL").fetchone()[0]
        query = _LATEST if "variant" in columns else _LATEST.replace("conventions, variant", "NULL, NULL")
        rows = connection.execute(query).fetchall()
    except sqlite3.Error as error:
        raise DataError(f"{where!r} is not a submissions database of symbackprop serve: {error}") from None
    finally:
        connection.close()
    return int(checks), int(practice), rows


def recorded_submissions(database: str | os.PathLike, variants: Mapping[str, Any] | None = None) -> Recorded:
    """Each student's latest recorded answer to each part, as submissions for
    :func:`~symbackprop.homework.gradebook.grade_submissions` (a submission source like the CSV reader).

    With ``variants`` (a ``variants.json`` document), an answer recorded for another variant of the student
    than the one in ``variants`` (a server started with another file) is a problem, reported and not graded;
    unknown students and parts are left to ``grade_submissions``, which reports them."""
    checks, practice, rows = _read(database)
    recorded = Recorded(checks=checks, practice=practice, superseded=checks - practice - len(rows))
    students = (variants or {}).get("students", {})
    for row, student, part, answer, conventions, variant in rows:
        current = students.get(student, {}).get("variant") if variants is not None else None
        if variant and current and variant != current:
            recorded.problems.append(Problem(row, f"answer by {student!r} to part {part!r} was checked against variant {variant} of the "
                                                  f"homework, but variants.json gives this student variant {current}: another homework file"))
            continue
        recorded.rows.append(Submission(student, part, answer, conventions or "", row))
    return recorded


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote: rows written, checks read, and checks without a student id or part (kept in
    the database, not in the submissions file, because ``grade`` could not place them)."""

    written: int
    checks: int
    without_student_or_part: int


def export_submissions(database: str | os.PathLike, out: str | os.PathLike, *, force: bool = False) -> ExportSummary:
    """Write ``out`` (CSV ``id,part,answer,conventions``): each student's latest recorded answer to each part.

    Written under the output policy (atomically; never over the database, nor over a file that is not a
    submissions export unless ``force``)."""
    source, target = Path(database), Path(out)
    if target.exists() and source.exists() and target.resolve() == source.resolve():
        raise DataError("the export would overwrite the database: choose another --export file")
    checks, practice, rows = _read(database)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SUBMISSION_COLUMNS)
    writer.writerows((student, part, answer, conventions or "") for _, student, part, answer, conventions, _ in rows)
    write_text(target, buffer.getvalue(), inputs=[source], force=force, csv_header=SUBMISSION_COLUMNS)
    return ExportSummary(written=len(rows), checks=checks, without_student_or_part=practice)
