"""Exact rewriting of finite sums over symbolic ranges: SymPy's ``Sum``, ``KroneckerDelta``, ``Piecewise``.

SymPy differentiates sums of indexed symbols (the Kronecker deltas it produces are summed by ``doit``),
but it does not use a sum's limits to decide the ``Piecewise`` conditions summation leaves behind
(sympy/sympy#13993), and ``simplify`` can mishandle a ``Piecewise`` inside such a sum (sympy/sympy#27359).
This module supplies the two missing steps, each rule an exact identity:

- :func:`within_ranges` replaces a condition by True (or False) when it holds (fails) for *every* index
  value in its range; SymPy decides it after the substitutions i = lo + t and i = hi − t with t ≥ 0;
- :func:`sum_normal_form` uses linearity of finite sums — Σ(f + g) = Σf + Σg, factors free of the index
  come out, Σ_{k=lo}^{hi} c = (hi − lo + 1)c — and names bound indices canonically (``as_dummy``),
  so equal sums become structurally equal and ``expand`` can cancel them.

A difference whose normal form is 0 is proved 0; one whose normal form is not 0 is *not* proved to be
non-zero (that needs an instance: see :mod:`.instances`).
"""

from __future__ import annotations

from typing import Callable, Mapping

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

__all__ = ["Ranges", "decide", "within_ranges", "evaluate_sums", "settle", "sum_normal_form", "difference_normal_form", "matrix_entry"]

Ranges = Mapping[sp.Symbol, tuple[sp.Expr, sp.Expr]]
Atoms = Mapping[sp.MatrixSymbol, Callable[[sp.Expr, sp.Expr], sp.Expr]]

_OFFSET = sp.Dummy("t", integer=True, nonnegative=True)


def decide(condition: sp.Basic, ranges: Ranges) -> sp.Basic:
    """``sp.true`` / ``sp.false`` when ``condition`` holds / fails for every index in its range, else itself.

    >>> i, n = sp.Symbol("i", integer=True), sp.Symbol("n", integer=True, positive=True)
    >>> decide(sp.And(i >= 1, i <= n), {i: (1, n)}), decide(i > n, {i: (1, n)})
    (True, False)
    """
    if condition in (sp.true, sp.false):
        return condition
    if isinstance(condition, (sp.And, sp.Or)):
        parts = [decide(part, ranges) for part in condition.args]
        return condition.func(*parts)
    if isinstance(condition, sp.Not):
        return sp.Not(decide(condition.args[0], ranges))
    if isinstance(condition, sp.core.relational.Relational):
        return _decide_relational(condition, ranges)
    return condition


def _decide_relational(relation: sp.Basic, ranges: Ranges) -> sp.Basic:
    """A relation true (false) for all v ≤ hi, or for all v ≥ lo, is true (false) on lo ≤ v ≤ hi."""
    indices = sorted(relation.free_symbols & set(ranges), key=sp.default_sort_key)
    if not indices:
        return relation
    index, rest = indices[0], {k: v for k, v in ranges.items() if k != indices[0]}
    low, high = ranges[index]
    for substitute in (low + _OFFSET, high - _OFFSET):
        decided = _decide_relational(relation.xreplace({index: substitute}), rest)
        if decided in (sp.true, sp.false):
            return decided
    return relation


def within_ranges(expression: sp.Basic, ranges: Ranges) -> sp.Basic:
    """Decide every ``Piecewise`` condition that the free indices' ranges and the sums' limits settle.

    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> k, i = sp.symbols("k i", integer=True)
    >>> x = sp.IndexedBase("x")
    >>> within_ranges(sp.Sum(sp.Piecewise((x[k], k <= n), (0, True)), (k, 1, n)), {})
    Sum(x[k], (k, 1, n))
    """
    if isinstance(expression, sp.Sum):
        inner = dict(ranges)
        for index, low, high in expression.limits:
            inner[index] = (low, high)
        return sp.Sum(within_ranges(expression.function, inner), *expression.limits)
    if isinstance(expression, sp.Piecewise):
        kept = []
        for value, condition in expression.args:
            decided = decide(condition, ranges)
            if decided == sp.false:
                continue
            if decided == sp.true and not kept:
                return within_ranges(value, ranges)
            kept.append((within_ranges(value, ranges), decided))
            if decided == sp.true:
                break
        return sp.Piecewise(*kept) if kept else sp.nan
    if not expression.args or isinstance(expression, (sp.Symbol, sp.Indexed, MatrixElement)):
        return expression
    return expression.func(*[within_ranges(argument, ranges) for argument in expression.args])


