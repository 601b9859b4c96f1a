"""∂e/∂θ by the lecture's recursion (L7–L12).

δ^L = ∂e/∂a^L,  V^{ℓ+1} = (W^{ℓ+1})^T Diag(φ^{ℓ+1}'),  δ^ℓ = V^{ℓ+1} δ^{ℓ+1},
∇_{W^ℓ} e = Diag(φ^ℓ') δ^ℓ (a^{ℓ-1})^T,  ∇_{b^ℓ} e = Diag(φ^ℓ') δ^ℓ.

δ^ℓ is the gradient with respect to the activations a^ℓ (the lecture's convention).
"""

from __future__ import annotations

from typing import Callable

import sympy as sp

from .. import notation
from .._kernel.engine import engine_for
from .._kernel.softmax import rewrite_as_q
from ..activations import phi_prime
from ..network import MLP
from .gradients import BackpropSteps, Gradients

__all__ = ["BackpropSteps", "backprop", "backprop_steps", "display_steps", "gradients_from_steps", "output_delta"]

Matrix = sp.ImmutableMatrix


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
        entries = [rewrite_as_q(e, last, net.q, finish=lambda value: sp.collect(value, net.q)) for e in entries]
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


def display_steps(net: MLP) -> BackpropSteps:
    """The recursion as the documents print it: φ'(z^ℓ_i) kept as a function, and Diag = I on identity layers."""
    steps = backprop_steps(net, generic=True)
    ones = {
        phi_prime(z): sp.Integer(1)
        for layer in range(1, net.depth + 1)
        if net.activation(layer).name == "identity"
        for z in net.z(layer)
    }
    if not ones:
        return steps

    def fix(table: dict[int, Matrix]) -> dict[int, Matrix]:
        return {key: Matrix(value.xreplace(ones)) for key, value in table.items()}

    return BackpropSteps(
        network=steps.network,
        output_delta=steps.output_delta,
        Diag=fix(steps.Diag),
        V=fix(steps.V),
        delta=fix(steps.delta),
        delta_symbols=steps.delta_symbols,
        weight_gradients=fix(steps.weight_gradients),
        bias_gradients=fix(steps.bias_gradients),
    )


def gradients_from_steps(
    steps: BackpropSteps,
    *,
    method: str = "backprop",
    display: BackpropSteps | Callable[[], BackpropSteps] | None = None,
) -> Gradients:
    """Substitute the recursion top-down (δ^L, then δ^{L-1} = V^L δ^L, …) into every gradient entry.

    The result keeps ``steps`` as its ``recursion``: each entry is, by this construction, its step's
    formula with every δ symbol replaced by the value substituted for it here."""
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
    return Gradients(net, method, expressions, steps=display or steps, recursion=steps)


def backprop(net: MLP) -> Gradients:
    """∂e/∂θ by backpropagation; ``result.steps`` holds δ^L, V^ℓ, δ^ℓ and the gradient matrices.

    >>> from symbackprop import MLP
    >>> net = MLP([1, 1, 1])
    >>> g = backprop(net)
    >>> g.steps.delta[1]
    Matrix([[\\delta^{2}_{1}*w^{2}_{11}*phi'(z^{2}_{1})]])
    """
    return gradients_from_steps(backprop_steps(net, generic=True), display=lambda: backprop_steps(net))
