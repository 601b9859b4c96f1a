"""Per-student homework variants (``variants.json`` of ``symbackprop homework``), read strictly.

The file is ``{"seed": N, "students": {"<id>": {"name": …, "parts": [{"part": "1a", "kind": …,
"prompt": …, "prompt_latex": …, "answer": …, "answer_latex": …, "points": …, "conventions": […],
"network": {…}, "wrt": "b^2_1"}, …]}}}``.  A part of kind ``gradient`` asks for one entry ∂e/∂θ of a
network and is checked here, exactly, by :func:`check_variant_part`; other kinds are shown but left to
``symbackprop grade``.  A malformed file is refused as a whole, with the place of the first problem.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Mapping

from ..answers.pool import AnswerPool, CheckOutcome
from ..errors import DataError, SymbackpropError
from .blocks import latex_blocks
from .errors import RequestError
from .strict_json import strict_loads
from .networks import NetworkBounds, NetworkCache, network_recipe, recipe_json

__all__ = ["Variants", "VariantPart", "load_variants", "check_variant_part", "prompt_blocks", "CHECKED_KINDS"]

CHECKED_KINDS = ("gradient",)
_MAX_BYTES = 64 * 1024 * 1024
_MAX_ID = 64


@dataclass(frozen=True)
class VariantPart:
    """One question of one student's variant.  ``answer`` (the key) stays on the server."""

    part: str
    kind: str
    prompt: str
    prompt_latex: str
    points: float
    answer: str
    conventions: tuple[str, ...] = ()
    network: tuple | None = None
    wrt: str | None = None

    @property
    def checked_here(self) -> bool:
        return self.kind in CHECKED_KINDS

    def public(self) -> dict[str, object]:
        """What a student's page may see: the question, never the answer."""
        return {
            "part": self.part,
            "kind": self.kind,
            "prompt": self.prompt,
            "prompt_latex": self.prompt_latex,
            "prompt_blocks": prompt_blocks(self.prompt_latex),
            "points": self.points,
            "conventions": list(self.conventions),
            "checked_here": self.checked_here,
            "network": recipe_json(self.network) if self.network is not None else None,
            "wrt": self.wrt,
        }


@dataclass(frozen=True)
class Variants:
    """Every student's parts, by student id."""

    seed: int
    students: Mapping[str, tuple[VariantPart, ...]]

    def part(self, student: str, part: str) -> VariantPart:
        """One part, or a 404 RequestError that says which of the two is unknown."""
        parts = self.students.get(student)
        if parts is None:
            raise RequestError("no homework variant for this student id", status=404)
        for item in parts:
            if item.part == part:
                return item
        raise RequestError(f"this student's homework has no part {part[:_MAX_ID]!r}", status=404)

    def networks(self) -> list[tuple]:
        """The distinct networks of the checked parts, most used first."""
        counts: dict[tuple, int] = {}
        for parts in self.students.values():
            for item in parts:
                if item.network is not None and item.checked_here:
                    counts[item.network] = counts.get(item.network, 0) + 1
        return sorted(counts, key=lambda recipe: -counts[recipe])


def prompt_blocks(prompt_latex: str) -> list[dict]:
    """A prompt's LaTeX as page blocks: prose with ``$…$`` (or a display) as it is, bare math as a display."""
    text = prompt_latex.strip()
    if not text:
        return []
    if "$" in text or "\\begin{" in text or "\\[" in text or "\\(" in text:
        return latex_blocks(text.replace("\\(", "$").replace("\\)", "$"))
    return [{"type": "math", "tex": text}]


