"""The derivations of one network, in the form the documents print them.

Printing wants φ'(z^ℓ_i) kept as a function of z^ℓ_i (the lecture writes Diag(φ^ℓ') with entries
φ'(z^ℓ_i), and says separately that σ'(z) = σ(z)(1 − σ(z))), while :class:`~symbackprop.Gradients`
substitutes the activation's formula.  :class:`NetworkDerivation` computes everything once —
direct and backprop gradients, the recursion's matrices, the proof — and hands out these forms.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import symengine as se
import sympy as sp

from ..activations import phi_prime
from ..derive import Gradients, backprop, backprop_steps, direct
from ..derive._engine import engine_for

if TYPE_CHECKING:  # pragma: no cover
    from ..derive import BackpropSteps
    from ..network import MLP
    from ..prove import Proof

__all__ = ["NetworkDerivation", "activation_names", "lecture_form", "display_steps", "softmax_as_q"]


def activation_names(net: "MLP") -> dict[int, str]:
    """Layer → LaTeX name of its activation, for printing φ'(z^ℓ_i) as σ'(z^ℓ_i), tanh'(z^ℓ_i), …"""
    return {layer: net.activation(layer).latex for layer in range(1, net.depth + 1)}


def _identity(net: "MLP", layer: int) -> bool:
    return net.activation(layer).name == "identity"


def lecture_form(gradients: Gradients, parameter: sp.Symbol) -> sp.Expr:
    """∂e/∂θ with φ'(z^ℓ_i) kept as a function (1 on identity layers) and softmax fractions as q_j."""
    net = gradients.network
    engine = engine_for(net)
    substitutions: dict[se.Basic, se.Basic] = {}
    for layer in range(1, net.depth + 1):
        for atom, z in zip(engine.d_atoms[layer], net.z(layer)):
            substitutions[atom] = se.Integer(1) if _identity(net, layer) else se.Function("phi'")(se.Symbol(z.name))
    expression = engine.to_sympy(gradients.engine_expression(parameter).xreplace(substitutions))
    if net.softmax:
        expression = softmax_as_q(net, expression)
    return expression


def softmax_as_q(net: "MLP", expression: sp.Expr) -> sp.Expr:
    """Write exp(a^L_j) / Σ_r exp(a^L_r) as q_j wherever it occurs (exact: exp(a^L_j) = q_j S with S
    the softmax denominator, and S cancels)."""
    last = list(net.a(net.depth))
    total = sp.Add(*[sp.exp(a) for a in last])
    S = sp.Dummy("S", positive=True)
    substituted = expression.xreplace({total: S}).xreplace({sp.exp(a): q * S for a, q in zip(last, net.q)})
    result = sp.factor_terms(sp.expand(substituted))
    if result.has(S):  # not every exp(a^L_j) came with its denominator: keep the original
        return expression
    return result


def display_steps(net: "MLP") -> "BackpropSteps":
    """The recursion with φ'(z^ℓ_i) kept as a function (and Diag = I on identity layers)."""
    steps = backprop_steps(net, generic=True)
    ones = {
        phi_prime(z): sp.Integer(1)
        for layer in range(1, net.depth + 1)
        if _identity(net, layer)
        for z in net.z(layer)
    }
    if not ones:
        return steps

    def fix(table: dict[int, sp.ImmutableMatrix]) -> dict[int, sp.ImmutableMatrix]:
        return {key: sp.ImmutableMatrix(value.xreplace(ones)) for key, value in table.items()}

    return type(steps)(
        network=steps.network,
        output_delta=steps.output_delta,
        Diag=fix(steps.Diag),
        V=fix(steps.V),
        delta=fix(steps.delta),
        delta_symbols=steps.delta_symbols,
        weight_gradients=fix(steps.weight_gradients),
        bias_gradients=fix(steps.bias_gradients),
    )


class NetworkDerivation:
    """Everything the document says about one network, computed once."""

    def __init__(self, net: "MLP", parameter: str | sp.Symbol | None = None) -> None:
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
    def steps(self) -> "BackpropSteps":
        return display_steps(self.net)

    @functools.cached_property
    def proof(self) -> "Proof":
        from ..prove import prove

        return prove(self.net, self.backprop)

    def direct_form(self, parameter: sp.Symbol | None = None) -> sp.Expr:
        return lecture_form(self.direct, self.parameter if parameter is None else parameter)

    def backprop_form(self, parameter: sp.Symbol | None = None) -> sp.Expr:
        return lecture_form(self.backprop, self.parameter if parameter is None else parameter)
