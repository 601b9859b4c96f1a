"""The answer checker and the homework grader attacked as a clever student would: answers built to fool the
exact stages or the random points are never graded CORRECT, and right answers are not graded WRONG."""

from __future__ import annotations

import pytest
import sympy as sp

from symbackprop import MLP
from symbackprop.answers import check_answer
from symbackprop.answers.context import context_for
from symbackprop.answers.decision import decide_exactly
from symbackprop.errors import AnswerSyntaxError
from symbackprop.homework import check_part
from symbackprop.statuses import AnswerStatus, PartStatus

SIGMOID = MLP([2, 2, 1], activation="sigmoid", bias=True)
TANH = MLP([3, 2, 1], activation="tanh", bias=True)
RELU = MLP([2, 2, 1], activation="relu", bias=True)

# two different spellings of the zero polynomial: SymPy does not see that either is 0, expand() does
ZERO_A = "((x_1+x_2)^2 - x_1^2 - 2 x_1 x_2 - x_2^2)"
ZERO_B = "((x_1-x_2)^2 - x_1^2 + 2 x_1 x_2 - x_2^2)"


def _zero_over_zero(net: MLP) -> sp.Expr:
    """((x₁+x₂)² − x₁² − 2x₁x₂ − x₂²) / ((x₁−x₂)² − x₁² + 2x₁x₂ − x₂²), built directly (the parser refuses it)."""
    x1, x2 = net.x[:2]
    return ((x1 + x2) ** 2 - x1**2 - 2 * x1 * x2 - x2**2) / ((x1 - x2) ** 2 - x1**2 + 2 * x1 * x2 - x2**2)


@pytest.mark.parametrize(
    ("net", "wrt", "wrong"),
    [
        (SIGMOID, "b^2_1", lambda x: 7 + sp.exp(x)),  # the rational stage
        (SIGMOID, "b^2_1", lambda x: 7 + sp.log((1 + x**2) ** 2) - 2 * sp.log(1 + x**2)),
        (TANH, "w^1_23", sp.exp),
        (RELU, "b^2_1", lambda x: 7),  # the activation-pattern stage
        (RELU, "b^2_1", lambda x: 7 + sp.exp(x)),
    ],
)
def test_a_zero_over_zero_term_never_proves_a_wrong_answer(net, wrt, wrong):
    context = context_for(net)
    candidate = context.converter(wrong(net.x[0]) + _zero_over_zero(net))
    assert decide_exactly(context, context.reference(net.parameter(wrt)), candidate).method is None


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


def test_an_imaginary_part_that_is_only_rounding_is_not_a_counterexample():
    # √(u·u²) = √u·√(u²) for every real u (both imaginary for u < 0): the imaginary rounding, lifted by 10^16,
    # sat between the "real" tolerance and the precision-stability tolerance
    u = "((-1)*w^2_11*a^2_1^2 + 2*y_1)"
    verdict = check_answer(SIGMOID, "b^2_1", f"σ'(z^2_1) δ^2_1 + 10^16 (sqrt({u} {u}^2) - sqrt({u}) sqrt({u}^2))")
    assert verdict.status is AnswerStatus.UNDECIDED and verdict.counterexample is None


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


# --- a divisor or log argument that is identically 0 --------------------------------------------------------

@pytest.mark.parametrize(
    "answer",
    [
        f"σ'(z^2_1) δ^2_1 * {ZERO_A}/{ZERO_A}",  # SymPy would cancel D/D to 1: "right × 0/0" graded CORRECT
        f"σ'(z^2_1) δ^2_1 * {ZERO_A}/{ZERO_B}",
        f"σ'(z^2_1) δ^2_1 + {ZERO_A} log({ZERO_B})",  # 0·log 0 expanded to 0: graded CORRECT
        f"σ'(z^2_1) δ^2_1 + \\frac{{1}}{{{ZERO_A}}}",
        f"σ'(z^2_1) δ^2_1 + {ZERO_A}^(-1/2)",
        "σ'(z^2_1) δ^2_1 * (σ(x_1)+1)^2/((σ(x_1)+1)^2 - σ(x_1)^2 - 2σ(x_1) - 1)",
        "σ'(z^2_1) δ^2_1 / (1/(x_1 + 1) - 1/(x_1+1))",
        # constants that are 0 though SymPy keeps them apart: D/D would cancel to 1
        "σ'(z^2_1) δ^2_1 (tanh(1) - (e^2 - 1)/(e^2 + 1))/(tanh(1) - (e^2 - 1)/(e^2 + 1))",
        "σ'(z^2_1) δ^2_1 + x_1/(x_1 (tanh(1) - (e^2 - 1)/(e^2 + 1)) + x_2 - x_2)",
        "σ'(z^2_1) δ^2_1 + 1/(σ(1) - 1/(1+e^(-1)))",
    ],
)
def test_dividing_by_or_taking_the_log_of_an_identically_zero_expression_is_refused(answer):
    with pytest.raises(AnswerSyntaxError, match="division by zero|log of 0"):
        check_answer(SIGMOID, "b^2_1", answer)


