"""Symbols print in the lecture's notation; parameter names parse in every documented spelling."""

from __future__ import annotations

import pytest
import sympy as sp

from symbackprop import MLP, SpecError
from symbackprop.errors import AnswerSyntaxError
from symbackprop.notation import parse_parameter_name, plain


@pytest.mark.parametrize(
    "expression, latex",
    [
        (lambda n: n.W(2)[0, 1], "w^{2}_{12}"),
        (lambda n: n.b(1)[1], "b^{1}_{2}"),
        (lambda n: n.z(1)[0], "z^{1}_{1}"),
        (lambda n: n.a(2)[0], "a^{2}_{1}"),
        (lambda n: n.a(0)[1], "x_{2}"),
        (lambda n: n.y[0], "y_{1}"),
        (lambda n: n.phi_prime(1)[0], r"\varphi'\left(z^{1}_{1}\right)"),
    ],
)
def test_symbols_print_as_the_lecture_writes_them(expression, latex):
    net = MLP([2, 2, 1], bias=True)
    assert sp.latex(expression(net)) == latex


def test_wide_layers_separate_indices_so_names_are_unambiguous():
    net = MLP([12, 11, 1])
    assert sp.latex(net.W(1)[0, 11]) == "w^{1}_{1,12}"
    assert sp.latex(net.W(1)[10, 1]) == "w^{1}_{11,2}"
    assert len(set(map(str, net.parameters))) == len(net.parameters)


@pytest.mark.parametrize("name", ["w^2_12", "w^{2}_{12}", "w^{2}_{1,2}", "w_{12}^{2}", "w^2_{1,2}", " w ^ { 2 } _ { 1 , 2 } "])
def test_weight_names_parse_in_every_spelling(name):
    net = MLP([3, 3, 2])
    assert net.parameter(name) == net.W(2)[0, 1]


@pytest.mark.parametrize("name", ["b^2_1", "b^{2}_{1}", "b_{1}^{2}", "b_1^2"])
def test_bias_names_parse(name):
    net = MLP([3, 3, 2], bias=True)
    assert net.parameter(name) == net.b(2)[0]


def test_unsplit_indices_resolve_by_the_layer_shape_or_ask():
    net = MLP([12, 12, 1])
    assert net.parameter("w^2_112") == net.W(2)[0, 11]  # only (1, 12) fits a 1×12 matrix
    with pytest.raises(SpecError, match="ambiguous"):
        net.parameter("w^1_112")  # (1, 12) and (11, 2) both exist in 12×12


@pytest.mark.parametrize(
    "name, fragment",
    [("w^5_11", "layer 5 does not exist"), ("w^1_33", "needs 1 ≤ i ≤ 2"), ("b^1_1", "no biases")],
)
def test_names_outside_the_network_are_rejected(name, fragment):
    with pytest.raises(SpecError, match=fragment):
        MLP([3, 2, 1]).parameter(name)


@pytest.mark.parametrize("text", ["", "v^1_11", "w^1", "w^{1}_{1,,2}", "w^a_11", "w^1_1;import os", "x" * 100, None, 3])
def test_malformed_names_raise_answer_syntax_error(text):
    with pytest.raises(AnswerSyntaxError):
        parse_parameter_name(text)


def test_plain_printing_is_terminal_friendly():
    net = MLP([2, 1])
    expr = net.phi_prime(1)[0] * net.x[0] * sp.Symbol(r"\delta^{1}_{1}")
    assert set(plain(expr).split("*")) == {"φ'(z^1_1)", "x_1", "δ^1_1"}
