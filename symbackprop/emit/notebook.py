"""Rendered math for Jupyter: the LaTeX behind ``_repr_latex_`` of Gradients, BackpropSteps and Proof.

Each function returns one ``$\\displaystyle …$`` block (MathJax and LaTeX both accept it); text inside it
is ``\\text{…}`` in ASCII.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import sympy as sp

from .document import text
from .forms import activation_names, lecture_form
from .latex import lecture_printer

if TYPE_CHECKING:  # pragma: no cover
    from ..derive import BackpropSteps, Gradients
    from ..prove import Proof

__all__ = ["gradients_latex", "steps_latex", "proof_latex", "MAX_ROWS"]

MAX_ROWS = 12  # entries shown before "… and N more"


def _block(rows: list[str]) -> str:
    return r"$\displaystyle \begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}$"


def _text(value: str) -> str:
    """Prose inside math mode: text pieces in \\text{}, the $…$ pieces of :func:`text` as math."""
    pieces = re.split(r"\$(.*?)\$", text(value))
    return " ".join(
        (r"\text{%s}" % piece if index % 2 == 0 else piece) for index, piece in enumerate(pieces) if piece
    )


def _more(count: int) -> str:
    return r"&\ \vdots \quad \text{(%d more)}" % count


def gradients_latex(gradients: "Gradients") -> str:
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
    return _block(rows)


def _formula_rows(net, printer) -> list[str]:  # noqa: ANN001
    from ..activations import phi_prime

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


def steps_latex(steps: "BackpropSteps") -> str:
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
    return _block(rows)


def proof_latex(proof: "Proof") -> str:
    """The verdict, the method, the lemmas and the (numeric, labelled) spot check.

    >>> from symbackprop import MLP
    >>> from symbackprop.prove import prove
    >>> print(proof_latex(prove(MLP([1, 1]), spot_check=0)))
    $\\displaystyle \\begin{aligned}&\\textbf{PROVED}\\text{: 1/1 entries identical (direct vs backprop)} \\\\ &\\text{exact polynomial identity in the layer atoms } a^\\ell_i \\text{, } \\varphi'(z^\\ell_i) \\text{, for every } \\varphi\\end{aligned}$
    """
    proved = sum(entry.status == "proved" for entry in proof.entries)
    verdict = "PROVED" if proof.holds else ("REFUTED" if proof.counterexamples else "NOT PROVED")
    rows = [
        r"&\textbf{%s}\text{: %d/%d entries identical (direct vs %s)}" % (verdict, proved, len(proof.entries), proof.candidate),
        "&" + _text(proof.method),
    ]
    from ..activations import get_activation

    for lemma in proof.lemmas:
        rows.append(r"&%s \quad \text{%s}" % (get_activation(lemma.activation).derivative_latex, "proved" if lemma.holds else "FAILS"))
    printer = lecture_printer()
    for entry in proof.failures[:5]:
        rows.append(r"&%s\text{: %s}" % (printer.doprint(entry.parameter), entry.status))
    if proof.spot_check is not None:
        check = proof.spot_check
        rows.append(
            r"&\text{numeric spot check (not a proof): } \max |\text{direct} - \text{%s}| = %s"
            % (proof.candidate, sp.latex(sp.Float(check.max_abs_difference, 3)))
        )
    return _block(rows)
