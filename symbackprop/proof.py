"""Exact proof that backpropagation gives the same ∂e/∂θ as differentiating the composed loss.

"Proved" means an exact symbolic identity, shown for every entry by one or both of two methods:

- **layer-local** (:mod:`symbackprop.proof_local`, whenever the candidate comes with the recursion it was
  built from, as :func:`~symbackprop.backprop` and ``gradients_from_steps`` do): the induction step
  instantiated at the network — the direct derivative of the loss above layer ℓ with the layer above's
  derivatives held as symbols equals the recursion's δ^ℓ_i, and likewise for δ^L and each gradient entry.
  Each comparison is small; the chain rule composes them; time grows linearly with depth;
- **full expansion** (where the size estimate allows): both derivations are rewritten into the layer atoms
  (a^ℓ_i for φ(z^ℓ_i), one atom per φ'(z^ℓ_i)), which makes them polynomials (rational in exp(a^L) for
  softmax), and ``expand(direct − candidate) == 0`` is decided for the whole entry.

Both hold for *every* differentiable φ; for a concrete activation the lemma "its φ' formula equals the
derivative of φ" is proved too (e.g. σ' = σ(1 − σ)), which carries the generic identity over.

Where an entry is not identical, concrete parameter values are searched for at which the two
derivations give different numbers (a counterexample); at depths the full expansion cannot reach, the
direct value at the point is composed from the local derivatives by the chain rule (linear time).  A
numeric spot check is reported beside the proof and never called one.
"""

from __future__ import annotations

import dataclasses
import functools
import random
import time
from dataclasses import dataclass, field
from typing import Mapping

import symengine as se
import sympy as sp

from ._kernel.engine import NetworkEngine, engine_for
from ._kernel.local import LayerSteps, float_differences, layer_steps, search_differences
from ._kernel.size import gradient_terms
from ._kernel.identity import (
    CONCRETE_IDENTITY,
    GENERIC_IDENTITY,
    PATTERN_IDENTITY,
    RATIONAL_IDENTITY,
    search_counterexample,
)
from ._kernel.identity import (
    exact_decision as _decide,
)
from ._kernel.identity import (
    exact_identity as _decide_identity,
)
from .activations import RELU_CONVENTION, Activation, get_activation
from .derive import BackpropSteps, Gradients, backprop
from .derive.display import latex_block, latex_text
from .errors import ArgumentTypeError, LimitError, OptionError, ShapeError
from .network import MLP
from .notation import plain_name
from .printing import lecture_printer
from .proof_local import FULL_EXPANSION, LocalProof, LocalStep, full_expansion_plan, prove_layer_local
from .statuses import EntryStatus

__all__ = [
    "Counterexample",
    "EntryResult",
    "Lemma",
    "NumericCheck",
    "Proof",
    "ProofSize",
    "PROOF_TERM_LIMIT",
    "prove",
    "proof_size",
    "derivative_lemma",
    "compare_entry",
    "exact_identity",
    "proof_latex",
    "GENERIC_IDENTITY",
    "CONCRETE_IDENTITY",
    "RATIONAL_IDENTITY",
    "PATTERN_IDENTITY",
]

