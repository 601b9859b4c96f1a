"""Expression printing in the lecture's notation, pinned as exact strings (latexify-py's test style)."""

from __future__ import annotations

import pytest
import sympy as sp

from symbackprop import MLP, backprop
from symbackprop.activations import phi, phi_prime, relu, sigmoid
from symbackprop.derive.display import lecture_form
from symbackprop.emit.forms import NetworkDerivation
from symbackprop.printing import LecturePrinter, latex, symbol_role
from symbackprop.emit.layout import Layout, Namer, visual_width

w211, w212, w311 = sp.symbols("w^{2}_{11} w^{2}_{12} w^{3}_{11}")
a11, a12, a21, x1, y1, q1 = sp.symbols("a^{1}_{1} a^{1}_{2} a^{2}_{1} x_{1} y_{1} q_{1}")
z11, z21 = sp.symbols("z^{1}_{1} z^{2}_{1}")
d21, d22 = sp.symbols(r"\delta^{2}_{1} \delta^{2}_{2}")
b11 = sp.Symbol("b^{1}_{1}")


@pytest.mark.parametrize(
    "expr,expected",
    [
        # z^ℓ_i = Σ_j w^ℓ_ij a^{ℓ-1}_j + b^ℓ_i: weight before activation, bias last
        (a11 * w211 + a12 * w212 + b11, r"w^{2}_{11} a^{1}_{1} + w^{2}_{12} a^{1}_{2} + b^{1}_{1}"),
        # V^{ℓ+1} entry: w φ'
        (phi_prime(z21) * w211, r"w^{2}_{11} \varphi'\left(z^{2}_{1}\right)"),
        # δ^ℓ_i = Σ_m w φ' δ
        (d21 * w211 * phi_prime(z21) + d22 * w212 * phi_prime(z21),
         r"w^{2}_{11} \varphi'\left(z^{2}_{1}\right) \delta^{2}_{1} + w^{2}_{12} \varphi'\left(z^{2}_{1}\right) \delta^{2}_{2}"),
        # ∇W entry: Diag(φ') δ (a^{ℓ-1})^T
        (x1 * d21 * phi_prime(z11), r"\varphi'\left(z^{1}_{1}\right) \delta^{2}_{1} x_{1}"),
        # the chain Diag(φ^1') V^2 δ^2 a^0, with the loss factor standing for δ^L
        (-2 * w211 * x1 * (y1 - a21) * phi_prime(z11) * phi_prime(z21),
         r"- 2 \varphi'\left(z^{1}_{1}\right) w^{2}_{11} \varphi'\left(z^{2}_{1}\right) \left(y_{1} - a^{2}_{1}\right) x_{1}"),
        # sums: positive terms first
        (y1 - a21, r"y_{1} - a^{2}_{1}"),
        ((y1 - a21) ** 2, r"\left(y_{1} - a^{2}_{1}\right)^{2}"),
        # a derivative formula keeps SymPy's a(1 - a)
        (a21 * (1 - a21), r"a^{2}_{1} \left(1 - a^{2}_{1}\right)"),
        (phi(z11), r"\varphi\left(z^{1}_{1}\right)"),
        (sigmoid(z11), r"\sigma\left(z^{1}_{1}\right)"),
        (relu(z11), r"\operatorname{ReLU}\left(z^{1}_{1}\right)"),
        (sp.Heaviside(z11), r"H\left(z^{1}_{1}\right)"),
        (a11**2, r"\left(a^{1}_{1}\right)^{2}"),  # not {a^{1}_{1}}^{2}, which reads as a^{12}
        (sp.Rational(1, 2) * x1, r"\frac{x_{1}}{2}"),
        (2 * 3**x1, r"2 \cdot 3^{x_{1}}"),
        (sp.oo, r"\infty"),
        (sp.Symbol("p_{1}") * sp.log(sp.Symbol("p_{1}") / q1), r"p_{1} \log{\left(\frac{p_{1}}{q_{1}} \right)}"),
        (-y1 * sp.log(q1), r"- y_{1} \log{\left(q_{1} \right)}"),
        (sp.pi**2 / 6, r"\frac{\pi^{2}}{6}"),
        (sp.ImmutableMatrix([[w211 * phi_prime(z21)], [w212 * phi_prime(z21)]]),
         r"\left[\begin{matrix}w^{2}_{11} \varphi'\left(z^{2}_{1}\right)\\w^{2}_{12} \varphi'\left(z^{2}_{1}\right)\end{matrix}\right]"),
    ],
)
def test_latex_of_small_expressions(expr, expected):
    assert latex(expr) == expected


