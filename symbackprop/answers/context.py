"""Everything the checker knows about one network, computed once and cached per network.

- the δ recursion (the lecture's δ = ∂e/∂a) in the engine's atoms, and two deliberately wrong variants
  of it (no φ' in V, W instead of Wᵀ) that typical mistakes use;
- the direct derivative ∂e/∂θ of each parameter (the independent reference);
- a fixed set of random points (40-digit arithmetic) with every atom's value, shared by every answer,
  so an answer is evaluated once per point and the references only once per network; each point
  recomputed in twice the precision (:meth:`AnswerContext.refined`) confirms that numbers which differ
  are not rounding;
- the parser vocabulary (the network's own symbols, with the size each symbol expands to).
"""

from __future__ import annotations

import random
from collections import ChainMap
from dataclasses import dataclass, field
from typing import Mapping

import mpmath
import symengine as se
import sympy as sp

from .. import notation
from .._kernel.convert import AnswerConverter
from .._kernel.engine import NetworkEngine, engine_for, per_network
from .._kernel.evaluate import GENERIC_CHOICES, BoundedMath, evaluate, forward_values, random_point
from .._kernel.size import expansion_size
from ..derive import backprop_steps
from ..network import MLP
from ..parse import Limits, Vocabulary, lecture_vocabulary, parse_expression

__all__ = ["AnswerContext", "context_for", "Point", "PRECISION", "CONFIRMING_PRECISION"]

PRECISION = 40  # decimal digits for numeric comparisons
CONFIRMING_PRECISION = 2 * PRECISION  # digits in which a difference is confirmed (rounding would change)
_CACHE_LIMIT = 20_000  # entries kept per cache before it is emptied
_POINTS = 8
_PATTERN_CACHE = 256  # ReLU activation patterns whose points are kept
_WEIGHT_CAP = 10**9  # a symbol standing for more terms than this is refused by the parser anyway


def context_for(net: MLP) -> "AnswerContext":
    """The (cached) answer context of a network."""
    return _contexts(net)


@dataclass
class Point:
    """One random point: values of every atom (x, y, w, b, a^ℓ_i, φ'-atoms) in ``digits`` decimal digits and
    the generic φ used; ``fine`` is the same point in :data:`CONFIRMING_PRECISION` once it was asked for."""

    values: dict
    phi: str
    memo: dict
    digits: int = PRECISION
    fine: "Point | None" = field(default=None, repr=False, compare=False)


