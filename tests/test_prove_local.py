"""The layer-local proof: its steps compose to the direct derivative, it agrees with the full expansion
where both run, it proves deep networks the full expansion cannot reach, and it refutes every wrong
recursion there — naming the failing step, with counterexamples checked by finite differences."""

from __future__ import annotations

import dataclasses
import random
import sys

import pytest
import symengine as se
import sympy as sp

from symbackprop import MLP
from symbackprop.derive import Gradients, backprop, backprop_steps, direct, gradients_from_steps
from symbackprop.proof import prove
from symbackprop.notation import plain_name
from symbackprop.proof_local import (
    FULL_EXPANSION,
    FULL_EXPANSION_BUDGET,
    FULL_EXPANSION_ENTRY_LIMIT,
    ExpressionMatcher,
    full_expansion_plan,
    layer_steps,
)

from . import reference
from .network_points import arrays_from_point
from .test_prove import MUTANTS, NETWORKS

DEEP = [4] * 9  # 8 layers: ∂e/∂w^1_ij has 4^7·… terms expanded, far beyond the full expansion's limit

# which local steps each wrong recursion breaks: the base δ^L, a δ^ℓ step, or a gradient entry
BROKEN_STEP = {
    "_w_instead_of_w_transpose": "delta",
    "_dropped_phi_prime_in_v": "delta",
    "_dropped_phi_prime_in_gradient": "gradient",
    "_off_by_one_layer": "gradient",
    "_sign_flip_in_output_delta": "output",
    "_half_output_delta": "output",
    "_bias_gradient_with_extra_activation": "gradient",
}


def _entries(gradients: Gradients) -> dict:
    return {p: gradients.engine_expression(p) for p in gradients.network.parameters}


def _without_recursion(gradients: Gradients) -> Gradients:
    """The same entries with no recursion attached: only the full expansion can judge them."""
    return Gradients(gradients.network, gradients.method, _entries(gradients))


# --- the chain itself -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "sizes, settings",
    [
        ([2, 3, 2], {}),
        ([3, 3, 3, 2], dict(activation="sigmoid", bias=True)),
        ([3, 2, 3], dict(activation="tanh", loss="kl", bias=True)),
        ([3, 2, 3], dict(loss="cross_entropy")),
        ([2, 2, 1], dict(activation="relu", loss="logistic", bias=True)),
        ([2, 3, 2, 2], dict(activation=["relu", "tanh", "identity"], bias=True)),
    ],
    ids=str,
)
def test_local_steps_substituted_top_down_are_exactly_the_direct_derivative(sizes, settings):
    """What the chain takes as given, checked where the full derivative can be built: holding the layer
    above as symbols and substituting its direct derivatives back gives SymEngine's derivative of the
    whole composed loss, identically."""
    net = MLP(sizes, **settings)
    steps = layer_steps(net)
    values = {held: steps.output(i) for i, held in enumerate(steps.held(net.depth))}
    for layer in range(net.depth - 1, 0, -1):
        values.update({held: steps.activation(layer, i).xreplace(values) for i, held in enumerate(steps.held(layer))})
    derivatives = direct(net)
    for parameter in net.parameters:
        difference = derivatives.engine_expression(parameter) - steps.parameter(parameter).xreplace(values)
        numerator, _ = difference.as_numer_denom()
        assert se.expand(numerator) == 0, parameter