def load_variants(path: str | os.PathLike, *, cache: NetworkCache | None = None) -> Variants:
    """Read and check ``variants.json``; :class:`~symbackprop.errors.DataError` names the first problem.

    Every gradient part's network must fit the server's bounds (``cache.bounds``) and its ``wrt`` must
    be a parameter of that network."""
    cache = cache or NetworkCache(NetworkBounds())
    where = os.fspath(path)
    try:
        size = os.path.getsize(where)
        if size > _MAX_BYTES:
            raise DataError(f"{where}: {size} bytes is larger than a variants file may be ({_MAX_BYTES} bytes)")
        with open(where, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        raise DataError(f"cannot read the variants file {where!r}: {error.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(f"{where}: not UTF-8 text (byte {error.start})") from None
    try:
        return _variants(strict_loads(text, DataError), cache)
    except DataError as error:
        raise DataError(f"{where}: {error}") from None


def _variants(document: object, cache: NetworkCache) -> Variants:
    if not isinstance(document, dict):
        raise DataError("the top level must be an object with 'seed' and 'students'")
    seed = document.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise DataError("'seed' must be a whole number")
    students = document.get("students")
    if not isinstance(students, dict) or not students:
        raise DataError("'students' must be a non-empty object: student id → variant")
    result: dict[str, tuple[VariantPart, ...]] = {}
    for student, variant in students.items():
        place = f"students[{student!r}]"
        if not student.strip() or len(student) > _MAX_ID or student != student.strip():
            raise DataError(f"{place}: a student id must be 1 to {_MAX_ID} characters without surrounding spaces")
        if not isinstance(variant, dict):
            raise DataError(f"{place} must be an object with 'parts'")
        if "name" in variant and not isinstance(variant["name"], str):
            raise DataError(f"{place}.name must be a string")
        parts = variant.get("parts")
        if not isinstance(parts, list) or not parts:
            raise DataError(f"{place}.parts must be a non-empty list")
        items = [_part(item, f"{place}.parts[{index}]", cache) for index, item in enumerate(parts)]
        names = [item.part for item in items]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise DataError(f"{place}: part {duplicates[0]!r} appears more than once")
        result[student] = tuple(items)
    return Variants(seed=seed, students=result)


def _text(item: dict, key: str, place: str, *, required: bool = True) -> str:
    value = item.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise DataError(f"{place}.{key} must be a string")
    return value


def _part(item: object, place: str, cache: NetworkCache) -> VariantPart:
    if not isinstance(item, dict):
        raise DataError(f"{place} must be an object")
    name = _text(item, "part", place)
    if not name.strip() or len(name) > _MAX_ID:
        raise DataError(f"{place}.part must be a name of 1 to {_MAX_ID} characters, e.g. '1a'")
    kind = _text(item, "kind", place)
    prompt = _text(item, "prompt", place, required=False)
    prompt_latex = _text(item, "prompt_latex", place, required=False)
    if not prompt and not prompt_latex:
        raise DataError(f"{place} needs a 'prompt' or a 'prompt_latex'")
    points = item.get("points")
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not math.isfinite(points) or points < 0:
        raise DataError(f"{place}.points must be a number ≥ 0")
    answer = _text(item, "answer", place)
    conventions = item.get("conventions", [])
    if not isinstance(conventions, list) or not all(isinstance(c, str) for c in conventions):
        raise DataError(f"{place}.conventions must be a list of names")
    network, wrt = None, None
    if kind in CHECKED_KINDS:
        try:
            network, net = cache.get(item.get("network"))
        except RequestError as error:
            raise DataError(f"{place}: {error}") from None
        wrt = _text(item, "wrt", place)
        try:
            net.parameter(wrt)
        except SymbackpropError as error:
            raise DataError(f"{place}.wrt: {error}") from None
    return VariantPart(
        part=name, kind=kind, prompt=prompt, prompt_latex=prompt_latex, points=float(points), answer=answer,
        conventions=tuple(conventions), network=network, wrt=wrt,
    )


def check_variant_part(pool: AnswerPool, cache: NetworkCache, part: VariantPart, answer: str) -> CheckOutcome | None:
    """Check a student's answer to one part; None for a part this page does not check.

    The one place the web checker judges a homework part: a ``gradient`` part is one entry ∂e/∂θ,
    checked exactly with the lecture's conventions (e = Σ_j (y_j − a^L_j)², δ = ∂e/∂a)."""
    if not part.checked_here or part.network is None or part.wrt is None:
        return None
    _, net = cache.get(recipe_json(part.network))
    return pool.check(net, part.wrt, answer)
