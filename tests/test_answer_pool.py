"""The long-lived checking pool of a server: the same verdicts as checking in this process, safe from
many threads at once, and a hanging or crashing answer costs one worker while the others keep answering."""

from __future__ import annotations

import os
import threading
import time

import pytest

from symbackprop import MLP
from symbackprop.answers import check_answer, pool as pool_module
from symbackprop.answers.pool import AnswerPool, call_isolated
from symbackprop.errors import SymbackpropError

NET = MLP([2, 2, 1], activation="sigmoid", bias=True)
ANSWERS = [
    ("b^2_1", "delta^2_1 * sigma'(z^2_1)"),
    ("b^2_1", "delta^2_1 * sigma'(z^2_1) * a^1_2"),
    ("b^2_1", "2(y_1 - a^2_1) a^2_1 (1 - a^2_1)"),
    ("b^1_1", r"\delta^{1}_{1}\,\sigma'(z^{1}_{1})"),
    ("w^1_12", "δ^1_2 σ'(z^1_2) x_1"),
]


def test_checks_from_many_threads_agree_with_checking_in_this_process():
    expected = [check_answer(NET, wrt, answer) for wrt, answer in ANSWERS]
    results: dict[int, object] = {}
    with AnswerPool(workers=2, time_limit=5) as pool:

        def work(index: int) -> None:
            wrt, answer = ANSWERS[index % len(ANSWERS)]
            results[index] = pool.check(NET, wrt, answer)

        threads = [threading.Thread(target=work, args=(index,)) for index in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert pool.stats()["workers"] == 2 and pool.stats()["busy"] == 0
    for index, outcome in results.items():
        verdict = expected[index % len(ANSWERS)]
        assert outcome.status == verdict.status and outcome.proved == verdict.proved
        assert (outcome.mistake.code if outcome.mistake else None) == (verdict.mistake.code if verdict.mistake else None)
        assert outcome.feedback == verdict.feedback
    wrong = results[1]
    assert wrong.status == "wrong" and wrong.mistake.code == "extra_activation" and wrong.counterexample is not None
    assert wrong.mistake.form_latex and wrong.answer_latex.startswith(r"\delta^{2}_{1} a^{1}_{2}")


def test_parse_shows_how_an_answer_is_read_and_points_at_a_syntax_error():
    with AnswerPool(workers=1) as pool:
        read = pool.parse(NET, "w^2_12 x_1")
        assert read.ok and read.latex == "w^{2}_{12} x_{1}" and read.plain == "w^2_12*x_1"
        wrong = pool.parse(NET, "w^{21}")
        assert not wrong.ok and wrong.position == 0 and "layer and indices" in wrong.message
        hostile = pool.parse(NET, "__import__('os').system('echo pwned')")
        assert not hostile.ok and hostile.position == 0
        outcome = pool.check(NET, "b^2_1", "delta^2_1 * sigma(z^2_1")
        assert outcome.status == "syntax error" and outcome.position is not None


@pytest.fixture
def misbehaving(monkeypatch):
    """Workers forked after this patch inherit a checker that hangs on HANG and kills its process on CRASH."""
    real = pool_module.check_answer

    def check(net, wrt, answer, **kwargs):  # noqa: ANN001, ANN003, ANN202
        if answer == "HANG":
            time.sleep(3600)
        if answer == "CRASH":
            os._exit(3)
        return real(net, wrt, answer, **kwargs)

    monkeypatch.setattr(pool_module, "check_answer", check)


def test_a_hanging_answer_is_killed_while_other_answers_are_still_checked(misbehaving):
    """While one answer hangs, the network's other worker answers every other request; then the hanging
    one is stopped and its worker replaced."""
    finished: list[str] = []
    with AnswerPool(workers=2, time_limit=0.1) as pool:
        pool.prepare(NET)
        outcome: dict[str, object] = {}
        stuck = threading.Thread(target=lambda: outcome.setdefault("hang", pool.check(NET, "b^2_1", "HANG")))
        stuck.start()
        for wrt, answer in ANSWERS:
            assert pool.check(NET, wrt, answer).status in ("correct", "wrong")
            finished.append(answer)
        assert "hang" not in outcome  # every other answer was checked while the first one hung
        stuck.join()
        assert outcome["hang"].status == "timeout" and "stopped after" in outcome["hang"].decided_by
        assert pool.check(NET, *ANSWERS[0]).status == "correct"  # the killed worker was replaced
    assert len(finished) == len(ANSWERS)


def test_a_crashing_answer_is_an_error_and_the_worker_is_replaced(misbehaving):
    with AnswerPool(workers=1) as pool:
        crashed = pool.check(NET, "b^2_1", "CRASH")
        assert crashed.status == "error" and "process stopped" in crashed.feedback
        assert pool.check(NET, *ANSWERS[0]).status == "correct"


def test_networks_beyond_the_capacity_stop_their_idle_workers():
    other = MLP([3, 2, 1], activation="tanh", bias=True)
    with AnswerPool(workers=1, networks=1) as pool:
        assert pool.check(NET, *ANSWERS[0]).status == "correct"
        assert pool.stats() == {"networks": 1, "workers": 1, "busy": 0}
        assert pool.check(other, "b^2_1", "δ^2_1 tanh'(z^2_1)").status == "correct"
        assert pool.stats() == {"networks": 1, "workers": 1, "busy": 0}
        assert pool.check(MLP([2, 2, 1], activation="sigmoid", bias=True), *ANSWERS[0]).status == "correct"


def test_a_closed_pool_refuses_work_and_bad_settings_are_refused():
    pool = AnswerPool(workers=1)
    pool.close()
    with pytest.raises(SymbackpropError, match="closed"):
        pool.check(NET, *ANSWERS[0])
    with pytest.raises(SymbackpropError):
        AnswerPool(workers=0)
    with pytest.raises(SymbackpropError):
        AnswerPool(time_limit=0)


def _layers(net: MLP, argument: str) -> str:
    return f"{argument}: {net.depth} layers"


def _fails(net: MLP, argument: str) -> str:
    raise SymbackpropError(f"refused {argument}")


def _sleeps(net: MLP, argument: str) -> str:
    time.sleep(3600)
    return argument


def test_call_isolated_returns_the_result_and_turns_every_failure_into_one_error():
    assert call_isolated(NET, _layers, "net") == "net: 2 layers"
    with pytest.raises(SymbackpropError, match="refused x"):
        call_isolated(NET, _fails, "x")
    with pytest.raises(SymbackpropError, match="time limit"):
        call_isolated(NET, _sleeps, "x", time_limit=0.01)
