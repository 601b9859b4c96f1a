"""compile(net): generated NumPy code against independent references, the proven formulas, and |z| = 1000."""

from __future__ import annotations

import ast
import itertools

import numpy as np
import pytest
import sympy as sp
from scipy.special import expit

from symbackprop import MLP, DataError, NotSupportedError, ShapeError, SpecError, backprop, compile, direct
from symbackprop.activations import relu, sigmoid
from symbackprop.emit.numpy import StableNumPyPrinter, _elementwise, _same, generate_source, stability_lemmas

from . import autograd_reference, reference

ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity")


def _every_combination():
    """Every activation × loss × bias, as networks [3, 4, 3, N_L]."""
    for activation, bias in itertools.product(ACTIVATIONS, (False, True)):
        yield [3, 4, 3, 2], dict(activation=activation, bias=bias, loss="squared")
        yield [3, 4, 3, 3], dict(activation=activation, bias=bias, output="softmax", loss="cross_entropy")
        yield [3, 4, 3, 3], dict(activation=activation, bias=bias, output="softmax", loss="kl")
        yield [3, 4, 3, 1], dict(activation=activation, bias=bias, loss="logistic")
    yield [2, 3, 3, 2], dict(activation=["relu", "sigmoid", "tanh"], bias=True, loss="squared")


COMBINATIONS = list(_every_combination())


def _problem(net: MLP, model, rng: np.random.Generator, n: int = 7):
    params = {key: rng.normal(size=shape) for key, shape in model.parameter_shapes.items()}
    X = rng.normal(size=(n, net.sizes[0]))
    if net.softmax:
        Y = np.eye(net.sizes[-1])[rng.integers(net.sizes[-1], size=n)]
    elif net.loss.name == "logistic":
        Y = rng.choice([-1.0, 1.0], size=(n, 1))
    else:
        Y = rng.normal(size=(n, net.sizes[-1]))
    return params, X, Y


def _names(net: MLP) -> list[str]:
    return [net.activation(layer).name for layer in range(1, net.depth + 1)]


