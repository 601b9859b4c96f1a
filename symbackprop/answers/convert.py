"""A parsed answer (SymPy, in the lecture's symbols) rewritten into the proof engine's vocabulary.

Every intermediate quantity becomes its definition: z^ℓ_i its affine form, q_j the softmax of a^L,
δ^ℓ_i the backprop recursion (∂e/∂a^ℓ_i, the lecture's δ).  An activation applied to its own layer's
pre-activation becomes the layer atom (φ(z^ℓ_i) ↦ a^ℓ_i, φ'(z^ℓ_i) ↦ φ'-atom), also when z^ℓ_i is written
out as W^ℓ a^{ℓ-1} + b^ℓ.  For a concrete activation the exponential forms of a layer's own z are
rewritten rationally in its atom — σ: e^{kz} = (a/(1−a))^k; tanh: e^{2kz} = ((1+a)/(1−a))^k — and σ(u),
tanh(u) elsewhere go through e^u, so that every equivalent form the lecture allows (σ'(z) = σ(z)(1−σ(z))
= a(1−a) = e^{−z}/(1+e^{−z})²) lands on the same rational function of the atoms.
"""

from __future__ import annotations

from typing import Callable, Mapping

import symengine as se
import sympy as sp

from ..activations import phi, phi_prime, relu, sigmoid
from ..derive._engine import HEAVISIDE, NetworkEngine
from ..errors import NotSupportedError
from .size import EXACT_LIMIT, expansion_bound

__all__ = ["AnswerConverter"]

_PHI = se.Function("phi")
_PHI_PRIME = se.Function("phi'")
_RELU = se.Function("relu")


