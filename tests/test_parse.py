"""The grammar: every spelling the lecture's notation allows, read into the network's own symbols; clear
errors (with positions) for everything else.  Expected values are written out by hand with SymPy."""

from __future__ import annotations

import math
import re

import pytest
import sympy as sp

from symbackprop import MLP
from symbackprop.activations import phi, phi_prime, relu, sigmoid
from symbackprop.errors import AnswerSyntaxError, ExpressionSyntaxError
from symbackprop.parse import Limits, lecture_vocabulary, parse_expression, schedule_vocabulary

NET = MLP([2, 2, 1], activation="sigmoid", bias=True)
VOCABULARY = lecture_vocabulary(NET)


def parse(text: str, net: MLP = NET) -> sp.Expr:
    return parse_expression(text, vocabulary=lecture_vocabulary(net))


def S(name: str) -> sp.Symbol:
    return sp.Symbol(name)


DELTA, Z, A1_2 = S(r"\delta^{2}_{1}"), S("z^{2}_{1}"), S("a^{1}_{2}")
EXPECTED = DELTA * sigmoid(Z) * (1 - sigmoid(Z)) * A1_2


@pytest.mark.parametrize(
    "text",
    [
        "delta^2_1 * sigma'(z^2_1) * a^1_2",
        r"\delta^{2}_{1}\,\sigma'(z^{2}_{1})\,a^{1}_{2}",
        r"\delta^{2}_{1} \cdot \sigma'\left(z^{2}_{1}\right) \cdot a^{1}_{2}",
        r"\delta_{1}^{2}\sigma^{\prime}\left(z_{1}^{2}\right)a_{2}^{1}",
        "δ^2_1·σ′(z^2_1)·a^1_2",
        "δ^2_1 σ'(z^2_1) a^1_2",
        "delta_1^2 sigmoid'(z_1^2) a_2^1",
        "δ^{(2)}_1 × σ’(z^(2)_1) × a^{(1)}_{2}",
        r"\delta^{2}_{1}\;\sigma'\bigl(z^{2}_{1}\bigr)\!\,a^{1}_{2}",
        "{delta^2_1} [sigma'(z^2_1)] (a^1_2)",
    ],
)
def test_plain_latex_and_unicode_spellings_read_the_same(text):
    assert parse(text) == EXPECTED


@pytest.mark.parametrize("name", ["w^2_12", "w^{2}_{12}", "w^{2}_{1,2}", "w_{12}^{2}", "w^{(2)}_{1 2}", "w_12^2", "w^2_{1, 2}"])
def test_weight_spellings_are_the_networks_own_symbol(name):
    assert parse(name) == NET.W(2)[0, 1]
    assert parse(name) is NET.parameter("w^2_12") or parse(name) == NET.parameter("w^2_12")


def test_symbols_are_the_network_symbols_including_a0_as_x_and_softmax_q():
    assert parse("x_1 + y_1 + b^1_2 + a^0_2") == NET.x[0] + NET.y[0] + NET.b(1)[1] + NET.x[1]
    softmax = MLP([2, 3], output="softmax", loss="cross_entropy")
    assert parse("q_3 - y_3", softmax) == softmax.q[2] - softmax.y[2]


def test_wide_networks_split_weight_indices_by_the_layer_shape_or_ask_for_a_comma():
    wide = MLP([12, 2, 1])
    assert parse("w^1_112", wide) == wide.W(1)[0, 11]  # i ≤ 2, so 1|12
    assert parse("w^{1}_{1,12}", wide) == wide.W(1)[0, 11]
    square = MLP([12, 12, 1])
    with pytest.raises(AnswerSyntaxError, match="ambiguous: write"):
        parse("w^1_111", square)  # 1|11 or 11|1


@pytest.mark.parametrize(
    "text, expected",
    [
        (r"\frac{1}{2}\left(a^{2}_{1} - y_{1}\right)^{2}", (S("a^{2}_{1}") - S("y_{1}")) ** 2 / 2),
        ("2(a^2_1 - y_1)", 2 * S("a^{2}_{1}") - 2 * S("y_{1}")),
        ("-x_1^2", -S("x_{1}") ** 2),
        ("x_1^-2 y_1", S("y_{1}") / S("x_{1}") ** 2),
        ("2^3^2", sp.Integer(512)),
        ("x_1/x_2/y_1", S("x_{1}") / (S("x_{2}") * S("y_{1}"))),
        ("e^{-z^{2}_{1}}", sp.exp(-Z)),
        (r"\exp(x_1) + \ln(x_2) + log(y_1) + sqrt(x_1) + \sqrt{x_2}", sp.exp(S("x_{1}")) + sp.log(S("x_{2}")) + sp.log(S("y_{1}")) + sp.sqrt(S("x_{1}")) + sp.sqrt(S("x_{2}"))),
        ("0.25 x_1 + 1.5e-3", S("x_{1}") / 4 + sp.Rational(3, 2000)),
        ("x_1^{0.5} + x_2^{1/3}", sp.sqrt(S("x_{1}")) + S("x_{2}") ** sp.Rational(1, 3)),
        ("x_1²", S("x_{1}") ** 2),
        ("x_1 ** 2", S("x_{1}") ** 2),
        ("x_1 − y_1", S("x_{1}") - S("y_{1}")),
        ("phi(z^1_1) + phi'(z^1_1) + varphi(z^1_2)", phi(S("z^{1}_{1}")) + phi_prime(S("z^{1}_{1}")) + phi(S("z^{1}_{2}"))),
        (r"\tanh'(z^1_1)", 1 - sp.tanh(S("z^{1}_{1}")) ** 2),
        (r"\operatorname{ReLU}(z^1_1) + relu'(z^1_1) + H(z^1_2)", relu(S("z^{1}_{1}")) + sp.Heaviside(S("z^{1}_{1}"), 0) + sp.Heaviside(S("z^{1}_{2}"), 0)),
        (r"\dfrac{x_1}{\tfrac{1}{2}}", 2 * S("x_{1}")),
    ],
)
def test_arithmetic_functions_and_numbers(text, expected):
    assert sp.simplify(parse(text) - expected) == 0
    assert parse(text).is_Rational is expected.is_Rational


