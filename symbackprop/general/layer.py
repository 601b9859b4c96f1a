"""A generic layer ℓ of the lecture's MLP with symbolic widths N_{ℓ−1}, N_ℓ, N_{ℓ+1} and symbolic indices.

The same object with small concrete widths gives the instances at which a failing step is checked.
Entries are SymPy ``Indexed`` symbols (1-based, as in the lecture); the matrices W^ℓ, δ^ℓ, Diag(φ^ℓ') …
are ``MatrixSymbol``s of the same (symbolic) shape whose entries map onto those symbols, so a rule
written with matrices — (W^{ℓ+1})^T Diag(φ^{ℓ+1}') — has its entries computed by SymPy, not typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Callable

import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix

from ..activations import phi, phi_prime

__all__ = ["GenericLayer", "index"]


def index(name: str) -> sp.Symbol:
    """An integer index symbol (its range is given where it is used)."""
    return sp.Symbol(name, integer=True)


def _width(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True, positive=True)


@dataclass(frozen=True)
class GenericLayer:
    """Layers ℓ−1, ℓ, ℓ+1: weights w^ℓ, w^{ℓ+1}, biases, pre-activations, activations and δ's."""

    previous: sp.Expr  # N_{ℓ−1}
    width: sp.Expr  # N_ℓ
    following: sp.Expr  # N_{ℓ+1}

    @classmethod
    def symbolic(cls) -> "GenericLayer":
        return cls(_width(r"N_{\ell-1}"), _width(r"N_{\ell}"), _width(r"N_{\ell+1}"))

    @classmethod
    def concrete(cls, previous: int, width: int, following: int) -> "GenericLayer":
        return cls(sp.Integer(previous), sp.Integer(width), sp.Integer(following))

    @property
    def widths(self) -> dict[str, sp.Expr]:
        return {"N_ℓ-1": self.previous, "N_ℓ": self.width, "N_ℓ+1": self.following}

    # --- entries (1-based Indexed symbols) ------------------------------------------------------------
    w = sp.IndexedBase(r"w^{\ell}")
    b = sp.IndexedBase(r"b^{\ell}")
    a_previous = sp.IndexedBase(r"a^{\ell-1}")
    z = sp.IndexedBase(r"z^{\ell}")
    a = sp.IndexedBase(r"a^{\ell}")
    delta = sp.IndexedBase(r"\delta^{\ell}")
    w_next = sp.IndexedBase(r"w^{\ell+1}")
    b_next = sp.IndexedBase(r"b^{\ell+1}")
    z_next = sp.IndexedBase(r"z^{\ell+1}")
    delta_next = sp.IndexedBase(r"\delta^{\ell+1}")
    de_dz = sp.IndexedBase(r"\tfrac{\partial e}{\partial z^{\ell}}")
    de_dz_next = sp.IndexedBase(r"\tfrac{\partial e}{\partial z^{\ell+1}}")

    def z_definition(self, i: sp.Expr, k: sp.Symbol | None = None) -> sp.Expr:
        """z^ℓ_i = Σ_{k=1}^{N_{ℓ−1}} w^ℓ_ik a^{ℓ−1}_k + b^ℓ_i."""
        k = k or index("k")
        return sp.Sum(self.w[i, k] * self.a_previous[k], (k, 1, self.previous)) + self.b[i]

    def z_next_definition(self, m: sp.Expr, k: sp.Symbol | None = None) -> sp.Expr:
        """z^{ℓ+1}_m = Σ_{k=1}^{N_ℓ} w^{ℓ+1}_mk a^ℓ_k + b^{ℓ+1}_m."""
        k = k or index("k")
        return sp.Sum(self.w_next[m, k] * self.a[k], (k, 1, self.width)) + self.b_next[m]

    def activation_derivative(self, i: sp.Expr, variable: sp.Basic) -> sp.Expr:
        """∂a^ℓ_i/∂(variable) by SymPy from a^ℓ_i = φ(z^ℓ_i(w^ℓ, a^{ℓ−1}, b^ℓ)), φ' written at the atom z^ℓ_i."""
        definition = self.z_definition(i)
        return sp.diff(phi(definition), variable).xreplace({definition: self.z[i]})

    def next_activation_derivative(self, m: sp.Expr, variable: sp.Basic) -> sp.Expr:
        """∂a^{ℓ+1}_m/∂(variable) by SymPy from a^{ℓ+1}_m = φ(z^{ℓ+1}_m(w^{ℓ+1}, a^ℓ, b^{ℓ+1}))."""
        definition = self.z_next_definition(m)
        return sp.diff(phi(definition), variable).xreplace({definition: self.z_next[m]})

    # --- matrices (symbolic shapes) whose entries are the symbols above -------------------------------
    @cached_property
    def W(self) -> sp.MatrixSymbol:
        return sp.MatrixSymbol("W^{\\ell}", self.width, self.previous)

    @cached_property
    def W_next(self) -> sp.MatrixSymbol:
        return sp.MatrixSymbol("W^{\\ell+1}", self.following, self.width)

    @cached_property
    def A_previous(self) -> sp.MatrixSymbol:
        return sp.MatrixSymbol("a^{\\ell-1}", self.previous, 1)

    @cached_property
    def Delta(self) -> sp.MatrixSymbol:
        return sp.MatrixSymbol("\\delta^{\\ell}", self.width, 1)

    @cached_property
    def Delta_next(self) -> sp.MatrixSymbol:
        return sp.MatrixSymbol("\\delta^{\\ell+1}", self.following, 1)

    @cached_property
    def _phi_prime(self) -> sp.MatrixSymbol:
        return sp.MatrixSymbol("\\varphi^{\\ell\\prime}", self.width, 1)

    @cached_property
    def _phi_prime_next(self) -> sp.MatrixSymbol:
        return sp.MatrixSymbol("\\varphi^{\\ell+1\\prime}", self.following, 1)

    @cached_property
    def Diag(self) -> sp.MatrixExpr:
        """Diag(φ^ℓ') = diag(φ'(z^ℓ_1), …, φ'(z^ℓ_{N_ℓ}))."""
        return DiagMatrix(self._phi_prime)

    @cached_property
    def Diag_next(self) -> sp.MatrixExpr:
        return DiagMatrix(self._phi_prime_next)

    @cached_property
    def atoms(self) -> dict[sp.MatrixSymbol, Callable[[sp.Expr, sp.Expr], sp.Expr]]:
        """Entry (r, c) of each matrix symbol (1-based) as the lecture's symbol."""
        return {
            self.W: lambda r, c: self.w[r, c],
            self.W_next: lambda r, c: self.w_next[r, c],
            self.A_previous: lambda r, c: self.a_previous[r],
            self.Delta: lambda r, c: self.delta[r],
            self.Delta_next: lambda r, c: self.delta_next[r],
            self._phi_prime: lambda r, c: phi_prime(self.z[r]),
            self._phi_prime_next: lambda r, c: phi_prime(self.z_next[r]),
        }
