"""SymPy ⇄ SymEngine, exactly, in one network's vocabulary.

SymPy is what users see (the lecture's symbols); SymEngine is where the heavy work happens.  One tree
walk converts SymPy to SymEngine, in two modes:

- **strict** (:class:`StrictConverter`, for derivations and proofs): z^ℓ_i becomes its definition,
  q_j the softmax of a^L, φ'(z^ℓ_i) the layer's derivative atom and φ(z^ℓ_i) (the layer's own
  activation) the atom a^ℓ_i; anything else of φ, σ, ReLU stays an opaque function;
- **answers** (:class:`AnswerConverter`, for typed homework answers): besides that, δ^ℓ_i becomes the
  backprop recursion, an activation applied to a layer's own z written out (W^ℓ a^{ℓ-1} + b^ℓ) is still
  recognised, and for a concrete activation every equivalent form is normalised so that
  σ'(z) = σ(z)(1−σ(z)) = a(1−a) = e^{−z}/(1+e^{−z})² land on the same rational function of the atoms:
  σ: e^{kz} = (a/(1−a))^k; tanh: e^{2kz} = ((1+a)/(1−a))^k; σ(u), tanh(u) elsewhere go through e^u.

:func:`to_sympy` converts back, with the derivative atoms shown as the layer's φ' formula and softmax
fractions as q_j.  The walks are memoised over the expression DAG; their depth is bounded by the
parser's limits (answers) or the network's depth (derivations).
"""

from __future__ import annotations

from typing import Callable, Mapping, Protocol, Sequence

import symengine as se
import sympy as sp

from ..activations import heaviside, phi, phi_prime, relu, sigmoid
from ..errors import NotSupportedError
from .size import EXACT_LIMIT, expansion_bound
from .softmax import split_q_factors

__all__ = [
    "HEAVISIDE",
    "PHI",
    "PHI_PRIME",
    "RELU",
    "SIGMA",
    "ROOT",
    "EngineVocabulary",
    "StrictConverter",
    "AnswerConverter",
    "to_sympy",
    "function_name",
]

HEAVISIDE = se.Function("Heaviside")
PHI = se.Function("phi")
PHI_PRIME = se.Function("phi'")
SIGMA = se.Function("sigma")
RELU = se.Function("relu")
ROOT = se.Function("root")
"""root(u, r): the principal power u^r of an answer, for a non-integer r and a u that may be negative —
opaque, because SymEngine rewrites (1/u)^{1/2} as u^{−1/2} and cancels √(1/u)·√u to 1, which is −1 for u < 0."""

_SYMENGINE_NAMES: dict[type, str] = {phi: "phi", phi_prime: "phi'", sigmoid: "sigma", relu: "relu"}
_SYMPY_FUNCTIONS: dict[str, Callable[[sp.Expr], sp.Expr]] = {
    "Heaviside": heaviside,
    "phi": phi,
    "phi'": phi_prime,
    "sigma": sigmoid,
    "relu": relu,
}


def function_name(function: type) -> str | None:
    """The SymEngine name of an opaque activation function (``phi``, ``phi'``, ``sigma``, ``relu``)."""
    return _SYMENGINE_NAMES.get(function)


class EngineVocabulary(Protocol):
    """What a converter needs of a network's SymEngine mirror (:class:`~._kernel.engine.NetworkEngine`)."""

    net: object
    symbol: Mapping[sp.Symbol, se.Symbol]
    a_atoms: Mapping[int, list[se.Symbol]]
    d_atoms: Mapping[int, list[se.Symbol]]
    z_atoms: Mapping[int, list[se.Basic]]
    layer_of_z: Mapping[sp.Symbol, tuple[int, int]]
    softmax_denominator: se.Basic

    def symbol_value(self, symbol: sp.Symbol, extra: Mapping[sp.Symbol, se.Basic]) -> se.Basic: ...

    def applied(self, function: type, argument: se.Basic, sympy_argument: sp.Basic) -> se.Basic: ...

    def display_map(self) -> Mapping[str, sp.Expr]: ...


