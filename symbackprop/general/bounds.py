"""L14 in general: ‖∇_{W^ℓ} e‖₂ ≤ ‖Diag(φ^ℓ')‖₂ ‖V^{ℓ+1} ⋯ V^L δ^L‖₂ ‖a^{ℓ−1}‖₂ for every layer and width.

Proved exactly with symbolic sizes: the rank-one identities (u vᵀ)ᵀ(u vᵀ) = ‖u‖² v vᵀ and
‖u vᵀ x‖² = ‖u‖² (vᵀx)², Lagrange's identity (hence Cauchy–Schwarz, so ‖u vᵀ‖₂ = ‖u‖ ‖v‖) and the
diagonal bound Σ (M − d_k²) x_k² ≥ 0.  Submultiplicativity of the operator norm and "a sum of squares
is non-negative" are standard facts, named and taken as given.
"""

from __future__ import annotations

import sympy as sp

from .checks import Identity, check
from .layer import index
from .result import Evidence, Method, Step
from .sums import matrix_entry

__all__ = ["l14_step", "l14_identities"]

m_, n_ = sp.Symbol("m", integer=True, positive=True), sp.Symbol("n", integer=True, positive=True)
r, s, k, t = (index(name) for name in "rskt")
u_, v_, x_, d_ = (sp.IndexedBase(name, real=True) for name in ("u", "v", "x", "d"))
M = sp.Symbol("M", nonnegative=True)
U, V, X = sp.MatrixSymbol("u", m_, 1), sp.MatrixSymbol("v", n_, 1), sp.MatrixSymbol("x", n_, 1)
_ATOMS = {U: lambda row, col: u_[row], V: lambda row, col: v_[row], X: lambda row, col: x_[row]}


def _norm_squared(vector: sp.IndexedBase, size: sp.Expr, name: sp.Symbol = k) -> sp.Expr:
    return sp.Sum(vector[name] ** 2, (name, 1, size))


def _dot(first: sp.IndexedBase, second: sp.IndexedBase, name: sp.Symbol = k) -> sp.Expr:
    return sp.Sum(first[name] * second[name], (name, 1, n_))


def l14_identities() -> list[Identity]:
    outer = U * V.T
    gram = outer.T * outer
    image = outer * X
    lagrange = sp.Rational(1, 2) * sp.Sum(sp.Sum((v_[r] * x_[s] - v_[s] * x_[r]) ** 2, (s, 1, n_)), (r, 1, n_))
    return [
        Identity(
            "gram",
            "((u vᵀ)ᵀ (u vᵀ))_rs = ‖u‖² v_r v_s for u ∈ R^m, v ∈ R^n (symbolic m, n)",
            r"\bigl((u v^{\top})^{\top}(u v^{\top})\bigr)_{rs} = \|u\|_2^{2}\, v_{r} v_{s}",
            Method.EXACT_IDENTITY,
            matrix_entry(gram, r, s, _ATOMS),
            _norm_squared(u_, m_) * v_[r] * v_[s],
            {r: (sp.Integer(1), n_), s: (sp.Integer(1), n_)},
        ),
        Identity(
            "image",
            "‖u vᵀ x‖² = ‖u‖² (vᵀ x)²",
            r"\|u v^{\top} x\|_2^{2} = \|u\|_2^{2}\,(v^{\top}x)^{2}",
            Method.EXACT_IDENTITY,
            matrix_entry(image.T * image, 1, 1, _ATOMS),
            _norm_squared(u_, m_) * _dot(v_, x_) ** 2,
            {},
        ),
        Identity(
            "lagrange",
            "Lagrange's identity ‖v‖² ‖x‖² − (vᵀx)² = ½ Σ_r Σ_s (v_r x_s − v_s x_r)²",
            r"\|v\|_2^{2}\|x\|_2^{2} - (v^{\top}x)^{2} = \tfrac12 \sum_{r=1}^{n}\sum_{s=1}^{n} (v_{r}x_{s} - v_{s}x_{r})^{2}",
            Method.EXACT_IDENTITY,
            _norm_squared(v_, n_) * _norm_squared(x_, n_) - _dot(v_, x_) ** 2,
            lagrange,
            {},
        ),
        Identity(
            "equality",
            "at x = v: ‖u vᵀ v‖² = ‖u‖² ‖v‖⁴, so the bound ‖u vᵀ x‖ ≤ ‖u‖ ‖v‖ ‖x‖ is attained",
            r"\|u v^{\top} v\|_2^{2} = \|u\|_2^{2}\,\|v\|_2^{4}",
            Method.EXACT_IDENTITY,
            matrix_entry((outer * V).T * (outer * V), 1, 1, _ATOMS),
            _norm_squared(u_, m_) * _norm_squared(v_, n_) ** 2,
            {},
        ),
        Identity(
            "diagonal",
            "‖Diag(d) x‖² = M ‖x‖² − Σ_k (M − d_k²) x_k², so ‖Diag(d)‖₂ ≤ max_k |d_k| (take M = max_k d_k²)",
            r"\|\Diag(d)\,x\|_2^{2} = M\|x\|_2^{2} - \sum_{k=1}^{n} (M - d_{k}^{2})\, x_{k}^{2}",
            Method.EXACT_IDENTITY,
            sp.Sum(d_[k] ** 2 * x_[k] ** 2, (k, 1, n_)),
            M * _norm_squared(x_, n_) - sp.Sum((M - d_[k] ** 2) * x_[k] ** 2, (k, 1, n_)),
            {},
        ),
    ]


