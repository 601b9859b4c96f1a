"""``symbackprop derive``: write the lecture (or one network's derivation) as a LaTeX document."""

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
    target.add_argument("--out", metavar="FILE.tex", help="write the document here")
    target.add_argument("--all", metavar="DIR", help="regenerate every committed document (derivations/) into DIR")
    parser.add_argument("--pdf", action="store_true", help="also compile the document with pdflatex")
    parser.add_argument("--force", action="store_true", help="replace existing files even if symbackprop did not write them")
    parser.epilog = (
        "Without network options the document covers the whole lecture (L1-L22); with any of --sizes, "
        "--activation, --output, --bias, --loss it derives that network."
    )


def _network_given(args: argparse.Namespace) -> bool:
    return any(value not in (None, False) for value in (args.sizes, args.activation, args.output, args.bias, args.loss))


def run(args: argparse.Namespace) -> int:
    from ..emit.document import build_document
    from ..errors import SpecError, ToolNotFoundError
    from ..files import prepare_output, write_text
    from ..lecture.regenerate import DERIVATIONS, regenerate

    if args.all is not None:
        if _network_given(args) or args.parameter or args.out:
            raise SpecError("--all regenerates the committed documents; it takes no network options")
        if args.pdf:
            for name in DERIVATIONS:
                prepare_output(Path(args.all) / name, force=args.force)
                prepare_output((Path(args.all) / name).with_suffix(".pdf"), force=args.force)
        paths = regenerate(args.all, force=args.force)
    else:
        out = Path(args.out)
        if out.suffix != ".tex":
            raise SpecError(f"--out must name a .tex file, got {args.out!r}")
        prepare_output(out, force=args.force)  # refused before the work, not after
        if args.pdf:
            prepare_output(out.with_suffix(".pdf"), force=args.force)
        if _network_given(args):
            sections, title = _network_document(args)
            document = build_document(sections, title=title)
        else:
            if args.parameter:
                raise SpecError("--parameter needs a network (--sizes …); the lecture document fixes its own")
            lecture = DERIVATIONS["lecture.tex"]
            document = build_document(lecture.sections(), title=lecture.title, abstract=lecture.abstract)
        paths = [write_text(out, document, encoding="ascii", force=args.force)]
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
    from ..emit.multiclass import softmax_section
    from ..emit.network_doc import network_section
    from ..emit.preface import notation_section

    args.sizes = args.sizes or DEFAULT_SIZES
    args.activation = args.activation or "phi"
    args.loss = args.loss or "squared"
    net = network_from_args(args)
    parameter = net.parameter(args.parameter) if args.parameter else None
    sections = [notation_section(), network_section(net, parameter=parameter)]
    if net.softmax:
        sections.append(softmax_section(net))
    sizes = ", ".join(str(n) for n in net.sizes)
    return sections, f"Backpropagation for the network $[{sizes}]$"
