"""The result types of the derivations: :class:`Gradients` (parameter → ∂e/∂parameter) and
:class:`BackpropSteps` (every intermediate of the recursion)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Mapping

import symengine as se
import sympy as sp

from .._kernel.engine import engine_for
from ..network import MLP
from .display import gradients_latex, steps_latex

__all__ = ["Gradients", "BackpropSteps"]

Matrix = sp.ImmutableMatrix


@dataclass(frozen=True)
class BackpropSteps:
    """Every intermediate of the recursion, as small SymPy matrices (what the LaTeX emitter prints).

    ``delta[ℓ]`` is δ^ℓ written one step at a time: δ^L explicitly, δ^ℓ = V^{ℓ+1} δ^{ℓ+1} with the
    symbols δ^{ℓ+1}_m (``delta_symbols[ℓ+1]``) standing for the layer above.
    """

    network: MLP
    output_delta: Matrix
    Diag: dict[int, Matrix]
    V: dict[int, Matrix]
    delta: dict[int, Matrix]
    delta_symbols: dict[int, Matrix]
    weight_gradients: dict[int, Matrix]
    bias_gradients: dict[int, Matrix]

    def _repr_latex_(self) -> str:
        """Rendered math in Jupyter: δ^L, Diag(φ^ℓ'), V^ℓ, δ^ℓ and the gradient matrices."""
        return steps_latex(self)

    def delta_expanded(self, layer: int) -> Matrix:
        """δ^ℓ = V^{ℓ+1} V^{ℓ+2} ⋯ V^L δ^L with every δ symbol substituted (L10)."""
        value = self.delta[layer]
        for above in range(layer + 1, self.network.depth + 1):
            value = value.xreplace(dict(zip(self.delta_symbols[above], self.delta[above])))
        return Matrix(value)


class Gradients(Mapping[sp.Symbol, sp.Expr]):
    """∂e/∂θ for every parameter θ of a network, in the lecture's symbols.

    Expressions use x_j, y_j, w, b, the activations a^ℓ_i (and q_j for softmax outputs) and the
    layer's derivative formula for φ'(z^ℓ_i) (σ' = a(1 − a), …, or φ'(z^ℓ_i) for the generic φ).
    ``method`` says how they were obtained; ``steps`` holds δ^ℓ, V^ℓ, … for backpropagation (as the
    documents print them); ``recursion`` is the recursion the expressions were built from, when they were
    (:func:`~symbackprop.derive.gradients_from_steps` sets it) — what the layer-local proof checks.

    >>> from symbackprop import MLP, backprop
    >>> g = backprop(MLP([1, 1]))
    >>> g[g.network.parameter("w^1_11")]
    x_{1}*(2*a^{1}_{1} - 2*y_{1})*phi'(z^{1}_{1})
    """

    def __init__(
        self,
        network: MLP,
        method: str,
        engine_expressions: Mapping[sp.Symbol, se.Basic],
        *,
        steps: BackpropSteps | Callable[[], BackpropSteps] | None = None,
        recursion: BackpropSteps | None = None,
    ) -> None:
        self.network = network
        self.method = method
        self._steps = steps
        self.recursion = recursion
        self._engine_expressions = dict(engine_expressions)
        self._sympy: dict[sp.Symbol, sp.Expr] = {}

    @property
    def steps(self) -> BackpropSteps | None:
        """δ^L, V^ℓ, δ^ℓ, Diag(φ^ℓ') and the gradient matrices, when the gradients come from backprop."""
        if callable(self._steps):
            self._steps = self._steps()
        return self._steps

    def __getitem__(self, parameter: sp.Symbol | str) -> sp.Expr:
        if isinstance(parameter, str):
            parameter = self.network.parameter(parameter)
        if parameter not in self._sympy:
            try:
                value = self._engine_expressions[parameter]
            except (KeyError, TypeError):
                raise KeyError(parameter) from None
            self._sympy[parameter] = engine_for(self.network).to_sympy(value)
        return self._sympy[parameter]

    def __iter__(self) -> Iterator[sp.Symbol]:
        return (p for p in self.network.parameters if p in self._engine_expressions)

    def __len__(self) -> int:
        return len(self._engine_expressions)

    def engine_expression(self, parameter: sp.Symbol) -> se.Basic:
        """The SymEngine form (layer atoms D^ℓ_i for φ'(z^ℓ_i)) used by proofs and code generation."""
        return self._engine_expressions[parameter]

    def matrix(self, layer: int) -> sp.ImmutableMatrix:
        """∇_{W^ℓ} e as an N_ℓ × N_{ℓ-1} matrix."""
        W = self.network.W(layer)
        return sp.ImmutableMatrix(W.rows, W.cols, [self[w] for w in W])

    def bias(self, layer: int) -> sp.ImmutableMatrix:
        """∇_{b^ℓ} e as a column (L12)."""
        return sp.ImmutableMatrix([self[b] for b in self.network.b(layer)])

    def _repr_latex_(self) -> str:
        """Rendered math in Jupyter: ∂e/∂θ for each parameter, in the lecture's notation."""
        return gradients_latex(self)

    def __repr__(self) -> str:
        return f"Gradients(method={self.method!r}, network={self.network!r}, {len(self)} entries)"
