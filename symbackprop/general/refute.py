"""A wrong recursion, refuted three ways: the general step that fails (with an exact instance), the
per-architecture prover :func:`symbackprop.prove.prove` on a small network built from that instance, and a
central finite difference of the composed loss at the prover's counterexample."""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import sympy as sp

from .. import activations
from ..activations import ACTIVATIONS, phi
from ..errors import SpecError
from ..network import MLP
from ..proof import Counterexample, Proof, prove
from .proof import prove_general
from .recursion import Recursion, get_recursion
from .result import GeneralProof, StepInstance

__all__ = ["Refutation", "refute"]

_LAYER_STEPS = ("induction", "L10", "L11", "L12")
_BASE_NETWORKS = {
    "base-squared": dict(loss="squared"),
    "base-softmax": dict(loss="cross_entropy", output="softmax"),
    "base-logistic": dict(loss="logistic"),
}
_PROBE = sp.Symbol("u")
_GENERIC = {
    "tanh": sp.tanh,
    "sin": sp.sin,
    "softplus": lambda u: sp.log(1 + sp.exp(u)),
}


@dataclass(frozen=True)
class Refutation:
    """Why a recursion is wrong: its failing general steps, an exact instance, a network counterexample."""

    recursion: str
    failing_steps: tuple[str, ...]
    step: str
    instance: StepInstance | None
    network: MLP
    proof: Proof
    counterexample: Counterexample | None
    finite_difference: float | None

    @property
    def confirmed(self) -> bool:
        """The prover found a counterexample and the finite difference agrees with ∂e/∂θ, not with the candidate."""
        example, numeric = self.counterexample, self.finite_difference
        if example is None or numeric is None:
            return False
        scale = 1 + abs(example.direct_value)
        return abs(numeric - example.direct_value) <= 1e-7 * scale and abs(numeric - example.candidate_value) > 1e-6 * scale

    def report(self) -> str:
        lines = [
            f"Recursion  '{self.recursion}' is wrong: general step(s) {', '.join(self.failing_steps)} fail",
            f"Step       {self.step}" + (f": {self.instance.describe()}" if self.instance else " (no exact instance found)"),
            f"Network    {self.network.spec.describe()}: prove() {'REFUTES' if self.counterexample else 'does not refute'}",
        ]
        if self.counterexample is not None:
            lines.append(f"           {self.counterexample.describe()}")
        if self.finite_difference is not None:
            verdict = "confirms the direct value" if self.confirmed else "does NOT confirm the counterexample"
            lines.append(f"Check      central finite difference of the composed loss = {self.finite_difference:.12g} ({verdict})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.report()


def _network(step: str, instance: StepInstance | None) -> MLP:
    if step in _LAYER_STEPS:
        widths = instance.widths if instance is not None else {"N_ℓ-1": 2, "N_ℓ": 2, "N_ℓ+1": 2}
        return MLP([widths["N_ℓ-1"], widths["N_ℓ"], widths["N_ℓ+1"]], bias=True)
    settings = _BASE_NETWORKS[step]
    outputs = 1 if step == "base-logistic" else max(2, (instance.widths.get("N_L", 2) if instance else 2))
    return MLP([2, 2, outputs], bias=True, **settings)


def _composed_loss(net: MLP, generic: str) -> sp.Expr:
    """e(w, b, x, y) in elementary functions: φ → the generic choice, σ and ReLU → their definitions."""
    loss = net.e_composed.replace(phi, _GENERIC[generic])
    for activation in ACTIVATIONS.values():
        applied = activation.apply(_PROBE)
        if not activation.generic and type(applied).__module__ == activations.__name__:  # σ, ReLU: our own classes
            loss = loss.replace(type(applied), activation.definition)
    return loss


def finite_difference(net: MLP, example: Counterexample, *, step: str = "1e-12", digits: int = 50) -> float:
    """Central difference (e(θ + h) − e(θ − h)) / 2h of the composed loss at the counterexample's point."""
    loss = _composed_loss(net, example.phi)
    symbols = [*net.parameters, *net.x, *net.y]
    function = sp.lambdify(symbols, loss, modules="mpmath")
    with mpmath.workdps(digits):
        h = mpmath.mpf(step)
        point = {symbol: mpmath.mpf(example.point[symbol.name]) for symbol in symbols}

        def at(offset: mpmath.mpf) -> mpmath.mpf:
            values = dict(point)
            values[example.parameter] += offset
            return function(*(values[symbol] for symbol in symbols))

        return float((at(h) - at(-h)) / (2 * h))


def refute(recursion: Recursion | str, *, general: GeneralProof | None = None) -> Refutation:
    """Refute a wrong recursion: the first failing theorem step with an instance, prove() and a finite difference.

    >>> refute("half-delta").confirmed
    True
    """
    if isinstance(recursion, str):
        recursion = get_recursion(recursion)
    general = general if general is not None else prove_general(recursion)
    failing = tuple(step.id for step in general.failing_steps if step.id in general.theorem_steps)
    if not failing:
        raise SpecError(f"the recursion '{recursion.name}' is proved for every size; there is nothing to refute")
    chosen = next((general.step(s) for s in failing if general.step(s).counterexample is not None), general.step(failing[0]))
    net = _network(chosen.id, chosen.counterexample)
    concrete = prove(net, recursion.gradients(net))
    example = concrete.counterexamples[0] if concrete.counterexamples else None
    numeric = finite_difference(net, example) if example is not None else None
    return Refutation(recursion.name, failing, chosen.id, chosen.counterexample, net, concrete, example, numeric)