def l14_step(factorisation_holds: bool) -> Step:
    """L14 for every layer; ``factorisation_holds`` says whether steps L10 and L11 (∇W = Diag u vᵀ) hold."""
    lemmas = (
        Evidence(
            "a sum of squares is ≥ 0: with Lagrange's identity, (vᵀx)² ≤ ‖v‖²‖x‖² (Cauchy–Schwarz), hence "
            "‖u vᵀ x‖ ≤ ‖u‖ ‖v‖ ‖x‖ with equality at x = v: ‖u vᵀ‖₂ = ‖u‖₂ ‖v‖₂ (operator-norm definition)",
            r"\|u v^{\top}\|_2 = \max_{\|x\|_2 = 1} \|u v^{\top} x\|_2 = \|u\|_2 \|v\|_2",
            Method.LEMMA,
            True,
            "taken as given: squares are non-negative; ‖A‖₂ = max over unit x of ‖Ax‖₂",
        ),
        Evidence(
            "M − d_k² ≥ 0 for M = max_k d_k², so ‖Diag(d)‖₂ ≤ max_k |d_k| (= for the unit vector at the maximum)",
            r"\|\Diag(\varphi^{\ell\prime})\|_2 = \max_{i} |\varphi'(z^{\ell}_{i})|",
            Method.LEMMA,
            True,
            "taken as given",
        ),
        Evidence(
            "submultiplicativity of the operator norm: ‖AB‖₂ ≤ ‖A‖₂ ‖B‖₂",
            r"\|AB\|_2 \le \|A\|_2 \|B\|_2",
            Method.LEMMA,
            True,
            "taken as given (standard norm fact)",
        ),
        Evidence(
            "∇_{W^ℓ} e = Diag(φ^ℓ') u vᵀ with u = V^{ℓ+1} ⋯ V^L δ^L, v = a^{ℓ−1} (steps L10, L11)",
            r"\nabla_{W^{\ell}} e = \Diag(\varphi^{\ell\prime})\,\bigl(V^{\ell+1}\cdots V^{L}\delta^{L}\bigr)(a^{\ell-1})^{\top}",
            Method.INDUCTION,
            factorisation_holds,
            "" if factorisation_holds else "step L10 or L11 fails",
        ),
    )
    return Step(
        "L14",
        "the vanishing / exploding gradient bound",
        "for every layer ℓ and all widths: ‖∇_{W^ℓ} e‖₂ ≤ ‖Diag(φ^ℓ')‖₂ ‖V^{ℓ+1} ⋯ V^L δ^L‖₂ ‖a^{ℓ−1}‖₂ "
        "≤ max_i |φ'(z^ℓ_i)| · ‖V^{ℓ+1}‖₂ ⋯ ‖V^L‖₂ ‖δ^L‖₂ ‖a^{ℓ−1}‖₂",
        r"\|\nabla_{W^{\ell}} e\|_2 \le \|\Diag(\varphi^{\ell\prime})\|_2\,\|V^{\ell+1}\cdots V^{L}\delta^{L}\|_2\,"
        r"\|a^{\ell-1}\|_2 \le \max_{i}|\varphi'(z^{\ell}_{i})| \prod_{k=\ell+1}^{L}\|V^{k}\|_2\,\|\delta^{L}\|_2\,\|a^{\ell-1}\|_2",
        Method.EXACT_IDENTITY,
        (*(check(identity) for identity in l14_identities()), *lemmas),
    )
