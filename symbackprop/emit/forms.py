"""The derivations of one network, in the form the documents print them.

Printing wants φ'(z^ℓ_i) kept as a function of z^ℓ_i (the lecture writes Diag(φ^ℓ') with entries
φ'(z^ℓ_i), and says separately that σ'(z) = σ(z)(1 − σ(z))), while :class:`~symbackprop.Gradients`
substitutes the activation's formula.  :class:`NetworkDerivation` computes everything once —
direct and backprop gradients, the recursion's matrices, the proof — and hands out these forms
(:func:`symbackprop.derive.display.lecture_form`, :func:`symbackprop.derive.display_steps`).

For softmax outputs with a one-hot target (cross-entropy or KL), the printed forms apply the constraint
Σ_j y_j = 1 exactly (:func:`one_hot_form`), so δ^L reads q − y entry by entry, as the lecture writes it
(L22); the proof compares the unconstrained expressions, which hold for every y.
"""

from __future__ import annotations

import functools
from typing import Sequence

import sympy as sp

from ..derive import BackpropSteps, Gradients, backprop, direct, display_steps
from ..derive.display import lecture_form
from ..network import MLP
from ..printing import activation_names
from ..proof import Proof, prove

__all__ = ["NetworkDerivation", "one_hot_form", "uses_one_hot"]


def uses_one_hot(net: MLP) -> bool:
    """Softmax outputs compared with a one-hot target: Σ_j y_j = 1 may be used (L18–L22)."""
    return net.softmax and net.loss.name in ("cross_entropy", "kl")


def one_hot_form(expression: sp.Expr, y: Sequence[sp.Symbol], group: Sequence[sp.Symbol] = ()) -> sp.Expr:
    """``expression`` rewritten with Σ_j y_j = 1, exactly: bottom up, every sum that gets shorter when
    one y_k is replaced by 1 − Σ_{j≠k} y_j is replaced by its shortest such form (so
    q_j (y_1 + ⋯ + y_C) − y_j becomes q_j − y_j); a multiplied-out sum is first grouped by the symbols
    ``group`` (the last layer's weights), so that Σ_m w_m q_m (y_1 + ⋯ + y_C) − Σ_m w_m y_m becomes
    Σ_m w_m (q_m − y_m).

    The result equals ``expression`` for every y with Σ_j y_j = 1, and only then.
    """
    targets = tuple(y)
    target_set = set(targets)

    def shortest(node: sp.Expr) -> sp.Expr:
        best, best_count = node, sp.count_ops(node)
        for k, y_k in enumerate(targets):
            rest = [y_j for j, y_j in enumerate(targets) if j != k]
            candidate = sp.expand(node.xreplace({y_k: 1 - sp.Add(*rest)}))
            count = sp.count_ops(candidate)
            if count < best_count:
                best, best_count = candidate, count
        factored = sp.factor_terms(best)
        return factored if sp.count_ops(factored) < best_count else best

    @functools.lru_cache(maxsize=None)
    def walk(node: sp.Expr) -> sp.Expr:
        if node.is_Atom or not (node.free_symbols & target_set):
            return node
        if isinstance(node, sp.Add) and group:
            grouped = sp.collect(node, list(group))
            if grouped != node and isinstance(grouped, sp.Add):
                node = grouped
        rebuilt = node.func(*[walk(argument) for argument in node.args])
        return shortest(rebuilt) if isinstance(rebuilt, sp.Add) else rebuilt

    return walk(expression)


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
        self.one_hot = uses_one_hot(net)

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

    def shown(self, expression: sp.Expr) -> sp.Expr:
        """``expression`` as printed: with Σ_j y_j = 1 applied for one-hot targets (:func:`one_hot_form`)."""
        if not self.one_hot:
            return expression
        return one_hot_form(expression, list(self.net.y), list(self.net.W(self.net.depth)))

    def direct_form(self, parameter: sp.Symbol | None = None) -> sp.Expr:
        return self.shown(lecture_form(self.direct, self.parameter if parameter is None else parameter))

    def backprop_form(self, parameter: sp.Symbol | None = None) -> sp.Expr:
        return self.shown(lecture_form(self.backprop, self.parameter if parameter is None else parameter))

    @functools.cached_property
    def output_delta(self) -> sp.ImmutableMatrix:
        """δ^L as printed (q − y for one-hot targets)."""
        return sp.ImmutableMatrix(self.steps.output_delta.applyfunc(self.shown))

    def delta_expanded(self, layer: int) -> sp.ImmutableMatrix:
        """δ^ℓ = V^{ℓ+1} ⋯ V^L δ^L with every δ symbol substituted, as printed."""
        return sp.ImmutableMatrix(self.steps.delta_expanded(layer).applyfunc(self.shown))

    @functools.cached_property
    def known_names(self) -> dict[sp.Expr, sp.Symbol]:
        """Sub-expressions that are entries δ^ℓ_i of the recursion (fully substituted), with that name:
        a printed formula writes δ^ℓ_i instead of giving such a factor a new name."""
        known: dict[sp.Expr, sp.Symbol] = {}
        for layer in range(1, self.net.depth):
            for value, symbol in zip(self.delta_expanded(layer), self.steps.delta_symbols[layer]):
                if not value.is_Atom:
                    known.setdefault(value, symbol)
        return known
