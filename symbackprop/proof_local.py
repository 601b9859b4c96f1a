"""The layer-local proof that a recursion's gradients equal the direct derivatives, at any depth.

Expanded, the direct ∂e/∂w^1_11 of a deep network has one term per path from the neuron to the output
(8× more per layer at width 8), so comparing the whole expressions cannot reach [8]×8.  This proof
instantiates the lecture's induction step at the concrete network instead, so that every comparison is
local and small, and the chain of steps is the proof.

**Statement.**  For a candidate built from a recursion (:func:`~symbackprop.derive.gradients_from_steps`:
δ^L, then each δ^ℓ written in the δ symbols of the layer above, then the gradient formulas, substituted
top-down), every entry C_θ is identical to the direct ∂e/∂θ of the composed loss.

**Argument.**  Let F_ℓ(a^ℓ) be the loss composed over the layers above ℓ (F_L = e), Δ^ℓ_i = ∂F_ℓ/∂a^ℓ_i its
direct derivative, and C^ℓ_i the candidate's value of δ^ℓ_i.  Hold ∂F_{ℓ+1}/∂a^{ℓ+1}_m as symbols g^{ℓ+1}_m
(:mod:`symbackprop._kernel.local`).  Each step is an exact identity between two small expressions in the
layer atoms and the held symbols:

(a) base: the direct ∂e/∂a^L_i (the loss differentiated) ≡ the recursion's δ^L_i;
(b) for ℓ < L and each i: the direct ∂F_ℓ/∂a^ℓ_i of F_{ℓ+1}(φ_{ℓ+1}(W^{ℓ+1}a^ℓ + b^{ℓ+1})), with F_{ℓ+1} held,
    ≡ the recursion's δ^ℓ_i (for the lecture's: (V^{ℓ+1} δ^{ℓ+1})_i) with δ^{ℓ+1} ↦ g^{ℓ+1};
(c) for each parameter θ of layer ℓ: the direct ∂e/∂θ of F_ℓ(…, φ_ℓ(z^ℓ_i), …), with F_ℓ held, ≡ the
    recursion's entry (for the lecture's: Diag(φ^ℓ') δ^ℓ (a^{ℓ−1})^T, resp. Diag(φ^ℓ') δ^ℓ) with δ^ℓ ↦ g^ℓ.

By the chain rule, Δ^ℓ_i is the local derivative (b) with g^{ℓ+1} := Δ^{ℓ+1}, and ∂e/∂θ is (c) with
g^ℓ := Δ^ℓ.  An identity in independent symbols stays one when expressions are substituted for them, so
by induction downwards from (a), Δ^ℓ_i ≡ C^ℓ_i for every layer, and then ∂e/∂θ ≡ C_θ for every entry.  An
entry is proved by this chain only if every step it depends on holds (its own step (c), and the steps
(b), (a) of the held symbols it uses, recursively); a step that fails names its layer and entry.

**Taken as given:** the multivariate chain rule ∂/∂t F(h(t)) = Σ_m ∂_mF(h(t)) ∂h_m/∂t, once per layer —
the rule SymEngine's ``diff`` applies at each composition when the full method differentiates the whole
composed loss; SymEngine's ``diff`` of each one-layer composition and the atomisation φ_m(u) ↦ a^m_k,
φ_m'(u) ↦ D^m_k (the same as the full method's); the exact-identity decision of each step
(:func:`symbackprop._kernel.identity.exact_identity`).

**Checked, not assumed:** that each candidate entry is its recursion's formula with the δ values
substituted top-down.  Each entry is rebuilt so (``gradients_from_steps``) and compared with the
candidate's exactly, node by node (:class:`symbackprop._kernel.dag.ExpressionMatcher`: the same classes,
atoms, function names and children, sums and products as multisets); an entry that differs in any node
is not proved by the chain (its ``entry`` step fails).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Mapping

import symengine as se
import sympy as sp

from ._kernel.dag import ExpressionMatcher
from ._kernel.engine import NetworkEngine
from ._kernel.identity import GENERIC_IDENTITY
from ._kernel.identity import exact_identity as _decide_identity
from ._kernel.local import LayerSteps, layer_steps
from ._kernel.size import expansion_bound, expansion_size
from .derive import BackpropSteps, gradients_from_steps
from .network import MLP
from .notation import plain_name

__all__ = [
    "ExpressionMatcher",
    "LayerSteps",
    "layer_steps",
    "LAYER_LOCAL",
    "FULL_EXPANSION",
    "LocalStep",
    "LocalProof",
    "prove_layer_local",
    "full_expansion_plan",
    "FULL_EXPANSION_ENTRY_LIMIT",
    "FULL_EXPANSION_BUDGET",
]

LAYER_LOCAL = "layer-local chain of exact identities (composed by the chain rule through the layers)"
FULL_EXPANSION = "full expansion"
FULL_EXPANSION_ENTRY_LIMIT = 20_000
"""Expanded terms (direct + candidate) above which one entry is not compared by the full expansion."""
FULL_EXPANSION_BUDGET = 60_000
"""Expanded terms, over all entries of one proof, that the full expansion may spend (smallest first)."""


@dataclass(frozen=True)
class LocalStep:
    """One local identity of the chain: ``method`` says how it was shown, None that it was not."""

    kind: Literal["output", "delta", "gradient", "entry"]  # the argument's (a), (b), (c); or the link to the entry
    layer: int
    entry: str  # the neuron's activation (a^ℓ_i) or the parameter (w^ℓ_ij, b^ℓ_i), plain text
    statement: str
    method: str | None

    @property
    def holds(self) -> bool:
        return self.method is not None

    def describe(self) -> str:
        verdict = f"holds ({self.method})" if self.holds else "FAILS (not identical)"
        return f"layer {self.layer}, {self.entry}: {self.statement} — {verdict}"


@dataclass(frozen=True)
class LocalChain:
    """The outcome for one entry: the methods of every step its chain uses, or the first step that fails."""

    methods: frozenset[str]
    failing: LocalStep | None = None

    @property
    def holds(self) -> bool:
        return self.failing is None

    @property
    def method(self) -> str:
        if self.methods == {GENERIC_IDENTITY}:
            return f"{LAYER_LOCAL}, each step an {GENERIC_IDENTITY}"
        return f"{LAYER_LOCAL}, its steps by " + " and by ".join(sorted(self.methods))


@dataclass(frozen=True)
class LocalProof:
    """Every local step, and per parameter the chain that proves it (or the step where it breaks)."""

    steps: tuple[LocalStep, ...]
    chains: Mapping[sp.Symbol, LocalChain]

    @property
    def failing_steps(self) -> tuple[LocalStep, ...]:
        return tuple(step for step in self.steps if not step.holds)


def prove_layer_local(
    net: MLP, recursion: BackpropSteps, steps: LayerSteps, candidates: Mapping[sp.Symbol, se.Basic]
) -> LocalProof:
    """Check every local step of ``recursion`` on ``net`` (see the module's docstring for the argument).

    The chain proves what the recursion substituted top-down gives; each of ``candidates`` is checked to
    be exactly that (rebuilt by ``gradients_from_steps`` and compared node by node), so a candidate whose
    entries are not its recursion's is not proved by it."""
    engine = steps.engine
    rebuilt = gradients_from_steps(recursion)
    matcher = ExpressionMatcher()
    held = {
        symbol: value
        for layer in range(1, net.depth + 1)
        for symbol, value in zip(recursion.delta_symbols[layer], steps.held(layer))
    }

    def recursion_value(entry: sp.Expr) -> se.Basic:
        return engine.to_engine(entry, extra=held)

    depth = net.depth
    local: list[LocalStep] = []
    # what each held symbol rests on: the methods of its chain, or the first failing step
    chain_of: dict[se.Basic, LocalChain] = {}
    for i in range(net.sizes[depth]):
        step = _step(
            engine, "output", depth, f"a^{depth}_{i + 1}",
            f"δ^{depth}_{i + 1} = ∂e/∂a^{depth}_{i + 1} (the loss differentiated)",
            steps.output(i), recursion_value(recursion.delta[depth][i]),
        )
        local.append(step)
        chain_of[steps.held(depth)[i]] = _chain(step, (), chain_of)
    for layer in range(depth - 1, 0, -1):
        for i in range(net.sizes[layer]):
            direct = steps.activation(layer, i)
            step = _step(
                engine, "delta", layer, f"a^{layer}_{i + 1}",
                f"∂e/∂a^{layer}_{i + 1} = δ^{layer}_{i + 1} = (V^{layer + 1} δ^{layer + 1})_{i + 1}, given δ^{layer + 1} = ∂e/∂a^{layer + 1}",
                direct, recursion_value(recursion.delta[layer][i]),
            )
            local.append(step)
            chain_of[steps.held(layer)[i]] = _chain(step, direct.free_symbols, chain_of)
    chains: dict[sp.Symbol, LocalChain] = {}
    for parameter in net.parameters:
        info = net.parameter_info(parameter)
        layer, name = info.layer, plain_name(parameter.name)
        if info.kind == "w":
            formula = recursion.weight_gradients[layer][info.i - 1, info.j - 1]
            statement = f"∂e/∂{name} = (∇_W^{layer} e)_({info.i},{info.j}) = (Diag(φ^{layer}') δ^{layer} (a^{layer - 1})ᵀ)_({info.i},{info.j}), given δ^{layer} = ∂e/∂a^{layer}"
        else:
            formula = recursion.bias_gradients[layer][info.i - 1]
            statement = f"∂e/∂{name} = (∇_b^{layer} e)_{info.i} = (Diag(φ^{layer}') δ^{layer})_{info.i}, given δ^{layer} = ∂e/∂a^{layer}"
        direct = steps.parameter(parameter)
        step = _step(engine, "gradient", layer, name, statement, direct, recursion_value(formula))
        local.append(step)
        chains[parameter] = _chain(step, direct.free_symbols, chain_of)
        if not matcher.same(rebuilt.engine_expression(parameter), candidates[parameter]):
            unlinked = LocalStep("entry", layer, name, f"the candidate's ∂e/∂{name} is its recursion's entry, δ substituted top-down", None)
            local.append(unlinked)
            chains[parameter] = LocalChain(frozenset(), unlinked)
    return LocalProof(tuple(local), chains)


def _step(engine: NetworkEngine, kind: Literal["output", "delta", "gradient"], layer: int, entry: str, statement: str, direct: se.Basic, recursion: se.Basic) -> LocalStep:
    return LocalStep(kind, layer, entry, statement, _decide_identity(engine, direct, recursion, sympy_fallback=True))


def _chain(step: LocalStep, symbols: object, chain_of: Mapping[se.Basic, LocalChain]) -> LocalChain:
    """The chain of a step: its own method with those of the held symbols its direct side uses."""
    if not step.holds:
        return LocalChain(frozenset(), step)
    methods = {step.method}
    for symbol in symbols:  # type: ignore[attr-defined]
        below = chain_of.get(symbol)
        if below is None:
            continue
        if not below.holds:
            return below
        methods |= below.methods
    return LocalChain(frozenset(methods))


def full_expansion_plan(
    candidates: Mapping[sp.Symbol, se.Basic],
    steps: LayerSteps,
    *,
    entry_limit: int = FULL_EXPANSION_ENTRY_LIMIT,
    budget: int = FULL_EXPANSION_BUDGET,
) -> dict[sp.Symbol, int]:
    """The entries the full expansion can afford, with their estimated expanded terms.

    An entry's estimate bounds the terms of its direct derivative (composed from the local steps, never
    built) plus those of its candidate, after the φ' formulas are substituted when the network has a
    concrete activation (the comparison's largest stage).  Entries are taken smallest first while each is
    within ``entry_limit`` and their sum within ``budget``."""
    engine = steps.engine
    weights = {atom: expansion_bound(formula, cap=entry_limit + 1) for atom, formula in engine.formulas.items()}
    cap = entry_limit + 1
    direct = steps.expansion_bounds(weights, cap=cap)
    memo: dict = {}
    estimates = {}
    for parameter, expression in candidates.items():
        estimates[parameter] = min(cap, direct[parameter] + max(expansion_size(expression, weights, memo, cap=cap)))
    chosen: dict[sp.Symbol, int] = {}
    spent = 0
    for parameter in sorted(estimates, key=lambda p: (estimates[p], str(p))):
        terms = estimates[parameter]
        if terms > entry_limit or spent + terms > budget:
            break
        chosen[parameter] = terms
        spent += terms
    return chosen
