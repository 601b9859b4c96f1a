"""The figures: loss curves, descent paths over the error surface, step-size schedules and per-layer
gradient norms — drawn on matplotlib's Agg canvas (no GUI, no pyplot state) from plain arrays.

Each ``*_figure`` function returns a matplotlib ``Figure``; :func:`save_figure` writes one as PNG or
PDF under :mod:`symbackprop.files`' policy (atomically; the file's metadata names symbackprop, so a
later run may replace it).  The lecture's notes include the PDFs; the commands write the PNGs.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Sequence

import numpy as np

from .errors import DataError
from .files import PNG_SOFTWARE, atomic_path, prepare_output
from .train import TrainingResult

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "check_plot_path",
    "plot_losses",
    "save_figure",
    "new_figure",
    "log_axis",
    "losses_figure",
    "DescentPath",
    "descent_paths_figure",
    "ScheduleCurve",
    "schedules_figure",
    "NormCurve",
    "gradient_norms_figure",
    "METHOD_STYLE",
    "PDF_METADATA",
]

METHOD_STYLE = {
    "gd": dict(color="#1f77b4", linestyle="-"),
    "gd-exact": dict(color="#d62728", linestyle="--"),
    "sgd": dict(color="#2ca02c", linestyle="-"),
    "minibatch": dict(color="#9467bd", linestyle="-."),
}
METHOD_LABEL = {"gd": "GD, fixed step", "gd-exact": "GD, exact line search", "sgd": "SGD", "minibatch": "mini-batch SGD"}


def new_figure(width: float, height: float, *, margins: dict[str, float] | None = None) -> "Figure":
    """A figure on the Agg canvas: with ``margins`` (subplots_adjust's fractions) a fixed layout, which draws
    in a fraction of the time; without them matplotlib's constrained layout."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # imported on use: half a second
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), layout=None if margins else "constrained")
    if margins:
        figure.subplots_adjust(**margins)
    FigureCanvasAgg(figure)
    return figure


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def log_axis(axes: object, which: str = "y") -> None:
    """A log scale whose tick labels are plain text (10⁻³), not mathtext: the same look, drawn far faster."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    def label(value: float, _position: object) -> str:
        if value <= 0:
            return ""
        exponent = round(math.log10(value))
        if abs(value / 10.0**exponent - 1) > 1e-6:
            return ""
        return "1" if exponent == 0 else "10" + str(exponent).translate(_SUPERSCRIPT)

    axis = axes.yaxis if which == "y" else axes.xaxis  # type: ignore[attr-defined]
    (axes.set_yscale if which == "y" else axes.set_xscale)("log")  # type: ignore[attr-defined]
    axis.set_major_locator(LogLocator(base=10.0, numticks=8))
    axis.set_major_formatter(FuncFormatter(label))
    axis.set_minor_locator(NullLocator())


PDF_METADATA = {"Creator": "symbackprop", "CreationDate": None}
"""What every PDF figure carries: recognisably ours (files.py), and no date, so the same figure gives the same bytes."""


def check_plot_path(path: str | Path, *, inputs: Iterable[str | os.PathLike] = (), force: bool = False) -> Path:
    """A figure's path, checked before any work is done for it: it ends in .png or .pdf and may be written
    under the output policy (its folder is created if missing).  Raises :class:`~symbackprop.errors.DataError`
    or :class:`~symbackprop.files.OverwriteError`."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".pdf"):
        raise DataError(f"a figure is written as PNG or PDF: give a file name ending in .png or .pdf, got {path.name!r}")
    return prepare_output(path, inputs=inputs, force=force)


def save_figure(
    figure: "Figure",
    path: str | Path,
    *,
    dpi: int = 120,
    inputs: Iterable[str | os.PathLike] = (),
    force: bool = False,
) -> Path:
    """Write ``figure`` to ``path`` (``.png`` or ``.pdf``) under :mod:`symbackprop.files`' policy: never over
    ``inputs`` or a file symbackprop did not write (unless ``force``), atomically, with a missing folder
    created; the file's metadata (PNG Software, PDF Creator) names symbackprop."""
    path = check_plot_path(path, inputs=inputs, force=force)
    kind = path.suffix.lower().lstrip(".")
    metadata = {"Software": PNG_SOFTWARE} if kind == "png" else PDF_METADATA
    try:
        with atomic_path(path) as temporary:
            figure.savefig(temporary, dpi=dpi, format=kind, metadata=metadata)
    except OSError as error:
        raise DataError(f"cannot write {path}: {error}") from None
    return path


# --- loss curves -----------------------------------------------------------------------------------------