@pytest.mark.parametrize(
    "activation, loss, softmax",
    [("phi", "squared", False), ("sigmoid", "squared", False), ("tanh", "cross_entropy", True), ("relu", "squared", False)],
)
def test_chain_rule_numbers_on_a_deep_network_match_finite_differences(activation, loss, softmax):
    """The direct ∂e/∂θ composed numerically from the local steps (used for counterexamples and the spot
    check) against central differences of a plain NumPy forward pass, for every parameter of 8 layers."""
    net = MLP([3] * 8 + [3], activation=activation, bias=True, output="softmax" if softmax else None, loss=loss)
    rng = random.Random(3)
    point = {s.name: rng.uniform(-1.5, 1.5) for s in (*net.parameters, *net.x)}
    point.update({s.name: float(j == 1) if softmax else rng.uniform(-1, 1) for j, s in enumerate(net.y)})
    gradient = layer_steps(net).gradient_at(point, "tanh")
    params, x, y = arrays_from_point(net, point)
    names = [net.activation(layer).name for layer in range(1, net.depth + 1)]

    def loss_of(p):  # noqa: ANN001, ANN202
        return reference.loss(p, x, y, names, loss, softmax)

    for parameter in net.parameters:
        info = net.parameter_info(parameter)
        key, index = (f"W{info.layer}", (info.i - 1, info.j - 1)) if info.kind == "w" else (f"b{info.layer}", (info.i - 1,))
        assert reference.finite_difference(loss_of, params, key, index) == pytest.approx(gradient[parameter], rel=1e-5, abs=1e-8)


# --- proving ----------------------------------------------------------------------------------------

def test_deep_network_is_proved_by_the_chain_and_the_full_expansion_where_it_fits():
    net = MLP([8] * 7 + [4])  # the full expansion alone did not finish this network in 300 s
    plan = full_expansion_plan(_entries(backprop(net)), layer_steps(net))
    proof = prove(net)
    assert proof.holds, proof.report()
    assert all(step.holds for step in proof.local_steps)
    assert len(proof.local_steps) == 8 * 6 + 4 + len(net.parameters)  # δ^ℓ for ℓ < L, δ^L, one per entry
    for entry in proof.entries:
        assert entry.methods[0].startswith("layer-local chain") and "for every φ" in entry.methods[0]
        assert (entry.parameter in plan) == any(method.startswith(FULL_EXPANSION) for method in entry.methods)
    layer_one = [p for p in net.parameters if net.parameter_info(p).layer == 1]
    assert not any(p in plan for p in layer_one)
    assert all(net.parameter_info(p).layer >= 3 for p in plan) and sum(plan.values()) <= FULL_EXPANSION_BUDGET
    counts = proof.method_counts()
    assert counts == {"layer-local": len(net.parameters), FULL_EXPANSION: len(plan)}
    report = proof.report()
    assert f"layer-local chain: {len(net.parameters)}/{len(net.parameters)} entries" in report
    assert f"full expansion: {len(plan)}/{len(net.parameters)} entries" in report and "By layer" in report
    assert proof.spot_check.max_abs_difference < 1e-12


def test_full_expansion_estimate_bounds_the_real_expansion():
    """The plan's estimate (direct composed from the local steps, plus the candidate) is an upper bound
    on the terms the full expansion really produces."""
    net = MLP([3, 3, 3, 3, 2], activation="sigmoid")
    steps = layer_steps(net)
    candidate = _entries(backprop(net))
    plan = full_expansion_plan(candidate, steps, budget=10**9)
    derivatives = direct(net)
    for parameter in net.parameters:
        sides = (derivatives.engine_expression(parameter), candidate[parameter])
        expanded = [se.expand(steps.engine.concretise(side)) for side in sides]
        terms = sum(len(e.args) if isinstance(e, se.Add) else 1 for e in expanded)
        assert terms <= plan[parameter]


