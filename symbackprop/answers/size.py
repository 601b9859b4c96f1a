"""How much work an exact comparison would be, estimated before doing it.

The exact stages expand a difference and, for rational residuals, its numerator over a common
denominator.  :func:`expansion_bound` bounds the number of terms of that numerator and denominator for a
SymEngine expression (sums over a common denominator, products, integer powers by the multinomial count;
functions and e^{…} count as one term).  The checker only runs an exact stage when the bound is small,
so no stage can run away; beyond it the verdict rests on numbers and says so.
"""

from __future__ import annotations

import math

import symengine as se

__all__ = ["expansion_bound", "EXACT_LIMIT"]

EXACT_LIMIT = 20_000  # terms; SymEngine expands this many in well under a second


def expansion_bound(expression: se.Basic, *, cap: int = EXACT_LIMIT + 1, memo: dict | None = None) -> int:
    """An upper bound (clipped at ``cap``) on the terms of the expanded numerator or denominator."""
    memo = {} if memo is None else memo

    def clip(value: int) -> int:
        return min(value, cap)

    def product(values) -> int:  # noqa: ANN001
        result = 1
        for value in values:
            result = clip(result * value)
        return result

    stack = [expression]
    while stack:
        node = stack[-1]
        if node in memo:
            stack.pop()
            continue
        composite = isinstance(node, (se.Add, se.Mul)) or (isinstance(node, se.Pow) and node.args[0] != se.E)
        children = node.args if composite else ()
        pending = [child for child in children if child not in memo]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        if isinstance(node, se.Add):
            sizes = [memo[child] for child in node.args]
            denominator = product(d for _, d in sizes)
            memo[node] = (clip(sum(clip(n * (denominator // max(d, 1))) for n, d in sizes)), denominator)
        elif isinstance(node, se.Mul):
            sizes = [memo[child] for child in node.args]
            memo[node] = (product(n for n, _ in sizes), product(d for _, d in sizes))
        elif composite:  # a power of something other than e
            base, exponent = node.args
            n, d = memo[base]
            if isinstance(exponent, se.Integer):
                power = abs(int(exponent))
                grow = lambda t: cap if t >= cap or power >= cap else clip(math.comb(t + power - 1, power))  # noqa: E731
                memo[node] = (grow(n), grow(d)) if int(exponent) >= 0 else (grow(d), grow(n))
            else:
                memo[node] = (1, 1)
        else:
            memo[node] = (1, 1)
    numerator, denominator = memo[expression]
    return max(numerator, denominator)
