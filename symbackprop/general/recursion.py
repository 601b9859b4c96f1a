"""The backprop recursion as rules on matrices — the lecture's, and deliberately wrong ones (mutants).

A :class:`Recursion` is written once and used two ways: on the generic layer's matrix symbols with
symbolic shapes (the general proof) and on a concrete network's matrices (the per-architecture proof
:func:`symbackprop.prove.prove`, through :meth:`Recursion.gradients`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

import sympy as sp

from ..derive import BackpropSteps, Gradients, backprop_steps, gradients_from_steps
from ..errors import SpecError
from ..network import MLP

__all__ = ["LayerMatrices", "Recursion", "LECTURE", "MUTANTS", "get_recursion"]

Matrix = sp.MatrixBase | sp.MatrixExpr


@dataclass(frozen=True)
class LayerMatrices:
    """What a gradient rule sees of layer ℓ: Diag(φ^ℓ'), δ^ℓ, a^{ℓ−1} and Diag(φ^{ℓ+1}') (None when ℓ = L)."""

    Diag: Matrix
    delta: Matrix
    a_previous: Matrix
    Diag_above: Matrix | None


def _lecture_v(W_next: Matrix, Diag_next: Matrix) -> Matrix:
    """V^{ℓ+1} = (W^{ℓ+1})^T Diag(φ^{ℓ+1}')."""
    return W_next.T * Diag_next


def _lecture_weight_gradient(layer: LayerMatrices) -> Matrix:
    """∇_{W^ℓ} e = Diag(φ^ℓ') δ^ℓ (a^{ℓ−1})^T."""
    return layer.Diag * layer.delta * layer.a_previous.T


def _lecture_bias_gradient(layer: LayerMatrices) -> Matrix:
    """∇_{b^ℓ} e = Diag(φ^ℓ') δ^ℓ."""
    return layer.Diag * layer.delta


def _lecture_output_delta(loss: str, a: sp.Expr, y: sp.Expr, q: sp.Expr | None) -> sp.Expr:
    """δ^L_i for the lecture's losses: 2(a^L_i − y_i); q_i − y_i (softmax, one-hot y); logistic."""
    if loss == "squared":
        return 2 * (a - y)
    if loss in ("cross_entropy", "kl"):
        return q - y
    if loss == "logistic":
        return (a - (1 + y) / 2) / (a * (1 - a))
    raise SpecError(f"no output delta for the loss {loss!r}")


@dataclass(frozen=True)
class Recursion:
    """δ^L, V^{ℓ+1}, ∇_{W^ℓ} e and ∇_{b^ℓ} e as functions of the layer's matrices."""

    name: str
    description: str
    V: Callable[[Matrix, Matrix], Matrix] = _lecture_v
    weight_gradient: Callable[[LayerMatrices], Matrix] = _lecture_weight_gradient
    bias_gradient: Callable[[LayerMatrices], Matrix] = _lecture_bias_gradient
    output_delta: Callable[[str, sp.Expr, sp.Expr, sp.Expr | None], sp.Expr] = _lecture_output_delta

    def steps(self, net: MLP) -> BackpropSteps:
        """This recursion run on a concrete network (δ^ℓ written with the symbols δ^{ℓ+1}_m of the layer above)."""
        lecture = backprop_steps(net)
        depth = net.depth
        V = {layer: sp.ImmutableMatrix(self.V(net.W(layer), lecture.Diag[layer])) for layer in range(2, depth + 1)}
        q = net.q if net.softmax else (None,) * net.sizes[-1]
        delta = {
            depth: sp.ImmutableMatrix(
                [self.output_delta(net.loss.name, a, y, q_i) for a, y, q_i in zip(net.a(depth), net.y, q)]
            )
        }
        for layer in range(depth - 1, 0, -1):
            delta[layer] = sp.ImmutableMatrix(V[layer + 1] * lecture.delta_symbols[layer + 1])

        def matrices(layer: int) -> LayerMatrices:
            return LayerMatrices(
                lecture.Diag[layer], lecture.delta_symbols[layer], net.a(layer - 1), lecture.Diag.get(layer + 1)
            )

        weights = {layer: sp.ImmutableMatrix(self.weight_gradient(matrices(layer))) for layer in range(1, depth + 1)}
        biases = (
            {layer: sp.ImmutableMatrix(self.bias_gradient(matrices(layer))) for layer in range(1, depth + 1)}
            if net.has_bias
            else {}
        )
        return dataclasses.replace(
            lecture, output_delta=delta[depth], V=V, delta=delta, weight_gradients=weights, bias_gradients=biases
        )

    def gradients(self, net: MLP) -> Gradients:
        """∂e/∂θ of a concrete network by this recursion (what :func:`symbackprop.prove.prove` checks)."""
        return gradients_from_steps(self.steps(net), method=self.name)


LECTURE = Recursion(
    "lecture",
    "the lecture's recursion (L10–L12): V^{ℓ+1} = (W^{ℓ+1})^T Diag(φ^{ℓ+1}'), "
    "∇_{W^ℓ} e = Diag(φ^ℓ') δ^ℓ (a^{ℓ−1})^T, ∇_{b^ℓ} e = Diag(φ^ℓ') δ^ℓ",
)


def _w_instead_of_transpose(W_next: Matrix, Diag_next: Matrix) -> Matrix:
    return W_next * Diag_next


def _v_without_phi_prime(W_next: Matrix, Diag_next: Matrix) -> Matrix:
    return W_next.T


def _weight_gradient_without_phi_prime(layer: LayerMatrices) -> Matrix:
    return layer.delta * layer.a_previous.T


def _weight_gradient_with_diag_of_layer_above(layer: LayerMatrices) -> Matrix:
    diag = layer.Diag if layer.Diag_above is None else layer.Diag_above
    return diag * layer.delta * layer.a_previous.T


def _bias_gradient_with_extra_activation(layer: LayerMatrices) -> Matrix:
    return layer.Diag * layer.delta * layer.a_previous[0, 0]


def _negated(loss: str, a: sp.Expr, y: sp.Expr, q: sp.Expr | None) -> sp.Expr:
    return -_lecture_output_delta(loss, a, y, q)


def _halved(loss: str, a: sp.Expr, y: sp.Expr, q: sp.Expr | None) -> sp.Expr:
    return _lecture_output_delta(loss, a, y, q) / 2


MUTANTS: dict[str, Recursion] = {
    mutant.name: mutant
    for mutant in (
        dataclasses.replace(LECTURE, name="w-for-wt", description="V^{ℓ+1} = W^{ℓ+1} Diag(φ^{ℓ+1}') (W for W^T)", V=_w_instead_of_transpose),
        dataclasses.replace(LECTURE, name="v-without-phi-prime", description="V^{ℓ+1} = (W^{ℓ+1})^T (φ' dropped in V)", V=_v_without_phi_prime),
        dataclasses.replace(
            LECTURE,
            name="grad-w-without-phi-prime",
            description="∇_{W^ℓ} e = δ^ℓ (a^{ℓ−1})^T (φ' dropped in ∇W)",
            weight_gradient=_weight_gradient_without_phi_prime,
        ),
        dataclasses.replace(
            LECTURE,
            name="off-by-one-diag",
            description="∇_{W^ℓ} e = Diag(φ^{ℓ+1}') δ^ℓ (a^{ℓ−1})^T for ℓ < L (the Diag of the layer above)",
            weight_gradient=_weight_gradient_with_diag_of_layer_above,
        ),
        dataclasses.replace(LECTURE, name="flipped-sign", description="δ^L with the sign flipped", output_delta=_negated),
        dataclasses.replace(LECTURE, name="half-delta", description="δ^L with a factor ½ (the ½ convention of other losses)", output_delta=_halved),
        dataclasses.replace(
            LECTURE,
            name="extra-a-in-grad-b",
            description="∇_{b^ℓ} e = Diag(φ^ℓ') δ^ℓ a^{ℓ−1}_1 (an extra activation)",
            bias_gradient=_bias_gradient_with_extra_activation,
        ),
    )
}


def get_recursion(name: str) -> Recursion:
    """The lecture's recursion (``"lecture"``) or a mutant by name."""
    if name == LECTURE.name:
        return LECTURE
    try:
        return MUTANTS[name]
    except KeyError:
        known = ", ".join([LECTURE.name, *MUTANTS])
        raise SpecError(f"unknown recursion {name!r}; choose one of: {known}") from None
