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
from dataclasses import dataclass
from typing import Callable, TypeVar

from .. import notation
from ..errors import SymbackpropError
from ..limits import checked_time_limit, checked_workers, run_limited
from ..network import MLP
from ..printing import sympy_latex
from .check import AnswerCounterexample, Mistake, check_answer, parse_answer
from .grading import GradedAnswer, mlp_recipe, warm_network, WorkerPool, failure

__all__ = ["AnswerPool", "CheckOutcome", "ParsedAnswer", "WorkerSlots", "call_isolated"]

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


class WorkerSlots:
    """Up to ``size`` one-process :class:`WorkerPool` s made by ``fork``, each running one task at a time for
    whichever thread checked it out; safe to call from many threads.

    The failure handling both long-lived pools share: a task runs to its end in its worker, where a worker
    killed at the hard time limit or dead is replaced and the task reported as failed, so a crash costs at
    most the task in flight; a worker whose run raised is stopped and its slot forked afresh by the next
    caller; after :meth:`close`, idle workers stop at once, busy ones when their task ends, and waiting
    callers are refused with ``closed_message``."""

    def __init__(self, size: int, fork: Callable[[], WorkerPool], *, closed_message: str) -> None:
        self.size = size
        self._fork = fork
        self._closed_message = closed_message
        self._changed = threading.Condition()
        self._idle: list[WorkerPool] = []
        self._started = 0  # workers that exist (idle, busy or being forked)
        self._busy = 0
        self._closed = False

    def run(self, task: object) -> object:
        """``task``'s result from a checked-out worker (or the worker's report that it was killed or died)."""
        worker = self._acquire()
        healthy = False
        try:
            # run to the end: after reporting a worker that died, the generator starts its replacement
            results = [result for _, result in worker.run([(0, task)])]
            healthy = True
        finally:
            self._release(worker, discard=not healthy)
        if not results:
            raise SymbackpropError("the checking worker returned nothing")  # pragma: no cover
        return results[0]

    def fill(self) -> None:
        """Fork every worker not running yet (what the first callers would otherwise wait for)."""
        forked: list[WorkerPool] = []
        try:
            while True:
                with self._changed:
                    if self._closed or self._started >= self.size:
                        break
                    self._started += 1
                    self._busy += 1
                forked.append(self._forked())
        finally:
            for worker in forked:
                self._release(worker)

    def close(self) -> None:
        """Stop the idle workers now and the busy ones when their task ends; later calls are refused."""
        with self._changed:
            self._closed = True
            idle, self._idle = self._idle, []
            self._started -= len(idle)
            self._changed.notify_all()
        for worker in idle:
            worker.close()

    def stats(self) -> tuple[int, int]:
        """(workers running, workers busy)."""
        with self._changed:
            return self._started, self._busy

    def _acquire(self) -> WorkerPool:
        with self._changed:
            while True:
                if self._closed:
                    raise SymbackpropError(self._closed_message)
                if self._idle:
                    self._busy += 1
                    return self._idle.pop()
                if self._started < self.size:
                    self._started += 1
                    self._busy += 1
                    break
                self._changed.wait()
        return self._forked()

    def _forked(self) -> WorkerPool:
        """A new worker for a slot already counted; the slot is given back if the fork fails."""
        try:
            return self._fork()
        except BaseException:
            with self._changed:
                self._started -= 1
                self._busy -= 1
                self._changed.notify_all()
            raise

    def _release(self, worker: WorkerPool, *, discard: bool = False) -> None:
        with self._changed:
            self._busy -= 1
            keep = not (discard or self._closed)
            if keep:
                self._idle.append(worker)
            else:
                self._started -= 1
            self._changed.notify_all()
        if not keep:
            worker.close()


