"""Compile generated LaTeX with a real TeX engine and check the result.

:func:`compile_pdf` runs ``pdflatex -halt-on-error`` and collects every ``Overfull \\hbox`` the log
reports; :func:`page_overflow` renders the pages (``pdftoppm``) and finds ink outside the text block —
a line that runs off the page — which the log alone does not always show.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import LatexError, ToolNotFoundError
from ..files import atomic_path, prepare_output

__all__ = ["CompileResult", "compile_pdf", "pdflatex_available", "page_overflow", "PageOverflow", "page_fill", "CREATOR"]

_INSTALL_HINT = "install TeX Live (Debian/Ubuntu: apt-get install texlive-latex-base)"


def pdflatex_available() -> bool:
    return shutil.which("pdflatex") is not None


@dataclass(frozen=True)
class CompileResult:
    """The PDF written, the full log, and the log's overfull-box warnings (empty when all lines fit)."""

    pdf: Path
    log: str
    overfull: tuple[str, ...]
    pages: int


_OVERFULL = re.compile(r"^Overfull \\[hv]box .*$", re.M)
_PAGES = re.compile(r"Output written on .*?\((\d+) pages?")


CREATOR = r"\pdfinfo{/Creator (symbackprop)}"
"""Given to pdflatex before the document, so that every PDF symbackprop makes names it as its Creator
(how :func:`symbackprop.files.is_symbackprop_output` recognises it) — the .tex files stay unchanged."""


def compile_pdf(tex: str | Path, *, output_dir: str | Path | None = None, timeout: float = 120, force: bool = False) -> CompileResult:
    """Compile a .tex file with ``pdflatex -halt-on-error`` in a scratch directory (twice when the first
    run says cross-references changed); figures are found next to the .tex.  The PDF is written to
    ``output_dir`` (default: next to the .tex) under :mod:`symbackprop.files`' policy."""
    executable = shutil.which("pdflatex")
    if executable is None:
        raise ToolNotFoundError(f"pdflatex is not installed, so no PDF was made; {_INSTALL_HINT}")
    source = Path(tex).resolve()
    target_dir = Path(output_dir) if output_dir is not None else source.parent
    destination = target_dir / (source.stem + ".pdf")
    prepare_output(destination, inputs=[source], force=force)
    with tempfile.TemporaryDirectory(prefix="symbackprop-tex-") as scratch:
        shutil.copy(source, Path(scratch) / source.name)
        env = dict(os.environ, TEXMFOUTPUT=scratch, TEXINPUTS=f"{source.parent}{os.pathsep}")
        for _ in range(2):
            log = _run_pdflatex(executable, source.name, scratch, env, timeout)
            if _RERUN not in log:
                break
        pdf = Path(scratch) / (source.stem + ".pdf")
        with atomic_path(destination) as temporary:
            shutil.copy(pdf, temporary)
    pages = _PAGES.search(log)
    return CompileResult(destination, log, tuple(_OVERFULL.findall(log)), int(pages.group(1)) if pages else 0)


_RERUN = "Rerun to get cross-references right"


