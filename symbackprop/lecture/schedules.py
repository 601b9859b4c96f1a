"""Step-size schedules (L5): does Σ_k γ_k diverge and Σ_k γ_k² converge (Robbins–Monro)?

Both series are decided by SymPy's convergence tests on the exact expression; when SymPy cannot
decide, the verdict says "undecided" rather than guessing.

>>> verdict = robbins_monro(1 / (K + 1))
>>> verdict.sum_diverges, verdict.squares_converge, verdict.satisfied
(True, True, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..errors import NotSupportedError
from ..limits import run_limited

__all__ = ["K", "ScheduleVerdict", "robbins_monro", "check_schedule"]

K = sp.Symbol("k", integer=True, nonnegative=True)
"""The iteration counter k = 0, 1, 2, … of the lecture's SGD."""


@dataclass(frozen=True)
class ScheduleVerdict:
    """What was decided about γ_k; each field is True, False or None (undecided)."""

    schedule: sp.Expr
    positive: bool | None
    sum_diverges: bool | None
    squares_converge: bool | None
    positivity_method: str
    undefined: str = ""  # where γ_k is not a real number (then nothing else is decided), e.g. "γ_3 = 1/0"

    @property
    def satisfied(self) -> bool | None:
        """Robbins–Monro: γ_k > 0, Σγ_k = ∞ and Σγ_k² < ∞ (None when any part is undecided)."""
        if self.undefined:
            return False
        parts = (self.positive, self.sum_diverges, self.squares_converge)
        if any(part is False for part in parts):
            return False
        if all(part is True for part in parts):
            return True
        return None

    def _repr_latex_(self) -> str:
        """Jupyter: γ_k and the three decided facts."""

        def fact(value: bool | None, yes: str, no: str) -> str:
            return yes if value is True else (no if value is False else r"\text{undecided}")

        return (
            rf"$\gamma_k = {sp.latex(self.schedule)}:\quad "
            + fact(self.positive, r"\gamma_k > 0", r"\gamma_k \not> 0")
            + r",\quad "
            + fact(self.sum_diverges, r"\sum_k \gamma_k = \infty", r"\sum_k \gamma_k < \infty")
            + r",\quad "
            + fact(self.squares_converge, r"\sum_k \gamma_k^2 < \infty", r"\sum_k \gamma_k^2 = \infty")
            + rf"\quad \Rightarrow\ \text{{Robbins--Monro: {dict([(True, 'yes'), (False, 'no'), (None, 'undecided')])[self.satisfied]}}}$"
        )

    def report(self) -> str:
        def say(value: bool | None, yes: str, no: str) -> str:
            return yes if value is True else (no if value is False else "undecided by SymPy")

        k = "k"
        verdict = {True: "satisfies", False: "does NOT satisfy", None: "cannot be decided for"}[self.satisfied]
        if self.undefined:
            return "\n".join(
                [
                    f"γ_{k} = {sp.sstr(self.schedule)}",
                    f"  γ_k is not defined for every k ≥ 0: {self.undefined}",
                    "  A step size must be a positive number for every k = 0, 1, 2, …, so the sums are not asked.",
                    "  The schedule does NOT satisfy the Robbins–Monro conditions of L5.",
                ]
            )
        return "\n".join(
            [
                f"γ_{k} = {sp.sstr(self.schedule)}",
                f"  γ_k > 0 for all k ≥ 0:  {say(self.positive, 'yes', 'no')} ({self.positivity_method})",
                f"  Σ γ_k   (k = 0…∞):      {say(self.sum_diverges, 'diverges (= ∞)', 'converges (< ∞)')}",
                f"  Σ γ_k²  (k = 0…∞):      {say(self.squares_converge, 'converges (< ∞)', 'diverges (= ∞)')}",
                f"  The schedule {verdict} the Robbins–Monro conditions of L5 (exact, by SymPy's convergence tests).",
            ]
        )


