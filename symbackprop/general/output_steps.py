"""The base case δ^L = ∂e/∂a^L for every output width N_L: squared loss, softmax with CE / KL, logistic.

The losses are written with symbolic N_L (= C classes for softmax) as SymPy sums and differentiated by
SymPy; the candidate recursion's δ^L is compared with the derivative exactly.
"""

from __future__ import annotations

import random
import sympy as sp

from .checks import Identity, assemble_step
from .layer import index
from .recursion import Recursion
from .result import Method, Step

__all__ = ["OutputLayer", "base_steps", "cross_entropy_gradient_identities"]

i, j, r = (index(name) for name in "ijr")


class OutputLayer:
    """The last layer: a^L ∈ R^{N_L} (softmax inputs for C = N_L classes), targets y."""

    a = sp.IndexedBase(r"a^{L}", real=True)
    y = sp.IndexedBase("y", real=True)

    def __init__(self, width: sp.Expr | int | None = None) -> None:
        self.width = sp.Symbol("N_L", integer=True, positive=True) if width is None else sp.sympify(width)

    @property
    def widths(self) -> dict[str, int]:
        return {"N_L": int(self.width)}

    def normaliser(self) -> sp.Expr:
        """Σ_{r=1}^{N_L} exp(a^L_r)."""
        return sp.Sum(sp.exp(self.a[r]), (r, 1, self.width))

    def q(self, index_: sp.Expr) -> sp.Expr:
        """q_j = exp(a^L_j) / Σ_r exp(a^L_r) (L18)."""
        return sp.exp(self.a[index_]) / self.normaliser()

    def squared(self) -> sp.Expr:
        return sp.Sum((self.y[j] - self.a[j]) ** 2, (j, 1, self.width))

    def cross_entropy(self, target: sp.IndexedBase | None = None) -> sp.Expr:
        target = self.y if target is None else target
        return -sp.Sum(target[j] * sp.log(self.q(j)), (j, 1, self.width))

    def kl(self) -> sp.Expr:
        return sp.Sum(self.y[j] * sp.log(self.y[j] / self.q(j)), (j, 1, self.width))

    def one_hot(self, rng: random.Random) -> dict[sp.Basic, sp.Expr]:
        hot = rng.randint(1, int(self.width))
        return {self.y[k]: sp.Integer(int(k == hot)) for k in range(1, int(self.width) + 1)}

    @property
    def ranges(self) -> dict[sp.Symbol, tuple[sp.Expr, sp.Expr]]:
        return {i: (sp.Integer(1), self.width)}


OUTPUT_CONFIGURATIONS = tuple((layer, layer.widths) for layer in (OutputLayer(2), OutputLayer(3)))
_A = sp.Symbol("a^{L}_{1}", positive=True)  # 0 < a < 1 for a sigmoid output
_Y = sp.Symbol("y", real=True)
_Z = sp.Symbol("z^{L}_{1}", real=True)


def cross_entropy_gradient_identities(layer: OutputLayer, target: sp.IndexedBase | None = None) -> Identity:
    """∂CE(p, softmax(a))/∂a_i = q_i Σ_j p_j − p_i (no hypothesis on p), by SymPy's diff."""
    target = layer.y if target is None else target
    name = "y" if target is layer.y else "p"
    return Identity(
        "CE gradient",
        f"∂CE/∂a^L_i = q_i Σ_j {name}_j − {name}_i  (CE = −Σ_j {name}_j log q_j, symbolic number of classes)",
        rf"\frac{{\partial\,\mathrm{{CE}}}}{{\partial a^{{L}}_{{i}}}} = q_{{i}} \sum_{{j=1}}^{{C}} {name}_{{j}} - {name}_{{i}}",
        Method.SYMBOLIC_DIFFERENTIATION,
        layer.q(i) * sp.Sum(target[j], (j, 1, layer.width)) - target[i],
        sp.diff(layer.cross_entropy(target), layer.a[i]),
        layer.ranges,
    )


def _squared(recursion: Recursion, layer: OutputLayer) -> list[Identity]:
    return [
        Identity(
            "squared",
            "δ^L_i = ∂/∂a^L_i Σ_{j=1}^{N_L} (y_j − a^L_j)²",
            r"\delta^{L}_{i} = \frac{\partial}{\partial a^{L}_{i}} \sum_{j=1}^{N_{L}} \bigl(y_{j} - a^{L}_{j}\bigr)^{2}",
            Method.SYMBOLIC_DIFFERENTIATION,
            recursion.output_delta("squared", layer.a[i], layer.y[i], None),
            sp.diff(layer.squared(), layer.a[i]),
            layer.ranges,
        )
    ]


def _softmax(recursion: Recursion, layer: OutputLayer) -> list[Identity]:
    one_hot = {sp.Sum(layer.y[j], (j, 1, layer.width)): sp.Integer(1)}
    sample = layer.one_hot if layer.width.is_Integer else None
    return [
        Identity(
            loss,
            f"δ^L_i = ∂{name}/∂a^L_i when Σ_j y_j = 1 (one-hot y)",
            rf"\delta^{{L}}_{{i}} = \frac{{\partial\,\mathrm{{{name}}}}}{{\partial a^{{L}}_{{i}}}}\ \text{{when }} \textstyle\sum_{{j}} y_{{j}} = 1",
            Method.SYMBOLIC_DIFFERENTIATION,
            recursion.output_delta(loss, layer.a[i], layer.y[i], layer.q(i)),
            sp.diff(expression, layer.a[i]),
            layer.ranges,
            hypotheses=one_hot,
            sample=sample,
        )
        for loss, name, expression in (("cross_entropy", "CE", layer.cross_entropy()), ("kl", "KL", layer.kl()))
    ]


