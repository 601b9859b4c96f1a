"""prove(): exact identities on every combination, and refutations — with real counterexamples —
of deliberately wrong recursions.  A checker that cannot fail proves nothing."""

from __future__ import annotations

import dataclasses
import itertools

import pytest
import sympy as sp

from symbackprop import MLP, ShapeError, backprop
from symbackprop.activations import ACTIVATIONS, Activation, phi_prime
from symbackprop.derive import backprop_steps, gradients_from_steps
from symbackprop.proof import derivative_lemma, prove

from . import reference
from .network_points import arrays_from_point

NETWORKS = [
    *[
        ([3, 3, 2], dict(activation=activation, bias=bias))
        for activation, bias in itertools.product(["phi", "sigmoid", "tanh", "relu", "identity"], [False, True])
    ],
    *[([3, 2, 3], dict(activation=a, loss=loss, bias=b)) for a in ("phi", "tanh") for loss in ("kl", "cross_entropy") for b in (False, True)],
    *[([2, 2, 1], dict(activation=a, loss="logistic", bias=b)) for a in ("phi", "relu") for b in (False, True)],
    ([2, 3, 2, 2], dict(activation=["relu", "tanh", "identity"], bias=True)),
]


@pytest.mark.parametrize("sizes, settings", NETWORKS, ids=lambda v: str(v))
def test_backprop_equals_direct_exactly_for_every_activation_loss_and_bias(sizes, settings):
    proof = prove(MLP(sizes, **settings))
    assert proof.holds, proof.report()
    assert all(entry.status == "proved" for entry in proof.entries)
    assert all(lemma.holds for lemma in proof.lemmas)
    assert proof.spot_check.max_abs_difference < 1e-12


def test_generic_phi_proof_needs_no_lemma_and_says_it_holds_for_every_phi():
    proof = prove(MLP([4, 4, 4, 2]))
    assert proof.holds and proof.lemmas == ()
    assert "for every φ" in proof.method


def test_spot_check_is_reported_as_numeric_not_as_proof():
    text = prove(MLP([2, 2, 1])).report()
    assert "spot check (not a proof)" in text


# --- mutations -------------------------------------------------------------------------------------

def _mutate(net, **changes):
    steps = backprop_steps(net)
    return gradients_from_steps(dataclasses.replace(steps, **changes), method="mutant")


def _recurse(net, steps, V):
    delta = dict(steps.delta)
    for layer in range(net.depth - 1, 0, -1):
        delta[layer] = sp.ImmutableMatrix(V[layer + 1] * steps.delta_symbols[layer + 1])
    return delta


def _w_instead_of_w_transpose(net):
    steps = backprop_steps(net)
    V = {layer: sp.ImmutableMatrix(net.W(layer) * steps.Diag[layer]) for layer in steps.V}
    return _mutate(net, V=V, delta=_recurse(net, steps, V))


def _dropped_phi_prime_in_v(net):
    steps = backprop_steps(net)
    V = {layer: sp.ImmutableMatrix(net.W(layer).T) for layer in steps.V}
    return _mutate(net, V=V, delta=_recurse(net, steps, V))


def _dropped_phi_prime_in_gradient(net):
    steps = backprop_steps(net)
    return _mutate(net, weight_gradients={l: sp.ImmutableMatrix(steps.delta_symbols[l] * net.a(l - 1).T) for l in steps.weight_gradients})


def _off_by_one_layer(net):
    """Diag(φ^{ℓ+1}') in place of Diag(φ^ℓ') in the weight gradients below the output layer."""
    steps = backprop_steps(net)
    wrong = dict(steps.weight_gradients)
    for layer in range(1, net.depth):
        wrong[layer] = sp.ImmutableMatrix(steps.Diag[layer + 1] * steps.delta_symbols[layer] * net.a(layer - 1).T)
    return _mutate(net, weight_gradients=wrong)


def _sign_flip_in_output_delta(net):
    steps = backprop_steps(net)
    return _mutate(net, output_delta=-steps.output_delta, delta={**steps.delta, net.depth: -steps.output_delta})


def _half_output_delta(net):
    """The ½ convention: forgetting the lecture's loss has no ½."""
    steps = backprop_steps(net)
    half = steps.output_delta / 2
    return _mutate(net, output_delta=half, delta={**steps.delta, net.depth: half})


def _bias_gradient_with_extra_activation(net):
    steps = backprop_steps(net)
    wrong = {layer: sp.ImmutableMatrix(value * net.a(layer - 1)[0]) for layer, value in steps.bias_gradients.items()}
    return _mutate(net, bias_gradients=wrong)


MUTANTS = [
    _w_instead_of_w_transpose,
    _dropped_phi_prime_in_v,
    _dropped_phi_prime_in_gradient,
    _off_by_one_layer,
    _sign_flip_in_output_delta,
    _half_output_delta,
    _bias_gradient_with_extra_activation,
]


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.__name__.strip("_"))
@pytest.mark.parametrize("activation", ["phi", "sigmoid"])
def test_prove_refutes_wrong_recursions_with_a_counterexample(mutant, activation):
    net = MLP([3, 3, 3, 3], activation=activation, bias=True)
    proof = prove(net, mutant(net))
    assert not proof.holds
    assert proof.counterexamples, proof.report()
    assert "REFUTED" in proof.report()