def robbins_monro(schedule: sp.Expr, k: sp.Symbol = K) -> ScheduleVerdict:
    """Decide the L5 conditions for γ_k given as a SymPy expression in ``k`` (k = 0, 1, 2, …)."""
    schedule = sp.sympify(schedule)
    extra = {symbol for symbol in schedule.free_symbols if symbol.name != k.name}
    if extra:
        names = ", ".join(sorted(map(str, extra)))
        raise NotSupportedError(f"a schedule may only use k; it also uses {names}")
    schedule = schedule.xreplace({symbol: k for symbol in schedule.free_symbols})  # k = 0, 1, 2, … (integer)
    first = schedule.subs(k, 0)
    if first.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or not first.is_finite:
        raise NotSupportedError("γ_0 is undefined: the lecture's k starts at 0 (write e.g. 1/(k+1), not 1/k)")
    undefined = _undefined(schedule, k)
    if undefined:
        return ScheduleVerdict(schedule, False, None, None, "", undefined=undefined)
    positive, method = _positivity(schedule, k)
    return ScheduleVerdict(
        schedule=schedule,
        positive=positive,
        sum_diverges=_negate(_convergent(schedule, k)),
        squares_converge=_convergent(schedule**2, k),
        positivity_method=method,
    )


_SAMPLES = (*range(0, 50), 100, 1000, 10**6)


def _undefined(schedule: sp.Expr, k: sp.Symbol) -> str:
    """Where γ_k is not a real number ("" when it is one everywhere we can tell): a zero of the
    denominator at a whole k ≥ 0 (found exactly, for polynomial denominators), or a sampled k at which
    it is infinite, undefined or complex."""
    _, denominator = sp.fraction(sp.together(schedule))
    if denominator.has(k) and denominator.is_polynomial(k):
        poles = sp.solveset(denominator, k, sp.S.Naturals0)
        if isinstance(poles, sp.FiniteSet) and poles:
            first = min(poles)
            return f"γ_{first} divides by zero ({sp.sstr(denominator)} = 0 at k = {first})"
    for n in _SAMPLES:
        value = schedule.subs(k, n)
        if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or value.is_finite is False:
            return f"γ_{n} = {sp.sstr(value)} is not a number"
        if value.is_extended_real is False:
            return f"γ_{n} = {sp.sstr(value)} is not a real number"
    return ""


def _convergent(term: sp.Expr, k: sp.Symbol) -> bool | None:
    try:
        result = sp.Sum(term, (k, 0, sp.oo)).is_convergent()
    except (NotImplementedError, ValueError, TypeError, RecursionError):
        return None
    return bool(result) if result in (sp.true, sp.false, True, False) else None


def _negate(value: bool | None) -> bool | None:
    return None if value is None else not value


def _positivity(schedule: sp.Expr, k: sp.Symbol) -> tuple[bool | None, str]:
    assumed = schedule.is_positive
    if assumed is not None:
        return assumed, "SymPy's assumptions for integer k ≥ 0"
    values = [schedule.subs(k, n) for n in range(0, 50)]
    if any(value.is_positive is False for value in values):
        first = next(n for n, value in enumerate(values) if value.is_positive is False)
        return False, f"γ_{first} = {sp.sstr(values[first])} is not positive"
    return None, "not decided by SymPy's assumptions; γ_0…γ_49 are positive"


def check_schedule(text: str, *, time_limit: float = 30.0) -> ScheduleVerdict:
    """Parse a typed schedule safely (no eval; bounded size) and decide L5 within ``time_limit`` seconds.

    >>> check_schedule("1/(k+1)").satisfied
    True
    """
    from ..parse import parse_expression, schedule_vocabulary

    if not isinstance(time_limit, (int, float)) or not 0 < time_limit <= 600:
        raise NotSupportedError(f"the time limit must be between 0 and 600 seconds, got {time_limit!r}")
    schedule = parse_expression(text, vocabulary=schedule_vocabulary("k"))
    return _with_time_limit(schedule, float(time_limit))


def _with_time_limit(schedule: sp.Expr, seconds: float) -> ScheduleVerdict:
    """Run :func:`robbins_monro` in a forked child with capped memory, stopped after ``seconds`` (SymPy's
    summation tests can take unbounded time on unusual input)."""
    return run_limited(
        robbins_monro, schedule, time_limit=seconds, what="SymPy's decision of this schedule", hint="write the schedule more simply, or allow more time with --time-limit"
    )
