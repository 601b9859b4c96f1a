"""Every numbered item of the lecture (L1–L22) with one status and the evidence the code produced.

Each item gets exactly one status — how it was settled, never more than that:

- ``proved``: an exact symbolic identity (SymPy/SymEngine), e.g. backprop = direct differentiation;
- ``computed``: an exact closed form or count produced by the code;
- ``refuted``: a concrete counterexample to the statement asked about, checked exactly;
- ``checked``: decided by an exact test of a property (Robbins–Monro series) or numerically on many
  random instances (said so in the evidence);
- ``demonstrated``: a run of the real trainers / compiled models shows the behaviour (numeric).

Evidence of a second kind (a run that also shows a proved item, say) is kept as ``also`` — evidence, not a
second status.  The evidence comes from :mod:`symbackprop.lecture.story`, the objects the notes print, so
``symbackprop claims``, the demo and the notes tell one story.

>>> claims = lecture_claims(quick=True)
>>> [claim.item for claim in claims][:3], all(claim.evidence for claim in claims)
(['L1', 'L2', 'L3'], True)
"""

from __future__ import annotations

import dataclasses
import functools
import math
import textwrap
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import sympy as sp

from ..emit.document import Section, answer, section
from ..emit.multiclass import softmax_facts
from ..network import MLP
from ..statuses import ClaimStatus
from ..train import exact_line_search
from ..plots import check_plot_path
from . import divergence, story

__all__ = ["Claim", "STATUSES", "EXERCISES", "lecture_claims", "claims_table", "claims_summary", "claims_latex", "claims_section"]

STATUSES = tuple(ClaimStatus)
EXERCISES = ("L12", "L18", "L20")
"""Items the lecture leaves to the students (the homework, "verify this claim", the KL questions): their
evidence is an answer, left out of a document built without answers."""


@dataclass(frozen=True)
class Claim:
    """One lecture item: what it says, how it was settled (one status), the evidence (plain text and LaTeX),
    evidence of another kind (``also``), and the section of the notes that shows it."""

    item: str
    title: str
    status: ClaimStatus
    evidence: str
    latex: str
    confirms: bool
    also: str = ""
    also_latex: str = ""
    section: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", ClaimStatus(self.status))

    @property
    def status_text(self) -> str:
        return str(self.status)

    def _repr_latex_(self) -> str:
        """Jupyter: the item, its status and the evidence (text mode, math inline)."""
        also = f" Also: {self.also_latex}" if self.also_latex else ""
        return rf"$\textbf{{{self.item}}}\ \text{{({self.status})}}$ {self.latex}{also}"


def _net_name(net: MLP) -> str:
    return f"[{', '.join(map(str, net.sizes))}]"


def _sci(value: float) -> str:
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    exponent = int(math.floor(math.log10(abs(value))))
    if -3 <= exponent <= 3:
        return f"{value:.3g}"
    return rf"{value / 10**exponent:.2f} \times 10^{{{exponent}}}"


def _latex_tuple(values) -> str:  # noqa: ANN001
    return r"\left(" + ", ".join(sp.latex(v) for v in values) + r"\right)"


# --- L1–L6, L16: the simple example and the optimisers ------------------------------------------------------------

def _l1(quick: bool) -> Claim:
    d = story.derivation("simple")
    proof = d.proof
    text = (
        "E(w) = Σ_{i=1}^4 (y^i − σ(w^1_11 x^i_1 + w^1_12 x^i_2))² built from four samples of symbackprop's own (the "
        "lecture's were lost in the transcript); ∂e/∂w^1_11 and ∂e/∂w^1_12 derived directly and by backpropagation: "
        f"{'identical' if proof.holds else 'NOT identical'} (exact, with the lemma σ' = σ(1−σ))."
    )
    latex = (
        r"$E(w) = \sum_{i=1}^{4} (y^{i} - \sigma(w^{1}_{11} x^{i}_{1} + w^{1}_{12} x^{i}_{2}))^{2}$ with four samples of "
        r"symbackprop's own; both sample-wise gradients derived directly and by backpropagation are "
        + ("identical" if proof.holds else r"\textbf{NOT} identical") + r" (with the lemma $\sigma' = \sigma(1 - \sigma)$)."
    )
    return Claim("L1", "simple example: one sigmoid neuron, two weights, four samples", ClaimStatus.PROVED, text, latex,
                 proof.holds, section="example-backprop")


