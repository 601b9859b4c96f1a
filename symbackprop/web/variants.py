"""The homework a server checks: ``variants.json`` of ``symbackprop homework``, read by the same strict reader
as ``symbackprop grade`` (:func:`symbackprop.homework.schema.read_variants`), then held to the server's own
network bounds.  Each part keeps its ``variants.json`` entry for :func:`symbackprop.homework.check_part`
(the key answer stays on the server) and shows students only the question: :meth:`VariantPart.public`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..answers.arrays import array_target
from ..answers.conventions import CONVENTIONS
from ..errors import DataError
from ..homework.parts import applicable_conventions
from ..homework.schema import read_variants
from ..homework.variants import network_of
from .blocks import latex_blocks
from .errors import RequestError
from .networks import NetworkBounds, NetworkCache, recipe_json

__all__ = ["Variants", "VariantPart", "Student", "load_variants", "prompt_blocks", "ANSWER_FORMS"]

_MAX_ID = 64
ANSWER_FORMS = {  # how to write an answer, by kind — notation only, never an answer to a part
    "gradient": "one expression in the lecture's notation — x_j, y_j, w^ℓ_ij (w^2_12), b^ℓ_i, z^ℓ_i, a^ℓ_i, delta^ℓ_i, sigma'(…), tanh'(…) — "
                "as plain text or LaTeX",
    "delta": "in terms of the δ's of the layers above (never the δ asked), or without δ; the same notation as a gradient entry",
    "dz": "in terms of δ of the same layer, or without δ; the same notation as a gradient entry",
    "vector": "matrix notation with the lecture's objects — W^ℓ, delta^ℓ, a^ℓ, x, y, q, Diag(sigma^ℓ'), ^T, ⊙ — or the entries in brackets, [e1; e2; …]",
    "matrix": "matrix notation with the lecture's objects — W^ℓ, delta^ℓ, a^ℓ, Diag(sigma^ℓ'), (…)^T — or the entries row by row, [e11, e12; e21, e22]",
    "general": "one formula for every layer and neuron, with the indices ℓ (also l or \\ell), i and j in place of numbers: z^ℓ_i, delta^{ℓ+1}_j, w^{ℓ+1}_{ji}, …",
    "value": "a number: an exact expression (fractions, log, sqrt) or a decimal within the stated tolerance",
    "yesno": "yes or no; after no, a counterexample with fractions, written p = (…), q = (…), r = (…)",
}


@dataclass(frozen=True)
class VariantPart:
    """One question of one student's variant.  ``entry`` is its ``variants.json`` part (with the key answer,
    for the checker); :meth:`public` is what the student's page may see."""

    label: str
    kind: str
    points: float
    entry: Mapping[str, Any] = field(repr=False)
    network: tuple | None = None  # the server's recipe of the part's network
    shape: tuple[int, int] | None = None  # of a vector or matrix part
    entry_names: tuple[tuple[str, str], ...] = ()  # (plain, LaTeX) of each entry of a vector or matrix, row by row

    @property
    def wrt(self) -> str:
        return str(self.entry["wrt"])

    @property
    def conventions(self) -> tuple[str, ...]:
        return tuple(self.entry["conventions"])

    @property
    def chain(self) -> tuple[str, int] | None:
        chain = self.entry.get("chain")
        return (str(chain), int(self.entry["step"])) if chain is not None else None

    def public(self) -> dict[str, object]:
        """The question, never the answer: no key answer, no value, no model counterexample."""
        entry = self.entry
        return {
            "part": self.label,
            "kind": self.kind,
            "prompt": entry["prompt"],
            "prompt_latex": entry["prompt_latex"],
            "prompt_blocks": prompt_blocks(entry["prompt_latex"]),
            "points": self.points,
            "conventions": [{"name": name, "description": CONVENTIONS[name]} for name in self.conventions],
            "declarable": list(applicable_conventions(entry)),
            "answer_form": ANSWER_FORMS[self.kind],
            "checked_here": True,
            "network": recipe_json(self.network) if self.network is not None else None,
            "wrt": self.wrt,
            "shape": list(self.shape) if self.shape else None,
            "entries": [{"name": plain, "latex": latex} for plain, latex in self.entry_names],
            "tolerance": entry.get("tolerance"),
            "chain": self.chain[0] if self.chain else None,
            "step": self.chain[1] if self.chain else None,
        }


