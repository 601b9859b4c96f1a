"""Numbers for symbolic expressions: random points of a network and evaluation at them.

Evaluation is how a counterexample is found and how a spot check is made — evidence, never a proof.
:func:`random_values` draws parameters, inputs and targets on a grid of step 1/100 (one-hot targets for
softmax outputs, ±1 for the logistic loss); :func:`random_point` adds the forward values of every layer
atom (a^ℓ_i, φ'(z^ℓ_i)) for a chosen φ (:func:`forward_values` for values given); :func:`evaluate` computes a SymEngine expression DAG at such a
point, in floats or in mpmath's arbitrary precision.  :class:`BoundedMath` is mpmath with a bound on the
arguments of exp, sin, cos and tanh, for expressions that come from users.
"""

from __future__ import annotations

import math
import random
from typing import Callable, TypeVar

import mpmath
import symengine as se
import sympy as sp

from ..errors import NotSupportedError
from .convert import HEAVISIDE
from .dag import fold

__all__ = [
    "ACTIVATION_VALUES",
    "GENERIC_CHOICES",
    "BoundedMath",
    "random_values",
    "random_point",
    "forward_values",
    "activate",
    "evaluate",
]

GENERIC_CHOICES = ("tanh", "sin", "softplus")
"""Concrete functions that stand in for the generic φ when a generic expression is evaluated."""

ACTIVATION_VALUES = {
    "sigmoid": (lambda m, z: 1 / (1 + m.exp(-z)), lambda m, z, a: a * (1 - a)),
    "tanh": (lambda m, z: m.tanh(z), lambda m, z, a: 1 - a * a),
    "relu": (lambda m, z: z if z > 0 else 0 * z, lambda m, z, a: 1 if z > 0 else 0),
    "identity": (lambda m, z: z, lambda m, z, a: 1),
    "sin": (lambda m, z: m.sin(z), lambda m, z, a: m.cos(z)),
    "softplus": (lambda m, z: m.log(1 + m.exp(z)), lambda m, z, a: 1 / (1 + m.exp(-z))),
}


Number = TypeVar("Number")


def random_values(
    net,  # noqa: ANN001 - an MLP
    rng: random.Random,
    make: Callable[[int, int], Number],
    *,
    parameter_range: int = 150,
    input_range: int = 200,
    target_range: int = 100,
    scale: object = 1,
) -> dict[sp.Symbol, Number]:
    """Parameters (times ``scale``), inputs and targets drawn as k/100 with |k| ≤ the range; ``make(k, 100)``
    builds each number (float, mpmath or an exact Rational).  Softmax targets are one-hot, logistic ones ±1.

    >>> from symbackprop import MLP
    >>> values = random_values(MLP([1, 1]), random.Random(0), sp.Rational)
    >>> [str(value) for value in values.values()]
    ['47/100', '47/25', '7/100']
    """
    values: dict[sp.Symbol, Number] = {}
    for parameter in net.parameters:
        values[parameter] = scale * make(rng.randint(-parameter_range, parameter_range), 100)
    for x in net.x:
        values[x] = make(rng.randint(-input_range, input_range), 100)
    if net.softmax:
        hot = rng.randrange(len(net.y))
        for j, y in enumerate(net.y):
            values[y] = make(1 if j == hot else 0, 1)
    elif net.loss.name == "logistic":
        values[net.y[0]] = make(rng.choice((-1, 1)), 1)
    else:
        for y in net.y:
            values[y] = make(rng.randint(-target_range, target_range), 100)
    return values


def random_point(engine, rng: random.Random, generic: str, math_module, *, pattern=None) -> dict:  # noqa: ANN001
    """Random parameters/inputs/targets (:func:`random_values`) in the engine's symbols, and the forward
    values of every layer atom for them (``generic`` names the function that stands in for φ).

    No pre-activation is exactly 0 unless it must be (a neuron without bias whose inputs are all 0): a
    neuron's weights are drawn again until it is not, so no point lies on the measure-zero set where
    ReLU is not differentiable.  ``pattern`` maps ReLU neurons (ℓ, 0-based i) to on/off: the neuron's
    weights and bias change sign where needed, so that the point has that activation pattern."""
    net = engine.net
    number = _number(math_module)
    make = lambda k, d: number(k) / d if d != 1 else number(k)  # noqa: E731
    drawn = random_values(net, rng, make)
    values: dict[se.Symbol, object] = {engine.symbol[symbol]: value for symbol, value in drawn.items()}
    for layer in range(1, net.depth + 1):
        for i, z_value in enumerate(engine.z_atoms[layer]):
            row = [engine.symbol[w] for w in net.W(layer).row(i)] + ([engine.symbol[net.b(layer)[i]]] if net.has_bias else [])
            z = evaluate(z_value, values, math_module, generic)
            inputs = engine.a_atoms[layer - 1]
            can_move = net.has_bias or any(values[atom] != 0 for atom in inputs)  # else z = 0 whatever the weights
            for _ in range(_REDRAWS):
                if z != 0 or not can_move:
                    break
                for symbol in row:
                    values[symbol] = make(rng.randint(-150, 150), 100)
                z = evaluate(z_value, values, math_module, generic)
            wanted = None if pattern is None else pattern.get((layer, i))
            if wanted is not None and z != 0 and (z > 0) != wanted:
                for symbol in row:
                    values[symbol] = -values[symbol]
                z = -z
            activate(engine, values, layer, i, z, math_module, generic)
    return values


