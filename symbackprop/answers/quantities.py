"""Check one scalar quantity of a network exactly: ∂e/∂w^ℓ_ij, ∂e/∂b^ℓ_i, δ^ℓ_i = ∂e/∂a^ℓ_i or ∂e/∂z^ℓ_i.

The answer (a SymPy expression from the safe parser) is read under a set of conventions
(:mod:`.conventions`) and compared with the *direct* derivative of the composed loss — ∂e/∂θ, ∂e/∂a^ℓ_i or
∂e/∂z^ℓ_i differentiated by SymEngine, not computed by backprop — through the same decision as
:func:`symbackprop.answers.check_answer` (:func:`~.decision.decide_answer`).  The verdict is

- ``correct`` only for an exact identity;
- ``wrong`` with a counterexample (40-digit numbers at a random point; on a ReLU network first at points of
  the activation pattern on which the exact stage found the two different) — and a mistake is named only
  when a mutated model answer (a missing φ', W for Wᵀ, a wrong index, a sign, a factor 2, the other
  convention …) is *proved* equal to the answer;
- ``undecided`` when no exact method decides and the numbers agree, ``timeout`` when the time limit came
  first: never correct.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import symengine as se
import sympy as sp

from .. import notation
from ..derive import backprop_steps
from ..errors import AnswerSyntaxError, SpecError
from ..network import MLP
from ..notation import plain
from ..printing import lecture_printer
from ..statuses import AnswerStatus
from .check import Mistake, refuse_too_large
from .context import AnswerContext, context_for
from .conventions import LECTURE, Reading, describe, reading, readings
from .decision import AnswerCounterexample, AnswerDecision, decide_answer, exact_match, first_proved_form
from .forms import capitalised, correct_form, mutations

__all__ = ["Quantity", "QuantityVerdict", "quantity", "check_quantity", "model_answer", "reference_value", "PRIME_NAMES"]

CORRECT, WRONG, UNDECIDED, TIMEOUT = AnswerStatus.CORRECT, AnswerStatus.WRONG, AnswerStatus.UNDECIDED, AnswerStatus.TIMEOUT
PRIME_NAMES = {
    "phi": ("φ'", r"\varphi'"),
    "sigmoid": ("σ'", r"\sigma'"),
    "tanh": ("tanh'", r"\tanh'"),
    "relu": ("ReLU'", r"\operatorname{ReLU}'"),
}


@dataclass(frozen=True)
class Quantity:
    """What a scalar part asks for: ``kind`` is 'w' or 'b' (∂e/∂θ), 'a' (δ^ℓ_i = ∂e/∂a^ℓ_i) or 'z' (∂e/∂z^ℓ_i)."""

    kind: str
    layer: int
    i: int
    j: int | None = None

    @property
    def name(self) -> str:
        """Plain name of the variable: w^2_12, b^1_1, a^1_2, z^1_2."""
        if self.kind == "w":
            return f"w^{self.layer}_{self.i}{self.j}" if max(self.i, self.j or 0) < 10 else f"w^{self.layer}_{self.i},{self.j}"
        return f"{self.kind}^{self.layer}_{self.i}"

    def title(self, delta_is_dz: bool = False) -> str:
        """∂e/∂w^2_12, δ^1_2 = ∂e/∂a^1_2, ∂e/∂z^1_2 (plain)."""
        if self.kind == "a":
            return f"δ^{self.layer}_{self.i} = ∂e/∂{'z' if delta_is_dz else 'a'}^{self.layer}_{self.i}"
        return f"∂e/∂{self.name}"

    def latex(self) -> str:
        if self.kind == "a":
            return rf"\delta^{{{self.layer}}}_{{{self.i}}} = \frac{{\partial e}}{{\partial a^{{{self.layer}}}_{{{self.i}}}}}"
        index = f"{self.i}{self.j}" if self.kind == "w" and max(self.i, self.j or 0) < 10 else f"{self.i},{self.j}" if self.kind == "w" else f"{self.i}"
        return rf"\frac{{\partial e}}{{\partial {self.kind}^{{{self.layer}}}_{{{index}}}}}"


_QUANTITY = re.compile(r"^\s*(?P<kind>[az])\s*\^\s*\{?\s*(?P<layer>[0-9]+)\s*\}?\s*_\s*\{?\s*(?P<i>[0-9]+)\s*\}?\s*$")


def quantity(net: MLP, text: str) -> Quantity:
    """``w^2_12``, ``b^2_1`` (a parameter), ``a^1_2`` (asks δ^1_2) or ``z^1_2`` (asks ∂e/∂z^1_2) in ``net``."""
    match = _QUANTITY.match(text or "")
    if match is None:
        parameter = net.parameter(text)
        kind, layer, i, j = net.parameter_info(parameter)
        return Quantity(kind, layer, i, j)
    kind, layer, i = match.group("kind"), int(match.group("layer")), int(match.group("i"))
    if not 1 <= layer <= net.depth or not 1 <= i <= net.sizes[layer]:
        raise SpecError(f"{text!r} does not exist in the network {net.spec.describe()}")
    return Quantity(kind, layer, i)


def _parameter(net: MLP, q: Quantity) -> sp.Symbol:
    return net.W(q.layer)[q.i - 1, q.j - 1] if q.kind == "w" else net.b(q.layer)[q.i - 1]


def _direct(context: AnswerContext, q: Quantity) -> se.Basic:
    """∂e/∂θ, ∂e/∂a^ℓ_i or ∂e/∂z^ℓ_i differentiated from the composed loss (cached per network)."""
    if q.kind in "wb":
        return context.reference(_parameter(context.net, q))
    key = ("direct", q.kind, q.layer, q.i)
    if key not in context.cache:
        engine = context.engine
        if q.kind == "a":
            context.cache[key] = engine.direct_wrt_activation(q.layer, q.i - 1)
        else:
            context.cache[key] = engine.direct_wrt_pre_activation(q.layer, q.i - 1)
    return context.cache[key]  # type: ignore[return-value]


def _asked(q: Quantity, way: Reading) -> Quantity:
    """Under δ = ∂e/∂z, a part asking for δ^ℓ_i asks for ∂e/∂z^ℓ_i."""
    return Quantity("z", q.layer, q.i) if q.kind == "a" and way.delta_is_dz else q


def reference_value(context: AnswerContext, q: Quantity, way: Reading) -> se.Basic:
    """The quantity asked under a reading, from the direct derivative (× ½ for the half loss)."""
    return way.scale * _direct(context, _asked(q, way))


# --- the model answer, as plain text the checker accepts and as LaTeX ----------------------------------

def _prime(net: MLP, layer: int, i: int) -> tuple[str, str]:
    name = net.activation(layer).name
    if name == "identity":
        return "", ""
    text, latex = PRIME_NAMES[name]
    return f"{text}(z^{layer}_{i})", rf"{latex}\left(z^{{{layer}}}_{{{i}}}\right)"


def _delta_name(layer: int, i: int) -> tuple[str, str]:
    return f"δ^{layer}_{i}", rf"\delta^{{{layer}}}_{{{i}}}"


def _join(parts: list[tuple[str, str]]) -> tuple[str, str]:
    kept = [part for part in parts if part[0]]
    return " ".join(p for p, _ in kept) or "1", r"\,".join(latex for _, latex in kept) or "1"


def model_answer(net: MLP, q: Quantity, conventions: tuple[str, ...] = ()) -> tuple[str, str]:
    """The model answer in the lecture's short form (plain text the checker reads, and LaTeX): one step
    of the recursion — δ^L from the loss, δ^ℓ_i = Σ_m w^{ℓ+1}_{mi} φ'(z^{ℓ+1}_m) δ^{ℓ+1}_m, ∂e/∂z^ℓ_i =
    φ'(z^ℓ_i) δ^ℓ_i, ∂e/∂w^ℓ_ij = φ'(z^ℓ_i) δ^ℓ_i a^{ℓ-1}_j, ∂e/∂b^ℓ_i = φ'(z^ℓ_i) δ^ℓ_i — under the
    lecture's conventions (δ = ∂e/∂a, no ½)."""
    if conventions and set(conventions) != {LECTURE}:
        raise SpecError("model answers are written in the lecture's conventions")
    if q.kind == "a" and q.layer == net.depth:
        value = backprop_steps(net).output_delta[q.i - 1]
        if net.softmax:  # one-hot target: δ^L = q − y (L22)
            value = sp.expand(value.xreplace({net.y[0]: 1 - sp.Add(*net.y[1:])}))
        return plain(value), lecture_printer().doprint(value)
    if q.kind == "a":
        above = q.layer + 1
        terms = []
        for m in range(1, net.sizes[above] + 1):
            weight = net.W(above)[m - 1, q.i - 1]
            terms.append(_join([(notation.plain_name(weight.name), weight.name), _prime(net, above, m), _delta_name(above, m)]))
        return " + ".join(t for t, _ in terms), " + ".join(t for _, t in terms)
    parts = [_prime(net, q.layer, q.i), _delta_name(q.layer, q.i)]
    if q.kind == "w":
        a_symbol = net.a(q.layer - 1)[q.j - 1]
        parts.append((notation.plain_name(a_symbol.name), a_symbol.name))
    return _join(parts)


