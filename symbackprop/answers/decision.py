"""One answer decided once against its reference: an exact identity, or numbers where the two differ.

Every answer kind that compares an expression in a network's atoms with a reference — ∂e/∂θ
(:func:`~.check.check_answer`), δ, ∂e/∂z and the entries of vectors and matrices
(:func:`~.quantities.check_quantity`) — goes through :func:`decide_answer`:

1. :func:`decide_exactly`: the exact stages (:func:`symbackprop._kernel.identity.exact_decision`, then a
   rational identity in e^{z} for tanh neurons, then the one-hot target of a softmax output).  On a ReLU
   network a failed identity comes with the activation pattern on which the two sides are different
   polynomials;
2. numbers, in 40-digit arithmetic: first at points of that pattern, then at the context's shared random
   points, until they differ (a counterexample) or the deadline passes.  A difference counts only when
   the same point in 80 digits gives the same numbers (:func:`confirmed_difference`): a right answer
   whose terms cancel to rounding noise (10^16·(log(u²) − 2 log u)) is never refuted by that noise.

The outcome, :class:`AnswerDecision`, carries the evaluated values so that a diagnosis
(:func:`first_proved_form`) reuses them instead of deciding the answer again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import mpmath
import symengine as se
import sympy as sp

from .._kernel.identity import RELATIVE_TOLERANCE, exact_decision, exact_identity, relatively_close
from .._kernel.patterns import Neuron
from .._kernel.size import EXACT_LIMIT, expansion_bound
from .context import CONFIRMING_PRECISION, PRECISION, AnswerContext, Point
from .forms import SCALARS

__all__ = [
    "AnswerCounterexample",
    "ExactDecision",
    "AnswerDecision",
    "decide_exactly",
    "exact_match",
    "decide_answer",
    "values_close",
    "is_real",
    "counterexample_at",
    "confirmed_difference",
    "first_proved_form",
]

@dataclass(frozen=True)
class AnswerCounterexample:
    """Where an answer and ∂e/∂θ give different numbers: the symbols' values and both numbers."""

    values: dict[str, float]
    answer_value: float | None
    expected_value: float
    phi: str | None = None  # the φ used for a generic network
    note: str = ""

    def describe(self, parameter: str, *, max_values: int = 20) -> str:
        items = list(self.values.items())
        shown = ", ".join(f"{name}={value:.6g}" for name, value in items[:max_values])
        if len(items) > max_values:
            shown += f", … ({len(items) - max_values} more)"
        where = f"at {shown}" + (f" (with φ = {self.phi})" if self.phi else "")
        answer = self.note or f"{self.answer_value:.12g}"
        return f"{where}: your answer = {answer}, ∂e/∂{parameter} = {self.expected_value:.12g}"


# --- the exact decision ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExactDecision:
    """``method``: how lhs ≡ rhs was shown exactly (None: not shown, which never means "different");
    ``pattern``: on a ReLU network, an activation pattern on which the two sides are different polynomials;
    ``reason``: why no exact method decided."""

    method: str | None
    pattern: Mapping[Neuron, bool] | None = None
    reason: str = ""


def decide_exactly(context: AnswerContext, lhs: se.Basic, rhs: se.Basic) -> ExactDecision:
    """How lhs ≡ rhs was shown exactly (or None, with the ReLU pattern on which they differ when the exact
    stage found one).  After the engine's stages: rational in e^{z} for tanh neurons whose e^{z} appears,
    and — for softmax outputs — given that the target is one-hot (Σ_j y_j = 1)."""
    engine = context.engine
    left, right = context.concrete(lhs), context.concrete(rhs)
    if expansion_bound(left - right) > EXACT_LIMIT:
        return ExactDecision(None, reason=f"expanded, the comparison would have more than {EXACT_LIMIT:,} terms")
    decision = exact_decision(engine, lhs, rhs, sympy_fallback=False)
    if decision.method is not None:
        return ExactDecision(decision.method)
    used = (left.free_symbols | right.free_symbols) & context.converter.exp_atoms.keys()
    if used:
        left, right = context.converter.rationalise(left, used), context.converter.rationalise(right, used)
        if expansion_bound(left - right) > EXACT_LIMIT:
            return ExactDecision(None, decision.witness, f"expanded, the comparison would have more than {EXACT_LIMIT:,} terms")
        if exact_identity(engine, left, right, sympy_fallback=False) is not None:
            return ExactDecision("exact rational identity in e^{z} (tanh z = (e^{2z} − 1)/(e^{2z} + 1))")
    if context.net.softmax:
        *others, last = [engine.symbol[y] for y in context.net.y]
        one_hot = {last: 1 - se.add(*others)}
        if exact_identity(engine, left.xreplace(one_hot), right.xreplace(one_hot), sympy_fallback=False) is not None:
            return ExactDecision("exact identity given Σ_j y_j = 1 (a one-hot target, L22)")
    return ExactDecision(None, decision.witness, "the comparison is not a polynomial identity in the layer atoms")