def _run_pdflatex(executable: str, name: str, scratch: str, env: dict, timeout: float) -> str:
    """One pdflatex run in ``scratch``; returns the log, raises :class:`LatexError` on failure."""
    try:
        run = subprocess.run(
            [executable, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", f"-jobname={Path(name).stem}",
             CREATOR + r"\input{" + name + "}"],
            cwd=scratch,
            capture_output=True,
            text=True,
            encoding="latin-1",
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired:
        raise LatexError(f"pdflatex did not finish within {timeout:.0f} s on {name}") from None
    stem = Path(name).stem
    log_path = Path(scratch) / (stem + ".log")
    log = log_path.read_text(encoding="latin-1") if log_path.exists() else run.stdout
    if run.returncode != 0 or not (Path(scratch) / (stem + ".pdf")).exists():
        raise LatexError(f"pdflatex failed on {name}: {_first_error(log)}")
    return log


def _first_error(log: str) -> str:
    lines = log.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("!"):
            return " ".join(part.strip() for part in lines[index:index + 3])
    return lines[-1] if lines else "no log"


@dataclass(frozen=True)
class PageOverflow:
    """Ink found outside the text block: page number (1-based) and how far out, in millimetres."""

    page: int
    side: str
    millimetres: float


def page_overflow(pdf: str | Path, *, margin_mm: float = 20.0, tolerance_mm: float = 1.0, dpi: int = 60) -> list[PageOverflow]:
    """Render every page with ``pdftoppm`` and report ink beyond the left/right text margins.

    The documents use 20 mm margins on A4; anything printed further out than ``tolerance_mm`` beyond them
    ran off the text block.
    """
    executable = shutil.which("pdftoppm")
    if executable is None:
        raise ToolNotFoundError("pdftoppm is not installed; Debian/Ubuntu: apt-get install poppler-utils")
    found: list[PageOverflow] = []
    with tempfile.TemporaryDirectory(prefix="symbackprop-png-") as scratch:
        subprocess.run([executable, "-r", str(dpi), "-gray", str(pdf), str(Path(scratch) / "page")], check=True, timeout=120)
        per_mm = dpi / 25.4
        limit = int((margin_mm - tolerance_mm) * per_mm)
        for number, image in enumerate(sorted(Path(scratch).glob("page*.pgm")), start=1):
            pixels = _read_pgm(image)
            inked = np.flatnonzero((pixels < 128).any(axis=0))  # columns with dark pixels
            width = pixels.shape[1]
            left, right = inked[inked < limit], inked[inked >= width - limit]
            if left.size:
                found.append(PageOverflow(number, "left", round((limit - left.min()) / per_mm + tolerance_mm, 1)))
            if right.size:
                found.append(PageOverflow(number, "right", round((right.max() - (width - limit)) / per_mm + tolerance_mm, 1)))
    return found


def _render(pdf: str | Path, scratch: str, dpi: int) -> list[np.ndarray]:
    executable = shutil.which("pdftoppm")
    if executable is None:
        raise ToolNotFoundError("pdftoppm is not installed; Debian/Ubuntu: apt-get install poppler-utils")
    subprocess.run([executable, "-r", str(dpi), "-gray", str(pdf), str(Path(scratch) / "page")], check=True, timeout=120)
    return [_read_pgm(image) for image in sorted(Path(scratch).glob("page*.pgm"))]


def page_fill(pdf: str | Path, *, margin_mm: float = 20.0, dpi: int = 60) -> list[float]:
    """For every page, how far down the text block its ink reaches (0 = empty, 1 = full), ignoring the
    page number below the block.  A page that ends half-way although more text follows shows a stranded
    heading or an unbreakable block pushed to the next page."""
    per_mm = dpi / 25.4
    with tempfile.TemporaryDirectory(prefix="symbackprop-png-") as scratch:
        pages = _render(pdf, scratch, dpi)
    fills = []
    for pixels in pages:
        top, bottom = int(margin_mm * per_mm), pixels.shape[0] - int(margin_mm * per_mm)
        rows = np.flatnonzero((pixels[top:bottom] < 128).any(axis=1))
        fills.append(0.0 if rows.size == 0 else round(float(rows.max() + 1) / (bottom - top), 3))
    return fills


def _read_pgm(path: Path) -> np.ndarray:
    data = path.read_bytes()
    fields: list[bytes] = []
    position = 0
    while len(fields) < 4:  # magic, width, height, maxval; comments start with '#'
        while data[position:position + 1].isspace():
            position += 1
        if data[position:position + 1] == b"#":
            position = data.index(b"\n", position) + 1
            continue
        end = position
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[position:end])
        position = end
    if fields[0] != b"P5":
        raise ValueError(f"{path.name}: not a binary PGM")
    width, height = int(fields[1]), int(fields[2])
    return np.frombuffer(data, dtype=np.uint8, count=width * height, offset=position + 1).reshape(height, width)