# --- checking ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuantityVerdict:
    """The verdict on one scalar quantity.  ``status`` is correct (proved), wrong, undecided (only sampled
    agreement: never correct) or timeout (the time limit came first)."""

    quantity: Quantity
    status: AnswerStatus
    decided_by: str
    reading: str  # the conventions the answer was read with ('lecture', 'half_loss', …)
    mistake: Mistake | None = None
    convention_mismatch: str = ""  # the reading under which the answer is proved right, when not its own
    counterexample: AnswerCounterexample | None = None
    seconds: float = 0.0

    @property
    def correct(self) -> bool:
        return self.status == CORRECT

    @property
    def feedback(self) -> str:
        title = self.quantity.title(DELTA_DZ_IN(self.reading))
        if self.correct:
            text = f"Correct: {self.decided_by}."
        elif self.status in (UNDECIDED, TIMEOUT):
            text = f"Not decided ({self.decided_by}); left for the instructor to review."
        elif self.convention_mismatch:
            text = (
                f"Read with {describe(self.convention_mismatch.split('+'))}, your answer is exactly right; "
                f"it was read with {describe(self.reading.split('+') if self.reading != LECTURE else ())} — a mismatch of conventions."
            )
        elif self.mistake is not None:
            text = f"Likely mistake: {self.mistake.describe()}. {self.mistake.explanation}"
        else:
            text = f"Not equal to {title}, and none of the typical mistakes reproduces it."
        if self.counterexample is not None and not self.correct:
            text += f" Counterexample {self.counterexample.describe(self.quantity.name, max_values=8)}."
        return text