def _l2(quick: bool) -> Claim:
    linear = story.sum_rule()
    gd = story.simple_runs().run("gd")
    text = f"∇E = Σ_i ∇e^i on L1: {'an exact identity' if linear else 'NOT an identity'} (SymPy)."
    also = f"GD with α = {gd.settings.get('α', '?')}: E {gd.E_initial:.4f} → {gd.E_final:.4f}, ‖∇E‖₂ = {gd.grad_norm_final:.2e} after {gd.steps} steps."
    latex = r"$\nabla E = \sum_{i} \nabla e^{i}$ on the simple example: " + ("an exact identity." if linear else r"\textbf{NOT} an identity.")
    also_latex = (
        rf"gradient descent with a fixed step takes $E$ from ${gd.E_initial:.4f}$ to ${gd.E_final:.4f}$ "
        rf"($\|\nabla E\|_2 = {_sci(gd.grad_norm_final)}$ after {gd.steps} steps)."
    )
    return Claim("L2", "gradient descent w^{k+1} = w^k + α^k d^k, d^k = −∇E(w^k)", ClaimStatus.PROVED, text, latex,
                 linear and gd.E_final < gd.E_initial, also, also_latex, "gd")


def _l3(quick: bool) -> Claim:
    runs = story.simple_runs()
    exact = runs.run("gd-exact")
    values = np.array(exact.history.E)
    monotone = bool(np.all(np.diff(values) <= 0))
    model, data = runs.comparison.model, runs.comparison.dataset
    w0 = runs.start
    E = lambda w: model.loss_flat(w, data.X, data.Y)  # noqa: E731
    _, gradient = model.value_and_grad_flat(w0, data.X, data.Y)
    d = -gradient
    alpha = exact_line_search(E, w0, d)
    h = 1e-6 * max(alpha, 1e-3)
    slope = (E(w0 + (alpha + h) * d) - E(w0 + (alpha - h) * d)) / (2 * h)
    text = (
        f"exact line search (scipy minimize_scalar): E never increased over {exact.steps} steps "
        f"({'monotone' if monotone else 'NOT monotone'}), {values[0]:.4f} → {values[-1]:.4f} ({exact.status}); "
        f"at the first step α^0 = {alpha:.4g} and d/dα E(w^0 + α d^0) = {slope:.1e} (a minimiser along d^0, numerically)."
    )
    latex = (
        rf"$E$ never increased over {exact.steps} steps (${values[0]:.4f} \to {values[-1]:.4f}$); at the first "
        rf"step $\alpha^0 = {alpha:.4g}$ and $\frac{{d}}{{d\alpha}} E(w^0 + \alpha d^0) = {_sci(slope)}$ there (numerically)."
    )
    return Claim("L3", "exact line search α^k = argmin_{α>0} E(w^k + α d^k)", ClaimStatus.DEMONSTRATED, text, latex,
                 monotone and abs(slope) < 1e-4, section="gd")


def _l4(quick: bool) -> Claim:
    cost = story.operation_count(quick)
    dims = ", ".join(f"{d}: {c}" for d, c in zip(cost.dimensions, cost.shared))
    text = (
        f"operations in ∇e of one sigmoid neuron with d inputs (count_ops after cse): {dims} — exactly "
        f"{cost.slope}d + {cost.intercept}, i.e. O(d); without sharing: {', '.join(map(str, cost.unshared))}."
    )
    latex = (
        rf"Operations in $\nabla e$ of a sigmoid neuron with $d = {cost.dimensions[0]}, \ldots, {cost.dimensions[-1]}$ inputs: "
        + ", ".join(map(str, cost.shared)) + rf", exactly ${cost.slope}d + {cost.intercept}$: $O(d)$."
    )
    return Claim("L4", "SGD: one sample-wise gradient costs O(d)", ClaimStatus.COMPUTED, text, latex, cost.linear, section="crucial-step")


