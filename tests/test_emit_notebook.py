"""Jupyter rendering (``_repr_latex_``) of the result objects, pinned for small networks."""

from __future__ import annotations

import pytest

from symbackprop import MLP, backprop, backprop_steps, direct
from symbackprop.derive import display as notebook
from symbackprop.proof import prove


def test_gradients_render_as_aligned_math():
    assert backprop(MLP([1, 1]))._repr_latex_() == (
        r"$\displaystyle \begin{aligned}\frac{\partial e}{\partial w^{1}_{11}} &= "
        r"\varphi'\left(z^{1}_{1}\right) \left(2 a^{1}_{1} - 2 y_{1}\right) x_{1}\end{aligned}$"
    )


def test_direct_gradients_of_a_sigmoid_network_show_the_derivative_formula():
    tex = direct(MLP([1, 1, 1], activation="sigmoid"))._repr_latex_()
    assert (
        r"\frac{\partial e}{\partial w^{1}_{11}} &= - 2 \sigma'\left(z^{1}_{1}\right) w^{2}_{11} "
        r"\sigma'\left(z^{2}_{1}\right) \left(y_{1} - a^{2}_{1}\right) x_{1}"
    ) in tex
    assert r"\sigma'\left(z^{1}_{1}\right) &= a^{1}_{1} \left(1 - a^{1}_{1}\right) \quad \text{(every neuron of layer 1)}" in tex


def test_long_gradient_lists_are_cut_with_a_count(monkeypatch):
    monkeypatch.setattr(notebook, "MAX_ROWS", 2)
    tex = backprop(MLP([2, 2]))._repr_latex_()
    assert tex.count(r"\frac{\partial e}") == 2 and r"\text{(2 more: g[parameter] shows any one)}" in tex


def test_backprop_steps_render_every_matrix():
    assert backprop_steps(MLP([1, 1, 1]))._repr_latex_() == (
        r"$\displaystyle \begin{aligned}"
        r"\delta^{2} &= \left[\begin{matrix}2 a^{2}_{1} - 2 y_{1}\end{matrix}\right] \\ "
        r"\operatorname{Diag}\left(\varphi^{1\prime}\right) &= \left[\begin{matrix}\varphi'\left(z^{1}_{1}\right)\end{matrix}\right] \\ "
        r"\operatorname{Diag}\left(\varphi^{2\prime}\right) &= \left[\begin{matrix}\varphi'\left(z^{2}_{1}\right)\end{matrix}\right] \\ "
        r"V^{2} &= \left[\begin{matrix}w^{2}_{11} \varphi'\left(z^{2}_{1}\right)\end{matrix}\right] \\ "
        r"\delta^{1} = V^{2} \delta^{2} &= \left[\begin{matrix}w^{2}_{11} \varphi'\left(z^{2}_{1}\right) \delta^{2}_{1}\end{matrix}\right] \\ "
        r"\nabla_{W^{1}} e &= \left[\begin{matrix}\varphi'\left(z^{1}_{1}\right) \delta^{1}_{1} x_{1}\end{matrix}\right] \\ "
        r"\nabla_{W^{2}} e &= \left[\begin{matrix}\varphi'\left(z^{2}_{1}\right) \delta^{2}_{1} a^{1}_{1}\end{matrix}\right]"
        r"\end{aligned}$"
    )


def test_bias_gradients_appear_in_the_steps():
    tex = backprop(MLP([1, 1], bias=True)).steps._repr_latex_()
    assert r"\nabla_{b^{1}} e &= \left[\begin{matrix}\varphi'\left(z^{1}_{1}\right) \delta^{1}_{1}\end{matrix}\right]" in tex


def test_proof_renders_verdict_method_lemma_and_labelled_spot_check():
    tex = prove(MLP([2, 1], activation="sigmoid"))._repr_latex_()
    assert tex.startswith(r"$\displaystyle \begin{aligned}&\textbf{PROVED}\text{: 2/2 entries identical (direct vs backprop)}")
    assert r"\sigma'(z) = \sigma(z)\,\bigl(1-\sigma(z)\bigr) \quad \text{proved}" in tex
    assert r"\text{numeric spot check (not a proof): }" in tex
    assert tex.isascii()


def test_a_refuted_candidate_is_rendered_as_refuted():
    net = MLP([1, 1])
    wrong = {p: 2 * value for p, value in backprop(net).items()}
    tex = prove(net, wrong, spot_check=0)._repr_latex_()
    assert r"\textbf{REFUTED}" in tex and r"w^{1}_{11}\text{: differs}" in tex


@pytest.mark.parametrize("sizes", [[2, 3, 2], [3, 2]])
def test_every_rendering_is_ascii(sizes):
    g = backprop(MLP(sizes, activation="tanh", bias=True))
    assert g._repr_latex_().isascii() and g.steps._repr_latex_().isascii()