@dataclass
class _Network:
    """The workers of one network, and how many callers are using them now (a network in use is never retired)."""

    slots: WorkerSlots
    users: int = 0


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
        self.workers = max(1, os.cpu_count() or 1) if workers is None else checked_workers(workers, name="workers")
        if networks < 1:
            raise SymbackpropError("an answer pool needs at least one network")
        self.time_limit = checked_time_limit(time_limit, name="time_limit")
        self._capacity = int(networks)
        self._networks: OrderedDict[tuple, _Network] = OrderedDict()
        self._lock = threading.Lock()
        self._forking = threading.Lock()  # one fork (and one warm-up) at a time
        self._closed = False

    # --- public ---------------------------------------------------------------------------------------
    def check(self, net: MLP, wrt: str, answer: str) -> CheckOutcome:
        """Check ``answer`` for ∂e/∂``wrt`` in a worker; never raises for anything the answer contains."""
        result = self._using(net, lambda slots: slots.run((_CHECK, answer, wrt)))
        return result if isinstance(result, CheckOutcome) else _from_graded(result)

    def parse(self, net: MLP, answer: str) -> ParsedAnswer:
        """How the checker reads ``answer`` (parsed in a worker, nothing checked)."""
        result = self._using(net, lambda slots: slots.run((_PARSE, answer, None)))
        if isinstance(result, ParsedAnswer):
            return result
        outcome = _from_graded(result)
        return ParsedAnswer(False, message=outcome.feedback)

    def prepare(self, net: MLP) -> None:
        """Build what checking ``net`` needs in this process and start its workers now, so the first
        students do not wait (worth it for the networks a server knows it will see)."""
        with self._forking:
            warm_network(net, [notation.plain_name(parameter.name) for parameter in net.parameters])
        self._using(net, WorkerSlots.fill)

    def close(self) -> None:
        """Stop every worker; later calls raise."""
        with self._lock:
            self._closed = True
            entries = list(self._networks.values())
            self._networks.clear()
        for entry in entries:
            entry.slots.close()

    def __enter__(self) -> "AnswerPool":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def stats(self) -> dict[str, int]:
        """How many networks are kept and how many workers run (for a health check)."""
        with self._lock:
            counts = [entry.slots.stats() for entry in self._networks.values()]
        return {"networks": len(counts), "workers": sum(started for started, _ in counts), "busy": sum(busy for _, busy in counts)}

    # --- workers --------------------------------------------------------------------------------------
    def _using(self, net: MLP, work: Callable[[WorkerSlots], T]) -> T:
        """``work`` on the workers of ``net`` (made on first use; the least recently used networks beyond the
        capacity that nobody is using are stopped)."""
        key = _key(net)
        with self._lock:
            if self._closed:
                raise SymbackpropError("the answer pool is closed")
            entry = self._networks.get(key)
            if entry is None:
                entry = self._networks[key] = _Network(WorkerSlots(self.workers, lambda: self._fork(net), closed_message="the answer pool is closed"))
            self._networks.move_to_end(key)
            entry.users += 1
            retired = self._retire_beyond_capacity()
        for old in retired:
            old.close()
        try:
            return work(entry.slots)
        finally:
            with self._lock:
                entry.users -= 1

    def _fork(self, net: MLP) -> WorkerPool:
        with self._forking:
            return WorkerPool(net, 1, time_limit=self.time_limit, job=_serve)

    def _retire_beyond_capacity(self) -> list[WorkerSlots]:
        """The least recently used networks nobody is using, taken out while more than ``networks`` are kept
        (the caller holds the lock and stops their workers after releasing it)."""
        retired: list[WorkerSlots] = []
        for key in list(self._networks):
            if len(self._networks) <= self._capacity:
                break
            entry = self._networks[key]
            if entry.users:
                continue
            del self._networks[key]
            retired.append(entry.slots)
        return retired


# --- one-off jobs ------------------------------------------------------------------------------------------

def call_isolated(net: MLP, function: Callable[[MLP, str], T], argument: str, *, time_limit: float = 10.0) -> T:
    """``function(net, argument)`` in a forked child with capped memory, stopped after ``time_limit``
    seconds (:func:`symbackprop.limits.run_limited`).  ``function`` must be a module-level function and
    return something picklable; every failure (its own errors, a timeout, a crash) is raised here as a
    :class:`~symbackprop.errors.SymbackpropError`."""
    return run_limited(function, net, str(argument), time_limit=time_limit, what="the job")