PROVED, DIFFERS, UNDECIDED = EntryStatus.PROVED, EntryStatus.DIFFERS, EntryStatus.UNDECIDED
_TRIES, _RELU_TRIES = 6, 24  # random points for a counterexample of an entry no exact method settled


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
    status: EntryStatus
    method: str
    counterexample: Counterexample | None = None
    points: int = 0  # for ``undecided``: random points at which both sides agreed (not a proof)
    methods: tuple[str, ...] = ()  # every method that proved the entry (layer-local chain, full expansion)
    step: str | None = None  # the first failing layer-local step this entry rests on, when one fails


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
    local_steps: tuple[LocalStep, ...] = ()  # the layer-local proof's steps (empty when it did not run)

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
        lines += self._method_lines()
        for lemma in self.lemmas:
            lines.append(f"Lemma      {lemma.statement}: {'proved' if lemma.holds else 'FAILS'} ({lemma.method})")
        failing_steps = [step for step in self.local_steps if not step.holds]
        for step in failing_steps[:5]:
            lines.append(f"  step     {step.describe()}")
        if len(failing_steps) > 5:
            lines.append(f"  … and {len(failing_steps) - 5} more local steps that fail")
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

    def method_counts(self) -> dict[str, int]:
        """How many entries each method proved: ``{"layer-local": n, "full expansion": m}``."""
        counts = {"layer-local": 0, FULL_EXPANSION: 0}
        for entry in self.entries:
            for method in entry.methods:
                key = FULL_EXPANSION if method.startswith(FULL_EXPANSION) else "layer-local"
                counts[key] += 1
        return counts

    def _method_lines(self) -> list[str]:
        """Which method proved what: totals, and per layer when they differ between layers."""
        if not any(entry.methods for entry in self.entries):
            return []
        total = len(self.entries)
        counts = self.method_counts()
        lines = []
        if self.local_steps:
            holding = sum(step.holds for step in self.local_steps)
            lines.append(
                f"Methods    layer-local chain: {counts['layer-local']}/{total} entries "
                f"({holding}/{len(self.local_steps)} local steps hold: δ^L, each δ^ℓ from δ^(ℓ+1), each gradient entry)"
            )
        lines.append(f"           full expansion: {counts[FULL_EXPANSION]}/{total} entries" + (
            "" if counts[FULL_EXPANSION] == total else " (the others exceed its size estimate or were not run)"
        ))
        by_layer: dict[int, list[int]] = {}
        for entry in self.entries:
            tally = by_layer.setdefault(self.network.parameter_info(entry.parameter).layer, [0, 0, 0])
            tally[0] += 1
            tally[1] += any(not method.startswith(FULL_EXPANSION) for method in entry.methods)
            tally[2] += any(method.startswith(FULL_EXPANSION) for method in entry.methods)
        if len({(local == n, full == n, full == 0) for n, local, full in by_layer.values()}) > 1:
            lines.append(
                "By layer   "
                + " | ".join(f"ℓ={layer}: {local}/{n} local, {full}/{n} full" for layer, (n, local, full) in sorted(by_layer.items()))
            )
        return lines

    def _repr_latex_(self) -> str:
        """Rendered math in Jupyter: verdict, method, lemmas and the numeric spot check."""
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
        return Lemma(
            activation.name,
            f"ReLU'(z) = H(z) for z ≠ 0, and {RELU_CONVENTION}",
            holds,
            "exact on each branch z > 0, z < 0",
        )
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


PROOF_TERM_LIMIT = 500_000
"""Terms of the largest entry (direct and backprop multiplied out) that a full expansion forced on every entry
takes on: about a gigabyte of memory (measured: about 1.8 kB a term)."""
MAX_SPOT_CHECK = 1_000  # random points of prove's numeric check: more adds nothing to a proof, only time


@dataclass(frozen=True)
class ProofSize:
    """How much work :func:`prove` would do, estimated from the sizes alone: the terms of every entry once
    multiplied out (direct and candidate), in total and for the largest entry (``parameter``)."""

    total: int
    largest: int
    parameter: sp.Symbol

    def too_large(self, net: MLP, limit: int) -> str | None:
        """A one-line refusal when the largest entry exceeds ``limit`` terms, else None."""
        if self.largest <= limit:
            return None
        return (
            f"the network {list(net.sizes)} is too large to expand every entry fully: ∂e/∂{plain_name(self.parameter.name)} "
            f"multiplied out has about {self.largest:,} terms (limit {limit:,}); leave the full expansion to its size "
            "estimate (the layer-local proof covers every entry), or prove the recursion for every size at once "
            "(symbackprop prove --general)"
        )


