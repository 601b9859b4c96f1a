"""Loss curves of the trainers on one figure, written as a PNG (matplotlib's Agg canvas, no GUI, no pyplot state)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .errors import DataError
from .files import PNG_SOFTWARE, atomic_path, prepare_output
from .train import TrainingResult

__all__ = ["plot_losses", "check_plot_path", "save_png"]

_STYLE = {
    "gd": dict(color="#1f77b4", linestyle="-"),
    "gd-exact": dict(color="#d62728", linestyle="--"),
    "sgd": dict(color="#2ca02c", linestyle="-"),
    "minibatch": dict(color="#9467bd", linestyle="-."),
}


def _log_scale_helps(values: Sequence[np.ndarray]) -> bool:
    """Log scale when every value is positive and they span more than a factor of 3."""
    joined = np.concatenate([v for v in values if v.size]) if values else np.zeros(0)
    if joined.size == 0 or not np.all(joined > 0):
        return False
    return float(joined.max() / joined.min()) > 3.0


def plot_losses(
    results: Sequence[TrainingResult],
    path: str | Path,
    *,
    title: str = "",
    dpi: int = 120,
    inputs: Iterable[str | os.PathLike] = (),
    force: bool = False,
) -> Path:
    """E = Σ_i e^i and ‖∇E‖₂ against epochs (passes over the S samples) for every run; returns the PNG's path.

    One GD step is one epoch; an SGD step is 1/S of one; so the curves of all methods share the x-axis.
    Written under :mod:`symbackprop.files`' policy: never over ``inputs`` or a PNG symbackprop did not write
    (unless ``force``), atomically, with a missing folder created; the PNG's Software field names symbackprop.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # imported on use: half a second
    from matplotlib.figure import Figure

    if not results:
        raise DataError("nothing to plot: no training results")
    path = check_plot_path(path, inputs=inputs, force=force)
    figure = Figure(figsize=(11, 4.6), layout="constrained")
    FigureCanvasAgg(figure)
    loss_axes, grad_axes = figure.subplots(1, 2)
    for result in results:
        epochs = np.asarray(result.history.epochs, dtype=float)
        style = _STYLE.get(result.method, {})
        ended = {"converged": "", "max_steps": "", "stalled": ", stalled", "plateau": ", plateau", "diverged": ", DIVERGED"}.get(result.status, "")
        label = f"{result.method}: E = {result.E_final:.4g}{ended}"
        marker = "o" if len(epochs) < 30 else None
        loss_axes.plot(epochs, result.history.E, label=label, marker=marker, markersize=3, linewidth=1.6, **style)
        grad_axes.plot(epochs, result.history.grad_norm, label=result.method, marker=marker, markersize=3, linewidth=1.6, **style)
    losses = [np.asarray(r.history.E, dtype=float) for r in results]
    norms = [np.asarray(r.history.grad_norm, dtype=float) for r in results]
    if _log_scale_helps(losses):
        loss_axes.set_yscale("log")
    if _log_scale_helps(norms):
        grad_axes.set_yscale("log")
    loss_axes.set_title("total error E(w) = Σᵢ eⁱ(w)")
    loss_axes.set_ylabel("E")
    grad_axes.set_title("gradient norm ‖∇E(w)‖₂")
    grad_axes.set_ylabel("‖∇E‖₂")
    for axes in (loss_axes, grad_axes):
        axes.set_xlabel("epochs (passes over the samples)")
        axes.grid(True, which="major", alpha=0.35)
    loss_axes.legend(fontsize=9)
    grad_axes.legend(fontsize=9)
    if title:
        figure.suptitle(title, fontsize=11)
    try:
        save_png(figure, path, dpi=dpi, inputs=inputs, force=force)
    except OSError as error:
        raise DataError(f"cannot write {path}: {error.strerror or error}") from None
    return path


def check_plot_path(path: str | Path, *, inputs: Iterable[str | os.PathLike] = (), force: bool = False) -> Path:
    """A plot's path, checked before any work: it ends in .png and may be written under the output policy
    (its folder is created if missing).  Raises :class:`~symbackprop.errors.DataError` or
    :class:`~symbackprop.files.OverwriteError`."""
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise DataError(f"the plot is written as PNG: give a file name ending in .png, got {path.name!r}")
    return prepare_output(path, inputs=inputs, force=force)


def save_png(
    figure, path: str | Path, *, dpi: int, inputs: Iterable[str | os.PathLike] = (), force: bool = False  # noqa: ANN001 - a matplotlib Figure
) -> Path:
    """Save a matplotlib figure as PNG under the output policy: atomically, with symbackprop named in the
    PNG's Software metadata (so that the next run recognises the file as its own)."""
    target = prepare_output(path, inputs=inputs, force=force)
    with atomic_path(target) as temporary:
        figure.savefig(temporary, dpi=dpi, format="png", metadata={"Software": PNG_SOFTWARE})
    return target
