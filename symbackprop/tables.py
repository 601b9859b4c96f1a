"""Reading CSV tables strictly: every row is either read or reported with its line number — none is
dropped, none swallows the next.

Python's ``csv`` module silently reads past an unbalanced quote (the rest of the file becomes one field)
and silently pads or keeps short and long rows.  :func:`read_table` instead:

- reports a row with more or fewer fields than the header (an unquoted comma inside a LaTeX answer such
  as ``\\,`` splits the row: the message shows the extra fields and says to quote the cell);
- reports an unterminated quote on the line where it starts, and goes on reading at the next line;
- reports a duplicate or empty key (e.g. the same student id twice), and refuses a file whose header lacks
  a required column; blank lines are skipped (an empty answer cell is the caller's to judge);
- accepts a UTF-8 byte-order mark and header names in any case and with spaces around them.

>>> import io
>>> table = read_table(io.StringIO('id,answer\\n1,"x"\\n2,"y\\n3,z\\n'), required=["id", "answer"], key=("id",))
>>> [row.values["id"] for row in table.rows], [(p.line, p.message[:22]) for p in table.problems]
(['1', '3'], [(3, 'unterminated quote: th')])
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from typing import IO, Sequence

from .errors import DataError
from .strict_json import MAX_TABLE_BYTES, read_file_bytes

__all__ = ["Row", "RowProblem", "Table", "read_table", "guarded", "unguarded"]

MAX_FIELD = 1_000_000  # characters in one cell


@dataclass(frozen=True)
class Row:
    """One data row: its line number in the file (1 = the header) and its cells by column name."""

    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class RowProblem:
    """A row that could not be read as it stands: where, why, and its raw text (for the report)."""

    line: int
    message: str
    text: str = ""
    values: dict[str, str] = field(default_factory=dict)  # what could be read of it (e.g. its id)


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[Row, ...]
    problems: tuple[RowProblem, ...]

    @property
    def count(self) -> int:
        """Data rows in the file: read plus reported."""
        return len(self.rows) + len(self.problems)


def read_table(
    source: str | os.PathLike | IO[str],
    *,
    required: Sequence[str],
    optional: Sequence[str] = (),
    key: Sequence[str] = (),
    name: str | None = None,
) -> Table:
    """Read a CSV file (a path or an open text handle) whose header names ``required`` (and perhaps
    ``optional``) columns; ``key`` columns must be unique together (a key column among ``optional`` that the
    header lacks is left out of the key).  Extra columns are kept.

    Raises :class:`~symbackprop.errors.DataError` only for problems with the whole file (unreadable,
    empty, no header, a required column missing); every row problem is returned in ``problems``.
    """
    if isinstance(source, (str, os.PathLike)):
        label = name or os.fspath(source)
        raw = read_file_bytes(source, max_bytes=MAX_TABLE_BYTES)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise DataError(f"{label} is not UTF-8 text (byte {error.start}); save it as UTF-8 CSV") from None
    else:
        label = name or getattr(source, "name", "the CSV")
        text = source.read()
        if text.startswith("\ufeff"):
            text = text[1:]
    lines = text.splitlines(keepends=True)
    if not any(line.strip() for line in lines):
        raise DataError(f"{label} is empty; it needs a header row naming the columns {', '.join(required)}")
    header_index = next(index for index, line in enumerate(lines) if line.strip())
    try:
        header = [cell.strip().lower() for cell in next(csv.reader([lines[header_index]], strict=True))]
    except csv.Error as error:
        raise DataError(f"the header row of {label} cannot be read: {error}") from None
    missing = [column for column in required if column not in header]
    if missing:
        raise DataError(
            f"{label} needs the column(s) {', '.join(missing)}; its header is {', '.join(header) or '(none)'}"
            f" (expected {', '.join([*required, *optional])})"
        )
    duplicates = sorted({column for column in header if header.count(column) > 1})
    if duplicates:
        raise DataError(f"{label} has the column(s) {', '.join(duplicates)} more than once")
    key = tuple(column for column in key if column in header or column not in optional)

    previous_limit = csv.field_size_limit(MAX_FIELD + 1)  # the csv module's own default is 131,072
    try:
        rows, problems = _rows(lines, header_index, header, key)
    finally:
        csv.field_size_limit(previous_limit)
    return Table(tuple(header), tuple(rows), tuple(problems))


def _rows(lines: list[str], header_index: int, header: list[str], key: Sequence[str]) -> tuple[list[Row], list[RowProblem]]:
    rows: list[Row] = []
    problems: list[RowProblem] = []
    seen: dict[tuple[str, ...], int] = {}
    index = header_index + 1
    while index < len(lines):
        line_number = index + 1
        if not lines[index].strip():
            index += 1
            continue
        record, consumed, problem = _one_record(lines, index)
        if problem is not None:
            problems.append(RowProblem(line_number, problem, lines[index].rstrip("\r\n")))
            index += 1
            continue
        index += consumed
        raw = "".join(lines[line_number - 1 : line_number - 1 + consumed]).rstrip("\r\n")
        if len(record) != len(header):
            partial = dict(zip(header, record))
            if len(record) > len(header):
                extra = record[len(header) :]
                message = (
                    f"{len(record)} fields where the header has {len(header)}: the extra field(s) "
                    f"{', '.join(repr(cell) for cell in extra[:3])} — a comma inside a cell needs the cell in double quotes"
                )
            else:
                message = f"{len(record)} field(s) where the header has {len(header)} ({', '.join(header)})"
            problems.append(RowProblem(line_number, message, raw, partial))
            continue
        values = dict(zip(header, record))
        empty = [column for column in key if not values[column].strip()]
        if empty:
            problems.append(RowProblem(line_number, f"empty {', '.join(empty)}", raw, values))
            continue
        if key:
            identity = tuple(values[column].strip() for column in key)
            if identity in seen:
                where = ", ".join(f"{column} {value!r}" for column, value in zip(key, identity))
                problems.append(RowProblem(line_number, f"duplicate {where} (first on line {seen[identity]})", raw, values))
                continue
            seen[identity] = line_number
        rows.append(Row(line_number, values))
    return rows, problems


def _one_record(lines: list[str], start: int) -> tuple[list[str], int, str | None]:
    """The CSV record that starts at ``lines[start]``: (cells, physical lines used, problem or None).

    A record may span lines only inside a closed pair of quotes; an unterminated quote is a problem of
    this line alone, so the lines after it are read as rows of their own."""
    for used in range(1, len(lines) - start + 1):
        chunk = "".join(lines[start : start + used])
        try:
            records = list(csv.reader(io.StringIO(chunk), strict=True))
        except csv.Error as error:
            if "unexpected end of data" in str(error) or "EOF" in str(error):
                if used > 200:  # a quote that is never closed
                    break
                continue
            if used > 1:  # the line opened a quote that no later line closes cleanly
                break
            return [], 1, f"unreadable row: {error}"
        if len(records) == 1:
            cells = records[0]
            if any(len(cell) > MAX_FIELD for cell in cells):
                return [], used, f"a cell longer than {MAX_FIELD:,} characters"
            return cells, used, None
        if len(records) > 1:
            break
    return [], 1, "unterminated quote: the row opens a double quote that is never closed (the lines after it are read on their own)"


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet run a cell as a formula


def guarded(cell: str) -> str:
    """``cell`` as written into a CSV a person may open in a spreadsheet: a would-be formula gets a leading
    apostrophe (``guarded("=1+1") == "'=1+1"``); :func:`unguarded` takes it off again."""
    return "'" + cell if cell[:1] in _FORMULA_STARTS else cell


def unguarded(cell: str | None) -> str | None:
    """A cell read back without the apostrophe :func:`guarded` put before a would-be formula."""
    if cell is not None and cell[:1] == "'" and cell[1:2] in _FORMULA_STARTS:
        return cell[1:]
    return cell