@pytest.mark.parametrize(
    "answer",
    [
        "σ'(z^2_1) δ^2_1 * ((x_1+1)^2 - x_1^2 - 2x_1)/((x_1+1)^2 - x_1^2 - 2x_1)",  # the divisor is 1, not 0
        "σ'(z^2_1) δ^2_1 * (a^2_1 + y_1)/(a^2_1 + y_1)",
        "σ'(z^2_1) δ^2_1 / (a^2_1 - σ(z^2_1) + 1)",
        "σ'(z^2_1) δ^2_1 / (1 + (tanh(1) - (e^2 - 1)/(e^2 + 1)))",  # 1 + 0
    ],
)
def test_a_divisor_that_only_looks_like_zero_is_accepted(answer):
    assert check_answer(SIGMOID, "b^2_1", answer).status is AnswerStatus.CORRECT


def test_the_log_of_an_expression_that_is_one_is_not_refused():
    verdict = check_answer(SIGMOID, "b^2_1", "σ'(z^2_1) δ^2_1 + log((x_1+1)^2 - x_1^2 - 2x_1)")
    assert verdict.status is AnswerStatus.UNDECIDED  # log 1 = 0, but no exact stage looks inside a log


# --- follow-through credit ---------------------------------------------------------------------------------------

_CHAIN_NETWORK = {"sizes": [3, 2, 1], "activation": "tanh", "output": None, "bias": True, "loss": "squared"}
_CHAIN = [
    {"part": "2a", "kind": "delta", "points": 1, "wrt": "a^2_1", "chain": "2", "step": 1},
    {"part": "2b", "kind": "delta", "points": 2, "wrt": "a^1_2", "chain": "2", "step": 2},
    {"part": "2c", "kind": "dz", "points": 1, "wrt": "z^1_2", "chain": "2", "step": 3},
    {"part": "2d", "kind": "gradient", "points": 2, "wrt": "w^1_23", "chain": "2", "step": 4},
]
for _part in _CHAIN:
    _part.update(network=_CHAIN_NETWORK, conventions=["lecture"], prompt="", answer="", answer_latex="", credit={"follow_through": 0.5})


@pytest.mark.parametrize("zero", ["0", "x_1 - x_1 + 0 δ^2_1", "(x_1+1)^2 - x_1^2 - 2x_1 - 1"])
def test_zero_in_every_part_of_a_chain_earns_no_follow_through_credit(zero):
    for before, part in zip(_CHAIN, _CHAIN[1:]):
        result = check_part(part, zero, previous={"part": before, "answer": zero})
        assert result.status == PartStatus.WRONG and result.points == 0, (part["part"], result.feedback)


@pytest.mark.parametrize(
    ("step", "previous", "answer"),
    [(3, "7/x_3", "7"), (2, "1", "tanh'(z^1_2)"), (1, "5", "w^2_12 tanh'(z^2_1) 5")],
)
def test_a_nonzero_error_carried_forward_still_earns_follow_through_credit(step, previous, answer):
    result = check_part(_CHAIN[step], answer, previous={"part": _CHAIN[step - 1], "answer": previous})
    assert result.status == PartStatus.PARTIAL and result.mistake == "follow_through"


# --- roots of quantities that may be negative ----------------------------------------------------------------------

@pytest.mark.parametrize(
    "answer",
    [
        "σ'(z^2_1) δ^2_1 sqrt(1/x_1) sqrt(x_1)",  # √(1/x)·√x = −1 for x < 0; SymEngine cancelled it to 1
        "σ'(z^2_1) δ^2_1 sqrt(1/(x_1 x_2)) sqrt(x_1 x_2)",
        "-2 sqrt(1/(y_1-a^2_1)) sqrt(y_1-a^2_1) (y_1-a^2_1) a^2_1 (1-a^2_1)",  # right only where y_1 > a^2_1
    ],
)
def test_a_root_identity_that_fails_for_negative_values_is_refuted(answer):
    verdict = check_answer(SIGMOID, "b^2_1", answer)
    assert verdict.status is AnswerStatus.WRONG
    shown = verdict.counterexample
    assert shown.answer_value == pytest.approx(-shown.expected_value)  # the sign flips where the radicand is negative


