"""The optimisers (L2–L6, L16) rendered from the trainers' own Python with latexify-py.

The loops and update rules in :mod:`symbackprop.algorithms` are what the trainers run; latexify turns
their source into LaTeX (``Style.IPYTHON_ALGORITHMIC``: an ``array`` that compiles with amsmath alone,
since algorithmicx is not part of texlive-latex-base).  latexify's options can only rename Python
identifiers to other Python identifiers, so the lecture's glyphs (∇E, γ_k, ‖d‖₂) replace latexify's
tokens for them through :data:`GLYPHS` — a fixed table, checked by the tests to match latexify's output.
"""

from __future__ import annotations

from typing import Callable

import latexify
import sympy as sp

from .. import algorithms
from ..printing import latex
from .document import Section, section

__all__ = ["GLYPHS", "ALGORITHMS", "UPDATE_RULES", "render_algorithm", "render_rule", "optimisers_section"]

LATEXIFY_OPTIONS = {"use_math_symbols": True}  # alpha → \alpha, gamma → \gamma

GLYPHS: dict[str, str] = {
    r"\mathrm{grad\_E}": r"\nabla E",
    r"\mathrm{grad\_e\_sum}": r"{\textstyle\sum}\nabla e",
    r"\mathrm{grad\_e}": r"\nabla e",
    r"\mathrm{grad}": r"\nabla e",
    r"\Gamma \mathopen{}\left( k \mathclose{}\right)": r"\gamma_{k}",
    r"\mathrm{norm} \mathopen{}\left( d \mathclose{}\right)": r"\left\lVert d \right\rVert_{2}",
    r"\mathrm{range} \mathopen{}\left( K \mathclose{}\right)": r"\{0, \ldots, K-1\}",
}
"""latexify token → the lecture's LaTeX for it."""

ALGORITHMS: tuple[Callable, ...] = (
    algorithms.gradient_descent,
    algorithms.gradient_descent_exact,
    algorithms.sgd,
    algorithms.minibatch_sgd,
)
UPDATE_RULES: tuple[Callable, ...] = (
    algorithms.descent_direction,
    algorithms.gradient_step,
    algorithms.step_size,
    algorithms.stochastic_step,
)


def _glyphs(tex: str) -> str:
    for token, glyph in GLYPHS.items():
        tex = tex.replace(token, glyph)
    return tex


def render_algorithm(function: Callable) -> str:
    """A loop as latexify renders it (array form, amsmath only), in the lecture's glyphs.

    >>> print(render_algorithm(algorithms.sgd).split(r" \\\\ ")[1])
    \\hspace{1em} \\mathbf{for} \\ k \\in \\{0, \\ldots, K-1\\} \\ \\mathbf{do}
    """
    return _glyphs(latexify.get_latex(function, style=latexify.Style.IPYTHON_ALGORITHMIC, **LATEXIFY_OPTIONS))


def render_rule(function: Callable) -> str:
    """An update rule as latexify renders it (``name(args) = body``), in the lecture's glyphs.

    >>> render_rule(algorithms.gradient_step)
    '\\\\mathrm{gradient\\\\_step}(w, \\\\alpha, d) = w + \\\\alpha d'
    """
    return _glyphs(latexify.get_latex(function, style=latexify.Style.FUNCTION, **LATEXIFY_OPTIONS))


def _display(tex: str) -> str:
    return "\\[\n" + tex + "\n\\]"


def _step_size_sums() -> str:
    """L5 for the code's own step size: call ``step_size`` on a SymPy k and sum the series (SymPy).

    The sums run over n = k + 1 ≥ 1 (the same series; SymPy recognises ζ-series much faster that way).
    """
    k = sp.Symbol("k", integer=True, nonnegative=True)
    n = sp.Symbol("n", integer=True, positive=True)
    gamma = sp.sympify(algorithms.step_size(k))
    shifted = gamma.xreplace({k: n - 1})
    total = sp.summation(shifted, (n, 1, sp.oo))
    squares = sp.summation(shifted**2, (n, 1, sp.oo))
    return (
        r"\begin{align*}" + "\n"
        + rf"\gamma_{{k}} &= \mathrm{{step\_size}}(k) = {latex(gamma)}, &"
        + rf"\sum_{{k=0}}^{{\infty}} \gamma_{{k}} &= {latex(total)}, &"
        + rf"\sum_{{k=0}}^{{\infty}} \gamma_{{k}}^{{2}} &= {latex(squares)} < \infty"
        + "\n" + r"\end{align*}"
    )


def optimisers_section() -> Section:
    def build() -> str:
        gd, exact, sgd, minibatch = (render_algorithm(f) for f in ALGORITHMS)
        rules = [render_rule(f) for f in UPDATE_RULES]
        body = [
            r"The optimisers below are not typeset by hand: they are the functions in "
            r"\texttt{symbackprop.algorithms} that the trainers run, rendered from their Python source by "
            r"latexify-py. $w$ is the parameter vector, $E(w) = \sum_{i} e^{i}(w)$ the total error and "
            r"$\nabla e(j, w) = \nabla e^{j}(w)$ the gradient of one sample's error, computed by backpropagation; "
            r"\textrm{record} keeps the history.",
            r"\textbf{Update rules.} The descent direction and step of gradient descent (L2), the step size of "
            r"SGD (L5) and the stochastic step (L4, L6):",
            "\\begin{align*}\n" + " \\\\\n".join(f"&{rule}" for rule in rules) + "\n\\end{align*}",
            r"\textbf{Gradient descent (L2)} with a fixed step $\alpha$: $w^{k+1} = w^{k} + \alpha d^{k}$, "
            r"$d^{k} = -\nabla E(w^{k})$, until $\|\nabla E(w^{k})\|_{2}$ falls below a tolerance:",
            _display(gd),
            r"\textbf{Exact line search (L3):} the step is $\alpha^{k} = \operatorname{arg\,min}_{\alpha > 0} "
            r"E(w^{k} + \alpha d^{k})$ (\textrm{line\_search}):",
            _display(exact),
            r"\textbf{Stochastic gradient descent (L4, L16):} pick $j_{k} \in \{1, \ldots, S\}$ and step along one "
            r"sample's gradient, $w^{k+1} = w^{k} - \gamma_{k} \nabla e^{j_{k}}(w^{k})$; one sample-wise gradient "
            r"costs $O(d)$ for $d$ parameters. Each iteration is the training loop of L16: pick a sample, forward "
            r"pass, error, backpropagated gradient, update.",
            _display(sgd),
            r"\textbf{Step sizes (L5).} $\sum_{k} \gamma_{k} = \infty$ and $\sum_{k} \gamma_{k}^{2} < \infty$ give "
            r"asymptotic convergence. For the code's own step size, SymPy sums the series:",
            _step_size_sums(),
            r"\textbf{Mini-batch SGD (L6):} choose $B_{k} \subseteq \{1, \ldots, S\}$ and step along "
            r"$\sum_{j \in B_{k}} \nabla e^{j}(w^{k})$:",
            _display(minibatch),
        ]
        return section(r"Optimisers (L2--L6, L16)", body)

    return Section("optimisers", build)
