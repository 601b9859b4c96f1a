"""One answer to one part of a homework, checked and given its points: :func:`check_part`.

This is the one function that both ``symbackprop grade`` and the web checker call.  It reads the part
(a ``variants.json`` entry), parses the answer with the safe grammars, checks it with the exact machinery
of :mod:`symbackprop.answers`, and returns a :class:`PartResult`:

- ``correct`` (full points) only for an exact proof or an exact decision (values: also any value within
  the stated tolerance, whatever form it is typed in — said so, and not called exact);
- ``partial``: entries of a vector/matrix (points per entry), an answer right only under a convention its
  author did not declare, a part right given the student's own wrong previous part of a chain (follow-through),
  a "no" without a verified counterexample;
- ``wrong`` with the reason, and a named mistake only when the mutated model answer is proved equal;
- ``undecided`` (no points, for review) when only sampled numbers agree; ``syntax error``; ``error``.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping, Sequence

import sympy as sp

from ..answers.arrays import ArrayVerdict, array_target, check_array
from ..answers.check import exact_match, parse_answer
from ..answers.context import context_for
from ..answers.conventions import HALF_LOSS, LECTURE, describe, parse_conventions, reading
from ..answers.counterexamples import check_triangle, parse_yes_no
from ..answers.general_index import check_general, general_target
from ..answers.matrix_notation import parse_matrix, strip_wrappers
from ..answers.quantities import Quantity, QuantityVerdict, check_quantity, quantity
from ..answers.values import ValueMutation, ValueVerdict, check_value, parse_value
from ..emit.multiclass import kl
from ..errors import AnswerSyntaxError, ExpressionSyntaxError, SymbackpropError
from ..statuses import AnswerStatus, PartStatus
from .variants import network_of

__all__ = ["PartResult", "check_part", "applicable_conventions", "KINDS", "FORMS"]

FORMS = {  # part kind → the form of its answers (one reader and one checker per form)
    "gradient": "scalar", "delta": "scalar", "dz": "scalar", "vector": "array", "matrix": "array",
    "general": "general", "value": "value", "yesno": "yesno",
}
_NOT_DECIDED = (AnswerStatus.UNDECIDED, AnswerStatus.TIMEOUT)  # sampled agreement only, or out of time: for review
KINDS = tuple(FORMS)


@dataclass(frozen=True)
class PartResult:
    """The verdict on one answer to one part, with its points."""

    part: str
    kind: str
    status: PartStatus
    points: float
    max_points: float
    feedback: str
    decided_by: str = ""
    mistake: str = ""
    convention: str = LECTURE  # the conventions the answer was read with
    entries: tuple[str, ...] = ()  # per-entry statuses of a vector or matrix answer, row by row
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())
    mistake_label: str = ""  # the named mistake in words (only ever one proved equal to the answer)
    shape: tuple[int, ...] = ()  # rows, columns of a vector or matrix part
    position: int | None = None  # of the offending character, for a syntax error

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["status"] = str(self.status)
        return values


def _round(value: float) -> float:
    return round(value + 0.0, 4)


def check_part(
    part: Mapping[str, Any],
    answer: str | None,
    *,
    conventions: str | Sequence[str] | None = None,
    previous: Mapping[str, Any] | None = None,
    time_limit: float = 10.0,
    reveal: bool = True,
) -> PartResult:
    """Check ``answer`` to ``part`` (a ``variants.json`` part).  Never raises for anything in the answer.

    ``conventions``: what the student declared (``"half_loss; delta_dz"``); ``previous``: for the steps of
    a chain, ``{"part": <the previous part>, "answer": <the student's answer to it>}`` (follow-through credit);
    ``reveal=False`` (a student checking before the deadline): the same verdict and points, but the feedback
    never states the model answer — no expected value of a value part, no model counterexample of a yes/no
    part (a counterexample of a formula, at random values, is kept: it shows where the answer fails).
    """
    started = time.perf_counter()
    label, kind, points = str(part.get("part", "")), str(part.get("kind", "")), float(part.get("points", 1))

    def result(status: PartStatus, share: float, feedback: str, **extra: Any) -> PartResult:
        return PartResult(label, kind, status, _round(points * share), points, feedback, seconds=time.perf_counter() - started, **extra)

    if answer is None or not str(answer).strip():
        return result(PartStatus.MISSING, 0.0, "No answer.")
    try:
        declared = parse_conventions(conventions)
        accepted = set(part.get("conventions") or [LECTURE])
        notes: tuple[str, ...] = ()
        if not set(declared) <= accepted:
            refused = sorted(set(declared) - accepted)
            notes = (f"this part does not accept the convention(s) {', '.join(refused)}; the answer is read with the lecture's",)
            declared = ()
        elif not set(declared) <= set(applicable_conventions(part)):
            moot = sorted(set(declared) - set(applicable_conventions(part)))
            notes = (f"the convention(s) {', '.join(moot)} do not apply to this part (it is read the same either way)",)
            declared = tuple(name for name in declared if name not in moot)
        checker = _CHECKERS.get(FORMS.get(kind, ""))
        if checker is None:
            raise SymbackpropError(f"part {label} has the unknown kind {kind!r}; the kinds are {', '.join(KINDS)}")
        outcome = checker(part, str(answer), declared, previous, time_limit, reveal)
    except ExpressionSyntaxError as error:
        where = f" (at character {error.position + 1})" if error.position is not None else ""
        return result(PartStatus.SYNTAX_ERROR, 0.0, (str(error).splitlines()[0] or "not valid notation") + where, position=error.position)
    except SymbackpropError as error:
        return result(PartStatus.ERROR, 0.0, str(error).splitlines()[0])
    except RecursionError:
        return result(PartStatus.ERROR, 0.0, "the answer is nested too deeply")
    except MemoryError:
        return result(PartStatus.ERROR, 0.0, "the answer needs too much memory")
    status, share, feedback, extra = outcome
    if notes:
        feedback += " Note: " + "; ".join(notes) + "."
    return result(status, share, feedback, convention="+".join(declared) or LECTURE, notes=notes, **extra)


Outcome = tuple[PartStatus, float, str, dict]
_READ_WITH_CONVENTIONS = ("gradient", "delta", "dz", "vector", "matrix", "general")


def applicable_conventions(part: Mapping[str, Any]) -> tuple[str, ...]:
    """The conventions a student may declare for this part: those it accepts that change how an answer to it
    is read — none for values and yes/no parts, and ½ in the loss only for the squared loss."""
    if part.get("kind") not in _READ_WITH_CONVENTIONS:
        return ()
    squared = (part.get("network") or {}).get("loss", "squared") == "squared"
    return tuple(name for name in part.get("conventions") or () if name != LECTURE and (name != HALF_LOSS or squared))


def _credit(part: Mapping[str, Any], name: str, default: float) -> float:
    return float((part.get("credit") or {}).get(name, default))


def _convention_label(reading: str) -> str:
    return f"a mismatch of conventions: right when read with {describe(reading.split('+'))}"


def _mistake_extra(verdict: QuantityVerdict | ValueVerdict) -> dict[str, str]:
    return {"decided_by": verdict.decided_by, "mistake": verdict.mistake.code if verdict.mistake else "",
            "mistake_label": verdict.mistake.label if verdict.mistake else ""}


def _decided_outcome(verdict: QuantityVerdict | ValueVerdict, extra: dict[str, str]) -> Outcome | None:
    """CORRECT for an exact verdict, UNDECIDED for a sampled or timed-out one, None when it is wrong."""
    if verdict.correct:
        return PartStatus.CORRECT, 1.0, verdict.feedback, extra
    if verdict.status in _NOT_DECIDED:
        return PartStatus.UNDECIDED, 0.0, verdict.feedback, extra
    return None


def _from_quantity(part: Mapping[str, Any], verdict: QuantityVerdict) -> Outcome:
    extra = _mistake_extra(verdict)
    decided = _decided_outcome(verdict, extra)
    if decided is not None:
        return decided
    if verdict.convention_mismatch:
        share = _credit(part, "convention", 0.5)
        extra["mistake"] = f"convention:{verdict.convention_mismatch}"
        extra["mistake_label"] = _convention_label(verdict.convention_mismatch)
        accepted = verdict.convention_mismatch in (part.get("conventions") or [])
        hint = (f" Declare the convention {verdict.convention_mismatch} with your answer if your course uses it." if accepted
                else " This part does not accept that convention.")
        return PartStatus.PARTIAL if share > 0 else PartStatus.WRONG, share, verdict.feedback + hint, extra
    return PartStatus.WRONG, 0.0, verdict.feedback, extra


def _scalar(part: Mapping[str, Any], answer: str, declared: tuple[str, ...], previous: Mapping | None, time_limit: float, reveal: bool) -> Outcome:
    net = network_of(part["network"])
    q = quantity(net, str(part["wrt"]))
    body, offset = strip_wrappers(answer)
    try:
        expression = parse_answer(net, body)
    except ExpressionSyntaxError as error:  # the position in the answer as typed, wrappers included
        raise AnswerSyntaxError(str(error).splitlines()[0], text=answer, position=None if error.position is None else offset + error.position) from None
    # one decision per answer, within one time limit: the exact comparison, the counterexample, the other
    # conventions and the typical mistakes all come from this call
    verdict = check_quantity(net, q, expression, conventions=declared, time_limit=time_limit)
    outcome = _from_quantity(part, verdict)
    if outcome[0] == PartStatus.WRONG and previous:
        follow = _follow_through(part, q, expression, declared, previous)
        if follow is not None:
            share = _credit(part, "follow_through", 0.5)
            return PartStatus.PARTIAL, share, follow + " " + verdict.feedback, {
                **outcome[3], "mistake": "follow_through", "mistake_label": "an error carried forward from the previous part (proved)"}
    return outcome


def _follow_through(part: Mapping[str, Any], q: Quantity, expression: sp.Expr, declared: tuple[str, ...], previous: Mapping) -> str | None:
    """"Right given your answer to the previous part": the model step with the student's previous answer
    substituted, proved equal to this answer — never for a previous answer of 0 (0 in every part of a chain
    would otherwise earn follow-through credit in all but the first)."""
    previous_part, previous_answer = previous.get("part") or {}, previous.get("answer")
    if not previous_answer or previous_part.get("network") != part.get("network"):
        return None
    net = network_of(part["network"])
    try:
        before = quantity(net, str(previous_part["wrt"]))
        earlier = parse_answer(net, strip_wrappers(str(previous_answer))[0])
    except SymbackpropError:
        return None
    from ..notation import delta  # the δ symbol the model step is written with

    if q.kind == "a" and before.kind == "a" and before.layer == q.layer + 1:
        above = q.layer + 1
        step = sp.Add(*[net.W(above)[m, q.i - 1] * _prime(net, above, m + 1) * delta(above, m + 1) for m in range(net.sizes[above])])
        model = step.xreplace({delta(above, before.i): earlier})
    elif q.kind == "z" and before.kind == "a" and (before.layer, before.i) == (q.layer, q.i):
        model = _prime(net, q.layer, q.i) * earlier
    elif q.kind == "w" and before.kind == "z" and (before.layer, before.i) == (q.layer, q.i):
        model = earlier * net.a(q.layer - 1)[q.j - 1]
    else:
        return None
    context = context_for(net)
    way = reading(context, declared)
    if exact_match(context, way.converter(model), way.converter(expression)) is None:
        return None
    if exact_match(context, way.converter(earlier), way.converter(sp.Integer(0))) is not None:
        return None  # 0 carried forward: every step turns 0 into 0, so an answer of 0 would show no step at all
    return f"Consistent with your answer to part {previous_part.get('part')} (proved): the error is carried forward from there."


def _prime(net, layer: int, i: int) -> sp.Expr:  # noqa: ANN001
    from ..activations import phi_prime

    return phi_prime(net.z(layer)[i - 1])


def _array(part: Mapping[str, Any], answer: str, declared: tuple[str, ...], previous: Mapping | None, time_limit: float, reveal: bool) -> Outcome:
    net = network_of(part["network"])
    target = array_target(net, str(part["wrt"]))
    verdict = check_array(net, target, parse_matrix(net, answer), conventions=declared, time_limit=time_limit)
    statuses = tuple(str(entry.status) for entry in verdict.entries)
    right = sum(entry.correct for entry in verdict.entries)
    extra = {"entries": statuses, "mistake": verdict.mistake, "decided_by": f"{right} of {len(verdict.entries)} entries proved right",
             "shape": tuple(verdict.shape), "mistake_label": _array_mistake(verdict)}
    if verdict.status == AnswerStatus.CORRECT:
        return PartStatus.CORRECT, 1.0, f"Correct: every entry of {target.title()} proved (exact identities).", extra
    if verdict.mistake == "transpose":
        return PartStatus.WRONG, 0.0, f"Wrong shape: {verdict.summary}.", extra
    if verdict.mistake.startswith("convention:"):
        share = _credit(part, "convention", 0.5)
        return PartStatus.PARTIAL, share, f"{verdict.summary[0].upper()}{verdict.summary[1:]}: a mismatch of conventions ({describe(verdict.mistake.split(':')[1].split('+'))}).", extra
    wrong = [f"({e.quantity.i}{', ' + str(e.quantity.j) if e.quantity.j else ''})" for e in verdict.entries if not e.correct]
    detail = f" {verdict.summary[0].upper()}{verdict.summary[1:]}." if verdict.summary else ""
    first_wrong = next((e for e in verdict.entries if not e.correct), None)
    if first_wrong is not None and not verdict.summary:
        detail = f" Entry {wrong[0]}: {first_wrong.feedback}"
    undecided = any(entry.status in _NOT_DECIDED for entry in verdict.entries)
    share = right / len(verdict.entries)
    text = f"{right} of {len(verdict.entries)} entries proved right; not right: {', '.join(wrong)}." + detail
    if undecided:
        text += " Some entries are undecided (left for review)."
    status = PartStatus.PARTIAL if right else (PartStatus.UNDECIDED if undecided and not any(e.status == AnswerStatus.WRONG for e in verdict.entries) else PartStatus.WRONG)
    return status, share, text, extra


def _array_mistake(verdict: ArrayVerdict) -> str:
    """The proved mistake every entry shares, in words (the transpose, a convention, a typical slip)."""
    if verdict.mistake == "transpose":
        return f"the transpose of {verdict.target.title()} (every entry proved)"
    if verdict.mistake.startswith("convention:"):
        return _convention_label(verdict.mistake.split(":", 1)[1])
    if verdict.mistake:
        return verdict.entries[0].mistake.label if verdict.entries and verdict.entries[0].mistake else verdict.mistake
    return ""


def _general(part: Mapping[str, Any], answer: str, declared: tuple[str, ...], previous: Mapping | None, time_limit: float, reveal: bool) -> Outcome:
    net = network_of(part["network"])
    verdict = check_general(net, general_target(str(part["wrt"])), answer, conventions=declared, time_limit=time_limit)
    extra = {"decided_by": verdict.decided_by, "mistake": verdict.mistake, "mistake_label": verdict.mistake_label}
    if verdict.correct:
        return PartStatus.CORRECT, 1.0, verdict.feedback, extra
    if verdict.status in _NOT_DECIDED:
        return PartStatus.UNDECIDED, 0.0, verdict.feedback, extra
    if verdict.convention_mismatch:
        extra["mistake"] = f"convention:{verdict.convention_mismatch}"
        extra["mistake_label"] = _convention_label(verdict.convention_mismatch)
        return PartStatus.PARTIAL, _credit(part, "convention", 0.5), verdict.feedback, extra
    return PartStatus.WRONG, 0.0, verdict.feedback, extra


def _value(part: Mapping[str, Any], answer: str, declared: tuple[str, ...], previous: Mapping | None, time_limit: float, reveal: bool) -> Outcome:
    data = part["data"]
    p = tuple(sp.Rational(v) for v in data["p"])
    q = tuple(sp.Rational(v) for v in data["q"])
    first, second = (p, q) if data["order"] == "pq" else (q, p)
    names = ("p", "q") if data["order"] == "pq" else ("q", "p")
    expected = kl(first, second)
    mutations = [
        ValueMutation("swapped", f"KL({names[1]}‖{names[0]}): the arguments are swapped", "KL is not symmetric (L20).", kl(second, first)),
        ValueMutation("sign", "the sign is flipped", "KL(p‖q) = Σ p_j log(p_j/q_j) ≥ 0 (L21).", -expected),
        ValueMutation("log2", "the logarithm is to base 2", "the lecture's log is the natural logarithm.", expected / sp.log(2)),
        ValueMutation("log10", "the logarithm is to base 10", "the lecture's log is the natural logarithm.", expected / sp.log(10)),
        ValueMutation("cross_entropy", f"this is the cross-entropy CE({names[0]}, {names[1]})", "KL = NE + CE (L22): the negative entropy is missing.",
                      -sp.Add(*[a * sp.log(b) for a, b in zip(first, second) if a != 0])),
    ]
    tolerance = float(part.get("tolerance", 5e-4))
    verdict = check_value(expected, parse_value(answer), tolerance=tolerance, mutations=mutations)
    extra = _mistake_extra(verdict)
    decided = _decided_outcome(verdict, extra)
    if decided is not None:
        return decided
    if reveal:
        return PartStatus.WRONG, 0.0, verdict.feedback, extra
    # the expected value, and how far the answer is from it, would give the answer away
    given = "not a real number" if verdict.answer_value is None else f"{verdict.answer_value:.6g}"
    extra["decided_by"] = f"{'exactly different' if verdict.decided_by.startswith('exactly') else 'not within the tolerance'}; the tolerance is ±{tolerance:g}"
    text = f"Your value is {given}: not {part.get('wrt') or 'the value asked'} ({extra['decided_by']})."
    if verdict.mistake is not None:
        text += f" Likely mistake: {verdict.mistake.label} — your answer equals it exactly. {verdict.mistake.explanation}"
    return PartStatus.WRONG, 0.0, text, extra


def _yes_no(part: Mapping[str, Any], answer: str, declared: tuple[str, ...], previous: Mapping | None, time_limit: float, reveal: bool) -> Outcome:
    data = part.get("data") or {}
    fixed_p = tuple(sp.Rational(v) for v in data["p"]) if "p" in data else None
    model = tuple(tuple(sp.Rational(v) for v in data[name]) for name in "pqr") if all(name in data for name in "pqr") else None
    verdict = check_triangle(parse_yes_no(answer), classes=data.get("classes"), fixed_p=fixed_p, model=model if reveal else None)
    if verdict.status == "correct":
        return PartStatus.CORRECT, 1.0, verdict.feedback, {"decided_by": "the counterexample is verified exactly"}
    if verdict.status == "partial":
        return PartStatus.PARTIAL, _credit(part, "counterexample_missing", 0.25), verdict.feedback, {"mistake": "no_counterexample"}
    return PartStatus.WRONG, 0.0, verdict.feedback, {"mistake": "answered_yes"}


_CHECKERS = {"scalar": _scalar, "array": _array, "general": _general, "value": _value, "yesno": _yes_no}
