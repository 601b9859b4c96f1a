"""Checking processes that stay up: many threads of a server ask, a few workers per network answer.

:func:`~symbackprop.answers.grade_answers` starts its workers for one class and stops them when the
class is graded.  A server checks one answer at a time, for whichever network a student picked, and
should answer in milliseconds, so :class:`AnswerPool` keeps the workers of recently used networks
running between requests.  They are the same workers (:mod:`.grading`): forked processes, one answer
at a time, the address space capped, killed and replaced after a hard time limit — a hostile answer
costs one worker, never the server.  Besides checking, a worker parses an answer (the live preview:
how the checker reads it) and :func:`call_isolated` runs any bounded symbolic job the same way.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable, TypeVar

from .. import notation
from ..errors import SymbackpropError
from ..limits import run_limited
from ..network import MLP
from ..printing import sympy_latex
from .check import AnswerCounterexample, Mistake, check_answer, parse_answer
from .grading import GradedAnswer, mlp_recipe, warm_network, WorkerPool, failure

__all__ = ["AnswerPool", "CheckOutcome", "ParsedAnswer", "call_isolated"]

_PARSE, _CHECK = "parse", "check"
T = TypeVar("T")


@dataclass(frozen=True)
class ParsedAnswer:
    """How the checker reads an answer: its LaTeX and plain text, or why it cannot be read."""

    ok: bool
    latex: str = ""
    plain: str = ""
    message: str = ""
    position: int | None = None  # of the offending character, when the text is not valid notation


@dataclass(frozen=True)
class CheckOutcome:
    """One checked answer.  ``status`` is one of correct (always an exact identity: ``proved``), wrong,
    undecided (agreement at random points only, which is not a proof), timeout, syntax error, error."""

    status: str
    feedback: str
    proved: bool = False
    decided_by: str = ""
    parameter: str = ""
    answer_latex: str = ""
    mistake: Mistake | None = None
    counterexample: AnswerCounterexample | None = None
    position: int | None = None
    notes: tuple[str, ...] = ()
    seconds: float = 0.0


def _serve(net: MLP, kind: str, answer: object, wrt: object, *, time_limit: float, report: bool) -> ParsedAnswer | CheckOutcome:  # pragma: no cover - runs in a worker
    """The worker's job: the task's identifier names what is asked (parse or check)."""
    if kind == _PARSE:
        return _parse(net, str(answer))
    return _check(net, str(wrt), str(answer), time_limit)


def _parse(net: MLP, answer: str) -> ParsedAnswer:
    try:
        parsed = parse_answer(net, answer)
    except Exception as error:  # noqa: BLE001 - every problem is the preview's message
        _, message = failure(error)
        return ParsedAnswer(False, message=message, position=getattr(error, "position", None))
    return ParsedAnswer(True, latex=sympy_latex(parsed), plain=notation.plain(parsed))


def _check(net: MLP, wrt: str, answer: str, time_limit: float) -> CheckOutcome:
    started = time.perf_counter()
    try:
        verdict = check_answer(net, wrt, answer, time_limit=time_limit)
    except Exception as error:  # noqa: BLE001 - a server must survive any single answer
        status, message = failure(error)
        return CheckOutcome(status, message, position=getattr(error, "position", None), seconds=time.perf_counter() - started)
    return CheckOutcome(
        status=verdict.status,
        feedback=verdict.feedback,
        proved=verdict.proved,
        decided_by=verdict.decided_by,
        parameter=verdict.parameter,
        answer_latex=sympy_latex(verdict.parsed) if verdict.parsed is not None else "",
        mistake=verdict.mistake,
        counterexample=verdict.counterexample,
        notes=verdict.notes,
        seconds=verdict.seconds,
    )


def _from_graded(graded: object) -> CheckOutcome:
    """A worker that was killed or died reports a GradedAnswer (timeout or error) instead of its job's result."""
    assert isinstance(graded, GradedAnswer)
    return CheckOutcome(graded.verdict, graded.feedback, decided_by=graded.decided_by)


@dataclass
class _Network:
    """The workers of one network: idle ones, and how many exist (idle or busy)."""

    net: MLP
    idle: list[WorkerPool] = field(default_factory=list)
    started: int = 0
    busy: int = 0
    retired: bool = False


def _key(net: MLP) -> tuple:
    recipe = mlp_recipe(net)
    return (tuple(recipe["sizes"]), tuple(recipe["activation"]), recipe["output"], recipe["bias"], recipe["loss"])


