"""The lecture's optimiser loops, on problems whose answers are known in closed form."""

from __future__ import annotations

import numpy as np
import pytest

from symbackprop import algorithms as A


def test_gradient_descent_reaches_the_minimiser_of_a_quadratic():
    # E(w) = ½‖w − c‖², ∇E = w − c: a fixed step α = 0.5 halves the error each step
    c = np.array([1.0, -2.0])
    seen = []
    w = A.gradient_descent(lambda w: w - c, np.zeros(2), 0.5, 1e-10, 1000, lambda k, w: seen.append(k))
    assert np.allclose(w, c, atol=1e-9) and seen == list(range(1, len(seen) + 1))


def test_exact_line_search_solves_a_quadratic_in_one_step_along_the_gradient():
    c = np.array([3.0, 1.0])
    steps = []
    w = A.gradient_descent_exact(
        lambda w: 0.5 * float((w - c) @ (w - c)),
        lambda w: w - c,
        np.zeros(2),
        1e-12,
        10,
        lambda E, w, d: 1.0,  # argmin_α ½‖w + αd − c‖² with d = c − w is α = 1
        lambda k, w: steps.append(k),
    )
    assert np.allclose(w, c) and steps == [1]


def test_sgd_with_robbins_monro_steps_averages_the_samples():
    # e^j(w) = ½(w − t_j)²: SGD with γ_k = 1/(k+1) visiting t_1, t_2, … computes the running mean
    targets = [4.0, 0.0, 2.0, 6.0]
    order = iter(range(len(targets)))
    w = A.sgd(lambda j, w: w - targets[j], 0.0, len(targets), len(targets), A.step_size, lambda S: next(order), lambda k, w: None)
    assert w == pytest.approx(np.mean(targets))


def test_minibatch_sgd_uses_the_sum_over_the_batch():
    grads = []
    A.minibatch_sgd(lambda B, w: grads.append(tuple(B)) or 0.0, 1.0, 4, 2, A.step_size, lambda S: [0, 2], lambda k, w: None)
    assert grads == [(0, 2), (0, 2)]


def test_update_rules_are_the_lecture_formulas():
    assert A.descent_direction(np.array([1.0, -1.0])).tolist() == [-1.0, 1.0]
    assert A.gradient_step(1.0, 0.1, -2.0) == pytest.approx(0.8)
    assert [A.step_size(k) for k in range(3)] == [1.0, 0.5, pytest.approx(1 / 3)]
    assert A.stochastic_step(1.0, 0.5, 2.0) == 0.0
