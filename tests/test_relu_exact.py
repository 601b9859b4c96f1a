"""ReLU networks are decided exactly: H(z) ∈ {0, 1} with H(0) = 0 (ReLU'(0) = 0, as in PyTorch), so every
verdict is proved or refuted on the activation patterns — never sampled at points where neurons are dead.

Before: 59 of 317 answers with one step H(z) dropped, and "0" for 21 of 179 parameters, were graded
CORRECT on the 16 networks below ("agrees at 8 random points"); H(0) meant ½ in the checker and 0 in
the compiled code.  Counterexamples are confirmed here with an independent NumPy forward pass and
central finite differences (tests/reference.py)."""

from __future__ import annotations

import random

import numpy as np
import pytest
import sympy as sp

from symbackprop import MLP, backprop, prove
from symbackprop.activations import RELU_CONVENTION, get_activation, heaviside
from symbackprop.answers import check_answer, grade_answers
from symbackprop.answers import context as answer_context
from symbackprop.notation import plain
from symbackprop.proof import compare_entry, derivative_lemma

from . import reference

NETWORKS = [
    dict(sizes=[3, 4, 2]),
    dict(sizes=[2, 1], bias=True),
    dict(sizes=[1, 1, 1], bias=True),
    dict(sizes=[2, 2, 1]),
    dict(sizes=[2, 2, 1], bias=True),
    dict(sizes=[2, 5, 1]),
    dict(sizes=[2, 4, 3, 1]),
    dict(sizes=[3, 2, 1], bias=True),
    dict(sizes=[2, 2, 2, 1]),
    dict(sizes=[1, 2, 2, 1], bias=True),
    dict(sizes=[2, 2, 1], output="identity"),
    dict(sizes=[2, 3, 1], output="sigmoid", bias=True),
    dict(sizes=[2, 2, 2], output="softmax", loss="cross_entropy", bias=True),
    dict(sizes=[2, 2, 1], loss="logistic"),
    dict(sizes=[3, 3, 1], output="identity", bias=True),
    dict(sizes=[2, 2, 2, 2]),
]


def _variants(net: MLP):
    """(parameter, answer text) — the expected gradient with one step H(·) dropped, and "0"."""
    gradients = backprop(net)
    for parameter in net.parameters:
        expected = gradients[parameter]
        for step in sorted(expected.atoms(sp.Heaviside), key=str):
            yield parameter, plain(expected.xreplace({step: 1}))
        yield parameter, "0"


def _gradient_by_finite_differences(net: MLP, parameter: sp.Symbol, values: dict[str, float]) -> float:
    """∂e/∂θ at the counterexample's point, from an independent NumPy loss."""
    params = {}
    for layer in range(1, net.depth + 1):
        params[f"W{layer}"] = np.array([[values[plain(w)] for w in net.W(layer).row(i)] for i in range(net.sizes[layer])])
        if net.has_bias:
            params[f"b{layer}"] = np.array([values[plain(b)] for b in net.b(layer)])
    x = np.array([values[plain(s)] for s in net.x])
    y = np.array([values[plain(s)] for s in net.y])
    names = [net.activation(layer).name for layer in range(1, net.depth + 1)]
    kind, layer, i, j = net.parameter_info(parameter)
    key, index = (f"W{layer}", (i - 1, j - 1)) if kind == "w" else (f"b{layer}", (i - 1,))
    return reference.finite_difference(lambda p: reference.loss(p, x, y, names, net.loss.name, net.softmax), params, key, index)


def test_no_answer_with_a_dropped_step_and_no_zero_is_graded_correct_on_16_relu_networks():
    verdicts = {"correct": 0, "wrong": 0}
    rng = random.Random(0)
    confirmed = 0
    for spec in NETWORKS:
        net = MLP(activation="relu", **spec)
        for parameter, answer in _variants(net):
            verdict = check_answer(net, parameter, answer, diagnose=False)
            verdicts[str(verdict.status)] = verdicts.get(str(verdict.status), 0) + 1
            assert verdict.status == "wrong", (spec, plain(parameter), answer, verdict.decided_by)
            assert verdict.counterexample is not None and verdict.counterexample.answer_value is not None
            if rng.random() < 0.25:  # a quarter of them, checked outside our code
                example = verdict.counterexample
                truth = _gradient_by_finite_differences(net, parameter, example.values)
                assert truth == pytest.approx(example.expected_value, rel=1e-5, abs=1e-7)
                assert abs(example.answer_value - truth) > 1e-6 * (1 + abs(truth))
                confirmed += 1
    assert verdicts == {"correct": 0, "wrong": 496}
    assert confirmed > 50


def test_a_dropped_step_that_changes_nothing_is_proved_correct():
    """[1, 1, 1] without biases: where z^1_1 ≤ 0 the second layer receives 0, so H(z^2_1) = 0 and the
    factor H(z^1_1) is redundant — the answer without it is right, and is proved so (not sampled)."""
    net = MLP([1, 1, 1], activation="relu")
    verdict = check_answer(net, "w^1_11", "w^2_11 x_1 (2 a^2_1 - 2 y_1) H(z^2_1)")
    assert verdict.status == "correct" and verdict.proved
    assert "activation pattern" in verdict.decided_by
    for z1 in (-0.7, 0.4):  # both branches, by hand
        for w2 in (-1.3, 0.8):
            a1 = max(0.0, z1)
            z2 = w2 * a1
            a2 = max(0.0, z2)
            truth = 2 * (a2 - 0.3) * (z2 > 0) * w2 * (z1 > 0) * 0.5
            answer = w2 * 0.5 * (2 * a2 - 2 * 0.3) * (z2 > 0)
            assert answer == pytest.approx(truth)


