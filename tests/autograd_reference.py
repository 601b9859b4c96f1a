"""An independent reference for batch gradients: the lecture's MLP written with ``autograd.numpy`` (HIPS)
and differentiated by autograd — nothing here imports symbackprop."""

from __future__ import annotations

import autograd.numpy as anp
from autograd import grad
from autograd.scipy.special import logsumexp

ACTIVATIONS = {
    "sigmoid": lambda z: 0.5 * (1.0 + anp.tanh(0.5 * z)),
    "tanh": anp.tanh,
    "relu": lambda z: anp.maximum(z, 0.0),
    "identity": lambda z: z,
}


def total_error(params: dict, X, Y, activations: list[str], loss: str, softmax: bool) -> float:
    """E = Σ_i e^i for a batch (rows are samples)."""
    A = X
    Z = None
    for layer, name in enumerate(activations, start=1):
        Z = anp.dot(A, params[f"W{layer}"].T)
        if f"b{layer}" in params:
            Z = Z + params[f"b{layer}"]
        A = ACTIVATIONS[name](Z)
    if softmax:
        log_q = A - logsumexp(A, axis=1, keepdims=True)
        cross_entropy = -anp.sum(Y * log_q)
        if loss == "kl":
            safe = anp.where(Y > 0, Y, 1.0)
            return anp.sum(Y * anp.log(safe)) + cross_entropy
        return cross_entropy
    if loss == "logistic":  # log(1 + e^{−y z^L}), y ∈ {±1}
        return anp.sum(anp.logaddexp(0.0, -Y * Z))
    return anp.sum((Y - A) ** 2)


def gradients(params: dict, X, Y, activations: list[str], loss: str, softmax: bool) -> dict:
    return grad(lambda p: total_error(p, X, Y, activations, loss, softmax))(params)