def proof_size(net: MLP) -> ProofSize:
    """The work of the full expansion on ``net``: each entry compares the direct derivative with the candidate
    by expanding their difference, whose terms :func:`~symbackprop._kernel.size.gradient_terms` counts
    (twice: one side each).  The layer-local proof does not grow so.

    >>> from symbackprop import MLP
    >>> proof_size(MLP([4] * 12)).largest
    4194304
    """
    _require_network(net)
    total, largest, which = 0, 0, net.parameters[0]
    for parameter in net.parameters:
        terms = 2 * gradient_terms(net, net.parameter_info(parameter).layer)
        total += terms
        if terms > largest:
            largest, which = terms, parameter
    return ProofSize(total, largest, which)


def prove(
    net: MLP,
    gradients: Gradients | Mapping[sp.Symbol | str, sp.Expr] | None = None,
    *,
    spot_check: int = 2,
    seed: int = 0,
    full_expansion: bool | None = None,
    max_terms: int | None = PROOF_TERM_LIMIT,
) -> Proof:
    """Prove that ``gradients`` (default: :func:`~symbackprop.backprop`) equal the direct derivatives.

    The layer-local chain (:mod:`symbackprop.proof_local`) runs whenever the candidate carries the
    recursion it was built from; the full expansion runs where its size estimate allows
    (``full_expansion=None``), on every entry (``True``: may be very slow on deep networks) or on none
    (``False``).  Each entry's ``methods`` say which proved it.  A full expansion forced on every entry is
    refused with :class:`~symbackprop.errors.LimitError` before any work when an entry would multiply out to
    more than ``max_terms`` terms (:func:`proof_size`; ``None``: no limit).

    >>> from symbackprop import MLP
    >>> prove(MLP([3, 3, 2], activation="sigmoid", bias=True)).holds
    True
    """
    _require_network(net)
    if isinstance(spot_check, bool) or not isinstance(spot_check, int) or not 0 <= spot_check <= MAX_SPOT_CHECK:
        raise OptionError(f"the spot check takes a whole number of random points from 0 to {MAX_SPOT_CHECK:,}, got {spot_check!r}")
    refusal = proof_size(net).too_large(net, max_terms) if full_expansion and max_terms is not None else None
    if refusal is not None:
        raise LimitError(refusal)
    engine = engine_for(net)
    steps = layer_steps(net)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    label, candidate, recursion = _candidate_expressions(net, engine, gradients)
    timings[label] = time.perf_counter() - started

    local = None
    if recursion is not None:
        started = time.perf_counter()
        local = prove_layer_local(net, recursion, steps, candidate)
        timings["layer-local"] = time.perf_counter() - started

    started = time.perf_counter()
    if full_expansion is None:
        planned = list(full_expansion_plan(candidate, steps))
    else:
        planned = list(net.parameters) if full_expansion else []
    planned = [parameter for parameter in net.parameters if parameter in set(planned)]
    timings["estimate"] = time.perf_counter() - started
    full: dict[sp.Symbol, EntryResult] = {}
    if planned:
        started = time.perf_counter()
        reference = engine.direct(planned)
        timings["direct"] = time.perf_counter() - started
        started = time.perf_counter()
        rng = random.Random(seed)
        full = {parameter: _compare(engine, parameter, reference[parameter], candidate[parameter], rng) for parameter in planned}
        timings["compare"] = time.perf_counter() - started

    combined = {parameter: _combine(parameter, local, full.get(parameter)) for parameter in net.parameters}
    pending = [parameter for parameter, entry in combined.items() if entry is None]
    if pending:
        started = time.perf_counter()
        unreached = "the full expansion not asked for" if full_expansion is False else "too large for the full expansion"
        combined.update(_search_counterexamples(steps, local, candidate, pending, random.Random(seed + 2), unreached))
        timings["counterexamples"] = time.perf_counter() - started
    entries = tuple(combined[parameter] for parameter in net.parameters)

    started = time.perf_counter()
    concrete = _unique(net.activation(layer) for layer in range(1, net.depth + 1))
    lemmas = tuple(derivative_lemma(activation) for activation in concrete if not activation.generic)
    timings["lemmas"] = time.perf_counter() - started

    check = None
    if spot_check > 0:
        started = time.perf_counter()
        worst_abs, worst_rel = float_differences(steps, candidate, random.Random(seed + 1), spot_check)
        check = NumericCheck(spot_check, len(net.parameters), worst_abs, worst_rel)
        timings["spot check"] = time.perf_counter() - started

    holds = all(entry.status == PROVED for entry in entries) and all(lemma.holds for lemma in lemmas)
    methods = sorted({entry.method for entry in entries if entry.status == PROVED})
    method = "; ".join(methods) if methods else "no entry could be proved"
    if any(not activation.generic for activation in concrete):
        method += "; with the derivative lemma(s) below"
    return Proof(net, label, holds, method, entries, lemmas, check, timings, local.steps if local else ())