def test_counterexample_is_real_by_an_independent_finite_difference():
    """The reported 'direct' number is ∂e/∂θ at the point (checked with plain NumPy, φ = tanh);
    the wrong candidate's number differs from it."""
    net = MLP([2, 2, 2], bias=True)
    proof = prove(net, _dropped_phi_prime_in_v(net))
    example = proof.counterexamples[0]
    assert example.phi in ("tanh", "sin", "softplus")
    if example.phi != "tanh":
        pytest.skip("counterexample found with a φ the reference does not model")
    params, x, y = arrays_from_point(net, example.point)
    info = net.parameter_info(example.parameter)
    key, index = (f"W{info.layer}", (info.i - 1, info.j - 1)) if info.kind == "w" else (f"b{info.layer}", (info.i - 1,))
    numeric = reference.finite_difference(lambda p: reference.loss(p, x, y, ["phi", "phi"], "squared", False), params, key, index)
    assert numeric == pytest.approx(example.direct_value, rel=1e-6, abs=1e-8)
    assert abs(example.candidate_value - numeric) > 1e-4


def test_dropping_phi_prime_is_correct_for_identity_layers_and_prove_agrees():
    """A candidate that is right for this network must be proved, even if it is wrong in general."""
    net = MLP([2, 2, 1], activation="identity")
    assert prove(net, _dropped_phi_prime_in_gradient(net)).holds


def test_wrong_derivative_lemma_makes_the_proof_fail():
    wrong = Activation(
        name="sigmoid",
        latex=r"\sigma",
        description="sigmoid with a wrong derivative formula",
        apply=ACTIVATIONS["sigmoid"].apply,
        definition=ACTIVATIONS["sigmoid"].definition,
        derivative=lambda z, a: a * (1 + a),
        derivative_latex="",
    )
    assert not derivative_lemma(wrong).holds
    assert all(derivative_lemma(activation).holds for activation in ACTIVATIONS.values() if not activation.generic)


def test_equal_but_not_provably_equal_candidate_is_undecided_not_proved():
    """σ'(z) typed as e^{-z}/(1+e^{-z})² agrees numerically but is not a polynomial identity in the
    layer atoms: the proof must say 'undecided', never 'proved'."""
    net = MLP([1, 1], activation="sigmoid")
    (z,), (x,), (y,), (a,) = net.z(1), net.x, net.y, net.a(1)
    candidate = {net.W(1)[0, 0]: 2 * (a - y) * sp.exp(-z) / (1 + sp.exp(-z)) ** 2 * x}
    proof = prove(net, candidate)
    assert not proof.holds
    assert proof.entries[0].status == "undecided"
    assert "not a proof" in proof.entries[0].method


def test_candidate_mapping_may_use_phi_prime_notation_and_names():
    net = MLP([1, 1])
    (z,), (x,), (y,), (a,) = net.z(1), net.x, net.y, net.a(1)
    assert prove(net, {"w^1_11": 2 * (a - y) * phi_prime(z) * x}).holds
    assert not prove(net, {"w^1_11": (a - y) * phi_prime(z) * x}).holds


def test_incomplete_or_foreign_candidates_are_rejected_clearly():
    net = MLP([2, 1])
    with pytest.raises(ShapeError, match="lack entries"):
        prove(net, {"w^1_11": sp.Integer(0)})
    with pytest.raises(ShapeError, match="different network"):
        prove(net, backprop(MLP([2, 1])))
    with pytest.raises(TypeError, match="SymPy expression"):
        prove(net, {"w^1_11": "x", "w^1_12": "y"})


# --- one entry at a time (used by the answer checker) -----------------------------------------------

def test_compare_entry_proves_a_right_entry_and_refutes_a_wrong_one_with_a_counterexample():
    from symbackprop.proof import compare_entry

    net = MLP([2, 2, 1], activation="sigmoid", bias=True)
    (a,), (y,) = net.a(2), net.y
    right = 2 * (a - y) * a * (1 - a)
    assert compare_entry(net, "b^2_1", right).status == "proved"
    wrong = compare_entry(net, "b^2_1", (a - y) * a * (1 - a))
    assert wrong.status == "differs"
    example = wrong.counterexample
    assert example.direct_value == pytest.approx(2 * example.candidate_value)


def test_compare_entry_reports_numeric_agreement_as_undecided_with_its_point_count():
    from symbackprop.proof import compare_entry

    net = MLP([1, 1], activation="sigmoid")
    (z,), (x,), (y,), (a,) = net.z(1), net.x, net.y, net.a(1)
    result = compare_entry(net, "w^1_11", 2 * (a - y) * sp.exp(-z) / (1 + sp.exp(-z)) ** 2 * x, tries=4)
    assert result.status == "undecided" and result.points == 4
    assert "not a proof" in result.method


def test_exact_identity_finds_a_rational_identity_and_says_none_for_a_wrong_one():
    from symbackprop.proof import RATIONAL_IDENTITY, exact_identity

    net = MLP([1, 1], activation="sigmoid")
    (a,), (y,), (x,) = net.a(1), net.y, net.x
    right = 2 * (a - y) * a * (1 - a) * x
    one = 1 / (1 + a) + a / (1 + a)  # = 1, but only over a common denominator
    assert exact_identity(net, right * one, "w^1_11") == RATIONAL_IDENTITY
    assert exact_identity(net, right * 2, "w^1_11") is None
    with pytest.raises(TypeError):
        exact_identity(net, 1.5j, "w^1_11")
