"""The homework specification: which questions, their points, and the ranges each student's variant is drawn from.

A spec is a small JSON or TOML file (``--spec``); every key is optional and the defaults are Lecture 9's
exercises (:data:`DEFAULT_SPEC`).  The format, with the defaults::

    title = "Homework: backpropagation (IE 643, Lecture 9)"
    conventions = ["lecture", "half_loss", "delta_dz"]   # conventions a student may declare
    tolerance = 0.0005                                    # for numeric values (absolute)
    [credit]
    convention = 0.5       # share of the points for an answer right only under an undeclared convention
    follow_through = 0.5   # right given the student's own (wrong) earlier part of a chain
    counterexample_missing = 0.25   # "no" to a yes/no part without a verified counterexample
    [[questions]]
    type = "bias"          # bias | backprop | softmax | kl | triangle
    points = [2, 2, 2]     # one number per part of the question
    sizes = [[2, 2, 1], [2, 3, 1], [3, 2, 1], [3, 3, 1]]
    activations = ["sigmoid", "tanh"]

``bias`` (L12) asks ∂e/∂b^ℓ_i, ∇_{b^ℓ} e in matrix notation and ∂e/∂b^ℓ_i for every ℓ, i; ``backprop``
(L7–L11) is a chain δ^L_o, δ^{L−1}_k, ∂e/∂z^{L−1}_k, ∂e/∂w^{L−1}_kj, ∇_{W^{L−1}} e; ``softmax`` (L22) asks
δ^L = ∂e/∂a^L for softmax outputs and the cross-entropy loss; ``kl`` (L19, L20) asks KL(p‖q) and KL(q‖p)
for the student's p, q (``classes``, ``denominators``); ``triangle`` (L20) asks whether KL obeys the
triangle inequality, with a counterexample that starts from the student's own p.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..answers.conventions import CONVENTIONS, LECTURE
from ..errors import SpecError
from ..strict_json import read_text_file, strict_loads

__all__ = ["Question", "HomeworkSpec", "DEFAULT_SPEC", "load_spec", "QUESTION_PARTS", "MAX_SPEC_BYTES"]

MAX_SPEC_BYTES = 1024 * 1024  # a spec is a few hundred bytes; this bounds what is read before parsing

QUESTION_PARTS = {"bias": 3, "backprop": 5, "softmax": 1, "kl": 2, "triangle": 1}
_ACTIVATIONS = ("sigmoid", "tanh", "phi", "relu")

DEFAULT_SPEC: dict[str, Any] = {
    "title": "Homework: backpropagation (IE 643, Lecture 9)",
    "conventions": ["lecture", "half_loss", "delta_dz"],
    "tolerance": 0.0005,
    "credit": {"convention": 0.5, "follow_through": 0.5, "counterexample_missing": 0.25},
    "questions": [
        {"type": "bias", "points": [2, 2, 2], "sizes": [[2, 2, 1], [2, 3, 1], [3, 2, 1], [3, 3, 1]], "activations": ["sigmoid", "tanh"]},
        {"type": "backprop", "points": [1, 2, 1, 2, 3], "sizes": [[2, 2, 1], [2, 3, 1], [3, 2, 1], [2, 2, 2], [3, 2, 2]],
         "activations": ["sigmoid", "tanh"], "bias": [True, False]},
        {"type": "softmax", "points": [2], "sizes": [[2, 3], [3, 3], [2, 4]]},
        {"type": "kl", "points": [2, 2], "classes": [2, 3], "denominators": [4, 5, 6, 8, 10]},
        {"type": "triangle", "points": [3]},
    ],
}


@dataclass(frozen=True)
class Question:
    type: str
    points: tuple[float, ...]
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HomeworkSpec:
    title: str
    conventions: tuple[str, ...]
    tolerance: float
    credit: Mapping[str, float]
    questions: tuple[Question, ...]
    raw: Mapping[str, Any]

    @classmethod
    def build(cls, raw: Mapping[str, Any]) -> "HomeworkSpec":
        """Validate a spec (a mapping, e.g. from JSON or TOML) on top of the defaults."""
        if not isinstance(raw, Mapping):
            raise SpecError("a homework spec is a table/object with keys title, conventions, tolerance, credit, questions")
        unknown = set(raw) - set(DEFAULT_SPEC)
        if unknown:
            raise SpecError(f"unknown spec key(s) {', '.join(sorted(map(str, unknown)))}; the keys are {', '.join(DEFAULT_SPEC)}")
        if not isinstance(raw.get("credit", {}), Mapping):
            raise SpecError("credit is a table/object of shares, e.g. {\"convention\": 0.5}")
        merged = {**DEFAULT_SPEC, **raw, "credit": {**DEFAULT_SPEC["credit"], **dict(raw.get("credit", {}))}}
        if not isinstance(merged["title"], str):
            raise SpecError(f"title is a string, got {_shown(merged['title'])}")
        conventions = merged["conventions"]
        if not isinstance(conventions, (list, tuple)) or not all(isinstance(name, str) and name in CONVENTIONS for name in conventions) \
                or LECTURE not in conventions:
            raise SpecError(f"conventions must be a list that includes 'lecture', among {', '.join(CONVENTIONS)}; got {_shown(conventions)}")
        tolerance = merged["tolerance"]
        if not _is_number(tolerance) or not 0 < tolerance < 1:
            raise SpecError(f"tolerance must be a number between 0 and 1, got {_shown(tolerance)}")
        credit = merged["credit"]
        for key, value in credit.items():
            if key not in DEFAULT_SPEC["credit"] or not _is_number(value) or not 0 <= value <= 1:
                raise SpecError(f"credit.{key} must be one of {', '.join(DEFAULT_SPEC['credit'])} with a value in [0, 1]")
        if not isinstance(merged["questions"], (list, tuple)):
            raise SpecError(f"questions is a list of questions (tables/objects with a type), got {_shown(merged['questions'])}")
        questions = [_question(number, question) for number, question in enumerate(merged["questions"], start=1)]
        if not questions:
            raise SpecError("the spec has no questions")
        return cls(merged["title"], tuple(conventions), float(tolerance), dict(credit), tuple(questions), merged)


def _is_number(value: object) -> bool:
    """A finite int or float (not a bool: ``true`` is no number of points)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _shown(value: object) -> str:
    """A value as a message quotes it (cut short)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_OPTIONS = {"bias": {"sizes", "activations"}, "backprop": {"sizes", "activations", "bias"}, "softmax": {"sizes", "activations"},
            "kl": {"classes", "denominators"}, "triangle": set()}


def _question(number: int, raw: Any) -> Question:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("type"), str) or raw["type"] not in QUESTION_PARTS:
        raise SpecError(f"question {number}: type must be one of {', '.join(QUESTION_PARTS)}")
    kind = raw["type"]
    points = raw.get("points", [1] * QUESTION_PARTS[kind])
    if not isinstance(points, list) or len(points) != QUESTION_PARTS[kind] or not all(_is_number(p) and p > 0 for p in points):
        raise SpecError(f"question {number} ({kind}): points is a list of {QUESTION_PARTS[kind]} positive numbers, one per part")
    options = {key: value for key, value in raw.items() if key not in ("type", "points")}
    allowed = _OPTIONS[kind]
    if set(options) - allowed:
        raise SpecError(f"question {number} ({kind}): unknown option(s) {', '.join(sorted(map(str, set(options) - allowed)))}; allowed: {', '.join(sorted(allowed)) or 'none'}")
    for name in options:
        if not isinstance(options[name], list) or not options[name]:
            raise SpecError(f"question {number} ({kind}): {name} is a non-empty list")
    for sizes in options.get("sizes", []):
        if not (isinstance(sizes, list) and 2 <= len(sizes) <= 4 and all(_is_whole(n) and 1 <= n <= 4 for n in sizes)):
            raise SpecError(f"question {number} ({kind}): sizes are lists of 2 to 4 widths between 1 and 4 (homework-sized), got {_shown(sizes)}")
        if kind in ("bias", "backprop") and len(sizes) != 3:
            raise SpecError(f"question {number} ({kind}): the networks have two layers, sizes [N0, N1, N2]; got {sizes!r}")
        if kind == "softmax" and sizes[-1] < 2:
            raise SpecError(f"question {number} (softmax): at least 2 output classes, got {sizes!r}")
    for name in options.get("activations", []):
        if not isinstance(name, str) or name not in _ACTIVATIONS:
            raise SpecError(f"question {number}: activations are among {', '.join(_ACTIVATIONS)}, got {_shown(name)}")
    for bias in options.get("bias", []):
        if not isinstance(bias, bool):
            raise SpecError(f"question {number} ({kind}): bias is a list of true/false (with or without biases), got {_shown(bias)}")
    for classes in options.get("classes", []):
        if not _is_whole(classes) or not 2 <= classes <= 5:
            raise SpecError(f"question {number} (kl): classes are whole numbers from 2 to 5, got {_shown(classes)}")
    for denominator in options.get("denominators", []):
        if not _is_whole(denominator) or not 3 <= denominator <= 20:
            raise SpecError(f"question {number} (kl): denominators are whole numbers from 3 to 20, got {_shown(denominator)}")
    return Question(kind, tuple(float(p) for p in points), options)


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def load_spec(path: str | os.PathLike | None) -> HomeworkSpec:
    """The default spec, or the JSON (``.json``) or TOML (``.toml``) file at ``path``, read strictly: every
    problem is one line that names the file (:class:`~symbackprop.errors.DataError` for a file that cannot be
    read or is too large, :class:`SpecError` for its content)."""
    if path is None:
        return HomeworkSpec.build({})
    name = os.fspath(path)
    if not name.endswith((".json", ".toml")):
        raise SpecError(f"the spec {name} must be a .json or .toml file")
    text = read_text_file(name, max_bytes=MAX_SPEC_BYTES)
    try:
        raw = _toml(text) if name.endswith(".toml") else strict_loads(text, SpecError)
        return HomeworkSpec.build(raw)  # type: ignore[arg-type]
    except SpecError as error:
        raise SpecError(f"{name}: {error}") from None


def _toml(text: str) -> dict[str, Any]:
    """A TOML document, with nan and inf refused as a spec's numbers (TOML allows them, JSON does not)."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    def decimal(literal: str) -> float:
        value = float(literal)
        if not math.isfinite(value):
            raise SpecError(f"{literal} is not a number a spec allows")
        return value

    try:
        return tomllib.loads(text, parse_float=decimal)
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"not valid TOML: {str(error).splitlines()[0]}") from None
    except SpecError:
        raise
    except RecursionError:
        raise SpecError("nested too deeply") from None
    except ValueError as error:  # a whole number longer than Python converts
        raise SpecError(f"a number cannot be read: {str(error).split(';')[0]}") from None
