"""``symbackprop demo``: the whole lecture, end to end, on its own example — the story of the notes.

Derive the simple example's gradients both ways and prove them equal (and the example network of the
recursion), train GD, GD with exact line search, SGD and mini-batch SGD from one start, settle the
lecture's claims (one status each), and write the notes (PDF when pdflatex is installed) with their
figures, and the figures as PNGs — saying where every file went.  Every number comes from
:mod:`symbackprop.lecture.story`, the objects the notes print.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import LatexError, ToolNotFoundError
from ..notation import plain, plain_name
from . import story
from .claims import claims_summary, lecture_claims
from .regenerate import DERIVATIONS

__all__ = ["DemoResult", "run_demo"]


@dataclass
class DemoResult:
    """Where everything went and whether every step came out as the lecture says."""

    directory: Path
    files: dict[str, Path] = field(default_factory=dict)
    proved: bool = False
    trained: bool = False
    claims_confirmed: bool = False
    pdf_note: str = ""
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.proved and self.trained and self.claims_confirmed


OUTPUTS = ("loss.png", "descent-paths.png", "schedules.png", "gradient-norms.png", "lecture.tex", "lecture.pdf")


def run_demo(
    directory: str | Path = "symbackprop-demo", *, pdf: bool = True, echo: Callable[[str], None] = print, force: bool = False
) -> DemoResult:
    """Run the demo, writing :data:`OUTPUTS` (and the notes' figures) into ``directory`` (created if needed)
    under the output policy: every file is checked before anything runs, and one that symbackprop did not
    write is replaced only with ``force``.  ``echo`` receives each output line."""
    from ..files import OverwriteError, prepare_output
    from ..plots import plot_losses
    from .figures import write_figure

    started = time.perf_counter()
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise OverwriteError(f"{out} is a file, not a folder; name a folder for the demo's files")
    for name in OUTPUTS if pdf else OUTPUTS[:-1]:
        prepare_output(out / name, force=force, quiet=name != "lecture.tex")  # refused before anything runs
    story.prefetch("general_proof", "norm_study:False")  # on the other core, while the rest runs
    result = DemoResult(out)
    data = story.simple_data()

    echo("symbackprop demo — IE 643, Lecture 9, derived, proved, printed and run")
    echo(f"Example (L1): one sigmoid neuron, two weights, {data.n_samples} samples — {data.note}.")
    echo("")

    echo("1. Backpropagation on the simple example, and on the example network of the recursion: derived twice, proved equal")
    simple, deep = story.derivation("simple"), story.derivation("deep")
    weight = simple.net.parameter("w^1_11")
    echo(f"   backprop  ∂e/∂{plain_name(weight.name)} = {plain(simple.backprop[weight])}")
    echo(f"   direct    ∂e/∂{plain_name(weight.name)} = {plain(simple.direct[weight])}")
    for label, derivation in (("simple example", simple), (f"example network {list(deep.net.sizes)}, biases, every φ", deep)):
        proof = derivation.proof
        proved = sum(entry.status == "proved" for entry in proof.entries)
        lemmas = "; " + ", ".join(lemma.statement for lemma in proof.lemmas) + " proved" if proof.lemmas else ""
        echo(f"   {label}: {'PROVED' if proof.holds else 'NOT PROVED'} — {proved}/{len(proof.entries)} entries identical (exact){lemmas}")
    result.proved = simple.proof.holds and deep.proof.holds
    echo("")

    echo("2. The four optimisers from one start (gradients compiled from the proven expressions)")
    runs = story.simple_runs()
    for line in runs.comparison.table().splitlines()[4:]:
        if line and not line.startswith(("data", "network", "plot")):
            echo(f"   {line}")
    result.files["loss curves"] = plot_losses(runs.comparison.results, out / "loss.png", title="the simple example (L1)", force=force)
    result.files["descent paths over E"] = write_figure("paths", out / "descent-paths.png", force=force)
    result.files["step-size schedules (L5)"] = write_figure("schedules", out / "schedules.png", force=force)
    result.trained = all(run.E_final < run.E_initial for run in runs.comparison.results)
    echo("")

    echo("3. The lecture's claims L1–L22")
    claims = lecture_claims(plot=out / "gradient-norms.png", force=force)
    result.files["gradient norms (L14)"] = out / "gradient-norms.png"
    result.claims_confirmed = all(claim.confirms for claim in claims)
    echo(f"   {claims_summary(claims)}")
    echo("   The full table: symbackprop claims")
    echo("")

    echo("4. Write the notes")
    lecture = DERIVATIONS["lecture.tex"]
    from ..emit.document import figure_paths, write_document

    sections = lecture.sections()
    tex = write_document(out / "lecture.tex", sections, title=lecture.title, abstract=lecture.abstract, command="symbackprop demo", force=force)
    result.files["LaTeX notes"] = tex
    for path in figure_paths(tex, sections):
        result.files[f"figure {path.stem.removeprefix('lecture-')}"] = path
    if pdf:
        from ..emit.pdf import compile_pdf

        try:
            compiled = compile_pdf(tex, output_dir=out, force=force)
            result.files["PDF"] = compiled.pdf
            result.pdf_note = f"{compiled.pages} pages" + (f", {len(compiled.overfull)} overfull line(s)" if compiled.overfull else "")
        except ToolNotFoundError as error:
            result.pdf_note = f"no PDF: {error}"
        except LatexError as error:
            result.pdf_note = f"no PDF: pdflatex failed: {error}"
    echo(f"   {tex}" + (f" ({result.pdf_note})" if result.pdf_note else ""))
    echo("")

    result.seconds = time.perf_counter() - started
    echo("Files")
    width = max(len(name) for name in result.files)
    for name, path in result.files.items():
        echo(f"   {name:<{width}}  {path}")
    verdict = "everything came out as the lecture says" if result.ok else "SOMETHING DID NOT come out as the lecture says (see above)"
    echo(f"\nDone in {result.seconds:.1f} s: {verdict}.")
    return result