def _log_scale_helps(values: Sequence[np.ndarray]) -> bool:
    """Log scale when every value is positive and they span more than a factor of 3."""
    joined = np.concatenate([v for v in values if v.size]) if values else np.zeros(0)
    if joined.size == 0 or not np.all(joined > 0):
        return False
    return float(joined.max() / joined.min()) > 3.0


def losses_figure(results: Sequence[TrainingResult], *, title: str = "") -> "Figure":
    """E = Σ_i e^i and ‖∇E‖₂ against epochs (passes over the S samples) for every run."""
    if not results:
        raise DataError("nothing to plot: no training results")
    figure = new_figure(11, 4.6)
    loss_axes, grad_axes = figure.subplots(1, 2)
    for result in results:
        epochs = np.asarray(result.history.epochs, dtype=float)
        style = METHOD_STYLE.get(result.method, {})
        ended = {"converged": "", "max_steps": "", "stalled": ", stalled", "plateau": ", plateau", "diverged": ", DIVERGED"}.get(result.status, "")
        label = f"{result.method}: E = {result.E_final:.4g}{ended}"
        marker = "o" if len(epochs) < 30 else None
        loss_axes.plot(epochs, result.history.E, label=label, marker=marker, markersize=3, linewidth=1.6, **style)
        grad_axes.plot(epochs, result.history.grad_norm, label=result.method, marker=marker, markersize=3, linewidth=1.6, **style)
    if _log_scale_helps([np.asarray(r.history.E, dtype=float) for r in results]):
        log_axis(loss_axes)
    if _log_scale_helps([np.asarray(r.history.grad_norm, dtype=float) for r in results]):
        log_axis(grad_axes)
    loss_axes.set_title("total error E(w) = Σᵢ eⁱ(w)")
    loss_axes.set_ylabel("E")
    grad_axes.set_title("gradient norm ‖∇E(w)‖₂")
    grad_axes.set_ylabel("‖∇E‖₂")
    for axes in (loss_axes, grad_axes):
        axes.set_xlabel("epochs (passes over the samples)")
        axes.grid(True, which="major", alpha=0.35)
        axes.legend(fontsize=9)
    if title:
        figure.suptitle(title, fontsize=11)
    return figure


def plot_losses(
    results: Sequence[TrainingResult],
    path: str | Path,
    *,
    title: str = "",
    dpi: int = 120,
    inputs: Iterable[str | os.PathLike] = (),
    force: bool = False,
) -> Path:
    """:func:`losses_figure` written as a PNG (by :func:`save_figure`, under the files policy); returns its path.

    One GD step is one epoch; an SGD step is 1/S of one; so the curves of all methods share the x-axis.
    """
    if not results:
        raise DataError("nothing to plot: no training results")
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise DataError(f"the plot is written as PNG: give a file name ending in .png, got {path.name!r}")
    return save_figure(losses_figure(results, title=title), path, dpi=dpi, inputs=inputs, force=force)


# --- descent paths over the error surface -----------------------------------------------------------------

@dataclass(frozen=True)
class DescentPath:
    """The iterates w^0, w^1, … of one run (rows), and the method that produced them."""

    method: str
    points: np.ndarray
    label: str = ""


def descent_paths_figure(
    w1: np.ndarray,
    w2: np.ndarray,
    E: np.ndarray,
    paths: Sequence[DescentPath],
    *,
    axis_labels: tuple[str, str] = ("w¹₁₁", "w¹₁₂"),
    minimum: tuple[float, float] | None = None,
) -> "Figure":
    """Contours of E over the grid (w1 × w2; ``E[i, j]`` at (w1[j], w2[i])) with every path drawn on it."""
    figure = new_figure(6.0, 4.3, margins=dict(left=0.1, right=0.98, bottom=0.11, top=0.93))
    axes = figure.add_subplot(1, 1, 1)
    low, high = float(np.min(E)), float(np.max(E))
    levels = np.unique(np.quantile(E, np.linspace(0.0, 1.0, 16) ** 1.6))
    filled = axes.contourf(w1, w2, E, levels=levels, cmap="Greys", alpha=0.55)
    axes.contour(w1, w2, E, levels=levels, colors="0.35", linewidths=0.5)
    colorbar = figure.colorbar(filled, ax=axes, shrink=0.9)
    colorbar.set_label("E(w) = Σᵢ eⁱ(w)", fontsize=8)
    colorbar.ax.tick_params(labelsize=7)
    for path in paths:
        style = dict(METHOD_STYLE.get(path.method, {}))
        points = np.asarray(path.points, dtype=float)
        thin = path.method in ("sgd", "minibatch")
        axes.plot(points[:, 0], points[:, 1], linewidth=0.9 if thin else 1.8, alpha=0.85 if thin else 1.0,
                  marker=None if thin else "o", markersize=2.5, label=path.label or METHOD_LABEL.get(path.method, path.method), **style)
    if paths:
        start = np.asarray(paths[0].points, dtype=float)[0]
        axes.plot([start[0]], [start[1]], marker="s", color="black", markersize=7, linestyle="none", label="start w⁰")
    if minimum is not None:
        axes.plot([minimum[0]], [minimum[1]], marker="*", color="#ff7f0e", markersize=14, linestyle="none",
                  markeredgecolor="black", label="minimiser (line search's end)")
    axes.set_xlabel(axis_labels[0], fontsize=9)
    axes.set_ylabel(axis_labels[1], fontsize=9)
    axes.tick_params(labelsize=7)
    axes.set_title(f"contours of E over the weights ({low:.3g} to {high:.3g} on this window)", fontsize=9)
    axes.legend(fontsize=7, loc="best", framealpha=0.9)
    return figure