class StrictConverter:
    """SymPy → SymEngine for derivations and proofs; ``extra`` maps further symbols (e.g. δ^ℓ_i) to values."""

    def __init__(
        self, engine: EngineVocabulary, extra: Mapping[sp.Symbol, se.Basic] | None = None, cache: dict | None = None
    ) -> None:
        self.engine = engine
        self.extra = extra or {}
        self._cache: dict[sp.Basic, se.Basic] = {} if cache is None else cache

    def __call__(self, expression: sp.Basic) -> se.Basic:
        return self._convert(expression)

    def _convert(self, expr: sp.Basic) -> se.Basic:
        cached = self._cache.get(expr)
        if cached is not None:
            return cached
        if expr.is_Symbol:
            result = self._symbol(expr)
        elif expr.is_Integer:
            result = se.Integer(int(expr))
        elif expr.is_Rational:
            result = se.Rational(int(expr.p), int(expr.q))
        elif expr.is_Float:
            fraction = sp.Rational(str(expr))
            result = se.Rational(int(fraction.p), int(fraction.q))
        elif expr is sp.E:
            result = se.E
        elif expr.is_Add:
            result = se.add(*[self._convert(arg) for arg in expr.args])
        elif expr.is_Mul:
            result = se.Mul(*[self._convert(arg) for arg in expr.args])
        elif expr.is_Pow:
            result = self._power(expr.base, expr.exp)
        elif isinstance(expr, sp.exp):
            result = self._exp(expr.args[0], 1)
        elif isinstance(expr, sp.log) and len(expr.args) == 1:
            result = se.log(self._convert(expr.args[0]))
        elif isinstance(expr, sp.Heaviside):
            if len(expr.args) > 1 and expr.args[1] != 0:
                raise NotSupportedError(
                    f"H({expr.args[0]}) with H(0) = {expr.args[1]}: symbackprop takes ReLU'(0) = H(0) = 0 everywhere; "
                    "write sympy.Heaviside(z, 0) (symbackprop.activations.heaviside)"
                )
            result = HEAVISIDE(self._convert(expr.args[0]))
        elif isinstance(expr, (phi, phi_prime, sigmoid, sp.tanh, relu)):
            result = self._activation(expr.func, expr.args[0])
        else:
            raise NotSupportedError(self._unsupported(expr))
        self._cache[expr] = result
        return result

    def _unsupported(self, expr: sp.Basic) -> str:
        return f"cannot convert {type(expr).__name__} ({expr}) for a proof"

    def _power(self, base: sp.Expr, exponent: sp.Expr) -> se.Basic:
        return self._convert(base) ** self._convert(exponent)

    def _symbol(self, symbol: sp.Symbol) -> se.Basic:
        return self.engine.symbol_value(symbol, self.extra)

    def _exp(self, argument: sp.Expr, factor: int) -> se.Basic:
        return se.exp(se.Integer(factor) * self._convert(argument))

    def _activation(self, function: type, argument: sp.Expr) -> se.Basic:
        if function is sp.tanh and argument not in self.engine.layer_of_z:
            return se.tanh(self._convert(argument))
        return self.engine.applied(function, self._convert(argument), argument)


