"""Step-size schedules (L5): does Σ_k γ_k diverge and Σ_k γ_k² converge (Robbins–Monro)?

Both series are decided by SymPy's convergence tests on the exact expression; when SymPy cannot
decide, the verdict says "undecided" rather than guessing.

>>> verdict = robbins_monro(1 / (K + 1))
>>> verdict.sum_diverges, verdict.squares_converge, verdict.satisfied
(True, True, True)
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass

import sympy as sp

from ..errors import NotSupportedError, SymbackpropError

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

    @property
    def satisfied(self) -> bool | None:
        """Robbins–Monro: γ_k > 0, Σγ_k = ∞ and Σγ_k² < ∞ (None when any part is undecided)."""
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
    positive, method = _positivity(schedule, k)
    return ScheduleVerdict(
        schedule=schedule,
        positive=positive,
        sum_diverges=_negate(_convergent(schedule, k)),
        squares_converge=_convergent(schedule**2, k),
        positivity_method=method,
    )


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
    """Run :func:`robbins_monro` in a forked child that is killed after ``seconds`` (SymPy's summation
    tests can take unbounded time on unusual input)."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" not in methods:  # pragma: no cover - Windows: no hard limit, the parser's bounds remain
        return robbins_monro(schedule)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_decide_in_child, args=(schedule, sender), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise NotSupportedError(f"SymPy could not decide this schedule within {seconds:g} s")
        outcome = receiver.recv()
    except EOFError:
        raise NotSupportedError("deciding this schedule failed unexpectedly") from None
    finally:
        if child.is_alive():
            child.kill()
        child.join(timeout=5)
        receiver.close()
    if isinstance(outcome, ScheduleVerdict):
        return outcome
    raise NotSupportedError(str(outcome))


def _decide_in_child(schedule: sp.Expr, sender) -> None:  # noqa: ANN001  # pragma: no cover - runs in the child
    try:
        sender.send(robbins_monro(schedule))
    except SymbackpropError as error:
        sender.send(str(error))
    except Exception as error:  # noqa: BLE001 - anything SymPy raises becomes a message, not a traceback
        sender.send(f"SymPy could not decide this schedule ({type(error).__name__})")
    finally:
        sender.close()
