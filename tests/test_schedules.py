"""Robbins–Monro conditions (L5) decided exactly for step-size schedules."""

from __future__ import annotations

import pytest
import sympy as sp

from symbackprop.errors import NotSupportedError
from symbackprop.schedules import K, robbins_monro

k = K


@pytest.mark.parametrize(
    "schedule, diverges, squares_converge, satisfied",
    [
        (1 / (k + 1), True, True, True),
        (sp.Integer(2) / (k + 10), True, True, True),
        ((k + 1) ** sp.Rational(-3, 4), True, True, True),
        (1 / ((k + 1) * sp.log(k + 2)), True, True, True),
        (sp.Rational(1, 10), True, False, False),
        (1 / sp.sqrt(k + 1), True, False, False),
        (1 / (k + 1) ** 2, False, True, False),
        (sp.Rational(1, 2) ** k, False, True, False),
    ],
)
def test_schedule_conditions_are_decided_exactly(schedule, diverges, squares_converge, satisfied):
    verdict = robbins_monro(schedule)
    assert (verdict.sum_diverges, verdict.squares_converge, verdict.satisfied) == (diverges, squares_converge, satisfied)


def test_a_schedule_that_goes_negative_fails_positivity():
    verdict = robbins_monro((k - 3) / (k**2 + 1))
    assert verdict.positive is False and verdict.satisfied is False
    assert "γ_0 = -3" in verdict.report()


def test_undefined_first_step_and_foreign_symbols_are_rejected():
    with pytest.raises(NotSupportedError, match="k starts at 0"):
        robbins_monro(1 / k)
    with pytest.raises(NotSupportedError, match="only use k"):
        robbins_monro(1 / (k + sp.Symbol("n")))


def test_report_names_each_condition():
    text = robbins_monro(1 / (k + 1)).report()
    assert "Σ γ_k   (k = 0…∞):      diverges" in text and "satisfies the Robbins–Monro" in text


def test_a_plain_symbol_named_k_is_the_iteration_counter():
    verdict = robbins_monro(1 / (sp.Symbol("k") + 1))
    assert verdict.satisfied is True and verdict.schedule == 1 / (K + 1)