def sum_normal_form(expression: sp.Basic) -> sp.Expr:
    """Linear normal form of an expression with finite sums (exact rewriting only), then ``expand``.

    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> j, k = sp.symbols("j k", integer=True)
    >>> x, c = sp.IndexedBase("x"), sp.Symbol("c")
    >>> sum_normal_form(sp.Sum(c * x[j] + c, (j, 1, n)) - c * sp.Sum(x[k], (k, 1, n)))
    c*n
    """
    value = sp.expand(_normalise(expression))
    for _ in range(4):
        substituted = _kronecker_substituted(value)
        if substituted == value:
            break
        value = sp.expand(_normalise(substituted))
    return value


def _kronecker_substituted(expression: sp.Expr) -> sp.Expr:
    """δ_uv g(u, v) = δ_uv g(u, u) for free index symbols u, v: an exact rewrite (both sides 0 when u ≠ v)."""
    terms = []
    for term in sp.Add.make_args(expression):
        factors = [factor for factor in sp.Mul.make_args(term) if isinstance(factor, sp.KroneckerDelta)]
        for delta in sorted(factors, key=sp.default_sort_key):
            first, second = delta.args[:2]
            if isinstance(first, sp.Symbol) and isinstance(second, sp.Symbol) and first in term.free_symbols:
                keep, drop = sorted((first, second), key=sp.default_sort_key)
                rest = term.xreplace({delta: sp.Integer(1)}).xreplace({drop: keep})
                term = delta * rest
                break
        terms.append(term)
    return sp.Add(*terms)


def _normalise(expression: sp.Basic) -> sp.Basic:
    if isinstance(expression, sp.Sum):
        value = _normalise(expression.function)
        for index, low, high in expression.limits:
            value = _linear_sum(value, index, low, high)
        return value
    if not expression.args or isinstance(expression, (sp.Symbol, sp.Indexed, MatrixElement)):
        return expression
    return expression.func(*[_normalise(argument) for argument in expression.args])


def _linear_sum(body: sp.Expr, index: sp.Symbol, low: sp.Expr, high: sp.Expr) -> sp.Expr:
    terms = []
    for term in sp.Add.make_args(sp.expand(body)):
        free, bound = term.as_independent(index, as_Add=False)
        if bound == 1:
            terms.append(free * (high - low + 1))
        else:
            terms.append(free * sp.Sum(bound, (index, low, high)).as_dummy())
    return sp.Add(*terms)


def evaluate_sums(expression: sp.Basic, *, max_terms: int = 64) -> sp.Basic:
    """Do the sums that can be done exactly and keep the others.

    A sum with a concrete number of terms (≤ ``max_terms``) is written out; a term with a Kronecker delta
    δ(index, value) is summed to its value at index = value under the condition lo ≤ value ≤ hi (a
    ``Piecewise`` that :func:`within_ranges` decides); every other sum stays.  SymPy's own ``Sum.doit``
    is not used: on sums of indexed symbols over symbolic ranges it tries closed forms it cannot find and
    can recurse without end in ``factor``.
    """
    if isinstance(expression, sp.Sum):
        value = evaluate_sums(expression.function, max_terms=max_terms)
        for index, low, high in expression.limits:
            value = _sum_once(value, index, low, high, max_terms)
        return value
    if not expression.args or isinstance(expression, (sp.Symbol, sp.Indexed, MatrixElement)):
        return expression
    return expression.func(*[evaluate_sums(argument, max_terms=max_terms) for argument in expression.args])


