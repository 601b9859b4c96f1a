"""check_answer: right answers written many ways are proved right; typical wrong answers are refuted with a
counterexample (checked here against finite differences of an independent NumPy loss) and named."""

from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np
import pytest

from symbackprop import MLP, SpecError
from symbackprop.answers import Verdict, check_answer
from symbackprop.errors import AnswerSyntaxError

from . import reference

SIGMOID = MLP([2, 2, 1], activation="sigmoid", bias=True)
GENERIC = MLP([2, 2, 1], bias=True)


# --- right answers, many spellings --------------------------------------------------------------------

RIGHT = [
    # the homework (L12), output layer
    (SIGMOID, "b^2_1", "delta^2_1 * sigma'(z^2_1)"),
    (SIGMOID, "b^2_1", r"\delta^{2}_{1}\,\sigma'\left(z^{2}_{1}\right)"),
    (SIGMOID, "b^{2}_{1}", "2(a^2_1 - y_1) a^2_1 (1 - a^2_1)"),
    (SIGMOID, "b_{1}^{2}", r"2\left(a^{2}_{1}-y_{1}\right)\sigma(z^{2}_{1})\left(1-\sigma(z^{2}_{1})\right)"),
    (SIGMOID, "b^2_1", r"2(a^2_1-y_1)\frac{e^{-z^{2}_{1}}}{\left(1+e^{-z^{2}_{1}}\right)^{2}}"),
    (SIGMOID, "b^2_1", r"\frac{2(a^2_1 - y_1) e^{z^2_1}}{(1 + e^{z^2_1})^2}"),
    (SIGMOID, "b^2_1", "-2(y_1 - σ(w^2_11 a^1_1 + w^2_12 a^1_2 + b^2_1)) σ'(z^2_1)"),
    (SIGMOID, "b^2_1", "phi'(z^2_1) delta^2_1"),  # φ means the layer's own activation
    # the homework, hidden layer: δ^1_1 = w^2_11 σ'(z^2_1) δ^2_1
    (SIGMOID, "b^1_1", "δ^1_1 σ'(z^1_1)"),
    (SIGMOID, "b^1_1", "sigma'(z^1_1) * w^2_11 * sigma'(z^2_1) * 2 * (a^2_1 - y_1)"),
    (SIGMOID, "b^1_1", r"a^{1}_{1}(1-a^{1}_{1})\,w^{2}_{11}\,\delta^{2}_{1}\,a^{2}_{1}(1-a^{2}_{1})"),
    # weights (L7, L11)
    (SIGMOID, "w^2_12", "δ^2_1 σ'(z^2_1) a^1_2"),
    (SIGMOID, "w^{2}_{1,2}", r"\delta^{2}_{1} \cdot \sigma'(z^{2}_{1}) \cdot a^{1}_{2}"),
    (SIGMOID, "w_{12}^{2}", "2 (a^2_1 - y_1) a^2_1 (1 - a^2_1) σ(z^1_2)"),
    (SIGMOID, "w^1_12", "δ^1_1 σ'(z^1_1) x_2"),
    (SIGMOID, "w^1_12", "δ^1_1 σ'(z^1_1) a^0_2"),
    # generic φ: proved for every φ
    (GENERIC, "b^2_1", r"2\left(a^{2}_{1} - y_{1}\right)\varphi'\left(z^{2}_{1}\right)"),
    (GENERIC, "b^1_2", "φ'(z^1_2) w^2_12 φ'(z^2_1) δ^2_1"),
    (GENERIC, "w^1_21", "φ'(z^1_2) δ^1_2 x_1"),
    (GENERIC, "b^2_1", "2(φ(w^2_11 φ(z^1_1) + w^2_12 a^1_2 + b^2_1) - y_1) φ'(z^2_1)"),
    # other activations and losses
    (MLP([2, 2, 1], activation="tanh", bias=True), "b^2_1", "2(a^2_1 - y_1)(1 - a^2_1^2)"),
    (MLP([2, 2, 1], activation="tanh", bias=True), "b^2_1", "2(a^2_1 - y_1) tanh'(z^2_1)"),
    (MLP([2, 2, 1], activation="tanh", bias=True), "b^2_1", "2(a^2_1 - y_1) 4/(e^{z^2_1} + e^{-z^2_1})^2"),
    (MLP([2, 2, 1], activation="relu", bias=True), "w^2_11", "2(a^2_1 - y_1) H(z^2_1) a^1_1"),
    (MLP([2, 2, 1], activation="identity", bias=True), "b^1_1", "2(z^2_1 - y_1) w^2_11"),
    (MLP([2, 2, 3], activation="sigmoid", output="softmax", loss="cross_entropy", bias=True), "b^2_1", "q_1 - y_1"),
    (MLP([2, 2, 3], activation="sigmoid", output="softmax", loss="cross_entropy", bias=True), "w^2_12", "δ^2_1 a^1_2"),
    (MLP([2, 2, 1], activation="sigmoid", loss="logistic", bias=True), "b^2_1", "a^2_1 - (1 + y_1)/2"),
    (MLP([2, 10, 1], activation="sigmoid"), "w^{2}_{1,10}", "δ^2_1 σ'(z^2_1) a^1_10"),
]


