"""Standalone LaTeX documents assembled from a list of section builders.

A :class:`Section` is a name, a function that returns LaTeX (starting with ``\\section``) and, when it
shows figures, the :class:`Figure` files it includes.  Every document — the CLI's, the committed
``derivations/``, a homework sheet — is built by :func:`build_document` from a list of sections; the
whole lecture's list is :func:`symbackprop.lecture_sections`, to which user code adds its own parts with
:func:`register_section`.

The controls a lecturer has, all keyword arguments of :func:`build_document` / :func:`write_document`:
``title``, ``author``, ``course``, ``date``; ``only`` (which sections, in which order); ``notes``
(the lecturer's own LaTeX spliced in before named sections, see :func:`parse_notes`); ``answers``
(``False`` leaves every :func:`answer` block out, so exercises and the homework stay questions — the
same source then gives a question sheet and its solution key).

Output is deterministic (no dates, timings or unordered iteration) and the generated part is pure
ASCII (pdflatex is not a Unicode engine).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from ..errors import ArgumentTypeError, NotSupportedError, SpecError
from ..files import TEX_MARKER, atomic_path, prepare_output, write_text

__all__ = [
    "Section",
    "Figure",
    "register_section",
    "registered_sections",
    "insert_section",
    "select_sections",
    "answer",
    "show_answers",
    "parse_notes",
    "read_notes",
    "build_document",
    "write_document",
    "figure_paths",
    "section",
    "label",
    "figure",
    "DEFAULT_TITLE",
    "DEFAULT_COURSE",
]

DEFAULT_TITLE = r"Lecture 9: training an MLP, and backpropagation"
DEFAULT_COURSE = r"IE 643 Deep Learning -- Theory and Practice"

PREAMBLE = r"""\documentclass[11pt,a4paper]{article}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb}
\usepackage{graphicx}
\usepackage{longtable}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.6\baselineskip plus 2pt minus 3pt}
\ifdefined\pdfinfo\pdfinfo{/Creator (symbackprop)}\fi
\newcommand{\Diag}{\operatorname{Diag}}
\newcommand{\KL}{\operatorname{KL}}
\newcommand{\CE}{\operatorname{CE}}
\newcommand{\NE}{\operatorname{NE}}
\makeatletter
% \needspace{<length>}: start a new page unless <length> is left on this one (the needspace package's
% test, which texlive-latex-base does not ship): keeps a heading with what follows it.
\newcommand{\needspace}[1]{\par\penalty-100\begingroup\setlength{\dimen@}{#1}%
  \dimen@ii\pagegoal\advance\dimen@ii-\pagetotal
  \ifdim\dimen@>\dimen@ii\ifdim\dimen@ii>\z@\vfil\fi\penalty-\@M\fi\endgroup}
% Every heading is kept with the lines that follow it: a new page first when too little is left.
\let\symbackpropsection\section
\renewcommand{\section}{\needspace{10\baselineskip}\symbackpropsection}
\let\symbackpropsubsection\subsection
\renewcommand{\subsection}{\needspace{7\baselineskip}\symbackpropsubsection}
% \secref{name}, \figref{name}: "Section n", "Figure n" when it is in this document, else says so.
\newcommand{\secref}[1]{\ifcsname r@sec:#1\endcsname Section~\ref{sec:#1}\else a section not in these notes\fi}
\newcommand{\figref}[1]{\ifcsname r@fig:#1\endcsname Figure~\ref{fig:#1}\else a figure not in these notes\fi}
\makeatother
% A framed box the width of the text (errata, summaries).
\newenvironment{notebox}[1]{\par\medskip\noindent\begin{minipage}{\linewidth}\hrule\smallskip\textbf{#1}\par}%
  {\par\smallskip\hrule\end{minipage}\par\medskip}
\newcommand*{\beyond}{\textsc{[beyond the lecture]}}
% \answerbox{n}: a framed space of n lines to write an answer in (what a question sheet shows instead).
\newcommand{\answerbox}[1]{\par\noindent\fbox{\begin{minipage}[t][#1\baselineskip]{\dimexpr\linewidth-2\fboxsep-2\fboxrule\relax}%
  \vspace{0.2\baselineskip}\emph{Your answer:}\end{minipage}}\par}
"""


@dataclass(frozen=True)
class Figure:
    """A figure file a section includes: ``write(path)`` draws it to ``path`` (a ``.pdf``).

    Sections include it with ``\\includegraphics{\\figurefile{<name>}}``; the document's preamble maps
    ``\\figurefile{<name>}`` to ``<document stem>-<name>``, the file :func:`write_document` writes next
    to the ``.tex``.
    """

    name: str
    write: Callable[[Path], None]
    suffix: str = ".pdf"

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", self.name):
            raise SpecError(f"a figure name is lower-case letters, digits and '-', got {self.name!r}")


def _no_figures() -> tuple[Figure, ...]:
    return ()


@dataclass(frozen=True)
class Section:
    """One part of a document: ``build()`` returns its LaTeX (``\\section{…}`` and body); ``figures()``
    the :class:`Figure` files that LaTeX includes.  ``late`` sections are built after the others (their
    place in the document is unchanged): ones that wait for work started ahead in another process."""

    name: str
    build: Callable[[], str]
    figures: Callable[[], Sequence[Figure]] = field(default=_no_figures)
    late: bool = False


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


def select_sections(sections: Sequence[Section], names: Sequence[str] | str | None) -> list[Section]:
    """The sections called ``names`` (a list, or ``"a,b,c"``), in that order; all of them for ``None``."""
    if names is None:
        return list(sections)
    wanted = [name.strip() for name in names.split(",")] if isinstance(names, str) else [str(n).strip() for n in names]
    available = {s.name: s for s in sections}
    unknown = [name for name in wanted if name not in available]
    if unknown or not wanted or "" in wanted:
        bad = unknown[0] if unknown else ""
        raise SpecError(f"no section named {bad!r}; sections are: {', '.join(available)}")
    repeated = sorted({name for name in wanted if wanted.count(name) > 1})
    if repeated:
        raise SpecError(f"section {repeated[0]!r} is listed twice")
    return [available[name] for name in wanted]


# --- answers ---------------------------------------------------------------------------------------------

_ANSWER_BEGIN = "%% answer"
_ANSWER_HIDDEN = "%% answer hidden:"
_ANSWER_END = "%% end answer"
_ANSWER = re.compile(r"%% answer\n(?P<body>.*?)\n%% answer hidden:(?P<hidden>[^\n]*)\n%% end answer", re.S)


def answer(body: str, *, hidden: str = r"\answerbox{5}") -> str:
    """Mark ``body`` (LaTeX) as the answer to an exercise: shown in a solution key, replaced by
    ``hidden`` (one line of LaTeX; by default a framed space to write the answer in) when the document is
    built with ``answers=False``.  Answers do not nest."""
    if "\n" in hidden:
        raise SpecError("the hidden form of an answer is one line of LaTeX")
    if _ANSWER_BEGIN in body:
        raise SpecError("answers do not nest")
    return f"{_ANSWER_BEGIN}\n{body.strip()}\n{_ANSWER_HIDDEN}{hidden}\n{_ANSWER_END}"


def show_answers(tex: str, shown: bool) -> str:
    """``tex`` with every :func:`answer` block replaced by its body (``shown``) or its hidden form, in place:
    an answer inside a paragraph or a table cell stays there (no blank line is left behind)."""
    return _ANSWER.sub(lambda m: m.group("body") if shown else m.group("hidden"), tex)


# --- the lecturer's notes -----------------------------------------------------------------------------------

_NOTE_MARK = re.compile(r"^%%\s*before:\s*(?P<name>\S+)\s*$")


def parse_notes(text: str, *, source: str = "notes") -> dict[str, str]:
    """The lecturer's notes: blocks that start with a line ``%% before: <section>`` (LaTeX until the next
    such line), spliced into the document just before that section.  Lines before the first marker
    that are not blank or ``%`` comments are an error."""
    notes: dict[str, list[str]] = {}
    current: list[str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _NOTE_MARK.match(line)
        if match:
            current = notes.setdefault(match.group("name"), [])
            continue
        if current is None:
            if line.strip() and not line.lstrip().startswith("%"):
                raise SpecError(f"{source} line {number}: text before the first '%% before: <section>' line")
            continue
        current.append(line)
    if not notes:
        raise SpecError(f"{source} has no '%% before: <section>' line; nothing would be added")
    return {name: "\n".join(lines).strip() for name, lines in notes.items()}


def read_notes(path: str | Path) -> dict[str, str]:
    """:func:`parse_notes` of a file (UTF-8; pdflatex reads UTF-8 since LaTeX 2018)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"notes file {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError(f"cannot read notes file {str(path)!r}: {error}") from None
    return parse_notes(text, source=str(path))


# --- assembling ----------------------------------------------------------------------------------------------

def _tex_escape_meta(value: str) -> str:
    """Title, author, course, date: the user's text, with TeX's specials that break a title escaped."""
    return "".join({"&": r"\&", "%": r"\%", "#": r"\#", "_": r"\_"}.get(ch, ch) for ch in value)


def _figure_prefix(stem: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]+", "-", stem).strip("-") or "document"


def build_document(
    sections: Iterable[Section | Callable[[], str]],
    *,
    title: str = DEFAULT_TITLE,
    author: str = "",
    course: str = DEFAULT_COURSE,
    date: str = "",
    abstract: str | None = None,
    command: str | None = None,
    answers: bool = True,
    notes: Mapping[str, str] | None = None,
    only: Sequence[str] | str | None = None,
    figure_prefix: str = "document",
) -> str:
    """A complete, compilable LaTeX document (article + amsmath + graphicx) from section builders.

    ``sections`` are :class:`Section` objects or functions returning LaTeX (the whole lecture:
    :func:`symbackprop.lecture_sections`); ``only`` picks and orders them by name; ``notes`` maps a
    section name to LaTeX put just before it; ``answers=False`` replaces every :func:`answer` block by
    its hidden form.  ``command`` is recorded in a comment at the top (how to regenerate the file);
    ``figure_prefix`` starts the names of the figure files (:func:`write_document` uses the file's stem).
    Raises :class:`NotSupportedError` if a builder returned non-ASCII.
    """
    if sections is None or isinstance(sections, (str, Section)):
        raise ArgumentTypeError("build_document takes a list of sections, e.g. symbackprop.lecture_sections()")
    items = [s if isinstance(s, Section) else Section(f"part-{k + 1}", s) for k, s in enumerate(sections)]
    items = select_sections(items, only)
    names = [s.name for s in items]
    for name in notes or {}:
        if name not in names:
            raise SpecError(f"notes for section {name!r}, which is not in the document; sections are: {', '.join(names)}")
    built = {id(item): item.build().strip() for item in sorted(items, key=lambda item: item.late)}  # a stable sort
    bodies = []
    for item in items:
        body = built[id(item)]
        _check_ascii(body, item.name)
        if notes and item.name in notes:
            bodies.append(f"% --- the lecturer's notes before {item.name}\n{notes[item.name]}")
        bodies.append(show_answers(body, answers))
    header = TEX_MARKER
    if command:
        header += f"\n% Regenerate with: {command}"
    heading = rf"{_tex_escape_meta(title)}"
    if course:
        heading += rf"\\[0.4em]\large {_tex_escape_meta(course)}"
    parts = [
        header,
        PREAMBLE.rstrip(),
        rf"\newcommand{{\figurefile}}[1]{{{_figure_prefix(figure_prefix)}-#1}}",
        rf"\title{{{heading}}}",
        rf"\author{{{_tex_escape_meta(author)}}}",
        rf"\date{{{_tex_escape_meta(date)}}}",
        r"\begin{document}",
        r"\maketitle",
    ]
    if abstract:
        parts.append("\\begin{abstract}\n" + abstract.strip() + "\n\\end{abstract}")
    parts.extend(bodies)
    parts.append(r"\end{document}")
    return "\n\n".join(parts) + "\n"


def figure_paths(path: str | Path, sections: Iterable[Section], *, only: Sequence[str] | str | None = None) -> dict[Path, Figure]:
    """Where :func:`write_document` puts each figure of ``sections`` for a document at ``path``."""
    path = Path(path)
    prefix = _figure_prefix(path.stem)
    chosen = select_sections([s for s in sections if isinstance(s, Section)], only)
    result: dict[Path, Figure] = {}
    for item in chosen:
        for figure in item.figures():
            result[path.parent / f"{prefix}-{figure.name}{figure.suffix}"] = figure
    return result


def write_document(
    path: str | Path,
    sections: Iterable[Section | Callable[[], str]],
    *,
    pdf: bool = False,
    force: bool = False,
    inputs: Iterable[str | Path] = (),
    **options: object,
) -> Path:
    """Write :func:`build_document` (``options`` are its keyword arguments) to ``path`` and the figures
    its sections include next to it; with ``pdf=True`` also compile it.

    Files are written under :mod:`symbackprop.files`' policy (never over an input or a file symbackprop
    did not write unless ``force``; atomically).  Returns the path of the .tex file (the PDF, when made,
    has the same stem).  Compilation errors raise :class:`~symbackprop.errors.LatexError`; a missing
    pdflatex raises :class:`~symbackprop.errors.ToolNotFoundError` (the .tex is written either way).
    """
    path = Path(path)
    if path.suffix != ".tex":
        raise SpecError(f"the output file must end in .tex, got {str(path)!r}")
    sections = list(sections)
    inputs = list(inputs)
    options.setdefault("figure_prefix", path.stem)
    document = build_document(sections, **options)  # type: ignore[arg-type]
    figures = figure_paths(path, [s for s in sections if isinstance(s, Section)], only=options.get("only"))  # type: ignore[arg-type]
    prepare_output(path, inputs=inputs, force=force)  # says so when it creates the folder
    if pdf:
        prepare_output(path.with_suffix(".pdf"), inputs=inputs, force=force, quiet=True)  # refused before anything is written
    for target in figures:
        prepare_output(target, inputs=inputs, force=force, quiet=True)
    write_text(path, document, inputs=inputs, force=force)
    for target, figure in figures.items():
        with atomic_path(target) as temporary:
            figure.write(temporary)
    if pdf:
        from .pdf import compile_pdf

        compile_pdf(path, output_dir=path.parent, force=force)
    return path


def _check_ascii(body: str, name: str) -> None:
    for number, line in enumerate(body.splitlines(), start=1):
        if not line.isascii():
            bad = next(ch for ch in line if not ch.isascii())
            raise NotSupportedError(f"non-ASCII character {bad!r} in generated LaTeX (section {name!r}, line {number}): {line[:80]!r}")


def label(name: str) -> str:
    """``\\label{sec:name}``: what :func:`section` puts under a heading, and ``\\secref{name}`` refers to."""
    return rf"\label{{sec:{name}}}"


def section(title: str, body: Sequence[str] | str, *, level: str = "section", name: str | None = None) -> str:
    """``\\section{title}`` (or sub/subsub) followed by the body paragraphs, labelled ``sec:<name>`` when
    ``name`` is given.  (The preamble keeps every heading with the lines that follow it.)"""
    paragraphs = [body] if isinstance(body, str) else list(body)
    heading = f"\\{level}{{{title}}}"
    if name:
        heading += label(name)
    return "\n\n".join([heading, *[p.strip() for p in paragraphs if p and p.strip()]])


def figure(name: str, caption: str, *, width: str = r"\linewidth") -> str:
    """A floating figure that includes the :class:`Figure` called ``name``; refer to it as ``Figure~\\ref{fig:name}``."""
    return (
        "\\begin{figure}[tbp]\n\\centering\n"
        f"\\includegraphics[width={width}]{{\\figurefile{{{name}}}}}\n"
        f"\\caption{{{caption}}}\\label{{fig:{name}}}\n\\end{{figure}}"
    )