def _l5(quick: bool) -> Claim:
    runs = story.schedule_runs()
    lecture = runs[0]
    others = ", ".join(f"{run.name}: {'satisfied' if run.verdict.satisfied else 'not satisfied'}" for run in runs[1:])
    text = (
        f"γ_k = 1/(k+1): Σγ_k diverges and Σγ_k² converges (SymPy's convergence tests, exact): "
        f"{'satisfied' if lecture.verdict.satisfied else 'NOT satisfied'}; {others}; `symbackprop schedule` decides any schedule."
    )
    latex = (
        r"$\gamma_k = \frac{1}{k+1}$: $\sum_k \gamma_k = \infty$ and $\sum_k \gamma_k^2 < \infty$, decided exactly by SymPy's "
        r"convergence tests" + ("" if lecture.verdict.satisfied else r" (\textbf{NOT} satisfied)") + "; a constant step and "
        r"$1/\sqrt{k+1}$ fail $\sum_k \gamma_k^2 < \infty$."
    )
    also = "SGD on L1 under the three schedules: " + ", ".join(f"{run.name}: E = {run.result.E_final:.4f}" for run in runs) + " after 200 epochs."
    also_latex = r"SGD on the simple example under the three schedules (\figref{schedules})."
    return Claim("L5", "Σγ_k = ∞, Σγ_k² < ∞; γ_k = 1/(k+1)", ClaimStatus.CHECKED, text, latex, lecture.verdict.satisfied is True,
                 also, also_latex, "sgd")


def _l6(quick: bool) -> Claim:
    runs = story.simple_runs()
    run = runs.run("minibatch")
    size = runs.comparison.settings.get("B", "?")
    text = f"mini-batch SGD (B = {size}, γ_k = 1/(k+1)) on L1: E {run.E_initial:.4f} → {run.E_final:.4f} in {run.steps} steps."
    latex = rf"Mini-batch SGD ($|B_k| = {size}$, $\gamma_k = 1/(k+1)$) on the simple example: $E$ from ${run.E_initial:.4f}$ to ${run.E_final:.4f}$ in {run.steps} steps."
    return Claim("L6", "mini-batch SGD w^{k+1} = w^k − γ_k Σ_{j∈B_k} ∇e^j(w^k)", ClaimStatus.DEMONSTRATED, text, latex,
                 run.E_final < run.E_initial, section="minibatch")


def _l16(quick: bool) -> Claim:
    run = story.simple_runs().run("sgd")
    text = f"the trainer runs symbackprop.algorithms.sgd (pick j_k, forward pass, error, backprop, update): on L1 E {run.E_initial:.4f} → {run.E_final:.4f} in {run.steps} steps."
    latex = rf"The trainer runs the SGD loop of the notes: on the simple example $E$ from ${run.E_initial:.4f}$ to ${run.E_final:.4f}$ in {run.steps} steps."
    return Claim("L16", "SGD training loop: pick, forward pass, error, backprop, update", ClaimStatus.DEMONSTRATED, text, latex,
                 run.E_final < run.E_initial, section="sgd")


# --- L7–L15: the recursion ----------------------------------------------------------------------------------------

_IDENTITY_TITLES = {
    "L7": "∂e/∂w^ℓ_ij = ∂e/∂z^ℓ_i · a^{ℓ−1}_j",
    "L8": "∂e/∂z^ℓ_i = ∂e/∂a^ℓ_i · φ'(z^ℓ_i)",
    "L9": "∂e/∂a^ℓ_i = Σ_m ∂e/∂a^{ℓ+1}_m φ'(z^{ℓ+1}_m) w^{ℓ+1}_mi",
    "L10": "δ^ℓ = V^{ℓ+1} δ^{ℓ+1} = V^{ℓ+1} ⋯ V^L δ^L",
    "L13": "δ^L flows back into earlier layers",
}