@pytest.mark.parametrize("net, wrt, answer", RIGHT, ids=lambda v: v if isinstance(v, str) else repr(v))
def test_right_answers_are_proved_right_however_they_are_written(net, wrt, answer):
    verdict = check_answer(net, wrt, answer)
    assert verdict.correct and verdict.proved, verdict.text()
    assert verdict.status == "correct" and "exact" in verdict.decided_by
    assert verdict.counterexample is None and verdict.mistake is None


def test_generic_phi_answers_are_proved_for_every_phi():
    verdict = check_answer(GENERIC, "w^1_21", "φ'(z^1_2) δ^1_2 x_1")
    assert "for every φ" in verdict.decided_by


def test_equal_but_not_exactly_decidable_is_undecided_never_correct():
    """σ(z) written with e^{z/2} has no rational form in a = σ(z): only numbers speak for it, and numbers
    are not a proof — the verdict is UNDECIDED, never CORRECT (before: CORRECT on 8 random points)."""
    answer = "2(e^{z^2_1/2}/(e^{z^2_1/2} + e^{-z^2_1/2}) - y_1) σ'(z^2_1)"
    verdict = check_answer(SIGMOID, "b^2_1", answer)
    assert verdict.status == "undecided" and not verdict.correct and not verdict.proved
    assert "agrees at 8 random points" in verdict.decided_by and "not a proof" in verdict.decided_by
    assert "UNDECIDED" in verdict.text() and "CORRECT" not in verdict.text()
    assert "proved" not in verdict.text().lower() and verdict.feedback.startswith("Not decided")


# --- typical wrong answers get the right feedback ------------------------------------------------------

WRONG = [
    (SIGMOID, "b^2_1", "delta^2_1", "missing_phi_prime"),
    (SIGMOID, "b^2_1", "2(a^2_1 - y_1)", "missing_phi_prime"),
    (SIGMOID, "b^1_1", "σ'(z^1_1) w^2_11 2(a^2_1 - y_1)", "missing_phi_prime"),
    (SIGMOID, "b^1_1", "w^2_11 2(a^2_1 - y_1)", "missing_phi_prime"),
    (GENERIC, "w^1_12", "δ^1_1 x_2", "missing_phi_prime"),
    (SIGMOID, "b^2_1", "2(y_1 - a^2_1) a^2_1 (1 - a^2_1)", "sign"),
    (GENERIC, "b^1_1", "-φ'(z^1_1) δ^1_1", "sign"),
    (SIGMOID, "b^2_1", "(a^2_1 - y_1) a^2_1 (1 - a^2_1)", "factor_2"),
    (SIGMOID, "w^1_12", "φ'(z^1_1) w^2_11 φ'(z^2_1) (a^2_1 - y_1) x_2", "factor_2"),
    (SIGMOID, "b^2_1", "(y_1 - a^2_1) a^2_1 (1 - a^2_1)", "sign+factor_2"),
    (SIGMOID, "b^2_1", "delta^2_1 * sigma'(z^2_1) * a^1_2", "extra_activation"),
    (GENERIC, "b^1_2", "φ'(z^1_2) δ^1_2 x_1", "extra_activation"),
    (SIGMOID, "w^2_12", "delta^2_1 * sigma'(z^2_1)", "missing_activation"),
    (SIGMOID, "w^1_12", "δ^1_2 σ'(z^1_2) x_1", "transpose"),
    (GENERIC, "b^1_1", "φ'(z^1_1) w^2_11 φ'(z^2_1) δ^2_1", None),  # right: control for the next row
    (MLP([2, 3, 2, 1], bias=True), "b^1_1", "φ'(z^1_1) (w^2_11 φ'(z^2_1) δ^2_1 + w^2_12 φ'(z^2_2) δ^2_2)", "transpose"),
    (SIGMOID, "w^1_12", "δ^1_1 σ'(z^1_1) x_1", "wrong_index"),
    (SIGMOID, "b^1_1", "δ^1_2 σ'(z^1_2)", "wrong_index"),
    (SIGMOID, "b^1_1", "σ'(z^1_1) w^2_12 σ'(z^2_1) δ^2_1", "wrong_index"),
    (SIGMOID, "w^1_12", "δ^1_1 σ'(z^1_1) a^1_2", "wrong_layer"),
    (SIGMOID, "b^1_1", "σ'(z^2_1) δ^2_1", "wrong_layer"),
    (SIGMOID, "b^1_1", "σ'(z^2_1) δ^1_1", "wrong_layer"),
    (SIGMOID, "w^2_11", "δ^2_1 σ'(z^2_1) x_1", "wrong_layer"),
    (SIGMOID, "b^2_1", "δ^2_1 σ'(z^2_1)^2", "extra_phi_prime"),
    (SIGMOID, "b^2_1", "-δ^2_1 / 2", "missing_phi_prime+sign+factor_2"),
]