@pytest.mark.parametrize("sizes, settings", COMBINATIONS, ids=lambda v: str(v))
def test_gradients_equal_autograd_on_every_activation_loss_and_bias(sizes, settings):
    net = MLP(sizes, **settings)
    model = compile(net)
    rng = np.random.default_rng(len(str(settings)) + sum(sizes))
    params, X, Y = _problem(net, model, rng)
    E, grads = model(params, X, Y)
    expected_E = autograd_reference.total_error(params, X, Y, _names(net), net.loss.name, net.softmax)
    expected = autograd_reference.gradients(params, X, Y, _names(net), net.loss.name, net.softmax)
    assert E == pytest.approx(float(expected_E), rel=1e-12, abs=1e-12)
    assert grads.keys() == params.keys()
    for key in params:
        assert grads[key].shape == params[key].shape
        np.testing.assert_allclose(grads[key], expected[key], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("sizes, settings", COMBINATIONS[::3], ids=lambda v: str(v))
def test_gradients_equal_central_finite_differences(sizes, settings):
    net = MLP(sizes, **settings)
    model = compile(net)
    params, X, Y = _problem(net, model, np.random.default_rng(7))

    def total(p):
        return sum(reference.loss(p, X[i], Y[i], _names(net), net.loss.name, net.softmax) for i in range(len(X)))

    _, grads = model(params, X, Y)
    for key, array in params.items():
        for index in np.ndindex(array.shape):
            assert grads[key][index] == pytest.approx(reference.finite_difference(total, params, key, index), rel=1e-6, abs=1e-7)


def _lambdify_entrywise(net: MLP, gradients):
    """The proven entry-wise ∂e/∂θ (in a^ℓ, z^ℓ, q symbols) composed into x, y, w, b and lambdified."""
    symbols = [*net.parameters, *net.x, *net.y]
    expressions = [net.compose(gradients[p]) for p in net.parameters]
    modules = [{"sigmoid": expit, "relu": lambda z: np.maximum(z, 0.0), "Heaviside": lambda z, h0=0.0: np.heaviside(z, 0.0)}, "numpy"]
    return sp.lambdify(symbols, expressions, modules=modules, cse=True)


ENTRYWISE = [
    ([2, 3, 2], dict(activation="sigmoid", bias=True)),
    ([2, 3, 2], dict(activation="tanh", bias=False)),
    ([2, 3, 2], dict(activation="relu", bias=True)),
    ([2, 2, 3], dict(activation="identity", bias=True, output="softmax", loss="cross_entropy")),
    ([2, 2, 3], dict(activation="sigmoid", bias=False, output="softmax", loss="kl")),
    ([2, 3, 1], dict(activation="tanh", bias=True, loss="logistic")),
]


@pytest.mark.parametrize("sizes, settings", ENTRYWISE, ids=lambda v: str(v))
def test_layer_code_equals_the_lambdified_entrywise_backprop_and_direct_formulas(sizes, settings):
    net = MLP(sizes, **settings)
    model = compile(net)
    params, X, Y = _problem(net, model, np.random.default_rng(3), n=5)
    _, grads = model(params, X, Y)
    ours = np.concatenate([grads[key].ravel() for key in model.parameter_shapes])  # W row-major, b: net.parameters' order
    order = []
    for layer in range(1, net.depth + 1):
        order += [f"W{layer}"] + ([f"b{layer}"] if net.has_bias else [])
    assert order == list(model.parameter_shapes)
    values = np.concatenate([params[key].ravel() for key in order])
    for gradients in (backprop(net), direct(net)):
        function = _lambdify_entrywise(net, gradients)
        summed = sum(np.array(function(*values, *X[i], *Y[i]), dtype=float) for i in range(len(X)))
        np.testing.assert_allclose(ours, summed, rtol=1e-11, atol=1e-12, err_msg=gradients.method)


def test_compile_checks_every_layer_statement_against_the_proven_recursion():
    model = compile(MLP([3, 3, 3, 2], activation="sigmoid", bias=True))
    text = "\n".join(model.verified)
    for fragment in ("δ^2 = V^3 δ^3", "δ^1 = V^2 δ^2", "∇_W^1 e = Diag(φ^1') δ^1 (a^0)^T", "∇_b^3 e", "Diag(φ^2') = diag(A2*(1 - A2))"):
        assert fragment in text
    assert "gradient(): " in text and "run on symbols" in text
    assert "D2 = dot(G3, W3)" in model.source and "dot(G1.T, X, gW1)" in model.source and "dot(ONES, G1, gb1)" in model.source


def test_the_template_checkers_reject_wrong_formulas():
    a1, a2, y1, y2 = sp.symbols("a1 a2 y1 y2")
    A, Y = sp.symbols("A Y")
    assert _elementwise([2 * a1 - y1, 2 * a2 - y2], {A: [a1, a2], Y: [y1, y2]}, "ok") == 2 * A - Y
    with pytest.raises(NotSupportedError, match="does not follow the pattern"):
        _elementwise([2 * a1 - y1, 3 * a2 - y2], {A: [a1, a2], Y: [y1, y2]}, "δ")
    with pytest.raises(NotSupportedError, match="mixes neurons"):
        _elementwise([a1 * a2, a2 * a1], {A: [a1, a2]}, "δ")
    assert _same(a1 * (1 - a1), a1 - a1**2) and not _same(a1 * (1 - a1), a1 + a1**2)


def test_stable_forms_are_exact_identities():
    lemmas = stability_lemmas()
    assert len(lemmas) == 9 and all(lemmas.values()), lemmas


def test_logistic_output_error_is_the_exact_cancellation_of_delta_times_sigma_prime():
    net = MLP([2, 1], loss="logistic")
    model = compile(net)
    a, y = net.a(1)[0], net.y[0]
    delta = backprop(net).steps.output_delta[0]
    assert sp.cancel(delta * a * (1 - a) - (a - (1 + y) / 2)) == 0  # proved, not sampled
    # … and computed as −y σ(−y z), which does not cancel (a − (1+y)/2 did: issue 14)
    assert "1/2*Y" not in model.source and "/A1" not in model.source.replace(" ", "")
    assert "expit(R1, R1)" in model.source and "R1 *= Y" in model.source
    assert any("for y ∈ {+1, −1}: no cancellation" in line for line in model.verified)


@pytest.mark.parametrize("label", [1.0, -1.0])
def test_logistic_gradient_and_loss_are_accurate_to_1e_12_at_margins_up_to_700(label):
    """e = log(1 + e^{−m}) and ∂e/∂z = −y σ(−m) at margin m = y·z, against mpmath at 50 digits."""
    mpmath = pytest.importorskip("mpmath")
    model = compile(MLP([1, 1], loss="logistic", bias=False))
    margins = [-700.0, -300.0, -37.0, -1.0, 0.0, 0.5, 1.0, 5.0, 20.0, 37.0, 40.0, 100.0, 300.0, 700.0]
    for margin in margins:
        z = margin * label  # z = w·x with x = 1, so m = y z
        E, grads = model({"W1": np.array([[z]])}, np.array([[1.0]]), np.array([[label]]))
        with mpmath.workdps(50):
            m = mpmath.mpf(margin)
            exact_E = float(mpmath.log1p(mpmath.exp(-m)))
            exact_gradient = float(-label / (1 + mpmath.exp(m)))  # ∂e/∂z = −y σ(−m), and ∂z/∂w = x = 1
        assert abs(E - exact_E) <= 1e-12 * exact_E, (margin, E, exact_E)
        assert abs(grads["W1"][0, 0] - exact_gradient) <= 1e-12 * abs(exact_gradient), (margin, grads["W1"], exact_gradient)
    assert grads["W1"][0, 0] != 0.0  # at margin 700 the gradient is −y·9.86e−305, not 0


def test_the_old_logistic_form_cancels_where_the_new_one_does_not():
    """The test above can fail: a − (1+y)/2 at z = 37, y = 1 is exactly 0 in float64 (true value −8.5e−17)."""
    from scipy.special import expit as sigma

    assert sigma(37.0) - 1.0 == 0.0 and -sigma(-37.0) == pytest.approx(-8.533047625744065e-17, rel=1e-12)


@pytest.mark.parametrize("sizes, settings", COMBINATIONS, ids=lambda v: str(v))
def test_no_overflow_nan_or_warning_for_pre_activations_up_to_1000(sizes, settings):
    net = MLP(sizes, **settings)
    model = compile(net)
    rng = np.random.default_rng(11)
    params, X, Y = _problem(net, model, rng, n=6)
    X = np.sign(X)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for layer in range(1, net.depth + 1):  # scale each layer so that max |z^ℓ| = 1000 exactly
            z = model.forward(params, X)[f"z{layer}"]
            factor = 1000.0 / np.abs(z).max()
            params[f"W{layer}"] = params[f"W{layer}"] * factor
            if net.has_bias:
                params[f"b{layer}"] = params[f"b{layer}"] * factor
        values = model.forward(params, X)
        assert max(np.abs(values[f"z{layer}"]).max() for layer in range(1, net.depth + 1)) == pytest.approx(1000.0)
        E, grads = model(params, X, Y)
        outputs = model.output(params, X)
    assert np.isfinite(E) and all(np.isfinite(g).all() for g in grads.values()) and np.isfinite(outputs).all()


def test_saturated_outputs_give_the_exact_limits():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        logistic = compile(MLP([1, 1], loss="logistic", bias=False))
        E, grads = logistic({"W1": np.array([[1000.0]])}, np.array([[-1.0]]), np.array([[1.0]]))
        assert E == 1000.0 and grads["W1"][0, 0] == 1.0  # e = log(1 + e^{1000}), ∂e/∂z = σ(z) − 1 = −1, x = −1
        softmax = compile(MLP([3, 3], activation="identity", output="softmax", loss="cross_entropy"))
        E, grads = softmax({"W1": np.diag([1000.0, -1000.0, 0.0])}, np.array([[1.0, 1.0, 1.0]]), np.array([[0.0, 1.0, 0.0]]))
        assert E == 2000.0  # −log q_2 = 1000 − (−1000)
        np.testing.assert_array_equal(grads["W1"], [[1, 1, 1], [-1, -1, -1], [0, 0, 0]])  # (q − y) x^T


def test_generic_phi_cannot_be_compiled():
    with pytest.raises(NotSupportedError, match="choose a concrete activation"):
        compile(MLP([2, 2, 1]))


def test_constant_derivatives_broadcast_to_the_batch():
    net = MLP([2, 2], activation="identity", bias=True)  # φ' = 1 and ∂z/∂b = 1
    model = compile(net)
    params = {"W1": np.zeros((2, 2)), "b1": np.zeros(2)}
    X, Y = np.ones((5, 2)), np.ones((5, 2))
    E, grads = model(params, X, Y)
    assert E == 10.0 and grads["b1"].shape == (2,)
    np.testing.assert_array_equal(grads["b1"], [-10.0, -10.0])  # Σ_i 2(a − y), five samples


def test_relu_derivative_at_zero_is_zero_as_in_pytorch():
    model = compile(MLP([1, 1, 1], activation=["relu", "identity"], bias=False))
    _, grads = model({"W1": np.array([[1.0]]), "W2": np.array([[1.0]])}, np.array([[0.0]]), np.array([[1.0]]))
    assert grads["W1"][0, 0] == 0.0 and "heaviside(Z1, 0.0" in model.source


def test_relu_model_formula_and_finite_differences_agree_away_from_zero_and_the_model_takes_H0_as_0():
    """ReLU'(0) = H(0) = 0 is the project's convention. Away from 0 the compiled gradient, the symbolic derivative
    formula of the lecture (∂e/∂w^1_11 = δ^2_1 w^2_11 H(z^1_1) x_1, lambdified) and central differences agree;
    at z^1_1 = 0 the compiled model gives exactly 0."""
    net = MLP([1, 1, 1], activation=["relu", "identity"], bias=True)
    model = compile(net)
    formula = sp.lambdify(
        [*net.parameters, *net.x, *net.y],
        net.compose(backprop(net)[net.parameter("w^1_11")]),
        modules=[{"Heaviside": lambda z, *_: np.heaviside(z, 0.0), "relu": lambda z: np.maximum(z, 0.0)}, "numpy"],
    )  # H evaluated with the project's convention H(0) = 0, whatever H0 SymPy carries
    for w1, b1, x in [(0.7, 0.2, 1.5), (-0.4, 0.1, 2.0), (1.3, -2.0, 1.0), (0.5, -0.5, 1.0)]:
        params = {"W1": np.array([[w1]]), "b1": np.array([b1]), "W2": np.array([[1.7]]), "b2": np.array([0.3])}
        X, Y = np.array([[x]]), np.array([[0.4]])
        _, grads = model(params, X, Y)
        symbolic = float(formula(w1, b1, 1.7, 0.3, x, 0.4))
        if w1 * x + b1 == 0.0:
            assert grads["W1"][0, 0] == 0.0 and symbolic == 0.0  # H(0) = 0 in both
            continue
        total = lambda p: reference.loss(p, X[0], Y[0], ["relu", "identity"], "squared", False)  # noqa: E731
        numeric = reference.finite_difference(total, params, "W1", (0, 0))
        assert grads["W1"][0, 0] == pytest.approx(symbolic, rel=1e-12, abs=1e-15)
        assert grads["W1"][0, 0] == pytest.approx(numeric, rel=1e-6, abs=1e-9)


def test_predict_thresholds_for_logistic_and_takes_argmax_for_softmax():
    binary = compile(MLP([1, 1], loss="logistic", bias=True))
    params = {"W1": np.array([[2.0]]), "b1": np.array([-1.0])}
    np.testing.assert_array_equal(binary.predict(params, np.array([[0.0], [0.5], [2.0]])), [-1, 1, 1])
    multi = compile(MLP([2, 3], activation="identity", output="softmax", loss="cross_entropy"))
    W = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])
    np.testing.assert_array_equal(multi.predict({"W1": W}, np.array([[3.0, 1.0], [0.0, 2.0], [-2.0, -2.0]])), [0, 1, 2])
    assert multi.accuracy({"W1": W}, np.array([[3.0, 1.0]]), np.array([[0.0, 1.0, 0.0]])) == 0.0
    regression = compile(MLP([2, 1], activation="identity"))
    assert regression.predict({"W1": np.ones((1, 2))}, np.ones((4, 2))).shape == (4, 1)
    with pytest.raises(NotSupportedError):
        regression.accuracy({"W1": np.ones((1, 2))}, np.ones((4, 2)), np.ones((4, 1)))