def _combine(parameter: sp.Symbol, local: LocalProof | None, full: EntryResult | None) -> EntryResult | None:
    """One entry's verdict from both methods; None when neither proved nor refuted it (numbers decide)."""
    chain = local.chains[parameter] if local is not None else None
    failing = chain.failing.describe() if chain is not None and chain.failing is not None else None
    if full is not None and full.status == DIFFERS:
        method = full.method
        if chain is not None and chain.holds:  # a real counterexample outranks a claimed chain: say both
            method += f"; the layer-local chain claimed an identity ({chain.method}) — the methods disagree"
        return dataclasses.replace(full, method=method, step=failing)
    methods = []
    if full is not None and full.status == PROVED:
        methods.append(f"{FULL_EXPANSION}: {full.method}")
    if chain is not None and chain.holds:
        methods.insert(0, chain.method)
    if methods:
        primary = full.method if full is not None and full.status == PROVED else chain.method  # type: ignore[union-attr]
        return EntryResult(parameter, PROVED, primary, methods=tuple(methods))
    if full is not None:  # undecided by the full expansion, which searched for numbers already
        return dataclasses.replace(full, step=failing)
    return None


def _search_counterexamples(
    steps: LayerSteps,
    local: LocalProof | None,
    candidate: Mapping[sp.Symbol, se.Basic],
    pending: list[sp.Symbol],
    rng: random.Random,
    unreached: str,
) -> dict[sp.Symbol, EntryResult]:
    """Counterexamples for entries no method settled, with the direct values composed by the chain rule.

    ReLU networks get more points: at a random point of a deep ReLU network many paths are dead, and
    there a wrong entry and the right one are both 0."""
    net = steps.net
    relu = any(net.activation(layer).name == "relu" for layer in range(1, net.depth + 1))
    tries = _RELU_TRIES if relu else _TRIES
    differences = search_differences(steps, {parameter: candidate[parameter] for parameter in pending}, rng, tries=tries)
    results = {}
    for parameter in pending:
        chain = local.chains[parameter] if local is not None else None
        failing = chain.failing.describe() if chain is not None and chain.failing is not None else None
        difference = differences.get(parameter)
        if difference is not None:
            counterexample = Counterexample(parameter, difference.point, difference.phi, difference.left, difference.right)
            method = "not identical; numbers differ; direct value by the chain of local derivatives"
            results[parameter] = EntryResult(parameter, DIFFERS, method, counterexample, step=failing)
            continue
        why = f"layer-local step fails: {failing}" if failing else "no recursion to check layer by layer"
        results[parameter] = EntryResult(
            parameter,
            UNDECIDED,
            f"not shown identical ({why}; {unreached}), and equal at every point tried ({tries}; not a proof)",
            points=tries,
            step=failing,
        )
    return results