@pytest.mark.parametrize("net, wrt, answer, code", WRONG, ids=lambda v: v if isinstance(v, str) else repr(v))
def test_typical_wrong_answers_are_refuted_and_the_mistake_is_named(net, wrt, answer, code):
    verdict = check_answer(net, wrt, answer)
    if code is None:
        assert verdict.correct
        return
    assert not verdict.correct and verdict.status == "wrong", verdict.text()
    assert verdict.counterexample is not None
    assert verdict.mistake is not None and verdict.mistake.code == code, verdict.text()
    assert verdict.mistake.exact  # identified by an exact identity, not by numbers
    assert verdict.mistake.label and verdict.mistake.explanation
    assert verdict.mistake.label in verdict.feedback


def test_feedback_reads_like_the_lecture():
    verdict = check_answer(SIGMOID, "b^2_1", "delta^2_1 * sigma'(z^2_1) * a^1_2")
    assert "this is ∂e/∂w^2_12, a weight gradient" in verdict.mistake.label
    assert "∂z^2_1/∂b^2_1 = 1" in verdict.mistake.explanation
    assert verdict.mistake.form_plain == "σ'(z^2_1) δ^2_1 a^1_2"
    half = check_answer(SIGMOID, "b^2_1", "(a^2_1 - y_1) a^2_1 (1 - a^2_1)")
    assert "has no ½" in half.mistake.explanation
    phi = check_answer(SIGMOID, "b^1_1", "δ^1_1")
    assert "∂e/∂a^1_1" in phi.mistake.explanation and "not ∂e/∂z" in phi.mistake.explanation


def test_an_unrelated_wrong_answer_gets_a_counterexample_but_no_invented_mistake():
    verdict = check_answer(SIGMOID, "w^2_12", "δ^2_1 σ'(z^2_1) a^1_2 + x_1")
    assert not verdict.correct and verdict.mistake is None and verdict.counterexample is not None
    assert "none of the typical mistakes" in verdict.feedback


def test_an_activation_the_network_does_not_have_is_pointed_out():
    verdict = check_answer(GENERIC, "b^2_1", "2(a^2_1 - y_1) sigma'(z^2_1)")
    assert not verdict.correct
    assert any("no layer of this network has that activation" in note for note in verdict.notes)


# --- counterexamples are real: checked against an independent NumPy loss --------------------------------

def _arrays(net: MLP, values: dict[str, float]):
    params = {}
    for layer in range(1, net.depth + 1):
        W = net.W(layer)
        params[f"W{layer}"] = np.array([[values[f"w^{layer}_{i + 1}{j + 1}"] for j in range(W.cols)] for i in range(W.rows)])
        if net.has_bias:
            params[f"b{layer}"] = np.array([values[f"b^{layer}_{i + 1}"] for i in range(W.rows)])
    x = np.array([values[f"x_{j + 1}"] for j in range(net.sizes[0])])
    y = np.array([values[f"y_{j + 1}"] for j in range(net.sizes[-1])])
    return params, x, y