def _identity_claim(item: str) -> Claim:
    check = story.identities()[item]
    net = _net_name(story.deep_network())
    title = _IDENTITY_TITLES[item]
    if item == "L13":
        text = f"{check.statement}: {'holds' if check.holds else 'FAILS'} on all {check.instances} matrices V^ℓ, Diag(φ^ℓ') of {net} ({check.method})."
        latex = (
            rf"The targets $y$ enter $\nabla_{{W^{{\ell}}}} e$ only through $\delta^{{L}}$: none of the {check.instances} matrices "
            rf"$V^{{\ell}}$, $\Diag(\varphi^{{\ell\prime}})$ of {net} contains $y$, while $\delta^{{L}}$ does (exact)."
        )
        return Claim(item, title, ClaimStatus.PROVED, text, latex, check.holds, section="vanishing")
    text = f"{check.statement}: {'holds' if check.holds else 'FAILS'} on all {check.instances} instances of {net} with biases, generic φ ({check.method})."
    latex = (
        rf"${check.latex.replace(chr(92) + 'mathrm{Diag}', chr(92) + 'Diag')}$ " + ("holds" if check.holds else r"\textbf{FAILS}")
        + rf" on all {check.instances} instances of {net} with biases and a generic $\varphi$ (exact)."
    )
    return Claim(item, title, ClaimStatus.PROVED, text, latex, check.holds, section="recursion")


def _gradient_claim(kind: str) -> Claim:
    """L11 (weights) and L12 (biases, the homework): every entry of the proof on the example network."""
    d = story.derivation("deep")
    entries = [e for e in d.proof.entries if d.net.parameter_info(e.parameter).kind == kind]
    ok = bool(entries) and all(e.status == "proved" for e in entries)
    net = _net_name(d.net)
    if kind == "w":
        item, title, section_name = "L11", "∇_{W^ℓ} e = Diag(φ^ℓ') δ^ℓ (a^{ℓ−1})^⊤", "recursion"
        formula_tex, what = r"\nabla_{W^{\ell}} e = \Diag(\varphi^{\ell\prime})\,\delta^{\ell}(a^{\ell-1})^{\top}", "weights"
    else:
        item, title, section_name = "L12", "homework: bias gradients ∇_{b^ℓ} e = Diag(φ^ℓ') δ^ℓ", "bias"
        formula_tex, what = r"\nabla_{b^{\ell}} e = \Diag(\varphi^{\ell\prime})\,\delta^{\ell}", "biases"
    text = f"{title.removeprefix('homework: bias gradients ')} equals direct differentiation of the composed loss on all {len(entries)} {what} of {net} (exact, every φ)."
    latex = rf"${formula_tex}$ equals direct differentiation of the composed loss on all {len(entries)} {what} of {net} (exact, for every $\varphi$)."
    return Claim(item, title, ClaimStatus.PROVED, text, latex, ok, section=section_name)


def _l14(quick: bool) -> Claim:
    studies = story.norm_study(quick)
    holds = all(s.bound_holds for s in studies)
    sigmoid, exploding = studies[0], studies[-1]
    layers = studies[0].gradient.shape[1]
    count = sum(s.gradient.size for s in studies)
    text = (
        f"bound checked numerically on every layer and sample ({count} cases, {'all hold' if holds else 'VIOLATED'}); "
        f"{layers}-layer nets: ‖δ^1‖/‖δ^L‖ = {sigmoid.backward_growth:.1e} for sigmoid (vanishing), "
        f"{exploding.backward_growth:.3g} for ReLU at weight scale 2.5 (exploding)."
    )
    latex = (
        rf"The bound holds in all {count} layer-and-sample cases checked numerically. In {layers}-layer networks "
        rf"$\|\delta^1\|_2/\|\delta^L\|_2 = {_sci(sigmoid.backward_growth)}$ with sigmoid layers (vanishing) and "
        rf"${exploding.backward_growth:.3g}$ with ReLU layers at weight scale 2.5 (exploding)."
    )
    return Claim("L14", "‖∇_{W^ℓ} e‖ ≤ ‖Diag(φ^ℓ')‖ ‖V^{ℓ+1}⋯V^L δ^L‖ ‖a^{ℓ−1}‖; vanishing/exploding", ClaimStatus.DEMONSTRATED,
                 text, latex, holds and sigmoid.backward_growth < 1e-2 < 10 < exploding.backward_growth, section="vanishing")


