"""Vanishing and exploding gradients (L14), from the recursion's own factors.

The bound ‖∇_{W^ℓ} e‖₂ ≤ ‖Diag(φ^ℓ')‖₂ ‖V^{ℓ+1} ⋯ V^L δ^L‖₂ ‖a^{ℓ-1}‖₂ is shown on a chain network, where
backpropagation's product is a product of numbers, and evaluated layer by layer on a deeper network at
one fixed random point (numbers, labelled as such — evidence for the mechanism, not a proof), by the same
computation as the claims' L14 study (:class:`~symbackprop.lecture.gradient_norms.LayerNormEvaluator`).
"""

from __future__ import annotations

import random

import numpy as np
import sympy as sp

from .._kernel.evaluate import random_values
from ..activations import get_activation, phi_prime
from ..emit.document import Section, section
from ..emit.forms import NetworkDerivation
from ..emit.layout import Layout, align
from ..network import MLP
from ..printing import lecture_printer
from .gradient_norms import LayerNormEvaluator

__all__ = ["gradient_flow_section", "chain_network", "sample_values", "layer_gradient_norms", "derivative_supremum", "FLOW_SIZES", "FLOW_SEED"]

CHAIN_DEPTH = 5
FLOW_SIZES = (3, 3, 3, 3, 3, 3, 1)
FLOW_SEED = 643


def chain_network(activation: str, depth: int = CHAIN_DEPTH) -> MLP:
    """One neuron per layer: backpropagation's product is a product of numbers."""
    return MLP([1] * (depth + 1), activation=activation)


def derivative_supremum(name: str) -> sp.Expr:
    """sup φ' of an activation, from its derivative formula (SymPy ``maximum`` over the range of a)."""
    a = sp.Symbol("a", real=True)
    z = sp.Symbol("z", real=True)
    activation = get_activation(name)
    formula = activation.derivative(z, a)
    ranges = {"sigmoid": sp.Interval(0, 1), "tanh": sp.Interval(-1, 1)}
    if name in ranges:
        return sp.maximum(formula, a, ranges[name])
    if name == "relu":
        return sp.Integer(1)  # H(z) ∈ {0, 1}
    return sp.sympify(formula)


def sample_values(net: MLP, rng: random.Random, weight_scale: int = 1) -> dict[sp.Symbol, sp.Rational]:
    """The table's random point: weights (times ``weight_scale``), inputs and targets on a grid of step 0.01 in [−1, 1]."""
    return random_values(net, rng, sp.Rational, parameter_range=100, input_range=100, target_range=100, scale=sp.Integer(weight_scale))


def layer_gradient_norms(net: MLP, values: dict[sp.Symbol, sp.Expr]) -> list[tuple[float, float]]:
    """(‖∇_{W^ℓ} e‖₂, the L14 bound) for ℓ = 1…L at the given parameter/input/target values (float64)."""
    params = {f"W{layer}": np.array(net.W(layer).xreplace(values).tolist(), dtype=float) for layer in range(1, net.depth + 1)}
    if net.has_bias:
        params.update({f"b{layer}": np.array([float(values[b]) for b in net.b(layer)]) for layer in range(1, net.depth + 1)})
    x = np.array([float(values[symbol]) for symbol in net.x])
    y = np.array([float(values[symbol]) for symbol in net.y])
    gradient, bound, _ = LayerNormEvaluator(net).evaluate(params, x, y)
    return [(float(g), float(b)) for g, b in zip(gradient, bound)]


def _scientific(value: float) -> str:
    if value == 0:
        return "$0$"
    mantissa, exponent = f"{value:.2e}".split("e")
    return f"${mantissa} \\times 10^{{{int(exponent)}}}$"


def gradient_flow_section() -> Section:
    def build() -> str:
        return section(r"Vanishing and exploding gradients (L14)", [_statement(), _chain(), _table()])

    return Section("gradient-flow", build)


def _statement() -> str:
    return (
        r"Backpropagation multiplies: $\nabla_{W^{\ell}} e = \Diag(\varphi^{\ell\prime}) V^{\ell+1} \cdots V^{L} "
        r"\delta^{L} (a^{\ell-1})^{\top}$ with $V^{m} = (W^{m})^{\top} \Diag(\varphi^{m\prime})$. Taking norms "
        r"(the norm of an outer product $u v^{\top}$ is $\|u\|_{2} \|v\|_{2}$) gives L14,"
        "\n" + align([
            r"\left\|\nabla_{W^{\ell}} e\right\|_{2} &\le \left\|\Diag(\varphi^{\ell\prime})\right\|_{2} "
            r"\left\|V^{\ell+1} \cdots V^{L} \delta^{L}\right\|_{2} \left\|a^{\ell-1}\right\|_{2}",
            r"&\le \prod_{m=\ell}^{L} \left\|\Diag(\varphi^{m\prime})\right\|_{2} \prod_{m=\ell+1}^{L} \left\|W^{m}\right\|_{2}"
            r" \cdot \left\|\delta^{L}\right\|_{2} \left\|a^{\ell-1}\right\|_{2},"
        ])
        + "\nso the gradient of an early layer carries one factor per later layer: many factors below one "
        "make it vanish, many above one make it explode."
    )