# --- step-size schedules (L5) ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScheduleCurve:
    """One SGD run: the schedule's label, γ_k for k = 0…, and E against epochs."""

    label: str
    gamma: np.ndarray
    epochs: np.ndarray
    E: np.ndarray


def schedules_figure(curves: Sequence[ScheduleCurve]) -> "Figure":
    """Left: γ_k against k (log–log); right: E(w^k) against epochs for each schedule."""
    figure = new_figure(7.6, 3.0, margins=dict(left=0.08, right=0.99, bottom=0.15, top=0.91, wspace=0.25))
    left, right = figure.subplots(1, 2)
    for index, curve in enumerate(curves):
        color = f"C{index}"
        k = np.arange(len(curve.gamma))
        left.plot(k + 1, curve.gamma, color=color, linewidth=1.4, label=curve.label)
        right.plot(curve.epochs, curve.E, color=color, linewidth=1.0, label=curve.label)
    log_axis(left, "x")
    log_axis(left, "y")
    left.set_xlabel("iteration k + 1", fontsize=8)
    left.set_ylabel("step size γₖ", fontsize=8)
    left.set_title("the schedules", fontsize=9)
    right.set_xlabel("epochs (passes over the samples)", fontsize=8)
    right.set_ylabel("E(w) = Σᵢ eⁱ(w)", fontsize=8)
    right.set_title("SGD on the simple example", fontsize=9)
    for axes in (left, right):
        axes.tick_params(labelsize=7)
        axes.grid(True, which="major", alpha=0.35)
        axes.legend(fontsize=6.5)
    return figure


# --- per-layer gradient norms (L14) ------------------------------------------------------------------------

@dataclass(frozen=True)
class NormCurve:
    """Medians over samples, per layer ℓ = 1…L: ‖δ^ℓ‖₂, ‖∇_{W^ℓ} e‖₂ and the L14 bound on it."""

    label: str
    delta: np.ndarray
    gradient: np.ndarray
    bound: np.ndarray


def gradient_norms_figure(curves: Sequence[NormCurve], *, title: str = "") -> "Figure":
    """Left: ‖δ^ℓ‖₂ = ‖V^{ℓ+1}⋯V^L δ^L‖₂ against ℓ; right: ‖∇_{W^ℓ} e‖₂ with the L14 bound (dashed)."""
    figure = new_figure(7.6, 3.6, margins=dict(left=0.08, right=0.99, bottom=0.12, top=0.86, wspace=0.25))
    left, right = figure.subplots(1, 2)
    for index, curve in enumerate(curves):
        color = f"C{index}"
        layers = np.arange(1, len(curve.delta) + 1)
        growth = curve.delta[0] / curve.delta[-1]
        left.plot(layers, curve.delta, color=color, marker="o", markersize=3, linewidth=1.3,
                  label=f"{curve.label} (‖δ¹‖/‖δᴸ‖ = {growth:.2g})")
        right.plot(layers, curve.gradient, color=color, marker="o", markersize=3, linewidth=1.3, label=curve.label)
        right.plot(layers, curve.bound, color=color, linestyle="--", linewidth=0.9)
    right.plot([], [], color="0.3", linestyle="--", linewidth=0.9,
               label="the bound L14 (dashed)")
    left.set_ylabel("‖δ‖₂ of layer ℓ, median over samples", fontsize=8)
    left.set_title("backpropagated error per layer", fontsize=9)
    right.set_ylabel("‖∇_W e‖₂ of layer ℓ, median over samples", fontsize=8)
    right.set_title("weight gradient (solid) and its bound (dashed)", fontsize=9)
    for axes in (left, right):
        log_axis(axes)
        axes.set_xlabel("layer ℓ (1 = next to the input)", fontsize=8)
        axes.tick_params(labelsize=7)
        axes.grid(True, which="major", alpha=0.3)
        axes.legend(fontsize=6, loc="best")
    if title:
        figure.suptitle(title, fontsize=9)
    return figure
