"""JSON read strictly: a key twice in one object, NaN or Infinity, or nesting too deep is an error."""

from __future__ import annotations

import json

__all__ = ["strict_loads"]


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
