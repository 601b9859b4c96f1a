"""JSON read strictly: a key twice in one object, NaN or Infinity, or nesting too deep is an error.

:func:`strict_loads` reads a request body or a document; :func:`read_json_file` reads a file a user gives
(capped in size, UTF-8), so that a hand-edited ``variants.json`` with a repeated key is refused instead of
silently keeping the last value.
"""

from __future__ import annotations

import json
import os

from .errors import DataError

__all__ = ["strict_loads", "read_json_file"]


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

    try:
        return json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as problem:
        raise error(f"not valid JSON: {problem.msg} at line {problem.lineno}, column {problem.colno}") from None
    except RecursionError:
        raise error("nested too deeply") from None


def read_json_file(path: str | os.PathLike, *, max_bytes: int) -> object:
    """The JSON document in ``path``, read strictly; :class:`DataError` (naming the file) for a file that is
    missing, larger than ``max_bytes``, not UTF-8 or not strict JSON."""
    where = os.fspath(path)
    try:
        size = os.path.getsize(where)
        if size > max_bytes:
            raise DataError(f"{where}: {size} bytes is larger than this file may be ({max_bytes} bytes)")
        with open(where, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as error:
        raise DataError(f"cannot read {where!r}: {error.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(f"{where}: not UTF-8 text (byte {error.start})") from None
    try:
        return strict_loads(text, DataError)
    except DataError as error:
        raise DataError(f"{where}: {error}") from None
