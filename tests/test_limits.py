"""run_limited: a job runs in a child with capped memory and a wall-clock limit, and every way it can end
is one line — its result, its own error, out of time, out of memory."""

from __future__ import annotations

import time

import pytest

from symbackprop.errors import LimitError, SpecError
from symbackprop.limits import MEMORY_LIMIT, run_limited


def _square(value: int) -> int:
    return value * value


def _sleep_forever() -> None:
    while True:
        time.sleep(1)


def _grow_without_bound() -> list:
    blocks = []
    while True:
        blocks.append(bytearray(64 * 1024**2))


def _refuse() -> None:
    raise SpecError("no such network")


def _crash() -> None:
    raise KeyError("boom")


def test_the_result_comes_back():
    assert run_limited(_square, 12, time_limit=30) == 144


def test_a_job_that_runs_for_ever_is_stopped_and_named():
    with pytest.raises(LimitError, match=r"the sleeper did not finish within the time limit of 0.5 s; try less"):
        run_limited(_sleep_forever, time_limit=0.5, what="the sleeper", hint="try less")


def test_a_job_that_needs_too_much_memory_is_stopped_and_named():
    with pytest.raises(LimitError, match=r"the hog needed more than 0.25 GiB of memory"):
        run_limited(_grow_without_bound, time_limit=60, memory=256 * 1024**2, what="the hog")


def test_the_default_cap_keeps_a_command_under_two_gigabytes():
    assert MEMORY_LIMIT < 2 * 1000**3


def test_the_jobs_own_errors_arrive_as_themselves_and_others_as_one_line():
    with pytest.raises(SpecError, match="no such network"):
        run_limited(_refuse, time_limit=30)
    with pytest.raises(Exception, match="the job failed: KeyError: 'boom'"):
        run_limited(_crash, time_limit=30)
