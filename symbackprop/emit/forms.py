"""The derivations of one network, in the form the documents print them.

Printing wants φ'(z^ℓ_i) kept as a function of z^ℓ_i (the lecture writes Diag(φ^ℓ') with entries
φ'(z^ℓ_i), and says separately that σ'(z) = σ(z)(1 − σ(z))), while :class:`~symbackprop.Gradients`
substitutes the activation's formula.  :class:`NetworkDerivation` computes everything once —
direct and backprop gradients, the recursion's matrices, the proof — and hands out these forms
(:func:`symbackprop.derive.display.lecture_form`, :func:`symbackprop.derive.display_steps`).
"""

from __future__ import annotations

import functools

import sympy as sp

from ..derive import BackpropSteps, Gradients, backprop, direct, display_steps
from ..derive.display import lecture_form
from ..network import MLP
from ..printing import activation_names
from ..proof import Proof, prove

__all__ = ["NetworkDerivation"]


class NetworkDerivation:
    """Everything the document says about one network, computed once."""

    def __init__(self, net: MLP, parameter: str | sp.Symbol | None = None) -> None:
        self.net = net
        if parameter is None:
            parameter = net.W(1)[0, 0]
        elif isinstance(parameter, str):
            parameter = net.parameter(parameter)
        net.parameter_info(parameter)  # SpecError for a foreign symbol
        self.parameter: sp.Symbol = parameter
        self.names = activation_names(net)

    @functools.cached_property
    def backprop(self) -> Gradients:
        return backprop(self.net)

    @functools.cached_property
    def direct(self) -> Gradients:
        return direct(self.net)

    @functools.cached_property
    def steps(self) -> BackpropSteps:
        return display_steps(self.net)

    @functools.cached_property
    def proof(self) -> Proof:
        return prove(self.net, self.backprop)

    def direct_form(self, parameter: sp.Symbol | None = None) -> sp.Expr:
        return lecture_form(self.direct, self.parameter if parameter is None else parameter)

    def backprop_form(self, parameter: sp.Symbol | None = None) -> sp.Expr:
        return lecture_form(self.backprop, self.parameter if parameter is None else parameter)