class AnswerConverter(StrictConverter):
    """SymPy answers of one network → SymEngine, with δ^ℓ_i as the recursion and every equivalent form of a
    concrete activation normalised (see the module docstring)."""

    def __init__(self, engine: EngineVocabulary, delta_values: Mapping[sp.Symbol, se.Basic]) -> None:
        super().__init__(engine, delta_values)
        self.net = engine.net
        names = {self.net.activation(layer).name for layer in range(1, self.net.depth + 1)}
        # φ written around something that is not a layer's own z means "the" activation only when
        # every layer has the same concrete one; otherwise it stays the generic φ.
        self.uniform = next(iter(names)) if len(names) == 1 and names != {"phi"} else None
        self._weight_layers: dict[se.Symbol, tuple[int, int]] = {}
        for layer in range(1, self.net.depth + 1):
            for i in range(self.net.sizes[layer]):
                self._weight_layers[engine.symbol[self.net.W(layer)[i, 0]]] = (layer, i)
        # e^{z^ℓ_i} of a tanh neuron (odd multiples of z are not rational in tanh z): atom -> (ℓ, i)
        self.exp_atoms: dict[se.Symbol, tuple[int, int]] = {}

    def __call__(self, expression: sp.Basic) -> se.Basic:
        if len(self._cache) > 20_000:  # a long batch must not grow memory without bound
            self._cache.clear()
        return self._convert(expression)

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

    def _unsupported(self, expr: sp.Basic) -> str:
        return f"cannot compare an answer containing {type(expr).__name__}"

    def _power(self, base: sp.Expr, exponent: sp.Expr) -> se.Basic:
        """u^r; for a non-integer r of a u that is not a positive number, the opaque principal power
        :data:`ROOT` (SymPy has already applied the rewrites that hold for every u, e.g. (√u)² = u)."""
        if exponent.is_Integer or (base.is_Number and base.is_positive):
            return super()._power(base, exponent)
        return ROOT(self._convert(base), self._convert(exponent))

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
            return self._apply(self.uniform, argument) if self.uniform else PHI(self._convert(argument))
        if function is phi_prime:
            return self._derivative(self.uniform, argument) if self.uniform else PHI_PRIME(self._convert(argument))
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
            return RELU(self._convert(argument))
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
        if rest.is_Symbol and rest in self.engine.layer_of_z:
            layer, i = self.engine.layer_of_z[rest]
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


def to_sympy(engine: EngineVocabulary, expression: se.Basic, *, display: bool = True) -> sp.Expr:
    """SymEngine → SymPy; with ``display`` the derivative atoms print as the layer's φ' formula and
    exp(a^L_j)/Σ_r exp(a^L_r) as q_j."""
    return _SympyBuilder(engine, engine.display_map() if display else {}, display).convert(expression)


class _SympyBuilder:
    def __init__(self, engine: EngineVocabulary, display: Mapping[str, sp.Expr], softmax_display: bool) -> None:
        net = engine.net
        self.display = display
        self.softmax = softmax_display and net.softmax
        self.denominator = engine.softmax_denominator
        self.last: Sequence[se.Basic] = engine.a_atoms[net.depth]
        self.q: Sequence[sp.Symbol] = net.q
        self.cache: dict[se.Basic, sp.Expr] = {}

    def convert(self, expr: se.Basic) -> sp.Expr:
        cached = self.cache.get(expr)
        if cached is not None:
            return cached
        convert = self.convert
        if isinstance(expr, se.Symbol):
            result = self.display[expr.name] if expr.name in self.display else sp.Symbol(expr.name)
        elif isinstance(expr, se.Integer):
            result = sp.Integer(int(expr))
        elif isinstance(expr, se.Rational):
            result = sp.Rational(int(expr.p), int(expr.q))
        elif expr == se.E:
            result = sp.E
        elif isinstance(expr, se.Add):
            result = sp.Add(*[convert(a) for a in expr.args])
        elif isinstance(expr, se.Mul):
            factors, q_factors = list(expr.args), []
            if self.softmax:
                factors, q_factors = split_q_factors(factors, self.denominator, self.last, self.q)
            result = sp.Mul(*q_factors, *[convert(a) for a in factors])
        elif isinstance(expr, se.Pow):
            base, exponent = expr.args
            result = sp.exp(convert(exponent)) if base == se.E else sp.Pow(convert(base), convert(exponent))
        elif isinstance(expr, se.log):
            result = sp.log(convert(expr.args[0]))
        elif isinstance(expr, se.tanh):
            result = sp.tanh(convert(expr.args[0]))
        elif isinstance(expr, se.FunctionSymbol) and expr.get_name() == "root":
            result = sp.Pow(convert(expr.args[0]), convert(expr.args[1]))
        elif isinstance(expr, se.FunctionSymbol) and expr.get_name() in _SYMPY_FUNCTIONS:
            result = _SYMPY_FUNCTIONS[expr.get_name()](convert(expr.args[0]))
        else:
            raise NotSupportedError(f"cannot convert {expr} back to SymPy")
        self.cache[expr] = result
        return result
