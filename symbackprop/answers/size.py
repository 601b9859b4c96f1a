"""How much work an exact comparison would be, estimated before doing it.

The exact stages expand a difference and, for rational residuals, its numerator over a common
denominator.  :func:`expansion_bound` bounds the number of terms of that numerator and denominator for a
SymEngine expression (sums over a common denominator, products, integer powers by the multinomial count;
functions and e^{…} count as one term).  The checker only runs an exact stage when the bound is small,
so no stage can run away; beyond it the verdict rests on numbers and says so.
"""

from __future__ import annotations


import symengine as se

from ..parse import expansion_size

__all__ = ["expansion_bound", "EXACT_LIMIT"]

EXACT_LIMIT = 20_000  # terms; SymEngine expands this many in well under a second


def expansion_bound(expression: se.Basic, *, cap: int = EXACT_LIMIT + 1, memo: dict | None = None) -> int:
    """An upper bound (clipped at ``cap``) on the terms of the expanded numerator or denominator."""
    return max(expansion_size(expression, memo=memo, cap=cap))