def DELTA_DZ_IN(label: str) -> bool:  # noqa: N802 - reads like a predicate on the label
    return "delta_dz" in label.split("+")


def _forbidden_deltas(q: Quantity, way: Reading, expression: sp.Expr) -> list[str]:
    """δ symbols an answer may not use: for δ^ℓ_i (and, with δ = ∂e/∂z, for ∂e/∂z^ℓ_i) the δ's of layers
    ≤ ℓ, which would be the answer itself."""
    circular = q.kind == "a" or (q.kind == "z" and way.delta_is_dz)
    if not circular:
        return []
    found = []
    for symbol in sorted(expression.free_symbols, key=lambda s: s.name):
        if symbol.name.startswith("\\delta^"):
            layer = int(re.search(r"\^\{(\d+)\}", symbol.name).group(1))  # type: ignore[union-attr]
            if layer <= q.layer:
                found.append(notation.plain_name(symbol.name))
    return found


def check_quantity(
    net: MLP, q: Quantity, expression: sp.Expr, *, conventions: tuple[str, ...] = (), time_limit: float = 10.0
) -> QuantityVerdict:
    """Compare a parsed answer with the quantity ``q`` of ``net``, read under ``conventions``: decided once
    (:func:`~.decision.decide_answer`), then — for a wrong answer — the other readings and the typical mistakes
    are tried, every numeric stage within the same ``time_limit``.  Raises
    :class:`~symbackprop.errors.LimitError` before any work when ``q`` is too large to check answers against."""
    started = time.perf_counter()
    deadline = started + time_limit
    refuse_too_large(net, q.layer, q.name)
    context = context_for(net)
    way = reading(context, conventions)
    label = way.label()
    circular = _forbidden_deltas(q, way, expression)
    if circular:
        asked = q.title(way.delta_is_dz).split(" =")[0]
        if q.layer == net.depth:  # the output layer: no layer above has a δ
            raise AnswerSyntaxError(f"the answer uses {', '.join(circular)}: write {asked} without δ (layer {q.layer} is the output layer)")
        above = f"layer {net.depth}" if q.layer + 1 == net.depth else f"layers {q.layer + 1}…{net.depth}"
        raise AnswerSyntaxError(f"the answer uses {', '.join(circular)}: write {asked} in terms of the δ's of the layers above ({above}) or without δ")
    candidate = way.converter(expression)
    target = reference_value(context, q, way)

    def verdict(status: AnswerStatus, decided_by: str, **extra: object) -> QuantityVerdict:
        return QuantityVerdict(q, status, decided_by, label, seconds=time.perf_counter() - started, **extra)  # type: ignore[arg-type]

    decision = decide_answer(context, target, candidate, deadline)
    if decision.proved:
        return verdict(CORRECT, decision.method)  # type: ignore[arg-type]
    if not decision.refuted:
        if decision.timed_out:
            return verdict(TIMEOUT, f"the time limit of {time_limit:g} s was reached before a decision")
        return verdict(
            UNDECIDED,
            f"{decision.numbers}, but no exact method decides: not a proof",
        )
    for other in readings(context):
        if other.conventions == way.conventions or time.perf_counter() > deadline:
            continue
        if _forbidden_deltas(q, other, expression):
            continue
        if exact_match(context, reference_value(context, q, other), other.converter(expression)) is not None:
            return verdict(WRONG, "not equal under its conventions (the counterexample below)", convention_mismatch=other.label(),
                           counterexample=decision.counterexample)
    mistake = _diagnose(context, q, way, candidate, decision, deadline)
    return verdict(WRONG, "not equal: the numbers differ at a random point (the counterexample below)", mistake=mistake,
                   counterexample=decision.counterexample)


