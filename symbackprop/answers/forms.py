"""The correct answer for a parameter in the lecture's notation, and systematically wrong variants of it.

The correct form is L7/L12: ∂e/∂w^ℓ_{ij} = φ'(z^ℓ_i) δ^ℓ_i a^{ℓ-1}_j and ∂e/∂b^ℓ_i = φ'(z^ℓ_i) δ^ℓ_i,
with δ^ℓ = ∂e/∂a^ℓ from the recursion δ^ℓ = V^{ℓ+1} δ^{ℓ+1}.  Each :class:`Form` holds the expression in
the proof engine's atoms (what answers are compared with) and its short form in plain text and LaTeX
(what the feedback shows).  Mutations are the typical mistakes: a missing or extra φ', a weight gradient
given for a bias (extra a^{ℓ-1}) or the reverse, a wrong index or transpose, a wrong layer; each is
later combined with the scalar slips (sign, missing factor 2).
"""

from __future__ import annotations

from dataclasses import dataclass

import symengine as se
import sympy as sp

from .. import notation
from ..network import MLP
from .context import AnswerContext

__all__ = ["Form", "Block", "correct_form", "mutations", "SCALARS", "capitalised"]


@dataclass(frozen=True)
class Block:
    """One factor of a short form: its value in atoms and how it prints."""

    value: se.Basic
    plain: str
    latex: str


@dataclass(frozen=True)
class Form:
    """An expression for ∂e/∂θ (right or wrong) with a label for the mistake it embodies."""

    code: str
    label: str
    explanation: str
    blocks: tuple[Block, ...]

    @property
    def value(self) -> se.Basic:
        return se.Mul(*[block.value for block in self.blocks]) if self.blocks else se.Integer(1)

    @property
    def plain(self) -> str:
        return " ".join(block.plain for block in self.blocks if block.plain) or "1"

    @property
    def latex(self) -> str:
        return r"\,".join(block.latex for block in self.blocks if block.latex) or "1"


# Scalar slips, tried on the correct form and on every mutation: (factor, code, label).
SCALARS: tuple[tuple[sp.Rational, str, str], ...] = (
    (sp.Integer(1), "", ""),
    (sp.Integer(-1), "sign", "the sign is flipped"),
    (sp.Rational(1, 2), "factor_2", "a factor 2 is missing"),
    (sp.Rational(-1, 2), "sign+factor_2", "the sign is flipped and a factor 2 is missing"),
    (sp.Integer(2), "extra_factor_2", "there is an extra factor 2"),
    (sp.Integer(-2), "sign+extra_factor_2", "the sign is flipped and there is an extra factor 2"),
)

_PRIME_NAMES = {
    "phi": ("φ'", r"\varphi'"),
    "sigmoid": ("σ'", r"\sigma'"),
    "tanh": ("tanh'", r"\tanh'"),
    "relu": ("ReLU'", r"\operatorname{ReLU}'"),
    "identity": ("id'", r"\operatorname{id}'"),
}


class _Blocks:
    """Factories for the factors of short forms in one network."""

    def __init__(self, context: AnswerContext) -> None:
        self.context = context
        self.net: MLP = context.net
        self.engine = context.engine

    def dprime(self, layer: int, i: int) -> Block:
        """φ'(z^ℓ_i), named after the layer's activation (omitted for the identity, where it is 1)."""
        name = self.net.activation(layer).name
        if name == "identity":
            return Block(se.Integer(1), "", "")
        plain, latex = _PRIME_NAMES[name]
        return Block(
            self.engine.d_atoms[layer][i - 1],
            f"{plain}(z^{layer}_{i})",
            rf"{latex}\left(z^{{{layer}}}_{{{i}}}\right)",
        )

    def delta(self, layer: int, i: int, values: dict | None = None) -> Block:
        values = self.context.delta if values is None else values
        symbol = notation.delta(layer, i)
        return Block(values[symbol], f"δ^{layer}_{i}", symbol.name)

    def activation(self, layer: int, j: int) -> Block:
        symbol = self.net.a(layer)[j - 1]
        return Block(self.engine.a_atoms[layer][j - 1], notation.plain_name(symbol.name), symbol.name)

    def square(self, block: Block) -> Block:
        return Block(block.value**2, f"{block.plain}²", f"{block.latex}^{{2}}")


def _parameter_name(net: MLP, kind: str, layer: int, i: int, j: int | None) -> str | None:
    """The plain name of a parameter if it exists in the network."""
    if not 1 <= layer <= net.depth or not 1 <= i <= net.sizes[layer]:
        return None
    if kind == "b":
        return notation.plain_name(net.b(layer)[i - 1].name) if net.has_bias else None
    if j is None or not 1 <= j <= net.sizes[layer - 1]:
        return None
    return notation.plain_name(net.W(layer)[i - 1, j - 1].name)


