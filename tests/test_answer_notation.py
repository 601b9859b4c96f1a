"""The checker accepts the notation symbackprop itself prints.

Before: \\tanh^{2}(z) and \\sigma^{2}(…) (in derivations/), $…$, \\(…\\), a trailing full stop, what ReLU
printed (\\theta(z) and H(z^2_1, 1/2)) and a wide network's w^2_1,1 were refused, and pasting the
checker's own "expected" text back failed in 68 of 540 cases."""

from __future__ import annotations

import re

import pytest

from symbackprop import MLP
from symbackprop.answers import check_answer
from symbackprop.errors import AnswerSyntaxError

NETWORKS = [
    MLP([2, 2, 1], activation="sigmoid", bias=True),
    MLP([2, 2, 1], activation="tanh"),
    MLP([2, 2, 1], activation="relu", bias=True),
    MLP([2, 3, 2]),
    MLP([3, 2, 2], activation="sigmoid", output="softmax", loss="cross_entropy", bias=True),
    MLP([2, 2, 1], activation="relu", loss="logistic"),
    MLP([11, 2, 1], activation="tanh"),
    MLP([2, 10, 1], activation="relu", output="identity"),
    MLP([2, 2, 2, 1], activation=["tanh", "relu", "sigmoid"], bias=True),
    MLP([2, 2, 2], activation="identity", output="softmax", loss="kl"),
]


def _expected_texts(net: MLP, parameter) -> list[str]:  # noqa: ANN001
    """Everything the report prints as the expected answer, as a student would paste it."""
    verdict = check_answer(net, parameter, "0", diagnose=False)
    short_latex, expanded_latex = verdict.expected_latex.split(" = ", 1)[1].split(" = ", 1)
    return [
        verdict.expected_plain,
        verdict.expected_expanded,
        short_latex,
        expanded_latex,
        f"${expanded_latex}$",
        f"$${short_latex}$$",
        f"\\({short_latex}\\).",
        f"{verdict.expected_expanded}.",
        verdict.expected_latex,  # the whole line: \frac{∂e}{∂θ} = short = expanded
        f"∂e/∂{verdict.parameter} = {verdict.expected_plain} = {verdict.expected_expanded}",
    ]


@pytest.mark.parametrize("net", NETWORKS, ids=lambda net: net.spec.describe())
def test_pasting_the_checkers_own_expected_text_back_is_graded_correct(net):
    for parameter in net.parameters:
        for text in _expected_texts(net, parameter):
            verdict = check_answer(net, parameter, text, diagnose=False)
            assert verdict.status == "correct" and verdict.proved, (parameter, text, verdict.decided_by)


@pytest.mark.parametrize(
    "net, wrt, answer",
    [
        (MLP([2, 2, 1], activation="tanh", bias=True), "b^2_1", r"2(a^2_1 - y_1)(1 - \tanh^{2}(z^{2}_{1}))"),
        (MLP([2, 2, 1], activation="tanh", bias=True), "b^2_1", r"2(a^2_1 - y_1)\left(1 - \tanh^{2}{\left(z^{2}_{1} \right)}\right)"),
        (MLP([2, 2, 1], activation="tanh", bias=True), "b^2_1", "2(a^2_1 - y_1)(1 - tanh²(z^2_1))"),
        (MLP([2, 2, 1], activation="sigmoid", bias=True), "b^2_1", r"2(a^2_1 - y_1)(\sigma(z^2_1) - \sigma^{2}(z^2_1))"),
        (MLP([2, 2, 1], activation="sigmoid", bias=True), "b^2_1", r"2(a^2_1 - y_1)(\sigma(z^2_1) - \sigma^2\left(z^2_1\right))"),
        (MLP([2, 2, 1], activation="relu"), "w^2_11", r"$H(z^{2}_{1})\,\delta^{2}_{1}\,a^{1}_{1}$."),
        (MLP([2, 2, 1], activation="relu"), "w^2_11", r"\[ \operatorname{ReLU}'(z^2_1) (2a^2_1 - 2y_1) a^1_1 \]"),
        (MLP([11, 2, 1], activation="tanh"), "w^2_1,1", "tanh'(z^2_1) δ^2_1 a^1_1"),
        (MLP([11, 2, 1], activation="tanh"), "w^1_1,11", "w^2_1,1 tanh'(z^2_1) δ^2_1 tanh'(z^1_1) x_11"),
        (MLP([2, 2, 1], activation="sigmoid", bias=True), "b^2_1", r"\frac{\partial e}{\partial b^{2}_{1}} = \delta^{2}_{1}\,\sigma'(z^{2}_{1})"),
    ],
)
def test_notation_the_project_prints_is_accepted(net, wrt, answer):
    verdict = check_answer(net, wrt, answer, diagnose=False)
    assert verdict.status == "correct" and verdict.proved, verdict.decided_by


def test_a_chain_is_wrong_when_one_side_is_wrong():
    net = MLP([2, 2, 1], activation="sigmoid", bias=True)
    verdict = check_answer(net, "b^2_1", r"\frac{\partial e}{\partial b^{2}_{1}} = \delta^{2}_{1}\,\sigma'(z^{2}_{1}) = \delta^{2}_{1}")
    assert verdict.status == "wrong" and verdict.mistake.code == "missing_phi_prime"


@pytest.mark.parametrize(
    "answer, message",
    [
        (r"\frac{\partial e}{\partial b^{1}_{1}} = \delta^{2}_{1}", "should be ∂e/∂b^2_1"),
        (r"x = \delta^{2}_{1}", "write only the right-hand side"),
        (r"\sigma^{0}(z^2_1)", "whole number from 1"),
        (r"\frac{\partial e}{\partial b^{2}_{1}} = \delta^{2}_{1} +", "ends too early"),
    ],
)
def test_what_is_still_refused_says_why(answer, message):
    net = MLP([2, 2, 1], activation="sigmoid", bias=True)
    with pytest.raises(AnswerSyntaxError, match=re.escape(message)) as raised:
        check_answer(net, "b^2_1", answer)
    assert raised.value.text == answer or raised.value.text.strip()
