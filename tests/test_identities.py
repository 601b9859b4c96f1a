"""L7–L10 and L13, each checked as an exact identity — and shown to fail when the formula is wrong."""

from __future__ import annotations

import pytest
import sympy as sp

from symbackprop import MLP
from symbackprop.activations import phi_prime
from symbackprop.derive import direct_wrt
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
    above = [direct_wrt(net, net.a(2)[m]) for m in range(2)]
    correct = direct_wrt(net, net.a(1)[0])
    right = sum(above[m] * phi_prime(net.z(2)[m]) * net.W(2)[m, 0] for m in range(2))
    no_phi = sum(above[m] * net.W(2)[m, 0] for m in range(2))
    transposed = sum(above[m] * phi_prime(net.z(2)[m]) * net.W(2)[0, m] for m in range(2))
    assert sp.expand(correct - right) == 0
    assert sp.expand(correct - no_phi) != 0 and sp.expand(correct - transposed) != 0


def test_direct_pre_activation_derivative_is_delta_times_phi_prime_at_the_output():
    net = MLP([1, 1])
    (a,), (y,), (z,) = net.a(1), net.y, net.z(1)
    assert sp.expand(direct_wrt(net, z) - 2 * (a - y) * phi_prime(z)) == 0
