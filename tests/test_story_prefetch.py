"""Work started ahead on the other core (story.prefetch) gives what computing it here gives, and falls back."""

from __future__ import annotations

import functools

import pytest

from symbackprop.lecture import story
from symbackprop.lecture.figures import figure_pdf


def _forty_two() -> int:
    return 42


def _what_the_worker_already_has(name: str) -> tuple[str, object]:
    return ("seen in the worker", story.prefetched(name))


def _fails() -> None:
    raise RuntimeError("a job that fails in the worker")


def test_a_job_runs_in_the_worker_and_its_result_is_taken_once():
    story.prefetch(jobs={"test:answer": _forty_two})
    assert story.prefetched("test:answer") == 42
    assert story.prefetched("test:answer") is None  # taken: a second caller computes it itself


def test_a_later_job_of_the_worker_takes_an_earlier_jobs_result_instead_of_waiting_for_the_parent():
    story.prefetch(jobs={"test:first": _forty_two, "test:second": functools.partial(_what_the_worker_already_has, "test:first")})
    assert story.prefetched("test:second") == ("seen in the worker", 42)
    assert story.prefetched("test:first") == 42


def test_a_job_that_fails_in_the_worker_leaves_the_work_to_this_process():
    story.prefetch(jobs={"test:fails": _fails})
    assert story.prefetched("test:fails") is None


def test_nothing_unknown_can_be_prefetched():
    with pytest.raises(ValueError, match="nothing to prefetch"):
        story.prefetch("no_such_computation")


def test_the_figure_drawn_in_the_worker_is_the_figure_drawn_here():
    story.prefetch(jobs={"test:norms": functools.partial(figure_pdf, "norms")})
    drawn_there = story.prefetched("test:norms")
    assert isinstance(drawn_there, bytes) and drawn_there.startswith(b"%PDF")
    assert drawn_there == figure_pdf("norms")
