"""The two derivations: direct differentiation of the composed loss and the lecture's recursion."""

from __future__ import annotations

import itertools

import pytest
import sympy as sp

from symbackprop import MLP, backprop, direct
from symbackprop.activations import phi_prime
from symbackprop.derive import output_delta
from symbackprop.losses import softmax

SETTINGS = [
    dict(activation=activation, bias=bias)
    for activation, bias in itertools.product(["phi", "sigmoid", "tanh", "relu", "identity"], [False, True])
]


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: f"{s['activation']}-{'bias' if s['bias'] else 'nobias'}")
def test_both_derivations_return_every_parameter(settings):
    net = MLP([2, 2, 1], **settings)
    for gradients in (direct(net), backprop(net)):
        assert list(gradients) == list(net.parameters)
        assert gradients.matrix(1).shape == (2, 2)


def test_output_delta_is_the_derivative_of_the_squared_loss():
    net = MLP([2, 2])
    assert list(output_delta(net)) == [2 * a - 2 * y for a, y in zip(net.a(1), net.y)]


def test_softmax_output_delta_is_q_minus_p_for_one_hot_targets():
    """L22: the gradient with respect to the softmax inputs is q − p when p is one-hot."""
    net = MLP([2, 3], loss="cross_entropy")
    delta = output_delta(net)
    one_hot = {net.y[0]: 0, net.y[1]: 1, net.y[2]: 0}
    assert [sp.expand(d.xreplace(one_hot)) for d in delta] == [net.q[0], net.q[1] - 1, net.q[2]]


def test_softmax_output_delta_written_with_q_equals_the_derivative_in_a():
    net = MLP([2, 3], loss="kl")
    q_values = dict(zip(net.q, softmax(list(net.a(1)))))
    for delta, a in zip(output_delta(net), net.a(1)):
        assert sp.simplify(delta.xreplace(q_values) - sp.diff(net.e_explicit, a)) == 0


def test_recursion_steps_are_the_lecture_matrices():
    net = MLP([2, 3, 2, 1], bias=True)
    steps = backprop(net).steps
    diag2 = sp.diag(*[phi_prime(z) for z in net.z(2)])
    assert steps.Diag[2] == diag2
    assert steps.V[2] == net.W(2).T * diag2  # V^{ℓ} = (W^{ℓ})^T Diag(φ^{ℓ}')
    assert steps.delta[1] == steps.V[2] * steps.delta_symbols[2]  # δ^1 = V^2 δ^2
    assert steps.weight_gradients[2] == diag2 * steps.delta_symbols[2] * net.a(1).T
    assert steps.bias_gradients[2] == diag2 * steps.delta_symbols[2]


def test_delta_expands_to_the_product_of_v_matrices():
    """L10: δ^ℓ = V^{ℓ+1} V^{ℓ+2} ⋯ V^L δ^L."""
    net = MLP([2, 2, 2, 2])
    steps = backprop(net).steps
    product = steps.V[2] * steps.V[3] * steps.output_delta
    assert sp.expand(steps.delta_expanded(1) - product) == sp.zeros(2, 1)


def test_bias_gradient_is_diag_phi_prime_times_delta():
    """L12 (the homework): ∇_{b^ℓ} e = Diag(φ^ℓ') δ^ℓ, i.e. the weight gradient without a^{ℓ-1}."""
    net = MLP([2, 2, 1], activation="sigmoid", bias=True)
    g = backprop(net)
    a1 = net.a(1)
    for i in range(2):
        for j in range(2):
            assert sp.simplify(g[net.W(1)[i, j]] - g[net.b(1)[i]] * net.x[j]) == 0
        assert sp.simplify(g[net.W(2)[0, i]] - g[net.b(2)[0]] * a1[i]) == 0


def test_concrete_activation_gradients_use_the_derivative_formula():
    net = MLP([1, 1], activation="sigmoid")
    (a,), (x,), (y,) = net.a(1), net.x, net.y
    assert sp.expand(backprop(net)[net.W(1)[0, 0]] - 2 * (a - y) * a * (1 - a) * x) == 0


def test_gradients_accept_parameter_names():
    net = MLP([2, 2, 1], bias=True)
    g = backprop(net)
    assert g["b^2_1"] == g[net.b(2)[0]]
