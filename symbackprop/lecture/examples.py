"""The training examples of the CLI and the demo: a data set, a network, the four methods, a table and a plot.

>>> comparison = compare_methods("lecture", quiet=True)
>>> [result.method for result in comparison.results]
['gd', 'gd-exact', 'sgd', 'minibatch']
>>> all(r.E_final < r.E_initial for r in comparison.results)
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..data import Dataset, load_example
from ..errors import DataError, ShapeError, SpecError
from ..model import CompiledModel, compile
from ..network import MLP
from ..plots import plot_losses
from ..train import METHODS, TrainingResult, train_methods

__all__ = ["ExampleSetup", "SETUPS", "Comparison", "compare_methods", "default_setup"]


@dataclass(frozen=True)
class ExampleSetup:
    """Network and step sizes that suit one data set (every value can be overridden)."""

    sizes: tuple[int, ...]
    activation: str
    output: str | None
    bias: bool
    loss: str
    epochs: int
    alpha: float  # GD's fixed step (E is a sum, so it scales like 1/S)
    gamma: float  # γ_k = gamma/(k+1) for SGD and mini-batch SGD
    batch_size: int


SETUPS: dict[str, ExampleSetup] = {
    # L1: one sigmoid neuron, two weights, no bias, squared error
    "lecture": ExampleSetup((2, 1), "sigmoid", None, False, "squared", epochs=200, alpha=0.5, gamma=1.0, batch_size=2),
    # L17: a sigmoid output neuron and y ∈ {+1, −1}
    "binary": ExampleSetup((2, 4, 1), "tanh", "sigmoid", True, "logistic", epochs=100, alpha=0.02, gamma=1.0, batch_size=16),
    # L18: softmax outputs, one-hot targets, cross-entropy
    "iris": ExampleSetup((4, 8, 3), "tanh", "softmax", True, "cross_entropy", epochs=100, alpha=0.01, gamma=1.0, batch_size=16),
    # L18 on 1,438 8×8 images (359 more held out): 2,410 parameters
    "digits": ExampleSetup((64, 32, 10), "tanh", "softmax", True, "cross_entropy", epochs=40, alpha=0.001, gamma=0.1, batch_size=32),
}


def default_setup(data: Dataset) -> ExampleSetup:
    """A setup for a user's data set, chosen from its task and size."""
    if data.name in SETUPS and data.n_features == SETUPS[data.name].sizes[0]:
        return SETUPS[data.name]
    d, c, S = data.n_features, data.n_outputs, data.n_samples
    alpha = min(0.5, 1.0 / S)
    common = dict(epochs=100, alpha=alpha, gamma=0.5, batch_size=min(16, S))
    if data.task == "multiclass":
        return ExampleSetup((d, 8, c), "tanh", "softmax", True, "cross_entropy", **common)  # type: ignore[arg-type]
    if data.task == "binary":
        return ExampleSetup((d, 8, 1), "tanh", "sigmoid", True, "logistic", **common)  # type: ignore[arg-type]
    if data.task == "binary01":
        return ExampleSetup((d, 8, 1), "tanh", "sigmoid", True, "squared", **common)  # type: ignore[arg-type]
    return ExampleSetup((d, 8, c), "tanh", "identity", True, "squared", **common)  # type: ignore[arg-type]