def test_decimals_are_exact_rationals_never_floats():
    value = parse("0.1 + 0.2")
    assert value == sp.Rational(3, 10) and not value.has(sp.Float)


@pytest.mark.parametrize(
    "text, message, position",
    [
        ("x_1 +", "ends too early", 5),
        ("σ(z^1_1", "missing ')'", 7),
        ("x_1)", "unmatched ')'", 3),
        ("a^2_1 = 3", "right-hand side", 6),
        (r"\frac{\partial e}{\partial b^2_1}", "without ∂", 6),
        (r"\sum_{m} x_1", "sums over an index", 0),
        ("w^3_11", "no layer 3", 0),
        ("x_1 + b^2_2", "layer 2 has neurons 1…1", 6),
        ("w^1_13", "W^1 is 2×2", 0),
        ("q_1", "no softmax", 0),
        ("tanh z^1_1", "parentheses", 5),
        ("k", "unknown name 'k'", 0),
        ("W^2", "matrices and vectors", 0),
        ("delta", "δ with its layer and index", 0),
        (r"\input{/etc/passwd}", r"unknown LaTeX command \input", 0),
        ("x_1.__class__", "unexpected character '.'", 3),
        ("2 3", "two numbers in a row", 2),
        ("x_1/0", "division by zero", 3),
        ("log(0)", "division by zero", 0),
        ("sqrt(-1)", "not a real number", 0),
        ("x_1^{x_2}", "only e may be raised", 3),
        ("x_1^{1.7e1}", "too large", 3),
        ("exp'(x_1)", "exp' is not supported", 3),
        ("", "empty", None),
    ],
)
def test_errors_are_answer_syntax_errors_that_point_at_the_problem(text, message, position):
    with pytest.raises(AnswerSyntaxError, match=re.escape(message)) as caught:
        parse(text)
    error = caught.value
    assert isinstance(error, ValueError) and isinstance(error, ExpressionSyntaxError)
    if position is not None:
        assert error.position == position
        assert "^" in str(error).splitlines()[-1]  # the caret line


def test_no_biases_in_a_network_without_them():
    with pytest.raises(AnswerSyntaxError, match="no biases"):
        parse("b^1_1", MLP([2, 2, 1]))


def test_without_a_network_the_lecture_names_still_parse():
    assert parse_expression("w^2_12 δ^1_1") == sp.Symbol("w^{2}_{12}") * sp.Symbol(r"\delta^{1}_{1}")
    with pytest.raises(AnswerSyntaxError, match="ambiguous"):
        parse_expression("w^2_123")


# --- the step-size schedule vocabulary ------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, reference",
    [
        ("1/(k+1)", lambda k: 1 / (k + 1)),
        ("0.1/sqrt(k+1)", lambda k: 0.1 / math.sqrt(k + 1)),
        ("0.9^k", lambda k: 0.9**k),
        ("e^{-k/10}", lambda k: math.exp(-k / 10)),
        (r"\frac{1}{(k+1)^{0.6}}", lambda k: (k + 1) ** -0.6),
        ("2^{-k} + log(k+2)", lambda k: 2.0**-k + math.log(k + 2)),
        ("1e-3 / (1 + k/100)", lambda k: 1e-3 / (1 + k / 100)),
    ],
)
def test_schedule_vocabulary_reads_step_sizes_in_k(text, reference):
    vocabulary = schedule_vocabulary()
    expression = parse_expression(text, vocabulary=vocabulary)
    (k,) = expression.free_symbols
    for value in (0, 1, 7, 50):
        assert float(expression.subs(k, value)) == pytest.approx(reference(value), rel=1e-12)


@pytest.mark.parametrize("text, message", [("k^k", "positive number"), ("10^{10^k}", "tower"), ("x_1", "unexpected character"), ("1/k^99", "too large")])
def test_schedule_vocabulary_rejects_what_it_cannot_bound(text, message):
    with pytest.raises(ExpressionSyntaxError, match=message) as caught:
        parse_expression(text, vocabulary=schedule_vocabulary())
    assert not isinstance(caught.value, AnswerSyntaxError)


def test_limits_are_configurable():
    strict = lecture_vocabulary(NET, limits=Limits(max_length=10))
    with pytest.raises(AnswerSyntaxError, match="longer than 10"):
        parse_expression("x_1 + x_2 + y_1", vocabulary=strict)


def test_functions_of_constants_are_limited_to_plain_numbers():
    """SymPy evaluates functions of constants numerically while it simplifies; nested ones such as
    σ(e^{e^{16}}) would need millions of digits, so only functions of modest numbers are read."""
    assert parse("σ(0) + e^{2} + log(2)") == sp.Rational(1, 2) + sp.exp(2) + sp.log(2)
    for text in ("e^{2σ(e^{e^{16}})}", "σ(e)", "exp(10000000)", "log(exp(exp(2)))"):
        with pytest.raises(AnswerSyntaxError, match="function of a constant"):
            parse(text)
