"""Exact decisions for ReLU networks, by activation patterns.

In a ReLU layer a^ℓ_i = z^ℓ_i · H(z^ℓ_i) and ReLU'(z^ℓ_i) = H(z^ℓ_i), where H takes only the values 0 and 1
(H(0) = 0, :data:`~symbackprop.activations.RELU_CONVENTION`).  Write h^ℓ_i for H(z^ℓ_i) and replace every
ReLU activation, bottom-up, by h^ℓ_i times its pre-activation: an expression of the network becomes a
polynomial in the parameters, inputs, targets and the h's (and the atoms of other layers).  Since every
h² = h, it reduces to a *multilinear* polynomial in the h's, and such a polynomial vanishes at every
0/1 point exactly when all its coefficients vanish.  Hence :func:`decide_patterns`:

- the reduced residual is 0 → the two expressions are identical on every activation pattern, i.e.
  everywhere (``identical``);
- otherwise a monomial of least degree names a pattern on which the residual is a non-zero polynomial
  (``witness``): on the open set of points with that pattern the two expressions differ almost
  everywhere, and :func:`symbackprop._kernel.evaluate.random_point` draws such points.

Every pattern occurs on an open set of points, except where a layer without biases receives only zeros
(all ReLUs of the layer below off): its pre-activations are then 0, so its h's are 0.  Patterns are
projected onto the ones that occur before they are used as witnesses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping, TypeVar

import symengine as se

from .convert import HEAVISIDE
from .dag import nodes
from .size import EXACT_LIMIT, expansion_bound

if TYPE_CHECKING:  # pragma: no cover
    from .engine import NetworkEngine

__all__ = ["PATTERN_IDENTITY", "Neuron", "PatternDecision", "decide_patterns", "relu_neurons"]

PATTERN_IDENTITY = "exact identity on every ReLU activation pattern (H(z) ∈ {0, 1}, H² = H, a = z·H(z))"
HEAVISIDE_NAME = HEAVISIDE(se.Integer(0)).get_name()
_MAX_CANDIDATES = 64  # least-degree monomials tried as witnesses before the projection is expanded

Neuron = tuple[int, int]  # (layer ℓ, 0-based index i)
Value = TypeVar("Value")


@dataclass(frozen=True)
class PatternDecision:
    """``identical`` True (exact identity), False (``witness``: a pattern where they differ) or None (the
    method does not apply: ``reason`` says why)."""

    identical: bool | None
    witness: Mapping[Neuron, bool] | None = None
    reason: str = ""
    details: dict = field(default_factory=dict, compare=False)


def relu_neurons(engine: "NetworkEngine") -> list[Neuron]:
    """(ℓ, i) of every neuron of a ReLU layer."""
    net = engine.net
    return [(layer, i) for layer in range(1, net.depth + 1) if net.activation(layer).name == "relu" for i in range(net.sizes[layer])]


def decide_patterns(engine: "NetworkEngine", difference: se.Basic, *, limit: int = EXACT_LIMIT) -> PatternDecision:
    """Decide ``difference == 0`` exactly on a ReLU network (``difference`` concretised: the ReLU derivative
    atoms already replaced by H(z)); see the module docstring."""
    neurons = relu_neurons(engine)
    if not neurons:
        return PatternDecision(None, reason="the network has no ReLU layer")
    net = engine.net
    if not net.has_bias and any(net.activation(layer).generic for layer in range(1, net.depth)):
        return PatternDecision(None, reason="a generic φ layer without biases below a ReLU layer (φ(0) is unknown)")
    steps = _steps(engine, neurons)
    found = _applied_functions(difference)
    replace: dict[se.Basic, se.Basic] = {}
    for node in found:
        neuron = steps.neuron_of(node) if node.get_name() == HEAVISIDE_NAME else None
        if neuron is None:
            return PatternDecision(None, reason=f"{node} is not the step H(z^ℓ_i) of a ReLU neuron")
        replace[node] = steps.h[neuron]
    replace.update(steps.activation)
    polynomial = difference.xreplace(replace)
    if expansion_bound(polynomial, cap=limit + 1) > limit:
        return PatternDecision(None, reason=f"the residual would expand to more than {limit:,} terms")
    # expand() is decisive for polynomials; for anything else (exp, opaque functions) a zero residual is
    # still a proof, and a witness is only believed once numbers at points of its pattern differ
    numerator, denominator = polynomial.as_numer_denom()
    hs = set(steps.h.values())
    if denominator.free_symbols & hs:
        return PatternDecision(None, reason="the expression divides by a step H(z) or a ReLU activation (undefined where it is 0)")
    if expansion_bound(numerator, cap=limit + 1) > limit or expansion_bound(denominator, cap=limit + 1) > limit:
        return PatternDecision(None, reason=f"the residual would expand to more than {limit:,} terms")
    if se.expand(denominator) == 0:  # 0/0: the residual is undefined everywhere, not 0
        return PatternDecision(None, reason="the expression divides by an expression that is identically 0")
    reduced = _multilinear(se.expand(numerator), hs)
    if reduced == 0:
        return PatternDecision(True)
    witness = steps.witness(reduced)
    if witness is None:  # only patterns that never occur disagree?  Expand the projection to be sure.
        projected = steps.projected(reduced, limit)
        if projected is None:
            return PatternDecision(None, reason=f"the residual on the realisable patterns would expand to more than {limit:,} terms")
        if projected == 0:
            return PatternDecision(True)
        witness = steps.witness(projected)
        if witness is None:  # pragma: no cover - a non-zero multilinear polynomial has a non-zero 0/1 point
            return PatternDecision(None, reason="no pattern found on which the residual is non-zero")
    return PatternDecision(False, witness=witness)


# --- the substitution and the patterns ------------------------------------------------------------------

class _Steps:
    """h^ℓ_i for every ReLU neuron, a^ℓ_i = h^ℓ_i · z^ℓ_i bottom-up, and the pattern projection."""

    def __init__(self, engine: "NetworkEngine", neurons: list[Neuron]) -> None:
        self.engine = engine
        self.net = engine.net
        self.neurons = neurons
        self.h: dict[Neuron, se.Symbol] = {(layer, i): se.Dummy(f"H^{layer}_{i + 1}") for layer, i in neurons}
        self.neuron_by_h = {symbol: neuron for neuron, symbol in self.h.items()}
        self.pre_activation: dict[se.Basic, Neuron] = {}
        self.activation: dict[se.Symbol, se.Basic] = {}
        for layer, i in neurons:
            concrete = engine.concretise(engine.z_atoms[layer][i])
            self.pre_activation[concrete] = (layer, i)
            self.pre_activation[engine.a_atoms[layer][i]] = (layer, i)  # H(ReLU(z)) = H(z), as H(0) = 0
        for layer, i in neurons:  # bottom-up: lower activations are already substituted in the values
            concrete = engine.concretise(engine.z_atoms[layer][i])
            self.activation[engine.a_atoms[layer][i]] = self.h[(layer, i)] * concrete.xreplace(self.activation)

    def neuron_of(self, node: se.Basic) -> Neuron | None:
        """The neuron whose step H(z^ℓ_i) ``node`` is: H(c·z^ℓ_i) and H(c·a^ℓ_i) with a number c > 0 are
        the same step (a^ℓ_i = max(0, z^ℓ_i) is positive exactly where z^ℓ_i is)."""
        argument = node.args[0]
        if argument in self.pre_activation:
            return self.pre_activation[argument]
        if isinstance(argument, se.Mul):  # SymEngine keeps a number factor first
            coefficient, *factors = argument.args
            rest = se.Mul(*factors)
            if coefficient.is_Number and coefficient > 0 and rest in self.pre_activation:
                return self.pre_activation[rest]
        return None

    # --- which patterns occur --------------------------------------------------------------------------
    def occurring(self, steps: Mapping[Neuron, Value], *, false: Value, both: Callable[[Value, Value], Value], negate: Callable[[Value], Value]) -> dict[Neuron, Value]:
        """Each ReLU step as it occurs where ``steps`` are asked for: in a layer without biases whose inputs
        are all 0, every pre-activation is 0, so every step is off (H(0) = 0).  One walk of the layers
        for booleans (:meth:`project`) and for polynomials in the h's (:meth:`projected`): ``false``,
        ``both`` (and) and ``negate`` (not) are the logic of the values."""
        net = self.net
        result: dict[Neuron, Value] = {}
        zero_below = false  # the inputs x are never all 0 on an open set
        for layer in range(1, net.depth + 1):
            name = net.activation(layer).name
            if name == "relu":
                all_off = negate(false)
                for i in range(net.sizes[layer]):
                    step = steps[(layer, i)] if net.has_bias else both(steps[(layer, i)], negate(zero_below))
                    result[(layer, i)] = step
                    all_off = both(all_off, negate(step))
                zero_below = all_off
            elif name not in ("identity", "tanh") or net.has_bias:  # id(0) = tanh(0) = 0; σ(0) = 1/2
                zero_below = false
        return result

    def project(self, pattern: dict[Neuron, bool]) -> dict[Neuron, bool]:
        """The pattern that occurs where ``pattern`` is asked for (:meth:`occurring`, in booleans)."""
        return self.occurring(pattern, false=False, both=lambda p, q: p and q, negate=lambda p: not p)

    def witness(self, reduced: se.Basic) -> dict[Neuron, bool] | None:
        """A pattern that occurs and on which ``reduced`` is not 0: from its monomials of least degree."""
        sets = sorted({frozenset(_factors(term) & self.neuron_by_h.keys()) for term in _terms(reduced)}, key=len)
        for members in sets[:_MAX_CANDIDATES]:
            asked = {neuron: self.h[neuron] in members for neuron in self.neurons}
            pattern = self.project(asked)
            value = se.expand(reduced.xreplace({self.h[n]: se.Integer(1 if on else 0) for n, on in pattern.items()}))
            if value != 0:
                return pattern
        return None

    def projected(self, reduced: se.Basic, limit: int) -> se.Basic | None:
        """``reduced`` with each h^ℓ_i multiplied by 'some input of layer ℓ is non-zero' (as a polynomial in
        the h's below), reduced again: 0 exactly when ``reduced`` vanishes on every pattern that occurs
        (:meth:`occurring`, in polynomials)."""
        occurs = self.occurring(self.h, false=se.Integer(0), both=lambda p, q: p * q, negate=lambda p: 1 - p)
        substituted = reduced.xreplace({self.h[neuron]: step for neuron, step in occurs.items()})
        if expansion_bound(substituted, cap=limit + 1) > limit:
            return None
        return _multilinear(se.expand(substituted), set(self.h.values()))


def _steps(engine: "NetworkEngine", neurons: list[Neuron]) -> _Steps:
    cached = getattr(engine, "_pattern_steps", None)
    if cached is None:
        cached = _Steps(engine, neurons)
        engine._pattern_steps = cached  # type: ignore[attr-defined]
    return cached


def _applied_functions(expression: se.Basic) -> list[se.Basic]:
    """Every H(·) and ReLU(·) node of an expression DAG (each once)."""
    applied = lambda node: isinstance(node, se.FunctionSymbol) and node.get_name() in ("Heaviside", "relu")  # noqa: E731
    return [node for node in nodes(expression, inside=lambda node: not applied(node)) if applied(node)]


def _terms(expression: se.Basic) -> tuple[se.Basic, ...]:
    return expression.args if isinstance(expression, se.Add) else (expression,)


def _factors(term: se.Basic) -> set[se.Basic]:
    """The symbols of a monomial (exponents dropped)."""
    parts = term.args if isinstance(term, se.Mul) else (term,)
    result: set[se.Basic] = set()
    for part in parts:
        base = part.args[0] if isinstance(part, se.Pow) else part
        if isinstance(base, se.Symbol):
            result.add(base)
    return result


def _multilinear(expanded: se.Basic, steps: set[se.Symbol]) -> se.Basic:
    """An expanded polynomial with every hᵏ (k ≥ 1) of a step h replaced by h — exact, since h ∈ {0, 1}."""
    if expanded == 0:
        return expanded
    reduced = []
    for term in _terms(expanded):
        parts = term.args if isinstance(term, se.Mul) else (term,)
        reduced.append(se.Mul(*[part.args[0] if isinstance(part, se.Pow) and part.args[0] in steps else part for part in parts]))
    return se.add(*reduced)
