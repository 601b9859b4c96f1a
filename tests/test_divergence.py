"""Softmax and KL facts of L18–L22, derived exactly — and checked against plain numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from symbackprop.lecture import divergence as D


@pytest.mark.parametrize("classes", [2, 3, 5])
def test_softmax_outputs_are_positive_and_sum_to_one(classes):
    facts = D.softmax_is_distribution(classes)
    assert facts.sums_to_one and facts.positive and facts.total == 1


def test_kl_is_negative_entropy_plus_cross_entropy_and_ne_of_one_hot_is_zero():
    split = D.kl_splits_into_ne_plus_ce(4)
    assert split.holds and split.one_hot_ne == 0


def test_kl_split_check_can_fail():
    p = sp.symbols("p1:3", positive=True)
    q = sp.symbols("q1:3", positive=True)
    wrong = D.negative_entropy(p) - D.cross_entropy(p, q)  # sign error
    assert sp.expand(sp.expand_log(D.kl(p, q) - wrong)) != 0


def test_cross_entropy_gradient_is_q_minus_p_for_one_hot_p():
    gradient = D.cross_entropy_gradient(3)
    assert gradient.general_form_holds and gradient.one_hot_form_holds


def test_kl_asymmetry_closed_forms_match_numbers_and_differ():
    result = D.kl_asymmetry()
    forward = 0.25 * math.log(0.25 / 0.5) + 0.75 * math.log(0.75 / 0.5)
    backward = 0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.75)
    assert float(result.forward) == pytest.approx(forward) and float(result.backward) == pytest.approx(backward)
    assert result.differ
    assert result.forward == -sp.log(2) + 3 * sp.log(3) / 4


def test_triangle_inequality_counterexample_is_real():
    example = D.kl_triangle_counterexample()
    assert example.refutes
    kl = lambda a, b: sum(x * math.log(x / y) for x, y in zip(map(float, a), map(float, b)))  # noqa: E731
    p, q, r = example.p, example.q, example.r
    assert kl(p, r) > kl(p, q) + kl(q, r) + 0.1
    assert example.gap == sp.log(6) / 2


def test_gibbs_inequality_for_two_classes_by_the_derivative():
    gibbs = D.gibbs_two_classes()
    assert gibbs.derivative_holds and gibbs.value_at_minimum == 0


def test_gibbs_inequality_random_check_is_nonnegative():
    check = D.gibbs_random_check(pairs=2000)
    assert check.minimum >= 0


def test_kl_treats_zero_probabilities_as_contributing_nothing():
    assert D.kl([sp.Integer(1), sp.Integer(0)], [sp.Rational(1, 2)] * 2) == sp.log(2)
    assert np.isfinite(float(D.negative_entropy([sp.Integer(0), sp.Integer(1)])))
