"""Vanishing and exploding gradients (L13, L14), from the recursion's own factors.

The bound ‖∇_{W^ℓ} e‖₂ ≤ ‖Diag(φ^ℓ')‖₂ ‖V^{ℓ+1} ⋯ V^L δ^L‖₂ ‖a^{ℓ-1}‖₂ is shown on a chain network, where
backpropagation's product is a product of numbers, and measured layer by layer in the L14 experiment that
``symbackprop claims`` reports too (:func:`symbackprop.lecture.story.norm_study`): numbers, labelled as
such — evidence for the mechanism, not a proof.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from ..activations import get_activation, phi_prime
from ..emit.document import Section, figure, section
from ..emit.layout import Layout, align
from ..emit.network_doc import NetworkTex
from ..emit.forms import NetworkDerivation
from . import story
from .figures import figure_file

__all__ = ["gradient_flow_section", "derivative_supremum"]


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


def gradient_flow_section() -> Section:
    def build() -> str:
        return section(r"Where the error flows: vanishing and exploding gradients (L13, L14)",
                       [_statement(), _chain(), *_experiment()], name="vanishing")

    return Section("vanishing", build, lambda: (figure_file("norms"),), late=True)  # waits for the L14 study


def _statement() -> str:
    check = story.identities()["L13"]
    sizes = ", ".join(map(str, story.deep_network().sizes))
    return (
        r"In $\nabla_{W^{\ell}} e = \Diag(\varphi^{\ell\prime}) V^{\ell+1} \cdots V^{L} \delta^{L} (a^{\ell-1})^{\top}$ "
        r"the targets enter only through $\delta^{L}$, the error gradients at the last layer: they flow back into "
        r"every earlier layer (L13). For the example network $[" + sizes + r"]$ this is exact: "
        + (f"none of its {check.instances} matrices $V^{{\\ell}}$, $\\Diag(\\varphi^{{\\ell\\prime}})$ contains $y$, and $\\delta^{{L}}$ does."
           if check.holds else r"the check \textbf{FAILED}.")
        + r" Taking norms (the spectral norm of an outer product $u v^{\top}$ is $\|u\|_{2} \|v\|_{2}$) gives L14,"
        "\n" + align([
            r"\left\|\nabla_{W^{\ell}} e\right\|_{2} &\le \left\|\Diag(\varphi^{\ell\prime})\right\|_{2} "
            r"\left\|V^{\ell+1} \cdots V^{L} \delta^{L}\right\|_{2} \left\|a^{\ell-1}\right\|_{2}",
            r"&\le \prod_{m=\ell}^{L} \left\|\Diag(\varphi^{m\prime})\right\|_{2} \prod_{m=\ell+1}^{L} \left\|W^{m}\right\|_{2}"
            r" \cdot \left\|\delta^{L}\right\|_{2} \left\|a^{\ell-1}\right\|_{2} \quad \text{\beyond}",
        ])
        + "\nIf $V^{\\ell+1} \\cdots V^{L} \\delta^{L}$ is large, the gradients of layer $\\ell$ can be large "
        "(\\emph{exploding gradients}); if it is small, they approach zero (\\emph{vanishing gradients}). "
        "The second line, which bounds the product factor by factor, shows why: one factor per later layer."
    )


def _chain() -> str:
    sigmoid = story.chain_network("sigmoid")
    derivation = NetworkDerivation(sigmoid)
    nt = NetworkTex(derivation)
    theta = sigmoid.W(1)[0, 0]
    form = derivation.backprop_form(theta)
    supremum = derivative_supremum("sigmoid")
    # |∂e/∂w^1_11| ≤ …: every σ'(z^ℓ_1) by its supremum, every other factor by its absolute value
    number, parts = sp.Integer(1), []
    for factor in nt.printer.factors(form):  # in the order the formula is printed
        if factor.is_Number:
            number *= abs(factor)
        elif isinstance(factor, phi_prime):
            number *= supremum
        else:
            parts.append(r"\left|%s\right|" % nt.tex(factor))
    bounded = " ".join(parts)
    linear = story.chain_network("identity")
    linear_form = NetworkDerivation(linear).backprop_form(linear.W(1)[0, 0])
    c = sp.Symbol("c", positive=True)
    same_weight = linear_form.xreplace({linear.W(layer)[0, 0]: c for layer in range(2, linear.depth + 1)})
    partial = r"\frac{\partial e}{\partial %s}" % nt.tex(theta)
    tanh_sup, relu_sup = derivative_supremum("tanh"), derivative_supremum("relu")
    return "\n\n".join([
        r"\textbf{A chain of sigmoid neurons.} With one neuron per layer and $L = %d$ (the network "
        r"$[%s]$), backpropagation's product is a product of numbers:" % (sigmoid.depth, ", ".join(map(str, sigmoid.sizes))),
        align(Layout(nt.printer).equation(partial, form)),
        r"SymPy maximises the sigmoid's derivative formula $\sigma'(z) = a(1 - a)$ over $a \in [0, 1]$: "
        f"$\\sup \\sigma' = {nt.tex(supremum)}$ (for $\\tanh' = 1 - a^{{2}}$ it is ${nt.tex(tanh_sup)}$, for ReLU "
        f"${nt.tex(relu_sup)}$). Replacing every $\\sigma'$ by its supremum:",
        align([r"\left|%s\right| &\le %s %s" % (partial, nt.tex(number), bounded)]),
        r"--- a factor $4^{-%d}$ unless the weights are large: the gradient of the first layer vanishes. "
        r"\textbf{Exploding.} With identity activations every $\varphi' = 1$ and the same chain gives" % sigmoid.depth,
        align(Layout(nt.printer).equation(partial, linear_form)),
        f"so with every later weight equal to $c$ it is ${nt.tex(same_weight)}$: it grows like "
        f"$c^{{{linear.depth - 1}}}$ when $c > 1$ and vanishes when $c < 1$.",
    ])


def _scientific(value: float) -> str:
    if value == 0 or not np.isfinite(value):
        return f"${value:g}$"
    mantissa, exponent = f"{value:.2e}".split("e")
    exponent_value = int(exponent)
    if -2 <= exponent_value <= 2:
        return f"${value:.3g}$"
    return f"${mantissa} \\times 10^{{{exponent_value}}}$"


def _experiment() -> list[str]:
    studies = story.norm_study()
    first = studies[0]
    depth = first.gradient.shape[1]
    samples = first.gradient.shape[0]
    cases = sum(study.gradient.size for study in studies)
    holds = all(study.bound_holds for study in studies)
    lines = [
        r"\begin{center}",
        r"\begin{tabular}{lccc}",
        r"hidden layers & $\|\delta^{1}\|_{2} / \|\delta^{L}\|_{2}$ & $\|\nabla_{W^{1}} e\|_{2} / \|\nabla_{W^{L}} e\|_{2}$ & "
        r"median $\|\nabla_{W^{1}} e\|_{2}$ \\ \hline",
    ]
    for study in studies:
        label = study.label.replace("σ' ≤ 1/4", r"$\sigma' \le 1/4$").replace("√2", r"$\sqrt{2}$")
        lines.append(
            f"{label} & {_scientific(study.backward_growth)} & {_scientific(study.first_to_last)} & {_scientific(float(study.median[0]))} \\\\"
        )
    lines += [r"\end{tabular}", r"\end{center}"]
    return [
        r"\textbf{The experiment.} Four networks with %d layers ($%d$ hidden layers of width %d and one linear output "
        r"neuron, biases $0$), weights drawn from $N(0, s^{2}/N_{\ell-1})$, inputs and targets standard normal, "
        r"%d samples. Each sample's gradient comes from the compiled model, and the factors of L14 from the recursion "
        r"$\delta^{\ell} = V^{\ell+1} \delta^{\ell+1}$ on the forward pass's values, in float64 --- numbers, not a "
        r"proof. The medians over the samples:" % (depth, depth - 1, first.sizes[1], samples),
        "\n".join(lines),
        f"The bound L14 held in all {cases} layer-and-sample cases checked" + ("." if holds else r" --- \textbf{NOT}: it was violated.")
        + r" With sigmoid layers ($\sigma' \le \tfrac{1}{4}$) the backpropagated error shrinks by orders of "
        r"magnitude on its way to the input (vanishing); ReLU at the larger weight scale multiplies it at every layer "
        r"(exploding). The forward pass grows as fast there, so \emph{every} layer's weight gradient is large, not only "
        r"the first: \figref{norms}, right.",
        figure("norms", r"The L14 experiment. Left: the backpropagated error $\|\delta^{\ell}\|_{2} = "
                        r"\|V^{\ell+1} \cdots V^{L} \delta^{L}\|_{2}$ per layer. Right: the weight gradient "
                        r"$\|\nabla_{W^{\ell}} e\|_{2}$ (solid) under its bound L14 (dashed). Medians over the samples."),
    ]