@pytest.mark.parametrize(
    "params, X, Y, error, message",
    [
        ({"W1": np.ones((3, 2))}, np.ones((4, 2)), np.ones((4, 1)), ShapeError, "missing b1, W2, b2"),
        ({"W1": np.ones((3, 2)), "b1": np.ones(3), "W2": np.ones((1, 3)), "b2": np.ones(1), "W3": 1}, np.ones((4, 2)), np.ones((4, 1)), ShapeError, "unexpected W3"),
        ({"W1": np.ones((2, 3)), "b1": np.ones(3), "W2": np.ones((1, 3)), "b2": np.ones(1)}, np.ones((4, 2)), np.ones((4, 1)), ShapeError, "must have shape (3, 2), got (2, 3)"),
        ({"W1": np.ones((3, 2)), "b1": np.ones(3), "W2": np.ones((1, 3)), "b2": np.ones(1)}, np.ones((4, 3)), np.ones((4, 1)), ShapeError, "X must have shape (n, 2)"),
        ({"W1": np.ones((3, 2)), "b1": np.ones(3), "W2": np.ones((1, 3)), "b2": np.ones(1)}, np.ones((4, 2)), np.ones(4), ShapeError, "Y.reshape(-1, 1)"),
        ({"W1": np.ones((3, 2)), "b1": np.ones(3), "W2": np.ones((1, 3)), "b2": np.array(["a"])}, np.ones((4, 2)), np.ones((4, 1)), DataError, "real numbers"),
        ({"W1": np.ones((3, 2)), "b1": np.array([1, np.nan, 1]), "W2": np.ones((1, 3)), "b2": np.ones(1)}, np.ones((4, 2)), np.ones((4, 1)), DataError, "params['b1'] contains NaN"),
        ({"W1": np.ones((3, 2)), "b1": np.ones(3), "W2": np.ones((1, 3)), "b2": np.ones(1)}, np.array([[1, 1], [1, np.inf]]), np.ones((2, 1)), DataError, "X row 1"),
        ([1, 2], np.ones((4, 2)), np.ones((4, 1)), TypeError, "W1: (3, 2), b1: (3,), W2: (1, 3), b2: (1,)"),
    ],
)
def test_wrong_inputs_raise_value_errors_that_name_the_expected_shapes(params, X, Y, error, message):
    model = compile(MLP([2, 3, 1], activation="tanh", bias=True))
    with pytest.raises(error) as caught:
        model(params, X, Y)
    expected_kind = TypeError if error is TypeError else ValueError  # a wrong type is a TypeError, a bad value a ValueError
    assert message in str(caught.value) and isinstance(caught.value, expected_kind)


