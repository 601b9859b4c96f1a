"""Conventions a course may teach, and what each changes about a correct answer.

The lecture's conventions are the project's: e = Σ_j (y_j − a^L_j)² (no ½) and δ^ℓ = ∂e/∂a^ℓ.  Two others
are common in textbooks, and a student taught with one of them writes different — equally right —
answers:

- ``half_loss``: e = ½ Σ_j (y_j − a^L_j)², so every derivative of e is half the lecture's;
- ``delta_dz``: δ^ℓ = ∂e/∂z^ℓ, so the symbol δ^ℓ_i in an answer means ∂e/∂a^ℓ_i · φ'(z^ℓ_i), and a part
  that asks for δ^ℓ_i asks for ∂e/∂z^ℓ_i.

A :class:`Reading` is the set of conventions an answer is read with: it says what the symbol δ stands
for (the converter) and how the reference scales.  Grading reads an answer with the conventions its
author declared; an answer that is wrong under them but proved right under another reading is named a
convention mismatch (:mod:`symbackprop.answers.quantities`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import symengine as se

from .. import notation
from .._kernel.convert import AnswerConverter
from ..errors import SpecError
from .context import AnswerContext

__all__ = ["CONVENTIONS", "LECTURE", "HALF_LOSS", "DELTA_DZ", "Reading", "reading", "readings", "describe", "parse_conventions"]

LECTURE, HALF_LOSS, DELTA_DZ = "lecture", "half_loss", "delta_dz"

CONVENTIONS: dict[str, str] = {
    LECTURE: "the lecture's: e = Σ_j (y_j − a^L_j)² without ½, and δ^ℓ = ∂e/∂a^ℓ",
    HALF_LOSS: "the squared loss with a half, e = ½ Σ_j (y_j − a^L_j)²",
    DELTA_DZ: "δ^ℓ = ∂e/∂z^ℓ (the gradient with respect to the pre-activations)",
}
_SPELLINGS = {
    "lecture": LECTURE,
    "half_loss": HALF_LOSS, "half": HALF_LOSS, "1/2": HALF_LOSS, "½": HALF_LOSS, "half-loss": HALF_LOSS,
    "delta_dz": DELTA_DZ, "delta=dz": DELTA_DZ, "δ=∂e/∂z": DELTA_DZ, "delta-dz": DELTA_DZ, "dz": DELTA_DZ,
}


def parse_conventions(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"half_loss; delta_dz"`` (or a list) → the canonical names, sorted; empty → ().

    >>> parse_conventions("delta=dz, half")
    ('delta_dz', 'half_loss')
    """
    if text is None:
        return ()
    items = text.replace(",", ";").split(";") if isinstance(text, str) else list(text)
    names = set()
    for item in items:
        key = str(item).strip().lower().replace(" ", "")
        if not key:
            continue
        if key not in _SPELLINGS:
            raise SpecError(f"unknown convention {str(item).strip()!r}; the conventions are {', '.join(CONVENTIONS)}")
        names.add(_SPELLINGS[key])
    names.discard(LECTURE)
    return tuple(sorted(names))


def describe(conventions: Iterable[str]) -> str:
    """Words for a reading: 'the lecture's conventions' or 'e with ½ and δ = ∂e/∂z'."""
    chosen = [name for name in conventions if name != LECTURE]
    if not chosen:
        return "the lecture's conventions (no ½ in the loss, δ = ∂e/∂a)"
    return " and ".join(CONVENTIONS[name] for name in chosen)


@dataclass(frozen=True)
class Reading:
    """How to read an answer: what δ^ℓ_i stands for and the factor on every derivative of e."""

    conventions: tuple[str, ...]
    converter: AnswerConverter
    delta: dict
    scale: se.Basic

    @property
    def half(self) -> bool:
        return HALF_LOSS in self.conventions

    @property
    def delta_is_dz(self) -> bool:
        return DELTA_DZ in self.conventions

    def label(self) -> str:
        return "+".join(self.conventions) or LECTURE


def reading(context: AnswerContext, conventions: Iterable[str] = ()) -> Reading:
    """The (cached) reading of answers in one network under ``conventions``."""
    names = tuple(sorted(set(conventions) - {LECTURE}))
    if HALF_LOSS in names and context.net.loss.name != "squared":
        raise SpecError(f"the convention {HALF_LOSS} is about the squared loss; this network's loss is {context.net.loss.name}")
    key = ("reading", names)
    if key not in context.cache:
        scale = se.Rational(1, 2) if HALF_LOSS in names else se.Integer(1)
        if not names:
            context.cache[key] = Reading(names, context.converter, context.delta, scale)
        else:
            delta = {}
            for symbol, value in context.delta.items():
                layer, i = _layer_index(symbol)
                factor = context.engine.d_atoms[layer][i - 1] if DELTA_DZ in names else se.Integer(1)
                delta[symbol] = scale * value * factor
            context.cache[key] = Reading(names, AnswerConverter(context.engine, delta), delta, scale)
    return context.cache[key]  # type: ignore[return-value]


def readings(context: AnswerContext) -> list[Reading]:
    """Every reading that applies to the network (½ only for the squared loss), the lecture's first."""
    options = [(), (DELTA_DZ,)]
    if context.net.loss.name == "squared":
        options += [(HALF_LOSS,), (DELTA_DZ, HALF_LOSS)]
    return [reading(context, names) for names in options]


def _layer_index(symbol) -> tuple[int, int]:  # noqa: ANN001 - a δ symbol
    text = notation.plain_name(symbol.name)  # δ^2_1
    layer, index = text[2:].split("_")
    return int(layer), int(index)
