"""Softmax and KL facts of L18–L22, derived exactly — and checked against plain numbers."""

from __future__ import annotations

import dataclasses
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


def test_triangle_inequality_counterexample_is_real_and_uses_the_lectures_p_and_q():
    example = D.kl_triangle_counterexample()
    assert example.refutes
    assert (example.p, example.q) == (D.LECTURE_P, D.LECTURE_Q)
    kl = lambda a, b: sum(x * math.log(x / y) for x, y in zip(map(float, a), map(float, b)))  # noqa: E731
    p, q, r = example.p, example.q, example.r
    assert kl(p, r) > kl(p, q) + kl(q, r) + 0.1
    assert example.gap == sp.log(3) / 4 and r == (sp.Rational(3, 4), sp.Rational(1, 4))
    assert float(example.gap) == pytest.approx(kl(p, r) - kl(p, q) - kl(q, r), rel=1e-12)


def test_triangle_search_reports_when_no_grid_point_breaks_it():
    with pytest.raises(ValueError, match="no r on the grid"):
        D.kl_triangle_counterexample(p=(sp.Rational(1, 2), sp.Rational(1, 2)), q=(sp.Rational(1, 2), sp.Rational(1, 2)), denominator=2)


def test_gibbs_inequality_for_every_number_of_classes_and_the_proof_can_fail():
    gibbs = D.gibbs_inequality()
    assert gibbs.holds and gibbs.value_at_one == 0
    wrong = dataclasses.replace(gibbs, term_identity_holds=False)
    assert not wrong.holds
    t = sp.Symbol("t", positive=True)
    assert sp.simplify(sp.diff(gibbs.g, t) - (t + 1) / t) != 0  # a wrong derivative would be caught


@pytest.mark.parametrize(
    "value,sign",
    [(sp.log(2) - sp.log(3), -1), (sp.log(6) - sp.log(2) - sp.log(3), 0), (sp.Rational(3, 4) * sp.log(3) - sp.log(2), 1)],
)
def test_log_sign_decides_exactly(value, sign):
    assert D.log_sign(value)[0] == sign
    assert math.copysign(1, float(value)) == sign or sign == 0


def test_log_sign_refuses_what_it_cannot_decide():
    with pytest.raises(ValueError, match="not a rational combination"):
        D.log_sign(sp.log(2) + sp.sqrt(2))


def test_gibbs_inequality_for_two_classes_by_the_derivative():
    gibbs = D.gibbs_two_classes()
    assert gibbs.derivative_holds and gibbs.value_at_minimum == 0


def test_gibbs_inequality_random_check_is_nonnegative():
    check = D.gibbs_random_check(pairs=2000)
    assert check.minimum >= 0


def test_kl_treats_zero_probabilities_as_contributing_nothing():
    assert D.kl([sp.Integer(1), sp.Integer(0)], [sp.Rational(1, 2)] * 2) == sp.log(2)
    assert np.isfinite(float(D.negative_entropy([sp.Integer(0), sp.Integer(1)])))


def test_log_sign_refuses_before_building_an_astronomically_large_rational():
    from symbackprop.answers.counterexamples import check_triangle, parse_yes_no
    from symbackprop.errors import LimitError

    huge = sp.log(2) / 999983 - sp.log(3) / 999979
    with pytest.raises(LimitError, match="bits"):
        D.log_sign(huge)
    answer = parse_yes_no("no; p=(1/999983, 999982/999983), q=(1/999979, 999978/999979), r=(1/999961, 999960/999961)")
    with pytest.raises(LimitError, match="smaller denominators"):
        check_triangle(answer)
    assert D.log_sign(sp.log(3) / 7 - sp.log(2) / 5)[0] == 1  # 3^5 = 243 > 2^7 = 128: small ones still decided
