"""Assemble the general proof: the recursion for every depth and width, multi-class for every C, L14, L4."""

from __future__ import annotations

import time

from ..activations import ACTIVATIONS
from ..errors import SymbackpropError
from ..proof import derivative_lemma
from .bounds import l14_step
from .layer_steps import chain_rule_step, gradient_steps, induction_step, l10_step, local_derivative_steps
from .multiclass import multiclass_steps
from .operations import l4_step
from .output_steps import base_steps
from .recursion import LECTURE, Recursion, get_recursion
from .result import Evidence, GeneralProof, Method, Step

__all__ = ["prove_general", "THEOREM_STEPS"]

THEOREM_STEPS = (
    "chain-rule", "L7", "L8", "L9", "base-squared", "base-softmax", "base-logistic", "induction", "L10", "L11", "L12",
)


_ACTIVATION_LATEX = {
    "sigmoid": r"\sigma'(z) = \sigma(z)\bigl(1 - \sigma(z)\bigr)",
    "tanh": r"\tanh'(z) = 1 - \tanh^{2}(z)",
    "relu": r"\mathrm{ReLU}'(z) = H(z)\ (z \ne 0)",
    "identity": r"\mathrm{id}'(z) = 1",
}


def activation_step() -> Step:
    """The concrete activations' φ' formulas (σ' = σ(1 − σ), …) equal d/dz of their definitions."""
    lemmas = [derivative_lemma(activation) for activation in ACTIVATIONS.values() if not activation.generic]
    evidence = tuple(
        Evidence(
            lemma.statement,
            _ACTIVATION_LATEX.get(lemma.activation, r"\text{%s}" % lemma.activation),
            Method.SYMBOLIC_DIFFERENTIATION,
            lemma.holds,
            f"{lemma.activation}: {lemma.method}",
        )
        for lemma in lemmas
    )
    return Step(
        "activations",
        "the theorem for the concrete activations",
        "the φ' formulas the recursion uses for the named activations equal SymPy's derivative of their "
        "definitions, so the theorem (proved for every differentiable φ) holds with them: "
        + ", ".join(lemma.statement for lemma in lemmas),
        r"\sigma' = \sigma(1-\sigma),\quad \tanh' = 1 - \tanh^{2},\quad \mathrm{ReLU}'(z) = H(z)\ (z \ne 0),\quad \mathrm{id}' = 1",
        Method.SYMBOLIC_DIFFERENTIATION,
        evidence,
    )


def _statement(recursion: Recursion) -> tuple[str, str]:
    which = "the lecture's recursion" if recursion is LECTURE else f"the recursion '{recursion.name}' ({recursion.description})"
    text = (
        "For all L ≥ 1, all N_0, …, N_L ≥ 1 and every differentiable φ (one per layer, if wished), "
        f"{which} — δ^L = ∂e/∂a^L, δ^ℓ = V^{{ℓ+1}} δ^{{ℓ+1}}, ∇_{{W^ℓ}} e, ∇_{{b^ℓ}} e from Diag(φ^ℓ') δ^ℓ — gives "
        "δ^ℓ = ∂e/∂a^ℓ, (∇_{W^ℓ} e)_ij = ∂e/∂w^ℓ_ij and (∇_{b^ℓ} e)_i = ∂e/∂b^ℓ_i exactly, for the squared loss, "
        "softmax with cross-entropy or KL (one-hot y) and the logistic loss"
    )
    latex = (
        r"For all $L \ge 1$, all $N_0, \dots, N_L \ge 1$ and every differentiable $\varphi$: "
        + ("the lecture's recursion" if recursion is LECTURE else rf"the recursion \texttt{{{recursion.name}}}")
        + r" $\delta^{L} = \frac{\partial e}{\partial a^{L}}$, $\delta^{\ell} = V^{\ell+1}\delta^{\ell+1}$, "
        r"$V^{\ell+1} = (W^{\ell+1})^{\top}\Diag(\varphi^{\ell+1\prime})$ gives "
        r"$\delta^{\ell} = \frac{\partial e}{\partial a^{\ell}}$, "
        r"$\nabla_{W^{\ell}} e = \Diag(\varphi^{\ell\prime})\,\delta^{\ell}(a^{\ell-1})^{\top} = "
        r"\bigl[\frac{\partial e}{\partial w^{\ell}_{ij}}\bigr]$ and "
        r"$\nabla_{b^{\ell}} e = \Diag(\varphi^{\ell\prime})\,\delta^{\ell} = \bigl[\frac{\partial e}{\partial b^{\ell}_{i}}\bigr]$, "
        r"for the squared loss, softmax with CE or KL (one-hot $y$) and the logistic loss."
    )
    return text, latex


def prove_general(recursion: Recursion | str = LECTURE) -> GeneralProof:
    """Prove the lecture's backprop results for every size, or show where a (wrong) recursion fails.

    >>> proof = prove_general()
    >>> proof.holds, proof.step("induction").method.value
    (True, 'exact identity')
    """
    if isinstance(recursion, str):
        recursion = get_recursion(recursion)
    if not isinstance(recursion, Recursion):
        raise TypeError(f"recursion must be a Recursion or its name, got {type(recursion).__name__}")
    timings: dict[str, float] = {}
    started = time.perf_counter()
    chain = chain_rule_step()
    local = local_derivative_steps()
    timings["L7–L9"] = time.perf_counter() - started

    started = time.perf_counter()
    bases = base_steps(recursion)
    timings["base cases"] = time.perf_counter() - started

    started = time.perf_counter()
    induction = induction_step(recursion)
    l10 = l10_step(recursion, induction, bases)
    l11, l12 = gradient_steps(recursion, l10)
    timings["induction, L10–L12"] = time.perf_counter() - started

    started = time.perf_counter()
    multiclass = multiclass_steps()
    timings["multi-class"] = time.perf_counter() - started

    started = time.perf_counter()
    l14 = l14_step(l10.holds and l11.holds)
    timings["L14"] = time.perf_counter() - started

    started = time.perf_counter()
    l4 = l4_step()
    timings["L4"] = time.perf_counter() - started

    started = time.perf_counter()
    activations = activation_step()
    timings["activations"] = time.perf_counter() - started

    steps = (chain, *local, *bases, induction, l10, l11, l12, activations, *multiclass, l14, l4)
    missing = set(THEOREM_STEPS) - {step.id for step in steps}
    if missing:  # pragma: no cover - a programming error, not a user error
        raise SymbackpropError(f"the theorem rests on steps that were not run: {sorted(missing)}")
    text, latex = _statement(recursion)
    return GeneralProof(recursion.name, text, latex, steps, THEOREM_STEPS, timings)
