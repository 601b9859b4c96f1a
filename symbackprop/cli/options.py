"""The network options every sub-command shares: --sizes, --activation, --output, --bias, --loss."""

from __future__ import annotations

import argparse
import re

__all__ = ["add_network_options", "network_from_args", "cli_wording", "natural", "positive_seconds"]


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
    from ..network import MLP

    activation = args.activation.split(",") if "," in args.activation else args.activation
    return MLP(args.sizes, activation=activation, output=args.output, bias=args.bias, loss=args.loss)


def natural(text: str) -> int:
    """An argparse type: a whole number ≥ 0 (the error names the flag, as argparse does)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


def course_seed(text: str) -> int:
    """An argparse type: a whole number that ``variants.json`` can hold and ``grade`` read back (at most
    :data:`~symbackprop.strict_json.MAX_DIGITS` digits)."""
    from ..strict_json import MAX_DIGITS

    digits = text.strip().lstrip("+-")
    if len(digits) > MAX_DIGITS:
        raise argparse.ArgumentTypeError(f"expected a whole number of at most {MAX_DIGITS} digits, got {len(digits)} digits")
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def positive_seconds(text: str) -> float:
    """An argparse type: a time limit in seconds, more than 0 and at most a week (what the timers keep)."""
    from ..errors import OptionError
    from ..limits import MAX_TIME_LIMIT, checked_time_limit

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    try:
        return checked_time_limit(value)
    except OptionError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds more than 0 and at most {MAX_TIME_LIMIT:,} (a week), got {text}") from None


# Python spellings in the library's messages, and the command line's: bias=True → --bias,
# output='softmax' → --output softmax, loss="kl" → --loss kl.
_PYTHON_OPTION = re.compile(r"\b(sizes|activation|output|bias|loss)=(?:True\b|'([^']*)'|\"([^\"]*)\"|([A-Za-z0-9_.,]+))")


def cli_wording(message: str) -> str:
    """A library message with its advice in the command line's terms: the flag, not the Python keyword.

    >>> cli_wording("this network has no biases (build it with bias=True); pass output='softmax'")
    'this network has no biases (build it with --bias); pass --output softmax'
    """

    def flag(match: re.Match) -> str:
        name, value = match.group(1), next((group for group in match.groups()[1:] if group is not None), None)
        return f"--{name}" if value is None else f"--{name} {value}"

    return _PYTHON_OPTION.sub(flag, message)
