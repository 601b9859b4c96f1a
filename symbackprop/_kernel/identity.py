"""Deciding that two expressions are identical — exactly — and looking for numbers where they are not.

:func:`exact_identity` runs cheap exact stages on SymEngine expressions in a network's atoms and says
*how* the identity was shown (the method is reported with every proof and verdict), or None for "not
shown", which never means "different".  :func:`sympy_identity` is the same decision for SymPy
expressions outside a network (divergences, closed forms).  :func:`search_counterexample` evaluates
both sides at random points in 40-digit arithmetic and returns the first point where they differ;
:func:`search_points` is that search for many pairs at once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Hashable, Iterable, Mapping, TypeVar

import mpmath
import symengine as se
import sympy as sp

from .dag import nodes
from .evaluate import GENERIC_CHOICES, evaluate, random_point
from .patterns import PATTERN_IDENTITY, Neuron, decide_patterns
from .size import expansion_bound

if TYPE_CHECKING:  # pragma: no cover
    from .engine import NetworkEngine

__all__ = [
    "RELATIVE_TOLERANCE",
    "relatively_close",
    "GENERIC_IDENTITY",
    "CONCRETE_IDENTITY",
    "RATIONAL_IDENTITY",
    "PATTERN_IDENTITY",
    "Decision",
    "expands_to_zero",
    "exact_identity",
    "exact_decision",
    "sympy_identity",
    "Difference",
    "search_counterexample",
    "search_points",
]

GENERIC_IDENTITY = "exact polynomial identity in the layer atoms a^ℓ_i, φ'(z^ℓ_i), for every φ"
CONCRETE_IDENTITY = "exact polynomial identity after substituting the φ' formulas"
RATIONAL_IDENTITY = "exact rational identity (expanded over a common denominator)"
SYMPY_RATIONAL_IDENTITY = "exact rational identity (SymPy cancel)"
_RATIONAL_FALLBACK_LIMIT = 4000  # count_ops above which SymPy's cancel is not attempted
_COUNTEREXAMPLE_DIGITS = 40


def expands_to_zero(expression: se.Basic) -> bool:
    """``expand(expression) == 0``: decisive for polynomials in the atoms (exact either way)."""
    return se.expand(expression) == 0


@dataclass(frozen=True)
class Decision:
    """How an identity was decided: ``method`` when it was shown exactly (else None, which never means
    "different"); for ReLU networks ``witness``, an activation pattern on which the two sides are
    different polynomials (numbers at points of that pattern then show the difference)."""

    method: str | None
    witness: Mapping[Neuron, bool] | None = None


def exact_identity(engine: "NetworkEngine", lhs: se.Basic, rhs: se.Basic, *, sympy_fallback: bool = False) -> str | None:
    """How ``lhs ≡ rhs`` (SymEngine, in the engine's atoms) was shown exactly, or None if it was not.

    Stages: the generic identity (every φ at once); after substituting the activations' φ' formulas;
    over a common denominator; on every activation pattern of the ReLU layers (H(z) ∈ {0, 1}); with
    ``sympy_fallback``, SymPy's ``cancel`` (slow, so bounded by size).
    """
    return exact_decision(engine, lhs, rhs, sympy_fallback=sympy_fallback).method


def exact_decision(
    engine: "NetworkEngine", lhs: se.Basic, rhs: se.Basic, *, sympy_fallback: bool = False, limit: int | None = None
) -> Decision:
    """:func:`exact_identity`, with the ReLU pattern on which the two sides differ when there is one.
    ``limit``: the stages after the generic one are skipped (None: not shown) when the concrete
    difference would expand to more terms than this."""
    if expands_to_zero(lhs - rhs):
        return Decision(GENERIC_IDENTITY)
    difference = engine.concretise(lhs) - engine.concretise(rhs)
    if limit is not None and expansion_bound(difference, cap=limit + 1) > limit:
        return Decision(None)
    residual = se.expand(difference)
    if residual == 0:
        return Decision(CONCRETE_IDENTITY)
    polynomial = _is_polynomial(residual)
    if not polynomial:
        # over a common denominator of the *unexpanded* difference: expanding first would give each power
        # of a denominator its own term, and their product can be enormous
        # a denominator that is identically 0 makes the "identity" 0/0: both sides undefined, nothing shown
        numerator, denominator = difference.as_numer_denom()
        if expands_to_zero(numerator) and not expands_to_zero(denominator):
            return Decision(RATIONAL_IDENTITY)
    patterns = decide_patterns(engine, difference)
    if patterns.identical:
        return Decision(PATTERN_IDENTITY)
    if patterns.identical is False:
        return Decision(None, patterns.witness)
    if sympy_fallback and not polynomial:
        rational = engine.to_sympy(residual, display=False)
        if sp.count_ops(rational) <= _RATIONAL_FALLBACK_LIMIT and sp.cancel(sp.together(rational)) == 0:
            return Decision(SYMPY_RATIONAL_IDENTITY)
    return Decision(None)


def sympy_identity(lhs: sp.Expr, rhs: sp.Expr = sp.Integer(0)) -> bool:
    """Whether ``lhs − rhs`` is exactly 0 for SymPy expressions: expand (logs split), then ``simplify``.

    >>> p, q = sp.symbols("p q", positive=True)
    >>> sympy_identity(sp.log(p / q), sp.log(p) - sp.log(q)), sympy_identity(p, q)
    (True, False)
    """
    difference = sp.sympify(lhs - rhs)
    if sp.expand(sp.expand_log(difference)) == 0:
        return True
    return sp.simplify(difference) == 0


@dataclass(frozen=True)
class Difference:
    """A point where two expressions give different numbers: the drawn values (by symbol name), the
    function that stood in for the generic φ, and both values."""

    point: dict[str, float]
    phi: str
    left: float
    right: float


def search_counterexample(
    engine: "NetworkEngine",
    lhs: se.Basic,
    rhs: se.Basic,
    rng: random.Random,
    *,
    tries: int = 6,
    pattern: Mapping[Neuron, bool] | None = None,
) -> Difference | None:
    """Random points (40 digits), φ taken in turn as tanh, sin and softplus; the first where lhs ≠ rhs.
    ``pattern``: only points with that ReLU activation pattern (see :func:`exact_decision`)."""

    def sides(values: dict, generic: str) -> Callable[[None], tuple]:
        return lambda key: (evaluate(lhs, values, mpmath, generic), evaluate(rhs, values, mpmath, generic))

    return search_points(engine, [None], sides, rng, tries=tries, pattern=pattern).get(None)


Key = TypeVar("Key", bound=Hashable)
_UNDEFINED = (ZeroDivisionError, ValueError, OverflowError)  # a side has no value at the point


def search_points(
    engine: "NetworkEngine",
    keys: Iterable[Key],
    sides: Callable[[dict, str], Callable[[Key], tuple]],
    rng: random.Random,
    *,
    tries: int = 6,
    pattern: Mapping[Neuron, bool] | None = None,
) -> dict[Key, Difference]:
    """For each key, the first of ``tries`` random points (40 digits; φ taken in turn as tanh, sin and
    softplus; ``pattern`` as in :func:`search_counterexample`) where its two sides differ.

    ``sides(values, generic)`` prepares one point (raising ZeroDivisionError, ValueError or OverflowError
    where it has no value) and gives a function of a key returning its (left, right) numbers there (raising
    those where that key's sides have none).  The search stops once every key has a difference."""
    net = engine.net
    keys = list(keys)
    found: dict[Key, Difference] = {}
    with mpmath.workdps(_COUNTEREXAMPLE_DIGITS):
        for attempt in range(tries):
            pending = [key for key in keys if key not in found]
            if not pending:
                break
            generic = GENERIC_CHOICES[attempt % len(GENERIC_CHOICES)]
            values = random_point(engine, rng, generic, mpmath, pattern=pattern)
            try:
                at_point = sides(values, generic)
            except _UNDEFINED:
                continue
            point = None
            for key in pending:
                try:
                    left, right = at_point(key)
                except _UNDEFINED:
                    continue
                if abs(left - right) > RELATIVE_TOLERANCE * (1 + abs(left) + abs(right)):  # not `not relatively_close`: NaN is no difference here
                    point = point or {s.name: float(values[engine.symbol[s]]) for s in (*net.parameters, *net.x, *net.y)}
                    found[key] = Difference(point, generic, float(left), float(right))
    return found


RELATIVE_TOLERANCE = mpmath.mpf(10) ** -25
"""How far two high-precision values of one quantity may differ and still count as equal: rounding, not a
difference (relative, for 40 digits and more)."""


def relatively_close(left: object, right: object) -> bool:
    """|left − right| ≤ :data:`RELATIVE_TOLERANCE` · (1 + |left| + |right|), in the caller's mpmath precision."""
    return abs(left - right) <= RELATIVE_TOLERANCE * (1 + abs(left) + abs(right))  # type: ignore[operator]


def _is_polynomial(expression: se.Basic) -> bool:
    """True when expand() is decisive: no exp, log or negative power of a sum (Laurent monomials are fine)."""
    for node in nodes(expression):
        if isinstance(node, se.Pow):
            base, exponent = node.args
            if base == se.E or not exponent.is_Integer or (int(exponent) < 0 and not base.is_Symbol):
                return False
        elif isinstance(node, se.log):
            return False
    return True