class AnswerConverter:
    """Convert SymPy answers of one network into SymEngine, memoised over the expression DAG."""

    def __init__(self, engine: NetworkEngine, delta_values: Mapping[sp.Symbol, se.Basic]) -> None:
        self.engine = engine
        self.net = engine.net
        self.delta_values = dict(delta_values)
        names = {self.net.activation(layer).name for layer in range(1, self.net.depth + 1)}
        # φ written around something that is not a layer's own z means "the" activation only when
        # every layer has the same concrete one; otherwise it stays the generic φ.
        self.uniform = next(iter(names)) if len(names) == 1 and names != {"phi"} else None
        self._weight_layers: dict[se.Symbol, tuple[int, int]] = {}
        for layer in range(1, self.net.depth + 1):
            for i in range(self.net.sizes[layer]):
                self._weight_layers[engine.symbol[self.net.W(layer)[i, 0]]] = (layer, i)
        self._cache: dict[sp.Basic, se.Basic] = {}
        # e^{z^ℓ_i} of a tanh neuron (odd multiples of z are not rational in tanh z): atom -> (ℓ, i)
        self.exp_atoms: dict[se.Symbol, tuple[int, int]] = {}

    def exp_atom(self, layer: int, i: int) -> se.Symbol:
        """The atom standing for e^{z^ℓ_i} of a tanh neuron (0-based i)."""
        atom = se.Symbol(f"\\exp(z^{{{layer}}}_{{{i + 1}}})")
        self.exp_atoms[atom] = (layer, i)
        return atom

    def rationalise(self, expression: se.Basic, used: set) -> se.Basic:
        """For the e^{z} atoms ``used`` (of tanh neurons), write a^ℓ_i as (e^{2z} − 1)/(e^{2z} + 1), so that
        expressions with both are rational in e^{z} (an exact rewrite, since a^ℓ_i = tanh z^ℓ_i)."""
        substitutions = {}
        for atom in used:
            layer, i = self.exp_atoms[atom]
            substitutions[self.engine.a_atoms[layer][i]] = (atom**2 - 1) / (atom**2 + 1)
        return expression.xreplace(substitutions) if substitutions else expression

    def __call__(self, expression: sp.Basic) -> se.Basic:
        if len(self._cache) > 20_000:  # a long batch must not grow memory without bound
            self._cache.clear()
        return self._convert(expression)

    # --- the tree walk (depth is bounded by the parser's limits) ------------------------------------
    def _convert(self, expr: sp.Basic) -> se.Basic:
        cached = self._cache.get(expr)
        if cached is not None:
            return cached
        if expr.is_Symbol:
            result = self.delta_values[expr] if expr in self.delta_values else self.engine._symbol_value(expr, {})
        elif expr.is_Integer:
            result = se.Integer(int(expr))
        elif expr.is_Rational:
            result = se.Rational(int(expr.p), int(expr.q))
        elif expr is sp.E:
            result = se.E
        elif expr.is_Add:
            result = se.add(*[self._convert(arg) for arg in expr.args])
        elif expr.is_Mul:
            result = se.Mul(*[self._convert(arg) for arg in expr.args])
        elif expr.is_Pow:
            result = self._convert(expr.base) ** self._convert(expr.exp)
        elif isinstance(expr, sp.exp):
            result = self._exp(expr.args[0], 1)
        elif isinstance(expr, sp.log):
            result = se.log(self._convert(expr.args[0]))
        elif isinstance(expr, sp.Heaviside):
            result = HEAVISIDE(self._convert(expr.args[0]))
        elif isinstance(expr, (phi, phi_prime, sigmoid, sp.tanh, relu)):
            result = self._activation(expr.func, expr.args[0])
        else:
            raise NotSupportedError(f"cannot compare an answer containing {type(expr).__name__}")
        self._cache[expr] = result
        return result

    # --- activations and exponentials ---------------------------------------------------------------
    def _activation(self, function: type, argument: sp.Expr) -> se.Basic:
        match = self._neuron(argument)
        if match is not None:
            k, layer, i = match
            own = self.net.activation(layer).name
            if k == 1 and (function is phi or _NAME.get(function) == own):
                return self.engine.a_atoms[layer][i]
            if k == 1 and function is phi_prime:
                return self.engine.d_atoms[layer][i]
            if function is sp.tanh and k == -1 and own == "tanh":
                return -self.engine.a_atoms[layer][i]
        if function is phi:
            return self._apply(self.uniform, argument) if self.uniform else _PHI(self._convert(argument))
        if function is phi_prime:
            return self._derivative(self.uniform, argument) if self.uniform else _PHI_PRIME(self._convert(argument))
        return self._apply(_NAME[function], argument)

    def _apply(self, name: str, argument: sp.Expr) -> se.Basic:
        if name == "sigmoid":
            return 1 / (1 + self._exp(argument, -1))
        if name == "tanh":
            double = self._exp(argument, 2)
            return (double - 1) / (double + 1)
        if name == "relu":
            match = self._neuron(argument)
            if match is not None and match[0] == 1 and self.net.activation(match[1]).name == "relu":
                return self.engine.a_atoms[match[1]][match[2]]
            return _RELU(self._convert(argument))
        if name == "identity":
            return self._convert(argument)
        raise NotSupportedError(f"unknown activation {name}")  # pragma: no cover

    def _derivative(self, name: str, argument: sp.Expr) -> se.Basic:
        if name == "sigmoid":
            value = self._apply("sigmoid", argument)
            return value * (1 - value)
        if name == "tanh":
            return 1 - self._apply("tanh", argument) ** 2
        if name == "relu":
            return HEAVISIDE(self._convert(argument))
        return se.Integer(1)

    def _exp(self, argument: sp.Expr, factor: int) -> se.Basic:
        """e^{factor·argument}, rational in the layer atom when the argument is a multiple of a sigmoid or
        tanh layer's own pre-activation."""
        match = self._neuron(argument)
        if match is not None:
            k, layer, i = match
            power = k * factor
            if abs(power) > _MAX_REWRITE_POWER:
                return se.exp(se.Integer(factor) * self._convert(argument))
            atom = self.engine.a_atoms[layer][i]
            own = self.net.activation(layer).name
            if own == "sigmoid" and power.is_Integer:
                return (atom / (1 - atom)) ** se.Integer(int(power))
            if own == "tanh" and power.is_Integer and int(power) % 2 == 0:
                return ((1 + atom) / (1 - atom)) ** se.Integer(int(power) // 2)
            if own == "tanh" and power.is_Integer:
                return self.exp_atom(layer, i) ** se.Integer(int(power))
        return se.exp(se.Integer(factor) * self._convert(argument))

    def _neuron(self, argument: sp.Expr) -> tuple[sp.Rational, int, int] | None:
        """(k, ℓ, i) when the argument equals k·z^ℓ_i exactly (k rational), written either way."""
        coefficient, rest = argument.as_coeff_Mul()
        if rest.is_Symbol and rest in self.engine._layer_of_z:
            layer, i = self.engine._layer_of_z[rest]
            return sp.Rational(coefficient), layer, i
        value = self._convert(argument)
        for symbol in value.free_symbols:
            position = self._weight_layers.get(symbol)
            if position is None:
                continue
            layer, i = position
            definition = self.engine.z_atoms[layer][i]
            first_input = self.engine.a_atoms[layer - 1][0]
            k = se.diff(se.diff(value, symbol), first_input)
            if not k.is_Number or k == 0 or expansion_bound(value) > EXACT_LIMIT:
                continue
            if se.expand(value - k * definition) == 0:
                return sp.Rational(str(k)), layer, i
        return None


_MAX_REWRITE_POWER = 16  # e^{kz} is rewritten as a k-th power only for small k
_NAME: dict[type, str] = {sigmoid: "sigmoid", sp.tanh: "tanh", relu: "relu"}

Converter = Callable[[sp.Basic], se.Basic]
