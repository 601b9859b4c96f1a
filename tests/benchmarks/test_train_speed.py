"""One gradient call of the compiled model against a hand-written NumPy backprop and PyTorch autograd.

Network [8, 8, 8, 8, 4], sigmoid, biases, squared loss, batch 256 — all measured in the same run,
interleaved in a random order per round, many repetitions; median and minimum per call, and their ratios,
are printed (never asserted).

Run:  pytest tests/benchmarks/test_train_speed.py -m benchmark -s
Targets (issue 4): compiled ≤ 1.5 × hand-written NumPy, ≤ 1.0 × PyTorch CPU (1 thread).
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from symbackprop import MLP, compile

pytestmark = pytest.mark.benchmark

SIZES = [8, 8, 8, 8, 4]
BATCH = 256
ROUNDS = 3000


def hand_written(W: list, b: list, X: np.ndarray, Y: np.ndarray):
    """Textbook backprop in NumPy (rows are samples), written without symbackprop."""
    A = [X]
    for Wl, bl in zip(W, b):
        A.append(1.0 / (1.0 + np.exp(-(A[-1] @ Wl.T + bl))))
    out = A[-1]
    E = np.sum((Y - out) ** 2)
    G = 2.0 * (out - Y) * out * (1.0 - out)
    gW, gb = [None] * len(W), [None] * len(W)
    for layer in range(len(W) - 1, -1, -1):
        gW[layer] = G.T @ A[layer]
        gb[layer] = G.sum(axis=0)
        if layer:
            G = (G @ W[layer]) * A[layer] * (1.0 - A[layer])
    return E, gW, gb




def test_one_gradient_call_against_numpy_and_pytorch():
    started = time.perf_counter()
    model = compile(MLP(SIZES, activation="sigmoid", bias=True))
    compile_seconds = time.perf_counter() - started
    rng = np.random.default_rng(0)
    params = {key: rng.normal(size=shape) for key, shape in model.parameter_shapes.items()}
    X, Y = rng.normal(size=(BATCH, SIZES[0])), rng.uniform(size=(BATCH, SIZES[-1]))
    W = [params[f"W{layer}"] for layer in range(1, len(SIZES))]
    b = [params[f"b{layer}"] for layer in range(1, len(SIZES))]
    w = model.pack(params)

    # the three agree before they are timed
    E, grads = model(params, X, Y)
    E_hand, gW, gb = hand_written(W, b, X, Y)
    assert E == pytest.approx(E_hand, rel=1e-12)
    for layer in range(len(W)):
        np.testing.assert_allclose(grads[f"W{layer + 1}"], gW[layer], rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(grads[f"b{layer + 1}"], gb[layer], rtol=1e-10, atol=1e-13)

    candidates = {
        "symbackprop model(params, X, Y)": lambda: model(params, X, Y),
        "symbackprop flat (trainers' path)": lambda: model.value_and_grad_flat(w, X, Y),
        "hand-written NumPy": lambda: hand_written(W, b, X, Y),
    }
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        Wt = [torch.tensor(v, requires_grad=True) for v in W]
        bt = [torch.tensor(v, requires_grad=True) for v in b]
        Xt, Yt = torch.tensor(X), torch.tensor(Y)

        def torch_gradient():
            A = Xt
            for Wl, bl in zip(Wt, bt):
                A = torch.sigmoid(A @ Wl.T + bl)
            E = ((Yt - A) ** 2).sum()
            return torch.autograd.grad(E, [*Wt, *bt])

        reference = torch_gradient()
        for layer in range(len(W)):
            np.testing.assert_allclose(grads[f"W{layer + 1}"], reference[layer].numpy(), rtol=1e-10, atol=1e-13)
        candidates["PyTorch CPU autograd, 1 thread, float64"] = torch_gradient

    times: dict[str, list[int]] = {name: [] for name in candidates}
    names = list(candidates)
    order = np.random.default_rng(1)
    for _ in range(ROUNDS):
        # interleaved, so that load on the shared machine hits all alike; in a fresh random order each round,
        # because whichever call follows PyTorch's pays for refilling the caches it evicted
        for index in order.permutation(len(names)):
            name = names[index]
            function = candidates[name]
            start = time.perf_counter_ns()
            function()
            times[name].append(time.perf_counter_ns() - start)
    if torch is not None:
        torch.set_num_threads(threads)

    median = {name: float(np.median(values)) / 1000 for name, values in times.items()}
    best = {name: float(np.min(values)) / 1000 for name, values in times.items()}
    hand = "hand-written NumPy"
    print(f"\n[8,8,8,8,4] sigmoid, biases, squared loss, batch {BATCH}; {ROUNDS} interleaved rounds; compile {compile_seconds:.2f} s")
    print(f"{'implementation':<42} {'median µs':>10} {'min µs':>8} {'÷ NumPy (median/min)':>22}")
    for name in candidates:
        print(f"{name:<42} {median[name]:>10.1f} {best[name]:>8.1f} {median[name] / median[hand]:>13.2f} / {best[name] / best[hand]:.2f}")
    ours = "symbackprop model(params, X, Y)"
    print(f"target ≤ 1.5 × NumPy: model {median[ours] / median[hand]:.2f}× (median), {best[ours] / best[hand]:.2f}× (min)")
    if torch is not None:
        torch_name = "PyTorch CPU autograd, 1 thread, float64"
        print(
            f"target ≤ 1.0 × PyTorch: model {median[ours] / median[torch_name]:.2f}× (median), "
            f"{best[ours] / best[torch_name]:.2f}× (min)"
        )
    else:
        print("PyTorch not installed: its column is skipped")
