"""Hand-written NumPy baselines, written without symbackprop: textbook backprop over a list of layers
(rows are samples), the way one writes it for a course, with either σ form — ``scipy.special.expit`` or
``1/(1 + exp(−z))`` — and the trainers' loops over them.

They are the references of the speed benchmarks; their results are compared with the compiled model's
before anything is timed.
"""

from __future__ import annotations

import math
import os

import numpy as np
from scipy.special import expit


def one_blas_thread() -> object:
    """Limit BLAS (and OpenMP) to one thread for the benchmarks: a threadpoolctl context, or environment variables."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is a test dependency
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[name] = "1"
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1)


def sigmoid_naive(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def squared_sigmoid(W: list, b: list, X: np.ndarray, Y: np.ndarray, sigma=expit):
    """E = Σ (y − a^L)², every layer σ, biases: E and the gradients (lists)."""
    A = [X]
    for Wl, bl in zip(W, b):
        A.append(sigma(A[-1] @ Wl.T + bl))
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


def softmax_cross_entropy(W: list, b: list, X: np.ndarray, Y: np.ndarray, sigma=expit, tanh: bool = False):
    """Hidden layers σ (or tanh), softmax output, E = −Σ y log q (one-hot Y): E and the gradients (lists)."""
    A = [X]
    for Wl, bl in zip(W[:-1], b[:-1]):
        Z = A[-1] @ Wl.T + bl
        A.append(np.tanh(Z) if tanh else sigma(Z))
    Z = A[-1] @ W[-1].T + b[-1]
    Z = Z - Z.max(axis=1, keepdims=True)
    expZ = np.exp(Z)
    sums = expZ.sum(axis=1, keepdims=True)
    E = -np.sum(Y * (Z - np.log(sums)))
    G = expZ / sums - Y
    gW, gb = [None] * len(W), [None] * len(W)
    for layer in range(len(W) - 1, -1, -1):
        gW[layer] = G.T @ A[layer]
        gb[layer] = G.sum(axis=0)
        if layer:
            G = (G @ W[layer]) * ((1.0 - A[layer] ** 2) if tanh else A[layer] * (1.0 - A[layer]))
    return E, gW, gb


# --- the tightest hand-written forms: the same math with no avoidable pass, temporary or Python wrapper -----------
def expit_inplace(z: np.ndarray) -> np.ndarray:
    """σ(z) = ``scipy.special.expit`` written into z."""
    return expit(z, out=z)


def sigmoid_naive_inplace(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1/(1 + exp(−z)) written into z (overflows, harmlessly, for z < −709)."""
    np.negative(z, z)
    np.exp(z, z)
    z += 1.0
    return np.reciprocal(z, z)


def squared_sigmoid_inplace(W: list, b: list, X: np.ndarray, Y: np.ndarray, sigma_inplace=expit_inplace):
    """:func:`squared_sigmoid` as tight as NumPy allows: each product once, every elementwise step in place in an
    array that is no longer needed, the residual shared by E and the output error, E = r·r and the bias sums
    as products with ones (one BLAS call each), no list of temporaries."""
    A = [X]
    for Wl, bl in zip(W, b):
        Z = A[-1] @ Wl.T
        Z += bl
        A.append(sigma_inplace(Z))
    out = A[-1]
    G = out - Y
    E = np.vdot(G, G)
    G += G
    T = 1.0 - out
    G *= out
    G *= T
    gW, gb = _sigmoid_backward_inplace(G, W, A)
    return E, gW, gb


def _sigmoid_backward_inplace(G: np.ndarray, W: list, A: list) -> tuple[list, list]:
    """The backward pass of both in-place forms from G = ∂E/∂z^L (rows = samples), σ hidden layers: gradients
    of every W and b, bias sums as products with ones, G updated in place where it is dead."""
    ones = np.ones(G.shape[0])
    gW, gb = [None] * len(W), [None] * len(W)
    for layer in range(len(W) - 1, -1, -1):
        gW[layer] = G.T @ A[layer]
        gb[layer] = ones @ G
        if layer:
            G = G @ W[layer]
            T = 1.0 - A[layer]
            G *= A[layer]
            G *= T
    return gW, gb