def _require_network(net: object) -> None:
    if not isinstance(net, MLP):
        raise ArgumentTypeError(f"expected a symbackprop.MLP, got {type(net).__name__}")


def _unique(activations) -> list[Activation]:  # noqa: ANN001
    seen: dict[str, Activation] = {}
    for activation in activations:
        seen.setdefault(activation.name, activation)
    return list(seen.values())


def _candidate_expressions(
    net: MLP, engine: NetworkEngine, gradients: Gradients | Mapping | None
) -> tuple[str, dict[sp.Symbol, se.Basic], BackpropSteps | None]:
    """The candidate's label, its entries in the engine's atoms, and the recursion they were built from."""
    if gradients is None:
        gradients = backprop(net)
    if isinstance(gradients, Gradients):
        if gradients.network is not net:
            raise ShapeError("these gradients belong to a different network")
        expressions = {p: gradients.engine_expression(p) for p in gradients}
        missing = [plain_name(p.name) for p in net.parameters if p not in expressions]
        if missing:
            raise ShapeError(f"gradients lack entries for: {', '.join(missing[:10])}{' …' if len(missing) > 10 else ''}")
        return gradients.method, expressions, gradients.recursion
    if not isinstance(gradients, Mapping):
        raise ArgumentTypeError("gradients must be a Gradients object or a mapping parameter -> SymPy expression")
    expressions: dict[sp.Symbol, se.Basic] = {}
    for key, value in gradients.items():
        parameter = net.parameter(key) if isinstance(key, str) else key
        net.parameter_info(parameter)
        if not isinstance(value, (sp.Basic, int)):
            raise ArgumentTypeError(f"the gradient for {parameter} must be a SymPy expression, got {type(value).__name__}")
        value = sp.sympify(value)
        _require_own_symbols(net, value, f"the gradient for {plain_name(parameter.name)}")
        expressions[parameter] = engine.to_engine(value)
    missing = [plain_name(p.name) for p in net.parameters if p not in expressions]
    if missing:
        raise ShapeError(f"gradients lack entries for: {', '.join(missing[:10])}{' …' if len(missing) > 10 else ''}")
    return "candidate", expressions, None


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
    _require_network(net)
    engine = engine_for(net)
    left = _as_engine(engine, lhs)
    right = _as_engine(engine, rhs)
    return _decide_identity(engine, left, right, sympy_fallback=sympy_fallback)


def _as_engine(engine: NetworkEngine, value: object) -> se.Basic:
    """A parameter name means the direct derivative; SymPy is converted; SymEngine passes through."""
    if isinstance(value, str):
        parameter = engine.net.parameter(value)
        return engine.direct([parameter])[parameter]
    if isinstance(value, se.Basic):
        return value
    if isinstance(value, (sp.Basic, int)):
        expression = sp.Integer(value) if isinstance(value, int) else value
        _require_own_symbols(engine.net, expression, "the expression")
        return engine.to_engine(expression)
    raise ArgumentTypeError(f"expected a SymPy or SymEngine expression, got {type(value).__name__}")


def _require_own_symbols(net: MLP, expression: sp.Basic, what: str) -> None:
    """Every symbol of ``expression`` must be the network's own (SymPy symbols are equal only with the same
    name *and* assumptions; a foreign one must not be matched by its name alone)."""
    own = _own_symbols(net)
    for symbol in sorted(expression.free_symbols, key=str):
        if symbol in own:
            continue
        namesake = own.get(symbol.name)
        if namesake is not None:
            raise ShapeError(
                f"{what} uses a symbol named {plain_name(symbol.name)} that is not this network's (the same name "
                "with other SymPy assumptions, e.g. real=True); build expressions from the network's own symbols, "
                "e.g. net.a(1), net.W(2), net.x"
            )
        raise ShapeError(
            f"{what} uses {plain_name(symbol.name)}, which is not a symbol of this network; use its parameters, "
            "inputs, targets, activations and pre-activations (net.W(ℓ), net.b(ℓ), net.x, net.y, net.a(ℓ), net.z(ℓ))"
        )


