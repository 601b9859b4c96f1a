"""The worker checkout both long-lived pools share (:class:`WorkerSlots`): at most ``size`` workers, a worker whose
run raised is replaced, a failed fork frees its slot, and closing stops idle workers at once, busy ones when their
task ends, and refuses the callers still waiting.  Fake workers stand in for processes, so that each step can be
held and released; the real processes are in test_answer_pool.py and test_web_homework.py."""

from __future__ import annotations

import threading

import pytest

from symbackprop.answers.pool import WorkerSlots
from symbackprop.errors import SymbackpropError
from symbackprop.homework.reading import AnswerReading
from symbackprop.web import part_pool

WAIT = 60.0  # seconds a step may take before the test calls it stuck (never reached when the code is right)


class FakeWorker:
    """A worker whose task holds until ``release`` is set; a task "raise" raises out of ``run``."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self.release = threading.Event()
        self.running = threading.Event()
        self.closed = False

    def run(self, items):
        for index, task in items:
            self.running.set()
            assert self.release.wait(WAIT)
            if task == "raise" or (isinstance(task, tuple) and "raise" in task):
                raise RuntimeError("the pipe to the worker broke")
            yield index, ("done", task)

    def close(self) -> None:
        self.closed = True


class Forks:
    def __init__(self, *, fail_first: bool = False) -> None:
        self.made: list[FakeWorker] = []
        self.fail_first = fail_first

    def __call__(self) -> FakeWorker:
        if self.fail_first:
            self.fail_first = False
            raise OSError("fork failed")
        worker = FakeWorker()
        worker.release.set()
        self.made.append(worker)
        return worker


def _in_thread(function, *args):
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["result"] = function(*args)
        except BaseException as error:  # noqa: BLE001 - the test looks at it
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread, outcome


def test_workers_are_forked_on_demand_up_to_the_size_and_reused():
    forks = Forks()
    slots = WorkerSlots(2, forks, closed_message="closed")
    assert slots.run("a") == ("done", "a") and slots.run("b") == ("done", "b")
    assert len(forks.made) == 1 and slots.stats() == (1, 0)
    slots.fill()
    assert len(forks.made) == 2 and slots.stats() == (2, 0)
    slots.fill()
    assert len(forks.made) == 2


def test_a_caller_waits_for_a_busy_worker_instead_of_forking_beyond_the_size():
    forks = Forks()
    slots = WorkerSlots(1, forks, closed_message="closed")
    slots.fill()
    forks.made[0].release.clear()
    first, first_outcome = _in_thread(slots.run, "first")
    assert forks.made[0].running.wait(WAIT)
    second, second_outcome = _in_thread(slots.run, "second")
    assert slots.stats() == (1, 1) and len(forks.made) == 1
    forks.made[0].release.set()
    first.join(WAIT)
    second.join(WAIT)
    assert first_outcome["result"] == ("done", "first") and second_outcome["result"] == ("done", "second")
    assert len(forks.made) == 1


def test_a_worker_whose_run_raised_is_stopped_and_its_slot_forked_afresh():
    forks = Forks()
    slots = WorkerSlots(1, forks, closed_message="closed")
    with pytest.raises(RuntimeError, match="pipe"):
        slots.run("raise")
    assert forks.made[0].closed and slots.stats() == (0, 0)
    assert slots.run("next") == ("done", "next")
    assert len(forks.made) == 2 and not forks.made[1].closed


def test_a_failed_fork_gives_its_slot_back():
    forks = Forks(fail_first=True)
    slots = WorkerSlots(1, forks, closed_message="closed")
    with pytest.raises(OSError, match="fork failed"):
        slots.run("a")
    assert slots.stats() == (0, 0)
    assert slots.run("b") == ("done", "b")


def test_closing_stops_idle_workers_now():
    forks = Forks()
    slots = WorkerSlots(3, forks, closed_message="the pool is closed")
    slots.fill()
    slots.close()
    assert all(worker.closed for worker in forks.made) and slots.stats() == (0, 0)
    with pytest.raises(SymbackpropError, match="the pool is closed"):
        slots.run("after")


def test_closing_lets_tasks_in_flight_finish_and_refuses_the_callers_still_waiting():
    forks = Forks()
    slots = WorkerSlots(2, forks, closed_message="the pool is closed")
    slots.fill()
    for worker in forks.made:
        worker.release.clear()
    in_flight = [_in_thread(slots.run, name) for name in ("first", "second")]
    for worker in forks.made:
        assert worker.running.wait(WAIT)
    waiting, waiting_outcome = _in_thread(slots.run, "third")
    waiting.join(0.2)  # time to reach the wait for a worker (if not, it is refused as closed all the same)
    slots.close()
    waiting.join(WAIT)
    assert not waiting.is_alive() and "the pool is closed" in str(waiting_outcome["error"])
    assert not any(worker.closed for worker in forks.made)  # the tasks in flight are not lost
    for worker in forks.made:
        worker.release.set()
    for thread, _ in in_flight:
        thread.join(WAIT)
    assert sorted(outcome["result"][1] for _, outcome in in_flight) == ["first", "second"]
    assert all(worker.closed for worker in forks.made) and slots.stats() == (0, 0)


def test_a_part_check_waiting_for_a_worker_is_refused_when_the_pool_closes(monkeypatch):
    """On main's PartPool the caller waiting for a worker blocked for ever on its queue once the pool closed."""
    made: list[FakeWorker] = []

    class FakePartWorker(FakeWorker):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__()
            made.append(self)

        def run(self, items):
            for index, _ in super().run(items):
                yield index, AnswerReading(True, plain="read")

    monkeypatch.setattr(part_pool, "WorkerPool", FakePartWorker)
    pool = part_pool.PartPool(workers=1)
    pool.start()
    part = {"part": "1a", "kind": "value", "points": 1}
    first, first_outcome = _in_thread(pool.read, part, "1")
    assert made[0].running.wait(WAIT)
    second, second_outcome = _in_thread(pool.read, part, "2")
    second.join(0.2)  # time to reach the wait for a worker (if not, it is refused as closed all the same)
    pool.close()
    second.join(WAIT)
    assert not second.is_alive(), "the caller waiting for a worker was never answered"
    assert "closed" in str(second_outcome.get("error"))
    made[0].release.set()
    first.join(WAIT)
    assert first_outcome["result"].plain == "read" and made[0].closed  # the answer in flight is not lost
