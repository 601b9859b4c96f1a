"""The symbolic MLP of the lecture: W^ℓ, b^ℓ, z^ℓ = W^ℓ a^{ℓ-1} + b^ℓ, a^ℓ = φ(z^ℓ), the loss e and E."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Sequence

import sympy as sp

from . import notation
from .activations import Activation
from .errors import DataError, ShapeError, SpecError
from .losses import softmax
from .spec import NetworkSpec

__all__ = ["MLP", "ParameterInfo"]


class ParameterInfo(tuple):
    """(kind, layer, i, j) of a parameter; j is None for biases.  Indices are 1-based."""

    __slots__ = ()

    def __new__(cls, kind: str, layer: int, i: int, j: int | None) -> "ParameterInfo":
        return super().__new__(cls, (kind, layer, i, j))

    kind = property(lambda self: self[0])
    layer = property(lambda self: self[1])
    i = property(lambda self: self[2])
    j = property(lambda self: self[3])


@dataclass(frozen=True)
class _Symbols:
    """The symbols of one network: W^ℓ, b^ℓ, z^ℓ, a^ℓ (a^0 = x), the parameters in order, x, y and q."""

    W: dict[int, sp.ImmutableMatrix]
    b: dict[int, sp.ImmutableMatrix]
    z: dict[int, sp.ImmutableMatrix]
    a: dict[int, sp.ImmutableMatrix]
    info: dict[sp.Symbol, ParameterInfo]
    parameters: tuple[sp.Symbol, ...]
    x: tuple[sp.Symbol, ...]
    y: tuple[sp.Symbol, ...]
    q: tuple[sp.Symbol, ...]

    @classmethod
    def build(cls, spec: NetworkSpec) -> "_Symbols":
        sizes, wide = spec.sizes, spec.wide
        W: dict[int, sp.ImmutableMatrix] = {}
        b: dict[int, sp.ImmutableMatrix] = {}
        z: dict[int, sp.ImmutableMatrix] = {}
        a: dict[int, sp.ImmutableMatrix] = {0: sp.ImmutableMatrix([notation.input_symbol(j) for j in range(1, sizes[0] + 1)])}
        info: dict[sp.Symbol, ParameterInfo] = {}
        parameters: list[sp.Symbol] = []
        for layer in range(1, spec.depth + 1):
            rows, cols = sizes[layer], sizes[layer - 1]
            weights = [[notation.weight(layer, i, j, separate=wide) for j in range(1, cols + 1)] for i in range(1, rows + 1)]
            W[layer] = sp.ImmutableMatrix(weights)
            for i, row in enumerate(weights, start=1):
                for j, symbol in enumerate(row, start=1):
                    info[symbol] = ParameterInfo("w", layer, i, j)
                    parameters.append(symbol)
            if spec.bias:
                biases = [notation.bias(layer, i) for i in range(1, rows + 1)]
                b[layer] = sp.ImmutableMatrix(biases)
                for i, symbol in enumerate(biases, start=1):
                    info[symbol] = ParameterInfo("b", layer, i, None)
                    parameters.append(symbol)
            z[layer] = sp.ImmutableMatrix([notation.pre_activation(layer, i) for i in range(1, rows + 1)])
            a[layer] = sp.ImmutableMatrix([notation.activation(layer, i) for i in range(1, rows + 1)])
        y = tuple(notation.target(j) for j in range(1, sizes[-1] + 1))
        q = tuple(notation.probability(j) for j in range(1, sizes[-1] + 1)) if spec.softmax else ()
        return cls(W, b, z, a, info, tuple(parameters), tuple(a[0]), y, q)


class MLP:
    """A multilayer perceptron built from SymPy symbols in the lecture's notation.

    Building one only validates its description (``net.spec``); the symbols are made on first use, and
    refused beyond :data:`symbackprop.spec.MAX_PARAMETERS` parameters — :func:`symbackprop.compile` needs
    none of them, so a compiled model can be as large as memory allows.

    >>> net = MLP([2, 2, 1], activation="sigmoid", bias=True)
    >>> net.W(2)
    Matrix([[w^{2}_{11}, w^{2}_{12}]])
    >>> net.e
    (-a^{2}_{1} + y_{1})**2
    """

    def __init__(
        self,
        sizes: str | Sequence[int],
        *,
        activation: str | Sequence[str] = "phi",
        output: str | None = None,
        bias: bool = False,
        loss: str = "squared",
    ) -> None:
        self.spec = NetworkSpec.build(sizes, activation=activation, output=output, bias=bias, loss=loss)

    @cached_property
    def _symbols(self) -> _Symbols:
        """The SymPy symbols of every parameter and neuron, built on first use (and refused for too large a network)."""
        self.spec.require_symbolic()
        return _Symbols.build(self.spec)

    @property
    def _W(self) -> dict[int, sp.ImmutableMatrix]:
        return self._symbols.W

    @property
    def _b(self) -> dict[int, sp.ImmutableMatrix]:
        return self._symbols.b

    @property
    def _z(self) -> dict[int, sp.ImmutableMatrix]:
        return self._symbols.z

    @property
    def _a(self) -> dict[int, sp.ImmutableMatrix]:
        return self._symbols.a

    @property
    def _info(self) -> dict[sp.Symbol, ParameterInfo]:
        return self._symbols.info

    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """Every weight and bias symbol, layer by layer (W^ℓ row-major, then b^ℓ)."""
        return self._symbols.parameters

    @property
    def x(self) -> tuple[sp.Symbol, ...]:
        return self._symbols.x

    @property
    def y(self) -> tuple[sp.Symbol, ...]:
        return self._symbols.y

    @property
    def q(self) -> tuple[sp.Symbol, ...]:
        return self._symbols.q

    # --- structure -------------------------------------------------------------------------------
    @property
    def sizes(self) -> tuple[int, ...]:
        return self.spec.sizes

    @property
    def depth(self) -> int:
        """L, the number of weight layers."""
        return self.spec.depth

    @property
    def has_bias(self) -> bool:
        return self.spec.bias

    @property
    def softmax(self) -> bool:
        return self.spec.softmax

    @property
    def loss(self):  # noqa: ANN201 - a Loss
        return self.spec.loss

    def activation(self, layer: int) -> Activation:
        """The activation φ of layer ℓ (identity for a softmax output layer: q = softmax(a^L))."""
        self._check_layer(layer)
        return self.spec.activations[layer - 1]

    def _check_layer(self, layer: int, *, allow_input: bool = False) -> None:
        low = 0 if allow_input else 1
        if not isinstance(layer, int) or not low <= layer <= self.depth:
            raise SpecError(f"layer must be a whole number in {low}…{self.depth}, got {layer!r}")

    def W(self, layer: int) -> sp.ImmutableMatrix:
        """W^ℓ ∈ R^{N_ℓ × N_{ℓ-1}}; entry (i, j) is w^ℓ_{ij}."""
        self._check_layer(layer)
        return self._W[layer]

    def b(self, layer: int) -> sp.ImmutableMatrix:
        """b^ℓ ∈ R^{N_ℓ} (only for networks built with ``bias=True``)."""
        self._check_layer(layer)
        if not self.has_bias:
            raise SpecError("this network has no biases; build it with bias=True")
        return self._b[layer]

    def z(self, layer: int) -> sp.ImmutableMatrix:
        """The pre-activation symbols z^ℓ."""
        self._check_layer(layer)
        return self._z[layer]

    def a(self, layer: int) -> sp.ImmutableMatrix:
        """The activation symbols a^ℓ (a^0 = x)."""
        self._check_layer(layer, allow_input=True)
        return self._a[layer]

    def z_definition(self, layer: int) -> sp.ImmutableMatrix:
        """z^ℓ = W^ℓ a^{ℓ-1} (+ b^ℓ), in terms of the previous layer's activation symbols."""
        value = self.W(layer) * self.a(layer - 1)
        if self.has_bias:
            value = value + self.b(layer)
        return sp.ImmutableMatrix(value)

    def phi_prime(self, layer: int) -> sp.ImmutableMatrix:
        """[φ'(z^ℓ_1), …]: the derivative formula of the layer's activation, in the layer's symbols."""
        activation = self.activation(layer)
        return sp.ImmutableMatrix([activation.derivative(z, a) for z, a in zip(self._z[layer], self._a[layer])])

    def Diag(self, layer: int) -> sp.ImmutableMatrix:
        """Diag(φ^ℓ') = diag(φ'(z^ℓ_1), …, φ'(z^ℓ_{N_ℓ}))."""
        return sp.ImmutableMatrix(sp.diag(*self.phi_prime(layer)))

    def parameter_info(self, parameter: sp.Symbol) -> ParameterInfo:
        """(kind, layer, i, j) of a parameter symbol."""
        try:
            return self._info[parameter]
        except (KeyError, TypeError):
            raise SpecError(f"{parameter!r} is not a parameter of this network") from None

    def parameter(self, name: str) -> sp.Symbol:
        """Look a parameter up by name: ``"w^2_12"``, ``"w^{2}_{1,2}"``, ``"w_{12}^{2}"``, ``"b^2_1"``."""
        parsed = notation.parse_parameter_name(name)
        if not 1 <= parsed.layer <= self.depth:
            raise SpecError(f"{name!r}: layer {parsed.layer} does not exist; layers are 1…{self.depth}")
        rows, cols = self.sizes[parsed.layer], self.sizes[parsed.layer - 1]
        if parsed.kind == "b":
            if not self.has_bias:
                raise SpecError(f"{name!r}: this network has no biases (build it with bias=True)")
            (i,) = parsed.indices if parsed.indices and len(parsed.indices) == 1 else (None,)
            if i is None or not 1 <= i <= rows:
                raise SpecError(f"{name!r}: layer {parsed.layer} has biases b^{parsed.layer}_1 … b^{parsed.layer}_{rows}")
            return self._b[parsed.layer][i - 1]
        candidates = (
            [parsed.indices]
            if parsed.indices is not None
            else [(int(parsed.digits[:k]), int(parsed.digits[k:])) for k in range(1, len(parsed.digits))]
        )
        valid = [c for c in candidates if len(c) == 2 and 1 <= c[0] <= rows and 1 <= c[1] <= cols]
        if not valid:
            raise SpecError(
                f"{name!r}: W^{parsed.layer} is {rows}×{cols}, so w^{parsed.layer}_ij needs 1 ≤ i ≤ {rows}, 1 ≤ j ≤ {cols}"
            )
        if len(valid) > 1:
            options = " or ".join(f"w^{{{parsed.layer}}}_{{{i},{j}}}" for i, j in valid)
            raise SpecError(f"{name!r} is ambiguous: write {options}")
        i, j = valid[0]
        return self._W[parsed.layer][i - 1, j - 1]

    # --- forward pass and loss ----------------------------------------------------------------------
    @property
    def definitions(self) -> dict[sp.Symbol, sp.Expr]:
        """Every intermediate symbol with its definition, in evaluation order: z^ℓ_i, a^ℓ_i, then q_j."""
        result: dict[sp.Symbol, sp.Expr] = {}
        for layer in range(1, self.depth + 1):
            activation = self.activation(layer)
            for z_sym, z_val in zip(self._z[layer], self.z_definition(layer)):
                result[z_sym] = z_val
            for z_sym, a_sym in zip(self._z[layer], self._a[layer]):
                result[a_sym] = activation.apply(z_sym)
        if self.softmax:
            for q_sym, q_val in zip(self.q, softmax(list(self._a[self.depth]))):
                result[q_sym] = q_val
        return result

    @property
    def output(self) -> sp.ImmutableMatrix:
        """ŷ: a^L, or q = softmax(a^L) for a softmax output."""
        return sp.ImmutableMatrix(self.q) if self.softmax else self._a[self.depth]

    @property
    def e(self) -> sp.Expr:
        """The sample-wise loss in the lecture's form (a^L, or q for softmax, and y)."""
        return self.loss.expression(list(self._a[self.depth]), list(self.y), list(self.q))

    @property
    def e_explicit(self) -> sp.Expr:
        """The sample-wise loss written with a^L and y only (softmax spelled out as log-softmax)."""
        return self.loss.explicit(list(self._a[self.depth]), list(self.y))

    def compose(self, expression: sp.Expr) -> sp.Expr:
        """Replace q, a^ℓ and z^ℓ by their definitions, top layer first: the result uses x, y, w, b only."""
        expression = sp.sympify(expression)
        if self.softmax:
            expression = expression.xreplace(dict(zip(self.q, softmax(list(self._a[self.depth])))))
        for layer in range(self.depth, 0, -1):
            activation = self.activation(layer)
            expression = expression.xreplace({a: activation.apply(z) for a, z in zip(self._a[layer], self._z[layer])})
            expression = expression.xreplace(dict(zip(self._z[layer], self.z_definition(layer))))
        return expression

    def forward(self) -> sp.ImmutableMatrix:
        """ŷ = φ(W^L φ(W^{L−1} ⋯ φ(W^1 x) ⋯ )) composed in x, w, b (L15)."""
        return sp.ImmutableMatrix([self.compose(value) for value in self.output])

    @property
    def e_composed(self) -> sp.Expr:
        """e(w) with the forward pass substituted: a function of x, y, w, b."""
        return self.compose(self.e_explicit)

    def E(self, X: object = None, Y: object = None, *, samples: int | None = None) -> sp.Expr:
        """E(w) = Σ_i e^i(w) over a data set (L1, L2), composed in the parameters.

        Pass numeric ``X`` (n × N_0) and ``Y`` (n × N_L) — floats become exact rationals — or
        ``samples=n`` for symbolic samples x^i_j, y^i (y^i_j for several outputs).
        """
        if X is None and Y is None:
            if not isinstance(samples, int) or samples < 1:
                raise DataError("give X and Y, or samples=n (a positive whole number) for symbolic samples")
            X = [[sp.Symbol(f"x^{{{i}}}_{{{j}}}") for j in range(1, self.sizes[0] + 1)] for i in range(1, samples + 1)]
            Y = [
                [sp.Symbol(f"y^{{{i}}}" if self.sizes[-1] == 1 else f"y^{{{i}}}_{{{j}}}") for j in range(1, self.sizes[-1] + 1)]
                for i in range(1, samples + 1)
            ]
        rows_x, rows_y = _exact_rows(X, self.sizes[0], "X"), _exact_rows(Y, self.sizes[-1], "Y")
        if len(rows_x) != len(rows_y):
            raise ShapeError(f"X has {len(rows_x)} rows but Y has {len(rows_y)}")
        composed = self.e_composed
        terms = []
        for row_x, row_y in zip(rows_x, rows_y):
            terms.append(composed.xreplace({**dict(zip(self.x, row_x)), **dict(zip(self.y, row_y))}))
        return sp.Add(*terms)

    def __repr__(self) -> str:
        names = [a.name for a in self.spec.activations]
        activation = names[0] if len(set(names[:-1] or names)) == 1 else names[:-1]
        output = "softmax" if self.softmax else names[-1]
        extra = "" if output == activation else f", output={output!r}"
        return (
            f"MLP({list(self.sizes)}, activation={activation!r}{extra}, bias={self.has_bias}, loss={self.loss.name!r})"
        )


def _exact_rows(values: object, width: int, label: str) -> list[list[sp.Expr]]:
    """Rows of a 2-D table as exact SymPy numbers (or the symbols given)."""
    try:
        rows = [list(row) for row in values]  # type: ignore[union-attr]
    except TypeError:
        raise ShapeError(f"{label} must be a table of shape (n, {width})") from None
    result = []
    for index, row in enumerate(rows):
        if len(row) != width:
            raise ShapeError(f"{label} row {index} has {len(row)} entries, expected {width}")
        result.append([_exact(value, label, index) for value in row])
    return result


def _exact(value: object, label: str, index: int) -> sp.Expr:
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, bool):
        raise DataError(f"{label} row {index}: expected a number, got {value!r}")
    try:
        number = Fraction(str(value)) if not isinstance(value, int) else Fraction(value)
    except (ValueError, TypeError):
        raise DataError(f"{label} row {index}: expected a number, got {value!r}") from None
    return sp.Rational(number.numerator, number.denominator)
