"""The baseline the proof is measured against: the plain SymPy recipe, written without symbackprop.

Compose e(w) with an undefined φ, ``sympy.diff`` it for every weight, run the lecture's recursion in
the same composed terms, and decide each entry with ``sympy.expand(direct − backprop) == 0``.
"""

from __future__ import annotations

import sympy as sp


def plain_sympy_proof(sizes: list[int]) -> bool:
    phi = sp.Function("phi")
    depth = len(sizes) - 1
    x = sp.symbols(f"x1:{sizes[0] + 1}")
    y = sp.symbols(f"y1:{sizes[-1] + 1}")
    W = {l: sp.Matrix(sizes[l], sizes[l - 1], lambda i, j: sp.Symbol(f"w{l}_{i + 1}_{j + 1}")) for l in range(1, depth + 1)}
    a = {0: sp.Matrix(x)}
    dphi = {}
    for l in range(1, depth + 1):
        z = W[l] * a[l - 1]
        a[l] = z.applyfunc(phi)
        # φ'(z^ℓ_i) in the form sympy.diff produces: differentiate φ(z_i) by a weight, divide its coefficient
        dphi[l] = [sp.diff(phi(z[i]), W[l][i, 0]) / a[l - 1][0] for i in range(sizes[l])]
    loss = sum((y[j] - a[depth][j]) ** 2 for j in range(sizes[-1]))
    delta = {depth: sp.Matrix([-2 * (y[j] - a[depth][j]) for j in range(sizes[-1])])}
    for l in range(depth - 1, 0, -1):
        delta[l] = W[l + 1].T * sp.diag(*dphi[l + 1]) * delta[l + 1]
    for l in range(1, depth + 1):
        for i in range(sizes[l]):
            for j in range(sizes[l - 1]):
                direct = sp.diff(loss, W[l][i, j])
                backprop = dphi[l][i] * delta[l][i] * a[l - 1][j]
                if sp.expand(direct - backprop) != 0:
                    return False
    return True
