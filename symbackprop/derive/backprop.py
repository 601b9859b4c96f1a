"""∂e/∂θ by the lecture's recursion (L7–L12).

δ^L = ∂e/∂a^L,  V^{ℓ+1} = (W^{ℓ+1})^T Diag(φ^{ℓ+1}'),  δ^ℓ = V^{ℓ+1} δ^{ℓ+1},
∇_{W^ℓ} e = Diag(φ^ℓ') δ^ℓ (a^{ℓ-1})^T,  ∇_{b^ℓ} e = Diag(φ^ℓ') δ^ℓ.

δ^ℓ is the gradient with respect to the activations a^ℓ (the lecture's convention).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from .. import notation
from ..activations import phi_prime
from ..network import MLP
from ._engine import engine_for
from .gradients import Gradients

__all__ = ["BackpropSteps", "backprop", "backprop_steps", "gradients_from_steps", "output_delta"]

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
        from ..emit.notebook import steps_latex  # display only: emit depends on derive, not back

        return steps_latex(self)

    def delta_expanded(self, layer: int) -> Matrix:
        """δ^ℓ = V^{ℓ+1} V^{ℓ+2} ⋯ V^L δ^L with every δ symbol substituted (L10)."""
        value = self.delta[layer]
        for above in range(layer + 1, self.network.depth + 1):
            value = value.xreplace(dict(zip(self.delta_symbols[above], self.delta[above])))
        return Matrix(value)


def output_delta(net: MLP) -> Matrix:
    """δ^L = ∂e/∂a^L, differentiated from the loss; softmax fractions are written as q_j.

    >>> output_delta(MLP([2, 2], output="softmax", loss="cross_entropy"))
    Matrix([
    [q_{1}*(y_{1} + y_{2}) - y_{1}],
    [q_{2}*(y_{1} + y_{2}) - y_{2}]])
    """
    last = list(net.a(net.depth))
    loss = net.e_explicit
    entries = [sp.diff(loss, a) for a in last]
    if net.softmax:
        total = sp.Add(*[sp.exp(a) for a in last])
        total_symbol = sp.Dummy("S")
        to_q = {sp.exp(a): q * total_symbol for a, q in zip(last, net.q)}
        entries = [sp.collect(sp.expand(e.xreplace({total: total_symbol}).xreplace(to_q)), net.q) for e in entries]
    return Matrix(entries)


def backprop_steps(net: MLP, *, generic: bool = False) -> BackpropSteps:
    """Run the lecture's recursion symbolically, one layer at a time.

    With ``generic=True`` the diagonal holds φ'(z^ℓ_i) for every layer instead of the activation's formula.
    """
    depth = net.depth

    def diag(layer: int) -> Matrix:
        if generic:
            return Matrix(sp.diag(*[phi_prime(z) for z in net.z(layer)]))
        return net.Diag(layer)

    diags = {layer: diag(layer) for layer in range(1, depth + 1)}
    symbols = {
        layer: Matrix([notation.delta(layer, i) for i in range(1, net.sizes[layer] + 1)])
        for layer in range(1, depth + 1)
    }
    V = {layer: Matrix(net.W(layer).T * diags[layer]) for layer in range(2, depth + 1)}
    delta = {depth: output_delta(net)}
    for layer in range(depth - 1, 0, -1):
        delta[layer] = Matrix(V[layer + 1] * symbols[layer + 1])
    weight_gradients = {
        layer: Matrix(diags[layer] * symbols[layer] * net.a(layer - 1).T) for layer in range(1, depth + 1)
    }
    bias_gradients = (
        {layer: Matrix(diags[layer] * symbols[layer]) for layer in range(1, depth + 1)} if net.has_bias else {}
    )
    return BackpropSteps(
        network=net,
        output_delta=delta[depth],
        Diag=diags,
        V=V,
        delta=delta,
        delta_symbols=symbols,
        weight_gradients=weight_gradients,
        bias_gradients=bias_gradients,
    )


def gradients_from_steps(
    steps: BackpropSteps,
    *,
    method: str = "backprop",
    display: BackpropSteps | Callable[[], BackpropSteps] | None = None,
) -> Gradients:
    """Substitute the recursion top-down (δ^L, then δ^{L-1} = V^L δ^L, …) into every gradient entry."""
    net = steps.network
    engine = engine_for(net)
    values = {}
    for layer in range(net.depth, 0, -1):
        for symbol, entry in zip(steps.delta_symbols[layer], steps.delta[layer]):
            values[symbol] = engine.to_engine(entry, extra=values)
    expressions = {}
    for layer in range(1, net.depth + 1):
        W = net.W(layer)
        for i in range(W.rows):
            for j in range(W.cols):
                expressions[W[i, j]] = engine.to_engine(steps.weight_gradients[layer][i, j], extra=values)
        if net.has_bias:
            for i, b in enumerate(net.b(layer)):
                expressions[b] = engine.to_engine(steps.bias_gradients[layer][i], extra=values)
    return Gradients(net, method, expressions, steps=display or steps)


def backprop(net: MLP) -> Gradients:
    """∂e/∂θ by backpropagation; ``result.steps`` holds δ^L, V^ℓ, δ^ℓ and the gradient matrices.

    >>> from symbackprop import MLP
    >>> net = MLP([1, 1, 1])
    >>> g = backprop(net)
    >>> g.steps.delta[1]
    Matrix([[\\delta^{2}_{1}*w^{2}_{11}*phi'(z^{2}_{1})]])
    """
    return gradients_from_steps(backprop_steps(net, generic=True), display=lambda: backprop_steps(net))