def test_targets_must_suit_the_loss():
    logistic = compile(MLP([2, 1], loss="logistic"))
    with pytest.raises(DataError, match=r"y ∈ \{\+1, −1\}"):
        logistic({"W1": np.ones((1, 2))}, np.ones((2, 2)), np.array([[1.0], [0.0]]))
    softmax = compile(MLP([2, 2], output="softmax", loss="cross_entropy", activation="identity"))
    with pytest.raises(DataError, match="one-hot"):
        softmax({"W1": np.ones((2, 2))}, np.ones((1, 2)), np.array([[1.0, 1.0]]))


def test_softmax_targets_are_accepted_exactly_when_every_row_sums_to_one_within_the_tolerance():
    """The quick check (min y ≥ 0, 1 − tol ≤ Σ_j y_j ≤ 1 + tol) agrees with the row-by-row definition, even for
    sums a few ulps from the edge, and a refused row is named."""
    model = compile(MLP([2, 2], output="softmax", loss="cross_entropy", activation="identity"))
    W, X = {"W1": np.ones((2, 2))}, np.ones((1, 2))
    tolerance = 1e-9 * 2
    for edge in (1.0 - tolerance, 1.0 + tolerance):
        total = edge
        for _ in range(4):
            total = np.nextafter(total, 0.0)
        for _ in range(9):
            Y = np.array([[0.25, total - 0.25]])
            inside = abs(Y.sum() - 1.0) <= tolerance
            if inside:
                assert np.isfinite(model(W, X, Y)[0])
            else:
                with pytest.raises(DataError, match="Y row 0 is not a one-hot"):
                    model(W, X, Y)
            total = np.nextafter(total, 2.0)
    with pytest.raises(DataError, match="Y row 1 is not a one-hot"):
        model(W, np.ones((3, 2)), np.array([[1.0, 0.0], [0.5, 0.5 + 3 * tolerance], [0.0, 1.0]]))
    with pytest.raises(DataError, match="Y row 0 is not a one-hot"):
        model(W, X, np.array([[1.5, -0.5]]))