def _l15(quick: bool) -> Claim:
    net = story.deep_network()
    nested = net.a(0)
    for layer in range(1, net.depth + 1):
        activation = net.activation(layer)
        z = net.W(layer) * nested + (net.b(layer) if net.has_bias else sp.zeros(net.sizes[layer], 1))
        nested = z.applyfunc(activation.apply)
    ok = sp.ImmutableMatrix(nested) == net.forward()
    text = f"the composed forward pass of {_net_name(net)} is identical to φ(W^3 φ(W^2 φ(W^1 x + b^1) + b^2) + b^3) built by matrix products ({'holds' if ok else 'FAILS'})."
    latex = (
        rf"For {_net_name(net)} the composed forward pass is identical to "
        r"$\varphi(W^{3} \varphi(W^{2} \varphi(W^{1} x + b^{1}) + b^{2}) + b^{3})$ built by matrix products (exact)."
    )
    return Claim("L15", "ŷ = φ(W^L φ(⋯ φ(W^1 x)⋯))", ClaimStatus.PROVED, text, latex, ok, section="recursion")


# --- L17–L22: prediction tasks --------------------------------------------------------------------------------------

def _l17(quick: bool) -> Claim:
    facts = story.binary_facts()
    run = story.binary_run(quick).results[0]
    threshold = sp.latex(facts.threshold)
    text = (
        f"sigmoid output thresholded at 1/2 on the binary set (labels ±1, network {_net_name(story.binary_network())}): "
        f"accuracy {run.accuracy:.1%} after {run.steps} steps of GD with exact line search."
    )
    exact = facts.signal_holds and facts.logistic_holds
    also = (
        f"σ(z) ≥ 1/2 exactly for z ∈ {sp.sstr(facts.threshold)}; with the logistic loss (beyond the lecture) "
        f"e = log(1 + e^(−yz)) for y = ±1 and Diag(σ')δ^L = a − (1+y)/2 ({'exact' if exact else 'FAILS'})."
    )
    latex = rf"Thresholding $\sigma(W^{{L}} a^{{L-1}})$ at $\tfrac12$ on the binary data set: accuracy {run.accuracy * 100:.1f}\,\% after training."
    also_latex = (
        rf"$\sigma(z) \ge \tfrac12 \iff z \in {threshold}$; the logistic loss equals $\log(1 + e^{{-yz}})$ for $y = \pm 1$ and "
        r"$\Diag(\sigma')\,\delta^{L} = a - \frac{1+y}{2}$ " + ("(exact)." if exact else r"(\textbf{FAILS}).")
    )
    return Claim("L17", "binary classification: sigmoid output, threshold, y ∈ {+1, −1}", ClaimStatus.DEMONSTRATED, text, latex,
                 exact and run.accuracy > 0.8, also, also_latex, "binary")


def _l18(quick: bool) -> Claim:
    net = story.classification_network()
    q, total, positive = softmax_facts(net)
    ok = total == 1 and positive
    C = net.sizes[-1]
    text = f"q = softmax(a^L) for C = {C}: Σ_j q_j simplifies to {total}, and every q_j is positive for real a^L (SymPy)."
    latex = rf"For $C = {C}$: $\sum_j q_j = {sp.latex(total)}$ exactly and $q_j > 0$ for real $a^{{L}}$ (SymPy's assumptions)."
    return Claim("L18", "softmax q is a probability distribution, q_j > 0", ClaimStatus.PROVED, text, latex, ok, section="multiclass")


def _l19(quick: bool) -> Claim:
    q = sp.symbols("q1:4", positive=True)
    one_hot = (sp.Integer(0), sp.Integer(1), sp.Integer(0))
    value = sp.simplify(divergence.kl(one_hot, q))
    ok = value == -sp.log(q[1])
    text = f"with one-hot p = (0, 1, 0): KL(p‖q) = {value} (0·log 0 = 0), the negative log-probability of the true class."
    latex = rf"With one-hot $p = (0, 1, 0)$: $\KL(p\,\|\,q) = {sp.latex(value)}$ (using $0 \log 0 = 0$)."
    return Claim("L19", "KL(p‖q) compares the one-hot p with q", ClaimStatus.COMPUTED, text, latex, ok, section="kl")


