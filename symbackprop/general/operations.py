"""L4 in general: the operations of one sample-wise gradient of an MLP, in closed form for every depth
and width, and the bound d ≤ C ≤ k·d in the number of parameters d (so the cost is Θ(d)).

The count is of the recursion's own entry formulas (squared loss, generic φ; each φ(z^ℓ_i) and φ'(z^ℓ_i)
counted once) in SymPy's ``count_ops`` convention, and is checked against ``count_ops`` of the
per-architecture expressions of :func:`symbackprop.backprop_steps` on concrete networks.
"""

from __future__ import annotations

import sympy as sp

from ..activations import phi_prime
from ..derive import backprop_steps
from ..network import MLP
from .result import Evidence, Method, Step, plain

__all__ = ["closed_form", "parameter_count", "per_architecture_count", "linear_bound", "l4_step", "CHECK_NETWORKS"]

L = sp.Symbol("L", integer=True, positive=True)
ell = sp.Symbol(r"\ell", integer=True)
N = sp.IndexedBase("N")
_s, _t = sp.Symbol("s", nonnegative=True), sp.Symbol("t", nonnegative=True)
_n, _m = sp.Symbol("n", positive=True), sp.Symbol("m", positive=True)

CHECK_NETWORKS = ([2, 1], [1, 1, 1], [2, 3, 2], [3, 2, 4], [2, 2, 2, 2], [4, 3, 2, 1])


def _layer_terms(previous: sp.Expr, width: sp.Expr, bias: int) -> sp.Expr:
    """z^ℓ (2N_{ℓ−1} − 1 + bias each), a^ℓ = φ(z^ℓ) and φ'(z^ℓ) (1 each), ∇W (2 per entry), ∇b (1 each)."""
    return width * (2 * previous - 1 + bias) + width + width + 2 * width * previous + bias * width


def _backward_term(width: sp.Expr, following: sp.Expr) -> sp.Expr:
    """δ^ℓ_i = Σ_m w^{ℓ+1}_mi φ'(z^{ℓ+1}_m) δ^{ℓ+1}_m: 2 products per term and N_{ℓ+1} − 1 additions."""
    return width * (3 * following - 1)


BETA = sp.Symbol(r"\beta")


def closed_form(bias: bool | sp.Symbol) -> sp.Expr:
    """C(L; N_0, …, N_L) as a sum over the layers (δ^L_i = 2a^L_i − 2y_i costs 3 per output)."""
    beta = bias if isinstance(bias, sp.Symbol) else int(bias)
    return (
        sp.Sum(sp.expand(_layer_terms(N[ell - 1], N[ell], beta)), (ell, 1, L))
        + sp.Sum(sp.expand(_backward_term(N[ell], N[ell + 1])), (ell, 1, L - 1))
        + 3 * N[L]
    )


def parameter_count(bias: bool) -> sp.Expr:
    """d = Σ_ℓ N_ℓ (N_{ℓ−1} + 1 with biases)."""
    return sp.Sum(N[ell] * (N[ell - 1] + int(bias)), (ell, 1, L))


def evaluate(expression: sp.Expr, sizes: list[int]) -> int:
    """The closed form at concrete widths N_0, …, N_L."""
    value = expression.xreplace({L: len(sizes) - 1}).doit()
    return int(value.xreplace({N[k]: size for k, size in enumerate(sizes)}))


def per_architecture_count(net: MLP) -> int:
    """``count_ops`` of the recursion run on ``net`` (generic φ, squared loss), φ'(z^ℓ_i) computed once."""
    steps = backprop_steps(net, generic=True)
    atoms = {
        phi_prime(z): sp.Symbol(f"D{layer}_{i}") for layer in range(1, net.depth + 1) for i, z in enumerate(net.z(layer))
    }
    count = sum(sp.count_ops(value) for value in net.definitions.values())  # z^ℓ and a^ℓ = φ(z^ℓ)
    count += sum(sp.count_ops(derivative) for derivative in atoms)  # Diag(φ^ℓ'): one φ' per neuron
    count += sum(sp.count_ops(entry) for entry in steps.output_delta)
    for layer in range(1, net.depth):
        count += sum(sp.count_ops(entry.xreplace(atoms)) for entry in steps.delta[layer])
    for matrices in (steps.weight_gradients, steps.bias_gradients):
        count += sum(sp.count_ops(entry.xreplace(atoms)) for matrix in matrices.values() for entry in matrix)
    return int(count)


def _coefficients_nonnegative(polynomial: sp.Expr) -> bool:
    """True when ``polynomial`` (in n = 1 + s, m = 1 + t with s, t ≥ 0) has only non-negative coefficients."""
    shifted = sp.Poly(sp.expand(polynomial.xreplace({_n: 1 + _s, _m: 1 + _t})), _s, _t)
    return all(coefficient >= 0 for coefficient in shifted.coeffs())


