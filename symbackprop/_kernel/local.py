"""The layer step of backpropagation, instantiated at one concrete network (the layer-local proof's kernel).

For a layer ℓ let F_ℓ(a^ℓ) be the loss composed over the layers above ℓ, so F_L = e and

    F_ℓ(a^ℓ) = F_{ℓ+1}(φ_{ℓ+1}(W^{ℓ+1} a^ℓ + b^{ℓ+1})).

The direct derivative of F_ℓ is never built in full (expanded, it has one term per path to the output).
Each layer is composed instead over the one above it, *held* as an undefined function F_{ℓ+1} of N_{ℓ+1}
arguments, and SymEngine differentiates that one-layer composition.  The partial derivatives
∂F_{ℓ+1}/∂a^{ℓ+1}_m it produces become held symbols (:meth:`LayerSteps.held`), and φ(u), φ'(u) become the
layer atoms by the same atomisation (:func:`.engine.atomise`) the full derivation uses.  Three kinds:

- :meth:`LayerSteps.output`: ∂e/∂a^L_i, differentiated from the loss itself (no composition);
- :meth:`LayerSteps.activation`: ∂F_ℓ/∂a^ℓ_i with ∂F_{ℓ+1}/∂a^{ℓ+1} held;
- :meth:`LayerSteps.parameter`: ∂e/∂θ for θ = w^ℓ_ij or b^ℓ_i with ∂F_ℓ/∂a^ℓ held.

By the chain rule, substituting the layer above's derivatives for its held symbols gives the direct
derivative of the composed loss: :meth:`LayerSteps.numeric_gradient` does exactly that with numbers
(the direct ∂e/∂θ at a point, in time linear in the network's size), :meth:`LayerSteps.expansion_bounds`
with term counts (how large the full expansion would be, before building it), and
:func:`search_differences` uses the numbers to find counterexamples on networks of any depth.
"""

from __future__ import annotations

import math
import random
from typing import Callable, Mapping

import mpmath
import symengine as se
import sympy as sp

from .engine import NetworkEngine, atomise, engine_for, per_network
from .evaluate import evaluate, forward_values, random_point
from .identity import Difference, search_points
from .size import expansion_size

__all__ = ["LayerSteps", "layer_steps", "search_differences", "float_differences"]