def _l20(quick: bool) -> Claim:
    asym = story.asymmetry()
    tri = story.triangle_counterexample()
    kl = divergence.kl
    pr, pq, qr = kl(tri.p, tri.r), kl(tri.p, tri.q), kl(tri.q, tri.r)
    fmt = lambda v: "(" + ", ".join(map(str, v)) + ")"  # noqa: E731
    text = (
        f"symmetry refuted: KL(p‖q) = {asym.forward} ≈ {float(asym.forward):.4f} but KL(q‖p) = {asym.backward} ≈ "
        f"{float(asym.backward):.4f} for p = {fmt(asym.p)}, q = {fmt(asym.q)}; triangle inequality refuted: with the same p, q "
        f"and r = {fmt(tri.r)}, KL(p‖r) − KL(p‖q) − KL(q‖r) = {tri.gap} > 0 (≈ {float(pr):.3f} > {float(pq):.3f} + {float(qr):.3f}). "
        "So KL is not a distance, as the lecture says."
    )
    latex = (
        rf"Symmetry refuted: for $p = {_latex_tuple(asym.p)}$, $q = {_latex_tuple(asym.q)}$, $\KL(p\|q) = {sp.latex(asym.forward)} \approx {float(asym.forward):.4f}$ "
        rf"but $\KL(q\|p) = {sp.latex(asym.backward)} \approx {float(asym.backward):.4f}$. Triangle inequality refuted: with "
        rf"$r = {_latex_tuple(tri.r)}$, $\KL(p\|r) - \KL(p\|q) - \KL(q\|r) = {sp.latex(tri.gap)} > 0$. So KL is not a distance."
    )
    return Claim("L20", "is KL a distance? symmetry and the triangle inequality", ClaimStatus.REFUTED, text, latex,
                 asym.differ and tri.refutes, section="distance")


def _l21(quick: bool) -> Claim:
    gibbs = divergence.gibbs_inequality()
    check = divergence.gibbs_random_check(pairs=2_000 if quick else 20_000)
    text = (
        "every C: log t ≤ t − 1 (g(t) = t − 1 − log t has g' = (t − 1)/t and g(1) = 0, exact), and p_j(q_j/p_j − 1) = "
        f"q_j − p_j (exact), so −KL ≤ Σq − Σp = 0: {'proved' if gibbs.holds else 'FAILS'}."
    )
    also = f"C = {', '.join(map(str, check.classes))} checked numerically on {check.pairs} random pairs each: smallest KL = {check.minimum:.2e} ≥ 0."
    latex = (
        r"For every $C$: $\log t \le t - 1$ ($g(t) = t - 1 - \log t$ has $g'(t) = \frac{t-1}{t}$ and $g(1) = 0$) and "
        r"$p_j(\frac{q_j}{p_j} - 1) = q_j - p_j$, both exact, so $-\KL(p\|q) \le \sum_j q_j - \sum_j p_j = 0$."
    )
    also_latex = rf"for $C \in \{{{', '.join(map(str, check.classes))}\}}$ the smallest of {check.pairs} random values per $C$ is ${_sci(check.minimum)}$ (numeric)."
    return Claim("L21", "KL(p‖q) ≥ 0", ClaimStatus.PROVED, text, latex, gibbs.holds and check.minimum >= 0, also, also_latex, "distance")


