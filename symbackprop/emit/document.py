"""Standalone LaTeX documents assembled from a list of section builders.

A :class:`Section` is a name and a function that returns LaTeX (starting with ``\\section``).  Every
document — the CLI's, the committed ``derivations/`` — is built by :func:`build_document` from a list of
sections; the whole lecture's list is :func:`symbackprop.lecture_sections`, to which user code adds its
own parts with :func:`register_section`.  Output is deterministic (no dates, timings or
unordered iteration) and pure ASCII (pdflatex is not a Unicode engine).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from ..errors import ArgumentTypeError, NotSupportedError, SpecError
from ..files import TEX_MARKER, prepare_output, write_text

__all__ = [
    "Section",
    "register_section",
    "registered_sections",
    "insert_section",
    "build_document",
    "write_document",
    "DEFAULT_TITLE",
]

DEFAULT_TITLE = r"Backpropagation, derived: IE 643, Lecture 9"

PREAMBLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.6\baselineskip}
\newcommand{\Diag}{\operatorname{Diag}}
\newcommand{\KL}{\operatorname{KL}}
\newcommand{\CE}{\operatorname{CE}}
\newcommand{\NE}{\operatorname{NE}}
"""


@dataclass(frozen=True)
class Section:
    """One part of a document: ``build()`` returns its LaTeX (``\\section{…}`` and body)."""

    name: str
    build: Callable[[], str]


_REGISTERED: list[tuple[Section, str | None]] = []  # user code's additions to the whole lecture, in order


def register_section(section: Section, *, before: str | None = None, sections: list[Section] | None = None) -> None:
    """Add ``section`` to the whole-lecture document (or to the list ``sections``), at the end or ``before``
    the section of that name.

    The whole lecture's own sections are listed by :func:`symbackprop.lecture_sections`, which applies the
    registered additions after them; a section of the same name is replaced, so registering twice is
    harmless.
    """
    if sections is not None:
        insert_section(sections, section, before=before)
        return
    _REGISTERED[:] = [(existing, place) for existing, place in _REGISTERED if existing.name != section.name]
    _REGISTERED.append((section, before))


def registered_sections() -> tuple[tuple[Section, str | None], ...]:
    """The sections user code added with :func:`register_section`, with the name each goes before."""
    return tuple(_REGISTERED)


def insert_section(target: list[Section], section: Section, *, before: str | None = None) -> None:
    """Put ``section`` into ``target``: in place of one of the same name, else before ``before``, else last."""
    for index, existing in enumerate(target):
        if existing.name == section.name:
            target[index] = section
            return
    if before is None:
        target.append(section)
        return
    for index, existing in enumerate(target):
        if existing.name == before:
            target.insert(index, section)
            return
    raise SpecError(f"no section named {before!r}; sections are: {', '.join(s.name for s in target)}")


def build_document(
    sections: Iterable[Section | Callable[[], str]],
    *,
    title: str = DEFAULT_TITLE,
    abstract: str | None = None,
    command: str | None = None,
) -> str:
    """A complete, compilable LaTeX document (article + amsmath) from section builders.

    ``sections`` are :class:`Section` objects or functions returning LaTeX (the whole lecture:
    :func:`symbackprop.lecture_sections`).  ``command`` is recorded in a comment at the top (how to
    regenerate the file).  Raises :class:`NotSupportedError` if a builder returned non-ASCII.
    """
    if sections is None or isinstance(sections, (str, Section)):
        raise ArgumentTypeError("build_document takes a list of sections, e.g. symbackprop.lecture_sections()")
    bodies = []
    for section in sections:
        build = section.build if isinstance(section, Section) else section
        bodies.append(build().strip())
    header = TEX_MARKER
    if command:
        header += f"\n% Regenerate with: {command}"
    parts = [
        header,
        PREAMBLE.rstrip(),
        rf"\title{{{title}}}",
        r"\author{symbackprop}",
        r"\date{}",
        r"\begin{document}",
        r"\maketitle",
    ]
    if abstract:
        parts.append("\\begin{abstract}\n" + abstract.strip() + "\n\\end{abstract}")
    parts.extend(bodies)
    parts.append(r"\end{document}")
    document = "\n\n".join(parts) + "\n"
    _check_ascii(document)
    return document


def write_document(
    path: str | Path,
    sections: Iterable[Section | Callable[[], str]],
    *,
    title: str = DEFAULT_TITLE,
    abstract: str | None = None,
    command: str | None = None,
    pdf: bool = False,
    force: bool = False,
) -> Path:
    """Write :func:`build_document` to ``path``; with ``pdf=True`` also compile it next to the .tex.

    Returns the path of the .tex file (the PDF, when made, has the same stem).  Both are written under the
    output policy (:mod:`symbackprop.files`: atomically; an existing file only when symbackprop wrote it,
    or with ``force``).  Compilation errors raise :class:`~symbackprop.errors.LatexError`; a missing
    pdflatex raises :class:`~symbackprop.errors.ToolNotFoundError` (the .tex is written either way).
    """
    path = Path(path)
    if path.suffix != ".tex":
        raise SpecError(f"the output file must end in .tex, got {str(path)!r}")
    prepare_output(path, force=force)
    if pdf:
        prepare_output(path.with_suffix(".pdf"), force=force)  # refused before anything is written
    document = build_document(sections, title=title, abstract=abstract, command=command)
    write_text(path, document, encoding="ascii", force=force)
    if pdf:
        from .pdf import compile_pdf

        compile_pdf(path, output_dir=path.parent, force=force)
    return path


def _check_ascii(document: str) -> None:
    for number, line in enumerate(document.splitlines(), start=1):
        if not line.isascii():
            bad = next(ch for ch in line if not ch.isascii())
            raise NotSupportedError(f"non-ASCII character {bad!r} in generated LaTeX line {number}: {line[:80]!r}")


def section(title: str, body: Sequence[str] | str, *, level: str = "section") -> str:
    """``\\section{title}`` (or sub/subsub) followed by the body paragraphs."""
    paragraphs = [body] if isinstance(body, str) else list(body)
    return "\n\n".join([f"\\{level}{{{title}}}", *[p.strip() for p in paragraphs if p and p.strip()]])
