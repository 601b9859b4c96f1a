"""L14: per-layer gradient norms of deep networks, and the lecture's bound checked on every layer.

‖∇_{W^ℓ} e‖₂ ≤ ‖Diag(φ^ℓ')‖₂ · ‖V^{ℓ+1} ⋯ V^L δ^L‖₂ · ‖a^{ℓ−1}‖₂

The left side is the spectral norm of the sample-wise gradient that the compiled model returns; the
right side is assembled from the lecture's pieces: φ'(z^ℓ) from the layer's derivative formula, δ^L from
the symbolic output delta, δ^ℓ = V^{ℓ+1} δ^{ℓ+1} = (W^{ℓ+1})^T Diag(φ^{ℓ+1}') δ^{ℓ+1} and a^{ℓ−1} from the
forward pass.  Products of many factors below 1 make early layers' gradients vanish (σ' ≤ 1/4);
products above 1 make them explode.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np
import sympy as sp

from ..derive import output_delta
from ..model import compile as compile_model
from ..network import MLP

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure as MatplotlibFigure

__all__ = [
    "LayerNorms",
    "LayerNormEvaluator",
    "gradient_norms",
    "vanishing_gradients_study",
    "norm_curves",
    "gradient_norms_title",
    "plot_gradient_norms",
    "studies_figure",
]


@dataclass(frozen=True)
class LayerNorms:
    """Norms for one network, one row per sample and one column per layer ℓ = 1…L."""

    label: str
    sizes: tuple[int, ...]
    gradient: np.ndarray
    bound: np.ndarray
    delta: np.ndarray

    @property
    def bound_holds(self) -> bool:
        """The bound holds for every sample and every layer (up to rounding)."""
        return bool(np.all(self.gradient <= self.bound * (1 + 1e-10) + 1e-300))

    @property
    def median(self) -> np.ndarray:
        return np.median(self.gradient, axis=0)

    @property
    def first_to_last(self) -> float:
        """Median ‖∇_{W^1} e‖₂ / ‖∇_{W^L} e‖₂."""
        return float(self.median[0] / self.median[-1])

    @property
    def backward_growth(self) -> float:
        """Median ‖δ^1‖₂ / ‖δ^L‖₂ with δ^1 = V^2 ⋯ V^L δ^L: ≪ 1 vanishing, ≫ 1 exploding."""
        medians = np.median(self.delta, axis=0)
        return float(medians[0] / medians[-1])


class LayerNormEvaluator:
    """The L14 quantities of one network at one sample, layer by layer, in float64.

    ``evaluate(params, x, y)`` returns three arrays over ℓ = 1…L: ‖∇_{W^ℓ} e‖₂ (the compiled model's
    gradient), the bound ‖Diag(φ^ℓ')‖₂ ‖δ^ℓ‖₂ ‖a^{ℓ−1}‖₂, and ‖δ^ℓ‖₂, with δ^ℓ = V^{ℓ+1} ⋯ V^L δ^L
    formed by the recursion from the forward pass's values.
    """

    def __init__(self, net: MLP) -> None:
        self.net = net
        self.model = compile_model(net)
        self._derivative = [None] + [_derivative(net, layer) for layer in range(1, net.depth + 1)]
        self._delta_last = sp.lambdify([list(net.a(net.depth)), list(net.y)], list(output_delta(net)), "numpy")

    def evaluate(self, params: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        depth = self.net.depth
        x, y = np.reshape(x, (1, -1)), np.reshape(y, (1, -1))
        _, grads = self.model(params, x, y)
        values = self.model.forward(params, x)
        a = [x[0]] + [values[f"a{layer}"][0] for layer in range(1, depth + 1)]
        z = [None] + [values[f"z{layer}"][0] for layer in range(1, depth + 1)]
        delta = np.asarray(self._delta_last(a[-1], y[0]), dtype=float).reshape(-1)
        gradient, bound, deltas = np.zeros(depth), np.zeros(depth), np.zeros(depth)
        for layer in range(depth, 0, -1):
            phi_prime = self._derivative[layer](z[layer], a[layer])
            gradient[layer - 1] = np.linalg.norm(grads[f"W{layer}"], 2)
            deltas[layer - 1] = np.linalg.norm(delta)
            bound[layer - 1] = np.max(np.abs(phi_prime)) * np.linalg.norm(delta) * np.linalg.norm(a[layer - 1])
            delta = params[f"W{layer}"].T @ (phi_prime * delta)  # δ^{ℓ−1} = (W^ℓ)^T Diag(φ^ℓ') δ^ℓ
        return gradient, bound, deltas


def gradient_norms(
    activation: str, *, depth: int = 10, width: int = 8, samples: int = 32, scale: float = 1.0, seed: int = 0, label: str | None = None
) -> LayerNorms:
    """Sample-wise norms for a [width]*depth + [1] network with ``activation`` hidden layers and a linear output.

    Weights are drawn from N(0, scale² / N_{ℓ−1}), biases are 0, inputs and targets are standard normal.
    """
    sizes = [width] * depth + [1]
    net = MLP(sizes, activation=activation, output="identity", bias=True)
    evaluator = LayerNormEvaluator(net)
    rng = np.random.default_rng(seed)
    params: dict[str, np.ndarray] = {}
    for layer in range(1, net.depth + 1):
        params[f"W{layer}"] = rng.normal(0.0, scale / np.sqrt(sizes[layer - 1]), size=(sizes[layer], sizes[layer - 1]))
        params[f"b{layer}"] = np.zeros(sizes[layer])
    X = rng.normal(size=(samples, sizes[0]))
    Y = rng.normal(size=(samples, 1))
    rows = [evaluator.evaluate(params, X[n], Y[n]) for n in range(samples)]
    gradient, bound, deltas = (np.array([row[k] for row in rows]) for k in range(3))
    return LayerNorms(label or f"{activation}, scale {scale:g}", tuple(sizes), gradient, bound, deltas)


def _derivative(net: MLP, layer: int):  # noqa: ANN202 - a NumPy function of (z, a)
    """φ^ℓ'(z) from the layer's derivative formula, evaluated elementwise (ReLU'(0) = 0)."""
    z, a = sp.symbols("z a")
    formula = net.activation(layer).derivative(z, a)
    function = sp.lambdify([z, a], formula, modules=[{"Heaviside": lambda v, *_: np.heaviside(v, 0.0)}, "numpy"])
    return lambda z_values, a_values: np.broadcast_to(np.asarray(function(z_values, a_values), dtype=float), np.shape(z_values))


def vanishing_gradients_study(*, depth: int = 10, width: int = 8, samples: int = 32, seed: int = 0) -> list[LayerNorms]:
    """Sigmoid and tanh (vanishing), ReLU at He scale (stable) and at a large scale (exploding)."""
    return [
        gradient_norms("sigmoid", depth=depth, width=width, samples=samples, seed=seed, label="sigmoid (σ' ≤ 1/4)"),
        gradient_norms("tanh", depth=depth, width=width, samples=samples, seed=seed, label="tanh"),
        gradient_norms("relu", depth=depth, width=width, samples=samples, seed=seed, scale=np.sqrt(2.0), label="ReLU, He scale √2"),
        gradient_norms("relu", depth=depth, width=width, samples=samples, seed=seed, scale=2.5, label="ReLU, scale 2.5 (exploding)"),
    ]


def norm_curves(studies: Sequence[LayerNorms]) -> list:  # list[NormCurve]
    """The medians over samples that the L14 figure draws, one curve per network."""
    from ..plots import NormCurve

    return [
        NormCurve(_mathtext(study.label), np.median(study.delta, axis=0), study.median, np.median(study.bound, axis=0))
        for study in studies
    ]


def _mathtext(label: str) -> str:
    """A study's label as the figure prints it (plain text: matplotlib draws it much faster than mathtext)."""
    return label.replace("σ' ≤ 1/4", "σ′ ≤ 1/4")


def gradient_norms_title(studies: Sequence[LayerNorms]) -> str:
    if not studies:
        return ""
    hidden = len(studies[0].sizes) - 2
    return f"L14: {hidden} hidden layers of width {studies[0].sizes[1]}, a linear output, {studies[0].gradient.shape[0]} samples"


def plot_gradient_norms(studies: Sequence[LayerNorms], path: str | Path, *, dpi: int = 120, force: bool = False) -> Path:
    """The L14 figure as a PNG (or PDF): ‖δ^ℓ‖₂ per layer, and ‖∇_{W^ℓ} e‖₂ with the bound drawn; written
    under the output policy (``force`` replaces a file symbackprop did not write)."""
    from ..plots import save_figure

    return save_figure(studies_figure(studies), path, dpi=dpi, force=force)


def studies_figure(studies: Sequence[LayerNorms]) -> "MatplotlibFigure":
    """The L14 figure of ``studies`` (the notes' PDF and ``claims --plot``'s PNG draw this one)."""
    from ..plots import gradient_norms_figure

    return gradient_norms_figure(norm_curves(studies), title=gradient_norms_title(studies))