_REDRAWS = 50


def forward_values(engine, values: dict, math_module, generic: str) -> dict:  # noqa: ANN001
    """``values`` (parameters, inputs and targets in the engine's symbols) with the forward values of every
    layer atom added, bottom-up (``generic`` names the function that stands in for φ)."""
    for layer in range(1, engine.net.depth + 1):
        for i, z_value in enumerate(engine.z_atoms[layer]):
            activate(engine, values, layer, i, evaluate(z_value, values, math_module, generic), math_module, generic)
    return values


def activate(engine, values: dict, layer: int, i: int, z, math_module, generic: str) -> None:  # noqa: ANN001
    """Store a^ℓ_i = φ(z) and φ'(z) for neuron i (0-based) of layer ℓ at pre-activation value z."""
    activation = engine.net.activation(layer)
    forward, derivative = ACTIVATION_VALUES[generic if activation.generic else activation.name]
    a = forward(math_module, z)
    values[engine.a_atoms[layer][i]] = a
    values[engine.d_atoms[layer][i]] = _number(math_module)(derivative(math_module, z, a))


def _number(math_module) -> Callable[[object], object]:  # noqa: ANN001
    return (lambda v: mpmath.mpf(v)) if math_module is not math else float


def evaluate(expression: se.Basic, values: dict, math_module, generic: str, memo: dict | None = None):  # noqa: ANN001, ANN202
    """Evaluate a SymEngine expression DAG at numeric atom values (floats or mpmath numbers)."""
    return fold(expression, lambda node, args: _apply(node, args, math_module, generic), memo=memo, known=values)


def _apply(node: se.Basic, vals: list, math_module, generic: str):  # noqa: ANN001, ANN202
    if isinstance(node, se.Add):
        return math.fsum(vals) if math_module is math else mpmath.fsum(vals)
    if isinstance(node, se.Mul):
        result = vals[0]
        for value in vals[1:]:
            result = result * value
        return result
    if isinstance(node, se.Pow):
        base, exponent = node.args
        if base == se.E:
            return math_module.exp(vals[1])
        return vals[0] ** vals[1]
    if isinstance(node, se.log):
        return math_module.log(vals[0])
    if isinstance(node, se.tanh):
        return math_module.tanh(vals[0])
    if isinstance(node, se.FunctionSymbol):
        name = node.get_name()
        if node == HEAVISIDE(node.args[0]):
            return 1 if vals[0] > 0 else 0  # H(0) = 0: ReLU'(0) = 0, as in PyTorch
        if name == "root":  # the principal power (complex for a negative base)
            return _principal_power(vals[0], vals[1], math_module)
        table = {"phi": ACTIVATION_VALUES[generic][0], "sigma": ACTIVATION_VALUES["sigmoid"][0], "relu": ACTIVATION_VALUES["relu"][0]}
        if name in table:
            return table[name](math_module, vals[0])
        if name == "phi'":
            forward, derivative = ACTIVATION_VALUES[generic]
            return derivative(math_module, vals[0], forward(math_module, vals[0]))
    if node.is_Number:
        return float(node) if math_module is math else mpmath.mpf(sp.Rational(str(node)).p) / sp.Rational(str(node)).q
    if node == se.E:
        return math_module.e
    raise NotSupportedError(f"cannot evaluate {node} numerically")


def _principal_power(base, exponent, math_module):  # noqa: ANN001, ANN202
    if math_module is math:
        return complex(base) ** exponent if base < 0 else base**exponent
    return mpmath.power(base, exponent)


class BoundedMath:
    """mpmath, with a bound on the arguments of exp, sin, cos and tanh.

    mpmath reduces such arguments with a precision that grows with their size, so e^{10^30} (or
    e^{e^{e^{x}}}) would run practically for ever; beyond the bound a point counts as undefined
    (overflow) instead."""

    LIMIT = mpmath.mpf(10) ** 5
    e = mpmath.e
    log = staticmethod(mpmath.log)
    sqrt = staticmethod(mpmath.sqrt)

    @staticmethod
    def _bounded(function: Callable) -> Callable:
        def apply(value):  # noqa: ANN001, ANN202
            if abs(value) > BoundedMath.LIMIT:
                raise OverflowError("argument too large to evaluate")
            return function(value)

        return apply

    exp = staticmethod(_bounded.__func__(mpmath.exp))
    sin = staticmethod(_bounded.__func__(mpmath.sin))
    cos = staticmethod(_bounded.__func__(mpmath.cos))
    tanh = staticmethod(_bounded.__func__(mpmath.tanh))
