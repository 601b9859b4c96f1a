"""Networks as the web pages send them: checked field by field, bounded in size, built once and kept.

A request names a network as JSON, ``{"sizes": [2, 2, 1], "activation": "sigmoid", "output": null,
"bias": true, "loss": "squared"}``.  Everything is validated before SymPy sees it: the types, the names
(only the lecture's activations and losses), and the size — a server for a class derives small networks
only, so one request cannot make it derive a large one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import sympy as sp

from ..activations import ACTIVATIONS
from ..errors import SymbackpropError
from ..losses import LOSSES
from ..network import MLP
from ..notation import plain_name
from .errors import RequestError
from .recent import RecentlyUsed

__all__ = ["NetworkBounds", "NetworkCache", "network_recipe", "parameter_names", "symbol_latex", "DEFAULT_NETWORK"]

DEFAULT_NETWORK: Mapping[str, object] = {"sizes": [2, 2, 1], "activation": "sigmoid", "output": None, "bias": True, "loss": "squared"}
_FIELDS = ("sizes", "activation", "output", "bias", "loss")
_NAME_LENGTH = 32


@dataclass(frozen=True)
class NetworkBounds:
    """The largest networks a request may ask for: layers L, width of any layer, parameters in all."""

    max_layers: int = 4
    max_width: int = 6
    max_parameters: int = 120

    def describe(self) -> str:
        return f"at most {self.max_layers} layers, {self.max_width} neurons per layer and {self.max_parameters} parameters"


def _name(value: object, field: str, known: Mapping[str, object], *, allow_softmax: bool = False) -> str:
    if not isinstance(value, str):
        raise RequestError(f"network.{field} must be a string, got {_json_type(value)}")
    name = value.strip().lower()
    choices = sorted(known) + (["softmax"] if allow_softmax else [])
    if len(name) > _NAME_LENGTH or name not in choices:
        raise RequestError(f"network.{field} must be one of {', '.join(choices)}")
    return name


def _json_type(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(type(value), "a number")


def network_recipe(value: object, bounds: NetworkBounds) -> tuple:
    """The canonical, hashable form of a network request: (sizes, activations, output, bias, loss).

    Raises :class:`RequestError` naming the first field that is wrong; nothing here builds SymPy objects.
    """
    if not isinstance(value, dict):
        raise RequestError(f"network must be an object with {', '.join(_FIELDS)}, got {_json_type(value)}")
    unknown = sorted(str(key)[:_NAME_LENGTH] for key in value if key not in _FIELDS)
    if unknown:
        raise RequestError(f"network has unknown field(s) {', '.join(unknown)}; its fields are {', '.join(_FIELDS)}")
    sizes = value.get("sizes")
    if not isinstance(sizes, list) or not all(isinstance(n, int) and not isinstance(n, bool) for n in sizes):
        raise RequestError("network.sizes must be a list of whole numbers, e.g. [2, 2, 1]")
    if not 2 <= len(sizes) <= bounds.max_layers + 1:
        raise RequestError(f"network.sizes needs 2 to {bounds.max_layers + 1} widths (N_0, …, N_L): this server derives {bounds.describe()}")
    if not all(1 <= n <= bounds.max_width for n in sizes):
        raise RequestError(f"every width in network.sizes must be between 1 and {bounds.max_width}: this server derives {bounds.describe()}")
    activation = value.get("activation", "phi")
    if isinstance(activation, list):
        if len(activation) != len(sizes) - 1:
            raise RequestError(f"network.activation lists one activation per layer: {len(sizes) - 1} for sizes {sizes}")
        activations = tuple(_name(name, "activation", ACTIVATIONS) for name in activation)
    else:
        activations = (_name(activation, "activation", ACTIVATIONS),)
    output = value.get("output")
    output = None if output is None else _name(output, "output", ACTIVATIONS, allow_softmax=True)
    bias = value.get("bias", False)
    if not isinstance(bias, bool):
        raise RequestError(f"network.bias must be true or false, got {_json_type(bias)}")
    loss = _name(value.get("loss", "squared"), "loss", LOSSES)
    parameters = sum(sizes[layer] * sizes[layer - 1] + (sizes[layer] if bias else 0) for layer in range(1, len(sizes)))
    if parameters > bounds.max_parameters:
        raise RequestError(f"this network has {parameters} parameters: this server derives {bounds.describe()}")
    return (tuple(sizes), activations, output, bias, loss)


def recipe_json(recipe: tuple) -> dict[str, object]:
    """The recipe as the JSON the pages send (one activation name when every layer has it)."""
    sizes, activations, output, bias, loss = recipe
    activation: object = activations[0] if len(activations) == 1 else list(activations)
    return {"sizes": list(sizes), "activation": activation, "output": output, "bias": bias, "loss": loss}


class NetworkCache:
    """MLPs by recipe, the most recently used kept (what the checker caches per network stays warm)."""

    def __init__(self, bounds: NetworkBounds, size: int = 32) -> None:
        self.bounds = bounds
        self._networks: RecentlyUsed[tuple, MLP] = RecentlyUsed(size)

    def get(self, value: object, bounds: NetworkBounds | None = None) -> tuple[tuple, MLP]:
        """(recipe, MLP) for a network request; RequestError for anything invalid or larger than
        ``bounds`` (default: the cache's)."""
        recipe = network_recipe(value, bounds or self.bounds)
        net = self._networks.get(recipe)
        if net is not None:
            return recipe, net
        sizes, activations, output, bias, loss = recipe
        try:
            net = MLP(list(sizes), activation=activations[0] if len(activations) == 1 else list(activations), output=output, bias=bias, loss=loss)
        except SymbackpropError as error:
            raise RequestError(f"network: {error}") from None
        return recipe, self._networks.keep(recipe, net)


def parameter_names(net: MLP) -> list[str]:
    """Every parameter's plain name (w^2_12, b^2_1, …) in the network's order."""
    return [plain_name(parameter.name) for parameter in net.parameters]


def symbol_latex(net: MLP) -> dict[str, str]:
    """Plain name → LaTeX of every symbol a counterexample gives a value to (x, y, w, b, a)."""
    symbols: list[sp.Symbol] = [*net.x, *net.y, *net.parameters]
    for layer in range(1, net.depth + 1):
        symbols.extend(net.a(layer))
    return {plain_name(symbol.name): symbol.name for symbol in symbols}
