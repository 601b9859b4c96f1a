"""One registry of activation functions: symbolic form, derivative formula, LaTeX name.

Each :class:`Activation` knows
- ``apply(z)``: φ(z) as a SymPy expression that prints in the lecture's notation;
- ``definition(z)``: φ in elementary functions (what the derivative lemma differentiates);
- ``derivative(z, a)``: the formula for φ'(z) used by backpropagation, written with the layer's own
  symbols (σ' = a(1 − a), tanh' = 1 − a², ReLU' = H(z) with H(0) = 0, identity' = 1, and φ'(z) for the generic φ).

The generic ``"phi"`` is an undefined function: a derivation proved for it holds for every
differentiable activation at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import sympy as sp

from .errors import ArgumentTypeError, SpecError

__all__ = ["Activation", "ACTIVATIONS", "get_activation", "phi", "phi_prime", "sigmoid", "relu", "heaviside", "RELU_CONVENTION"]

RELU_CONVENTION = "ReLU'(0) = H(0) = 0, as in PyTorch"
"""ReLU has no derivative at 0; everywhere in symbackprop (prover, checker, compiled code, documents) its
derivative there is taken to be 0: H is the step with H(0) = 0."""


def heaviside(argument: sp.Expr) -> sp.Expr:
    """H(u), the step function with the project's convention H(0) = 0 (SymPy's default would be ½).

    >>> heaviside(sp.Integer(0)), heaviside(sp.Integer(3))
    (0, 1)
    """
    return sp.Heaviside(argument, 0)


class phi(sp.Function):
    """The lecture's generic activation φ (an undefined, differentiable function)."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return phi_prime(self.args[0])

    def _eval_evalf(self, prec: int) -> None:
        # φ has no numeric value; without this SymPy's evalf looks up ``mpmath.phi`` (the golden ratio
        # constant) by name and calls it with the argument as a precision, which raises TypeError —
        # and SymPy's assumption queries (is_zero, is_positive) on φ(number) go through evalf.
        return None

    def _latex(self, printer, exp=None):  # noqa: ANN001 - SymPy printer protocol
        base = r"\varphi" if exp is None else r"\varphi^{%s}" % exp
        return r"%s\left(%s\right)" % (base, printer._print(self.args[0]))

    def _sympystr(self, printer) -> str:  # noqa: ANN001
        return "phi(%s)" % printer._print(self.args[0])


class phi_prime(sp.Function):
    """φ'(z): the derivative of the generic activation, kept unevaluated."""

    nargs = 1

    def _latex(self, printer, exp=None):  # noqa: ANN001
        body = r"\varphi'\left(%s\right)" % printer._print(self.args[0])
        return body if exp is None else r"\left(%s\right)^{%s}" % (body, exp)

    def _sympystr(self, printer) -> str:  # noqa: ANN001
        return "phi'(%s)" % printer._print(self.args[0])


class sigmoid(sp.Function):
    """σ(z) = 1 / (1 + e^{-z}), printed as σ; its derivative is σ(1 − σ)."""

    nargs = 1

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg.is_zero:
            return sp.S.Half
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return self * (1 - self)

    def _eval_rewrite_as_exp(self, arg: sp.Expr, **kwargs: object) -> sp.Expr:
        return 1 / (1 + sp.exp(-arg))

    def _latex(self, printer, exp=None):  # noqa: ANN001
        base = r"\sigma" if exp is None else r"\sigma^{%s}" % exp
        return r"%s\left(%s\right)" % (base, printer._print(self.args[0]))


class relu(sp.Function):
    """ReLU(z) = max(0, z); its derivative is the step H(z), with H(0) = 0 (:data:`RELU_CONVENTION`)."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return heaviside(self.args[0])

    def _eval_rewrite_as_Max(self, arg: sp.Expr, **kwargs: object) -> sp.Expr:
        return sp.Max(0, arg)

    def _latex(self, printer, exp=None):  # noqa: ANN001
        base = r"\operatorname{ReLU}" if exp is None else r"\operatorname{ReLU}^{%s}" % exp
        return r"%s\left(%s\right)" % (base, printer._print(self.args[0]))


@dataclass(frozen=True)
class Activation:
    """An activation φ with everything the derivations and printers need."""

    name: str
    latex: str
    description: str
    apply: Callable[[sp.Expr], sp.Expr]
    definition: Callable[[sp.Expr], sp.Expr]
    derivative: Callable[[sp.Expr, sp.Expr], sp.Expr]
    derivative_latex: str
    generic: bool = False

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


ACTIVATIONS: dict[str, Activation] = {
    activation.name: activation
    for activation in (
        Activation(
            name="phi",
            latex=r"\varphi",
            description="generic differentiable activation φ (results hold for every φ)",
            apply=phi,
            definition=phi,
            derivative=lambda z, a: phi_prime(z),
            derivative_latex=r"\varphi'(z)",
            generic=True,
        ),
        Activation(
            name="sigmoid",
            latex=r"\sigma",
            description="logistic sigmoid σ(z) = 1/(1+e^{-z})",
            apply=sigmoid,
            definition=lambda z: 1 / (1 + sp.exp(-z)),
            derivative=lambda z, a: a * (1 - a),
            derivative_latex=r"\sigma'(z) = \sigma(z)\,\bigl(1-\sigma(z)\bigr)",
        ),
        Activation(
            name="tanh",
            latex=r"\tanh",
            description="hyperbolic tangent",
            apply=sp.tanh,
            definition=lambda z: (sp.exp(z) - sp.exp(-z)) / (sp.exp(z) + sp.exp(-z)),
            derivative=lambda z, a: 1 - a**2,
            derivative_latex=r"\tanh'(z) = 1-\tanh^{2}(z)",
        ),
        Activation(
            name="relu",
            latex=r"\operatorname{ReLU}",
            description="rectified linear unit max(0, z)",
            apply=relu,
            definition=lambda z: sp.Max(0, z),
            derivative=lambda z, a: heaviside(z),
            derivative_latex=r"\operatorname{ReLU}'(z) = H(z),\ H(0) = 0",
        ),
        Activation(
            name="identity",
            latex=r"\operatorname{id}",
            description="identity (linear output)",
            apply=lambda z: z,
            definition=lambda z: z,
            derivative=lambda z, a: sp.Integer(1),
            derivative_latex=r"\operatorname{id}'(z) = 1",
        ),
    )
}

_ALIASES = {"linear": "identity", "logistic": "sigmoid", "φ": "phi", "σ": "sigmoid"}


def get_activation(name: str) -> Activation:
    """Look an activation up by name (``phi``, ``sigmoid``, ``tanh``, ``relu``, ``identity``)."""
    if not isinstance(name, str):
        raise ArgumentTypeError(f"an activation is named by a string, got {type(name).__name__}")
    key = _ALIASES.get(name.strip().lower(), name.strip().lower())
    try:
        return ACTIVATIONS[key]
    except KeyError:
        known = ", ".join(sorted(ACTIVATIONS))
        raise SpecError(f"unknown activation {name!r}; choose one of: {known}") from None