@dataclass
class Comparison:
    """Several methods trained from one starting point on one data set."""

    dataset: Dataset
    network: MLP
    model: CompiledModel
    results: list[TrainingResult]
    seed: int
    plot: Path | None = None
    settings: dict[str, object] = field(default_factory=dict)

    def table(self) -> str:
        """The compact table the CLI prints."""
        held_out_header = "" if self.dataset.test is None else f" {'test acc':>9}"
        lines = [
            f"data      {self.dataset.describe()}",
            f"network   {self.network.spec.describe()} ({self.model.size} parameters), start: init_params(seed={self.seed})",
            f"settings  {', '.join(f'{k}={v}' for k, v in self.settings.items())}",
            "",
            f"{'method':<10} {'E start':>10} {'E final':>10} {'‖∇E‖₂':>9} {'accuracy':>9}{held_out_header} {'steps':>6} {'epochs':>6} {'time':>8}  ended",
        ]
        for r in self.results:
            accuracy = "—" if r.accuracy is None else f"{r.accuracy:.1%}"
            held_out = "" if self.dataset.test is None else f" {'—' if r.test_accuracy is None else f'{r.test_accuracy:.1%}':>9}"
            lines.append(
                f"{r.method:<10} {r.E_initial:>10.5g} {r.E_final:>10.5g} {r.grad_norm_final:>9.2e} {accuracy:>9}{held_out} "
                f"{r.steps:>6} {r.epochs:>6.4g} {r.seconds:>6.3f} s  {r.status}"
            )
        troubled = [r for r in self.results if r.status in ("diverged", "stalled", "plateau")]
        for r in troubled:
            lines.append(f"  {r.method}: {r.message}")
        lines.append("")
        lines.append("E = Σ_i e^i over all samples; an epoch is one pass over the samples (one GD step, S SGD steps).")
        if self.dataset.test is not None:
            lines.append(f"test acc: accuracy on the {self.dataset.test.n_samples} held-out samples, never trained on.")
        if self.plot is not None:
            lines.append(f"plot      {self.plot}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        runs = ", ".join(f"{r.method}: {r.E_initial:.4g} → {r.E_final:.4g}" for r in self.results)
        return f"Comparison({self.dataset.name!r}, {self.network.spec.describe()}; {runs})"


def compare_methods(
    example: str = "lecture",
    *,
    data: Dataset | None = None,
    methods: str | Sequence[str] = "all",
    sizes: Sequence[int] | str | None = None,
    activation: str | Sequence[str] | None = None,
    output: str | None = None,
    bias: bool | None = None,
    loss: str | None = None,
    epochs: int | None = None,
    alpha: float | None = None,
    gamma: float | None = None,
    batch_size: int | None = None,
    tol: float = 1e-6,
    seed: int = 0,
    plot: str | Path | None = None,
    force: bool = False,
    inputs: Sequence[str | Path] = (),
    quiet: bool = True,
) -> Comparison:
    """Train the chosen methods (``"all"`` = gd, gd-exact, sgd, minibatch) on an example or ``data``; plot if asked.

    Unset options take the example's setup (:data:`SETUPS`) or, for a user's data, :func:`default_setup`.
    The plot is never written over ``inputs`` (the user's data file) nor, unless ``force``, over a file
    symbackprop did not write.
    This is what ``symbackprop train`` runs, and what a demo can call.
    """
    dataset = data if data is not None else load_example(example)
    setup = default_setup(dataset) if data is not None else SETUPS[example]
    chosen = list(METHODS) if methods == "all" else [methods] if isinstance(methods, str) else list(methods)
    net = MLP(
        sizes if sizes is not None else list(setup.sizes),
        activation=activation if activation is not None else setup.activation,
        output=output if output is not None else setup.output,
        bias=setup.bias if bias is None else bias,
        loss=loss if loss is not None else setup.loss,
    )
    if net.sizes[0] != dataset.n_features or net.sizes[-1] != dataset.n_outputs:
        raise ShapeError(
            f"the {dataset.name} data has {dataset.n_features} features and {dataset.n_outputs} output(s): "
            f"sizes must start with {dataset.n_features} and end with {dataset.n_outputs}, got {list(net.sizes)}"
        )
    _check_task(net, dataset)
    model = compile(net)
    settings = dict(
        epochs=epochs if epochs is not None else setup.epochs,
        alpha=alpha if alpha is not None else setup.alpha,
        gamma=gamma if gamma is not None else setup.gamma,
        batch_size=batch_size if batch_size is not None else setup.batch_size,
        tol=tol,
    )
    results = train_methods(model, dataset.X, dataset.Y, chosen, seed=seed, quiet=quiet, **settings)  # type: ignore[arg-type]
    for result in results:
        result.accuracy = dataset.accuracy(model.output(result.params, dataset.X))
        if dataset.test is not None:
            result.test_accuracy = dataset.test.accuracy(model.output(result.params, dataset.test.X))
    shown = {"α (gd)": settings["alpha"], "γ_k": f"{settings['gamma']:g}/(k+1)", "B": settings["batch_size"], "tol": tol}
    comparison = Comparison(dataset, net, model, results, seed, settings=shown)
    if plot is not None:
        title = f"{dataset.name}: {net.spec.describe()}"
        comparison.plot = plot_losses(results, plot, title=title, inputs=inputs, force=force)
    return comparison


def _check_task(net: MLP, data: Dataset) -> None:
    if data.task == "multiclass" and not net.softmax:
        raise SpecError(f"the {data.name} data is multi-class with one-hot targets (L18): use --output softmax --loss cross_entropy (or kl)")
    if net.softmax and data.task != "multiclass":
        raise SpecError(f"softmax outputs need one-hot targets, but the {data.name} data is {data.task}")
    if net.loss.name == "logistic" and data.task != "binary":
        raise DataError(f"the logistic loss needs targets y ∈ {{+1, −1}} (L17), but the {data.name} data is {data.task}")