def _gradient(blocks: _Blocks, kind: str, layer: int, i: int, j: int | None, *, delta_values: dict | None = None) -> tuple[Block, ...]:
    """The correct short form for (kind, ℓ, i, j): φ'(z^ℓ_i) δ^ℓ_i [a^{ℓ-1}_j]."""
    parts = [blocks.dprime(layer, i), blocks.delta(layer, i, delta_values)]
    if kind == "w":
        parts.append(blocks.activation(layer - 1, j))
    return tuple(parts)


def correct_form(context: AnswerContext, parameter: sp.Symbol) -> Form:
    kind, layer, i, j = context.net.parameter_info(parameter)
    return Form("correct", "correct", "", _gradient(_Blocks(context), kind, layer, i, j))


def mutations(context: AnswerContext, parameter: sp.Symbol) -> list[Form]:
    """Structurally wrong forms for ∂e/∂θ, most common mistakes first (scalar slips are applied later)."""
    net = context.net
    blocks = _Blocks(context)
    kind, layer, i, j = net.parameter_info(parameter)
    depth = net.depth
    identity = net.activation(layer).name == "identity"
    this = notation.plain_name(parameter.name)
    tail = (blocks.activation(layer - 1, j),) if kind == "w" else ()
    dprime, delta = blocks.dprime(layer, i), blocks.delta(layer, i)
    a_name = "x" if layer == 1 else f"a^{layer - 1}"
    found: list[Form] = []

    def add(code: str, label: str, explanation: str, parts: tuple[Block, ...]) -> None:
        found.append(Form(code, label, explanation, parts))

    if not identity:
        add(
            "missing_phi_prime",
            f"the factor φ'(z^{layer}_{i}) is missing",
            f"∂e/∂z^{layer}_{i} = ∂e/∂a^{layer}_{i} · φ'(z^{layer}_{i}) (L8). The lecture's δ^{layer}_{i} is ∂e/∂a^{layer}_{i}, "
            "not ∂e/∂z (the convention of some textbooks), so φ' must be written out.",
            (delta, *tail),
        )
    if layer < depth:
        variant = context.delta_variant("no_phi_prime")
        if any(net.activation(above).name != "identity" for above in range(layer + 1, depth + 1)):
            add(
                "missing_phi_prime",
                f"the factors φ'(z^{layer + 1}_m) are missing in the recursion for δ^{layer}",
                f"δ^{layer} = V^{layer + 1} δ^{layer + 1} with V^{layer + 1} = (W^{layer + 1})ᵀ Diag(φ^{layer + 1}') (L10): "
                f"each term of δ^{layer}_{i} carries φ'(z^{layer + 1}_m).",
                (dprime, blocks.delta(layer, i, variant), *tail),
            )
            if not identity:
                add(
                    "missing_phi_prime",
                    "every φ' factor is missing",
                    "each layer contributes φ'(z) (L8, L10); none appears in this answer.",
                    (blocks.delta(layer, i, variant), *tail),
                )
    if not identity:
        add(
            "extra_phi_prime",
            f"φ'(z^{layer}_{i}) appears twice",
            f"δ^{layer}_{i} is ∂e/∂a^{layer}_{i}; multiplying by φ'(z^{layer}_{i}) once gives ∂e/∂z^{layer}_{i} (L8).",
            (blocks.square(dprime), delta, *tail),
        )
    if kind == "b":
        for m in range(1, net.sizes[layer - 1] + 1):
            weight = _parameter_name(net, "w", layer, i, m)
            add(
                "extra_activation",
                f"an extra factor {blocks.activation(layer - 1, m).plain}: this is ∂e/∂{weight}, a weight gradient",
                f"z^{layer}_{i} = Σ_j w^{layer}_{i}j {a_name}_j + b^{layer}_{i}, so ∂z^{layer}_{i}/∂b^{layer}_{i} = 1 "
                f"(L12: ∇_b^{layer} e = Diag(φ^{layer}') δ^{layer}, without (a^{layer - 1})ᵀ).",
                (dprime, delta, blocks.activation(layer - 1, m)),
            )
    else:
        add(
            "missing_activation",
            f"the factor {tail[0].plain} is missing: this is the bias gradient",
            f"∂z^{layer}_{i}/∂{this} = {tail[0].plain} (L7: ∂e/∂w^ℓ_ij = ∂e/∂z^ℓ_i · a^(ℓ−1)_j).",
            (dprime, delta),
        )
        swapped = _parameter_name(net, "w", layer, j, i)
        if swapped is not None and (j, i) != (i, j):
            add(
                "transpose",
                f"the indices are swapped: this is ∂e/∂{swapped}",
                f"w^{layer}_ij connects neuron j of layer {layer - 1} to neuron i of layer {layer}; "
                f"∂e/∂{this} = φ'(z^{layer}_{i}) δ^{layer}_{i} {tail[0].plain}.",
                _gradient(blocks, "w", layer, j, i),
            )
    if layer < depth and i <= net.sizes[layer + 1] and net.sizes[layer + 1] <= net.sizes[layer]:
        above = layer + 1
        engine = context.engine
        swapped_step = se.add(
            *[
                engine.symbol[net.W(above)[i - 1, m]] * engine.d_atoms[above][m] * context.delta[notation.delta(above, m + 1)]
                for m in range(net.sizes[above])
            ]
        )
        add(
            "transpose",
            f"w^{above}_{i}m is used where w^{above}_m{i} belongs in δ^{layer}_{i}",
            f"δ^{layer}_{i} = Σ_m w^{above}_m{i} φ'(z^{above}_m) δ^{above}_m (L9, δ^{layer} = (W^{above})ᵀ Diag(φ^{above}') δ^{above}): "
            f"the weight's second index is {i}.",
            (dprime, Block(swapped_step, f"Σ_m w^{above}_{i}m φ'(z^{above}_m) δ^{above}_m", rf"\sum_m w^{{{above}}}_{{{i}m}}\,\varphi'(z^{{{above}}}_m)\,\delta^{{{above}}}_m"), *tail),
        )
    if layer < depth:
        variant = context.delta_variant("transpose")
        if variant is not None:
            add(
                "transpose",
                f"W^{layer + 1} is used where (W^{layer + 1})ᵀ belongs in the recursion for δ^{layer}",
                f"δ^{layer}_{i} = Σ_m w^{layer + 1}_m{i} φ'(z^{layer + 1}_m) δ^{layer + 1}_m (L9): the weight's second index is {i}.",
                (dprime, blocks.delta(layer, i, variant), *tail),
            )
    # another parameter's gradient, or factors with the wrong index
    for other in net.parameters:
        if other == parameter:
            continue
        o_kind, o_layer, o_i, o_j = net.parameter_info(other)
        if o_kind != kind or o_layer != layer or (kind == "w" and (o_i, o_j) == (j, i)):
            continue
        add(
            "wrong_index",
            f"this is ∂e/∂{notation.plain_name(other.name)}, not ∂e/∂{this}",
            "check the indices: w^ℓ_ij connects neuron j of layer ℓ−1 to neuron i of layer ℓ, and the gradient of a "
            "parameter of neuron i uses φ'(z^ℓ_i) and δ^ℓ_i.",
            _gradient(blocks, o_kind, o_layer, o_i, o_j),
        )
    for other_i in range(1, net.sizes[layer] + 1):
        if other_i == i:
            continue
        if not identity:
            add(
                "wrong_index",
                f"φ'(z^{layer}_{other_i}) where φ'(z^{layer}_{i}) belongs",
                f"the gradient of a parameter of neuron {i} uses φ'(z^{layer}_{i}) and δ^{layer}_{i}.",
                (blocks.dprime(layer, other_i), delta, *tail),
            )
        add(
            "wrong_index",
            f"δ^{layer}_{other_i} where δ^{layer}_{i} belongs",
            f"the gradient of a parameter of neuron {i} uses φ'(z^{layer}_{i}) and δ^{layer}_{i}.",
            (dprime, blocks.delta(layer, other_i), *tail),
        )
    # the wrong layer
    for other_layer in (layer - 1, layer + 1):
        name = _parameter_name(net, kind, other_layer, i, j)
        if name is not None:
            add(
                "wrong_layer",
                f"this is ∂e/∂{name}, a parameter of layer {other_layer}",
                f"∂e/∂{this} uses the quantities of layer {layer}: φ'(z^{layer}_{i}), δ^{layer}_{i}"
                + (f" and a^{layer - 1}_{j}." if kind == "w" else "."),
                _gradient(blocks, kind, other_layer, i, j),
            )
        if 1 <= other_layer <= depth and i <= net.sizes[other_layer]:
            if net.activation(other_layer).name != "identity":
                add(
                    "wrong_layer",
                    f"φ'(z^{other_layer}_{i}) of layer {other_layer} where φ'(z^{layer}_{i}) belongs",
                    f"∇_W^ℓ e = Diag(φ^ℓ') δ^ℓ (a^(ℓ−1))ᵀ (L11): φ' of the parameter's own layer {layer}.",
                    (blocks.dprime(other_layer, i), delta, *tail),
                )
            add(
                "wrong_layer",
                f"δ^{other_layer}_{i} of layer {other_layer} where δ^{layer}_{i} belongs",
                f"∇_W^ℓ e = Diag(φ^ℓ') δ^ℓ (a^(ℓ−1))ᵀ (L11): δ of the parameter's own layer {layer}.",
                (dprime, blocks.delta(other_layer, i), *tail),
            )
    if kind == "w":
        for other_layer in (layer, layer - 2):
            if 0 <= other_layer <= depth and j <= net.sizes[other_layer] and other_layer != layer - 1:
                wrong = blocks.activation(other_layer, j)
                add(
                    "wrong_layer",
                    f"{wrong.plain} where {tail[0].plain} belongs",
                    f"{this} multiplies the previous layer's output: z^{layer}_{i} = Σ_j w^{layer}_{i}j a^{layer - 1}_j (+ b).",
                    (dprime, delta, wrong),
                )
    return found


def capitalised(label: str) -> str:
    """A mistake's label with its first letter in upper case when it is a Latin one: φ, σ and δ are symbols
    and keep their case (``"φ'(z) appears twice"`` stays as it is)."""
    return label[0].upper() + label[1:] if label[:1].isascii() else label
