"""Answers that are numbers: an exact expression (KL(p‖q) = ¾ log 3/2 + …) or a decimal within a stated tolerance.

An exact expression is decided exactly: the difference from the expected value is written as a rational
plus a rational combination of logarithms of rationals, and Σ c_k log r_k = 0 exactly when Π r_k^{c_k N} = 1
(:func:`symbackprop.emit.multiclass.log_sign` — rational arithmetic, no floating point); a nonzero rational
plus such logs is never 0 (e^t is transcendental for rational t ≠ 0, Lindemann–Weierstrass).

Any answer that is not proved equal — a decimal, or an exact form this rule cannot decide — is compared at
50 digits (evaluated strictly: a value SymPy cannot get to 50 correct digits, such as a 0/0 of
transcendental constants, is left undecided; a divisor or log argument that is exactly 0 is refused), and
counts as correct when it is within the part's stated tolerance, whatever form it is typed in: the verdict says "within the stated tolerance" (and, for an exact form, that equality is not proved),
never "exactly equal".  Only an answer closer than 10^-40 that the tolerance does not cover (a part whose
tolerance is 0) is left undecided.  Mistakes (p and q swapped, log base 2 or 10, the sign, …) are named only
when the mutated value is proved equal to the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import mpmath
import sympy as sp
from sympy.core.evalf import PrecisionExhausted

from ..emit.multiclass import log_sign
from ..errors import AnswerSyntaxError
from ..parse import Limits, lecture_vocabulary, parse_expression
from ..statuses import AnswerStatus
from .matrix_notation import strip_wrappers

__all__ = ["ValueMutation", "ValueVerdict", "parse_value", "check_value", "exactly_equal"]

CORRECT, WRONG, UNDECIDED = AnswerStatus.CORRECT, AnswerStatus.WRONG, AnswerStatus.UNDECIDED
_DIGITS = 50
_RESOLUTION = mpmath.mpf(10) ** -40  # what 50-digit values of this size can tell apart from 0


def parse_value(text: str, *, limits: Limits | None = None) -> sp.Expr:
    """A number or an exact expression (log, exp, sqrt, fractions, decimals), without symbols."""
    body, offset = strip_wrappers(text if isinstance(text, str) else "")
    try:
        value = parse_expression(body, vocabulary=lecture_vocabulary(limits=limits))
    except AnswerSyntaxError as error:
        raise AnswerSyntaxError(str(error).splitlines()[0], text=text, position=offset + (error.position or 0)) from None
    if value.free_symbols:
        names = ", ".join(sorted(str(symbol) for symbol in value.free_symbols))
        raise AnswerSyntaxError(f"a value has no symbols (found {names}): give a number or an exact expression such as 3/4 log(3/2)")
    return value


def _log_form(value: sp.Expr) -> tuple[sp.Rational, sp.Expr] | None:
    """(rational part, Σ c log r part) of a value, or None when it is not of that form."""
    expanded = sp.expand(sp.expand_log(value, force=True))
    rational, logs = sp.Integer(0), []
    for term in sp.Add.make_args(expanded):
        if term.is_Rational:
            rational += term
            continue
        coefficient, rest = term.as_coeff_Mul()
        if not (coefficient.is_Rational and isinstance(rest, sp.log) and rest.args[0].is_Rational and rest.args[0] > 0):
            return None
        logs.append(term)
    return rational, sp.Add(*logs)


def exactly_equal(left: sp.Expr, right: sp.Expr) -> bool | None:
    """True/False when decided exactly (rationals and logs of rationals), None when not decidable here."""
    form = _log_form(left - right)
    if form is None:
        return None
    rational, logs = form
    if rational != 0:
        return False
    return logs == 0 or log_sign(logs)[0] == 0


class _Inaccurate(Exception):
    """SymPy could not evaluate a value to :data:`_DIGITS` correct digits (cancellation it cannot resolve)."""


def _number(value: sp.Expr) -> mpmath.mpf | None:
    """The value in 50 correct digits, None when it is not a finite real number; raises :class:`_Inaccurate`
    when SymPy cannot reach that accuracy (its unstrict answer may have no correct digit at all)."""
    try:
        with mpmath.workdps(_DIGITS):
            result = sp.N(value, _DIGITS, strict=True)
            if not result.is_real or not result.is_finite:
                return None
            return mpmath.mpf(str(result))
    except PrecisionExhausted:
        raise _Inaccurate from None
    except (TypeError, ValueError, OverflowError, ZeroDivisionError):
        return None


@dataclass(frozen=True)
class ValueMutation:
    """A typical wrong value: ``code``, a label, why, and the value."""

    code: str
    label: str
    explanation: str
    value: sp.Expr


@dataclass(frozen=True)
class ValueVerdict:
    status: AnswerStatus
    decided_by: str
    answer_value: float | None
    expected_value: float
    mistake: ValueMutation | None = None

    @property
    def correct(self) -> bool:
        return self.status == CORRECT

    @property
    def feedback(self) -> str:
        expected = f"{self.expected_value:.6g}"
        if self.correct:
            return f"Correct: {self.decided_by}."
        if self.status == UNDECIDED:
            return f"Not decided ({self.decided_by}); left for the instructor to review."
        given = "not a real number" if self.answer_value is None else f"{self.answer_value:.6g}"
        text = f"Your value is {given}; the expected value is {expected} ({self.decided_by})."
        if self.mistake is not None:
            text += f" Likely mistake: {self.mistake.label} — your answer equals it exactly. {self.mistake.explanation}"
        return text


def check_value(
    expected: sp.Expr, answer: sp.Expr, *, tolerance: float, mutations: Sequence[ValueMutation] = ()
) -> ValueVerdict:
    """Compare a value answer with ``expected`` (exact where possible, else within ``tolerance``)."""
    target = _number(expected)
    assert target is not None, "the expected value must be a real number"
    exact = exactly_equal(expected, answer)
    try:
        given = _number(answer)
    except _Inaccurate:
        if exact:
            return ValueVerdict(CORRECT, "exactly equal (a rational combination of logarithms, decided in rational arithmetic)", None, float(target))
        how = f"exactly different, though it cannot be evaluated to {_DIGITS} digits" if exact is False else f"it cannot be evaluated to {_DIGITS} correct digits"
        return ValueVerdict(WRONG if exact is False else UNDECIDED, how, None, float(target))
    given_float = None if given is None else float(given)
    if exact:
        return ValueVerdict(CORRECT, "exactly equal (a rational combination of logarithms, decided in rational arithmetic)", given_float, float(target))
    if given is None:
        return ValueVerdict(WRONG, "the answer is not a real number", None, float(target))
    with mpmath.workdps(_DIGITS):
        difference = abs(given - target)
    indistinguishable = difference < _RESOLUTION
    if difference + _RESOLUTION <= tolerance:  # the same credit whatever the form; the words say what was established
        if exact is None and indistinguishable:
            how = f"within the stated tolerance ±{tolerance:g}: equal to the value to {_DIGITS} digits, but equality is not proved"
        else:
            how = f"within the stated tolerance: |answer − value| = {float(difference):.2g} ≤ {tolerance:g}"
        return ValueVerdict(CORRECT, how, given_float, float(target))
    if exact is None and indistinguishable:  # closer than 50 digits can tell, and the tolerance (0) does not cover it
        return ValueVerdict(UNDECIDED, f"equal to {_DIGITS} digits but not proved equal, and the tolerance is {tolerance:g}", given_float, float(target))
    mistake = next((m for m in mutations if exactly_equal(m.value, answer)), None)
    how = "exactly different" if exact is False else f"differs by {float(difference):.3g}"
    return ValueVerdict(WRONG, f"{how}; the tolerance is {tolerance:g}", given_float, float(target), mistake)
