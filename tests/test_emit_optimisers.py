"""The optimisers as latexify renders them from symbackprop.algorithms (the code the trainers run)."""

from __future__ import annotations

import latexify
import pytest

from symbackprop import algorithms as A
from symbackprop.emit.optimisers import ALGORITHMS, GLYPHS, LATEXIFY_OPTIONS, UPDATE_RULES, _step_size_sums, render_algorithm, render_rule


@pytest.mark.parametrize(
    "function,expected",
    [
        (A.descent_direction, r"\mathrm{descent\_direction}(\nabla E) = -\nabla E"),
        (A.gradient_step, r"\mathrm{gradient\_step}(w, \alpha, d) = w + \alpha d"),
        (A.step_size, r"\mathrm{step\_size}(k) = \frac{1}{k + 1}"),
        (A.stochastic_step, r"\mathrm{stochastic\_step}(w, \gamma, \nabla e) = w - \gamma \cdot \nabla e"),
    ],
)
def test_update_rules_render_as_the_lecture_writes_them(function, expected):
    assert render_rule(function) == expected


SGD = (
    r"\begin{array}{l} \mathbf{function} \ \mathrm{sgd}(\nabla e, w, S, K, \gamma, \mathrm{pick}, \mathrm{record}) \\ "
    r"\hspace{1em} \mathbf{for} \ k \in \{0, \ldots, K-1\} \ \mathbf{do} \\ "
    r"\hspace{2em} j \gets \mathrm{pick} \mathopen{}\left( S \mathclose{}\right) \\ "
    r"\hspace{2em} w \gets \mathrm{stochastic\_step} \mathopen{}\left( w, \gamma_{k}, \nabla e \mathopen{}\left( j, w \mathclose{}\right) \mathclose{}\right) \\ "
    r"\hspace{2em} \mathrm{record} \mathopen{}\left( k + 1, w \mathclose{}\right) \\ "
    r"\hspace{1em} \mathbf{end \ for} \\ \hspace{1em} \mathbf{return} \ w \\ \mathbf{end \ function} \end{array}"
)
GRADIENT_DESCENT = (
    r"\begin{array}{l} \mathbf{function} \ \mathrm{gradient\_descent}(\nabla E, w, \alpha, \mathrm{tol}, K, \mathrm{record}) \\ "
    r"\hspace{1em} k \gets 0 \\ "
    r"\hspace{1em} d \gets \mathrm{descent\_direction} \mathopen{}\left( \nabla E \mathopen{}\left( w \mathclose{}\right) \mathclose{}\right) \\ "
    r"\hspace{1em} \mathbf{while} \ \left\lVert d \right\rVert_{2} > \mathrm{tol} \land k < K \\ "
    r"\hspace{2em} w \gets \mathrm{gradient\_step} \mathopen{}\left( w, \alpha, d \mathclose{}\right) \\ "
    r"\hspace{2em} d \gets \mathrm{descent\_direction} \mathopen{}\left( \nabla E \mathopen{}\left( w \mathclose{}\right) \mathclose{}\right) \\ "
    r"\hspace{2em} k \gets k + 1 \\ "
    r"\hspace{2em} \mathrm{record} \mathopen{}\left( k, w \mathclose{}\right) \\ "
    r"\hspace{1em} \mathbf{end \ while} \\ \hspace{1em} \mathbf{return} \ w \\ \mathbf{end \ function} \end{array}"
)


@pytest.mark.parametrize("function,expected", [(A.sgd, SGD), (A.gradient_descent, GRADIENT_DESCENT)])
def test_loops_render_as_amsmath_arrays(function, expected):
    assert render_algorithm(function) == expected


@pytest.mark.parametrize("function", ALGORITHMS)
def test_every_loop_renders_without_algorithmicx_and_without_leftover_identifiers(function):
    tex = render_algorithm(function)
    assert tex.startswith(r"\begin{array}{l}") and r"\State" not in tex
    assert r"\Gamma" not in tex and r"\mathrm{grad\_" not in tex and r"\mathrm{grad}" not in tex
    assert r"\mathrm{norm}" not in tex and r"\mathrm{range}" not in tex


def test_every_glyph_replaces_a_token_latexify_actually_emits():
    raw = [latexify.get_latex(f, style=latexify.Style.IPYTHON_ALGORITHMIC, **LATEXIFY_OPTIONS) for f in ALGORITHMS]
    raw += [latexify.get_latex(f, style=latexify.Style.FUNCTION, **LATEXIFY_OPTIONS) for f in UPDATE_RULES]
    for token in GLYPHS:
        assert any(token in tex for tex in raw), f"latexify no longer emits {token!r}: update GLYPHS"


def test_step_size_series_are_summed_from_the_codes_own_rule():
    tex = _step_size_sums()
    assert r"\frac{1}{k + 1}" in tex and r"&= \infty" in tex and r"\frac{\pi^{2}}{6}" in tex
