"""The network options every sub-command shares: --sizes, --activation, --output, --bias, --loss."""

from __future__ import annotations

import argparse

__all__ = ["add_network_options", "network_from_args"]


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
