"""The optimisers (L2–L6, L16): as the lecture writes them, and as the trainers run them.

:func:`lecture_algorithm` prints each algorithm in the lecture's notation (w^{k+1} = w^k + α^k d^k,
k = 0, …, K, output w^{K+1}, with the forward pass and error steps); :func:`code_display` prints, beside
it, the function of :mod:`symbackprop.algorithms` the trainers run, rendered from its Python source by
latexify-py — what ties the notes to the code.

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

__all__ = [
    "GLYPHS",
    "ALGORITHMS",
    "UPDATE_RULES",
    "LECTURE_ALGORITHMS",
    "render_algorithm",
    "render_rule",
    "lecture_algorithm",
    "code_display",
    "code_legend",
    "step_size_sums",
]

LATEXIFY_OPTIONS = {"use_math_symbols": True}  # alpha → \alpha, gamma → \gamma

GLYPHS: dict[str, str] = {
    r"\mathrm{grad\_E}": r"\nabla E",
    r"\mathrm{grad\_e\_sum}": r"\nabla e_{B}",
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


def step_size_sums() -> str:
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


_step_size_sums = step_size_sums  # the name the tests knew


def _array(lines: list[tuple[int, str]]) -> str:
    body = r" \\ ".join((r"\hspace{%dem} " % indent if indent else "") + line for indent, line in lines)
    return "\\[\n\\begin{array}{l} " + body + " \\end{array}\n\\]"


_PICK_SAMPLE = r"\text{choose a sample } j_{k} \in \{1, \ldots, S\}"
_SGD_BODY = [
    (2, r"\hat{y}^{j_{k}} = \mathrm{MLP}(x^{j_{k}}; w^{k}) \quad \text{(forward pass)}"),
    (2, r"\text{compute the error } e^{j_{k}}(w^{k})"),
    (2, r"\text{compute } \nabla_{w} e^{j_{k}}(w^{k}) \text{ by backpropagation}"),
]
LECTURE_ALGORITHMS: dict[str, list[tuple[int, str]]] = {
    "gd": [
        (0, r"\text{start with } w^{0} \in \mathbb{R}^{d}"),
        (0, r"\mathbf{for}\ k = 0, 1, 2, \ldots, K"),
        (2, r"d^{k} = -\nabla E(w^{k}) = -\sum_{i=1}^{S} \nabla e^{i}(w^{k})"),
        (2, r"w^{k+1} = w^{k} + \alpha^{k} d^{k} \quad (\alpha^{k} = \alpha \text{ fixed})"),
        (2, r"\mathbf{if}\ \|\nabla E(w^{k+1})\|_{2} = 0 \text{ (numerically: } \le \mathrm{tol}\text{)}: \ w^{*} = w^{k+1}, \text{ stop}"),
        (0, r"\text{output } w^{*} \ (w^{K+1} \text{ if the loop ran to the end})"),
    ],
    "gd-exact": [
        (0, r"\text{start with } w^{0} \in \mathbb{R}^{d}"),
        (0, r"\mathbf{for}\ k = 0, 1, 2, \ldots, K"),
        (2, r"d^{k} = -\sum_{i=1}^{S} \nabla e^{i}(w^{k})"),
        (2, r"\alpha^{k} = \operatorname{arg\,min}_{\alpha > 0} E(w^{k} + \alpha d^{k})"),
        (2, r"w^{k+1} = w^{k} + \alpha^{k} d^{k}"),
        (2, r"\mathbf{if}\ \|\nabla E(w^{k+1})\|_{2} = 0 \text{ (numerically: } \le \mathrm{tol}\text{)}: \ w^{*} = w^{k+1}, \text{ stop}"),
        (0, r"\text{output } w^{*}"),
    ],
    "sgd": [
        (0, r"\text{input: } D = \{(x^{i}, y^{i})\}_{i=1}^{S}, \text{ step sizes } \gamma_{k}; \ \text{start with } w^{0} \in \mathbb{R}^{d}"),
        (0, r"\mathbf{for}\ k = 0, 1, 2, \ldots, K"),
        (2, _PICK_SAMPLE),
        *_SGD_BODY,
        (2, r"w^{k+1} = w^{k} - \gamma_{k} \nabla_{w} e^{j_{k}}(w^{k})"),
        (0, r"\text{output } w^{*} = w^{K+1}"),
    ],
    "minibatch": [
        (0, r"\text{start with } w^{0} \in \mathbb{R}^{d}"),
        (0, r"\mathbf{for}\ k = 0, 1, 2, \ldots, K"),
        (2, r"\text{choose a block of samples } B_{k} \subseteq \{1, \ldots, S\}"),
        (2, r"w^{k+1} = w^{k} - \gamma_{k} \sum_{j \in B_{k}} \nabla_{w} e^{j}(w^{k})"),
        (0, r"\text{output } w^{*} = w^{K+1}"),
    ],
}
"""Each optimiser as the lecture's slides write it (general statements, in the lecture's notation)."""

_CODE = {"gd": algorithms.gradient_descent, "gd-exact": algorithms.gradient_descent_exact,
         "sgd": algorithms.sgd, "minibatch": algorithms.minibatch_sgd}


def lecture_algorithm(method: str) -> str:
    """The algorithm ``method`` (gd, gd-exact, sgd, minibatch) in the lecture's notation, displayed."""
    return _array(LECTURE_ALGORITHMS[method])


def code_display(method: str) -> str:
    """The loop the trainers run for ``method``, as latexify renders it, in a smaller font."""
    return "{\\small\n\\[\n" + render_algorithm(_CODE[method]) + "\n\\]\n}"


def code_legend() -> str:
    """What the code's names stand for in the lecture's notation: the update rules, rendered by latexify,
    and the callables the trainers pass in."""
    rules = [render_rule(f) for f in UPDATE_RULES]
    return "\n\n".join([
        r"In the code, $k$ counts from 0 and the loop stops after $K$ steps; $\nabla E(w)$, $\nabla e(j, w) = "
        r"\nabla e^{j}(w)$ and $\nabla e_{B}(B, w) = \sum_{j \in B} \nabla e^{j}(w)$ are the compiled model's gradients "
        r"(by backpropagation), \textrm{pick} and \textrm{pick\_batch} draw $j_{k}$ and $B_{k}$, "
        r"\textrm{line\_search} finds $\alpha^{k}$, and \textrm{record} keeps the history (it is not part of the "
        r"algorithm). The update rules, rendered from the same module:",
        "{\\small\n\\begin{align*}\n" + " \\\\\n".join(f"&{rule}" for rule in rules) + "\n\\end{align*}\n}",
    ])
