"""The derivations as they are shown: the lecture form of a gradient, and LaTeX for notebooks.

:func:`lecture_form` keeps φ'(z^ℓ_i) as a function of z^ℓ_i (the lecture writes Diag(φ^ℓ') with entries
φ'(z^ℓ_i)) and writes softmax fractions as q_j.  :func:`gradients_latex` and :func:`steps_latex` are the
``_repr_latex_`` of :class:`~symbackprop.Gradients` and :class:`~symbackprop.BackpropSteps`: one
``$\\displaystyle …$`` block each (MathJax and LaTeX both accept it); text inside it is ``\\text{…}``
in ASCII.
"""

from __future__ import annotations

import re

import symengine as se
import sympy as sp

from .._kernel.engine import engine_for
from .._kernel.softmax import rewrite_as_q
from ..activations import phi_prime
from ..printing import activation_names, lecture_printer, text

__all__ = ["lecture_form", "gradients_latex", "steps_latex", "latex_block", "latex_text", "MAX_ROWS"]

MAX_ROWS = 64  # entries shown before "⋮ (N more)": every gradient of a small network, a bounded display for a big one


def latex_block(rows: list[str]) -> str:
    return r"$\displaystyle \begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}$"


def latex_text(value: str) -> str:
    """Prose inside math mode: text pieces in \\text{}, the $…$ pieces of :func:`text` as math."""
    pieces = re.split(r"\$(.*?)\$", text(value))
    return " ".join(
        (r"\text{%s}" % piece if index % 2 == 0 else piece) for index, piece in enumerate(pieces) if piece
    )


def lecture_form(gradients, parameter: sp.Symbol) -> sp.Expr:  # noqa: ANN001 - Gradients
    """∂e/∂θ with φ'(z^ℓ_i) kept as a function (1 on identity layers) and softmax fractions as q_j."""
    net = gradients.network
    engine = engine_for(net)
    substitutions: dict[se.Basic, se.Basic] = {}
    for layer in range(1, net.depth + 1):
        identity = net.activation(layer).name == "identity"
        for atom, z in zip(engine.d_atoms[layer], net.z(layer)):
            substitutions[atom] = se.Integer(1) if identity else se.Function("phi'")(se.Symbol(z.name))
    expression = engine.to_sympy(gradients.engine_expression(parameter).xreplace(substitutions))
    if net.softmax:
        expression = rewrite_as_q(expression, list(net.a(net.depth)), net.q)
    return expression


def _more(count: int) -> str:
    return r"&\ \vdots \quad \text{(%d more: g[parameter] shows any one)}" % count


def gradients_latex(gradients) -> str:  # noqa: ANN001 - Gradients
    """∂e/∂θ for each parameter, φ' written as φ'(z^ℓ_i) (σ'(z^ℓ_i), … for concrete activations).

    >>> from symbackprop import MLP, backprop
    >>> print(gradients_latex(backprop(MLP([1, 1]))))
    $\\displaystyle \\begin{aligned}\\frac{\\partial e}{\\partial w^{1}_{11}} &= \\varphi'\\left(z^{1}_{1}\\right) \\left(2 a^{1}_{1} - 2 y_{1}\\right) x_{1}\\end{aligned}$
    """
    net = gradients.network
    printer = lecture_printer(activation_names(net))
    parameters = list(gradients)
    rows = [
        r"\frac{\partial e}{\partial %s} &= %s" % (printer.doprint(p), printer.doprint(lecture_form(gradients, p)))
        for p in parameters[:MAX_ROWS]
    ]
    if len(parameters) > MAX_ROWS:
        rows.append(_more(len(parameters) - MAX_ROWS))
    rows += _formula_rows(net, printer)
    return latex_block(rows)


def _formula_rows(net, printer) -> list[str]:  # noqa: ANN001
    rows, seen = [], set()
    for layer in range(1, net.depth + 1):
        activation = net.activation(layer)
        if activation.generic or activation.name == "identity" or activation.name in seen:
            continue
        seen.add(activation.name)
        z, a = net.z(layer)[0], net.a(layer)[0]
        rows.append(r"%s &= %s \quad %s" % (
            printer.doprint(phi_prime(z)), printer.doprint(activation.derivative(z, a)),
            r"\text{(every neuron of layer %d)}" % layer))
    return rows


def steps_latex(steps) -> str:  # noqa: ANN001 - BackpropSteps
    """δ^L, Diag(φ^ℓ'), V^ℓ, δ^ℓ = V^{ℓ+1} δ^{ℓ+1}, ∇_{W^ℓ} e (and ∇_{b^ℓ} e) as matrices.

    >>> from symbackprop import MLP, backprop_steps
    >>> print(steps_latex(backprop_steps(MLP([1, 1]))))
    $\\displaystyle \\begin{aligned}\\delta^{1} &= \\left[\\begin{matrix}2 a^{1}_{1} - 2 y_{1}\\end{matrix}\\right] \\\\ \\operatorname{Diag}\\left(\\varphi^{1\\prime}\\right) &= \\left[\\begin{matrix}\\varphi'\\left(z^{1}_{1}\\right)\\end{matrix}\\right] \\\\ \\nabla_{W^{1}} e &= \\left[\\begin{matrix}\\varphi'\\left(z^{1}_{1}\\right) \\delta^{1}_{1} x_{1}\\end{matrix}\\right]\\end{aligned}$
    """
    net = steps.network
    names = activation_names(net)
    printer = lecture_printer(names)
    tex = printer.doprint
    L = net.depth
    diag = lambda layer: r"\operatorname{Diag}\left(%s^{%d\prime}\right)" % (names[layer], layer)  # noqa: E731
    rows = [r"\delta^{%d} &= %s" % (L, tex(steps.output_delta))]
    rows += [r"%s &= %s" % (diag(layer), tex(steps.Diag[layer])) for layer in sorted(steps.Diag)]
    rows += [r"V^{%d} &= %s" % (layer, tex(steps.V[layer])) for layer in sorted(steps.V)]
    rows += [
        r"\delta^{%d} = V^{%d} \delta^{%d} &= %s" % (layer, layer + 1, layer + 1, tex(steps.delta[layer]))
        for layer in sorted(steps.delta, reverse=True)
        if layer != L
    ]
    rows += [r"\nabla_{W^{%d}} e &= %s" % (layer, tex(steps.weight_gradients[layer])) for layer in sorted(steps.weight_gradients)]
    rows += [r"\nabla_{b^{%d}} e &= %s" % (layer, tex(steps.bias_gradients[layer])) for layer in sorted(steps.bias_gradients)]
    return latex_block(rows)
