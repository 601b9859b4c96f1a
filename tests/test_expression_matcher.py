"""ExpressionMatcher: exact sameness of SymEngine expression DAGs — equal sums in any term order match,
any differing node (class, atom, function name, argument order) does not, the verdict never rests on the
hash, and separately built deep DAGs are compared without walking them as trees."""

from __future__ import annotations

import random
import sys

import pytest
import symengine as se

from symbackprop.proof_local import ExpressionMatcher

dag = sys.modules[ExpressionMatcher.__module__]  # its module, to shadow the hash its pre-filter calls

x, y, z = se.symbols("x y z")
f, g = se.Function("f"), se.Function("g")


def _shuffled_sums() -> tuple[se.Basic, se.Basic]:
    """The same sum of 200 terms, built in two insertion orders (SymEngine then lists them differently)."""
    symbols = se.symbols("s0:200")
    terms = [(k + 1) * s * f(s) for k, s in enumerate(symbols)]
    shuffled = terms[:]
    random.Random(1).shuffle(shuffled)
    return se.Add(*terms), sum(shuffled[50:], se.Integer(0)) + sum(shuffled[:50], se.Integer(0))


def _deep(depth: int, bottom: se.Basic = x) -> se.Basic:
    """A DAG of ``depth`` levels, each node used twice by the next: 2**depth nodes as a tree."""
    node = bottom
    for level in range(depth):
        node = f(node, node) + (level + 2) * y * node
    return node


def test_equal_sums_listed_in_different_orders_match():
    left, right = _shuffled_sums()
    assert left.args != right.args  # the orders really differ, so an ordered comparison would fail here
    assert ExpressionMatcher().same(left, right)


@pytest.mark.parametrize(
    "left, right",
    [
        (f(x), g(x)),  # function names
        (f(x, y), f(y, x)),  # argument order of a function
        (x**2, 2**x),  # base and exponent
        (x - y, y - x),
        (x * y, x * z),
        (se.Integer(1) / 3, se.Integer(2) / 3),
        (se.Dummy("d"), se.Dummy("d")),  # two dummies of one name are different symbols
        (se.sin(x), se.cos(x)),
        (se.log(x), se.tanh(x)),
    ],
    ids=str,
)
def test_expressions_that_differ_in_one_node_do_not_match(left, right):
    assert not ExpressionMatcher().same(left, right)
    assert ExpressionMatcher().same(left, left) and ExpressionMatcher().same(right, right)


def test_the_verdict_does_not_rest_on_the_hash(monkeypatch):
    """With every hash forced equal, the pre-filter lets every pair through and the structure decides."""
    monkeypatch.setattr(dag, "hash", lambda node: 0, raising=False)
    assert dag.hash(x) == dag.hash(y)
    for left, right in [(f(x), g(x)), (x**2, 2**x), (x + y, x + z), (_deep(200), _deep(200, bottom=z))]:
        assert not ExpressionMatcher().same(left, right)
    assert ExpressionMatcher().same(*_shuffled_sums()) and ExpressionMatcher().same(_deep(200), _deep(200))


def test_separately_built_deep_dags_are_compared_node_by_node_once():
    """2**1500 nodes as trees: SymEngine's == would walk them as such; the matcher numbers each shared
    node once, without recursion (no RecursionError at depth 1500)."""
    matcher = ExpressionMatcher()
    left, right = _deep(1500), _deep(1500)
    assert matcher.same(left, right)
    assert not matcher.same(left, _deep(1500, bottom=z))  # only the deepest atom differs
    assert not matcher.same(left, _deep(1500, bottom=x) * 2)
    assert len(matcher._table) < 10 * 1500  # one number per distinct node, not per path


def test_one_matcher_serves_many_pairs_sharing_sub_dags():
    matcher = ExpressionMatcher()
    shared_left, shared_right = _deep(300), _deep(300)
    assert all(matcher.same(shared_left * s, shared_right * s) for s in (x, y, z))
    assert not matcher.same(shared_left * x, shared_right * y)
