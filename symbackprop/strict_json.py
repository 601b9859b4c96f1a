"""JSON read strictly: a key twice in one object, NaN or Infinity, a number too large, or nesting too deep is an error.

:func:`strict_loads` reads a request body or a document; :func:`read_json_file` reads a file a user gives
(capped in size, UTF-8), so that a hand-edited ``variants.json`` with a repeated key is refused instead of
silently keeping the last value.  :func:`read_text_file` is the capped UTF-8 read it starts with, for a
user's file in another format (a TOML homework spec).
"""

from __future__ import annotations

import json
import math
import os

from .errors import DataError

__all__ = ["strict_loads", "read_json_file", "read_text_file", "read_file_bytes", "MAX_DIGITS", "MAX_TABLE_BYTES"]

MAX_DIGITS = 1000  # of a whole number: Python refuses more than 4300 with a message about its own settings
MAX_TABLE_BYTES = 256 * 1024**2  # of a CSV a user gives (a roster, answers, training data)


def strict_loads(text: str, error: type[Exception]) -> object:
    """``json.loads`` that raises ``error`` (one line) for anything JSON should not contain or be."""

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        result: dict[str, object] = {}
        for key, value in items:
            if key in result:
                raise error(f"the key {key[:64]!r} appears twice in one object")
            result[key] = value
        return result

    def constant(name: str) -> float:
        raise error(f"{name} is not a number JSON allows")

    def decimal(literal: str) -> float:
        value = float(literal)
        if not math.isfinite(value):
            raise error(f"the number {literal[:40]} is too large for a float (at most about 1.8e308)")
        return value

    def whole(literal: str) -> int:
        if len(literal.lstrip("-")) > MAX_DIGITS:
            raise error(f"a whole number of {len(literal.lstrip('-')):,} digits (at most {MAX_DIGITS:,})")
        return int(literal)

    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=constant, parse_float=decimal, parse_int=whole)
    except json.JSONDecodeError as problem:
        raise error(f"not valid JSON: {problem.msg} at line {problem.lineno}, column {problem.colno}") from None
    except RecursionError:
        raise error("nested too deeply") from None


def read_text_file(path: str | os.PathLike, *, max_bytes: int) -> str:
    """The UTF-8 text of ``path`` (a byte-order mark dropped); :class:`DataError` (naming the file) for a file
    that is missing, unreadable, larger than ``max_bytes`` or not UTF-8 — checked before it is read whole."""
    where = os.fspath(path)
    raw = read_file_bytes(path, max_bytes=max_bytes)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(f"{where}: not UTF-8 text (byte {error.start})") from None


def read_file_bytes(path: str | os.PathLike, *, max_bytes: int) -> bytes:
    """The bytes of ``path``, at most ``max_bytes`` of them: :class:`DataError` (naming the file) for a file
    that is missing, unreadable or larger — a regular file by its size, before it is read; a device or a
    pipe (``/dev/zero``) after ``max_bytes``, instead of reading for ever."""
    where = os.fspath(path)
    try:
        size = os.path.getsize(where)
        if size > max_bytes:
            raise DataError(f"{where}: {size} bytes is larger than this file may be ({max_bytes} bytes)")
        with open(where, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as error:
        raise DataError(f"cannot read {where!r}: {error.strerror}") from None
    if len(raw) > max_bytes:  # it grew after its size was taken, or it is a device that never ends
        raise DataError(f"{where}: larger than this file may be ({max_bytes} bytes)")
    return raw


def read_json_file(path: str | os.PathLike, *, max_bytes: int) -> object:
    """The JSON document in ``path``, read strictly; :class:`DataError` (naming the file) for a file that is
    missing, larger than ``max_bytes``, not UTF-8 or not strict JSON."""
    text = read_text_file(path, max_bytes=max_bytes)
    try:
        return strict_loads(text, DataError)
    except DataError as error:
        raise DataError(f"{os.fspath(path)}: {error}") from None
