"""Exact proof that backpropagation gives the same ∂e/∂θ as differentiating the composed loss.

"Proved" means an exact symbolic identity:

1. both derivations are rewritten into the layer atoms (a^ℓ_i for φ(z^ℓ_i), one atom per φ'(z^ℓ_i)),
   which makes them polynomials (rational in exp(a^L) for softmax); ``expand(direct − candidate) == 0``
   then holds for *every* differentiable φ;
2. for a concrete activation, the lemma "its φ' formula equals the derivative of φ" is proved too
   (e.g. σ' = σ(1 − σ)), which carries the generic identity over to the concrete network.

Where an entry is not identical, concrete parameter values are searched for at which the two
derivations give different numbers (a counterexample).  A numeric spot check is reported beside the
proof and never called one.
"""

from __future__ import annotations

import functools
import math
import random
import time
from dataclasses import dataclass, field
from typing import Mapping

import mpmath
import symengine as se
import sympy as sp

from .activations import Activation
from .derive import Gradients, backprop, direct
from .derive._engine import HEAVISIDE, NetworkEngine, engine_for
from .errors import NotSupportedError, ShapeError
from .network import MLP
from .notation import plain_name

__all__ = [
    "Counterexample",
    "EntryResult",
    "Lemma",
    "NumericCheck",
    "Proof",
    "prove",
    "derivative_lemma",
    "compare_entry",
    "exact_identity",
]

PROVED, DIFFERS, UNDECIDED = "proved", "differs", "undecided"
_GENERIC_CHOICES = ("tanh", "sin", "softplus")
_RATIONAL_FALLBACK_LIMIT = 4000  # count_ops above which SymPy's cancel is not attempted


@dataclass(frozen=True)
class Counterexample:
    """Values at which the two derivations give different numbers."""

    parameter: sp.Symbol
    point: dict[str, float]
    phi: str
    direct_value: float
    candidate_value: float

    def describe(self, *, max_values: int = 8) -> str:
        """One line; the point is listed in full only when it is short (it is always in ``point``)."""
        if len(self.point) <= max_values:
            where = ", ".join(f"{plain_name(name)}={value:g}" for name, value in self.point.items())
        else:
            where = f"a random point of {len(self.point)} values (see .point)"
        return (
            f"at {where}, generic φ = {self.phi}: direct ∂e/∂{plain_name(self.parameter.name)} = "
            f"{self.direct_value:.12g}, candidate = {self.candidate_value:.12g}"
        )


@dataclass(frozen=True)
class EntryResult:
    """The outcome for one parameter θ: ``proved``, ``differs`` (with a counterexample) or ``undecided``."""

    parameter: sp.Symbol
    status: str
    method: str
    counterexample: Counterexample | None = None
    points: int = 0  # for ``undecided``: random points at which both sides agreed (not a proof)


@dataclass(frozen=True)
class Lemma:
    """φ'-formula lemma of a concrete activation, e.g. σ'(z) = σ(z)(1 − σ(z))."""

    activation: str
    statement: str
    holds: bool
    method: str


@dataclass(frozen=True)
class NumericCheck:
    """Numeric agreement of the two derivations at random points — evidence, not a proof."""

    points: int
    entries: int
    max_abs_difference: float
    max_relative_difference: float


