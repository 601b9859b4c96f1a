"""What the documents state, checked against references that do not come from symbackprop.

KL values against scipy, q − y against finite differences, the layer-wise gradient norms of L14 against
autograd, the L1 example's numbers against NumPy — and the printed formulas are the derived objects.
"""

from __future__ import annotations


import autograd.numpy as anp
import numpy as np
import pytest
import sympy as sp
from autograd import grad
from scipy.stats import entropy

from symbackprop import MLP
from symbackprop.derive import display_steps
from symbackprop.emit.forms import NetworkDerivation
from symbackprop.emit.network_doc import network_section
from symbackprop.lecture import story
from symbackprop.lecture.divergence import LECTURE_P as WORKED_P
from symbackprop.lecture.divergence import LECTURE_Q as WORKED_Q
from symbackprop.lecture.divergence import kl, kl_triangle_counterexample, log_sign
from symbackprop.lecture.gradient_flow import derivative_supremum
from symbackprop.lecture.gradient_norms import LayerNormEvaluator
from symbackprop.lecture.notes_prediction import distance_section, kl_section
from symbackprop.lecture.notes_training import gd_section
from symbackprop.printing import latex


def floats(values):
    return [float(v) for v in values]


def test_worked_kl_example_matches_scipy():
    assert float(kl(WORKED_P, WORKED_Q)) == pytest.approx(entropy(floats(WORKED_P), floats(WORKED_Q)), rel=1e-14)
    assert float(kl(WORKED_Q, WORKED_P)) == pytest.approx(entropy(floats(WORKED_Q), floats(WORKED_P)), rel=1e-14)
    sign, R, N = log_sign(kl(WORKED_Q, WORKED_P) - kl(WORKED_P, WORKED_Q))
    assert (sign, R, N) == (1, sp.Rational(256, 243), 4)


def test_triangle_counterexample_violates_the_inequality_in_floating_point_too():
    example = kl_triangle_counterexample()
    p, q, r = floats(example.p), floats(example.q), floats(example.r)
    assert entropy(p, r) > entropy(p, q) + entropy(q, r) + 1e-3
    assert float(example.gap) == pytest.approx(entropy(p, r) - entropy(p, q) - entropy(q, r), rel=1e-12)
    tex = distance_section().build()
    assert "0.5493" in tex and "0.2747" in tex  # the values the notes print are scipy's too


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
    tex = kl_section().build()
    assert r"q_{1} - y_{1}" in tex and r"q_{3} - y_{3}" in tex


def test_sup_of_activation_derivatives_matches_a_dense_grid():
    z = np.linspace(-10, 10, 200001)
    s = 1 / (1 + np.exp(-z))
    assert float(derivative_supremum("sigmoid")) == pytest.approx((s * (1 - s)).max(), abs=1e-9)
    assert float(derivative_supremum("tanh")) == pytest.approx((1 - np.tanh(z) ** 2).max(), abs=1e-9)


@pytest.mark.parametrize("activation,scale", [("sigmoid", 1.0), ("identity", 2.0), ("tanh", 1.5)])
def test_layer_gradient_norms_of_l14_match_autograd(activation, scale):
    """The L14 experiment's per-layer numbers (gradient norm, bound, ‖δ^ℓ‖) against autograd."""
    net = MLP([3, 3, 3, 3, 1], activation=activation, output="identity", bias=True)
    rng = np.random.default_rng(643)
    params = {}
    for layer in range(1, net.depth + 1):
        params[f"W{layer}"] = rng.normal(0, scale / np.sqrt(net.sizes[layer - 1]), size=(net.sizes[layer], net.sizes[layer - 1]))
        params[f"b{layer}"] = rng.normal(0, 0.1, size=net.sizes[layer])
    x, y = rng.normal(size=3), rng.normal(size=1)
    act = {"sigmoid": lambda u: 1 / (1 + anp.exp(-u)), "identity": lambda u: u, "tanh": anp.tanh}[activation]

    def forward(ws, bs, keep=None):
        a = x
        for layer, (W, b) in enumerate(zip(ws, bs), start=1):
            z = anp.dot(W, a) + b
            a = z if layer == net.depth else act(z)
            if keep is not None:
                keep.append(a)
        return a

    ws = [params[f"W{l}"] for l in range(1, net.depth + 1)]
    bs = [params[f"b{l}"] for l in range(1, net.depth + 1)]
    loss = lambda ws: anp.sum((y - forward(ws, bs)) ** 2)  # noqa: E731
    reference = [np.linalg.norm(g, 2) for g in grad(loss)(ws)]
    gradient, bound, deltas = LayerNormEvaluator(net).evaluate(params, x, y)
    assert np.allclose(gradient, reference, rtol=1e-9)
    assert np.all(bound >= gradient * (1 - 1e-12))
    activations = []
    forward(ws, bs, activations)
    assert deltas[-1] == pytest.approx(np.linalg.norm(2 * (activations[-1] - y)), rel=1e-12)  # δ^L of the squared error


def test_example_numbers_match_numpy():
    data = story.simple_data()
    X, Y = data.X, data.Y[:, 0]

    def E(w):
        return float(((Y - 1 / (1 + np.exp(-X @ w))) ** 2).sum())

    step = 1e-6
    gradient = np.array([(E(step * e) - E(-step * e)) / (2 * step) for e in np.eye(2)])
    tex = gd_section().build()
    assert E(np.zeros(2)) == 1.0 and "$E(0) = 1$" in tex
    assert np.allclose(gradient, [-1.0, 0.0], atol=1e-8)
    assert r"\nabla E(0) = \left[\begin{matrix}-1 & 0\end{matrix}\right]^{\top}" in tex
    w1 = -gradient  # α = 1
    assert f"{E(w1):.6g}" in tex
    runs = story.simple_runs()
    assert f"{runs.run('gd').E_final:.4g}" in tex  # the run the trainers made


def test_the_network_section_prints_the_derived_objects():
    net = MLP([2, 2, 1], activation="sigmoid", bias=True)
    tex = network_section(net).build()
    derivation = NetworkDerivation(net)
    names = derivation.names
    assert latex(derivation.direct_form(), activation_names=names, lecture_signs=True) in tex
    for layer, V in derivation.steps.V.items():
        body = latex(V[0, 0], activation_names=names)
        assert body in tex
    assert latex(derivation.steps.output_delta[0], lecture_signs=True) == r"- 2 \left(y_{1} - a^{2}_{1}\right)"
    assert latex(derivation.steps.output_delta[0], lecture_signs=True) in tex
    assert "Proved" in tex and "for 9 of the 9 parameters" in tex


def test_direct_and_backprop_lecture_forms_agree_and_a_wrong_one_is_caught():
    net = MLP([2, 2, 2], bias=True)
    derivation = NetworkDerivation(net)
    for parameter in net.parameters:
        assert sp.expand(derivation.direct_form(parameter) - derivation.backprop_form(parameter)) == 0
    wrong = derivation.backprop_form() * 2
    assert sp.expand(derivation.direct_form() - wrong) != 0