def _own_symbols(net: MLP) -> dict:
    """The network's symbols, each under itself and under its name."""
    symbols = [*net.parameters, *net.x, *net.y, *net.q]
    for layer in range(1, net.depth + 1):
        symbols.extend(net.a(layer))
        symbols.extend(net.z(layer))
    return {**{symbol: symbol for symbol in symbols}, **{symbol.name: symbol for symbol in symbols}}


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
    >>> str(compare_entry(net, "w^1_11", 2 * (a - y) * phi_prime(z) * x).status)
    'proved'
    >>> str(compare_entry(net, "w^1_11", (a - y) * phi_prime(z) * x).status)
    'differs'
    """
    _require_network(net)
    engine = engine_for(net)
    if isinstance(parameter, str):
        parameter = net.parameter(parameter)
    net.parameter_info(parameter)
    lhs = engine.direct([parameter])[parameter] if reference is None else _as_engine(engine, reference)
    return _compare(engine, parameter, lhs, _as_engine(engine, candidate), random.Random(seed), tries=tries)


def _compare(
    engine: NetworkEngine, parameter: sp.Symbol, lhs: se.Basic, rhs: se.Basic, rng: random.Random, *, tries: int = 6
) -> EntryResult:
    decision = _decide(engine, lhs, rhs, sympy_fallback=True, limit=PROOF_TERM_LIMIT)
    if decision.method is not None:
        return EntryResult(parameter, PROVED, decision.method)
    lhs_c, rhs_c = engine.concretise(lhs), engine.concretise(rhs)
    difference = search_counterexample(engine, lhs_c, rhs_c, rng, tries=tries, pattern=decision.witness)
    if difference is not None:
        counterexample = Counterexample(parameter, difference.point, difference.phi, difference.left, difference.right)
        return EntryResult(parameter, DIFFERS, "not identical; numbers differ", counterexample)
    return EntryResult(
        parameter, UNDECIDED, f"not shown identical, and equal at every point tried ({tries}; not a proof)", points=tries
    )


def proof_latex(proof: Proof) -> str:
    """The verdict, the method, the lemmas and the (numeric, labelled) spot check.

    >>> from symbackprop import MLP
    >>> print(proof_latex(prove(MLP([1, 1]), spot_check=0)))
    $\\displaystyle \\begin{aligned}&\\textbf{PROVED}\\text{: 1/1 entries identical (direct vs backprop)} \\\\ &\\text{exact polynomial identity in the layer atoms } a^\\ell_i \\text{, } \\varphi'(z^\\ell_i) \\text{, for every } \\varphi\\end{aligned}$
    """
    proved = sum(entry.status == "proved" for entry in proof.entries)
    verdict = "PROVED" if proof.holds else ("REFUTED" if proof.counterexamples else "NOT PROVED")
    rows = [
        r"&\textbf{%s}\text{: %d/%d entries identical (direct vs %s)}" % (verdict, proved, len(proof.entries), proof.candidate),
        "&" + latex_text(proof.method),
    ]
    for lemma in proof.lemmas:
        rows.append(r"&%s \quad \text{%s}" % (get_activation(lemma.activation).derivative_latex, "proved" if lemma.holds else "FAILS"))
    printer = lecture_printer()
    for entry in proof.failures[:5]:
        rows.append(r"&%s\text{: %s}" % (printer.doprint(entry.parameter), entry.status))
    if proof.spot_check is not None:
        check = proof.spot_check
        rows.append(
            r"&\text{numeric spot check (not a proof): } \max |\text{direct} - \text{%s}| = %s"
            % (proof.candidate, sp.latex(sp.Float(check.max_abs_difference, 3)))
        )
    return latex_block(rows)
