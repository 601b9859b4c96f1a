"""A counterexample point (parameter name → value) as the arrays of the plain NumPy reference."""

from __future__ import annotations

import numpy as np


def arrays_from_point(net, point: dict) -> tuple[dict, np.ndarray, np.ndarray]:  # noqa: ANN001 - an MLP
    """W1, b1, … and x, y from a point keyed by the network's symbol names."""
    params = {}
    for layer in range(1, net.depth + 1):
        W = net.W(layer)
        params[f"W{layer}"] = np.array([[point[W[i, j].name] for j in range(W.cols)] for i in range(W.rows)])
        if net.has_bias:
            params[f"b{layer}"] = np.array([point[b.name] for b in net.b(layer)])
    return params, np.array([point[s.name] for s in net.x]), np.array([point[s.name] for s in net.y])
