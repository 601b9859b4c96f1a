"""The answer checker and the homework grader attacked as a clever student would: answers built to fool the
exact stages or the random points are never graded CORRECT, and right answers are not graded WRONG."""

from __future__ import annotations

import pytest

from symbackprop import MLP
from symbackprop.answers import check_answer
from symbackprop.statuses import AnswerStatus

SIGMOID = MLP([2, 2, 1], activation="sigmoid", bias=True)
TANH = MLP([3, 2, 1], activation="tanh", bias=True)
RELU = MLP([2, 2, 1], activation="relu", bias=True)

# two different spellings of the zero polynomial: SymPy does not see that either is 0, expand() does
ZERO_A = "((x_1+x_2)^2 - x_1^2 - 2 x_1 x_2 - x_2^2)"
ZERO_B = "((x_1-x_2)^2 - x_1^2 + 2 x_1 x_2 - x_2^2)"


@pytest.mark.parametrize(
    ("net", "wrt", "answer"),
    [
        (SIGMOID, "b^2_1", f"7 + exp(x_1) + {ZERO_A}/{ZERO_B}"),  # the rational stage
        (SIGMOID, "b^2_1", f"7 + {ZERO_A}/{ZERO_B} + log((1+x_1^2)^2) - 2 log(1+x_1^2)"),
        (TANH, "w^1_23", f"exp(x_1) + {ZERO_A}/{ZERO_B}"),
        (RELU, "b^2_1", f"7 + {ZERO_A}/{ZERO_B}"),  # the activation-pattern stage
        (RELU, "b^2_1", f"H(z^2_1) δ^2_1 + 7 + exp(x_1) + {ZERO_A}/{ZERO_B}"),
    ],
)
def test_a_zero_over_zero_term_never_proves_a_wrong_answer(net, wrt, answer):
    verdict = check_answer(net, wrt, answer)
    assert verdict.status is not AnswerStatus.CORRECT and not verdict.proved


@pytest.mark.parametrize(
    ("net", "wrt", "answer"),
    [
        (SIGMOID, "b^2_1", "σ'(z^2_1) δ^2_1 + 1/(1+x_1) - x_1/(x_1+x_1^2)"),
        (RELU, "b^2_1", "H(z^2_1) δ^2_1 + 1/(1+x_1) - x_1/(x_1+x_1^2)"),
    ],
)
def test_a_right_answer_with_a_cancelling_fraction_is_still_proved(net, wrt, answer):
    assert check_answer(net, wrt, answer).status is AnswerStatus.CORRECT