def softmax_cross_entropy_inplace(W: list, b: list, X: np.ndarray, Y: np.ndarray, sigma_inplace=expit_inplace):
    """:func:`softmax_cross_entropy` (σ hidden layers, one-hot Y) as tight as NumPy allows: in place where a value is
    dead, E = Σ_i log s_i − y·(z − m) with Σ_j y_j = 1, row sums and bias sums as products with ones."""
    A = [X]
    for Wl, bl in zip(W[:-1], b[:-1]):
        Z = A[-1] @ Wl.T
        Z += bl
        A.append(sigma_inplace(Z))
    Z = A[-1] @ W[-1].T
    Z += b[-1]
    Z -= Z.max(axis=1, keepdims=True)
    E = -np.vdot(Y, Z)
    G = np.exp(Z)
    sums = G @ np.ones((G.shape[1], 1))
    G /= sums
    G -= Y
    E += np.add.reduce(np.log(sums, sums), None)
    gW, gb = _sigmoid_backward_inplace(G, W, A)
    return E, gW, gb


def products_only(W: list, X: np.ndarray, A: list, G: list) -> None:
    """The matrix products every form of one gradient call makes, and nothing else: z^ℓ = a^{ℓ−1} W^ℓᵀ per layer,
    then ∇_W = Gᵀ a^{ℓ−1}, ∇_b = 1ᵀ G and δ = G W^ℓ (not below layer 1), with the activations ``A`` and the errors
    ``G`` (rows = samples) computed beforehand.  No implementation that makes these products with the same BLAS
    can take less time: the floor of the gradient benchmark."""
    ones = np.ones(X.shape[0])
    previous = [X, *A[:-1]]
    for Wl, inputs in zip(W, previous):
        np.dot(inputs, Wl.T)
    for layer in range(len(W) - 1, -1, -1):
        np.dot(G[layer].T, previous[layer])
        np.dot(ones, G[layer])
        if layer:
            np.dot(G[layer], W[layer])


def tanh_softmax_cross_entropy(W: list, b: list, X: np.ndarray, Y: np.ndarray):
    """The iris network of the examples: tanh hidden layers, softmax output, cross-entropy."""
    return softmax_cross_entropy(W, b, X, Y, tanh=True)


# --- the trainers' loops, by hand: the same algorithms, steps and sampling as symbackprop.fit -----------------
def gd(W: list, b: list, X: np.ndarray, Y: np.ndarray, alpha: float, tol: float, steps: int):
    """w ← w − α∇E until ‖∇E‖₂ ≤ tol, keeping E and ‖∇E‖₂ of every step (as fit's history does)."""
    W, b = [w.copy() for w in W], [v.copy() for v in b]
    history_E, history_norm = [], []
    E, gW, gb = tanh_softmax_cross_entropy(W, b, X, Y)
    norm = math.sqrt(sum(float(np.vdot(g, g)) for g in gW + gb))
    history_E.append(E)
    history_norm.append(norm)
    k = 0
    while norm > tol and k < steps:
        for Wl, g in zip(W, gW):
            Wl -= alpha * g
        for bl, g in zip(b, gb):
            bl -= alpha * g
        E, gW, gb = tanh_softmax_cross_entropy(W, b, X, Y)
        norm = math.sqrt(sum(float(np.vdot(g, g)) for g in gW + gb))
        history_E.append(E)
        history_norm.append(norm)
        k += 1
    return W, b, history_E


def sgd(W: list, b: list, X: np.ndarray, Y: np.ndarray, epochs: int, c: float, seed: int, batch: int | None):
    """SGD (batch None: one uniform sample per step, S steps an epoch) or mini-batch SGD (a fresh permutation
    each epoch cut into batches), γ_k = c/(k+1), E evaluated once an epoch (as fit does by default)."""
    W, b = [w.copy() for w in W], [v.copy() for v in b]
    rng = np.random.default_rng(seed)
    S = X.shape[0]
    history_E = [tanh_softmax_cross_entropy(W, b, X, Y)[0]]
    k = 0
    for _ in range(epochs):
        if batch is None:
            picks = [slice(j, j + 1) for j in rng.integers(S, size=S)]
        else:
            order = rng.permutation(S)
            picks = [order[start : start + batch] for start in range(0, S, batch)]
        for rows in picks:
            _, gW, gb = tanh_softmax_cross_entropy(W, b, X[rows], Y[rows])
            gamma = c / (k + 1)
            for Wl, g in zip(W, gW):
                Wl -= gamma * g
            for bl, g in zip(b, gb):
                bl -= gamma * g
            k += 1
        history_E.append(tanh_softmax_cross_entropy(W, b, X, Y)[0])
    return W, b, history_E
