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

import json
import os
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..answers.conventions import CONVENTIONS, LECTURE
from ..errors import DataError, SpecError

__all__ = ["Question", "HomeworkSpec", "DEFAULT_SPEC", "load_spec", "QUESTION_PARTS"]

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
            raise SpecError(f"unknown spec key(s) {', '.join(sorted(unknown))}; the keys are {', '.join(DEFAULT_SPEC)}")
        merged = {**DEFAULT_SPEC, **raw, "credit": {**DEFAULT_SPEC["credit"], **dict(raw.get("credit", {}))}}
        conventions = tuple(merged["conventions"])
        bad = [name for name in conventions if name not in CONVENTIONS]
        if bad or LECTURE not in conventions:
            raise SpecError(f"conventions must include 'lecture' and be among {', '.join(CONVENTIONS)}; got {list(conventions)}")
        tolerance = merged["tolerance"]
        if not isinstance(tolerance, (int, float)) or not 0 < tolerance < 1:
            raise SpecError(f"tolerance must be a number between 0 and 1, got {tolerance!r}")
        credit = merged["credit"]
        for key, value in credit.items():
            if key not in DEFAULT_SPEC["credit"] or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise SpecError(f"credit.{key} must be one of {', '.join(DEFAULT_SPEC['credit'])} with a value in [0, 1]")
        questions = []
        for number, question in enumerate(merged["questions"], start=1):
            questions.append(_question(number, question))
        if not questions:
            raise SpecError("the spec has no questions")
        return cls(str(merged["title"]), conventions, float(tolerance), dict(credit), tuple(questions), merged)


def _question(number: int, raw: Any) -> Question:
    if not isinstance(raw, Mapping) or raw.get("type") not in QUESTION_PARTS:
        raise SpecError(f"question {number}: type must be one of {', '.join(QUESTION_PARTS)}")
    kind = raw["type"]
    points = raw.get("points", [1] * QUESTION_PARTS[kind])
    if not isinstance(points, list) or len(points) != QUESTION_PARTS[kind] or not all(isinstance(p, (int, float)) and p > 0 for p in points):
        raise SpecError(f"question {number} ({kind}): points is a list of {QUESTION_PARTS[kind]} positive numbers, one per part")
    options = {key: value for key, value in raw.items() if key not in ("type", "points")}
    allowed = {"bias": {"sizes", "activations"}, "backprop": {"sizes", "activations", "bias"}, "softmax": {"sizes", "activations"},
               "kl": {"classes", "denominators"}, "triangle": set()}[kind]
    if set(options) - allowed:
        raise SpecError(f"question {number} ({kind}): unknown option(s) {', '.join(sorted(set(options) - allowed))}; allowed: {', '.join(sorted(allowed)) or 'none'}")
    for sizes in options.get("sizes", []):
        if not (isinstance(sizes, list) and 2 <= len(sizes) <= 4 and all(isinstance(n, int) and 1 <= n <= 4 for n in sizes)):
            raise SpecError(f"question {number} ({kind}): sizes are lists of 2 to 4 widths between 1 and 4 (homework-sized), got {sizes!r}")
        if kind in ("bias", "backprop") and len(sizes) != 3:
            raise SpecError(f"question {number} ({kind}): the networks have two layers, sizes [N0, N1, N2]; got {sizes!r}")
        if kind == "softmax" and sizes[-1] < 2:
            raise SpecError(f"question {number} (softmax): at least 2 output classes, got {sizes!r}")
    for name in options.get("activations", []):
        if name not in _ACTIVATIONS:
            raise SpecError(f"question {number}: activations are among {', '.join(_ACTIVATIONS)}, got {name!r}")
    for classes in options.get("classes", []):
        if not isinstance(classes, int) or not 2 <= classes <= 5:
            raise SpecError(f"question {number} (kl): classes are whole numbers from 2 to 5, got {classes!r}")
    for denominator in options.get("denominators", []):
        if not isinstance(denominator, int) or not 3 <= denominator <= 20:
            raise SpecError(f"question {number} (kl): denominators are whole numbers from 3 to 20, got {denominator!r}")
    for name in ("sizes", "activations", "classes", "denominators", "bias"):
        if name in options and (not isinstance(options[name], list) or not options[name]):
            raise SpecError(f"question {number} ({kind}): {name} is a non-empty list")
    return Question(kind, tuple(float(p) for p in points), options)


def load_spec(path: str | os.PathLike | None) -> HomeworkSpec:
    """The default spec, or the JSON (``.json``) or TOML (``.toml``) file at ``path``."""
    if path is None:
        return HomeworkSpec.build({})
    name = os.fspath(path)
    try:
        with open(name, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise DataError(f"cannot read the spec {name}: {error.strerror}") from None
    try:
        if name.endswith(".toml"):
            try:
                import tomllib
            except ImportError:  # Python 3.10
                import tomli as tomllib  # type: ignore[no-redef]
            raw = tomllib.loads(data.decode("utf-8"))
        elif name.endswith(".json"):
            raw = json.loads(data.decode("utf-8"))
        else:
            raise SpecError(f"the spec {name} must be a .json or .toml file")
    except (ValueError, UnicodeDecodeError) as error:
        raise SpecError(f"the spec {name} cannot be read: {str(error).splitlines()[0]}") from None
    return HomeworkSpec.build(raw)