class AnswerPool:
    """Long-lived checking workers for many networks, safe to call from many threads at once.

    ``workers``: processes per network (default: every core); ``networks``: how many networks keep
    their workers (the least recently used idle one is stopped beyond that); ``time_limit``: seconds for
    an answer's optional stages — a worker is killed after twice that plus 5 s.

    >>> from symbackprop import MLP
    >>> net = MLP([2, 2, 1], bias=True)
    >>> with AnswerPool(workers=1) as pool:
    ...     print(pool.parse(net, "delta^2_1 phi'(z^2_1)").plain, pool.check(net, "b^2_1", "delta^2_1 phi'(z^2_1)").status)
    δ^2_1*φ'(z^2_1) correct
    """

    def __init__(self, *, workers: int | None = None, time_limit: float = 10.0, networks: int = 8) -> None:
        if not time_limit > 0:
            raise SymbackpropError("time_limit must be a positive number of seconds")
        self.workers = max(1, os.cpu_count() or 1) if workers is None else int(workers)
        if self.workers < 1 or networks < 1:
            raise SymbackpropError("an answer pool needs at least one worker and one network")
        self.time_limit = float(time_limit)
        self._capacity = int(networks)
        self._networks: OrderedDict[tuple, _Network] = OrderedDict()
        self._changed = threading.Condition()
        self._forking = threading.Lock()  # one fork (and one warm-up) at a time
        self._closed = False

    # --- public ---------------------------------------------------------------------------------------
    def check(self, net: MLP, wrt: str, answer: str) -> CheckOutcome:
        """Check ``answer`` for ∂e/∂``wrt`` in a worker; never raises for anything the answer contains."""
        result = self._run(net, (_CHECK, answer, wrt))
        return result if isinstance(result, CheckOutcome) else _from_graded(result)

    def parse(self, net: MLP, answer: str) -> ParsedAnswer:
        """How the checker reads ``answer`` (parsed in a worker, nothing checked)."""
        result = self._run(net, (_PARSE, answer, None))
        if isinstance(result, ParsedAnswer):
            return result
        outcome = _from_graded(result)
        return ParsedAnswer(False, message=outcome.feedback)

    def prepare(self, net: MLP) -> None:
        """Build what checking ``net`` needs in this process and start its workers now, so the first
        students do not wait (worth it for the networks a server knows it will see)."""
        with self._forking:
            warm_network(net, [notation.plain_name(parameter.name) for parameter in net.parameters])
        started = []
        try:
            with self._changed:
                missing = self.workers - (self._networks[_key(net)].started if _key(net) in self._networks else 0)
            for _ in range(missing):
                started.append(self._acquire(net))
        finally:
            for entry, worker in started:
                self._release(entry, worker)

    def close(self) -> None:
        """Stop every worker; later calls raise."""
        with self._changed:
            self._closed = True
            entries = list(self._networks.values())
            self._networks.clear()
            idle = [worker for entry in entries for worker in entry.idle]
            for entry in entries:
                entry.retired = True
                entry.idle.clear()
            self._changed.notify_all()
        for worker in idle:
            worker.close()

    def __enter__(self) -> "AnswerPool":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- workers --------------------------------------------------------------------------------------
    def _run(self, net: MLP, task: tuple[str, object, object]) -> object:
        entry, worker = self._acquire(net)
        healthy = False
        try:
            # run to the end: after reporting a worker that died, the generator starts its replacement
            results = [result for _, result in worker.run([(0, task)])]
            healthy = True
        finally:
            self._release(entry, worker, discard=not healthy)
        if not results:
            raise SymbackpropError("the checking worker returned nothing")  # pragma: no cover
        return results[0]

    def _acquire(self, net: MLP) -> tuple[_Network, WorkerPool]:
        key = _key(net)
        with self._changed:
            while True:
                if self._closed:
                    raise SymbackpropError("the answer pool is closed")
                entry = self._networks.get(key)
                if entry is None:
                    entry = self._networks[key] = _Network(net)
                self._networks.move_to_end(key)
                if entry.idle:
                    entry.busy += 1
                    return entry, entry.idle.pop()
                if entry.started < self.workers:
                    entry.started += 1
                    entry.busy += 1
                    break
                self._changed.wait()
        retired = self._retire_beyond_capacity()
        try:
            with self._forking:
                worker = WorkerPool(entry.net, 1, time_limit=self.time_limit, job=_serve)
        except BaseException:
            with self._changed:
                entry.started -= 1
                entry.busy -= 1
                self._changed.notify_all()
            raise
        finally:
            for old in retired:
                old.close()
        return entry, worker

    def _release(self, entry: _Network, worker: WorkerPool, *, discard: bool = False) -> None:
        with self._changed:
            entry.busy -= 1
            keep = not (discard or entry.retired or self._closed)
            if keep:
                entry.idle.append(worker)
            else:
                entry.started -= 1
            self._changed.notify_all()
        if not keep:
            worker.close()

    def _retire_beyond_capacity(self) -> list[WorkerPool]:
        """Stop the least recently used networks with no busy worker while more than ``networks`` are kept."""
        retired: list[WorkerPool] = []
        with self._changed:
            for key in list(self._networks):
                if len(self._networks) <= self._capacity:
                    break
                entry = self._networks[key]
                if entry.busy:
                    continue
                del self._networks[key]
                entry.retired = True
                retired.extend(entry.idle)
                entry.idle.clear()
        return retired

    def stats(self) -> dict[str, int]:
        """How many networks are kept and how many workers run (for a health check)."""
        with self._changed:
            return {
                "networks": len(self._networks),
                "workers": sum(entry.started for entry in self._networks.values()),
                "busy": sum(entry.busy for entry in self._networks.values()),
            }


# --- one-off jobs ------------------------------------------------------------------------------------------

def call_isolated(net: MLP, function: Callable[[MLP, str], T], argument: str, *, time_limit: float = 10.0) -> T:
    """``function(net, argument)`` in a forked child with capped memory, stopped after ``time_limit``
    seconds (:func:`symbackprop.limits.run_limited`).  ``function`` must be a module-level function and
    return something picklable; every failure (its own errors, a timeout, a crash) is raised here as a
    :class:`~symbackprop.errors.SymbackpropError`."""
    return run_limited(function, net, str(argument), time_limit=time_limit, what="the job")