class LayerSteps:
    """The local direct derivatives of one network, each built once, on demand."""

    def __init__(self, engine: NetworkEngine) -> None:
        self.engine = engine
        self.net = engine.net
        self._held = {
            layer: [se.Symbol(f"dE/da^{{{layer}}}_{{{i}}}") for i in range(1, size + 1)]
            for layer, size in enumerate(self.net.sizes)
            if layer >= 1
        }
        self._output: list[se.Basic] | None = None
        self._activation: dict[int, list[se.Basic]] = {}
        self._parameter: dict[sp.Symbol, se.Basic] = {}

    def held(self, layer: int) -> list[se.Symbol]:
        """The symbols that stand for ∂F_ℓ/∂a^ℓ_1, …, ∂F_ℓ/∂a^ℓ_N (the layer's direct derivatives, held)."""
        return self._held[layer]

    def output(self, i: int) -> se.Basic:
        """∂e/∂a^L_i (0-based i), differentiated from the loss written in the output atoms a^L."""
        if self._output is None:
            engine = self.engine
            self._output = [atomise(se.diff(engine.e_atoms, a), {}, {}) for a in engine.a_atoms[self.net.depth]]
        return self._output[i]

    def activation(self, layer: int, i: int) -> se.Basic:
        """∂F_ℓ/∂a^ℓ_i (0-based i, 1 ≤ ℓ < L) of F_{ℓ+1}(φ_{ℓ+1}(W^{ℓ+1} a^ℓ + b^{ℓ+1})), F_{ℓ+1} held."""
        if layer not in self._activation:
            engine, above = self.engine, layer + 1
            function = se.Function(f"phi{above}")
            nodes = [function(u) for u in engine.z_atoms[above]]
            upper = se.Function(f"F{above}")
            composed = upper(*nodes)
            applied = dict(zip(nodes, engine.a_atoms[above]))
            points = dict(zip(engine.z_atoms[above], engine.d_atoms[above]))
            held = {upper.name: self._held[above]}
            self._activation[layer] = [
                atomise(se.diff(composed, a), applied, points, held) for a in engine.a_atoms[layer]
            ]
        return self._activation[layer][i]

    def parameter(self, parameter: sp.Symbol) -> se.Basic:
        """∂e/∂θ of F_ℓ(a^ℓ_1, …, φ_ℓ(z^ℓ_i), …, a^ℓ_N) for θ = w^ℓ_ij or b^ℓ_i, F_ℓ held.

        The other neurons of layer ℓ do not depend on θ and stay atoms, as in the full derivation."""
        if parameter not in self._parameter:
            engine = self.engine
            info = self.net.parameter_info(parameter)
            layer, i = info.layer, info.i - 1
            u = engine.z_atoms[layer][i]
            node = se.Function(f"phi{layer}")(u)
            upper = se.Function(f"F{layer}")
            arguments = list(engine.a_atoms[layer])
            arguments[i] = node
            derivative = se.diff(upper(*arguments), engine.symbol[parameter])
            self._parameter[parameter] = atomise(
                derivative, {node: engine.a_atoms[layer][i]}, {u: engine.d_atoms[layer][i]}, {upper.name: self._held[layer]}
            )
        return self._parameter[parameter]

    # --- composing the steps: numbers and sizes ----------------------------------------------------
    def numeric_gradient(self, values: Mapping, math_module, generic: str) -> dict[sp.Symbol, object]:  # noqa: ANN001
        """The direct ∂e/∂θ of every parameter at a point (``values`` from :func:`.evaluate.random_point`):
        the local derivatives evaluated top-down, each layer's held symbols given the numbers of the layer
        above — the chain rule, in numbers.  Linear in the network's size."""
        net = self.net
        known = dict(values)
        memo: dict = {}

        def value(expression: se.Basic):  # noqa: ANN202
            return evaluate(expression, known, math_module, generic, memo)

        depth = net.depth
        known.update(zip(self._held[depth], [value(self.output(i)) for i in range(net.sizes[depth])]))
        for layer in range(depth - 1, 0, -1):
            known.update(zip(self._held[layer], [value(self.activation(layer, i)) for i in range(net.sizes[layer])]))
        return {parameter: value(self.parameter(parameter)) for parameter in net.parameters}

    def gradient_at(self, point: Mapping[str, float], generic: str = "tanh") -> dict[sp.Symbol, float]:
        """The direct ∂e/∂θ of every parameter at a point given by name (parameters, x and y, as in a
        counterexample's ``point``), in floats; ``generic`` names the function standing in for φ."""
        engine, net = self.engine, self.net
        values: dict[se.Basic, float] = {engine.symbol[s]: float(point[s.name]) for s in (*net.parameters, *net.x, *net.y)}
        return self.numeric_gradient(forward_values(engine, values, math, generic), math, generic)

    def expansion_bounds(self, weights: Mapping[se.Basic, int] | None = None, *, cap: int) -> dict[sp.Symbol, int]:
        """For every parameter, an upper bound (clipped at ``cap``) on the terms of the direct ∂e/∂θ once
        fully expanded in the layer atoms — computed from the local steps, without building it.

        ``weights`` gives atoms a size of their own (e.g. the terms of a φ' formula substituted for them)."""
        net = self.net
        sizes: dict[se.Basic, int] = dict(weights or {})

        def bound(expression: se.Basic) -> int:
            return max(expansion_size(expression, sizes, cap=cap))

        depth = net.depth
        sizes.update(zip(self._held[depth], [bound(self.output(i)) for i in range(net.sizes[depth])]))
        for layer in range(depth - 1, 0, -1):
            sizes.update(zip(self._held[layer], [bound(self.activation(layer, i)) for i in range(net.sizes[layer])]))
        return {parameter: bound(self.parameter(parameter)) for parameter in net.parameters}


layer_steps = per_network(lambda net: LayerSteps(engine_for(net)))
"""The (cached) local derivatives of a network."""


def search_differences(
    steps: LayerSteps,
    candidates: Mapping[sp.Symbol, se.Basic],
    rng: random.Random,
    *,
    tries: int = 6,
) -> dict[sp.Symbol, Difference]:
    """Random points (40 digits), φ taken in turn as tanh, sin and softplus: for each candidate ∂e/∂θ, the
    first point where it differs from the direct derivative (:meth:`LayerSteps.numeric_gradient`).

    One point serves every parameter at once, so the search is linear in the network's size."""

    def sides(values: dict, generic: str) -> Callable[[sp.Symbol], tuple]:
        direct = steps.numeric_gradient(values, mpmath, generic)
        memo: dict = {}
        return lambda parameter: (direct[parameter], evaluate(candidates[parameter], values, mpmath, generic, memo))

    return search_points(steps.engine, candidates, sides, rng, tries=tries)


def float_differences(
    steps: LayerSteps, candidates: Mapping[sp.Symbol, se.Basic], rng: random.Random, points: int
) -> tuple[float, float]:
    """The largest absolute and relative difference, over ``points`` random float points (φ = tanh),
    between each candidate ∂e/∂θ and the direct derivative composed from the local steps."""
    engine = steps.engine
    worst_abs = worst_rel = 0.0
    for _ in range(points):
        values = random_point(engine, rng, "tanh", math)
        direct = steps.numeric_gradient(values, math, "tanh")
        memo: dict = {}
        for parameter, expression in candidates.items():
            left, right = direct[parameter], evaluate(expression, values, math, "tanh", memo)
            difference = abs(left - right)
            worst_abs = max(worst_abs, difference)
            worst_rel = max(worst_rel, difference / max(1e-300, abs(left), abs(right)) if difference else 0.0)
    return worst_abs, worst_rel
