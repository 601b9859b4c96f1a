"""L7–L10 and L13, each checked as an exact identity — and shown to fail when the formula is wrong."""

from __future__ import annotations

import pytest
import symengine as se

from symbackprop import MLP
from symbackprop._kernel.engine import engine_for
from symbackprop.lecture.identities import chain_rule_identities


@pytest.mark.parametrize(
    "sizes, settings",
    [([2, 3, 2, 2], dict(bias=True)), ([3, 2, 3], dict(loss="kl", activation="tanh")), ([2, 2, 1], dict(loss="logistic", bias=True))],
    ids=str,
)
def test_every_chain_rule_formula_holds_exactly(sizes, settings):
    checks = chain_rule_identities(MLP(sizes, **settings))
    assert [c.item for c in checks] == ["L7", "L8", "L9", "L10", "L13"]
    assert all(c.holds and c.instances > 0 for c in checks)


def test_l9_without_phi_prime_or_with_w_instead_of_w_transpose_fails():
    net = MLP([2, 2, 2])
    engine = engine_for(net)
    above = [engine.direct_wrt_activation(2, m) for m in range(2)]
    correct = engine.direct_wrt_activation(1, 0)
    no_phi = se.add(*[above[m] * engine.symbol[net.W(2)[m, 0]] for m in range(2)])
    transposed = se.add(*[above[m] * engine.d_atoms[2][m] * engine.symbol[net.W(2)[0, m]] for m in range(2)])
    assert se.expand(correct - no_phi) != 0 and se.expand(correct - transposed) != 0


def test_direct_pre_activation_derivative_is_delta_times_phi_prime_at_the_output():
    net = MLP([1, 1])
    engine = engine_for(net)
    (a,), (y,) = engine.a_atoms[1], [engine.symbol[net.y[0]]]
    assert se.expand(engine.direct_wrt_pre_activation(1, 0) - 2 * (a - y) * engine.d_atoms[1][0]) == 0