def exact_match(context: AnswerContext, lhs: se.Basic, rhs: se.Basic) -> str | None:
    """How ``lhs ≡ rhs`` (SymEngine, in the context's atoms) was shown exactly, or None."""
    return decide_exactly(context, lhs, rhs).method


# --- numbers ----------------------------------------------------------------------------------------------

def is_real(value: object) -> bool:
    """A real number, or a complex one whose imaginary part is rounding."""
    return not isinstance(value, mpmath.mpc) or abs(value.imag) <= RELATIVE_TOLERANCE * (1 + abs(value))


def values_close(left: object, right: object, factor: sp.Rational = sp.Integer(1)) -> bool:
    """left == factor·right up to rounding in 40-digit arithmetic (never for a value that is not real)."""
    with mpmath.workdps(PRECISION):
        if not (is_real(left) and is_real(right)):
            return False
        left, right = mpmath.re(left), mpmath.re(right) * mpmath.mpf(int(factor.p)) / int(factor.q)  # type: ignore[arg-type]
        return relatively_close(left, right)


def _same_number(coarse: object, fine: object) -> bool:
    """A value in 40 digits and the same value in 80 agree up to rounding (both undefined counts as agreeing)."""
    if coarse is None or fine is None:
        return coarse is None and fine is None
    with mpmath.workdps(CONFIRMING_PRECISION):
        return relatively_close(coarse, fine)


def confirmed_difference(context: AnswerContext, reference: se.Basic, candidate: se.Basic, point: Point, expected: object, value: object) -> bool:
    """The candidate's ``value`` (None: undefined) and the reference's ``expected`` at ``point`` differ, and
    the same point in :data:`~.context.CONFIRMING_PRECISION` digits gives the same two numbers, which differ
    there too: the difference is not rounding (cancelling huge terms of an identity that no exact stage shows,
    or an imaginary part that is only rounding)."""
    fine = context.refined(point)
    fine_expected = context.value(reference, fine, shared=True)
    fine_value = context.value(candidate, fine, shared=False)
    if fine_value is not None and fine_expected is not None and values_close(fine_value, fine_expected):
        return False
    return _same_number(expected, fine_expected) and _same_number(value, fine_value)


def counterexample_at(context: AnswerContext, reference: se.Basic, value: object, point: Point) -> AnswerCounterexample:
    """The counterexample shown for an answer whose value at ``point`` is ``value`` (None: undefined)."""
    expected = context.value(reference, point, shared=True)
    generic = any(context.net.activation(layer).generic for layer in range(1, context.net.depth + 1))
    note = ""
    answer_value: float | None = None
    if value is None:
        note = "undefined here (a division by zero, a log of 0, or a number too large to evaluate)"
    elif not is_real(value):
        note = f"not a real number ({mpmath.nstr(value, 8)})"
    else:
        answer_value = float(mpmath.re(value))
    return AnswerCounterexample(
        values=context.point_values(point),
        answer_value=answer_value,
        expected_value=float(expected),  # type: ignore[arg-type]
        phi=point.phi if generic else None,
        note=note,
    )


# --- the decision of one answer -----------------------------------------------------------------------------

