"""What the documents state, checked against references that do not come from symbackprop.

KL values against scipy, q − y against finite differences, the layer-wise gradient norms of L14 against
autograd, the L1 example's numbers against NumPy — and the printed formulas are the derived objects.
"""

from __future__ import annotations

import math
import random

import autograd.numpy as anp
import numpy as np
import pytest
import sympy as sp
from autograd import grad
from scipy.stats import entropy

from symbackprop import MLP
from symbackprop.emit.example import EXAMPLE_INPUTS, EXAMPLE_TARGETS, example_section
from symbackprop.derive import display_steps
from symbackprop.emit.forms import NetworkDerivation
from symbackprop.lecture.gradient_flow import FLOW_SEED, FLOW_SIZES, derivative_supremum, layer_gradient_norms, sample_values
from symbackprop.printing import latex
from symbackprop.emit.multiclass import WORKED_P, WORKED_Q, kl, kl_triangle_counterexample, log_sign, prediction_section
from symbackprop.emit.network_doc import network_section


def floats(values):
    return [float(v) for v in values]


def test_worked_kl_example_matches_scipy():
    assert float(kl(WORKED_P, WORKED_Q)) == pytest.approx(entropy(floats(WORKED_P), floats(WORKED_Q)), rel=1e-14)
    assert float(kl(WORKED_Q, WORKED_P)) == pytest.approx(entropy(floats(WORKED_Q), floats(WORKED_P)), rel=1e-14)
    sign, R, N = log_sign(kl(WORKED_Q, WORKED_P) - kl(WORKED_P, WORKED_Q))
    assert (sign, R, N) == (1, sp.Rational(256, 243), 4)


def test_triangle_counterexample_violates_the_inequality_in_floating_point_too():
    p, q, r, excess = kl_triangle_counterexample()
    p, q, r = floats(p), floats(q), floats(r)
    assert entropy(p, r) > entropy(p, q) + entropy(q, r) + 1e-3
    assert float(excess) == pytest.approx(entropy(p, r) - entropy(p, q) - entropy(q, r), rel=1e-12)


@pytest.mark.parametrize(
    "value,sign",
    [(sp.log(2) - sp.log(3), -1), (sp.log(6) - sp.log(2) - sp.log(3), 0), (sp.Rational(3, 4) * sp.log(3) - sp.log(2), 1)],
)
def test_log_sign_decides_exactly(value, sign):
    assert log_sign(value)[0] == sign
    assert math.copysign(1, float(value)) == sign or sign == 0


def test_log_sign_refuses_what_it_cannot_decide():
    with pytest.raises(ValueError, match="not a rational combination"):
        log_sign(sp.log(2) + sp.sqrt(2))


def test_softmax_output_delta_is_q_minus_y_by_finite_differences():
    rng = np.random.default_rng(0)
    a = rng.normal(size=3)
    y = np.array([0.0, 1.0, 0.0])

    def cross_entropy(a_values):
        shifted = a_values - a_values.max()
        return -float(y @ (shifted - np.log(np.exp(shifted).sum())))

    step = 1e-6
    numeric = np.array([(cross_entropy(a + step * e) - cross_entropy(a - step * e)) / (2 * step) for e in np.eye(3)])
    net = MLP([2, 2, 3], output="softmax", loss="cross_entropy")
    steps = display_steps(net)
    delta = steps.output_delta.xreplace({sp.Add(*net.y): 1})
    q = np.exp(a - a.max()) / np.exp(a - a.max()).sum()
    values = {**dict(zip(net.q, q)), **dict(zip(net.y, y))}
    derived = np.array([float(entry.xreplace(values)) for entry in delta])
    assert np.allclose(derived, numeric, atol=1e-8)
    tex = prediction_section().build()
    assert r"q_{1} - y_{1}" in tex and r"q_{3} - y_{3}" in tex


def test_sup_of_activation_derivatives_matches_a_dense_grid():
    z = np.linspace(-10, 10, 200001)
    s = 1 / (1 + np.exp(-z))
    assert float(derivative_supremum("sigmoid")) == pytest.approx((s * (1 - s)).max(), abs=1e-9)
    assert float(derivative_supremum("tanh")) == pytest.approx((1 - np.tanh(z) ** 2).max(), abs=1e-9)


@pytest.mark.parametrize("activation,scale", [("sigmoid", 1), ("identity", 2)])
def test_layer_gradient_norms_of_l14_match_autograd(activation, scale):
    net = MLP(list(FLOW_SIZES), activation=activation)
    values = sample_values(net, random.Random(FLOW_SEED), scale)
    weights = [np.array([[float(values[w]) for w in row] for row in net.W(l).tolist()]) for l in range(1, net.depth + 1)]
    x = np.array([float(values[v]) for v in net.x])
    y = np.array([float(values[v]) for v in net.y])
    act = (lambda u: 1 / (1 + anp.exp(-u))) if activation == "sigmoid" else (lambda u: u)

    def loss(ws):
        a = x
        for W in ws:
            a = act(anp.dot(W, a))
        return anp.sum((y - a) ** 2)

    reference = [np.linalg.norm(g, 2) for g in grad(loss)(weights)]
    derived = layer_gradient_norms(net, values)
    for (norm, bound), expected in zip(derived, reference):
        assert norm == pytest.approx(expected, rel=1e-9)
        assert bound >= norm * (1 - 1e-12)


def test_example_numbers_match_numpy():
    X = np.array(EXAMPLE_INPUTS, dtype=float)
    Y = np.array(EXAMPLE_TARGETS, dtype=float)

    def E(w):
        return float(((Y - 1 / (1 + np.exp(-X @ w))) ** 2).sum())

    step = 1e-6
    gradient = np.array([(E(step * e) - E(-step * e)) / (2 * step) for e in np.eye(2)])
    tex = example_section().build()
    assert E(np.zeros(2)) == 1.0 and "$E(0) = 1$" in tex
    assert np.allclose(gradient, [-1.0, 0.0], atol=1e-8)
    assert r"\nabla E(0) = \left[\begin{matrix}-1 & 0\end{matrix}\right]^{\top}" in tex
    w1 = -gradient  # α = 1
    assert f"{E(w1):.6g}" in tex


def test_the_network_section_prints_the_derived_objects():
    net = MLP([2, 2, 1], activation="sigmoid", bias=True)
    tex = network_section(net).build()
    derivation = NetworkDerivation(net)
    names = derivation.names
    assert latex(derivation.direct_form(), activation_names=names) in tex
    for layer, V in derivation.steps.V.items():
        body = latex(V[0, 0], activation_names=names)
        assert body in tex
    assert latex(derivation.steps.output_delta[0]) in tex
    assert "Proved" in tex and "for 9 of the 9 parameters" in tex


def test_direct_and_backprop_lecture_forms_agree_and_a_wrong_one_is_caught():
    net = MLP([2, 2, 2], bias=True)
    derivation = NetworkDerivation(net)
    for parameter in net.parameters:
        assert sp.expand(derivation.direct_form(parameter) - derivation.backprop_form(parameter)) == 0
    wrong = derivation.backprop_form() * 2
    assert sp.expand(derivation.direct_form() - wrong) != 0