def _chain() -> str:
    sigmoid = chain_network("sigmoid")
    derivation = NetworkDerivation(sigmoid)
    printer = lecture_printer(derivation.names)
    tex = printer.doprint
    theta = sigmoid.W(1)[0, 0]
    form = derivation.backprop_form(theta)
    supremum = derivative_supremum("sigmoid")
    # |∂e/∂w^1_11| ≤ …: every σ'(z^ℓ_1) by its supremum, every other factor by its absolute value
    coefficient, factors = form.as_coeff_mul()
    bounded = abs(coefficient) * sp.Mul(*[supremum if isinstance(f, phi_prime) else sp.Abs(f) for f in factors])
    linear = chain_network("identity")
    linear_form = NetworkDerivation(linear).backprop_form(linear.W(1)[0, 0])
    c = sp.Symbol("c", positive=True)
    same_weight = linear_form.xreplace({linear.W(layer)[0, 0]: c for layer in range(2, linear.depth + 1)})
    partial = r"\frac{\partial e}{\partial %s}" % tex(theta)
    layout = Layout(printer)
    rows = layout.equation(partial, form)
    rows += Layout(printer).equation(r"\left|%s\right|" % partial, bounded, relation=r"\le")
    tanh_sup, relu_sup = derivative_supremum("tanh"), derivative_supremum("relu")
    return "\n\n".join([
        r"\textbf{A chain of sigmoid neurons.} With one neuron per layer and $L = %d$ (the network "
        r"$[%s]$), backpropagation's product is a product of numbers:" % (sigmoid.depth, ", ".join(map(str, sigmoid.sizes))),
        align(rows[:1]),
        r"SymPy maximises the sigmoid's derivative formula $\sigma'(z) = a(1 - a)$ over $a \in [0, 1]$: "
        f"$\\sup \\sigma' = {tex(supremum)}$ (for $\\tanh' = 1 - a^{{2}}$ it is ${tex(tanh_sup)}$, for ReLU "
        f"${tex(relu_sup)}$). Replacing every $\\sigma'$ by its supremum:",
        align(rows[1:]),
        r"--- a factor $4^{-%d}$ unless the weights are large: the gradient of the first layer vanishes. "
        r"\textbf{Exploding.} With identity activations every $\varphi' = 1$ and the same chain gives" % sigmoid.depth,
        align(Layout(printer).equation(partial, linear_form)),
        f"so with every later weight equal to $c$ it is ${tex(same_weight)}$: it grows like "
        f"$c^{{{linear.depth - 1}}}$ when $c > 1$ and vanishes when $c < 1$.",
    ])


def _table() -> str:
    rng = random.Random(FLOW_SEED)
    sigmoid = MLP(list(FLOW_SIZES), activation="sigmoid")
    linear = MLP(list(FLOW_SIZES), activation="identity")
    sigmoid_rows = layer_gradient_norms(sigmoid, sample_values(sigmoid, rng))
    linear_rows = layer_gradient_norms(linear, sample_values(linear, rng, 2))
    lines = [
        r"\begin{center}",
        r"\begin{tabular}{c|cc|cc}",
        r" & \multicolumn{2}{c|}{sigmoid, $w \in [-1, 1]$} & \multicolumn{2}{c}{identity, $w \in [-2, 2]$} \\",
        r"$\ell$ & $\|\nabla_{W^{\ell}} e\|_{2}$ & bound L14 & $\|\nabla_{W^{\ell}} e\|_{2}$ & bound L14 \\ \hline",
    ]
    for layer, ((s, sb), (l, lb)) in enumerate(zip(sigmoid_rows, linear_rows), start=1):
        lines.append(f"${layer}$ & {_scientific(s)} & {_scientific(sb)} & {_scientific(l)} & {_scientific(lb)} \\\\")
    lines += [r"\end{tabular}", r"\end{center}"]
    return "\n\n".join([
        r"\textbf{Layer by layer.} The network $[%s]$ evaluated at one random point (seed %d; weights, inputs "
        r"and targets drawn uniformly on a grid of step $0.01$), once with sigmoid activations and once with "
        r"identity activations and doubled weights. The gradients come from the compiled model and the factors "
        r"of L14 from the recursion $\delta^{\ell} = V^{\ell+1} \delta^{\ell+1}$ on the forward pass's values, in "
        r"float64 (the computation of the L14 study in the claims); ``bound'' is the first form of L14. Numbers, "
        r"not a proof:"
        % (", ".join(map(str, FLOW_SIZES)), FLOW_SEED),
        "\n".join(lines),
        f"From the last layer to the first, the gradient norm changes by a factor "
        f"{_scientific(sigmoid_rows[0][0] / sigmoid_rows[-1][0])} in the sigmoid network and "
        f"{_scientific(linear_rows[0][0] / linear_rows[-1][0])} in the linear one.",
    ])
