"""Both derivations agree numerically with central finite differences of an independent NumPy loss."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from symbackprop import MLP, backprop, direct
from symbackprop.activations import phi_prime

from . import reference

CASES = [
    ([3, 3, 2], dict(activation=a, bias=b)) for a in ("phi", "sigmoid", "tanh", "relu", "identity") for b in (False, True)
] + [
    ([3, 3, 3], dict(activation="tanh", loss="cross_entropy", bias=True)),
    ([3, 2, 3], dict(activation="sigmoid", loss="kl", bias=False)),
    ([2, 3, 1], dict(activation="tanh", loss="logistic", bias=True)),
]


def _point(net, rng):
    params = {}
    for layer in range(1, net.depth + 1):
        params[f"W{layer}"] = rng.normal(size=net.W(layer).shape)
        if net.has_bias:
            params[f"b{layer}"] = rng.normal(size=net.sizes[layer])
    x = rng.normal(size=net.sizes[0])
    if net.softmax:
        y = np.eye(net.sizes[-1])[rng.integers(net.sizes[-1])]
    elif net.loss.name == "logistic":
        y = np.array([rng.choice([-1.0, 1.0])])
    else:
        y = rng.normal(size=net.sizes[-1])
    return params, x, y


def _evaluate(net, expression, params, x, y):
    """Substitute forward values computed by the independent reference into a gradient expression."""
    names = [net.activation(layer).name for layer in range(1, net.depth + 1)]
    z, a = reference.forward(params, x, names)
    values = {s: v for s, v in zip(net.x, x)} | {s: v for s, v in zip(net.y, y)}
    for layer in range(1, net.depth + 1):
        W = net.W(layer)
        values |= {W[i, j]: params[f"W{layer}"][i, j] for i in range(W.rows) for j in range(W.cols)}
        if net.has_bias:
            values |= dict(zip(net.b(layer), params[f"b{layer}"]))
        values |= dict(zip(net.z(layer), z[layer])) | dict(zip(net.a(layer), a[layer]))
        derivative = reference.DERIVATIVE[names[layer - 1]](z[layer])
        values |= {phi_prime(s): d for s, d in zip(net.z(layer), derivative)}
    if net.softmax:
        shifted = a[-1] - a[-1].max()
        values |= dict(zip(net.q, np.exp(shifted) / np.exp(shifted).sum()))
    substituted = expression.xreplace({k: sp.Float(float(v), 30) for k, v in values.items() if isinstance(k, sp.Function)})
    substituted = substituted.xreplace({k: sp.Float(float(v), 30) for k, v in values.items() if not isinstance(k, sp.Function)})
    return float(substituted)


@pytest.mark.parametrize("sizes, settings", CASES, ids=lambda v: str(v))
def test_gradients_match_central_finite_differences(sizes, settings):
    net = MLP(sizes, **settings)
    rng = np.random.default_rng(sum(sizes) + len(str(settings)))
    params, x, y = _point(net, rng)
    names = [net.activation(layer).name for layer in range(1, net.depth + 1)]

    def loss(p):
        return reference.loss(p, x, y, names, net.loss.name, net.softmax)

    ours_backprop, ours_direct = backprop(net), direct(net)
    for parameter in net.parameters:
        info = net.parameter_info(parameter)
        key, index = (f"W{info.layer}", (info.i - 1, info.j - 1)) if info.kind == "w" else (f"b{info.layer}", (info.i - 1,))
        numeric = reference.finite_difference(loss, params, key, index)
        assert _evaluate(net, ours_backprop[parameter], params, x, y) == pytest.approx(numeric, rel=1e-5, abs=1e-7)
        assert _evaluate(net, ours_direct[parameter], params, x, y) == pytest.approx(numeric, rel=1e-5, abs=1e-7)