def linear_bound(bias: bool, *, largest: int = 64) -> int | None:
    """The least k for which every layer's count P(n, m) ≤ k · m (n + bias) is shown exactly, or None."""
    beta = int(bias)
    per_layer = _layer_terms(_n, _m, beta) + _backward_term(_n, _m) + 3 * _m
    for k in range(1, largest + 1):
        if _coefficients_nonnegative(k * _m * (_n + beta) - per_layer):
            return k
    return None


def l4_step(networks: tuple[list[int], ...] = CHECK_NETWORKS) -> Step:
    """The closed form, its check on concrete networks, and d ≤ C ≤ k·d for every L and all widths."""
    mismatches = []
    for sizes in networks:
        for bias in (False, True):
            expected, counted = evaluate(closed_form(bias), sizes), per_architecture_count(MLP(sizes, bias=bias))
            if expected != counted:
                mismatches.append(f"{sizes}{' with biases' if bias else ''}: closed form {expected}, counted {counted}")
    shifted = sp.Sum(_backward_term(N[ell], N[ell + 1]), (ell, 1, L - 1)).change_index(ell, ell + 1)
    shift_holds = shifted.limits[0][1:] == (2, L) and sp.expand(shifted.function - _backward_term(N[ell - 1], N[ell])) == 0
    bounds = {bias: linear_bound(bias) for bias in (False, True)}
    lower = all(
        _coefficients_nonnegative(_layer_terms(_n, _m, int(bias)) - _m * (_n + int(bias))) for bias in (False, True)
    )
    evidence = (
        Evidence(
            "per entry: z^ℓ_i costs 2N_{ℓ−1} − 1 (+1 with a bias), φ(z^ℓ_i) and φ'(z^ℓ_i) 1 each, δ^L_i = 2a^L_i − 2y_i 3, "
            "δ^ℓ_i = Σ_m w^{ℓ+1}_mi φ'(z^{ℓ+1}_m) δ^{ℓ+1}_m 3N_{ℓ+1} − 1, a ∇W entry 2, a ∇b entry 1; summed over ℓ: "
            f"C = {plain(closed_form(BETA))}, β = 1 with biases, 0 without",
            r"C = \sum_{\ell=1}^{L}\bigl(4N_{\ell}N_{\ell-1} + (1+2\beta)N_{\ell}\bigr) + \sum_{\ell=1}^{L-1} N_{\ell}(3N_{\ell+1} - 1) + 3N_{L}",
            Method.EXACT_COUNT,
            True,
            "SymPy's count_ops convention (a − b counts 1, 2·a counts 1); a sum over the layers, symbolic L",
        ),
        Evidence(
            f"the closed form equals count_ops of the per-architecture recursion on {2 * len(networks)} networks "
            f"({', '.join(map(str, networks))}, with and without biases)",
            r"C(N_0,\dots,N_L) = \#\text{ops of the recursion on each network}",
            Method.EXACT_COUNT,
            not mismatches,
            "; ".join(mismatches) if mismatches else "all equal (a check of the count on instances, not a proof for every size)",
        ),
        Evidence(
            "index shift: Σ_{ℓ=1}^{L−1} N_ℓ(3N_{ℓ+1} − 1) = Σ_{ℓ=2}^{L} N_{ℓ−1}(3N_ℓ − 1) ≤ Σ_{ℓ=1}^{L} N_{ℓ−1}(3N_ℓ − 1), "
            "and 3N_L ≤ Σ_ℓ 3N_ℓ: C ≤ Σ_{ℓ=1}^{L} P(N_{ℓ−1}, N_ℓ)",
            r"C \le \sum_{\ell=1}^{L} P(N_{\ell-1}, N_{\ell})",
            Method.EXACT_IDENTITY,
            shift_holds,
            f"SymPy's change_index: {plain(shifted)}; dropping non-negative terms (N ≥ 1) is elementary",
        ),
        Evidence(
            f"k·N_ℓ(N_{{ℓ−1}} + β) − P(N_{{ℓ−1}}, N_ℓ) has only non-negative coefficients in N − 1: C ≤ {bounds[False]}·d "
            f"without biases and C ≤ {bounds[True]}·d with biases, d = Σ_ℓ N_ℓ(N_{{ℓ−1}} + β) parameters; and C ≥ d",
            rf"d \le C \le {bounds[False]}\,d\ (\text{{no bias}}),\quad d \le C \le {bounds[True]}\,d\ (\text{{bias}}),"
            rf"\quad d = \sum_{{\ell=1}}^{{L}} N_{{\ell}}(N_{{\ell-1}} + \beta)",
            Method.EXACT_IDENTITY,
            None not in bounds.values() and lower,
            "a polynomial in s, t ≥ 0 with non-negative coefficients is ≥ 0 (expand, then read the coefficients)",
        ),
    )
    return Step(
        "L4",
        "one sample-wise gradient costs Θ(d) operations",
        f"for every L and all widths, the recursion's operation count C satisfies d ≤ C ≤ {bounds[False]}·d "
        f"(≤ {bounds[True]}·d with biases), d = the number of parameters: O(d)",
        rf"d \le C(N_0,\dots,N_L) \le {bounds[False]}\,d = O(d)",
        Method.EXACT_IDENTITY,
        evidence,
    )
