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


# --- rounding is not a counterexample ------------------------------------------------------------------------

# log((1+x²)²) − 2 log(1+x²) is 0 for every real x, but no exact stage shows it: in 40 digits it is rounding
# noise, which a large factor lifts above the comparison's tolerance
CANCELLING_LOGS = "(log((1+x_1^2)^2) - 2 log(1+x_1^2))"


@pytest.mark.parametrize("factor", ["10^16", "10^16 10^16 10^16"])
def test_a_right_answer_plus_amplified_rounding_is_never_graded_wrong(factor):
    verdict = check_answer(SIGMOID, "b^2_1", f"σ'(z^2_1) δ^2_1 + {factor} {CANCELLING_LOGS}")
    assert verdict.status is AnswerStatus.UNDECIDED and verdict.counterexample is None
    assert "not in 80" in verdict.decided_by  # the points where only rounding differed are reported


def test_the_square_root_of_rounding_is_not_an_imaginary_counterexample():
    verdict = check_answer(SIGMOID, "b^2_1", f"σ'(z^2_1) δ^2_1 + sqrt({CANCELLING_LOGS})")
    assert verdict.status is not AnswerStatus.WRONG


@pytest.mark.parametrize(
    ("answer", "note"),
    [
        ("σ'(z^2_1) δ^2_1 + sqrt(-1-x_1^2)", "not a real number"),
        (f"σ'(z^2_1) δ^2_1 + x_1/{CANCELLING_LOGS}", "undefined"),
    ],
)
def test_a_wrong_answer_keeps_a_confirmed_counterexample(answer, note):
    verdict = check_answer(SIGMOID, "b^2_1", answer)
    assert verdict.status is AnswerStatus.WRONG and note in verdict.counterexample.note


def test_a_confirmed_counterexample_gives_the_same_numbers_in_80_digits():
    verdict = check_answer(SIGMOID, "b^2_1", "σ'(z^2_1) δ^2_1 + 10^-6 x_1")
    assert verdict.status is AnswerStatus.WRONG
    shown = verdict.counterexample
    assert abs(shown.answer_value - shown.expected_value - 1e-6 * shown.values["x_1"]) < 1e-14


# --- steps of scaled pre-activations ---------------------------------------------------------------------------

@pytest.mark.parametrize("step", ["H(2 z^2_1)", "H(z^2_1/3)", "H(0.5 z^2_1)"])
def test_a_step_of_a_positively_scaled_pre_activation_is_proved(step):
    assert check_answer(RELU, "b^2_1", f"{step} δ^2_1").status is AnswerStatus.CORRECT


@pytest.mark.parametrize("answer", ["H(-z^2_1) δ^2_1", "H(z^2_1) δ^2_1 + 7 H(z^1_1) H(z^1_2) H(-z^2_1)"])
def test_a_step_of_a_negated_pre_activation_is_refuted_not_a_traceback(answer):
    verdict = check_answer(RELU, "b^2_1", answer)
    assert verdict.status is AnswerStatus.WRONG and verdict.counterexample is not None
