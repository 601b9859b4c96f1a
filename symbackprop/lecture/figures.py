"""The lecture's figures, drawn from the story's runs (:mod:`symbackprop.lecture.story`): the notes include
them as PDF files, ``symbackprop demo`` and ``symbackprop claims --plot`` write them as PNGs.

- ``paths``: contours of E(w_11, w_12) for the simple example with the iterates of GD, exact line search,
  SGD and mini-batch SGD from one start (L1–L6);
- ``norms``: per-layer ‖δ^ℓ‖₂ and ‖∇_{W^ℓ} e‖₂ with the L14 bound, vanishing and exploding (L14);
- ``schedules``: SGD on the simple example under three step-size schedules (L5).
"""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..emit.document import Figure
from . import story

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure as MatplotlibFigure

__all__ = ["paths_figure", "norms_figure", "schedules_figure", "FIGURES", "figure_file", "figure_pdf", "write_figure", "prefetch_notes"]


def paths_figure() -> "MatplotlibFigure":
    from ..plots import DescentPath, descent_paths_figure

    runs = story.simple_runs()
    w1, w2, E = story.error_surface()
    paths = [DescentPath(method, points) for method, points in runs.paths.items()]
    minimum = runs.paths["gd-exact"][-1]
    return descent_paths_figure(w1, w2, E, paths, minimum=(float(minimum[0]), float(minimum[1])))


def norms_figure(quick: bool = False) -> "MatplotlibFigure":
    from .gradient_norms import studies_figure

    return studies_figure(story.norm_study(quick))


def schedules_figure() -> "MatplotlibFigure":
    from ..plots import ScheduleCurve, schedules_figure as draw

    curves = [
        ScheduleCurve(_schedule_label(run), run.gammas, run.result.history.epochs, run.result.history.E)
        for run in story.schedule_runs()
    ]
    return draw(curves)


def _schedule_label(run) -> str:  # noqa: ANN001 - a ScheduleRun
    return f"γₖ = {run.name}"


FIGURES: dict[str, Callable[[], "MatplotlibFigure"]] = {
    "paths": paths_figure,
    "norms": norms_figure,
    "schedules": schedules_figure,
}


def write_figure(name: str, path: str | Path, *, force: bool = False) -> Path:
    """Draw the figure ``name`` of :data:`FIGURES` into ``path`` (.png or .pdf)."""
    from ..plots import save_figure

    return save_figure(FIGURES[name](), path, force=force)


def figure_file(name: str) -> Figure:
    """The figure ``name`` as a document :class:`~symbackprop.emit.document.Figure` (a PDF next to the .tex)."""
    return Figure(name, lambda path: _save_pdf(name, path))


def figure_pdf(name: str) -> bytes:
    """The figure ``name`` as the PDF file the notes include (no date in it: the same bytes every time)."""
    from ..plots import PDF_METADATA

    buffer = io.BytesIO()
    FIGURES[name]().savefig(buffer, format="pdf", metadata=PDF_METADATA)
    return buffer.getvalue()


def prefetch_notes(*, figures: bool = True) -> None:
    """Start the notes' slow parts on the other core (:func:`~symbackprop.lecture.story.prefetch`): the general
    proof and the L14 study, which the document waits for, then — unless ``figures=False``, e.g. when only some
    sections are written — the figure of that study, drawn there while this process builds the sections (the
    other two figures draw on runs this process has made for the sections by then)."""
    jobs = {"figure:norms": functools.partial(figure_pdf, "norms")} if figures else None
    story.prefetch("general_proof", "norm_study:False", jobs=jobs)


def _save_pdf(name: str, path: Path) -> None:
    # ``path`` is the writer's temporary file (files.atomic_path)
    path.write_bytes(_drawn_pdf(name))


@functools.lru_cache(maxsize=None)
def _drawn_pdf(name: str) -> bytes:
    """One drawing per figure and process, however many documents include it (``derive --all`` writes the
    same three figures for several documents): the prefetch worker's, or drawn here."""
    drawn = story.prefetched(f"figure:{name}")
    return drawn if isinstance(drawn, bytes) else figure_pdf(name)