@pytest.mark.parametrize("sizes, settings", NETWORKS, ids=lambda v: str(v))
def test_each_method_alone_proves_backprop_on_every_combination(sizes, settings):
    net = MLP(sizes, **settings)
    local = prove(net, full_expansion=False)
    assert local.holds, local.report()
    assert all(len(entry.methods) == 1 and entry.methods[0].startswith("layer-local") for entry in local.entries)
    both = prove(net, full_expansion=True)
    assert both.holds and all(len(entry.methods) == 2 for entry in both.entries)


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.__name__.strip("_"))
@pytest.mark.parametrize("activation", ["phi", "sigmoid"])
def test_the_two_methods_agree_entry_by_entry_on_wrong_recursions(mutant, activation):
    net = MLP([3, 3, 3, 3], activation=activation, bias=True)
    gradients = mutant(net)
    local = prove(net, gradients, full_expansion=False)
    full = prove(net, _without_recursion(gradients), full_expansion=True)
    assert not local.holds and not full.holds
    assert [entry.status for entry in local.entries] == [entry.status for entry in full.entries]


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.__name__.strip("_"))
@pytest.mark.parametrize("activation", ["phi", "sigmoid", "relu"])
def test_layer_local_method_refutes_each_wrong_recursion_on_a_deep_network(mutant, activation):
    net = MLP(DEEP, activation=activation, bias=True)
    gradients = mutant(net)
    plan = full_expansion_plan(_entries(gradients), layer_steps(net))
    assert not any(net.parameter_info(p).layer == 1 for p in plan)  # too large for the full expansion

    proof = prove(net, gradients, full_expansion=False)
    assert not proof.holds and "REFUTED" in proof.report()
    failing = [step for step in proof.local_steps if not step.holds]
    assert failing and {step.kind for step in failing} == {BROKEN_STEP[mutant.__name__]}
    refuted = [entry for entry in proof.entries if entry.status == "differs"]
    assert refuted and all(entry.counterexample is not None and entry.step for entry in refuted)
    assert any(net.parameter_info(entry.parameter).layer == 1 for entry in refuted)
    assert all(entry.status != "proved" for entry in proof.entries if entry.step is not None)
    if activation != "relu":  # at random points of a deep ReLU network some paths are dead (then: undecided)
        assert all(entry.status in ("differs", "proved") for entry in proof.entries)
    first = failing[0]
    assert f"layer {first.layer}, {first.entry}" in proof.report() and "FAILS" in proof.report()


def test_deep_counterexample_is_real_by_finite_differences():
    """A wrong recursion on 8 layers: the counterexample's direct value is ∂e/∂θ at its point (plain
    NumPy, central differences) and the candidate's number differs from it."""
    net = MLP(DEEP, bias=True)
    proof = prove(net, MUTANTS[1](net), full_expansion=False)  # φ' dropped from V
    examples = [e for e in proof.counterexamples if net.parameter_info(e.parameter).layer == 1 and e.phi == "tanh"]
    assert examples
    for example in examples[:4]:
        params, x, y = arrays_from_point(net, example.point)
        info = net.parameter_info(example.parameter)
        key, index = (f"W{info.layer}", (info.i - 1, info.j - 1)) if info.kind == "w" else (f"b{info.layer}", (info.i - 1,))
        numeric = reference.finite_difference(
            lambda p: reference.loss(p, x, y, ["phi"] * net.depth, "squared", False), params, key, index
        )
        assert numeric == pytest.approx(example.direct_value, rel=1e-5, abs=1e-9)
        assert abs(example.candidate_value - numeric) > 1e3 * abs(numeric - example.direct_value) + 1e-9


def test_deep_refutation_with_the_full_expansion_on_the_upper_layers():
    """Default settings: the failing step is named, upper entries are refuted by both methods' numbers,
    and the entries the full expansion cannot reach are refuted by the chain's."""
    net = MLP([4] * 7, bias=True)
    proof = prove(net, MUTANTS[4](net))  # δ^L with its sign flipped
    assert not proof.holds
    assert all(entry.status == "differs" and entry.counterexample for entry in proof.entries)
    assert all(entry.step and "δ^6_" in entry.step for entry in proof.entries)
    chain_refuted = [entry for entry in proof.entries if "chain of local derivatives" in entry.method]
    assert chain_refuted and all(net.parameter_info(entry.parameter).layer <= 3 for entry in chain_refuted)