def _l22(quick: bool) -> Claim:
    split = divergence.kl_splits_into_ne_plus_ce(3)
    d = story.derivation("classification")
    net = d.net
    general = all(
        sp.expand(raw - (q * sp.Add(*net.y) - y)) == 0 for raw, q, y in zip(d.steps.output_delta, net.q, net.y)
    )
    one_hot = all(sp.expand(entry - (q - y)) == 0 for entry, q, y in zip(d.output_delta, net.q, net.y))
    ok = split.holds and split.one_hot_ne == 0 and general and one_hot
    net_name = _net_name(net)
    text = (
        f"KL(p‖q) = NE(p) + CE(p, q) exactly; NE(one-hot) = 0; for {net_name} with softmax and cross-entropy, "
        f"δ^L_j = ∂e/∂a^L_j = q_j Σ_k y_k − y_j = q_j − y_j for one-hot y (exact): {'holds' if ok else 'FAILS'}."
    )
    latex = (
        r"$\KL(p\|q) = \NE(p) + \CE(p,q)$ exactly and $\NE(y) = 0$ for one-hot $y$; for the network "
        + net_name + r" with softmax outputs, $\delta^{L}_{j} = q_j \sum_k y_k - y_j = q_j - y_j$ for one-hot $y$ (exact)."
    )
    return Claim("L22", "KL = NE + CE; with one-hot y the loss is CE and δ^L = q − y", ClaimStatus.PROVED, text, latex, ok, section="kl")


_BUILDERS: list[Callable[[bool], Claim]] = [
    _l1,
    _l2,
    _l3,
    _l4,
    _l5,
    _l6,
    lambda quick: _identity_claim("L7"),
    lambda quick: _identity_claim("L8"),
    lambda quick: _identity_claim("L9"),
    lambda quick: _identity_claim("L10"),
    lambda quick: _gradient_claim("w"),
    lambda quick: _gradient_claim("b"),
    lambda quick: _identity_claim("L13"),
    _l14,
    _l15,
    _l16,
    _l17,
    _l18,
    _l19,
    _l20,
    _l21,
    _l22,
]


_GENERAL_STEPS: dict[str, tuple[str, ...]] = {
    "L4": ("L4",),
    "L7": ("L7",),
    "L8": ("L8",),
    "L9": ("L9",),
    "L10": ("induction", "L10"),
    "L11": ("L11",),
    "L12": ("L12",),
    "L14": ("L14",),
    "L18": ("L18",),
    "L19": ("L19",),
    "L21": ("L21",),
    "L22": ("L22",),
}
"""The items the general proof settles for every size, and the steps of it that each rests on."""


def _general(claim: Claim) -> Claim:
    """The claim settled for every size when the general proof's steps for it hold: that becomes its status
    and evidence, and what the code showed on one network moves to "also"."""
    ids = _GENERAL_STEPS.get(claim.item)
    if not ids:
        return claim
    proof = story.general_proof()
    steps = [proof.step(step_id) for step_id in ids]
    if not all(step.holds for step in steps):
        return claim
    methods = sorted({method.value for step in steps for method in step.methods})
    where = ", ".join(step.id for step in steps)
    text = (
        f"proved for every depth, width and number of classes (symbackprop prove --general, step {where}; "
        f"{', '.join(methods)}): {steps[-1].statement}"
    )
    latex = (
        r"Proved for every depth, width and number of classes (\secref{general-proof}, step "
        + ", ".join(r"\texttt{" + step.id + "}" for step in steps) + f"; {', '.join(methods)})."
    )
    also = claim.evidence + (f" Also: {claim.also}" if claim.also else "")
    also_latex = claim.latex + (f" {claim.also_latex}" if claim.also_latex else "")
    return dataclasses.replace(
        claim, status=ClaimStatus.PROVED_GENERAL, evidence=text, latex=latex, also=also, also_latex=also_latex
    )


@functools.lru_cache(maxsize=2)
def _settle(quick: bool) -> tuple[Claim, ...]:
    return tuple(_general(build(quick)) for build in _BUILDERS)


def lecture_claims(*, quick: bool = False, plot: str | Path | None = None, force: bool = False) -> tuple[Claim, ...]:
    """Settle L1–L22 (once per process); ``plot`` writes the L14 figure (PNG or PDF, under the output
    policy; ``force`` replaces a file symbackprop did not write); ``quick`` uses fewer samples."""
    if plot is not None:
        check_plot_path(plot, force=force)  # refuse before the work, not after
    claims = _settle(quick)
    if plot is not None:
        from .gradient_norms import plot_gradient_norms

        plot_gradient_norms(story.norm_study(quick), plot, force=force)
    return claims