@dataclass(frozen=True)
class Student:
    name: str
    variant: str
    parts: tuple[VariantPart, ...]


@dataclass(frozen=True)
class Variants:
    """Every student's parts, by student id."""

    seed: int
    students: Mapping[str, Student]

    def parts_of(self, student: str) -> tuple[VariantPart, ...]:
        entry = self.students.get(student)
        if entry is None:
            raise RequestError("no homework variant for this student id", status=404)
        return entry.parts

    def part(self, student: str, part: str) -> VariantPart:
        """One part, or a 404 RequestError that says which of the two is unknown."""
        for item in self.parts_of(student):
            if item.label == part:
                return item
        raise RequestError(f"this student's homework has no part {part[:_MAX_ID]!r}", status=404)

    def previous(self, student: str, part: VariantPart) -> VariantPart | None:
        """The step before ``part`` in its chain (δ^L → δ^{L−1} → ∂e/∂z → ∂e/∂w), as ``grade`` finds it."""
        if part.chain is None or part.chain[1] <= 1:
            return None
        chain, step = part.chain
        return next((item for item in self.parts_of(student) if item.chain == (chain, step - 1)), None)

    def entries(self) -> list[Mapping[str, Any]]:
        """Every part's ``variants.json`` entry (to warm the checker for their networks)."""
        return [item.entry for student in self.students.values() for item in student.parts]


def prompt_blocks(prompt_latex: str) -> list[dict]:
    """A prompt's LaTeX as page blocks: prose with ``$…$`` (or a display) as it is, bare math as a display."""
    text = prompt_latex.strip()
    if not text:
        return []
    if "$" in text or "\\begin{" in text or "\\[" in text or "\\(" in text:
        return latex_blocks(text.replace("\\(", "$").replace("\\)", "$"))
    return [{"type": "math", "tex": text}]


def _entries(item: Mapping[str, Any]) -> tuple[tuple[int, int], tuple[tuple[str, str], ...]]:
    """The shape of a vector or matrix part and the name of each entry (δ^1_2, ∂e/∂w^1_12, …)."""
    net = network_of(item["network"])
    target = array_target(net, item["wrt"])
    rows, columns = target.shape(net)
    names = []
    for row in range(rows):
        for column in range(columns):
            entry = target.entry(row, column)
            if entry.kind == "a":
                names.append((f"δ^{entry.layer}_{entry.i}", rf"\delta^{{{entry.layer}}}_{{{entry.i}}}"))
            else:
                names.append((entry.title(), entry.latex()))
    return (rows, columns), tuple(names)


def load_variants(path: str | os.PathLike, *, cache: NetworkCache | None = None) -> Variants:
    """Read ``variants.json`` strictly (as ``symbackprop grade`` does) and hold every network to the server's
    bounds (``cache.bounds``); :class:`~symbackprop.errors.DataError` names the first problem and its place."""
    cache = cache or NetworkCache(NetworkBounds())
    where = os.fspath(path)
    document = read_variants(where)
    students: dict[str, Student] = {}
    for student, entry in document["students"].items():
        parts = []
        for index, item in enumerate(entry["parts"]):
            recipe, shape, names = None, None, ()
            if "network" in item:
                try:
                    recipe, _ = cache.get(item["network"])
                except RequestError as error:
                    raise DataError(f"{where}: students[{student!r}].parts[{index}].network: {error}") from None
                if item["kind"] in ("vector", "matrix"):
                    shape, names = _entries(item)
            parts.append(VariantPart(item["part"], item["kind"], float(item["points"]), item, recipe, shape, names))
        students[student] = Student(entry.get("name", ""), entry.get("variant", ""), tuple(parts))
    return Variants(seed=document["seed"], students=students)
