"""``fit`` against a hand-written NumPy loop of the same algorithm, on Iris ([4, 8, 3], tanh, softmax,
cross-entropy, biases): GD (E and ‖∇E‖₂ kept every step), SGD and mini-batch SGD (γ_k = c/(k+1), E kept
once an epoch), the same steps from the same start — interleaved rounds, one BLAS thread, medians and
minimums printed with their ratios (never asserted).

Run:  pytest tests/benchmarks/test_fit_speed.py -m benchmark -s
Target (issue 15): fit ≤ 1.1 × the hand-written loop for gd, sgd and minibatch.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from symbackprop import MLP, compile
from symbackprop.data import iris
from symbackprop.train import fit, init_params

from . import hand_numpy

pytestmark = pytest.mark.benchmark

ROUNDS = 15
SETTINGS = {
    "gd": dict(alpha=0.01, epochs=200, tol=1e-12),
    "sgd": dict(gamma=0.5, epochs=5),
    "minibatch": dict(gamma=0.5, epochs=50, batch_size=16),
}


def test_fit_against_a_hand_written_loop_on_iris():
    with hand_numpy.one_blas_thread():
        _run()


def _run():
    data = iris(standardize=True)
    model = compile(MLP([4, 8, 3], activation="tanh", output="softmax", loss="cross_entropy", bias=True))
    start = init_params(model, 0)
    W = [start["W1"], start["W2"]]
    b = [start["b1"], start["b2"]]
    X, Y = data.X, data.Y

    def ours(method):
        return lambda: fit(model, X, Y, method=method, params=start, seed=0, quiet=True, **SETTINGS[method])

    def hand(method):
        options = SETTINGS[method]
        if method == "gd":
            return lambda: hand_numpy.gd(W, b, X, Y, options["alpha"], options["tol"], options["epochs"])
        batch = options.get("batch_size") if method == "minibatch" else None
        return lambda: hand_numpy.sgd(W, b, X, Y, options["epochs"], options["gamma"], 0, batch)

    # the same algorithm: the same final parameters (GD and mini-batch draw the same batches from the seed)
    for method in ("gd", "minibatch"):
        result = ours(method)()
        W_hand, b_hand, E_hand = hand(method)()
        np.testing.assert_allclose(result.params["W1"], W_hand[0], rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(result.params["b2"], b_hand[1], rtol=1e-8, atol=1e-10)
        assert result.E_final == pytest.approx(E_hand[-1], rel=1e-9)
    sgd_result, (_, _, sgd_E) = ours("sgd")(), hand("sgd")()
    assert sgd_result.steps == 5 * 150 and len(sgd_result.history.E) == len(sgd_E) == 6

    candidates = {}
    for method in SETTINGS:
        candidates[f"fit, {method}"] = ours(method)
        candidates[f"hand loop, {method}"] = hand(method)
    times: dict[str, list[float]] = {name: [] for name in candidates}
    order = np.random.default_rng(1)
    names = list(candidates)
    for _ in range(ROUNDS):
        for index in order.permutation(len(names)):
            started = time.perf_counter()
            candidates[names[index]]()
            times[names[index]].append(time.perf_counter() - started)
    median = {name: float(np.median(values)) * 1000 for name, values in times.items()}
    best = {name: float(np.min(values)) * 1000 for name, values in times.items()}
    print(f"\nfit vs a hand-written loop, iris [4, 8, 3] tanh/softmax/cross-entropy; {ROUNDS} interleaved rounds, 1 BLAS thread")
    print(f"{'method':<10} {'steps':>6} {'fit ms (median / min)':>24} {'hand ms (median / min)':>24} {'fit ÷ hand':>16}")
    for method, options in SETTINGS.items():
        steps = options["epochs"] * {"gd": 1, "sgd": 150, "minibatch": -(-150 // options.get("batch_size", 1))}[method]
        ours_name, hand_name = f"fit, {method}", f"hand loop, {method}"
        print(
            f"{method:<10} {steps:>6} {median[ours_name]:>12.1f} / {best[ours_name]:<9.1f} {median[hand_name]:>12.1f} / {best[hand_name]:<9.1f}"
            f" {median[ours_name] / median[hand_name]:>7.2f} / {best[ours_name] / best[hand_name]:.2f}"
        )
    print("target: fit ≤ 1.1 × the hand-written loop (median)")