def test_generated_source_is_plain_numpy_and_runs_on_its_own():
    model = compile(MLP([2, 3, 2], activation="sigmoid", bias=True, output="softmax", loss="kl"))
    tree = ast.parse(model.source)
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {"numpy", "scipy.special"}
    namespace: dict = {}
    exec(model.source, namespace)  # noqa: S102 - our own generated code
    params, X, Y = _problem(MLP([2, 3, 2], activation="sigmoid", bias=True, output="softmax", loss="kl"), model, np.random.default_rng(0))
    assert namespace["loss"](*params.values(), X, Y, *namespace["prepare"](Y)) == pytest.approx(model.loss(params, X, Y))


def test_printer_handles_elementwise_functions_of_matrix_expressions():
    Z, D = sp.MatrixSymbol("Z", 3, 2), sp.MatrixSymbol("D", 3, 2)
    t = sp.Symbol("t")
    expression = sp.HadamardProduct(Z.applyfunc(sp.Lambda(t, sigmoid(t) * (1 - sigmoid(t)))), D)
    stock = sp.printing.numpy.NumPyPrinter().doprint(expression)
    with pytest.raises(SyntaxError):
        compile_python(stock)
    ours = StableNumPyPrinter().doprint(expression)
    value = eval(compile_python(ours), {"numpy": np, "expit": expit, "Z": np.zeros((3, 2)), "D": np.ones((3, 2))})  # noqa: S307
    np.testing.assert_allclose(value, np.full((3, 2), 0.25))
    assert StableNumPyPrinter().doprint(relu(sp.Symbol("Z1"))) == "numpy.maximum(Z1, 0.0)"


