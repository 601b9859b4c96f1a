"""``symbackprop demo``: the whole lecture, end to end, on its own example — in well under a minute.

Derive the L1 example's gradients both ways and prove them equal (and the generic deep network with
biases), train GD, GD with exact line search, SGD and mini-batch SGD, settle the lecture's claims,
and write the derivation document (PDF when pdflatex is installed), the loss plot and the
gradient-norm plot — saying where every file went.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..data import lecture_example
from ..derive import backprop, direct
from ..errors import LatexError, ToolNotFoundError
from ..files import OverwriteError, prepare_output
from ..network import MLP
from ..notation import plain, plain_name
from ..proof import prove
from .claims import lecture_claims
from .examples import compare_methods
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


OUTPUTS = ("loss.png", "gradient-norms.png", "lecture.tex", "lecture.pdf")


def run_demo(
    directory: str | Path = "symbackprop-demo", *, pdf: bool = True, echo: Callable[[str], None] = print, force: bool = False
) -> DemoResult:
    """Run the demo, writing :data:`OUTPUTS` into ``directory`` (created if needed) under the output policy:
    every file is checked before anything runs, and one that symbackprop did not write is replaced only
    with ``force``.  ``echo`` receives each output line."""
    started = time.perf_counter()
    out = Path(directory)
    if out.exists() and not out.is_dir():
        raise OverwriteError(f"{out} is a file, not a folder; name a folder for the demo's files")
    for name in OUTPUTS if pdf else OUTPUTS[:-1]:
        prepare_output(out / name, force=force)
    result = DemoResult(out)
    data = lecture_example()

    echo("symbackprop demo — IE 643, Lecture 9, derived, proved, printed and run")
    echo(f"Example (L1): one sigmoid neuron, two weights, {data.n_samples} samples — {data.note}.")
    echo("")

    echo("1. Derive ∂e/∂w twice — differentiating the composed loss, and by backpropagation — and prove them equal")
    net = MLP([2, 1], activation="sigmoid")
    weight = net.parameter("w^1_11")
    echo(f"   backprop  ∂e/∂{plain_name(weight.name)} = {plain(backprop(net)[weight])}")
    echo(f"   direct    ∂e/∂{plain_name(weight.name)} = {plain(direct(net, [weight])[weight])}")
    example_proof = prove(net)
    deep = MLP([2, 3, 2, 2], bias=True)
    deep_proof = prove(deep)
    for label, proof in (("L1 example", example_proof), (f"generic deep net {list(deep.sizes)}, biases, every φ", deep_proof)):
        proved = sum(entry.status == "proved" for entry in proof.entries)
        lemmas = "; " + ", ".join(lemma.statement for lemma in proof.lemmas) + " proved" if proof.lemmas else ""
        echo(f"   {label}: {'PROVED' if proof.holds else 'NOT PROVED'} — {proved}/{len(proof.entries)} entries identical (exact){lemmas}")
    result.proved = example_proof.holds and deep_proof.holds
    echo("")

    echo("2. Train with the lecture's optimisers (gradients compiled from the proven expressions)")
    comparison = compare_methods("lecture", plot=out / "loss.png", quiet=True, force=force)
    result.files["loss plot"] = comparison.plot  # type: ignore[assignment]
    for line in comparison.table().splitlines()[4:]:
        if line and not line.startswith(("data", "network", "plot")):
            echo(f"   {line}")
    echo("")
    result.trained = all(run.E_final < run.E_initial for run in comparison.results)

    echo("3. The lecture's claims L1–L22")
    claims = lecture_claims(plot=out / "gradient-norms.png", force=force)
    result.files["gradient-norm plot (L14)"] = out / "gradient-norms.png"
    counts = Counter(status for claim in claims for status in claim.status)
    confirmed = sum(claim.confirms for claim in claims)
    result.claims_confirmed = confirmed == len(claims)
    summary = ", ".join(f"{counts[status]} {status}" for status in ("proved", "computed", "refuted", "checked", "demonstrated") if counts[status])
    echo(f"   {confirmed}/{len(claims)} items settled as the lecture says ({summary}); L20's triangle inequality is refuted.")
    echo("   The full table: symbackprop claims")
    echo("")

    echo("4. Write the derivation document")
    lecture = DERIVATIONS["lecture.tex"]
    from ..emit.document import write_document

    tex = write_document(out / "lecture.tex", lecture.sections(), title=lecture.title, abstract=lecture.abstract, command="symbackprop demo", force=force)
    result.files["LaTeX document"] = tex
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
