"""The lecture's optimisers (L2–L6, L16) as short loops over plain callables.

These are the loops the trainers run — :mod:`symbackprop.train` passes the compiled model's gradients,
a line search and a ``record`` callback that keeps the history, drives the progress bar and stops a
diverging run — and the functions the LaTeX document renders with latexify-py, so the document shows
the code that runs.  Keep every body in the lecture's letters, free of bookkeeping and NumPy-agnostic
(``w`` is anything with ``+``, ``-`` and scalar ``*``), so that latexify renders it as the lecture
writes it.  (Each function is described by the comment above it, not a docstring: latexify would print
a docstring into the algorithm.)

>>> gradient_step(1.0, 0.5, -2.0)
0.0
>>> step_size(0)
1.0
"""

from __future__ import annotations

from typing import Any, Callable

from numpy.linalg import norm

__all__ = [
    "descent_direction",
    "gradient_step",
    "step_size",
    "stochastic_step",
    "gradient_descent",
    "gradient_descent_exact",
    "sgd",
    "minibatch_sgd",
]

Vector = Any


# d^k = −∇E(w^k) (L2).
def descent_direction(grad_E: Vector) -> Vector:
    return -grad_E


# w^{k+1} = w^k + α^k d^k (L2).
def gradient_step(w: Vector, alpha: float, d: Vector) -> Vector:
    return w + alpha * d


# γ_k = 1/(k+1): Σγ_k = ∞ and Σγ_k² < ∞ (L5).
def step_size(k: int) -> float:
    return 1 / (k + 1)


# w^{k+1} = w^k − γ_k ∇e^{j_k}(w^k) (L4), or with Σ_{j∈B_k} ∇e^j(w^k) (L6).
def stochastic_step(w: Vector, gamma: float, grad: Vector) -> Vector:
    return w - gamma * grad


# Gradient descent with a fixed step α until ‖∇E(w^k)‖₂ ≤ tol (L2).
def gradient_descent(
    grad_E: Callable[[Vector], Vector], w: Vector, alpha: float, tol: float, K: int, record: Callable[[int, Vector], None]
) -> Vector:
    k = 0
    d = descent_direction(grad_E(w))
    while norm(d) > tol and k < K:
        w = gradient_step(w, alpha, d)
        d = descent_direction(grad_E(w))
        k = k + 1
        record(k, w)
    return w


# Gradient descent with the exact line search α^k = argmin_{α>0} E(w^k + α d^k) (L2, L3).
def gradient_descent_exact(
    E: Callable[[Vector], float],
    grad_E: Callable[[Vector], Vector],
    w: Vector,
    tol: float,
    K: int,
    line_search: Callable[[Callable[[Vector], float], Vector, Vector], float],
    record: Callable[[int, Vector], None],
) -> Vector:
    k = 0
    d = descent_direction(grad_E(w))
    while norm(d) > tol and k < K:
        alpha = line_search(E, w, d)
        w = gradient_step(w, alpha, d)
        d = descent_direction(grad_E(w))
        k = k + 1
        record(k, w)
    return w


# SGD: pick j_k ∈ {1…S}, w^{k+1} = w^k − γ_k ∇e^{j_k}(w^k) (L4, L5, L16).
def sgd(
    grad_e: Callable[[int, Vector], Vector],
    w: Vector,
    S: int,
    K: int,
    gamma: Callable[[int], float],
    pick: Callable[[int], int],
    record: Callable[[int, Vector], None],
) -> Vector:
    for k in range(K):
        j = pick(S)
        w = stochastic_step(w, gamma(k), grad_e(j, w))
        record(k + 1, w)
    return w


# Mini-batch SGD: choose B_k ⊆ {1…S}, w^{k+1} = w^k − γ_k Σ_{j∈B_k} ∇e^j(w^k) (L6).
def minibatch_sgd(
    grad_e_sum: Callable[[Any, Vector], Vector],
    w: Vector,
    S: int,
    K: int,
    gamma: Callable[[int], float],
    pick_batch: Callable[[int], Any],
    record: Callable[[int, Vector], None],
) -> Vector:
    for k in range(K):
        B = pick_batch(S)
        w = stochastic_step(w, gamma(k), grad_e_sum(B, w))
        record(k + 1, w)
    return w
