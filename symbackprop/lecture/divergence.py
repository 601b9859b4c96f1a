"""Softmax and the KL divergence (L18–L22), derived and decided exactly with SymPy.

Each function returns the SymPy objects it derived together with the verdict, so the claims report
and the LaTeX document can show the evidence rather than assert it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import sympy as sp

from .._kernel.identity import sympy_identity
from ..emit.multiclass import distribution_facts, log_sign
from ..losses import softmax

__all__ = [
    "kl",
    "negative_entropy",
    "cross_entropy",
    "softmax_is_distribution",
    "kl_splits_into_ne_plus_ce",
    "cross_entropy_gradient",
    "kl_asymmetry",
    "kl_triangle_counterexample",
    "log_sign",
    "LECTURE_P",
    "LECTURE_Q",
    "gibbs_inequality",
    "gibbs_two_classes",
    "gibbs_random_check",
]


LECTURE_P = (sp.Rational(1, 4), sp.Rational(3, 4))
LECTURE_Q = (sp.Rational(1, 2), sp.Rational(1, 2))
"""L20's worked example: the lecture's p and q."""


def kl(p: Sequence[sp.Expr], q: Sequence[sp.Expr]) -> sp.Expr:
    """KL(p‖q) = Σ_j p_j log(p_j / q_j), with 0 · log 0 = 0 for entries that are literally 0."""
    return sp.Add(*[p_j * sp.log(p_j / q_j) for p_j, q_j in zip(p, q) if p_j != 0])


def negative_entropy(p: Sequence[sp.Expr]) -> sp.Expr:
    """NE(p) = Σ_j p_j log p_j (0 · log 0 = 0)."""
    return sp.Add(*[p_j * sp.log(p_j) for p_j in p if p_j != 0])


def cross_entropy(p: Sequence[sp.Expr], q: Sequence[sp.Expr]) -> sp.Expr:
    """CE(p, q) = −Σ_j p_j log q_j."""
    return -sp.Add(*[p_j * sp.log(q_j) for p_j, q_j in zip(p, q) if p_j != 0])


def _real_symbols(name: str, count: int, **assumptions: bool) -> tuple[sp.Symbol, ...]:
    return tuple(sp.Symbol(f"{name}_{{{j}}}", **assumptions) for j in range(1, count + 1))


@dataclass(frozen=True)
class SoftmaxFacts:
    """L18: q = softmax(a) sums to 1 and has positive entries, for real a."""

    a: tuple[sp.Symbol, ...]
    q: tuple[sp.Expr, ...]
    total: sp.Expr
    sums_to_one: bool
    positive: bool


def softmax_is_distribution(classes: int = 3) -> SoftmaxFacts:
    """Σ_j q_j simplifies exactly to 1; each q_j is positive by SymPy's assumptions (exp of a real is
    positive, a sum of positives is positive)."""
    a = _real_symbols("a", classes, real=True)
    q, total, positive = distribution_facts(a)
    return SoftmaxFacts(a, tuple(q), total, total == 1, positive)


@dataclass(frozen=True)
class KLSplit:
    """L22: KL(p‖q) = NE(p) + CE(p, q), exactly, for positive p, q."""

    kl: sp.Expr
    ne: sp.Expr
    ce: sp.Expr
    holds: bool
    one_hot_ne: sp.Expr


def kl_splits_into_ne_plus_ce(classes: int = 3) -> KLSplit:
    p = _real_symbols("p", classes, positive=True)
    q = _real_symbols("q", classes, positive=True)
    divergence, ne, ce = kl(p, q), negative_entropy(p), cross_entropy(p, q)
    holds = sympy_identity(divergence, ne + ce)
    one_hot = [sp.Integer(1)] + [sp.Integer(0)] * (classes - 1)
    return KLSplit(divergence, ne, ce, holds, sp.simplify(negative_entropy(one_hot)))


@dataclass(frozen=True)
class CrossEntropyGradient:
    """L22: ∂CE(p, softmax(a))/∂a_j = q_j Σ_k p_k − p_j, which is q_j − p_j when Σ_k p_k = 1."""

    gradient: tuple[sp.Expr, ...]
    general_form_holds: bool
    one_hot_form_holds: bool


def cross_entropy_gradient(classes: int = 3) -> CrossEntropyGradient:
    a = _real_symbols("a", classes, real=True)
    p = _real_symbols("p", classes, nonnegative=True)
    q = softmax(list(a))
    loss = cross_entropy(p, q)
    gradient = tuple(sp.diff(loss, a_j) for a_j in a)
    general = all(sympy_identity(g, q_j * sp.Add(*p) - p_j) for g, q_j, p_j in zip(gradient, q, p))
    one_hot = all(
        sympy_identity(g.xreplace(dict(zip(p, row))), q_j - row[j])
        for row in (tuple(sp.Integer(int(i == c)) for i in range(classes)) for c in range(classes))
        for j, (g, q_j) in enumerate(zip(gradient, q))
    )
    return CrossEntropyGradient(gradient, general, one_hot)


@dataclass(frozen=True)
class Asymmetry:
    """L20: KL(p‖q) and KL(q‖p) for the lecture's p = (1/4, 3/4), q = (1/2, 1/2), in closed form."""

    p: tuple[sp.Rational, ...]
    q: tuple[sp.Rational, ...]
    forward: sp.Expr
    backward: sp.Expr
    differ: bool


