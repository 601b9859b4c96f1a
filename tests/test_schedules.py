"""Robbins–Monro conditions (L5) decided exactly for step-size schedules."""

from __future__ import annotations

import pytest
import sympy as sp

from symbackprop.errors import NotSupportedError
from symbackprop.lecture.schedules import K, robbins_monro

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


# --- typed schedules: parsed safely, decided within a time limit ---------------------------------------

from symbackprop.errors import ExpressionSyntaxError  # noqa: E402
from symbackprop.lecture.schedules import check_schedule  # noqa: E402


@pytest.mark.parametrize(
    "text, satisfied",
    [("1/(k+1)", True), (r"\frac{1}{k+1}", True), ("1/(k+1)^0.6", True), ("0.1/sqrt(k+1)", False), ("0.9^k", False), ("0.01", False)],
)
def test_typed_schedules_are_parsed_and_decided(text, satisfied):
    assert check_schedule(text).satisfied is satisfied


@pytest.mark.parametrize("text", ["9^9^9^9", "__import__('os').system('ls')", "lambda: 1", "1/(n+1)", "k" * 5000, "(" * 500 + "k" + ")" * 500])
def test_hostile_schedules_are_refused_with_a_syntax_error(text):
    with pytest.raises(ExpressionSyntaxError):
        check_schedule(text)


def test_schedule_command_prints_the_verdict_and_its_exit_status():
    from .test_cli import run_cli

    good = run_cli("schedule", "1/(k+1)")
    assert good.returncode == 0 and "satisfies the Robbins–Monro conditions" in good.stdout
    bad = run_cli("schedule", "0.9^k")
    assert bad.returncode == 1 and "Σ γ_k   (k = 0…∞):      converges" in bad.stdout
    hostile = run_cli("schedule", "9^9^9^9")
    assert hostile.returncode == 2 and "too large" in hostile.stderr and "Traceback" not in hostile.stderr


def test_time_limit_is_validated():
    with pytest.raises(NotSupportedError, match="time limit"):
        check_schedule("1/(k+1)", time_limit=0)


def test_verdict_renders_as_math_in_notebooks():
    assert robbins_monro(1 / (K + 1))._repr_latex_() == (
        r"$\gamma_k = \frac{1}{k + 1}:\quad \gamma_k > 0,\quad \sum_k \gamma_k = \infty,\quad "
        r"\sum_k \gamma_k^2 < \infty\quad \Rightarrow\ \text{Robbins--Monro: yes}$"
    )
