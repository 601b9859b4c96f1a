"""``symbackprop derive``: write the lecture's notes (or one network's derivation) as a LaTeX document."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .options import add_network_options, network_from_args

__all__ = ["register", "run", "DEFAULT_SIZES"]

DEFAULT_SIZES = "2,2,2,2"  # when some network option is given but not --sizes


def register(parser: argparse.ArgumentParser) -> None:
    add_network_options(parser, sizes=None)
    parser.set_defaults(activation=None, loss=None)
    parser.add_argument("--parameter", metavar="PARAM", default=None,
                        help="the weight or bias whose direct derivative is shown (default w^1_11)")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", metavar="FILE.tex", help="write the document here (its figures go next to it)")
    target.add_argument("--all", metavar="DIR", help="regenerate every committed document (derivations/) into DIR")
    parser.add_argument("--pdf", action="store_true", help="also compile the document with pdflatex")
    lecturer = parser.add_argument_group("the lecturer's controls")
    lecturer.add_argument("--title", help="the document's title")
    lecturer.add_argument("--author", default="", help="author line (default: none)")
    lecturer.add_argument("--course", default=None, help="course line under the title (default: IE 643 …)")
    lecturer.add_argument("--date", default="", help="date line (default: none, so the file does not change by itself)")
    lecturer.add_argument("--sections", metavar="A,B,…", help="only these sections, in this order (the names are listed on error)")
    lecturer.add_argument("--notes", metavar="NOTES.tex",
                          help="your own LaTeX, spliced in: each block starts with a line '%%%% before: <section>'")
    lecturer.add_argument("--no-answers", dest="answers", action="store_false",
                          help="leave the homework and the exercises as questions (no answers)")
    parser.add_argument("--force", action="store_true", help="replace existing files that symbackprop did not write")
    parser.epilog = (
        "Without network options the document covers the whole lecture (L1-L22); with any of --sizes, "
        "--activation, --output, --bias, --loss it derives that network."
    )


def _network_given(args: argparse.Namespace) -> bool:
    return any(value not in (None, False) for value in (args.sizes, args.activation, args.output, args.bias, args.loss))


def _lecturer_options_given(args: argparse.Namespace) -> bool:
    return any(value not in (None, "", True) for value in (args.title, args.author, args.course, args.date, args.sections, args.notes)) or not args.answers


def run(args: argparse.Namespace) -> int:
    from ..emit.document import DEFAULT_COURSE, figure_paths, read_notes, write_document
    from ..errors import SpecError, ToolNotFoundError
    from ..files import prepare_output
    from ..lecture.regenerate import DERIVATIONS, regenerate

    if args.all is not None:
        if _network_given(args) or args.parameter or _lecturer_options_given(args):
            raise SpecError("--all regenerates the committed documents as they are; it takes no network or lecturer options")
        if args.pdf:
            for name in DERIVATIONS:
                prepare_output((Path(args.all) / name).with_suffix(".pdf"), force=args.force, quiet=True)
        paths = regenerate(args.all, force=args.force)
    else:
        out = Path(args.out)
        if out.suffix != ".tex":
            raise SpecError(f"--out must name a .tex file, got {args.out!r}")
        inputs = [args.notes] if args.notes else []
        prepare_output(out, inputs=inputs, force=args.force)  # refused before the work, not after
        if args.pdf:
            prepare_output(out.with_suffix(".pdf"), inputs=inputs, force=args.force)
        if _network_given(args):
            sections, title = _network_document(args)
        else:
            if args.parameter:
                raise SpecError("--parameter needs a network (--sizes …); the lecture's notes fix their own")
            from ..lecture.figures import prefetch_notes

            prefetch_notes(figures=not args.sections)  # on the other core, while the rest is built
            lecture = DERIVATIONS["lecture.tex"]
            sections, title = lecture.sections(), lecture.title
        notes = read_notes(args.notes) if args.notes else None
        options = dict(
            title=args.title if args.title is not None else title,
            author=args.author,
            course=args.course if args.course is not None else DEFAULT_COURSE,
            date=args.date,
            only=args.sections,
            notes=notes,
            answers=args.answers,
        )
        paths = [write_document(out, sections, force=args.force, inputs=inputs, **options)]
        figures = [p.name for p in figure_paths(out, sections, only=args.sections)]
        print(f"wrote {out}" + (f" and its figures {', '.join(figures)}" if figures else ""))
    if args.all is not None:
        for path in paths:
            print(f"wrote {path}")
    if args.pdf:
        from ..emit.pdf import compile_pdf

        for path in paths:
            try:
                result = compile_pdf(path, output_dir=path.parent, force=args.force)
            except ToolNotFoundError as error:
                print(f"symbackprop derive: no PDF: {error}", file=sys.stderr)
                return 1
            note = f", {len(result.overfull)} overfull line(s)" if result.overfull else ""
            print(f"wrote {result.pdf} ({result.pages} pages{note})")
    return 0


def _network_document(args: argparse.Namespace):  # noqa: ANN202
    from ..emit.network_doc import network_sections
    from ..emit.preface import notation_section

    args.sizes = args.sizes or DEFAULT_SIZES
    args.activation = args.activation or "phi"
    args.loss = args.loss or "squared"
    net = network_from_args(args)
    parameter = net.parameter(args.parameter) if args.parameter else None
    sections = [notation_section(), *network_sections(net, parameter=parameter)]
    sizes = ", ".join(str(n) for n in net.sizes)
    return sections, f"Backpropagation for the network $[{sizes}]$"