@dataclass(frozen=True)
class Proof:
    """Result of :func:`prove`; ``holds`` is True only for an exact identity plus every lemma."""

    network: MLP
    candidate: str
    holds: bool
    method: str
    entries: tuple[EntryResult, ...]
    lemmas: tuple[Lemma, ...]
    spot_check: NumericCheck | None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def failures(self) -> tuple[EntryResult, ...]:
        return tuple(entry for entry in self.entries if entry.status != PROVED)

    @property
    def counterexamples(self) -> tuple[Counterexample, ...]:
        return tuple(entry.counterexample for entry in self.entries if entry.counterexample is not None)

    def entry(self, parameter: sp.Symbol | str) -> EntryResult:
        if isinstance(parameter, str):
            parameter = self.network.parameter(parameter)
        for result in self.entries:
            if result.parameter == parameter:
                return result
        raise KeyError(parameter)

    def report(self) -> str:
        """A short human-readable report."""
        proved = sum(entry.status == PROVED for entry in self.entries)
        total = len(self.entries)
        verdict = "PROVED" if self.holds else ("NOT PROVED" if not self.counterexamples else "REFUTED")
        lines = [
            f"Network    {self.network.spec.describe()}",
            f"Compared   direct (differentiate the composed loss) vs {self.candidate}",
            f"Result     {verdict}: {proved}/{total} entries identical — {self.method}",
        ]
        for lemma in self.lemmas:
            lines.append(f"Lemma      {lemma.statement}: {'proved' if lemma.holds else 'FAILS'} ({lemma.method})")
        for entry in self.failures[:5]:
            lines.append(f"  {plain_name(entry.parameter.name)}: {entry.status} ({entry.method})")
            if entry.counterexample is not None:
                lines.append(f"    counterexample {entry.counterexample.describe()}")
        if len(self.failures) > 5:
            lines.append(f"  … and {len(self.failures) - 5} more entries that are not identical")
        if self.spot_check is not None:
            check = self.spot_check
            lines.append(
                f"Numeric    spot check (not a proof): max |direct − {self.candidate}| = "
                f"{check.max_abs_difference:.3g} over {check.entries} entries at {check.points} random points"
            )
        if self.timings:
            lines.append("Time       " + ", ".join(f"{name} {seconds:.3f} s" for name, seconds in self.timings.items()))
        return "\n".join(lines)

    def _repr_latex_(self) -> str:
        """Rendered math in Jupyter: verdict, method, lemmas and the numeric spot check."""
        from .emit.notebook import proof_latex  # display only: emit depends on prove, not back

        return proof_latex(self)

    def __str__(self) -> str:
        return self.report()


def derivative_lemma(activation: Activation) -> Lemma:
    """Prove exactly that the activation's φ' formula equals d/dz of its definition.

    >>> from symbackprop.activations import get_activation
    >>> derivative_lemma(get_activation("sigmoid")).holds
    True
    """
    return _derivative_lemma(activation.name, activation)


@functools.lru_cache(maxsize=None)
def _derivative_lemma(name: str, activation: Activation) -> Lemma:
    z = sp.Symbol("z")
    if activation.name == "relu":
        holds = True
        for branch in (sp.Symbol("z", positive=True), sp.Symbol("z", negative=True)):
            definition = activation.definition(branch)
            formula = activation.derivative(branch, definition)
            holds = holds and sp.simplify(sp.diff(definition, branch) - formula) == 0
        return Lemma(activation.name, "ReLU'(z) = H(z) for z ≠ 0", holds, "exact on each branch z > 0, z < 0")
    definition = activation.definition(z)
    formula = activation.derivative(z, definition)
    difference = sp.diff(definition, z) - formula
    holds = sp.cancel(sp.together(difference)) == 0 or sp.simplify(difference) == 0
    statement = {
        "sigmoid": "σ'(z) = σ(z)(1 − σ(z))",
        "tanh": "tanh'(z) = 1 − tanh²(z)",
        "identity": "id'(z) = 1",
    }.get(activation.name, f"{activation.name}' formula")
    return Lemma(activation.name, statement, holds, "exact: d/dz of the definition minus the formula cancels to 0")


def prove(
    net: MLP,
    gradients: Gradients | Mapping[sp.Symbol | str, sp.Expr] | None = None,
    *,
    spot_check: int = 2,
    seed: int = 0,
) -> Proof:
    """Prove that ``gradients`` (default: :func:`~symbackprop.backprop`) equal the direct derivatives.

    >>> from symbackprop import MLP
    >>> prove(MLP([3, 3, 2], activation="sigmoid", bias=True)).holds
    True
    """
    engine = engine_for(net)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    reference = direct(net)
    timings["direct"] = time.perf_counter() - started

    started = time.perf_counter()
    label, candidate = _candidate_expressions(net, engine, gradients)
    timings[label] = time.perf_counter() - started

    started = time.perf_counter()
    rng = random.Random(seed)
    entries = tuple(
        _compare(engine, parameter, reference.engine_expression(parameter), candidate[parameter], rng)
        for parameter in net.parameters
    )
    timings["compare"] = time.perf_counter() - started

    started = time.perf_counter()
    concrete = _unique(net.activation(layer) for layer in range(1, net.depth + 1))
    lemmas = tuple(derivative_lemma(activation) for activation in concrete if not activation.generic)
    timings["lemmas"] = time.perf_counter() - started

    check = None
    if spot_check > 0:
        started = time.perf_counter()
        check = _spot_check(engine, reference, candidate, spot_check, random.Random(seed + 1))
        timings["spot check"] = time.perf_counter() - started

    holds = all(entry.status == PROVED for entry in entries) and all(lemma.holds for lemma in lemmas)
    methods = sorted({entry.method for entry in entries if entry.status == PROVED})
    method = "; ".join(methods) if methods else "no entry could be proved"
    if any(not activation.generic for activation in concrete):
        method += "; with the derivative lemma(s) below"
    return Proof(net, label, holds, method, entries, lemmas, check, timings)


