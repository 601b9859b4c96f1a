"""The ``symbackprop`` command line: thin sub-commands over the library.

Only the chosen sub-command's options are built, so ``symbackprop --help`` and ``--version`` import
neither SymPy nor NumPy; each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Sequence

from .. import __version__
from ..errors import SymbackpropError
from .options import add_network_options, network_from_args

__all__ = ["main", "build_parser"]


def _prove(args: argparse.Namespace) -> int:
    from ..derive import backprop, direct
    from ..notation import plain, plain_name
    from ..proof import prove

    if args.general:
        return _prove_general(args)
    args.sizes = "4,4,4,4,2" if args.sizes is None else args.sizes
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


def _prove_general(args: argparse.Namespace) -> int:
    from ..errors import SpecError
    from ..general import prove_general

    given = [flag for flag, value in (("--sizes", args.sizes is not None), ("--show", args.show), ("--bias", args.bias)) if value]
    if given or args.activation != "phi" or args.output or args.loss != "squared":
        raise SpecError("--general proves the statements for every network at once; it takes no network options")
    proof = prove_general()
    print(proof.report())
    return 0 if proof.holds else 1


def _register_prove(parser: argparse.ArgumentParser) -> None:
    add_network_options(parser, sizes=None)
    parser.add_argument("--general", action="store_true", help="prove the recursion for every depth and width, and the multi-class results for every C")
    parser.add_argument("--spot-check", type=int, default=2, metavar="N", help="random points for the numeric check (0: none)")
    parser.add_argument("--show", action="append", metavar="PARAM", help="print ∂e/∂PARAM both ways, e.g. --show w^1_11")


COMMANDS["prove"] = ("derive ∂e/∂w both ways and prove them equal, exactly", _register_prove, _prove)


def _register_derive(parser: argparse.ArgumentParser) -> None:
    from .derive import register

    register(parser)


def _derive(args: argparse.Namespace) -> int:
    from .derive import run

    return run(args)


COMMANDS["derive"] = ("write a LaTeX document deriving backpropagation (the whole lecture, or one network)", _register_derive, _derive)


def _register_train(parser: argparse.ArgumentParser) -> None:
    from ..data import EXAMPLES
    from ..train import METHODS

    parser.add_argument("--example", choices=EXAMPLES, default="lecture", help="lecture (L1, our own 4 samples), binary (L17), iris (L18), digits (L18, 8×8 images, held-out test split)")
    parser.add_argument("--data", metavar="FILE.csv", help="train on your CSV instead: features, then the target in the last column")
    parser.add_argument("--task", default="auto", choices=("auto", "regression", "binary01", "binary", "multiclass"), help="how to read the CSV's targets (auto: detected from them, and printed)")
    add_network_options(parser, sizes=None)
    parser.set_defaults(activation=None, loss=None, bias=None)
    parser.add_argument("--no-bias", dest="bias", action="store_false", help="no biases (default: the example's choice)")
    parser.add_argument("--method", default="all", choices=(*METHODS, "all"), help="optimiser (default: all four)")
    parser.add_argument("--epochs", type=int, help="passes over the data: GD steps, or S steps of SGD")
    parser.add_argument("--alpha", type=float, help="GD's fixed step α")
    parser.add_argument("--gamma", type=float, help="SGD step sizes γ_k = GAMMA/(k+1) (the lecture's: 1)")
    parser.add_argument("--batch-size", type=int, help="mini-batch size B")
    parser.add_argument("--tol", type=float, default=1e-6, help="GD stops when ‖∇E‖₂ ≤ tol (default 1e-6)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initial weights and the sampling")
    parser.add_argument("--plot", metavar="FILE.png", help="write the loss curves to a PNG (a missing folder is created)")
    parser.add_argument("--force", action="store_true", help="replace an existing --plot file that symbackprop did not write")
    parser.add_argument("--quiet", action="store_true", help="no progress bar (there is one only when standard error is a terminal)")


def _train(args: argparse.Namespace) -> int:
    from ..data import load_csv
    from ..lecture.examples import compare_methods

    data = load_csv(args.data, task=args.task) if args.data else None
    activation = args.activation.split(",") if args.activation and "," in args.activation else args.activation
    comparison = compare_methods(
        args.example,
        data=data,
        methods=args.method,
        sizes=args.sizes,
        activation=activation,
        output=args.output,
        bias=args.bias,
        loss=args.loss,
        epochs=args.epochs,
        alpha=args.alpha,
        gamma=args.gamma,
        batch_size=args.batch_size,
        tol=args.tol,
        seed=args.seed,
        plot=args.plot,
        force=args.force,
        inputs=[args.data] if args.data else [],
        quiet=args.quiet,
    )
    print(comparison.table())
    return 1 if any(result.failed for result in comparison.results) else 0


COMMANDS["train"] = ("train the network with GD, exact line search, SGD, mini-batch SGD", _register_train, _train)


def _register_claims(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--plot", metavar="FILE.png", help="write the L14 figure: ‖δ^ℓ‖ and ‖∇_{W^ℓ} e‖ with the bound, per layer (.png or .pdf)")
    parser.add_argument("--tex", metavar="FILE.tex", help="also write the claims as a LaTeX document")
    parser.add_argument("--quick", action="store_true", help="fewer random samples (seconds faster)")


def _claims(args: argparse.Namespace) -> int:
    from ..emit.document import write_document
    from ..lecture.claims import claims_section, claims_table, lecture_claims

    claims = lecture_claims(quick=args.quick, plot=args.plot)
    print(claims_table(claims))
    if args.plot:
        print(f"\nL14 plot: {args.plot}")
    if args.tex:
        write_document(args.tex, [claims_section(quick=args.quick)], title="The lecture's claims, L1--L22", command="symbackprop claims")
        print(f"LaTeX:    {args.tex}")
    return 0 if all(claim.confirms for claim in claims) else 1


COMMANDS["claims"] = ("every lecture item L1–L22 with its status and evidence", _register_claims, _claims)


def _register_schedule(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("gamma", metavar="SCHEDULE", help='γ_k in k = 0, 1, 2, …, e.g. "1/(k+1)", "0.1/sqrt(k+1)", "0.9^k"')
    parser.add_argument("--time-limit", type=float, default=30.0, metavar="S", help="give up after S seconds (default 30)")


def _schedule(args: argparse.Namespace) -> int:
    from ..lecture.schedules import check_schedule

    verdict = check_schedule(args.gamma, time_limit=args.time_limit)
    print(verdict.report())
    return 0 if verdict.satisfied else 1


COMMANDS["schedule"] = ("decide whether a step-size schedule satisfies Σγ_k = ∞, Σγ_k² < ∞ (L5)", _register_schedule, _schedule)


def _register_demo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="symbackprop-demo", metavar="DIR", help="where the files go (default ./symbackprop-demo)")
    parser.add_argument("--no-pdf", action="store_true", help="do not run pdflatex even when it is installed")


def _demo(args: argparse.Namespace) -> int:
    from ..lecture.demo import run_demo

    return 0 if run_demo(args.out, pdf=not args.no_pdf).ok else 1


COMMANDS["demo"] = ("the whole lecture on its example: derive, prove, train, claims, documents", _register_demo, _demo)


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

    from ..answers.grading import (
        check_isolated,
        grade_answers,
        read_answers,
        write_results,
    )
    from ..errors import AnswerSyntaxError, DataError, SpecError

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


def _register_homework(parser: argparse.ArgumentParser) -> None:
    from .homework import register_homework

    register_homework(parser)


def _homework(args: argparse.Namespace) -> int:
    from .homework import run_homework

    return run_homework(args)


COMMANDS["homework"] = ("make each student's homework: variants.json, question sheets, solution keys", _register_homework, _homework)


def _register_grade(parser: argparse.ArgumentParser) -> None:
    from .homework import register_grade

    register_grade(parser)


def _grade(args: argparse.Namespace) -> int:
    from .homework import run_grade

    return run_grade(args)


COMMANDS["grade"] = ("grade homework submissions: gradebook, feedback, Gradescope results, class report", _register_grade, _grade)
def _register_serve(parser: argparse.ArgumentParser) -> None:
    from ..web.cli import register

    register(parser)


def _serve(args: argparse.Namespace) -> int:
    from ..web.cli import run

    return run(args)


COMMANDS["serve"] = ("a web page where students check their answers, and explore derivations", _register_serve, _serve)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``command``'s own options are registered (all of them when ``command`` is "*")."""
    parser = argparse.ArgumentParser(
        prog="symbackprop",
        description="Derive, prove, print and run backpropagation in the lecture's notation.",
    )
    parser.add_argument("--version", action="version", version=f"symbackprop {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, register, run) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        if command in (name, "*"):
            register(sub)
        sub.set_defaults(run=run)
    return parser


def _command_in(argv: Sequence[str]) -> str | None:
    """The sub-command named in ``argv`` (the first word that is not an option), if any."""
    return next((word for word in argv if not word.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_in(argv))
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is None:
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except SymbackpropError as error:
        print(f"symbackprop {args.command}: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # an output path that cannot be written, a file that cannot be read
        where = f": {error.filename}" if error.filename else ""
        print(f"symbackprop {args.command}: error: {error.strerror or error}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
