"""Question sheets (no answers) and solution keys (worked and proved) for each student, as LaTeX and PDF.

A key is built with the notes' own machinery: the network's derivation is :func:`symbackprop.emit.network_section`
(forward pass, loss, the recursion's matrices, the bias gradients and the proof by :func:`symbackprop.prove`
that backpropagation equals the direct derivative), the softmax part is
:func:`symbackprop.emit.multiclass.softmax_section`, and every key answer is checked by
:func:`~.parts.check_part` itself before it is printed — the key states how it was proved.

PDFs are byte-identical for the same input: no dates or trailer IDs (``\\pdfinfoomitdate``,
``\\pdftrailerid{}``, ``\\pdfsuppressptexinfo``), and the Creator names symbackprop (the output policy
recognises it).
"""

from __future__ import annotations

import functools
import json
import tempfile
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import sympy as sp

from ..emit.document import Section, build_document, section
from ..emit.multiclass import kl, log_sign, softmax_section
from ..emit.network_doc import describe_network, network_section
from ..emit.pdf import compile_pdf
from ..errors import SymbackpropError
from ..files import write_bytes
from ..printing import text
from ..answers.counterexamples import triangle_gap
from .parts import check_part
from .variants import network_of

__all__ = ["sheet_tex", "key_tex", "write_pdfs", "ascii_name", "PDF_FLAGS", "verify_key"]

PDF_FLAGS = "\n".join(
    [
        r"\pdfinfoomitdate=1",
        r"\pdftrailerid{}",
        r"\pdfsuppressptexinfo=-1",
        r"\pdfinfo{/Creator (symbackprop homework) /Producer (symbackprop with pdfTeX)}",
    ]
)


def ascii_name(name: str, fallback: str) -> str:
    """A name as ASCII LaTeX text (accents dropped; the id when nothing is left)."""
    folded = _fold(name) or _fold(fallback) or "student"
    return text(folded)


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii").strip()


def _deterministic(document: str) -> str:
    first, rest = document.split("\n", 1)  # keep the TEX_MARKER line first
    return f"{first}\n{PDF_FLAGS}\n{rest}"


def _question_number(part: Mapping[str, Any]) -> str:
    return "".join(ch for ch in part["part"] if ch.isdigit())


def _groups(parts: Sequence[Mapping[str, Any]]) -> list[list[Mapping[str, Any]]]:
    groups: dict[str, list] = {}
    for part in parts:
        groups.setdefault(_question_number(part), []).append(part)
    return list(groups.values())


_TITLES = {"gradient": "Bias gradients (L12)", "delta": "Backpropagation, one step at a time (L7--L11)", "vector": "Softmax outputs (L22)",
           "value": "KL divergence (L19, L20)", "yesno": "Is KL a distance? (L20)"}


def _group_title(group: Sequence[Mapping[str, Any]]) -> str:
    kinds = [part["kind"] for part in group]
    if "general" in kinds:
        return _TITLES["gradient"]
    if "delta" in kinds:
        return _TITLES["delta"]
    return _TITLES.get(kinds[0], "Question")


def _points(value: float) -> str:
    return f"{value:g} point" + ("" if value == 1 else "s")


_INSTRUCTIONS = r"""
\textbf{How to answer.} Submit a CSV file with the columns \texttt{id,part,answer} (and optionally
\texttt{conventions}), one row per part; put each answer in double quotes. Write mathematics in plain text or
LaTeX in the lecture's notation: $w^{\ell}_{ij}$ as \verb|w^2_12|, $\delta^{\ell}_{i}$ as \verb|delta^2_1|,
$\varphi'(z^{\ell}_{i})$ as \verb|phi'(z^2_1)| (or \verb|sigma'|, \verb|tanh'|), vectors and matrices in the
lecture's matrix notation (\verb|Diag(sigma^1') delta^1 (a^0)^T|, \verb|(W^2)^T|, \verb|q - y|) or entry by
entry (\verb|[e11, e12; e21, e22]|). General answers use the indices $\ell$, $i$, $j$ (\verb|phi'(z^l_i) delta^l_i|).
Values are exact (\verb|3/4*log(3/2)|) or decimals. \textbf{Conventions}: the lecture's, $e = \sum_j (y_j - a^{L}_j)^2$
(no $\tfrac12$) and $\delta^{\ell} = \partial e/\partial a^{\ell}$. If your course uses $e = \tfrac12 \sum_j (y_j - a^{L}_j)^2$
or $\delta^{\ell} = \partial e/\partial z^{\ell}$, declare it in the \texttt{conventions} column (\texttt{half\_loss},
\texttt{delta\_dz}); an answer that is right only under an undeclared convention earns part of the points.
"""


def sheet_tex(title: str, student: str, entry: Mapping[str, Any]) -> str:
    """The question sheet of one student: prompts and points, no answers."""
    name = ascii_name(entry.get("name") or "", student)
    total = sum(float(part["points"]) for part in entry["parts"])
    sections = [Section("instructions", lambda: section("Instructions", [
        f"Student: {name} (id \\texttt{{{ascii_name(student, '?')}}}), variant \\texttt{{{entry['variant']}}}. Total: {_points(total)}.", _INSTRUCTIONS]))]
    for group in _groups(entry["parts"]):
        sections.append(Section(f"q{_question_number(group[0])}", functools.partial(_question_section, group, False)))
    return _deterministic(build_document(sections, title=f"{text(title)}\\\\ \\large {name}"))