def _logistic_sample(rng: random.Random) -> dict[sp.Basic, sp.Expr]:
    return {_A: sp.Rational(rng.randint(1, 9), 10), _Y: sp.Integer(rng.choice((-1, 1)))}


def _logistic(recursion: Recursion, layer: object = None) -> list[Identity]:
    loss = -(1 + _Y) / 2 * sp.log(_A) - (1 - _Y) / 2 * sp.log(1 - _A)
    return [
        Identity(
            "logistic",
            "δ^L_1 = ∂e/∂a^L_1 for e = −(1+y)/2 log a^L_1 − (1−y)/2 log(1 − a^L_1)",
            r"\delta^{L}_{1} = \frac{\partial}{\partial a^{L}_{1}}\Bigl(-\tfrac{1+y}{2}\log a^{L}_{1} - \tfrac{1-y}{2}\log(1-a^{L}_{1})\Bigr)",
            Method.SYMBOLIC_DIFFERENTIATION,
            recursion.output_delta("logistic", _A, _Y, None),
            sp.diff(loss, _A),
            {},
            elementary=True,
            sample=_logistic_sample,
        )
    ]


def _logistic_facts() -> list[Identity]:
    sigma = 1 / (1 + sp.exp(-_Z))
    loss = -(1 + _Y) / 2 * sp.log(sigma) - (1 - _Y) / 2 * sp.log(1 - sigma)
    facts = []
    for label in (1, -1):
        at = loss.xreplace({_Y: label})
        facts.append(
            Identity(
                f"log-form y={label}",
                f"for y = {label:+d} and a^L_1 = σ(z^L_1): e = log(1 + exp({'-' if label > 0 else ''}z^L_1))",
                rf"y = {label:+d}:\ e = \log\bigl(1 + e^{{{'-' if label > 0 else ''}z^{{L}}_{{1}}}}\bigr)",
                Method.EXACT_IDENTITY,
                sp.log(1 + sp.exp(-label * _Z)),
                at,
                {},
                elementary=True,
            )
        )
        facts.append(
            Identity(
                f"dz y={label}",
                f"for y = {label:+d}: ∂e/∂z^L_1 = σ(z^L_1) − (1+y)/2",
                rf"y = {label:+d}:\ \frac{{\partial e}}{{\partial z^{{L}}_{{1}}}} = \sigma(z^{{L}}_{{1}}) - \tfrac{{1+y}}{{2}}",
                Method.SYMBOLIC_DIFFERENTIATION,
                sigma - sp.Rational(1 + label, 2),
                sp.diff(at, _Z),
                {},
                elementary=True,
            )
        )
    return facts


def base_steps(recursion: Recursion) -> tuple[Step, Step, Step]:
    """base-squared, base-softmax and base-logistic for the candidate's δ^L, N_L symbolic."""
    layer = OutputLayer()
    squared = assemble_step(
        "base-squared",
        "base case: the squared loss",
        "squared loss e = Σ_{j=1}^{N_L} (y_j − a^L_j)²: the recursion's δ^L equals ∂e/∂a^L",
        r"e = \sum_{j=1}^{N_{L}} \bigl(y_{j} - a^{L}_{j}\bigr)^{2}:\quad \delta^{L} = \frac{\partial e}{\partial a^{L}} = 2\,(a^{L} - y)",
        Method.SYMBOLIC_DIFFERENTIATION,
        _squared(recursion, layer),
        build=lambda sizes: _squared(recursion, sizes),
        configurations=OUTPUT_CONFIGURATIONS,
    )
    softmax = assemble_step(
        "base-softmax",
        "base case: softmax with cross-entropy or KL",
        "softmax output q = softmax(a^L), C = N_L classes, e = CE(y, q) or KL(y‖q), one-hot y: δ^L = q − y",
        r"q = \mathrm{softmax}(a^{L}),\ e \in \{\mathrm{CE}(y, q), \mathrm{KL}(y\,\|\,q)\},\ \textstyle\sum_{j} y_{j} = 1:"
        r"\quad \delta^{L} = \frac{\partial e}{\partial a^{L}} = q - y",
        Method.SYMBOLIC_DIFFERENTIATION,
        [cross_entropy_gradient_identities(layer), *_softmax(recursion, layer)],
        build=lambda sizes: _softmax(recursion, sizes),
        configurations=OUTPUT_CONFIGURATIONS,
    )
    logistic = assemble_step(
        "base-logistic",
        "base case: the logistic loss",
        "logistic loss, one sigmoid output a^L_1 = σ(z^L_1), y ∈ {+1, −1}: δ^L_1 = (a^L_1 − (1+y)/2) / (a^L_1 (1 − a^L_1))",
        r"e = \log\bigl(1 + e^{-y z^{L}_{1}}\bigr):\quad \delta^{L}_{1} = \frac{\partial e}{\partial a^{L}_{1}} = "
        r"\frac{a^{L}_{1} - \frac{1+y}{2}}{a^{L}_{1}(1 - a^{L}_{1})}",
        Method.SYMBOLIC_DIFFERENTIATION,
        [*_logistic(recursion), *_logistic_facts()],
        build=lambda sizes: _logistic(recursion),
        configurations=((None, {"N_L": 1}),),
    )
    return squared, softmax, logistic