def claims_summary(claims: tuple[Claim, ...]) -> str:
    """"22/22 items settled as the lecture says: 13 proved, …" — one status per item, so the counts add up."""
    counts = Counter(claim.status for claim in claims)
    confirmed = sum(claim.confirms for claim in claims)
    parts = ", ".join(f"{counts[status]} {status}" for status in STATUSES if counts[status])
    return (
        f"{confirmed}/{len(claims)} items settled as the lecture says: {parts} (one status per item). "
        "L20: KL's symmetry and triangle inequality are refuted, so KL is not a distance."
    )


def claims_table(claims: tuple[Claim, ...], *, width: int = 110) -> str:
    """The terminal table: item, status, title, and the evidence (then any evidence of another kind) under it."""
    lines = [f"{'item':<5} {'status':<16} evidence", "-" * min(width, 120)]
    for claim in claims:
        mark = "" if claim.confirms else "  [!]"
        lines.append(f"{claim.item:<5} {claim.status_text:<16} {claim.title}{mark}")
        lines.extend(f"{'':<19} {line}" for line in textwrap.wrap(claim.evidence, width=max(40, width - 20)))
        if claim.also:
            lines.extend(f"{'':<19} {line}" for line in textwrap.wrap("also: " + claim.also, width=max(40, width - 20)))
    lines.append("-" * min(width, 120))
    lines.append(claims_summary(claims))
    return "\n".join(lines)


def claims_latex(claims: tuple[Claim, ...]) -> str:
    """The claims as a table: item, status, evidence (answers to exercises marked as answers), section."""
    rows = [
        r"{\small",
        r"\begin{longtable}{@{}p{0.05\linewidth}p{0.15\linewidth}p{0.64\linewidth}p{0.06\linewidth}@{}}",
        r"item & status & evidence & in \S \\ \hline",
        r"\endhead",
    ]
    for number, claim in enumerate(claims, start=1):
        evidence = claim.latex + (f" \\emph{{Also:}} {claim.also_latex}" if claim.also_latex else "")
        if claim.item in EXERCISES:
            evidence = answer(evidence, hidden=r"\emph{(an exercise: the answer is in the solution key)}")
        where = rf"\ifcsname r@sec:{claim.section}\endcsname\ref{{sec:{claim.section}}}\else --\fi" if claim.section else "--"
        keep = "*" if len(claims) - 3 < number < len(claims) else ""  # the last three rows share a page
        rows.append(f"{claim.item} & {claim.status} &\n{evidence}\n& {where} \\\\{keep}[0.3em]")
    rows += [r"\end{longtable}", "}"]
    return "\n".join(rows)


def claims_section(*, quick: bool = False) -> Section:
    """The claims as a section of the notes (the last of :func:`~symbackprop.lecture_sections`)."""

    def build() -> str:
        claims = lecture_claims(quick=quick)
        intro = (
            r"Every numbered item of the lecture, with the one status that says how the code settled it: "
            r"\emph{proved (general)} (an exact proof for every depth, width and number of classes, "
            r"\secref{general-proof}), \emph{proved} (an exact symbolic identity), \emph{computed} (an exact closed form or count), "
            r"\emph{refuted} (a counterexample to what the lecture asks, checked exactly), \emph{checked} (an exact "
            r"test of a property, or many random instances, said so), \emph{demonstrated} (a run of the trainers or "
            r"compiled models, numeric). Evidence of another kind is listed as \emph{also}; the last column names the "
            r"section of these notes that shows it."
        )
        return section(r"The lecture's claims at a glance (L1--L22)", [intro, _ascii_summary(claims), claims_latex(claims)], name="claims")

    return Section("claims", build, late=True)  # waits for the general proof and the L14 study


def _ascii_summary(claims: tuple[Claim, ...]) -> str:
    counts = Counter(claim.status for claim in claims)
    confirmed = sum(claim.confirms for claim in claims)
    parts = ", ".join(f"{counts[status]} {status}" for status in STATUSES if counts[status])
    return f"{confirmed} of the {len(claims)} items came out as the lecture says: {parts} --- one status per item."