def _unique(activations) -> list[Activation]:  # noqa: ANN001
    seen: dict[str, Activation] = {}
    for activation in activations:
        seen.setdefault(activation.name, activation)
    return list(seen.values())


def _candidate_expressions(
    net: MLP, engine: NetworkEngine, gradients: Gradients | Mapping | None
) -> tuple[str, dict[sp.Symbol, se.Basic]]:
    if gradients is None:
        gradients = backprop(net)
    if isinstance(gradients, Gradients):
        if gradients.network is not net:
            raise ShapeError("these gradients belong to a different network")
        return gradients.method, {p: gradients.engine_expression(p) for p in gradients}
    if not isinstance(gradients, Mapping):
        raise ShapeError("gradients must be a Gradients object or a mapping parameter -> SymPy expression")
    expressions: dict[sp.Symbol, se.Basic] = {}
    for key, value in gradients.items():
        parameter = net.parameter(key) if isinstance(key, str) else key
        net.parameter_info(parameter)
        if not isinstance(value, (sp.Basic, int)):
            raise ShapeError(f"the gradient for {parameter} must be a SymPy expression, got {type(value).__name__}")
        expressions[parameter] = engine.to_engine(sp.sympify(value))
    missing = [plain_name(p.name) for p in net.parameters if p not in expressions]
    if missing:
        raise ShapeError(f"gradients lack entries for: {', '.join(missing[:10])}{' …' if len(missing) > 10 else ''}")
    return "candidate", expressions


GENERIC_IDENTITY = "exact polynomial identity in the layer atoms a^ℓ_i, φ'(z^ℓ_i), for every φ"
CONCRETE_IDENTITY = "exact polynomial identity after substituting the φ' formulas"
RATIONAL_IDENTITY = "exact rational identity (expanded over a common denominator)"


def exact_identity(net: MLP, lhs: sp.Basic | se.Basic, rhs: sp.Basic | se.Basic, *, sympy_fallback: bool = False) -> str | None:
    """How ``lhs ≡ rhs`` was shown to be an exact identity for this network, or None if it was not.

    Either side may be SymPy in the lecture's symbols or a SymEngine expression in the engine's atoms.
    The stages are cheap (SymEngine ``expand``); ``sympy_fallback`` adds SymPy's ``cancel`` for rational
    residuals, which can be slow.  None means "not shown", never "different".

    >>> from symbackprop import MLP
    >>> net = MLP([1, 1], activation="sigmoid")
    >>> (a,), (y,), (x,) = net.a(1), net.y, net.x
    >>> exact_identity(net, 2 * (a - y) * a * (1 - a) * x, "w^1_11")
    "exact polynomial identity after substituting the φ' formulas"
    """
    engine = engine_for(net)
    left = _as_engine(engine, lhs)
    right = _as_engine(engine, rhs)
    return _exact_identity(engine, left, right, sympy_fallback=sympy_fallback)


def _exact_identity(engine: NetworkEngine, lhs: se.Basic, rhs: se.Basic, *, sympy_fallback: bool) -> str | None:
    if se.expand(lhs - rhs) == 0:
        return GENERIC_IDENTITY
    difference = engine.concretise(lhs) - engine.concretise(rhs)
    residual = se.expand(difference)
    if residual == 0:
        return CONCRETE_IDENTITY
    if not _is_polynomial(residual):
        # over a common denominator of the *unexpanded* difference: expanding first would give each power
        # of a denominator its own term, and their product can be enormous
        numerator, _ = difference.as_numer_denom()
        if se.expand(numerator) == 0:
            return RATIONAL_IDENTITY
        if sympy_fallback:
            rational = engine.to_sympy(residual, display=False)
            if sp.count_ops(rational) <= _RATIONAL_FALLBACK_LIMIT and sp.cancel(sp.together(rational)) == 0:
                return "exact rational identity (SymPy cancel)"
    return None


