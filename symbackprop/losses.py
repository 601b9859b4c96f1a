"""One registry of sample-wise losses e(ŷ, y), written in the lecture's symbols.

Each loss gives two equal forms:
- ``expression``: as the lecture writes it (softmax losses use the symbols q_j, L18–L22);
- ``explicit``: in terms of the last layer's activations a^L only (softmax written out as
  log-softmax), which is what the derivations differentiate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import sympy as sp

from .errors import ArgumentTypeError, SpecError

__all__ = ["Loss", "LOSSES", "get_loss", "softmax", "log_sum_exp"]

Symbols = Sequence[sp.Expr]


def log_sum_exp(a_last: Symbols) -> sp.Expr:
    """log Σ_r exp(a^L_r)."""
    return sp.log(sp.Add(*[sp.exp(a) for a in a_last]))


def softmax(a_last: Symbols) -> list[sp.Expr]:
    """q_j = exp(a^L_j) / Σ_r exp(a^L_r) (L18)."""
    total = sp.Add(*[sp.exp(a) for a in a_last])
    return [sp.exp(a) / total for a in a_last]


def _squared(a_last: Symbols, y: Symbols, q: Symbols | None = None) -> sp.Expr:
    return sp.Add(*[(y_j - a_j) ** 2 for a_j, y_j in zip(a_last, y)])


def _cross_entropy(a_last: Symbols, y: Symbols, q: Symbols) -> sp.Expr:
    return -sp.Add(*[y_j * sp.log(q_j) for q_j, y_j in zip(q, y)])


def _cross_entropy_explicit(a_last: Symbols, y: Symbols) -> sp.Expr:
    lse = log_sum_exp(a_last)
    return -sp.Add(*[y_j * (a_j - lse) for a_j, y_j in zip(a_last, y)])


def _kl(a_last: Symbols, y: Symbols, q: Symbols) -> sp.Expr:
    return sp.Add(*[y_j * sp.log(y_j / q_j) for q_j, y_j in zip(q, y)])


def _kl_explicit(a_last: Symbols, y: Symbols) -> sp.Expr:
    negative_entropy = sp.Add(*[y_j * sp.log(y_j) for y_j in y])
    return negative_entropy + _cross_entropy_explicit(a_last, y)


def _logistic(a_last: Symbols, y: Symbols, q: Symbols | None = None) -> sp.Expr:
    (a,), (label,) = a_last, y
    return -(1 + label) / 2 * sp.log(a) - (1 - label) / 2 * sp.log(1 - a)


@dataclass(frozen=True)
class Loss:
    """A sample-wise loss with its lecture form and its explicit form in a^L."""

    name: str
    description: str
    latex: str
    uses_softmax: bool
    expression: Callable[..., sp.Expr]
    explicit: Callable[[Symbols, Symbols], sp.Expr]

    def __repr__(self) -> str:
        return f"Loss({self.name!r})"


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss(
            name="squared",
            description="squared error e = Σ_j (y_j − a^L_j)² (the lecture's, no ½)",
            latex=r"e = \sum_{j} \bigl(y_{j} - a^{L}_{j}\bigr)^{2}",
            uses_softmax=False,
            expression=_squared,
            explicit=lambda a_last, y: _squared(a_last, y),
        ),
        Loss(
            name="cross_entropy",
            description="cross-entropy CE(p, q) = −Σ_j p_j log q_j with p = one-hot y, q = softmax(a^L)",
            latex=r"e = \mathrm{CE}(p, q) = -\sum_{j} y_{j} \log q_{j}",
            uses_softmax=True,
            expression=_cross_entropy,
            explicit=_cross_entropy_explicit,
        ),
        Loss(
            name="kl",
            description="KL(p‖q) = Σ_j p_j log(p_j / q_j) with p = one-hot y, q = softmax(a^L)",
            latex=r"e = \mathrm{KL}(p \,\|\, q) = \sum_{j} y_{j} \log \frac{y_{j}}{q_{j}}",
            uses_softmax=True,
            expression=_kl,
            explicit=_kl_explicit,
        ),
        Loss(
            name="logistic",
            description="logistic loss for one sigmoid output and y ∈ {+1, −1}: log(1 + e^{−y z^L})",
            latex=(
                r"e = -\tfrac{1+y}{2}\log a^{L}_{1} - \tfrac{1-y}{2}\log\bigl(1-a^{L}_{1}\bigr)"
                r" = \log\bigl(1+e^{-y z^{L}_{1}}\bigr)"
            ),
            uses_softmax=False,
            expression=_logistic,
            explicit=lambda a_last, y: _logistic(a_last, y),
        ),
    )
}

_ALIASES = {
    "mse": "squared",
    "square": "squared",
    "ce": "cross_entropy",
    "cross-entropy": "cross_entropy",
    "crossentropy": "cross_entropy",
    "kl-divergence": "kl",
    "bce": "logistic",
}


def get_loss(name: str) -> Loss:
    """Look a loss up by name (``squared``, ``cross_entropy``, ``kl``, ``logistic``)."""
    if not isinstance(name, str):
        raise ArgumentTypeError(f"a loss is named by a string, got {type(name).__name__}")
    key = _ALIASES.get(name.strip().lower(), name.strip().lower())
    try:
        return LOSSES[key]
    except KeyError:
        known = ", ".join(sorted(LOSSES))
        raise SpecError(f"unknown loss {name!r}; choose one of: {known}") from None