def test_compensating_errors_are_proved_by_the_full_expansion_and_never_refuted_by_the_chain():
    """δ^L doubled and every gradient halved: each entry is right although two kinds of local step fail.
    The chain cannot prove such entries; the full expansion does, and nothing is called different."""
    def compensated(net):  # noqa: ANN001, ANN202
        steps = backprop_steps(net)
        doubled = steps.delta[net.depth] * 2
        return gradients_from_steps(
            dataclasses.replace(
                steps,
                output_delta=doubled,
                delta={**steps.delta, net.depth: doubled},
                weight_gradients={layer: value / 2 for layer, value in steps.weight_gradients.items()},
            ),
            method="compensated",
        )

    small = MLP([3, 3, 2])
    proof = prove(small, compensated(small))
    assert proof.holds
    assert any(not step.holds for step in proof.local_steps)
    assert all(entry.methods and entry.methods[0].startswith(FULL_EXPANSION) for entry in proof.entries)

    deep = MLP(DEEP)
    proof = prove(deep, compensated(deep), full_expansion=False)
    assert not proof.holds and not proof.counterexamples and "NOT PROVED" in proof.report()
    assert all(entry.status == "undecided" and "not a proof" in entry.method and entry.step for entry in proof.entries)
    assert all("full expansion not asked for" in entry.method for entry in proof.entries)


def test_candidate_without_recursion_on_a_deep_network_is_refuted_or_left_undecided_never_proved():
    net = MLP(DEEP)
    right = _without_recursion(backprop(net))
    proof = prove(net, right)
    assert not proof.holds
    unreachable = [entry for entry in proof.entries if not entry.methods]
    assert unreachable and all(entry.status == "undecided" and "no recursion" in entry.method for entry in unreachable)
    assert all(entry.status == "proved" for entry in proof.entries if entry.methods)
    wrong = {p: sp.Integer(0) for p in net.parameters}
    refuted = prove(net, wrong)
    assert all(entry.status == "differs" for entry in refuted.entries)


def test_full_expansion_plan_respects_its_limits():
    net = MLP([8] * 8 + [4])
    candidate = _entries(backprop(net))
    plan = full_expansion_plan(candidate, layer_steps(net))
    assert plan and sum(plan.values()) <= FULL_EXPANSION_BUDGET and max(plan.values()) <= FULL_EXPANSION_ENTRY_LIMIT
    assert not full_expansion_plan(candidate, layer_steps(net), budget=0)


def test_entries_that_are_not_their_recursions_substitution_are_not_proved_by_the_chain():
    """A Gradients that carries the lecture's recursion but holds a wrong recursion's entries: the chain
    proves the recursion, not these entries, and must say so; the numbers then refute them."""
    net = MLP(DEEP, bias=True)
    wrong = MUTANTS[1](net)  # φ' dropped from V
    forged = Gradients(net, "forged", _entries(wrong), recursion=backprop_steps(net, generic=True))
    proof = prove(net, forged, full_expansion=False)
    assert not proof.holds
    unlinked = [step for step in proof.local_steps if step.kind == "entry"]
    assert unlinked and all(not step.holds for step in unlinked)
    assert all(step.holds for step in proof.local_steps if step.kind != "entry")
    wrong_entries = [entry for entry in proof.entries if entry.status != "proved"]
    assert wrong_entries and all(entry.status == "differs" and "recursion's entry" in entry.step for entry in wrong_entries)
    honest = Gradients(net, "honest", _entries(backprop(net)), recursion=backprop_steps(net, generic=True))
    assert prove(net, honest, full_expansion=False).holds


def test_clearing_the_caches_forgets_the_layer_steps_built_on_the_old_engine():
    from symbackprop.derive import clear_caches
    from symbackprop.proof_local import layer_steps

    net = MLP([2, 2, 1])
    before = layer_steps(net)
    assert layer_steps(net) is before
    clear_caches()
    after = layer_steps(net)
    assert after is not before and after.engine is not before.engine
    assert prove(net).holds