def _as_engine(engine: NetworkEngine, value: object) -> se.Basic:
    """A parameter name means the direct derivative; SymPy is converted; SymEngine passes through."""
    if isinstance(value, str):
        parameter = engine.net.parameter(value)
        return engine.direct([parameter])[parameter]
    if isinstance(value, se.Basic):
        return value
    if isinstance(value, (sp.Basic, int)):
        return engine.to_engine(sp.Integer(value) if isinstance(value, int) else value)
    raise ShapeError(f"expected a SymPy or SymEngine expression, got {type(value).__name__}")


def compare_entry(
    net: MLP,
    parameter: sp.Symbol | str,
    candidate: sp.Basic | se.Basic,
    *,
    reference: sp.Basic | se.Basic | None = None,
    tries: int = 6,
    seed: int = 0,
) -> EntryResult:
    """Compare one candidate ∂e/∂θ with the direct derivative (or ``reference``) exactly.

    ``proved`` when an exact identity holds; otherwise ``differs`` with a counterexample, or
    ``undecided`` (with ``points`` = how many random points agreed — numeric evidence, not a proof).

    >>> from symbackprop import MLP
    >>> from symbackprop.activations import phi_prime
    >>> net = MLP([1, 1])
    >>> (a,), (y,), (x,), (z,) = net.a(1), net.y, net.x, net.z(1)
    >>> compare_entry(net, "w^1_11", 2 * (a - y) * phi_prime(z) * x).status
    'proved'
    >>> compare_entry(net, "w^1_11", (a - y) * phi_prime(z) * x).status
    'differs'
    """
    engine = engine_for(net)
    if isinstance(parameter, str):
        parameter = net.parameter(parameter)
    net.parameter_info(parameter)
    lhs = engine.direct([parameter])[parameter] if reference is None else _as_engine(engine, reference)
    return _compare(engine, parameter, lhs, _as_engine(engine, candidate), random.Random(seed), tries=tries)


def _compare(
    engine: NetworkEngine, parameter: sp.Symbol, lhs: se.Basic, rhs: se.Basic, rng: random.Random, *, tries: int = 6
) -> EntryResult:
    method = _exact_identity(engine, lhs, rhs, sympy_fallback=True)
    if method is not None:
        return EntryResult(parameter, PROVED, method)
    lhs_c, rhs_c = engine.concretise(lhs), engine.concretise(rhs)
    counterexample = _search_counterexample(engine, parameter, lhs_c, rhs_c, rng, tries=tries)
    if counterexample is not None:
        return EntryResult(parameter, DIFFERS, "not identical; numbers differ", counterexample)
    return EntryResult(
        parameter, UNDECIDED, f"not shown identical, and equal at every point tried ({tries}; not a proof)", points=tries
    )


def _is_polynomial(expression: se.Basic) -> bool:
    """True when expand() is decisive: no exp, log or negative power of a sum (Laurent monomials are fine)."""
    seen: set[se.Basic] = set()
    stack = [expression]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        if isinstance(node, se.Pow):
            base, exponent = node.args
            if base == se.E or not exponent.is_Integer or (int(exponent) < 0 and not base.is_Symbol):
                return False
        elif isinstance(node, se.log):
            return False
        stack.extend(node.args)
    return True


# --- numeric evaluation (counterexamples and the spot check) ---------------------------------------

_ACTIVATION_VALUES = {
    "sigmoid": (lambda m, z: 1 / (1 + m.exp(-z)), lambda m, z, a: a * (1 - a)),
    "tanh": (lambda m, z: m.tanh(z), lambda m, z, a: 1 - a * a),
    "relu": (lambda m, z: z if z > 0 else 0 * z, lambda m, z, a: 1 if z > 0 else 0),
    "identity": (lambda m, z: z, lambda m, z, a: 1),
    "sin": (lambda m, z: m.sin(z), lambda m, z, a: m.cos(z)),
    "softplus": (lambda m, z: m.log(1 + m.exp(z)), lambda m, z, a: 1 / (1 + m.exp(-z))),
}


