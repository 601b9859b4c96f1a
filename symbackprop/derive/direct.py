"""∂e/∂θ by differentiating the composed loss e(w) (L15) — the independent reference."""

from __future__ import annotations

from typing import Iterable

import sympy as sp

from .._kernel.engine import engine_for
from ..network import MLP
from .gradients import Gradients

__all__ = ["direct"]


def direct(net: MLP, parameters: Iterable[sp.Symbol] | None = None) -> Gradients:
    """Differentiate e(w) = e(φ(W^L φ(⋯ φ(W^1 x) ⋯)), y) with respect to each parameter.

    The loss is composed with one undefined function per layer and differentiated by SymEngine;
    the result is rewritten into the layer symbols (a^ℓ_i for φ(z^ℓ_i), φ'(z^ℓ_i)) — a faithful
    rewrite, so the derivative is still the one of the composed loss.

    >>> from symbackprop import MLP
    >>> net = MLP([1, 1, 1])
    >>> direct(net)[net.parameter("w^1_11")]
    -2*w^{2}_{11}*x_{1}*(-a^{2}_{1} + y_{1})*phi'(z^{1}_{1})*phi'(z^{2}_{1})
    """
    return Gradients(net, "direct", engine_for(net).direct(parameters))
