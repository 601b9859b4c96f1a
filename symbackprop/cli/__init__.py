"""The ``symbackprop`` command line: thin sub-commands over the library.

Only the chosen sub-command's options are built, so ``symbackprop --help`` and ``--version`` import
neither SymPy nor NumPy; each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Callable, Sequence

from .. import __version__
from ..errors import SymbackpropError
from .options import add_network_options, cli_wording, natural, network_from_args, positive_seconds

__all__ = ["main", "build_parser"]


def _prove(args: argparse.Namespace) -> int:
    from .._kernel.size import gradient_terms
    from ..errors import LimitError
    from ..limits import run_limited
    from ..notation import plain_name

    if args.general:
        return _prove_general(args)
    args.sizes = "4,4,4,4,2" if args.sizes is None else args.sizes
    net = network_from_args(args)
    for name in args.show or ():
        parameter = net.parameter(name)
        terms = gradient_terms(net, net.parameter_info(parameter).layer)  # before any symbolic work
        if terms > _SHOW_TERM_LIMIT:
            raise LimitError(
                f"--show {name}: ∂e/∂{plain_name(parameter.name)} multiplied out has about {terms:,} terms, too long to "
                f"print (limit {_SHOW_TERM_LIMIT:,}); the proof itself covers it — drop --show, or show a parameter of a later layer"
            )
    text, holds = run_limited(
        _proof_report,
        net,
        args.spot_check,
        tuple(args.show or ()),
        time_limit=args.time_limit,
        what=f"the proof for {net.spec.sizes_label}",
        hint="allow more with --time-limit, or prove a network with fewer or narrower layers",
    )
    print(text)
    return 0 if holds else 1


_SHOW_TERM_LIMIT = 20_000  # terms of a derivative printed by prove --show


def _proof_report(net, spot_check: int, shows: tuple[str, ...]) -> tuple[str, bool]:  # noqa: ANN001 - runs in a worker
    from ..derive import backprop, direct
    from ..notation import plain, plain_name
    from ..proof import prove

    proof = prove(net, spot_check=spot_check)
    lines = [proof.report()]
    for name in shows:
        parameter = net.parameter(name)
        label = plain_name(parameter.name)
        lines.append(f"\n∂e/∂{label} by backprop: {plain(backprop(net)[parameter])}")
        lines.append(f"∂e/∂{label} directly:    {plain(direct(net, [parameter])[parameter])}")
    return "\n".join(lines), proof.holds


COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]] = {}


def _prove_general(args: argparse.Namespace) -> int:
    from ..errors import SpecError
    from ..limits import run_limited

    given = [flag for flag, value in (("--sizes", args.sizes is not None), ("--show", args.show), ("--bias", args.bias)) if value]
    if given or args.activation != "phi" or args.output or args.loss != "squared":
        raise SpecError("--general proves the statements for every network at once; it takes no network options")
    report, holds = run_limited(_general_report, time_limit=args.time_limit, what="the general proof", hint="allow more with --time-limit")
    print(report)
    return 0 if holds else 1


def _general_report() -> tuple[str, bool]:  # runs in a worker
    from ..general import prove_general

    proof = prove_general()
    return proof.report(), proof.holds


def _register_prove(parser: argparse.ArgumentParser) -> None:
    add_network_options(parser, sizes=None)
    parser.add_argument("--general", action="store_true", help="prove the recursion for every depth and width, and the multi-class results for every C")
    parser.add_argument("--spot-check", type=natural, default=2, metavar="N", help="random points for the numeric check (0: none)")
    parser.add_argument("--show", action="append", metavar="PARAM", help="print ∂e/∂PARAM both ways, e.g. --show w^1_11")
    parser.add_argument("--time-limit", type=positive_seconds, default=600.0, metavar="S",
                        help="give up after S seconds (default 600); memory is capped too")


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
    parser.add_argument("--force", action="store_true", help="replace --plot/--tex even if symbackprop did not write them")


def _claims(args: argparse.Namespace) -> int:
    from ..emit.document import write_document
    from ..errors import SpecError
    from ..files import prepare_output
    from ..lecture.claims import claims_section, claims_table, lecture_claims

    if args.tex:  # refused before the work, not after
        if not args.tex.endswith(".tex"):
            raise SpecError(f"--tex must name a .tex file, got {args.tex!r}")
        prepare_output(args.tex, force=args.force)
    claims = lecture_claims(quick=args.quick, plot=args.plot, force=args.force)
    print(claims_table(claims))
    if args.plot:
        print(f"\nL14 plot: {args.plot}")
    if args.tex:
        write_document(args.tex, [claims_section(quick=args.quick)], title="The lecture's claims, L1--L22", command="symbackprop claims", force=args.force)
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
    parser.add_argument("--force", action="store_true", help="replace files in DIR even if symbackprop did not write them")


def _demo(args: argparse.Namespace) -> int:
    from ..lecture.demo import run_demo

    return 0 if run_demo(args.out, pdf=not args.no_pdf, force=args.force).ok else 1


COMMANDS["demo"] = ("the whole lecture on its example: derive, prove, train, claims, documents", _register_demo, _demo)


def _register_check(parser: argparse.ArgumentParser) -> None:
    add_network_options(parser)
    parser.add_argument("--wrt", metavar="PARAM", help="the parameter, e.g. b^2_1, w^{2}_{1,2} (or a wrt column in the CSV)")
    answer = parser.add_mutually_exclusive_group(required=True)
    answer.add_argument("--answer", metavar="TEXT", help="one answer, plain or LaTeX, e.g. \"delta^2_1 * sigma'(z^2_1)\"")
    answer.add_argument("--answers", metavar="FILE.csv", help="grade a class: a CSV with columns id, answer (and optionally wrt)")
    parser.add_argument("--out", metavar="FILE.csv", help="where the results CSV goes (default: standard output)")
    parser.add_argument("--force", action="store_true", help="replace --out even if it is not a results file symbackprop wrote")
    parser.add_argument("--jobs", type=natural, default=None, metavar="N", help="worker processes (default: every core; 0: this process)")
    parser.add_argument("--time-limit", type=positive_seconds, default=10.0, metavar="S",
                        help="seconds per answer (default 10); a worker is stopped after 2S + 5 s")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar (there is none when standard error is not a terminal)")


def _check(args: argparse.Namespace) -> int:
    import time

    from ..answers.grading import GRADED, RESULT_COLUMNS, check_isolated, grade_answers, read_answers, write_results
    from ..errors import AnswerSyntaxError, SpecError
    from ..files import prepare_output

    net = network_from_args(args)
    if args.answer is not None:
        if not args.wrt:
            raise SpecError("--wrt is required with --answer (e.g. --wrt b^2_1)")
        if args.out:
            raise SpecError("--out writes the results of --answers FILE.csv; one --answer is reported here")
        net.parameter(args.wrt)
        graded = check_isolated(net, args.wrt, args.answer, time_limit=args.time_limit)
        if graded.verdict == "syntax error":
            raise AnswerSyntaxError(graded.report or graded.feedback)
        if graded.verdict == "error":
            raise SpecError(graded.feedback)
        print(graded.report or graded.feedback)
        return {"correct": 0, "wrong": 1}.get(graded.verdict, 3)  # 3: undecided (numbers only, or out of time)
    if args.wrt:
        net.parameter(args.wrt)
    if args.out:  # refuse before grading, not after
        prepare_output(args.out, inputs=[args.answers], force=args.force, csv_header=RESULT_COLUMNS)
    if args.jobs is not None:
        from ..limits import checked_workers

        checked_workers(args.jobs, name="--jobs", zero=True)
    rows = read_answers(args.answers)
    started = time.perf_counter()
    graded = grade_answers(net, rows, wrt=args.wrt, workers=args.jobs, time_limit=args.time_limit, progress=not args.no_progress)
    seconds = time.perf_counter() - started
    if args.out:
        write_results(args.out, graded, inputs=[args.answers], force=args.force)
    else:
        write_results(sys.stdout, graded)
    counts: dict[str, int] = {}
    for item in graded:
        counts[item.verdict] = counts.get(item.verdict, 0) + 1
    done = ", ".join(f"{counts[verdict]} {verdict}" for verdict in GRADED if counts.get(verdict)) or "none"
    open_rows = [item for item in graded if item.verdict not in GRADED]
    rate = len(graded) / seconds if seconds > 0 else float("inf")
    summary = f"graded {len(graded) - len(open_rows)} of {len(graded)} rows in {seconds:.1f} s ({rate:.0f} rows/s): {done}"
    if open_rows:
        kinds = ", ".join(f"{counts[verdict]} {verdict}" for verdict in sorted(counts) if verdict not in GRADED)
        summary += f"; {len(open_rows)} not graded ({kinds}) — see their feedback"
    print(summary, file=sys.stderr)
    for item in open_rows[:5]:
        print(f"  {item.id}: {item.verdict}: {item.feedback.splitlines()[0] if item.feedback else item.decided_by}", file=sys.stderr)
    if len(open_rows) > 5:
        print(f"  … and {len(open_rows) - 5} more", file=sys.stderr)
    if args.out:
        print(f"results written to {args.out}", file=sys.stderr)
    return 1 if open_rows else 0


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
    except BrokenPipeError:  # the reader went away (e.g. `symbackprop prove | head -4`): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python flushes stdout on exit; let that succeed
        return 1
    except SymbackpropError as error:
        print(f"symbackprop {args.command}: error: {cli_wording(str(error))}", file=sys.stderr)
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