def _random_point(engine: NetworkEngine, rng: random.Random, generic: str, math_module) -> dict:  # noqa: ANN001
    """Random parameters/inputs/targets and the forward values of every atom for them."""
    net = engine.net
    number = (lambda v: mpmath.mpf(v)) if math_module is mpmath else float
    values: dict[se.Symbol, object] = {}
    for parameter in net.parameters:
        values[engine.symbol[parameter]] = number(rng.randint(-150, 150)) / 100
    for x in net.x:
        values[engine.symbol[x]] = number(rng.randint(-200, 200)) / 100
    if net.softmax:
        hot = rng.randrange(len(net.y))
        for j, y in enumerate(net.y):
            values[engine.symbol[y]] = number(1 if j == hot else 0)
    elif net.loss.name == "logistic":
        values[engine.symbol[net.y[0]]] = number(rng.choice((-1, 1)))
    else:
        for y in net.y:
            values[engine.symbol[y]] = number(rng.randint(-100, 100)) / 100
    for layer in range(1, net.depth + 1):
        activation = net.activation(layer)
        forward, derivative = _ACTIVATION_VALUES[generic if activation.generic else activation.name]
        for z_value, a_atom, d_atom in zip(engine.z_atoms[layer], engine.a_atoms[layer], engine.d_atoms[layer]):
            z = _evaluate(z_value, values, math_module, generic)
            a = forward(math_module, z)
            values[a_atom] = a
            values[d_atom] = number(derivative(math_module, z, a))
    return values


def _evaluate(expression: se.Basic, values: dict, math_module, generic: str, memo: dict | None = None):  # noqa: ANN001, ANN202
    """Evaluate a SymEngine expression DAG at numeric atom values (floats or mpmath numbers)."""
    memo = {} if memo is None else memo
    stack = [expression]
    while stack:
        node = stack[-1]
        if node in memo or node in values:
            stack.pop()
            continue
        args = node.args
        pending = [arg for arg in args if arg not in memo and arg not in values]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        vals = [values[arg] if arg in values else memo[arg] for arg in args]
        memo[node] = _apply(node, vals, math_module, generic)
    return values[expression] if expression in values else memo[expression]


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
            return 1 if vals[0] > 0 else (0 if vals[0] < 0 else 0.5)
        table = {"phi": _ACTIVATION_VALUES[generic][0], "sigma": _ACTIVATION_VALUES["sigmoid"][0], "relu": _ACTIVATION_VALUES["relu"][0]}
        if name in table:
            return table[name](math_module, vals[0])
        if name == "phi'":
            forward, derivative = _ACTIVATION_VALUES[generic]
            return derivative(math_module, vals[0], forward(math_module, vals[0]))
    if node.is_Number:
        return float(node) if math_module is math else mpmath.mpf(sp.Rational(str(node)).p) / sp.Rational(str(node)).q
    if node == se.E:
        return math_module.e
    raise NotSupportedError(f"cannot evaluate {node} numerically")


def _search_counterexample(
    engine: NetworkEngine, parameter: sp.Symbol, lhs: se.Basic, rhs: se.Basic, rng: random.Random, tries: int = 6
) -> Counterexample | None:
    with mpmath.workdps(40):
        for attempt in range(tries):
            generic = _GENERIC_CHOICES[attempt % len(_GENERIC_CHOICES)]
            values = _random_point(engine, rng, generic, mpmath)
            try:
                left = _evaluate(lhs, values, mpmath, generic)
                right = _evaluate(rhs, values, mpmath, generic)
            except (ZeroDivisionError, ValueError, OverflowError):
                continue
            if abs(left - right) > mpmath.mpf(10) ** -25 * (1 + abs(left) + abs(right)):
                net = engine.net
                point = {s.name: float(values[engine.symbol[s]]) for s in (*net.parameters, *net.x, *net.y)}
                return Counterexample(parameter, point, generic, float(left), float(right))
    return None


def _spot_check(
    engine: NetworkEngine, reference: Gradients, candidate: Mapping[sp.Symbol, se.Basic], points: int, rng: random.Random
) -> NumericCheck:
    worst_abs = worst_rel = 0.0
    for _ in range(points):
        values = _random_point(engine, rng, "tanh", math)
        memo: dict = {}
        for parameter in engine.net.parameters:
            left = _evaluate(engine.concretise(reference.engine_expression(parameter)), values, math, "tanh", memo)
            right = _evaluate(engine.concretise(candidate[parameter]), values, math, "tanh", memo)
            difference = abs(left - right)
            worst_abs = max(worst_abs, difference)
            worst_rel = max(worst_rel, difference / max(1e-300, abs(left), abs(right)) if difference else 0.0)
    return NumericCheck(points, len(engine.net.parameters), worst_abs, worst_rel)