def test_a_fourth_root_identity_that_is_imaginary_for_negative_values_is_refuted():
    verdict = check_answer(SIGMOID, "b^2_1", "σ'(z^2_1) δ^2_1 (1/x_1)^(1/4) x_1^(1/4)")  # = i·(…) for x_1 < 0
    assert verdict.status is AnswerStatus.WRONG and "not a real number" in verdict.counterexample.note


@pytest.mark.parametrize(
    "answer",
    [
        "σ'(z^2_1) δ^2_1 sqrt(x_1)^2/x_1",
        "σ'(z^2_1) δ^2_1 sqrt(-x_1) sqrt(-x_1) / (-x_1)",
        "sqrt(σ'(z^2_1))^2 δ^2_1",
        "σ'(z^2_1) δ^2_1 sqrt(2) sqrt(2)/2",
        "σ'(z^2_1) δ^2_1 + sqrt(x_1) - sqrt(x_1)",
    ],
)
def test_root_identities_that_hold_for_every_value_are_proved(answer):
    assert check_answer(SIGMOID, "b^2_1", answer).status is AnswerStatus.CORRECT


def test_a_circular_answer_for_the_output_layer_is_told_to_do_without_delta():
    result = check_part(_CHAIN[0], "δ^2_1")
    assert result.status == PartStatus.SYNTAX_ERROR and "without δ (layer 2 is the output layer)" in result.feedback
    assert "3…2" not in result.feedback  # there is no layer above the output


# --- values: 0/0 and numbers SymPy cannot evaluate accurately -------------------------------------------------------

_KL_PART = {"part": "4a", "kind": "value", "points": 2, "wrt": "KL(p‖q)", "tolerance": 5e-4,
            "data": {"p": ["1/2", "1/2"], "q": ["1/3", "2/3"], "order": "pq"}, "conventions": ["lecture"]}
_KL = "1/2*log(3/2) + 1/2*log(3/4)"


@pytest.mark.parametrize("zero", ["log(8) - 3 log(2)", "log(4) - 2 log(2)"])
def test_a_value_that_divides_by_an_exact_zero_of_logarithms_is_refused(zero):
    # SymPy evaluated 10^-8·(0/0) to a few garbage digits, and the value was credited within the tolerance
    result = check_part(_KL_PART, f"{_KL} + 10^-8 (log(4) - 2 log(2))/({zero})")
    assert result.status == PartStatus.SYNTAX_ERROR and "division by zero" in result.feedback


@pytest.mark.parametrize(
    "answer",
    [
        f"{_KL} + 10^-8 (σ(1) - e/(e + 1))/(tanh(1) - (e^2 - 1)/(e^2 + 1))",  # 0/0: was CORRECT within the tolerance
        f"{_KL} + 10^-8/(tanh(1) - (e^2 - 1)/(e^2 + 1))",  # x/0: was "your value is 5.2e+171"
    ],
)
def test_a_value_that_divides_by_a_constant_equal_to_zero_is_refused(answer):
    result = check_part(_KL_PART, answer)
    assert result.status == PartStatus.SYNTAX_ERROR and "division by zero" in result.feedback


_HUGE = " ".join(["10^16"] * 20)  # 10^320


@pytest.mark.parametrize(
    "answer",
    [
        f"{_KL} + {_HUGE} (tanh(1) - (e^2 - 1)/(e^2 + 1))",  # the right value (+ 10^320·0): was WRONG, "your value is 0"
        f"{_KL} + 1 + {_HUGE} (tanh(1) - (e^2 - 1)/(e^2 + 1))",
    ],
)
def test_a_value_sympy_cannot_evaluate_to_50_digits_is_left_undecided(answer):
    result = check_part(_KL_PART, answer)
    assert result.status == PartStatus.UNDECIDED and result.points == 0 and "50 correct digits" in result.feedback


@pytest.mark.parametrize(("answer", "status"), [(_KL, PartStatus.CORRECT), ("0.0589", PartStatus.CORRECT), (f"{_KL} + 1", PartStatus.WRONG)])
def test_ordinary_values_are_still_decided(answer, status):
    assert check_part(_KL_PART, answer).status == status
