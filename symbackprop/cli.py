"""The ``symbackprop`` command line: thin sub-commands over the library."""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from . import __version__
from .errors import SymbackpropError

__all__ = ["main", "build_parser"]


def add_network_options(parser: argparse.ArgumentParser, *, sizes: str | None = "2,2,1", loss: str = "squared") -> None:
    """--sizes, --activation, --output, --bias, --loss: the MLP options shared by every command."""
    parser.add_argument("--sizes", default=sizes, help=f"layer widths N_0,…,N_L (default {sizes})")
    parser.add_argument(
        "--activation",
        default="phi",
        help="phi (generic: results hold for every φ), sigmoid, tanh, relu, identity; or one per layer, comma-separated",
    )
    parser.add_argument("--output", default=None, help="activation of the last layer, or softmax")
    parser.add_argument("--bias", action="store_true", help="give every neuron a bias b^ℓ_i (L12)")
    parser.add_argument("--loss", default=loss, help="squared, cross_entropy, kl, logistic")


def network_from_args(args: argparse.Namespace):  # noqa: ANN201 - MLP
    from .network import MLP

    activation = args.activation.split(",") if "," in args.activation else args.activation
    return MLP(args.sizes, activation=activation, output=args.output, bias=args.bias, loss=args.loss)


def _prove(args: argparse.Namespace) -> int:
    from .derive import backprop, direct
    from .notation import plain, plain_name
    from .prove import prove

    net = network_from_args(args)
    proof = prove(net, spot_check=args.spot_check)
    print(proof.report())
    for name in args.show or ():
        parameter = net.parameter(name)
        label = plain_name(parameter.name)
        print(f"\n∂e/∂{label} by backprop: {plain(backprop(net)[parameter])}")
        print(f"∂e/∂{label} directly:    {plain(direct(net, [parameter])[parameter])}")
    return 0 if proof.holds else 1


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {}


def _register_prove(parser: argparse.ArgumentParser) -> None:
    add_network_options(parser, sizes="4,4,4,4,2")
    parser.add_argument("--spot-check", type=int, default=2, metavar="N", help="random points for the numeric check (0: none)")
    parser.add_argument("--show", action="append", metavar="PARAM", help="print ∂e/∂PARAM both ways, e.g. --show w^1_11")


COMMANDS["prove"] = ("derive ∂e/∂w both ways and prove them equal, exactly", _register_prove, _prove)


def _register_check(parser: argparse.ArgumentParser) -> None:
    add_network_options(parser)
    parser.add_argument("--wrt", metavar="PARAM", help="the parameter, e.g. b^2_1, w^{2}_{1,2} (or a wrt column in the CSV)")
    answer = parser.add_mutually_exclusive_group(required=True)
    answer.add_argument("--answer", metavar="TEXT", help="one answer, plain or LaTeX, e.g. \"delta^2_1 * sigma'(z^2_1)\"")
    answer.add_argument("--answers", metavar="FILE.csv", help="grade a class: a CSV with columns id, answer (and optionally wrt)")
    parser.add_argument("--out", metavar="FILE.csv", help="where the results CSV goes (default: standard output)")
    parser.add_argument("--jobs", type=int, default=None, metavar="N", help="worker processes (default: every core)")
    parser.add_argument("--time-limit", type=float, default=10.0, metavar="S", help="seconds per answer (default 10)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _check(args: argparse.Namespace) -> int:
    import time

    from .answers.grading import check_isolated, grade_answers, read_answers, write_results
    from .errors import AnswerSyntaxError, DataError, SpecError

    if not args.time_limit > 0:
        raise SpecError("--time-limit must be a positive number of seconds")
    net = network_from_args(args)
    if args.answer is not None:
        if not args.wrt:
            raise SpecError("--wrt is required with --answer (e.g. --wrt b^2_1)")
        net.parameter(args.wrt)
        graded = check_isolated(net, args.wrt, args.answer, time_limit=args.time_limit)
        if graded.verdict == "syntax error":
            raise AnswerSyntaxError(graded.report or graded.feedback)
        if graded.verdict == "error":
            raise SpecError(graded.feedback)
        print(graded.report or graded.feedback)
        return 0 if graded.verdict == "correct" else 1
    if args.wrt:
        net.parameter(args.wrt)
    if args.jobs is not None and args.jobs < 0:
        raise SpecError("--jobs must be 0 (grade in this process) or more")
    rows = read_answers(args.answers)
    if not args.wrt and any(not row.get("wrt") and not row.get("problem") for row in rows):
        raise DataError("some rows have no wrt column value: pass --wrt PARAM for them")
    started = time.perf_counter()
    graded = grade_answers(net, rows, wrt=args.wrt, workers=args.jobs, time_limit=args.time_limit, progress=not args.no_progress)
    seconds = time.perf_counter() - started
    if args.out:
        write_results(args.out, graded)
    else:
        write_results(sys.stdout, graded)
    counts: dict[str, int] = {}
    for item in graded:
        counts[item.verdict] = counts.get(item.verdict, 0) + 1
    summary = ", ".join(f"{count} {verdict}" for verdict, count in sorted(counts.items()))
    rate = len(graded) / seconds if seconds > 0 else float("inf")
    print(f"graded {len(graded)} answers in {seconds:.1f} s ({rate:.0f} answers/s): {summary}", file=sys.stderr)
    if args.out:
        print(f"results written to {args.out}", file=sys.stderr)
    return 0


COMMANDS["check"] = ("check a homework answer for ∂e/∂θ, or grade a class from a CSV", _register_check, _check)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symbackprop",
        description="Derive, prove, print and run backpropagation in the lecture's notation.",
    )
    parser.add_argument("--version", action="version", version=f"symbackprop {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, register, run) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        register(sub)
        sub.set_defaults(run=run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is None:
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except SymbackpropError as error:
        print(f"symbackprop {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