def test_relu_prime_written_as_a_step_of_the_activation_is_correct_for_every_parameter():
    """H(a^2_1) = H(ReLU(z^2_1)) = H(z^2_1) because H(0) = 0; with H(0) = ½ it was graded WRONG for some
    parameters and CORRECT for others of the same network."""
    net = MLP([2, 2, 1], activation="relu")
    for parameter in net.parameters:
        kind, layer, i, j = net.parameter_info(parameter)
        if layer == 2:
            answer = f"H(a^2_1) 2(a^2_1 - y_1) a^1_{j}"
        else:
            answer = f"H(a^2_1) 2(a^2_1 - y_1) w^2_1{i} H(z^1_{i}) x_{j}"
        verdict = check_answer(net, parameter, answer)
        assert verdict.status == "correct" and verdict.proved, (parameter, verdict.decided_by)


def test_the_step_at_zero_is_zero_in_the_prover_the_checker_and_the_printed_text():
    assert heaviside(sp.Integer(0)) == 0 and heaviside(sp.Integer(2)) == 1
    z = sp.Symbol("z")
    assert sp.diff(get_activation("relu").apply(z), z).subs(z, 0) == 0
    assert get_activation("relu").derivative(z, z).subs(z, 0) == 0
    # [1, 1, 1] without biases: where z^1_1 < 0, z^2_1 = w^2_11 · 0 = 0 exactly, so the extra term below is
    # H(0)·y_1 there and 0 elsewhere: the candidate is the gradient exactly when H(0) = 0
    net = MLP([1, 1, 1], activation="relu")
    w = net.parameter("w^2_11")
    (z1,), (z2,), (y,) = net.z(1), net.z(2), net.y
    candidate = backprop(net)[w] + (1 - heaviside(z1)) * heaviside(z2) * y
    assert compare_entry(net, w, candidate).status == "proved"
    assert compare_entry(net, w, candidate + (1 - heaviside(z1)) * y).status == "differs"
    lemma = derivative_lemma(get_activation("relu"))
    assert lemma.holds and "H(0) = 0" in lemma.statement and RELU_CONVENTION in lemma.statement
    text = check_answer(MLP([2, 2, 1], activation="relu"), "w^2_11", "0").text()
    assert "H(z^2_1)" in text and "1/2" not in text and "theta" not in text and "H(z^2_1, 0)" not in text


def _pre_activations(net: MLP, values: dict[str, float]) -> dict[tuple[int, int], float]:
    """z^ℓ_i from a point's x, w, b and a values (plain names), computed here."""
    result = {}
    for layer in range(1, net.depth + 1):
        inputs = [values[plain(s)] for s in (net.x if layer == 1 else net.a(layer - 1))]
        for i in range(net.sizes[layer]):
            z = sum(values[plain(w)] * a for w, a in zip(net.W(layer).row(i), inputs))
            result[(layer, i)] = z + (values[plain(net.b(layer)[i])] if net.has_bias else 0.0)
    return result


def test_random_points_never_put_a_pre_activation_at_zero(monkeypatch):
    """A draw that lands on z = 0 (here: every number drawn is 0 at first) is drawn again."""

    class ZerosFirst(random.Random):
        def __init__(self, seed: object = None) -> None:
            super().__init__(seed)
            self.zeros = 40

        def randint(self, a: int, b: int) -> int:
            if self.zeros > 0:
                self.zeros -= 1
                return 0
            return super().randint(a, b)

    monkeypatch.setattr(answer_context.random, "Random", ZerosFirst)
    net = MLP([2, 3, 2], activation="relu", bias=True)
    context = answer_context.AnswerContext(net)
    for point in context.points:
        assert all(z != 0 for z in _pre_activations(net, context.point_values(point)).values())


def test_points_of_an_activation_pattern_have_that_pattern():
    net = MLP([2, 3, 2], activation="relu")
    context = answer_context.context_for(net)
    pattern = {(1, 0): True, (1, 1): False, (1, 2): True, (2, 0): False, (2, 1): True}
    for point in context.pattern_points(pattern, count=5):
        z = _pre_activations(net, context.point_values(point))
        assert {neuron: z[neuron] > 0 for neuron in pattern} == pattern


def test_prove_refutes_a_candidate_with_a_dropped_step_with_a_counterexample():
    net = MLP([2, 3, 1], activation="relu")
    gradients = backprop(net)
    for parameter in net.parameters:
        expected = gradients[parameter]
        for step in expected.atoms(sp.Heaviside):
            entry = compare_entry(net, parameter, expected.xreplace({step: 1}))
            assert entry.status == "differs" and entry.counterexample is not None, (parameter, step, entry.method)
    assert prove(net).holds


def test_prove_accepts_a_relu_specific_form_exactly():
    """a^1_1 H(z^1_1) = a^1_1 (a ReLU activation is 0 where its step is): an identity only on patterns."""
    net = MLP([2, 2, 1], activation="relu")
    gradients = backprop(net)
    w = net.parameter("w^2_11")
    a11, z11 = net.a(1)[0], net.z(1)[0]
    candidate = gradients[w].xreplace({a11: a11 * heaviside(z11)})
    entry = compare_entry(net, w, candidate)
    assert entry.status == "proved" and "activation pattern" in entry.method


def test_numeric_agreement_is_graded_undecided_never_correct():
    net = MLP([2, 2, 1], activation="sigmoid", bias=True)
    answer = "2(e^{z^2_1/2}/(e^{z^2_1/2} + e^{-z^2_1/2}) - y_1) σ'(z^2_1)"
    graded = grade_answers(net, [{"id": "s1", "answer": answer, "wrt": "b^2_1"}], workers=0)
    assert [g.verdict for g in graded] == ["undecided"]
    assert "not a proof" in graded[0].decided_by