def _sum_once(body: sp.Expr, index: sp.Symbol, low: sp.Expr, high: sp.Expr, max_terms: int) -> sp.Expr:
    count = sp.expand(high - low + 1)
    if count.is_Integer and 0 <= int(count) <= max_terms:
        return sp.Add(*[body.subs(index, low + offset) for offset in range(int(count))])
    terms = []
    for term in sp.Add.make_args(sp.expand(body)):
        found = _simple_delta(term, index)
        if found is None:
            terms.append(sp.Sum(term, (index, low, high)))
            continue
        delta, value = found
        rest = sp.Mul(*[factor for factor in sp.Mul.make_args(term) if factor != delta]).subs(index, value)
        terms.append(sp.Piecewise((rest, sp.And(low <= value, value <= high)), (0, True)))
    return sp.Add(*terms)


def _simple_delta(term: sp.Expr, index: sp.Symbol) -> tuple[sp.KroneckerDelta, sp.Expr] | None:
    """A factor δ(u, v) of ``term`` with u − v = ±index + c, and the index value that makes it 1."""
    for factor in sp.Mul.make_args(term):
        if isinstance(factor, sp.KroneckerDelta) and index in factor.free_symbols:
            difference = sp.expand(factor.args[0] - factor.args[1])
            coefficient = difference.coeff(index)
            rest = sp.expand(difference - coefficient * index)
            if coefficient in (1, -1) and index not in rest.free_symbols:
                return factor, -rest / coefficient
    return None


def settle(expression: sp.Basic, ranges: Ranges, *, rounds: int = 6) -> sp.Basic:
    """Do the Kronecker sums and decide the conditions they leave, until nothing changes.

    Inner sums are done first and may leave a ``Piecewise`` that blocks the outer sum: hence the rounds.
    """
    value = within_ranges(expression, ranges)
    for _ in range(rounds):
        following = within_ranges(evaluate_sums(value), ranges)
        if following == value:
            break
        value = following
    return value


def difference_normal_form(lhs: sp.Basic, rhs: sp.Basic, ranges: Ranges, *, hypotheses: Mapping | None = None) -> sp.Expr:
    """Normal form of lhs − rhs: sum the Kronecker deltas (``doit``), settle conditions, normalise.

    ``hypotheses`` maps normal-form sub-expressions to values (e.g. Σ_j y_j ↦ 1) and is applied last.
    The difference is proved 0 exactly when the result is 0.
    """
    residual = sum_normal_form(settle(sp.sympify(lhs - rhs), ranges))
    if hypotheses:
        residual = sp.expand(residual.xreplace({sum_normal_form(k): v for k, v in hypotheses.items()}))
    return residual


def matrix_entry(matrix: sp.MatrixExpr, row: sp.Expr, column: sp.Expr, atoms: Atoms) -> sp.Expr:
    """Entry (row, column) — 1-based, as in the lecture — of a matrix expression, in the lecture's atoms.

    SymPy writes the entries of products, transposes and diagonal matrices itself (0-based, with sums
    over symbolic ranges); each matrix symbol's element is then replaced by ``atoms[symbol](r, c)``
    (1-based) and each bound index shifted by one.
    """
    return _one_based(matrix[row - 1, column - 1], atoms)


def _one_based(expression: sp.Basic, atoms: Atoms) -> sp.Basic:
    if isinstance(expression, MatrixElement):
        symbol, row, column = expression.args
        try:
            atom = atoms[symbol]
        except KeyError:
            raise KeyError(f"no lecture symbol for the entries of {symbol}") from None
        return atom(_one_based(row, atoms) + 1, _one_based(column, atoms) + 1)
    if isinstance(expression, sp.Sum):
        body, limits = expression.function, []
        for index, low, high in expression.limits:
            shifted = sp.Dummy(str(index).strip("_"), integer=True)
            body = body.xreplace({index: shifted - 1})
            limits.append((shifted, low + 1, high + 1))
        return sp.Sum(_one_based(body, atoms), *limits)
    if isinstance(expression, sp.KroneckerDelta):
        first, second = (_one_based(argument, atoms) + 1 for argument in expression.args[:2])
        if expression.delta_range is not None:
            low, high = expression.delta_range
            return sp.KroneckerDelta(first, second, (low + 1, high + 1))
        return sp.KroneckerDelta(first, second)
    if not expression.args or isinstance(expression, (sp.Symbol, sp.Indexed)):
        return expression
    return expression.func(*[_one_based(argument, atoms) for argument in expression.args])