class AnswerContext:
    def __init__(self, net: MLP, *, points: int = _POINTS, seed: int = 20240917) -> None:
        self.net = net
        self.engine: NetworkEngine = engine_for(net)
        self.delta = self._delta_values(transpose=False, drop_phi_prime=False)
        self.converter = AnswerConverter(self.engine, self.delta)
        self._variants: dict[str, dict[sp.Symbol, se.Basic] | None] = {}
        self._references: dict[sp.Symbol, se.Basic] = {}
        self._concrete: dict[se.Basic, se.Basic] = {}
        self.cache: dict[tuple, object] = {}  # per-parameter forms and displays (answers.check)
        self._seed = seed
        self._generic = any(net.activation(layer).generic for layer in range(1, net.depth + 1))
        rng = random.Random(seed)
        self.points: list[Point] = [self._point(rng, index) for index in range(points)]
        self._pattern_points: dict[tuple, list[Point]] = {}
        self.vocabulary: Vocabulary = lecture_vocabulary(net, weights=self._weights())

    def _point(self, rng: random.Random, index: int, pattern: Mapping[tuple[int, int], bool] | None = None) -> Point:
        phi = GENERIC_CHOICES[index % len(GENERIC_CHOICES)] if self._generic else "tanh"
        with mpmath.workdps(PRECISION):
            values = self._with_exp_atoms(random_point(self.engine, rng, phi, mpmath, pattern=pattern), phi)
        return Point(values, phi, {})

    def _with_exp_atoms(self, values: dict, phi: str) -> dict:
        """``values`` with e^{z} of every tanh neuron (the converter's rational form of tanh uses it)."""
        net = self.net
        for layer in range(1, net.depth + 1):
            if net.activation(layer).name == "tanh":
                for i, definition in enumerate(self.engine.z_atoms[layer]):
                    values[self.converter.exp_atom(layer, i)] = mpmath.exp(evaluate(definition, values, mpmath, phi))
        return values

    def refined(self, point: Point) -> Point:
        """The same point (its parameters, inputs and targets) with every atom recomputed in
        :data:`CONFIRMING_PRECISION` digits (cached on the point)."""
        if point.fine is None:
            engine = self.engine
            base_symbols = [engine.symbol[symbol] for symbol in (*self.net.parameters, *self.net.x, *self.net.y)]
            with mpmath.workdps(CONFIRMING_PRECISION):
                base = {symbol: mpmath.mpf(point.values[symbol]) for symbol in base_symbols}
                values = self._with_exp_atoms(forward_values(engine, base, mpmath, point.phi), point.phi)
            point.fine = Point(values, point.phi, {}, CONFIRMING_PRECISION)
        return point.fine

    def pattern_points(self, pattern: Mapping[tuple[int, int], bool], count: int = 3) -> list[Point]:
        """``count`` random points with this ReLU activation pattern (neuron (ℓ, 0-based i) → on), cached."""
        key = tuple(sorted(pattern.items()))
        cached = self._pattern_points.get(key)
        if cached is None:
            if len(self._pattern_points) > _PATTERN_CACHE:
                self._pattern_points.clear()
            bits = "".join("1" if on else "0" for _, on in key)
            rng = random.Random(f"{self._seed}:{bits}")
            cached = self._pattern_points[key] = [self._point(rng, index, pattern) for index in range(count)]
        return cached

    # --- the δ recursion and its wrong variants ------------------------------------------------------
    def _delta_values(self, *, transpose: bool, drop_phi_prime: bool) -> dict[sp.Symbol, se.Basic] | None:
        """δ^ℓ_i in engine atoms, top-down: δ^L = ∂e/∂a^L, δ^ℓ_i = Σ_m w^{ℓ+1}_{mi} φ'(z^{ℓ+1}_m) δ^{ℓ+1}_m.

        ``transpose``: w^{ℓ+1}_{im} in place of w^{ℓ+1}_{mi} (None when that index does not exist);
        ``drop_phi_prime``: the φ' factors left out of the recursion."""
        net, engine = self.net, self.engine
        steps = backprop_steps(net, generic=True)
        values: dict[sp.Symbol, se.Basic] = {}
        for i, symbol in enumerate(steps.delta_symbols[net.depth]):
            values[symbol] = engine.to_engine(steps.output_delta[i], extra=values)
        for layer in range(net.depth - 1, 0, -1):
            above = layer + 1
            for i in range(net.sizes[layer]):
                terms = []
                for m in range(net.sizes[above]):
                    if transpose:
                        if i >= net.sizes[above] or m >= net.sizes[layer]:
                            return None
                        weight = engine.symbol[net.W(above)[i, m]]
                    else:
                        weight = engine.symbol[net.W(above)[m, i]]
                    factor = se.Integer(1) if drop_phi_prime else engine.d_atoms[above][m]
                    terms.append(weight * factor * values[notation.delta(above, m + 1)])
                values[notation.delta(layer, i + 1)] = se.add(*terms)
        return values

    def delta_variant(self, name: str) -> dict[sp.Symbol, se.Basic] | None:
        """'no_phi_prime' or 'transpose' δ values (cached)."""
        if name not in self._variants:
            self._variants[name] = self._delta_values(transpose=name == "transpose", drop_phi_prime=name == "no_phi_prime")
        return self._variants[name]

    # --- references and numbers ----------------------------------------------------------------------
    def reference(self, parameter: sp.Symbol) -> se.Basic:
        """∂e/∂θ by differentiating the composed loss (not by backprop): the independent reference."""
        if parameter not in self._references:
            self._references[parameter] = self.engine.direct([parameter])[parameter]
        return self._references[parameter]

    def concrete(self, expression: se.Basic) -> se.Basic:
        cached = self._concrete.get(expression)
        if cached is None:
            if len(self._concrete) > _CACHE_LIMIT:  # a long batch must not grow memory without bound
                self._concrete.clear()
            cached = self._concrete[expression] = self.engine.concretise(expression)
        return cached

    def value(self, expression: se.Basic, point: Point, *, shared: bool) -> object:
        """The value of a (concretised) expression at a point, or None where it is undefined.

        ``shared`` memoises sub-expressions for every later answer (references, mutations); answers use a
        private layer over the shared memo so a batch does not grow it."""
        memo = point.memo if shared else ChainMap({}, point.memo)
        with mpmath.workdps(point.digits):
            try:
                return evaluate(self.concrete(expression), point.values, BoundedMath, point.phi, memo)
            except (ZeroDivisionError, ValueError, OverflowError, TypeError):
                return None

    def point_values(self, point: Point) -> dict[str, float]:
        """x, y, w, b at a point (plain names), then the forward values a^ℓ_i they give."""
        net, engine = self.net, self.engine
        result: dict[str, float] = {}
        for symbol in (*net.x, *net.y, *net.parameters):
            result[notation.plain_name(symbol.name)] = float(point.values[engine.symbol[symbol]])
        for layer in range(1, net.depth + 1):
            for a_symbol, atom in zip(net.a(layer), engine.a_atoms[layer]):
                result[notation.plain_name(a_symbol.name)] = float(point.values[atom])
        return result

    # --- the parser vocabulary -----------------------------------------------------------------------
    def _weights(self) -> dict[sp.Symbol, int]:
        """How many terms each symbol stands for once expanded (δ, z), for the parser's size bound — an
        upper bound computed on the expression DAGs, without expanding anything (a deep network's δ^1
        would expand to astronomically many terms)."""
        weights: dict[sp.Symbol, int] = {}
        memo: dict = {}
        for symbol, value in self.delta.items():
            weights[symbol] = max(expansion_size(self.engine.concretise(value), memo=memo, cap=_WEIGHT_CAP))
        for layer in range(1, self.net.depth + 1):
            for z_symbol, definition in zip(self.net.z(layer), self.engine.z_atoms[layer]):
                weights[z_symbol] = max(expansion_size(definition, memo=memo, cap=_WEIGHT_CAP))
        return weights

    def warm_parser(self) -> None:
        """Build the grammar of this network's vocabulary (cached), so that forked workers share it."""
        parse_expression("0", vocabulary=self.vocabulary)

    def parse_vocabulary(self, limits: Limits | None = None) -> Vocabulary:
        if limits is None:
            return self.vocabulary
        return lecture_vocabulary(self.net, weights=self.vocabulary.weights, limits=limits)


_contexts = per_network(AnswerContext)