def _tampered(net: MLP, engine) -> tuple[dict, set]:  # noqa: ANN001
    """The honest entries with w^1_11's target y_1 made y_2 deep inside δ^L, and w^2_11, w^2_12 swapped."""
    entries = _entries(backprop(net))
    first, second, third = net.W(1)[0, 0], net.W(2)[0, 0], net.W(2)[0, 1]
    y1, y2 = engine.symbol[net.y[0]], engine.symbol[net.y[1]]
    entries[first] = entries[first].xreplace({y1: y2})
    entries[second], entries[third] = entries[third], entries[second]
    return entries, {first, second, third}


@pytest.mark.parametrize("force_equal_hashes", [False, True], ids=["real hashes", "every hash forced equal"])
def test_entry_link_rejects_a_perturbed_or_swapped_entry_node_by_node(monkeypatch, force_equal_hashes):
    """The link from the chain to each entry compares the candidate with the rebuilt entry node by node: a
    deep atom changed or two entries swapped are not proved by the chain, even when every hash is made
    equal (the hash is only a fast refusal); the untouched entries stay proved."""
    dag = sys.modules[ExpressionMatcher.__module__]  # the matcher's module, to shadow the hash it calls
    net = MLP([3, 3, 3, 2], bias=True)
    engine = layer_steps(net).engine
    entries, tampered = _tampered(net, engine)
    if force_equal_hashes:
        monkeypatch.setattr(dag, "hash", lambda node: 0, raising=False)
    forged = Gradients(net, "forged", entries, recursion=backprop_steps(net, generic=True))
    proof = prove(net, forged, full_expansion=False)
    unlinked = {step.entry for step in proof.local_steps if step.kind == "entry"}
    assert unlinked == {plain_name(parameter.name) for parameter in tampered}
    assert all(not step.holds for step in proof.local_steps if step.kind == "entry")
    for entry in proof.entries:
        if entry.parameter in tampered:
            assert entry.status == "differs" and "recursion's entry" in entry.step and entry.counterexample
        else:
            assert entry.status == "proved" and entry.methods[0].startswith("layer-local chain")
    assert prove(net, Gradients(net, "honest", _entries(backprop(net)), recursion=backprop_steps(net, generic=True)), full_expansion=False).holds


def test_entry_link_proves_a_deep_candidate_built_separately_from_the_rebuilt_one():
    """The candidate's DAG and the proof's rebuilt one are separate builds (no shared nodes): the link
    matches them exactly on a deep network, entry by entry."""
    net = MLP([8] * 8 + [4])
    separate = gradients_from_steps(backprop_steps(net, generic=True))
    proof = prove(net, separate, full_expansion=False)
    assert proof.holds and not [step for step in proof.local_steps if step.kind == "entry"]


def test_entry_with_the_output_error_flipped_hashes_alike_and_is_not_proved_by_the_chain():
    """SymEngine hashes a sum without pairing its coefficients to its terms, so δ^L_1 = 2(a^L_1 − y_1)
    turned into 2(y_1 − a^L_1) — the sign of the whole gradient flipped — keeps every entry's hash.
    A hash guard would let the chain prove these entries; the node-by-node link refuses them."""
    net = MLP([3, 3, 3, 2], bias=True)
    engine = layer_steps(net).engine
    output, target = engine.a_atoms[net.depth][0], engine.symbol[net.y[0]]
    entries = _entries(backprop(net))
    flipped = {net.W(1)[0, 0], net.W(3)[0, 0], net.b(2)[1]}
    for parameter in flipped:
        original = entries[parameter]
        entries[parameter] = original.xreplace({output: target, target: output})
        assert hash(entries[parameter]) == hash(original) and entries[parameter] != original
    forged = Gradients(net, "forged", entries, recursion=backprop_steps(net, generic=True))
    proof = prove(net, forged, full_expansion=False)
    assert not proof.holds
    assert {step.entry for step in proof.local_steps if step.kind == "entry"} == {plain_name(p.name) for p in flipped}
    assert all(entry.status == ("differs" if entry.parameter in flipped else "proved") for entry in proof.entries)
