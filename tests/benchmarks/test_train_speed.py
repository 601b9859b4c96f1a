"""One gradient call of the compiled model against hand-written NumPy, PyTorch autograd and (if installed) JAX jit.

At the sizes a course uses — [2,2,1] batch 4, [8,8,8,8,4] batch 256, [64,64,10] batch 256 (squared and
softmax + cross-entropy) and [784,128,10] batch 128 — all measured in the same run with one BLAS thread,
interleaved in a fresh random order each round; median and minimum per call, and their ratios to the
tightest hand-written NumPy, are printed, never asserted.  A floor is timed in the same rounds: the matrix
products every form makes (``hand_numpy.products_only``) with nothing else, which no implementation using the
same BLAS can beat.  The hand code comes in four forms: textbook
backprop and the same math written in place with no avoidable pass (``hand_numpy.*_inplace``), each with σ
as ``expit`` or as ``1/(1+exp(−z))``; the tightest is whichever is fastest in that run, and the ratio to the
faster textbook form is printed too (the reference of the figures before the in-place forms were added).

Run:  pytest tests/benchmarks/test_train_speed.py -m benchmark -s
Targets (issue 15): ``model()`` ≤ 1.0 × and the trainers' flat path ≤ 0.9 × the tightest hand NumPy.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from symbackprop import MLP, compile

from . import hand_numpy

pytestmark = pytest.mark.benchmark

CASES = [
    # sizes, batch, loss, rounds, calls per timing (so that one timing is well above the clock's resolution)
    ([2, 2, 1], 4, "squared", 1500, 20),
    ([8, 8, 8, 8, 4], 256, "squared", 1500, 2),
    ([64, 64, 10], 256, "squared", 1000, 1),
    ([64, 64, 10], 256, "cross_entropy", 1000, 1),
    ([784, 128, 10], 128, "squared", 150, 1),
]


FLOOR = "BLAS products alone (the floor)"


def _network(sizes: list[int], loss: str) -> MLP:
    if loss == "cross_entropy":
        return MLP(sizes, activation="sigmoid", output="softmax", loss="cross_entropy", bias=True)
    return MLP(sizes, activation="sigmoid", bias=True)


def _torch_candidate(W, b, X, Y, loss):
    try:
        import torch
    except ImportError:
        return None
    Wt = [torch.tensor(v, requires_grad=True) for v in W]
    bt = [torch.tensor(v, requires_grad=True) for v in b]
    Xt, Yt = torch.tensor(X), torch.tensor(Y)

    def gradient():
        A = Xt
        for Wl, bl in zip(Wt[:-1], bt[:-1]):
            A = torch.sigmoid(A @ Wl.T + bl)
        Z = A @ Wt[-1].T + bt[-1]
        if loss == "cross_entropy":
            E = torch.nn.functional.cross_entropy(Z, Yt, reduction="sum")
        else:
            E = ((Yt - torch.sigmoid(Z)) ** 2).sum()
        return E, torch.autograd.grad(E, [*Wt, *bt])

    return gradient


def _jax_candidate(W, b, X, Y, loss):
    if os.environ.get("SYMBACKPROP_BENCH_JAX", "1") == "0":
        return None
    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)

    def total(params, X, Y):
        Ws, bs = params
        A = X
        for Wl, bl in zip(Ws[:-1], bs[:-1]):
            A = jax.nn.sigmoid(A @ Wl.T + bl)
        Z = A @ Ws[-1].T + bs[-1]
        if loss == "cross_entropy":
            return -jnp.sum(Y * jax.nn.log_softmax(Z, axis=1))
        return jnp.sum((Y - jax.nn.sigmoid(Z)) ** 2)

    function = jax.jit(jax.value_and_grad(total))
    params = ([jnp.asarray(v) for v in W], [jnp.asarray(v) for v in b])
    Xj, Yj = jnp.asarray(X), jnp.asarray(Y)

    def gradient():
        E, grads = function(params, Xj, Yj)
        jax.block_until_ready(grads)
        return E, grads

    gradient()  # compile outside the timing
    return gradient


def _measure(candidates: dict, rounds: int, calls: int) -> tuple[dict[str, float], dict[str, float]]:
    times: dict[str, list[int]] = {name: [] for name in candidates}
    names = list(candidates)
    order = np.random.default_rng(1)
    for _ in range(rounds):
        # interleaved, so that load on the shared machine hits all alike; in a fresh random order each round,
        # because whichever call follows another framework's pays for refilling the caches it evicted
        for index in order.permutation(len(names)):
            name = names[index]
            function = candidates[name]
            start = time.perf_counter_ns()
            for _ in range(calls):
                function()
            times[name].append((time.perf_counter_ns() - start) / calls)
    median = {name: float(np.median(values)) / 1000 for name, values in times.items()}
    best = {name: float(np.min(values)) / 1000 for name, values in times.items()}
    return median, best


@pytest.mark.parametrize("sizes, batch, loss, rounds, calls", CASES, ids=lambda v: str(v))
def test_one_gradient_call_against_hand_numpy_pytorch_and_jax(sizes, batch, loss, rounds, calls):
    with hand_numpy.one_blas_thread():
        torch_threads = None
        try:
            import torch

            torch_threads = torch.get_num_threads()
            torch.set_num_threads(1)
        except ImportError:
            pass
        try:
            _run(sizes, batch, loss, rounds, calls)
        finally:
            if torch_threads is not None:
                torch.set_num_threads(torch_threads)


def _run(sizes, batch, loss, rounds, calls):
    started = time.perf_counter()
    model = compile(_network(sizes, loss))
    compile_seconds = time.perf_counter() - started
    rng = np.random.default_rng(0)
    params = {key: rng.normal(scale=1 / np.sqrt(shape[-1]), size=shape) for key, shape in model.parameter_shapes.items()}
    X = rng.normal(size=(batch, sizes[0]))
    Y = np.eye(sizes[-1])[rng.integers(sizes[-1], size=batch)] if loss == "cross_entropy" else rng.uniform(size=(batch, sizes[-1]))
    W = [params[f"W{layer}"] for layer in range(1, len(sizes))]
    b = [params[f"b{layer}"] for layer in range(1, len(sizes))]
    w = model.pack(params)
    data = model.batch(X, Y)
    g = np.empty(model.size)
    hand = hand_numpy.softmax_cross_entropy if loss == "cross_entropy" else hand_numpy.squared_sigmoid
    tight = hand_numpy.softmax_cross_entropy_inplace if loss == "cross_entropy" else hand_numpy.squared_sigmoid_inplace
    variants = [(hand, hand_numpy.expit), (hand, hand_numpy.sigmoid_naive),
                (tight, hand_numpy.expit_inplace), (tight, hand_numpy.sigmoid_naive_inplace)]

    # all agree before they are timed
    E, grads = model(params, X, Y)
    for function, sigma in variants:
        E_hand, gW, gb = function(W, b, X, Y, sigma)
        assert E == pytest.approx(E_hand, rel=1e-11)
        for layer in range(len(W)):
            np.testing.assert_allclose(grads[f"W{layer + 1}"], gW[layer], rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(grads[f"b{layer + 1}"], gb[layer], rtol=1e-9, atol=1e-12)
    E_flat, g_flat = model.value_and_grad_batch(w, data, out=g)
    assert E_flat == pytest.approx(E, rel=1e-12) and np.allclose(g_flat, model.pack(grads), rtol=1e-12, atol=1e-14)

    # the floor: the same matrix products with nothing else, on this run's activations and errors
    activations, layer_input = [], X
    for Wl, bl in zip(W, b):
        layer_input = hand_numpy.expit(layer_input @ Wl.T + bl)
        activations.append(layer_input)
    errors = [rng.normal(size=(batch, width)) for width in sizes[1:]]

    candidates = {
        "symbackprop model(params, X, Y)": lambda: model(params, X, Y),
        "symbackprop flat (trainers' path)": lambda: model.value_and_grad_batch(w, data, out=g),
        "hand NumPy, expit": lambda: hand(W, b, X, Y, hand_numpy.expit),
        "hand NumPy, 1/(1+exp(-z))": lambda: hand(W, b, X, Y, hand_numpy.sigmoid_naive),
        "hand NumPy in place, expit": lambda: tight(W, b, X, Y, hand_numpy.expit_inplace),
        "hand NumPy in place, 1/(1+exp(-z))": lambda: tight(W, b, X, Y, hand_numpy.sigmoid_naive_inplace),
    }
    candidates[FLOOR] = lambda: hand_numpy.products_only(W, X, activations, errors)
    torch_gradient = _torch_candidate(W, b, X, Y, loss)
    if torch_gradient is not None:
        E_torch, reference = torch_gradient()
        assert float(E_torch.detach()) == pytest.approx(E, rel=1e-11)
        np.testing.assert_allclose(grads["W1"], reference[0].numpy(), rtol=1e-9, atol=1e-12)
        candidates["PyTorch CPU autograd, float64"] = torch_gradient
    jax_gradient = _jax_candidate(W, b, X, Y, loss)
    if jax_gradient is not None:
        E_jax, _ = jax_gradient()
        assert float(E_jax) == pytest.approx(E, rel=1e-10)
        candidates["JAX jit, float64"] = jax_gradient

    with np.errstate(over="ignore"):  # 1/(1+exp(−z)) overflows (harmlessly) for z ≪ 0
        median, best = _measure(candidates, rounds, calls)
    textbook_names = ["hand NumPy, expit", "hand NumPy, 1/(1+exp(-z))"]
    hand_names = [*textbook_names, "hand NumPy in place, expit", "hand NumPy in place, 1/(1+exp(-z))"]
    tightest = min(hand_names, key=lambda name: median[name])
    textbook = min(textbook_names, key=lambda name: median[name])
    label = "softmax + cross-entropy" if loss == "cross_entropy" else "squared loss"
    print(f"\n{sizes} sigmoid, biases, {label}, batch {batch}; {rounds} interleaved rounds of {calls} call(s), 1 BLAS thread; "
          f"compile {compile_seconds:.2f} s; tightest hand NumPy: {tightest}")
    print(f"{'implementation':<40} {'median µs':>10} {'min µs':>9} {'÷ hand (median / min)':>22}")
    for name in candidates:
        print(f"{name:<40} {median[name]:>10.1f} {best[name]:>9.1f} {median[name] / median[tightest]:>13.2f} / {best[name] / best[tightest]:.2f}")
    if torch_gradient is None:
        print("PyTorch not installed: its row is skipped")
    if jax_gradient is None:
        print("JAX not installed: its row is skipped")
    ours, flat = "symbackprop model(params, X, Y)", "symbackprop flat (trainers' path)"
    print(f"targets: model() ≤ 1.0 × the tightest hand: {median[ours] / median[tightest]:.2f}× (median); "
          f"flat path ≤ 0.9 × the tightest hand: {median[flat] / median[tightest]:.2f}× (median)")
    print(f"against the textbook hand code ({textbook}): model() {median[ours] / median[textbook]:.2f}×, "
          f"flat path {median[flat] / median[textbook]:.2f}× (median)")
    floor = median[FLOOR] / median[tightest]
    print(f"floor: the BLAS products alone take {floor:.2f}× the tightest hand (median), so no NumPy code making them "
          f"can go below that; the flat path is {median[flat] / median[FLOOR]:.2f}× the floor, model() {median[ours] / median[FLOOR]:.2f}×")
