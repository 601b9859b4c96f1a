"""Homework parts checked on the page by the one checker ``symbackprop grade`` uses, in long-lived workers.

Every answer to a part of ``variants.json`` — every kind — is checked by
:func:`symbackprop.homework.check_part` and read (the live preview) by
:func:`symbackprop.homework.reading.read_answer`, in the hardened worker path of
:mod:`symbackprop.answers.grading`: forked processes with capped memory, one answer at a time, killed and
replaced after the hard time limit (``2·time_limit + 5`` s).  Unlike ``grade``, which starts its workers for
one class, a server keeps them running: a few generic workers serve every part of every student, forked
after the variants' networks have been built in the server process (so each worker starts warm, and a
worker forked to replace a killed one does too).
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, Iterable, Mapping

from ..answers.grading import Handler, WorkerPool, warm_network
from ..answers.pool import WorkerSlots
from ..homework.parts import PartResult, check_part
from ..limits import checked_time_limit, checked_workers
from ..homework.reading import AnswerReading, read_answer
from ..homework.variants import network_of
from ..statuses import AnswerStatus, PartStatus

__all__ = ["PartPool", "warm_parts"]

_CHECK, _READ = "check", "read"


def _serve(task: tuple) -> PartResult | AnswerReading:  # pragma: no cover - runs in a worker
    """What a worker does with one task: check an answer (reveal nothing) or read it for the preview."""
    try:
        if task[0] == _READ:
            _, part, answer = task
            return read_answer(part, answer)
        _, part, answer, conventions, previous, time_limit = task
        return check_part(part, answer, conventions=conventions, previous=previous, time_limit=time_limit, reveal=False)
    except Exception as error:  # noqa: BLE001 - a server must survive any single answer
        return _failed(task, AnswerStatus.ERROR, f"internal error while reading this answer: {type(error).__name__}")


def _failed(task: object, verdict: AnswerStatus, message: str) -> PartResult | AnswerReading:
    """A task whose worker was killed at the hard time limit (undecided) or died (error)."""
    kind, part = task[0], task[1]  # type: ignore[index]
    if kind == _READ:
        return AnswerReading(False, message=message)
    status = PartStatus.UNDECIDED if verdict == AnswerStatus.TIMEOUT else PartStatus.ERROR
    return PartResult(str(part.get("part")), str(part.get("kind")), status, 0.0, float(part.get("points", 0)), message[:1].upper() + message[1:] + ".")


_HANDLER = Handler(_serve, _failed)


def warm_parts(parts: Iterable[Mapping[str, Any]]) -> int:
    """Build, in this process, what every check of these parts starts from — each network's answer context
    (its δ recursion, references, random points and grammar) and the direct derivative of each parameter a
    gradient part asks for — so that workers forked afterwards share it; returns how many networks.

    (Checking each distinct question's key answer here as well was measured: it doubled the start-up and did
    not lower the latency under load, which the checks' own work and the two cores decide.)"""
    asked: dict[str, tuple[dict, set[str]]] = {}
    for part in parts:
        if "network" in part:
            entry = asked.setdefault(repr(sorted(part["network"].items())), (dict(part["network"]), set()))
            if part.get("kind") == "gradient":
                entry[1].add(str(part["wrt"]))
    for description, parameters in asked.values():
        warm_network(network_of(description), sorted(parameters))
    return len(asked)


class PartPool:
    """Long-lived workers that check and read answers to homework parts; safe to call from many threads.

    ``workers``: processes (default: every core); ``time_limit``: seconds for an answer's optional checking
    stages, passed to :func:`check_part` — a worker is killed after twice that plus 5 s.  ``warm`` runs in
    this process before the first worker is forked.  The workers are checked out as
    :class:`~symbackprop.answers.pool.AnswerPool` checks out its own (:class:`~symbackprop.answers.pool.WorkerSlots`)."""

    def __init__(self, *, workers: int | None = None, time_limit: float = 10.0, warm: Callable[[], object] | None = None) -> None:
        self.workers = max(1, os.cpu_count() or 1) if workers is None else checked_workers(workers, name="workers")
        self.time_limit = checked_time_limit(time_limit, name="time_limit")
        self._warm = warm
        self._slots = WorkerSlots(self.workers, self._fork, closed_message="the part checker is closed")
        self._starting = threading.Lock()
        self._forking = threading.Lock()  # one fork at a time
        self._started = False

    def start(self) -> None:
        """Warm up and fork the workers (what the first students would otherwise wait for)."""
        with self._starting:
            if self._started:
                return
            if self._warm is not None:
                self._warm()
            self._slots.fill()
            self._started = True

    def check(self, part: Mapping[str, Any], answer: str, *, conventions: str | None = None, previous: Mapping[str, Any] | None = None) -> PartResult:
        """``check_part(part, answer, conventions=…, previous=…, reveal=False)`` in a worker."""
        result = self._run((_CHECK, dict(part), answer, conventions, previous, self.time_limit))
        assert isinstance(result, PartResult)
        return result

    def read(self, part: Mapping[str, Any], answer: str) -> AnswerReading:
        """``read_answer(part, answer)`` in a worker (the live preview)."""
        result = self._run((_READ, dict(part), answer))
        assert isinstance(result, AnswerReading)
        return result

    def stats(self) -> dict[str, int]:
        """Worker processes running, and how many are answering now (for the health check)."""
        running, busy = self._slots.stats()
        return {"workers": running, "busy": busy}

    def close(self) -> None:
        """Stop the waiting workers now and the busy ones when they finish; later calls raise."""
        self._slots.close()

    def __enter__(self) -> "PartPool":
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- workers ------------------------------------------------------------------------------------------
    def _fork(self) -> WorkerPool:
        with self._forking:
            return WorkerPool(None, 1, time_limit=self.time_limit, handler=_HANDLER)

    def _run(self, task: tuple) -> object:
        self.start()
        return self._slots.run(task)