@pytest.mark.parametrize(
    "wrt, answer, by_hand",
    [
        # the wrong answer's value, computed by hand from an independent forward pass (W, a, y)
        ("b^2_1", "delta^2_1 * sigma'(z^2_1) * a^1_2", lambda W, a, y: 2 * (a[2][0] - y[0]) * a[2][0] * (1 - a[2][0]) * a[1][1]),
        ("b^2_1", "(a^2_1 - y_1) a^2_1 (1 - a^2_1)", lambda W, a, y: (a[2][0] - y[0]) * a[2][0] * (1 - a[2][0])),
        # δ^1_1 = ∂e/∂a^1_1 = w^2_11 σ'(z^2_1) · 2(a^2_1 − y_1): the lecture's δ, without φ'(z^1_1)
        ("b^1_1", "δ^1_1", lambda W, a, y: 2 * (a[2][0] - y[0]) * a[2][0] * (1 - a[2][0]) * W[0, 0]),
    ],
)
def test_counterexample_numbers_agree_with_finite_differences_and_a_hand_computation(wrt, answer, by_hand):
    verdict = check_answer(SIGMOID, wrt, answer)
    example = verdict.counterexample
    params, x, y = _arrays(SIGMOID, example.values)
    layer, i = int(wrt[2]), int(wrt[4])
    numeric = reference.finite_difference(
        lambda p: reference.loss(p, x, y, ["sigmoid", "sigmoid"], "squared", False), params, f"b{layer}", (i - 1,)
    )
    assert example.expected_value == pytest.approx(numeric, rel=1e-6, abs=1e-9)
    _, a = reference.forward(params, x, ["sigmoid", "sigmoid"])
    assert example.values["a^2_1"] == pytest.approx(a[2][0], rel=1e-12)
    assert example.answer_value == pytest.approx(by_hand(params["W2"], a, y), rel=1e-9)
    assert abs(example.answer_value - example.expected_value) > 1e-6


def test_counterexample_for_a_generic_network_names_the_phi_it_used():
    verdict = check_answer(GENERIC, "b^2_1", "delta^2_1")
    assert verdict.counterexample.phi in ("tanh", "sin", "softplus")
    assert f"with φ = {verdict.counterexample.phi}" in verdict.text()


# --- rendering and errors -------------------------------------------------------------------------------

def test_text_report_has_verdict_mistake_counterexample_and_expected_latex():
    text = str(check_answer(SIGMOID, "b^2_1", "delta^2_1 * sigma'(z^2_1) * a^1_2"))
    for part in ("verdict    WRONG", "mistake    An extra factor a^1_2", "counterexample at x_1=", "expected   ∂e/∂b^2_1 = σ'(z^2_1) δ^2_1",
                 "where    δ^2_1 = ∂e/∂a^2_1", r"LaTeX      \frac{\partial e}{\partial b^{2}_{1}} = \sigma'\left(z^{2}_{1}\right)\,\delta^{2}_{1}"):
        assert part in text, text
    right = str(check_answer(SIGMOID, "w^1_12", "δ^1_1 σ'(z^1_1) x_2"))
    assert "verdict    CORRECT — exact" in right and "δ^1_1 = ∂e/∂a^1_1 = w^2_11 σ'(z^2_1) δ^2_1" in right


def test_latex_rendering_never_contains_the_raw_answer_text():
    verdict = check_answer(SIGMOID, "b^2_1", r"\delta^{2}_{1}\,\sigma'(z^{2}_{1})\,a^{1}_{2}")
    latex = verdict._repr_latex_()
    assert latex.startswith("$") and latex.endswith("$")
    assert r"\," + "a^{1}_{2}" not in latex.replace(verdict.mistake.form_latex, "")  # the raw text is not echoed
    assert r"\text{likely mistake: }" in latex


@pytest.mark.skipif(shutil.which("pdflatex") is None and not os.environ.get("SYMBACKPROP_REQUIRE_PDFLATEX"), reason="pdflatex not installed")
def test_latex_of_verdicts_compiles_with_a_real_tex_engine(tmp_path):
    verdicts: list[Verdict] = [
        check_answer(SIGMOID, "b^2_1", "delta^2_1 * sigma'(z^2_1) * a^1_2"),
        check_answer(SIGMOID, "w^1_12", "δ^1_1 σ'(z^1_1) x_2"),
        check_answer(GENERIC, "b^1_1", "-δ^1_1 / 2"),
        check_answer(MLP([2, 2, 3], output="softmax", loss="cross_entropy", bias=True), "b^2_1", "q_1 - y_1"),
        check_answer(MLP([2, 2, 1], activation="tanh"), "w^2_11", "2(a^2_1 - y_1)(1 - a^2_1^2) a^1_1"),
    ]
    body = "\n\n".join(verdict._repr_latex_() + "\n\n$" + verdict.expected_latex + "$" for verdict in verdicts)
    document = "\\documentclass{article}\n\\usepackage{amsmath,amssymb}\n\\usepackage[margin=1cm]{geometry}\n\\begin{document}\n" + body + "\n\\end{document}\n"
    (tmp_path / "verdicts.tex").write_text(document, encoding="utf-8")
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "verdicts.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert (tmp_path / "verdicts.pdf").stat().st_size > 1000


