"""The softmax → q_j rewrite (L18): exp(a^L_j) / Σ_r exp(a^L_r) is written q_j.

One rewrite, in the two representations the package holds expressions in:

- SymPy (:func:`rewrite_as_q`): Σ_r exp(a^L_r) becomes a positive symbol S and exp(a^L_j) becomes q_j S,
  which is exact; when S cancels, the result is written with q_j only, otherwise the expression is
  returned unchanged (not every exp(a^L_j) came with its denominator);
- SymEngine (:func:`split_q_factors`): inside one product, each factor exp(a^L_j) is paired with one
  power of 1/Σ_r exp(a^L_r) and the pair is returned as q_j.
"""

from __future__ import annotations

from typing import Callable, Sequence

import symengine as se
import sympy as sp

__all__ = ["rewrite_as_q", "split_q_factors"]


def rewrite_as_q(
    expression: sp.Expr,
    last: Sequence[sp.Symbol],
    q: Sequence[sp.Symbol],
    *,
    finish: Callable[[sp.Expr], sp.Expr] = sp.factor_terms,
) -> sp.Expr:
    """``expression`` with every softmax fraction written q_j; ``finish`` tidies the expanded result.

    >>> a1, a2, q1, q2 = sp.symbols("a1 a2 q1 q2")
    >>> rewrite_as_q(sp.exp(a1) / (sp.exp(a1) + sp.exp(a2)) - 1, [a1, a2], [q1, q2])
    q1 - 1
    """
    total = sp.Add(*[sp.exp(a) for a in last])
    S = sp.Dummy("S", positive=True)
    substituted = expression.xreplace({total: S}).xreplace({sp.exp(a): q_j * S for a, q_j in zip(last, q)})
    result = finish(sp.expand(substituted))
    return expression if result.has(S) else result


def split_q_factors(
    factors: Sequence[se.Basic], denominator: se.Basic, last: Sequence[se.Basic], q: Sequence[sp.Symbol]
) -> tuple[list[se.Basic], list[sp.Symbol]]:
    """Pair exp(a^L_j) with a power of 1/``denominator`` among a product's ``factors``: (the rest, the q_j)."""
    power = 0
    rest = []
    for factor in factors:
        if isinstance(factor, se.Pow) and factor.args[0] == denominator and isinstance(factor.args[1], se.Integer) and int(factor.args[1]) < 0:
            power += -int(factor.args[1])
        else:
            rest.append(factor)
    if power == 0:
        return list(factors), []
    q_factors: list[sp.Symbol] = []
    remaining = []
    for factor in rest:
        exponent = factor.args[1] if isinstance(factor, se.Pow) and factor.args[0] == se.E else None
        if exponent is not None and power > 0 and exponent in last:
            q_factors.append(q[list(last).index(exponent)])
            power -= 1
        else:
            remaining.append(factor)
    if power:
        remaining.append(denominator ** (-power))
    return remaining, q_factors