@pytest.mark.parametrize(
    "names,expected",
    [
        ({2: r"\sigma"}, r"\sigma'\left(z^{2}_{1}\right)"),
        ({2: r"\tanh"}, r"\tanh'\left(z^{2}_{1}\right)"),
        ({1: r"\sigma"}, r"\varphi'\left(z^{2}_{1}\right)"),  # another layer's name does not apply
        (None, r"\varphi'\left(z^{2}_{1}\right)"),
    ],
)
def test_derivative_is_written_with_the_layers_activation(names, expected):
    assert latex(phi_prime(z21), activation_names=names) == expected


@pytest.mark.parametrize(
    "name,role",
    [("w^{3}_{12}", ("w", 3)), ("b^{1}_{2}", ("b", 1)), (r"\delta^{2}_{1}", ("delta", 2)), ("x_{3}", ("x", 0)),
     ("x^{4}_{1}", ("x", 0)), ("a^{2}_{1}", ("a", 2)), ("q_{2}", ("q", 0)), ("T_{1}", ("", 0))],
)
def test_symbol_roles_come_from_the_lecture_names(name, role):
    assert tuple(symbol_role(sp.Symbol(name))) == role


def test_gradients_print_in_lecture_form_for_a_sigmoid_network():
    net = MLP([1, 1, 1], activation="sigmoid")
    g = backprop(net)
    names = NetworkDerivation(net).names
    assert latex(lecture_form(g, net.parameter("w^1_11")), activation_names=names) == (
        r"\sigma'\left(z^{1}_{1}\right) w^{2}_{11} \sigma'\left(z^{2}_{1}\right) \left(2 a^{2}_{1} - 2 y_{1}\right) x_{1}"
    )


def test_softmax_derivative_is_written_with_q_and_the_one_hot_constraint():
    net = MLP([1, 2], output="softmax", loss="cross_entropy")
    derivation = NetworkDerivation(net)
    expression = derivation.direct_form(net.parameter("w^1_11"))
    assert not expression.has(sp.exp)
    assert latex(expression) == r"\left(q_{1} - y_{1}\right) x_{1}"
    raw = lecture_form(derivation.direct, net.parameter("w^1_11"))  # what the proof compares: every y
    assert latex(raw) == r"\left(q_{1} y_{1} + q_{1} y_{2} - y_{1}\right) x_{1}"


def test_visual_width_grows_with_the_formula_and_ignores_markup():
    short = visual_width(r"w^{2}_{11} a^{1}_{1}")
    assert visual_width(r"w^{2}_{11} a^{1}_{1} + w^{2}_{12} a^{1}_{2}") > 2 * short
    assert visual_width(r"\left(x\right)") == pytest.approx(visual_width(r"(x)"), abs=0.2)
    assert visual_width(r"\mathopen{}\left( x \mathclose{}\right)") == pytest.approx(visual_width(r"\left(x\right)"))
    assert visual_width(r"\frac{a}{b}") < visual_width("a/b") + 0.5


def test_layout_breaks_a_long_sum_into_lines_that_fit():
    terms = [sp.Symbol(f"w^{{2}}_{{1{j}}}") * sp.Symbol(f"a^{{1}}_{{{j}}}") * phi_prime(sp.Symbol("z^{2}_{1}")) for j in range(1, 10)]
    layout = Layout(LecturePrinter(), width=30)
    rows = layout.equation("z", sp.Add(*terms))
    assert len(rows) > 1
    assert all(visual_width(row.split("&", 1)[1]) <= 30 for row in rows)
    assert rows[1].startswith(r"&\quad + ")


def test_layout_names_a_factor_wider_than_a_line_once_and_reuses_the_name():
    long_sum = sp.Add(*[sp.Symbol(f"w^{{2}}_{{1{j}}}") * sp.Symbol(f"a^{{1}}_{{{j}}}") for j in range(1, 10)])
    expression = x1 * long_sum + y1 * long_sum
    layout = Layout(LecturePrinter(), width=20)
    rows = layout.equation("e", expression)
    definitions = layout.definitions()
    assert len(layout.namer.names) == 1  # the repeated sub-expression has one name
    assert any("T_{1}" in row for row in rows)
    assert definitions[0].startswith("T_{1} &= ")


def test_namer_gives_one_name_per_distinct_expression():
    namer = Namer("T")
    assert namer.name(x1 + y1) == namer.name(y1 + x1) == sp.Symbol("T_{1}")
    assert namer.name(x1 - y1) == sp.Symbol("T_{2}")


def test_wide_matrices_lose_middle_columns_to_dots():
    layout = Layout(LecturePrinter(), width=20)
    wide = sp.ImmutableMatrix(2, 12, lambda i, j: sp.Symbol(f"w^{{1}}_{{{i + 1},{j + 1}}}"))
    body = layout.matrix(wide)
    assert r"\cdots" in body and "w^{1}_{1,12}" in body and "w^{1}_{1,6}" not in body
    tall = sp.ImmutableMatrix(20, 1, lambda i, j: sp.Symbol(f"x_{{{i + 1}}}"))
    assert r"\vdots" in layout.matrix(tall)
