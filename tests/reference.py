"""Independent numeric references, written without symbackprop: a plain NumPy forward pass of the
lecture's MLP and its loss, and central finite differences of it.

Nothing here imports symbackprop, so agreement with it is evidence from outside our code.
"""

from __future__ import annotations

import numpy as np

FORWARD = {
    "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "identity": lambda z: z,
    "phi": np.tanh,  # the generic φ is checked with φ = tanh
}
DERIVATIVE = {
    "sigmoid": lambda z: FORWARD["sigmoid"](z) * (1 - FORWARD["sigmoid"](z)),
    "tanh": lambda z: 1 - np.tanh(z) ** 2,
    "relu": lambda z: (z > 0).astype(float),
    "identity": lambda z: np.ones_like(z),
    "phi": lambda z: 1 - np.tanh(z) ** 2,
}


def forward(params: dict, x: np.ndarray, activations: list[str]) -> tuple[list, list]:
    """z^ℓ and a^ℓ for one sample; ``params`` has W1, b1 (optional), W2, …"""
    a = [np.asarray(x, dtype=float)]
    z = [None]
    for layer, name in enumerate(activations, start=1):
        value = params[f"W{layer}"] @ a[-1] + params.get(f"b{layer}", 0.0)
        z.append(value)
        a.append(FORWARD[name](value))
    return z, a


def loss(params: dict, x: np.ndarray, y: np.ndarray, activations: list[str], kind: str, softmax: bool) -> float:
    """The lecture's sample-wise loss e, computed directly."""
    _, a = forward(params, x, activations)
    out = a[-1]
    if softmax:
        shifted = out - out.max()
        log_q = shifted - np.log(np.exp(shifted).sum())
        cross_entropy = -float(np.dot(y, log_q))
        if kind == "kl":
            nonzero = y > 0
            return float(np.sum(y[nonzero] * np.log(y[nonzero]))) + cross_entropy
        return cross_entropy
    if kind == "logistic":
        return float(np.logaddexp(0.0, -y[0] * (params[f"W{len(activations)}"] @ a[-2] + params.get(f"b{len(activations)}", 0.0))[0]))
    return float(np.sum((y - out) ** 2))


def finite_difference(function, params: dict, key: str, index: tuple, step: float = 1e-6) -> float:
    """Central difference of ``function(params)`` in one entry of one parameter array."""
    plus = {k: v.copy() for k, v in params.items()}
    minus = {k: v.copy() for k, v in params.items()}
    plus[key][index] += step
    minus[key][index] -= step
    return (function(plus) - function(minus)) / (2 * step)
