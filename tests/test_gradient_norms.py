"""L14: the bound holds on every layer; sigmoid gradients vanish, large ReLU weights explode."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from symbackprop.lecture.gradient_norms import gradient_norms, plot_gradient_norms, vanishing_gradients_study


@pytest.fixture(scope="module")
def studies():
    return vanishing_gradients_study(depth=8, samples=8)


def test_bound_holds_on_every_layer_and_sample(studies):
    for study in studies:
        assert study.bound_holds, study.label
        assert study.gradient.shape == (8, 8) and np.all(study.gradient > 0)


def test_the_bound_check_can_fail():
    study = gradient_norms("tanh", depth=4, samples=4)
    assert not dataclasses.replace(study, bound=study.bound * 0.5).bound_holds


def test_sigmoid_gradients_vanish_towards_the_input(studies):
    sigmoid = studies[0]
    assert sigmoid.backward_growth < 1e-3 and sigmoid.first_to_last < 1e-3


def test_large_relu_weights_make_backpropagated_factors_explode(studies):
    assert studies[-1].backward_growth > 5


def test_gradient_norm_of_a_rank_one_gradient_is_the_product_of_norms():
    """‖Diag(φ') δ (a)^T‖₂ = ‖Diag(φ') δ‖₂ ‖a‖₂, so the bound is tight up to ‖Diag(φ') δ‖ ≤ ‖Diag(φ')‖ ‖δ‖."""
    study = gradient_norms("identity", depth=3, samples=4)
    assert np.allclose(study.gradient, study.bound, rtol=1e-10)


def test_plot_is_a_png(studies, tmp_path):
    path = plot_gradient_norms(studies, tmp_path / "norms.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000