def key_tex(title: str, student: str, entry: Mapping[str, Any], proofs: Mapping[str, str]) -> str:
    """The solution key of one student: every answer, how it was proved, and the worked derivation."""
    name = ascii_name(entry.get("name") or "", student)
    sections = [Section("about", lambda: section("About this key", [
        f"Solution key for {name} (id \\texttt{{{ascii_name(student, '?')}}}), variant \\texttt{{{entry['variant']}}}. Every answer below was "
        "checked by the same checker that grades the submissions, and the statement after it says how it was decided; the "
        "derivations are printed from the objects symbackprop derives (nothing is typed by hand) and the networks' gradients "
        "are proved equal to the derivatives of the composed loss."]))]
    for group in _groups(entry["parts"]):
        sections.append(Section(f"q{_question_number(group[0])}", functools.partial(_question_section, group, True, proofs)))
    return _deterministic(build_document(sections, title=f"Solution key: {text(title)}\\\\ \\large {name}"))


def _question_section(group: Sequence[Mapping[str, Any]], key: bool, proofs: Mapping[str, str] | None = None) -> str:
    number = _question_number(group[0])
    body = []
    network = next((part.get("network") for part in group if part.get("network") and part["kind"] != "general"), None)
    if network is not None:
        body.append("The network: " + describe_network(network_of(network)))
    for part in group:
        line = f"\\textbf{{({part['part']})}} [{_points(float(part['points']))}] {part['prompt_latex']}"
        if key:
            line += f"\n\n\\emph{{Answer:}} $\\displaystyle {part['answer_latex']}$" if part["kind"] != "yesno" else f"\n\n\\emph{{Answer:}} {text(part['answer'])}"
            line += f"\n\n\\emph{{Checked:}} {text((proofs or {}).get(_proof_key(part), ''))}"
            line += _worked(part)
        body.append(line)
    if key and network is not None:
        body.append(_derivation(json.dumps(network, sort_keys=True), _parameter(group)))
    return section(f"Question {number}: {_group_title(group)}", body)


def _parameter(group: Sequence[Mapping[str, Any]]) -> str | None:
    for part in group:
        if part["kind"] == "gradient":
            return part["wrt"]
    return None


@functools.lru_cache(maxsize=256)
def _derivation(network: str, parameter: str | None) -> str:
    """The worked derivation of a network (cached: many students share one)."""
    net = network_of(json.loads(network))
    if net.softmax:
        return softmax_section(net).build().replace(r"\section{", r"\subsection*{", 1)
    built = network_section(net, parameter=parameter, parts=("forward", "loss", "backprop", "bias", "proof"),
                            title="Worked derivation").build()
    return built.replace(r"\section{", r"\subsection*{", 1)


def _worked(part: Mapping[str, Any]) -> str:
    data = part.get("data") or {}
    if part["kind"] == "value":
        p = tuple(sp.Rational(v) for v in data["p"])
        q = tuple(sp.Rational(v) for v in data["q"])
        first, second = (p, q) if data["order"] == "pq" else (q, p)
        value = kl(first, second)
        return (f"\n\n\\emph{{Worked:}} $\\displaystyle \\sum_j {'p' if data['order'] == 'pq' else 'q'}_j \\log\\frac{{{'p' if data['order'] == 'pq' else 'q'}_j}}"
                f"{{{'q' if data['order'] == 'pq' else 'p'}_j}} = {sp.latex(sp.expand_log(value, force=True))} \\approx {sp.N(value, 8)}$ (exact, then 8 digits).")
    if part["kind"] == "yesno":
        p, q, r = (tuple(sp.Rational(v) for v in data[name]) for name in "pqr")
        gap = triangle_gap(p, q, r)
        sign, R, N = log_sign(gap)
        return (f"\n\n\\emph{{Worked:}} $\\KL(p\\,\\|\\,r) - \\KL(p\\,\\|\\,q) - \\KL(q\\,\\|\\,r) = {sp.latex(gap)} = \\tfrac{{1}}{{{N}}} \\log R$ with "
                f"$R = {sp.latex(R)} > 1$, so the gap is positive (decided in rational arithmetic) and the inequality fails.")
    return ""


def _proof_key(part: Mapping[str, Any]) -> str:
    return json.dumps({key: part.get(key) for key in ("kind", "network", "wrt", "answer", "data")}, sort_keys=True)


def verify_key(parts: Sequence[Mapping[str, Any]], proofs: dict[str, str]) -> None:
    """Check every key answer with :func:`check_part` (cached by content); a key that is not proved right is a bug."""
    for part in parts:
        key = _proof_key(part)
        if key in proofs:
            continue
        result = check_part(part, part["answer"])
        if result.status != "correct":
            raise SymbackpropError(f"internal error: the key answer to part {part['part']} ({part['answer']}) was not proved: {result.feedback}")
        proofs[key] = result.decided_by or result.feedback


def write_pdfs(jobs: Sequence[tuple[Path, Callable[[], str]]], *, inputs: Sequence[Path], force: bool, workers: int = 2) -> list[Path]:
    """Build each (target PDF, LaTeX builder) here, compile them with ``workers`` pdflatex processes at once
    in a scratch folder, and write the PDFs under the output policy (atomically; never over an input)."""
    with tempfile.TemporaryDirectory(prefix="symbackprop-homework-") as scratch:
        sources = []
        for index, (_, build) in enumerate(jobs):
            tex = Path(scratch) / f"document{index}.tex"
            tex.write_text(build(), encoding="ascii")
            sources.append(tex)

        def one(index: int) -> Path:
            folder = Path(scratch) / f"out{index}"
            folder.mkdir()  # a scratch folder: made here, so that no "created folder" message names it
            result = compile_pdf(sources[index], output_dir=folder)
            return write_bytes(jobs[index][0], result.pdf.read_bytes(), inputs=inputs, force=force)

        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            return list(pool.map(one, range(len(jobs))))