# --- named mistakes -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Form:
    code: str
    label: str
    explanation: str
    value: se.Basic
    plain: str


def _forms(context: AnswerContext, q: Quantity, way: Reading) -> list[_Form]:
    """Mutated model answers for ``q`` under a reading (cached), most common first; scalars come later."""
    key = ("quantity-forms", q, way.conventions)
    if key in context.cache:
        return context.cache[key]  # type: ignore[return-value]
    net, engine = context.net, context.engine
    asked = _asked(q, way)
    found: list[_Form] = []
    if asked.kind in "wb":
        parameter = _parameter(net, asked)
        for form in [correct_form(context, parameter), *mutations(context, parameter)]:
            found.append(_Form(form.code, form.label, form.explanation, way.scale * form.value, form.plain))
    else:
        d = engine.d_atoms[q.layer][q.i - 1]
        prime = _prime(net, q.layer, q.i)[0]
        dz = asked.kind == "z"
        times = d if dz else se.Integer(1)
        own = f"∂e/∂z^{q.layer}_{q.i}" if dz else f"∂e/∂a^{q.layer}_{q.i}"
        found.append(_Form("correct", "correct", "", way.scale * _direct(context, asked), own))
        if q.layer < net.depth:
            above, i = q.layer + 1, q.i
            tail = f" {prime}" if dz and prime else ""
            for variant, code, label, why, shown in (
                ("no_phi_prime", "missing_phi_prime", f"the factors φ'(z^{q.layer + 1}_m) are missing in the recursion for δ^{q.layer}",
                 f"δ^{q.layer} = V^{q.layer + 1} δ^{q.layer + 1} with V^{q.layer + 1} = (W^{q.layer + 1})ᵀ Diag(φ^{q.layer + 1}') (L10).",
                 f"Σ_m w^{above}_m{i} δ^{above}_m" + tail),
                ("transpose", "transpose", f"W^{q.layer + 1} is used where (W^{q.layer + 1})ᵀ belongs",
                 f"δ^{q.layer}_{q.i} = Σ_m w^{q.layer + 1}_m{q.i} φ'(z^{q.layer + 1}_m) δ^{q.layer + 1}_m (L9): the weight's second index is {q.i}.",
                 f"Σ_m w^{above}_{i}m φ'(z^{above}_m) δ^{above}_m" + tail),
            ):
                values = context.delta_variant(variant)
                if values is not None:
                    found.append(_Form(code, label, why, way.scale * values[notation.delta(q.layer, q.i)] * times, shown))
        if prime and not dz:
            found.append(_Form("extra_phi_prime", f"this is ∂e/∂z^{q.layer}_{q.i}, with an extra {prime}",
                               f"δ^{q.layer}_{q.i} is ∂e/∂a^{q.layer}_{q.i}; the factor φ'(z^{q.layer}_{q.i}) turns it into ∂e/∂z^{q.layer}_{q.i} (L8).",
                               way.scale * _direct(context, Quantity("a", q.layer, q.i)) * d, f"{prime} ∂e/∂a^{q.layer}_{q.i}"))
        if prime and dz:
            found.append(_Form("missing_phi_prime", f"the factor {prime} is missing: this is δ^{q.layer}_{q.i} = ∂e/∂a^{q.layer}_{q.i}",
                               f"∂e/∂z^{q.layer}_{q.i} = ∂e/∂a^{q.layer}_{q.i} · φ'(z^{q.layer}_{q.i}) (L8).",
                               way.scale * _direct(context, Quantity("a", q.layer, q.i)), f"∂e/∂a^{q.layer}_{q.i}"))
            found.append(_Form("extra_phi_prime", f"{prime} appears twice", "∂e/∂z^ℓ_i = δ^ℓ_i φ'(z^ℓ_i) has one factor φ' (L8).",
                               way.scale * _direct(context, asked) * d, f"{prime}² ∂e/∂a^{q.layer}_{q.i}"))
        if q.layer == net.depth and net.softmax and not dz:
            j = q.i - 1
            y = engine.symbol[net.y[j]]
            found.append(_Form("wrt_q", f"this is ∂e/∂q_{q.i} = −y_{q.i}/q_{q.i}, the derivative with respect to the softmax output",
                               "δ^L is the derivative with respect to the softmax's input a^L; through the softmax it becomes q − y (L22).",
                               -y / engine.softmax_atoms[j], f"−y_{q.i}/q_{q.i}"))
        for other in range(1, net.sizes[q.layer] + 1):
            if other != q.i:
                found.append(_Form("wrong_index", f"this is the value for neuron {other}, not {q.i}",
                                   f"the quantity of neuron {q.i} uses its own z^{q.layer}_{q.i}, a^{q.layer}_{q.i}.",
                                   way.scale * _direct(context, Quantity(asked.kind, q.layer, other)),
                                   f"∂e/∂{'z' if dz else 'a'}^{q.layer}_{other}"))
    context.cache[key] = found
    return found


