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
    parser.add_argument("--sizes", default=sizes, help=f"layer widths N_0,…,N_L (default {sizes})" if sizes else "layer widths N_0,…,N_L")
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


def _register_derive(parser: argparse.ArgumentParser) -> None:
    from .emit.cli import register

    register(parser)


def _derive(args: argparse.Namespace) -> int:
    from .emit.cli import run

    return run(args)


COMMANDS["derive"] = ("write a LaTeX document deriving backpropagation (the whole lecture, or one network)", _register_derive, _derive)


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
