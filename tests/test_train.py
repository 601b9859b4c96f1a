"""The trainers: they run the lecture's loops, never raise E under exact line search, stop on divergence."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symbackprop import MLP, SpecError, algorithms, compile
from symbackprop.data import lecture_example
from symbackprop.train import METHODS, exact_line_search, fit, init_params, train_methods

LECTURE = compile(MLP([2, 1], activation="sigmoid"))


def test_train_module_does_not_import_sympy():
    tree = ast.parse(Path("symbackprop/train.py").read_text(encoding="utf-8"))
    modules = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    modules |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any("sympy" in m or "symengine" in m or m in ("network", "derive", "prove") for m in modules), modules


def test_all_four_methods_reduce_E_on_the_lecture_example():
    """From E(w^0) = 0.9175 (seed 0): GD and GD with exact line search reach the minimum E ≈ 0.4463 (−51 %),
    mini-batch SGD (B = 2) 0.4655 (−49 %), SGD with γ_k = 1/(k+1) 0.5189 (−43 %), each within 200 epochs."""
    data = lecture_example()
    results = train_methods(LECTURE, data.X, data.Y, alpha=0.5, epochs=200, batch_size=2, quiet=True)
    E = {r.method: (r.E_initial, r.E_final) for r in results}
    assert E["gd"][0] == pytest.approx(0.91751, abs=1e-5)
    assert E["gd"][1] == pytest.approx(0.44632, abs=1e-5)
    assert E["gd-exact"][1] == pytest.approx(0.44632, abs=1e-5)
    assert E["minibatch"][1] == pytest.approx(0.46549, abs=1e-4)
    assert E["sgd"][1] == pytest.approx(0.51886, abs=1e-4)
    for method, (start, end) in E.items():
        assert end < 0.6 * start, method  # every method removes at least 40 % of E
    exact = next(r for r in results if r.method == "gd-exact")
    assert exact.status == "converged" and exact.grad_norm_final <= 1e-6 and exact.steps < 100


def _random_problem(seed: int, activation: str, loss: str):
    rng = np.random.default_rng(seed)
    if loss == "logistic":
        net = MLP([3, 4, 1], activation=activation, loss="logistic", bias=True)
        Y = rng.choice([-1.0, 1.0], size=(12, 1))
    elif loss == "cross_entropy":
        net = MLP([3, 4, 3], activation=activation, output="softmax", loss="cross_entropy", bias=True)
        Y = np.eye(3)[rng.integers(3, size=12)]
    else:
        net = MLP([3, 4, 2], activation=activation, bias=True)
        Y = rng.normal(size=(12, 2))
    return compile(net), rng.normal(size=(12, 3)), Y


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), activation=st.sampled_from(["sigmoid", "tanh", "relu", "identity"]), loss=st.sampled_from(["squared", "logistic", "cross_entropy"]))
def test_exact_line_search_never_increases_E(seed, activation, loss):
    model, X, Y = _random_problem(seed, activation, loss)
    result = fit(model, X, Y, method="gd-exact", epochs=25, seed=seed, quiet=True)
    E = np.array(result.history.E)
    assert result.status in ("converged", "max_steps", "stalled")
    assert np.all(np.diff(E) < 0.0), E  # strictly, exactly: every accepted α satisfies E(w + α d) < E(w)
    if result.steps == 0:  # e.g. every ReLU dead at the start: ∇E = 0, nothing to do
        assert result.status == "converged" and result.grad_norm_final <= 1e-6


def test_line_search_finds_the_minimiser_of_a_quadratic_along_the_direction():
    c = np.array([3.0, -1.0])
    E = lambda w: float((w - c) @ (w - c))  # noqa: E731
    w, d = np.zeros(2), np.array([1.0, 0.0])  # argmin_α (α − 3)² + 1 = 3
    assert exact_line_search(E, w, d) == pytest.approx(3.0, rel=1e-8)
    assert exact_line_search(E, w, 1e-3 * d) == pytest.approx(3000.0, rel=1e-8)  # bracket grows by doubling


def test_line_search_reports_a_stall_instead_of_an_increase():
    from symbackprop.train import _Stalled

    with pytest.raises(_Stalled):
        exact_line_search(lambda w: float(w @ w), np.zeros(2), np.array([1.0, 0.0]))  # every α > 0 increases E


def test_trainers_run_the_loops_of_the_algorithms_module(monkeypatch):
    calls = []
    for name in ("gradient_descent", "gradient_descent_exact", "sgd", "minibatch_sgd"):
        original = getattr(algorithms, name)

        def spy(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(algorithms, name, spy)
    data = lecture_example()
    train_methods(LECTURE, data.X, data.Y, epochs=3, quiet=True)
    assert calls == ["gradient_descent", "gradient_descent_exact", "sgd", "minibatch_sgd"]


def test_runs_are_reproducible_from_the_seed():
    data = lecture_example()
    for method in ("sgd", "minibatch"):
        first = fit(LECTURE, data.X, data.Y, method=method, seed=3, epochs=5, batch_size=3, eval_every=1, quiet=True)
        again = fit(LECTURE, data.X, data.Y, method=method, seed=3, epochs=5, batch_size=3, eval_every=1, quiet=True)
        other = fit(LECTURE, data.X, data.Y, method=method, seed=4, epochs=5, batch_size=3, eval_every=1, quiet=True)
        assert first.history.E == again.history.E and np.array_equal(first.params["W1"], again.params["W1"])
        assert first.history.E != other.history.E


def test_history_records_steps_sizes_and_final_parameters():
    data = lecture_example()
    result = fit(LECTURE, data.X, data.Y, method="sgd", epochs=3, gamma=lambda k: 0.1, quiet=True)
    assert result.steps == 12 and result.epochs == 3.0
    assert result.history.step_sizes == [0.1] * 12
    assert result.history.steps == [0, 4, 8, 12] and len(result.history.E) == 4
    harmonic = fit(LECTURE, data.X, data.Y, method="sgd", epochs=1, quiet=True)
    assert harmonic.history.step_sizes == [1.0, 0.5, pytest.approx(1 / 3), 0.25]  # the lecture's γ_k = 1/(k+1)
    assert result.params["W1"].shape == (1, 2)
    assert "E 0.9175" in repr(result) and "steps" in result.summary()


def test_minibatches_cover_every_sample_once_per_epoch():
    seen = []
    model = compile(MLP([2, 1], activation="identity"))
    X = np.arange(14.0).reshape(7, 2)
    Y = np.zeros((7, 1))
    original = model.grad_batch

    def spy(w, batch, out=None):
        seen.append(tuple(batch.X[:, 0] // 2))
        return original(w, batch, out)

    model.grad_batch = spy  # type: ignore[method-assign]
    fit(model, X, Y, method="minibatch", epochs=2, batch_size=3, gamma=1e-3, eval_every=1000, quiet=True)
    assert [len(b) for b in seen] == [3, 3, 1, 3, 3, 1]
    assert sorted(sum(seen[:3], ())) == list(range(7)) and sorted(sum(seen[3:], ())) == list(range(7))


@pytest.mark.parametrize("strict", [True, False])
def test_divergence_stops_the_run_and_keeps_the_history(strict):
    model = compile(MLP([2, 1], activation="identity"))
    X = np.array([[1.0, 2.0], [3.0, -1.0], [2.0, 2.0]])
    Y = np.array([[1.0], [0.0], [2.0]])
    with np.errstate(all="raise" if strict else "ignore"):
        result = fit(model, X, Y, method="gd", alpha=10.0, epochs=5000, quiet=True)
    assert result.status == "diverged" and result.diverged and result.failed
    assert "diverged by step" in result.message and "smaller step size" in result.message
    assert 1 < len(result.history.E) < 20  # stopped once E passed 10⁶ × max(E(w⁰), 1), long before inf
    assert max(result.history.E) <= 1e6 * max(result.history.E[0], 1.0)
    assert np.all(np.diff(result.history.E) > 0)  # it was blowing up, and every recorded value is finite
    assert np.isfinite(result.params["W1"]).all() and result.steps == len(result.history.E) - 1


def test_a_run_that_overflows_between_evaluations_is_diverged_without_a_warning():
    """SGD evaluates E once an epoch; the overflow in between (|w| → ∞, then NaN) raises no RuntimeWarning
    (warnings are errors in the tests) and the run keeps the last evaluated parameters."""
    model = compile(MLP([2, 1], activation="identity"))
    X = np.random.default_rng(0).normal(size=(50, 2)) * 100.0
    Y = np.ones((50, 1))
    result = fit(model, X, Y, method="sgd", gamma=50.0, epochs=20, quiet=True)
    assert result.status == "diverged" and result.steps == 0 and len(result.history.E) == 1
    assert np.isfinite(result.params["W1"]).all()


def test_a_vanishing_gradient_with_E_above_its_start_is_a_plateau_not_convergence():
    """α = 10⁶ throws the sigmoid into saturation: ‖∇E‖₂ ≤ tol at once, but E rose (issue 14: it said "converged")."""
    data = lecture_example()
    result = fit(LECTURE, data.X, data.Y, method="gd", alpha=1e6, epochs=50, quiet=True)
    assert result.E_final > result.E_initial
    assert result.status == "plateau" and result.failed and not result.converged
    assert "E rose" in result.message and "smaller step size" in result.message
    good = fit(LECTURE, data.X, data.Y, method="gd", alpha=0.5, epochs=2000, tol=1e-6, quiet=True)
    assert good.status == "converged" and good.E_final < good.E_initial


def test_gradient_descent_converges_when_the_gradient_vanishes():
    model = compile(MLP([1, 1], activation="identity"))
    result = fit(model, np.array([[1.0], [2.0]]), np.array([[2.0], [4.0]]), method="gd", alpha=0.05, epochs=1000, tol=1e-9, quiet=True)
    assert result.status == "converged" and result.params["W1"][0, 0] == pytest.approx(2.0)
    assert result.steps < 1000


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(method="adam"), "unknown method"),
        (dict(epochs=0), "epochs must be a positive whole number"),
        (dict(method="gd", alpha=-1.0), "alpha must be a positive number"),
        (dict(method="minibatch", batch_size=0), "batch_size must be a positive whole number"),
        (dict(method="sgd", gamma=0.0), r"γ_k = c/\(k\+1\)"),
        (dict(method="sgd", gamma="fast"), "gamma must be a number"),
        (dict(seed=-1), "seed must be"),
        (dict(method="gd", tol=-1.0), "tol must be"),
    ],
)
def test_bad_options_raise_spec_errors(options, message):
    data = lecture_example()
    with pytest.raises(SpecError, match=message):
        fit(LECTURE, data.X, data.Y, quiet=True, **options)


def test_init_params_are_seeded_and_scaled():
    model = compile(MLP([25, 12, 3], activation="tanh", bias=True))
    first, again = init_params(model, 1), init_params(model, 1)
    assert all(np.array_equal(first[k], again[k]) for k in first)
    assert np.std(first["W1"]) == pytest.approx(1 / np.sqrt(25), rel=0.2) and not first["b1"].any()
    assert set(METHODS) == {"gd", "gd-exact", "sgd", "minibatch"}


def test_progress_bar_only_on_a_terminal_and_on_runs_longer_than_a_moment(capsys, monkeypatch):
    model = compile(MLP([2, 1], activation="sigmoid"))
    original = model.grad_batch

    def slow(w, batch, out=None):  # 2 ms per gradient, so that the run is long on any machine
        time.sleep(0.002)
        return original(w, batch, out)

    model.grad_batch = slow  # type: ignore[method-assign]
    X = np.random.default_rng(0).normal(size=(400, 2))
    Y = (X[:, :1] > 0).astype(float)
    fit(model, X, Y, method="sgd", epochs=1, quiet=False)  # 400 steps, at least 0.8 s, but stderr is not a terminal
    assert capsys.readouterr().err == ""
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    data = lecture_example()
    fit(LECTURE, data.X, data.Y, method="gd", epochs=20, quiet=False)
    assert capsys.readouterr().err == ""  # short: tqdm's delay keeps it silent
    fit(model, X, Y, method="sgd", epochs=1, quiet=False)
    assert "sgd" in capsys.readouterr().err
    fit(model, X, Y, method="sgd", epochs=1, quiet=True)
    assert capsys.readouterr().err == ""