def _diagnose(context: AnswerContext, q: Quantity, way: Reading, candidate: se.Basic, decision: AnswerDecision, deadline: float) -> Mistake | None:
    """The first mutated model answer (× a scalar slip) *proved* equal to the answer, screened by numbers first."""
    found = first_proved_form(context, _forms(context, q, way), candidate, decision, deadline)
    if found is None:
        return None
    form, factor, scalar_code, scalar_label = found
    assert isinstance(form, _Form)
    if form.code == "correct":
        code, label = scalar_code, capitalised(scalar_label)
        why = _SCALAR_WHY[scalar_code]
    else:
        code = form.code + (f"+{scalar_code}" if scalar_code else "")
        label = capitalised(form.label) + (f", and {scalar_label}" if scalar_label else "")
        why = form.explanation + (f" {_SCALAR_WHY[scalar_code]}" if scalar_code else "")
    prefix = {1: "", -1: "−", sp.Rational(1, 2): "½ ", sp.Rational(-1, 2): "−½ ", 2: "2 ", -2: "−2 "}[factor]
    shown = prefix + (f"({form.plain})" if prefix and " " in form.plain else form.plain)
    return Mistake(code, label, why, shown, "", True)


_SCALAR_WHY = {
    "sign": "Check the sign: ∂/∂a (y − a)² = 2(a − y).",
    "factor_2": "The lecture's loss e = Σ_j (y_j − a^L_j)² has no ½, so ∂e/∂a^L_j = 2(a^L_j − y_j).",
    "sign+factor_2": "Check the sign, and the factor 2: the lecture's loss has no ½, so ∂e/∂a^L_j = 2(a^L_j − y_j).",
    "extra_factor_2": "There is one factor 2, from differentiating the square in e.",
    "sign+extra_factor_2": "Check the sign; and there is only one factor 2, from differentiating the square.",
}