@dataclass(frozen=True)
class AnswerDecision:
    """The answer against its reference, decided once.

    ``method``: the exact identity (the answer is right); otherwise ``witness`` is a point where the two
    differ (or the answer is undefined), with ``counterexample``; with neither, ``agreed`` points agreed
    before the points ran out or ``timed_out``, and at ``unstable`` points the numbers differed only in
    40 digits (rounding, not a difference).  ``values`` maps ``id(point)`` to the answer's value there."""

    method: str | None
    reason: str = ""
    witness: Point | None = None
    counterexample: AnswerCounterexample | None = None
    agreed: int = 0
    timed_out: bool = False
    values: dict[int, object] = field(default_factory=dict, repr=False)
    unstable: int = 0

    @property
    def numbers(self) -> str:
        """What the numbers showed when they decided nothing, for a verdict's "decided by"."""
        shown = f"agrees at {self.agreed} random points ({PRECISION}-digit arithmetic)"
        if self.unstable:
            shown += (
                f"{' and' if self.agreed else ', but'} differs at {self.unstable} only in {PRECISION} digits, not in "
                f"{CONFIRMING_PRECISION} (rounding in terms that cancel, not a difference)"
            )
        return shown

    @property
    def proved(self) -> bool:
        return self.method is not None

    @property
    def refuted(self) -> bool:
        return self.witness is not None


def decide_answer(context: AnswerContext, reference: se.Basic, candidate: se.Basic, deadline: float) -> AnswerDecision:
    """Decide ``candidate ≡ reference`` exactly; if not shown, look for numbers that differ until ``deadline``
    (a :func:`time.perf_counter` value) — first at points of the ReLU pattern on which the two are different
    polynomials (when the exact stage found one), then at the shared points."""
    exact = decide_exactly(context, reference, candidate)
    if exact.method is not None:
        return AnswerDecision(exact.method)
    values: dict[int, object] = {}
    points = (context.pattern_points(exact.pattern) if exact.pattern is not None else []) + context.points
    agreed, unstable, timed_out = 0, 0, False
    undefined: Point | None = None
    witness: Point | None = None
    for point in points:
        if time.perf_counter() > deadline:
            timed_out = True
            break
        expected = context.value(reference, point, shared=True)
        if expected is None:
            continue
        value = values[id(point)] = context.value(candidate, point, shared=False)
        if value is not None and values_close(value, expected):
            agreed += 1
        elif not confirmed_difference(context, reference, candidate, point, expected, value):
            unstable += 1
        elif value is None:
            undefined = undefined or point
        else:
            witness = point
            break
    witness = witness or undefined  # defined for the reference but not for the answer: not equal
    if witness is None:
        return AnswerDecision(None, exact.reason, agreed=agreed, timed_out=timed_out, values=values, unstable=unstable)
    counterexample = counterexample_at(context, reference, values[id(witness)], witness)
    return AnswerDecision(None, exact.reason, witness, counterexample, agreed, timed_out, values, unstable)


# --- the diagnosis: which typical mistake the answer is, proved ---------------------------------------------

def first_proved_form(
    context: AnswerContext, forms: Sequence, candidate: se.Basic, decision: AnswerDecision, deadline: float
) -> tuple[object, sp.Rational, str, str] | None:
    """The first (form, factor, scalar code, scalar label) — a mutated model answer ``form.value`` times a
    scalar slip of :data:`~.forms.SCALARS` — *proved* equal to a refuted answer.  Numbers (at the witness
    and one shared point) only choose which forms are worth an exact comparison; ``forms`` have ``code``
    and ``value``, and the unmutated one has the code ``correct``."""
    witness = decision.witness
    if witness is None:
        return None
    other = context.points[0] if context.points[0] is not witness else context.points[1]
    screening = [(witness, decision.values[id(witness)])]
    if id(other) in decision.values:
        screening.append((other, decision.values[id(other)]))
    else:
        screening.append((other, context.value(candidate, other, shared=False)))
    if any(value is None or not is_real(value) for _, value in screening):
        return None
    for form in forms:
        if time.perf_counter() > deadline:
            break
        form_values = [context.value(form.value, point, shared=True) for point, _ in screening]
        if any(value is None for value in form_values):
            continue
        for factor, scalar_code, scalar_label in SCALARS:
            if form.code == "correct" and factor == 1:
                continue
            if not all(values_close(value, form_value, factor) for (_, value), form_value in zip(screening, form_values)):
                continue
            guess = se.Rational(int(factor.p), int(factor.q)) * form.value
            if exact_match(context, guess, candidate) is not None:  # named only when proved equal
                return form, factor, scalar_code, scalar_label
    return None
