"""How large an expression is, measured before any work is done on it.

:func:`expression_depth` is the nesting depth; :func:`expansion_size` bounds the terms of the numerator and
denominator once every symbol is replaced by its definition, fractions are put over a common
denominator and everything is expanded.  Both work on SymPy and SymEngine expressions alike (both
expose ``is_Add``/``is_Mul``/``is_Pow`` and ``args``) and never recurse, so a deep tree cannot overflow
the stack.  The parser refuses typed answers by these bounds, and the exact stages of a comparison run
only when :func:`expansion_bound` is below :data:`EXACT_LIMIT`, so no stage can run away.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Mapping

from .dag import fold

if TYPE_CHECKING:  # pragma: no cover
    from ..network import MLP

__all__ = ["expression_depth", "expansion_size", "expansion_bound", "gradient_terms", "EXACT_LIMIT"]

EXACT_LIMIT = 20_000  # terms; SymEngine expands this many in well under a second


def expression_depth(expr: object, memo: dict | None = None, *, cap: int = 10**6) -> int:
    """Nesting depth of a SymPy expression (a symbol or number is 1), computed without recursion."""
    return fold(expr, lambda node, depths: min(cap, 1 + max(depths, default=0)), memo=memo)


def expansion_size(
    expr: object, weights: Mapping[object, int] | None = None, memo: dict | None = None, *, cap: int = 10**9
) -> tuple[int, int]:
    """An upper bound on the number of terms of the numerator and denominator of ``expr`` once every
    symbol is replaced by its definition (``weights``: how many terms each stands for), fractions are
    put over a common denominator and everything is expanded.  Functions count as one term.

    Works on SymPy and SymEngine expressions alike (both expose ``is_Add``/``is_Mul``/``is_Pow`` and ``args``).
    """
    weights = weights or {}

    def clip(value: int) -> int:
        return min(value, cap)

    def product(values) -> int:  # noqa: ANN001
        result = 1
        for value in values:
            result = clip(result * value)
        return result

    def combine(node, sizes: list[tuple[int, int]]) -> tuple[int, int]:  # noqa: ANN001
        if node.is_Symbol:
            return (clip(weights.get(node, 1)), 1)
        if node.is_Add:
            denominator = product(d for _, d in sizes)
            numerator = sum(clip(n * denominator // max(d, 1)) for n, d in sizes)
            return (clip(numerator), clip(denominator))
        if node.is_Mul:
            return (product(n for n, _ in sizes), product(d for _, d in sizes))
        if node.is_Pow and node.args[1].is_Integer:
            base_n, base_d = sizes[0]
            exponent = int(node.args[1])
            power = abs(exponent)
            grow = lambda t: cap if t >= cap or power >= cap else clip(math.comb(t + power - 1, power))  # noqa: E731
            return (grow(base_n), grow(base_d)) if exponent >= 0 else (grow(base_d), grow(base_n))
        return (1, 1)

    def children(node):  # noqa: ANN001, ANN202 - only sums, products and powers are looked into
        return node.args if (node.is_Add or node.is_Mul or node.is_Pow) else ()

    return fold(expr, combine, memo=memo, children=children)


def expansion_bound(expression: object, *, cap: int = EXACT_LIMIT + 1, memo: dict | None = None) -> int:
    """An upper bound (clipped at ``cap``) on the terms of the expanded numerator or denominator."""
    return max(expansion_size(expression, memo=memo, cap=cap))


def gradient_terms(net: "MLP", layer: int) -> int:
    """How many terms ∂e/∂θ has, multiplied out, for a parameter θ of layer ℓ — known from the sizes
    alone, before anything is derived: one term per path from θ's neuron to an output (Π_{m>ℓ} N_m) for
    each term of ∂e/∂a^L (a − y: 2; softmax: one per output, and the target).  Differentiating, expanding,
    evaluating term by term and printing ∂e/∂θ all work in proportion to it.

    >>> from symbackprop import MLP
    >>> gradient_terms(MLP([4] * 12), 1)  # 4^10 paths, 2 terms each
    2097152
    """
    paths = math.prod(net.sizes[layer + 1 :])
    return paths * (net.sizes[-1] + 1 if net.softmax else 2)