def kl_asymmetry(p: Sequence[sp.Expr] = LECTURE_P, q: Sequence[sp.Expr] = LECTURE_Q) -> Asymmetry:
    forward = sp.expand_log(sp.simplify(kl(p, q)), force=True)
    backward = sp.expand_log(sp.simplify(kl(q, p)), force=True)
    difference = sp.simplify(forward - backward)
    return Asymmetry(tuple(p), tuple(q), forward, backward, difference.is_zero is False)


@dataclass(frozen=True)
class TriangleCounterexample:
    """L20: a triple with KL(p‖r) > KL(p‖q) + KL(q‖r); ``gap`` is exact and its sign is decided exactly
    (``gap = log(R)/N`` with the rational ``R`` compared with 1)."""

    p: tuple[sp.Rational, ...]
    q: tuple[sp.Rational, ...]
    r: tuple[sp.Rational, ...]
    gap: sp.Expr
    ratio: sp.Rational = sp.Integer(1)
    root: int = 1

    @property
    def refutes(self) -> bool:
        return self.ratio > 1 and self.gap.is_positive is True


def kl_triangle_counterexample(
    p: Sequence[sp.Rational] = LECTURE_P, q: Sequence[sp.Rational] = LECTURE_Q, denominator: int = 4
) -> TriangleCounterexample:
    """With the lecture's p and q, the first r = (k/denominator, 1 − k/denominator), k = 1, 2, …, with
    KL(p‖r) > KL(p‖q) + KL(q‖r) — each candidate decided exactly by :func:`log_sign`."""
    p, q = tuple(p), tuple(q)
    for k in range(1, denominator):
        r = (sp.Rational(k, denominator), 1 - sp.Rational(k, denominator))
        gap = sp.expand(sp.expand_log(kl(p, r) - kl(p, q) - kl(q, r), force=True))
        sign, ratio, root = log_sign(gap)
        if sign > 0:
            return TriangleCounterexample(p, q, r, sp.log(ratio) / root, ratio, root)
    raise ValueError(f"no r on the grid 1/{denominator} breaks the triangle inequality for p = {p}, q = {q}")


@dataclass(frozen=True)
class GibbsTwoClasses:
    """L21 for C = 2: f(s) = KL((t, 1−t)‖(s, 1−s)) has f'(s) = (s − t)/(s(1 − s)) and f(t) = 0."""

    f: sp.Expr
    derivative: sp.Expr
    derivative_holds: bool
    value_at_minimum: sp.Expr


def gibbs_two_classes() -> GibbsTwoClasses:
    """On 0 < s, t < 1 the denominator s(1 − s) is positive, so f decreases for s < t and increases for
    s > t: its minimum over s is f(t) = 0, hence KL ≥ 0 — each step an exact SymPy identity."""
    t, s = sp.symbols("t s", positive=True)
    f = kl((t, 1 - t), (s, 1 - s))
    derivative = sp.diff(f, s)
    claimed = (s - t) / (s * (1 - s))
    return GibbsTwoClasses(f, claimed, sympy_identity(derivative, claimed), sp.simplify(f.subs(s, t)))


@dataclass(frozen=True)
class GibbsInequality:
    """L21 for every C, in two exact steps.

    1. log t ≤ t − 1 for t > 0: g(t) = t − 1 − log t has g'(t) = (t − 1)/t (negative for t < 1, positive
       for t > 1) and g(1) = 0, so g ≥ 0.
    2. With t_j = q_j/p_j, term by term p_j log(q_j/p_j) ≤ p_j (q_j/p_j − 1) = q_j − p_j (an identity in
       p_j, q_j, so it holds for every j and every C); summing, −KL(p‖q) ≤ Σ_j q_j − Σ_j p_j = 1 − 1 = 0.
    """

    g: sp.Expr
    derivative: sp.Expr
    derivative_holds: bool
    value_at_one: sp.Expr
    term_identity_holds: bool

    @property
    def holds(self) -> bool:
        return self.derivative_holds and self.value_at_one == 0 and self.term_identity_holds


def gibbs_inequality() -> GibbsInequality:
    t, p_j, q_j = sp.symbols("t p_j q_j", positive=True)
    g = t - 1 - sp.log(t)
    claimed = (t - 1) / t
    term = p_j * (q_j / p_j - 1)
    return GibbsInequality(g, claimed, sympy_identity(sp.diff(g, t), claimed), g.subs(t, 1), sympy_identity(term, q_j - p_j))


@dataclass(frozen=True)
class GibbsCheck:
    """L21 for C > 2, numerically: the smallest KL(p‖q) over random pairs (evidence, not a proof)."""

    classes: tuple[int, ...]
    pairs: int
    minimum: float


def gibbs_random_check(classes: Sequence[int] = (3, 5, 10), pairs: int = 20_000, seed: int = 0) -> GibbsCheck:
    rng = np.random.default_rng(seed)
    minimum = np.inf
    for count in classes:
        p = rng.dirichlet(np.ones(count), size=pairs)
        q = rng.dirichlet(np.ones(count), size=pairs)
        values = np.sum(p * (np.log(p) - np.log(q)), axis=1)
        minimum = min(minimum, float(values.min()))
    return GibbsCheck(tuple(classes), pairs, minimum)