def test_bad_parameters_and_bad_answers_raise_clear_errors():
    with pytest.raises(SpecError, match="layer 3 does not exist"):
        check_answer(SIGMOID, "w^3_11", "x_1")
    with pytest.raises(AnswerSyntaxError, match="expected a parameter name"):
        check_answer(SIGMOID, "z^2_1", "x_1")
    with pytest.raises(AnswerSyntaxError, match="unexpected character") as caught:
        check_answer(SIGMOID, "b^2_1", "x_1 $ y_1")
    assert caught.value.position == 4 and isinstance(caught.value, ValueError)


def test_a_named_mistake_keeps_the_case_of_a_greek_first_letter_in_every_answer_kind():
    from symbackprop.answers.check import parse_answer
    from symbackprop.answers.quantities import check_quantity, quantity

    net = MLP([2, 2, 1])
    verdict = check_quantity(net, quantity(net, "z^2_1"), parse_answer(net, "2*(a^2_1-y_1)*phi'(z^2_1)*phi'(z^2_1)"))
    assert verdict.mistake is not None and verdict.mistake.label == "φ'(z^2_1) appears twice"


# --- ReLU: a wrong answer refuted on its activation pattern is wrong in every answer kind ----------------------

RELU = MLP([2, 3, 3, 1], activation="relu", bias=True)
# non-zero only where all six hidden ReLUs are on: a pattern none of the checker's shared random points has
ON_ONE_PATTERN = " + relu'(z^1_1) relu'(z^1_2) relu'(z^1_3) relu'(z^2_1) relu'(z^2_2) relu'(z^2_3) x_1"
RELU_RIGHT = {"b^2_1": "relu'(z^2_1) δ^2_1", "a^2_1": "w^3_11 relu'(z^3_1) δ^3_1", "z^2_1": "relu'(z^2_1) w^3_11 relu'(z^3_1) δ^3_1"}


def _all_hidden_on(values: dict[str, float]) -> bool:
    return all(values[f"a^{layer}_{i}"] > 0 for layer in (1, 2) for i in (1, 2, 3))


def test_the_shared_random_points_miss_the_pattern_the_relu_answers_differ_on():
    """The control for the next tests: numbers at the shared points alone cannot refute those answers."""
    from symbackprop.answers.context import context_for

    context = context_for(RELU)
    assert not any(_all_hidden_on(context.point_values(point)) for point in context.points)


@pytest.mark.parametrize("wrt", sorted(RELU_RIGHT))
def test_a_wrong_relu_answer_refuted_on_its_activation_pattern_is_wrong_with_its_counterexample(wrt):
    """check_quantity (δ, ∂e/∂z, vector and matrix entries, homework gradients) searches the pattern the exact
    stage found, as check_answer does; it used to end UNDECIDED ("agrees at 8 random points")."""
    from symbackprop.answers.check import parse_answer
    from symbackprop.answers.quantities import check_quantity, quantity

    q = quantity(RELU, wrt)
    right = check_quantity(RELU, q, parse_answer(RELU, RELU_RIGHT[wrt]))
    assert right.status == "correct" and "exact" in right.decided_by
    verdict = check_quantity(RELU, q, parse_answer(RELU, RELU_RIGHT[wrt] + ON_ONE_PATTERN))
    assert verdict.status == "wrong", verdict.decided_by
    example = verdict.counterexample
    assert example is not None and _all_hidden_on(example.values)
    # on that pattern the answer is the right value plus x_1: the counterexample's numbers say exactly that
    assert example.answer_value - example.expected_value == pytest.approx(example.values["x_1"], rel=1e-9)
    assert "Counterexample" in verdict.feedback and verdict.mistake is None


def test_check_answer_and_check_quantity_decide_a_gradient_the_same_way_with_the_same_counterexample():
    from symbackprop.answers.check import parse_answer
    from symbackprop.answers.quantities import check_quantity, quantity

    answer = RELU_RIGHT["b^2_1"] + ON_ONE_PATTERN
    by_check = check_answer(RELU, "b^2_1", answer)
    by_quantity = check_quantity(RELU, quantity(RELU, "b^2_1"), parse_answer(RELU, answer))
    assert by_check.status == by_quantity.status == "wrong"
    assert by_check.counterexample == by_quantity.counterexample