def compile_python(text: str):
    import builtins

    return builtins.compile(text, "<printed>", "eval")


def test_flat_and_dict_interfaces_agree():
    model = compile(MLP([3, 4, 2], activation="tanh", bias=True))
    params, X, Y = _problem(MLP([3, 4, 2], activation="tanh", bias=True), model, np.random.default_rng(5))
    E, grads = model(params, X, Y)
    w = model.pack(params)
    E_flat, g = model.value_and_grad_flat(w, X, Y)
    assert E_flat == E and model.loss_flat(w, X, Y) == E
    assert all(np.array_equal(model.unpack(g)[key], grads[key]) for key in grads)
    with pytest.raises(ShapeError, match=r"shape \(26,\)"):
        model.unpack(np.zeros(5))


def test_pytorch_float64_autograd_agrees():
    torch = pytest.importorskip("torch")
    for sizes, settings in COMBINATIONS[::2]:
        net = MLP(sizes, **settings)
        model = compile(net)
        params, X, Y = _problem(net, model, np.random.default_rng(sum(sizes)))
        tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
        A, Z = torch.tensor(X), None
        for layer, name in enumerate(_names(net), start=1):
            Z = A @ tensors[f"W{layer}"].T + (tensors[f"b{layer}"] if net.has_bias else 0.0)
            A = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "identity": lambda v: v}[name](Z)
        target = torch.tensor(Y)
        if net.softmax:
            E = torch.nn.functional.cross_entropy(A, target, reduction="sum")
            if net.loss.name == "kl":
                E = E + torch.special.xlogy(target, target).sum()
        elif net.loss.name == "logistic":
            E = torch.nn.functional.softplus(-target * Z).sum()
        else:
            E = ((target - A) ** 2).sum()
        E.backward()
        ours_E, ours = model(params, X, Y)
        assert ours_E == pytest.approx(E.item(), rel=1e-12)
        for key in params:
            np.testing.assert_allclose(ours[key], tensors[key].grad.numpy(), rtol=1e-10, atol=1e-12)


# --- one program per layer template ---------------------------------------------------------------------------
TEMPLATES = [
    ([3, 5, 4], dict(activation="sigmoid", bias=True)),
    ([4, 3, 5, 2], dict(activation=["relu", "tanh", "sigmoid"], bias=False)),
    ([3, 4, 4], dict(activation="tanh", output="softmax", loss="cross_entropy", bias=True)),
    ([3, 3, 3], dict(activation="relu", output="softmax", loss="kl", bias=False)),
    ([4, 3, 1], dict(activation="tanh", loss="logistic", bias=True)),
    ([1, 3, 1], dict(activation="identity", bias=True)),
]


