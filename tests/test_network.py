"""The symbolic MLP: shapes, definitions z^ℓ = W^ℓ a^{ℓ-1} + b^ℓ, a^ℓ = φ(z^ℓ), the loss e and E."""

from __future__ import annotations

import pytest
import sympy as sp

from symbackprop import MLP, ShapeError, SpecError
from symbackprop.activations import phi, sigmoid
from symbackprop.errors import DataError


def test_weight_matrices_have_the_lecture_shapes():
    net = MLP([4, 3, 2], bias=True)
    assert net.W(1).shape == (3, 4) and net.W(2).shape == (2, 3)
    assert net.b(2).shape == (2, 1) and net.z(1).shape == (3, 1) and net.a(0).shape == (4, 1)
    assert len(net.parameters) == 3 * 4 + 3 + 2 * 3 + 2
    assert net.parameter_info(net.W(2)[1, 2]) == ("w", 2, 2, 3)


def test_pre_activation_is_weights_times_previous_activation_plus_bias():
    net = MLP([2, 2, 1], bias=True)
    w = net.W(2)
    assert net.z_definition(2)[0] == w[0, 0] * net.a(1)[0] + w[0, 1] * net.a(1)[1] + net.b(2)[0]


def test_forward_pass_composes_phi_of_weights_times_input():
    net = MLP([1, 1, 1])
    (x,), w1, w2 = net.x, net.W(1)[0, 0], net.W(2)[0, 0]
    assert net.forward()[0] == phi(w2 * phi(w1 * x))


def test_lecture_example_total_error_is_the_sum_over_four_samples():
    """L1: E(w) = Σ_i (y^i − σ(w^1_11 x^i_1 + w^1_12 x^i_2))²."""
    net = MLP([2, 1], activation="sigmoid")
    w11, w12 = net.W(1)
    X = [[1, 0], [0, 1], [1, 1], [0.5, -2]]
    Y = [[1], [0], [1], [0]]
    expected = sum((y[0] - sigmoid(w11 * sp.Rational(str(x[0])) + w12 * sp.Rational(str(x[1])))) ** 2 for x, y in zip(X, Y))
    assert sp.simplify(net.E(X, Y) - expected) == 0


def test_symbolic_samples_use_superscript_sample_indices():
    net = MLP([2, 1], activation="sigmoid")
    text = sp.latex(net.E(samples=2))
    assert "x^{2}_{1}" in text and "y^{1}" in text


def test_softmax_network_exposes_q_as_softmax_of_a_L():
    net = MLP([2, 3], loss="cross_entropy")
    a = net.a(1)
    total = sum(sp.exp(v) for v in a)
    assert net.definitions[net.q[0]] == sp.exp(a[0]) / total
    assert net.e == -sum(y * sp.log(q) for y, q in zip(net.y, net.q))


def test_compose_removes_every_intermediate_symbol():
    net = MLP([2, 2, 2], activation="tanh", bias=True, loss="kl")
    composed = net.compose(net.e)
    allowed = set(net.parameters) | set(net.x) | set(net.y)
    assert composed.free_symbols <= allowed


@pytest.mark.parametrize(
    "X, Y, error",
    [([[1, 2, 3]], [[1]], ShapeError), ([[1, 2]], [[1], [2]], ShapeError), ([[1, "a"]], [[1]], DataError), (5, [[1]], ShapeError)],
)
def test_bad_data_raises_clear_errors(X, Y, error):
    with pytest.raises(error):
        MLP([2, 1]).E(X, Y)


def test_asking_for_layers_that_do_not_exist_is_a_spec_error():
    net = MLP([2, 1])
    with pytest.raises(SpecError):
        net.W(0)
    with pytest.raises(SpecError):
        net.b(1)


def test_generic_phi_of_a_number_stays_symbolic_and_answers_assumption_queries():
    """φ(1/2) has no numeric value; SymPy must not mistake φ for mpmath's golden-ratio constant."""
    from symbackprop.activations import phi

    value = phi(sp.Rational(1, 2))
    assert value.is_zero is None and value.is_positive is None
    assert value.evalf() == value
    assert (value**16).is_zero is None
