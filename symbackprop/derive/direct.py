"""∂e/∂θ by differentiating the composed loss e(w) (L15) — the independent reference."""

from __future__ import annotations

from typing import Iterable

import sympy as sp

from .._kernel.engine import engine_for
from ..errors import SpecError
from ..network import MLP
from .gradients import Gradients

__all__ = ["direct", "direct_wrt"]


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


def direct_wrt(net: MLP, symbol: sp.Symbol) -> sp.Expr:
    """∂e/∂a^ℓ_i (the lecture's δ^ℓ_i) or ∂e/∂z^ℓ_i, by differentiating e composed over the layers above.

    >>> from symbackprop import MLP
    >>> net = MLP([1, 1])
    >>> direct_wrt(net, net.z(1)[0])
    -2*(-a^{1}_{1} + y_{1})*phi'(z^{1}_{1})
    """
    engine = engine_for(net)
    for layer in range(1, net.depth + 1):
        if symbol in net.a(layer):
            return engine.to_sympy(engine.direct_wrt_activation(layer, list(net.a(layer)).index(symbol)))
        if symbol in net.z(layer):
            return engine.to_sympy(engine.direct_wrt_pre_activation(layer, list(net.z(layer)).index(symbol)))
    raise SpecError(f"{symbol} is not an activation a^ℓ_i or pre-activation z^ℓ_i of this network (ℓ ≥ 1)")