@pytest.mark.parametrize("sizes, settings", TEMPLATES, ids=lambda v: str(v))
def test_the_layer_template_gives_the_same_program_as_the_whole_network(sizes, settings):
    """The claim behind compiling by template: the code built and checked on every entry of the network itself
    is the code built and checked on its template (widths min(N_ℓ, 2))."""
    net = MLP(sizes, **settings)
    whole, whole_verified = generate_source(net, per_layer_template=False)
    by_template, _ = generate_source(net)
    assert _body(whole) == _body(by_template)
    assert len(whole_verified) >= 10 and all(isinstance(line, str) for line in whole_verified)


def _body(source: str) -> str:
    return source[source.index('"""', 3) + 3 :].split("\n", 1)[1]


def test_a_large_network_compiles_from_its_template_without_building_its_symbols():
    net = MLP([784, 128, 10], activation="sigmoid", bias=True)
    model = compile(net)
    assert "_symbols" not in vars(net)  # 101,770 parameters, and not one SymPy symbol made for them
    assert model.size == 101_770 and "layer template [2, 2, 2]" in model.source
    with pytest.raises(SpecError, match="too many for symbolic derivation"):
        net.W(1)
    rng = np.random.default_rng(0)
    params = {key: rng.normal(scale=0.05, size=shape) for key, shape in model.parameter_shapes.items()}
    X, Y = rng.normal(size=(6, 784)), rng.uniform(size=(6, 10))
    _, grads = model(params, X, Y)
    expected = autograd_reference.gradients(params, X, Y, ["sigmoid", "sigmoid"], "squared", False)
    for key in params:
        np.testing.assert_allclose(grads[key], expected[key], rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("sizes, settings", COMBINATIONS[::4], ids=lambda v: str(v))
def test_calls_never_change_their_inputs(sizes, settings):
    """The generated code works in place, but only in arrays it made itself."""
    net = MLP(sizes, **settings)
    model = compile(net)
    params, X, Y = _problem(net, model, np.random.default_rng(2), n=300)  # large: the tanh form of σ, too
    copies = ({k: v.copy() for k, v in params.items()}, X.copy(), Y.copy())
    model(params, X, Y)
    model.loss(params, X, Y)
    model.forward(params, X)
    w = model.pack(params)
    w_copy = w.copy()
    model.value_and_grad_batch(w, model.batch(X, Y))
    assert all(np.array_equal(params[k], copies[0][k]) for k in params)
    assert np.array_equal(X, copies[1]) and np.array_equal(Y, copies[2]) and np.array_equal(w, w_copy)


def test_large_and_small_batches_use_both_forms_of_sigma_and_agree():
    model = compile(MLP([3, 100, 2], activation="sigmoid", bias=True))
    assert "tanh(Z1, Z1)" in model.source and "expit(Z1)" in model.source
    rng = np.random.default_rng(4)
    params = {key: rng.normal(size=shape) for key, shape in model.parameter_shapes.items()}
    X, Y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))  # Z1 has 800 entries: (1 + tanh(z/2))/2
    E, grads = model(params, X, Y)
    parts = [model(params, X[i : i + 1], Y[i : i + 1]) for i in range(8)]  # 100 entries each: expit
    assert E == pytest.approx(sum(part[0] for part in parts), rel=1e-13)
    for key in params:
        np.testing.assert_allclose(grads[key], sum(part[1][key] for part in parts), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("loss", ["cross_entropy", "kl"])
def test_many_short_softmax_rows_take_the_transposed_row_maximum_and_agree_with_autograd_and_one_row_calls(loss):
    """Above 64 rows of fewer than 64 outputs the row maximum is taken down a transposed copy and the row sums
    by a product with ones; one-row calls take the row-wise reduction.  Both agree with autograd, at |z| = 1000 too."""
    net = MLP([3, 4, 3], activation="tanh", bias=True, output="softmax", loss=loss)
    model = compile(net)
    assert "M = maximum.reduce(A2.T.copy(), axis=0).reshape(-1, 1)" in model.source
    assert "M = maximum.reduce(A2, axis=1, keepdims=True)" in model.source and "SUMS = dot(EXPS, ones((EXPS.shape[1], 1)))" in model.source
    rng = np.random.default_rng(8)
    params, X, Y = _problem(net, model, rng, n=100)
    Y = rng.dirichlet(np.ones(3), size=100) if loss == "kl" else Y  # probability rows: Σ_j y_j is used, not assumed 1
    for scale in (1.0, 1000.0 / np.abs(model.forward(params, X)["z2"]).max()):
        params["W2"], params["b2"] = params["W2"] * scale, params["b2"] * scale
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            E, grads = model(params, X, Y)
            parts = [model(params, X[i : i + 1], Y[i : i + 1]) for i in range(100)]
        assert np.isfinite(E) and E == pytest.approx(sum(part[0] for part in parts), rel=1e-12)
        for key in params:
            np.testing.assert_allclose(grads[key], sum(part[1][key] for part in parts), rtol=1e-10, atol=1e-10)
    params["W2"], params["b2"] = params["W2"] / scale, params["b2"] / scale
    E, grads = model(params, X, Y)
    expected = autograd_reference.gradients(params, X, Y, _names(net), net.loss.name, net.softmax)
    assert E == pytest.approx(autograd_reference.total_error(params, X, Y, _names(net), net.loss.name, net.softmax), rel=1e-12)
    for key in params:
        np.testing.assert_allclose(grads[key], expected[key], rtol=1e-10, atol=1e-12)


def test_the_printed_statements_are_run_on_symbols_and_a_wrong_lowering_is_refused(monkeypatch):
    from collections import Counter

    from symbackprop.emit import elementwise

    D, A = sp.symbols("D A")
    kinds = {"D": elementwise.FULL, "A": elementwise.FULL}
    ops, result = elementwise.lower(D * A * (1 - A), kinds, writable={"D", "A"})
    assert elementwise.print_ops(ops, indent="") == ["T1 = 1.0 - A", "D *= A", "D *= T1"]
    store = elementwise.execute(ops, kinds)
    assert sp.expand(store[result] - D * A * (1 - A)) == 0 and store["A"] == A  # A is used twice: never overwritten
    # a lowering that believes A is used once writes 1 − A into A before multiplying by A: caught
    monkeypatch.setattr(elementwise, "Counter", lambda names: Counter(set(names)))
    with pytest.raises(NotSupportedError, match="compute"):
        elementwise.lower(A * (1 - A), kinds, writable={"A"})
    monkeypatch.undo()
    # a lowering that writes into an array the caller did not give it: caught
    original = elementwise._Lowering.__init__

    def careless(self, kinds, writable, temp, accurate_sigmoid):
        original(self, kinds, writable, temp, accurate_sigmoid)
        self.writable = self.writable | {"A"}

    monkeypatch.setattr(elementwise._Lowering, "__init__", careless)
    with pytest.raises(NotSupportedError, match="overwrite A"):
        elementwise.lower(D + 2 * A, kinds, writable={"D"})


def test_doubling_in_place_is_printed_as_an_addition_that_rounds_exactly_like_the_product():
    """``R *= 2.0`` is printed ``R += R`` (no scalar to convert): x + x and 2·x are the same float, overflow included."""
    from symbackprop.emit.elementwise import Op, execute, print_ops

    op = Op("mul", "R", ("R", sp.Integer(2)), True)
    assert print_ops([op]) == ["    R += R"] and execute([op], ["R"])["R"] == 2 * sp.Symbol("R")
    assert print_ops([Op("mul", "R", ("R", sp.Integer(3)), True)]) == ["    R *= 3.0"]
    values = np.concatenate([np.random.default_rng(5).normal(size=1000) * 10.0 ** np.arange(-300, 300, 0.6), [0.0, -0.0, 5e-324, 1e308]])
    doubled = values.copy()
    with np.errstate(over="ignore"):
        doubled += doubled
        assert np.array_equal(doubled, values * 2.0)
    assert doubled[-1] == np.inf and np.signbit(doubled[-3])
    model = compile(MLP([2, 2, 1], activation="sigmoid", bias=True))
    assert "R += R" in model.source and "R *= 2.0" not in model.source
