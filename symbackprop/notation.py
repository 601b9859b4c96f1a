"""The lecture's symbols, named once.

Every symbol carries its LaTeX as its name, so SymPy prints the lecture's notation unchanged:
``w^{ℓ}_{ij}`` (``w^{ℓ}_{i,j}`` once a width reaches 10, so ``w^{1}_{1,12}`` is never confused with
``w^{1}_{11,2}``), ``b^{ℓ}_{i}``, ``z^{ℓ}_{i}``, ``a^{ℓ}_{i}``, ``x_{j}``, ``y_{j}``, ``q_{j}`` (softmax
outputs) and ``\\delta^{ℓ}_{i}`` (the lecture's δ, i.e. ∂e/∂a^ℓ_i).

>>> weight(2, 1, 3)
w^{2}_{13}
>>> plain_name("w^{2}_{1,12}")
'w^2_1,12'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from .errors import AnswerSyntaxError, SpecError

__all__ = [
    "weight",
    "bias",
    "pre_activation",
    "activation",
    "input_symbol",
    "target",
    "probability",
    "delta",
    "plain",
    "plain_name",
    "ParameterName",
    "parse_parameter_name",
    "weight_indices",
]


def _indices(*indices: int, separate: bool) -> str:
    return ("," if separate else "").join(str(index) for index in indices)


def weight(layer: int, i: int, j: int, *, separate: bool = False) -> sp.Symbol:
    """w^ℓ_{ij}: connects neuron j of layer ℓ-1 to neuron i of layer ℓ (1-based)."""
    return sp.Symbol(f"w^{{{layer}}}_{{{_indices(i, j, separate=separate)}}}")


def bias(layer: int, i: int) -> sp.Symbol:
    return sp.Symbol(f"b^{{{layer}}}_{{{i}}}")


def pre_activation(layer: int, i: int) -> sp.Symbol:
    return sp.Symbol(f"z^{{{layer}}}_{{{i}}}")


def activation(layer: int, i: int) -> sp.Symbol:
    """a^ℓ_i; layer 0 is the input, a^0_j = x_j."""
    if layer == 0:
        return input_symbol(i)
    return sp.Symbol(f"a^{{{layer}}}_{{{i}}}")


def input_symbol(j: int) -> sp.Symbol:
    return sp.Symbol(f"x_{{{j}}}")


def target(j: int) -> sp.Symbol:
    return sp.Symbol(f"y_{{{j}}}")


def probability(j: int) -> sp.Symbol:
    """q_j, the j-th softmax output (L18)."""
    return sp.Symbol(f"q_{{{j}}}")


def delta(layer: int, i: int) -> sp.Symbol:
    """δ^ℓ_i = ∂e/∂a^ℓ_i (the lecture's convention, not ∂e/∂z)."""
    return sp.Symbol(f"\\delta^{{{layer}}}_{{{i}}}")


_BRACES = re.compile(r"[{}]")


def plain_name(name: str) -> str:
    """A symbol name for terminals: braces dropped, ``\\delta`` spelled δ."""
    return _BRACES.sub("", name.replace("\\delta", "δ"))


@dataclass(frozen=True)
class ParameterName:
    """A parsed parameter name such as ``w^2_12``: kind 'w' or 'b', layer, and index digits."""

    kind: str
    layer: int
    indices: tuple[int, ...] | None
    digits: str


_SCRIPT = r"(?:\{\s*(?P<NAMEb>[0-9][0-9,\s]*)\s*\}|(?P<NAMEp>[0-9]+(?:,[0-9]+)*))"
_PARAMETER = re.compile(
    r"^\s*(?P<kind>[wb])\s*(?:"
    r"\^\s*" + _SCRIPT.replace("NAME", "sup1") + r"\s*_\s*" + _SCRIPT.replace("NAME", "sub1")
    + r"|_\s*" + _SCRIPT.replace("NAME", "sub2") + r"\s*\^\s*" + _SCRIPT.replace("NAME", "sup2")
    + r")\s*$"
)


def parse_parameter_name(text: str) -> ParameterName:
    """Parse ``w^2_12``, ``w^{2}_{1,2}``, ``w_{12}^{2}``, ``b^2_1`` …; indices stay unsplit when ambiguous.

    >>> parse_parameter_name("w_{12}^{2}")
    ParameterName(kind='w', layer=2, indices=(1, 2), digits='12')
    >>> parse_parameter_name("w^1_112").indices is None  # split later, by the layer's shape
    True
    >>> parse_parameter_name("w^{2}_{1,12}").indices
    (1, 12)
    """
    if not isinstance(text, str) or len(text) > 64:
        raise AnswerSyntaxError("a parameter name is a short string such as 'w^2_12' or 'b^{2}_{1}'")
    match = _PARAMETER.match(text)
    if match is None:
        raise AnswerSyntaxError(
            "expected a parameter name such as 'w^2_12', 'w^{2}_{1,2}', 'w_{12}^{2}' or 'b^2_1'",
            text=text,
            position=_first_bad_position(text),
        )
    groups = {key: value for key, value in match.groupdict().items() if value is not None}
    layer_text = next(groups[key] for key in ("sup1b", "sup1p", "sup2b", "sup2p") if key in groups)
    sub_text = next(groups[key] for key in ("sub1b", "sub1p", "sub2b", "sub2p") if key in groups)
    if "," in layer_text:
        raise AnswerSyntaxError("the layer (superscript) is a single number", text=text)
    layer = int(layer_text)
    sub = re.sub(r"\s", "", sub_text)
    kind = match.group("kind")
    if "," in sub:
        parts = sub.split(",")
        if any(part == "" for part in parts):
            raise AnswerSyntaxError("empty index between commas", text=text, position=text.find(","))
        indices: tuple[int, ...] | None = tuple(int(part) for part in parts)
    elif kind == "b" or len(sub) == 2:
        indices = (int(sub),) if kind == "b" else (int(sub[0]), int(sub[1]))
    else:
        indices = None
    return ParameterName(kind=kind, layer=layer, indices=indices, digits=sub)


def weight_indices(label: str, layer: int, indices: tuple[int, ...] | None, digits: str, rows: int, cols: int) -> tuple[int, int]:
    """(i, j) of w^ℓ_ij in a W^ℓ of ``rows`` × ``cols``: given ``indices``, else every split of ``digits``
    that fits (w^1_112 is w^1_{1,12} or w^1_{11,2}); :class:`SpecError` naming ``label`` when none or
    several fit.

    >>> weight_indices("w^1_112", 1, None, "112", 2, 12)
    (1, 12)
    """
    candidates = [indices] if indices is not None else [(int(digits[:k]), int(digits[k:])) for k in range(1, len(digits))]
    valid = [(c[0], c[1]) for c in candidates if len(c) == 2 and 1 <= c[0] <= rows and 1 <= c[1] <= cols]
    if not valid:
        raise SpecError(
            f"{label} does not exist: W^{layer} is {rows}×{cols}, so w^{layer}_ij needs 1 ≤ i ≤ {rows}, 1 ≤ j ≤ {cols}"
        )
    if len(valid) > 1:
        options = " or ".join(f"w^{{{layer}}}_{{{i},{j}}}" for i, j in valid)
        raise SpecError(f"{label} is ambiguous: write {options}")
    return valid[0]


def _first_bad_position(text: str) -> int:
    allowed = re.compile(r"[wb0-9^_{},\s]")
    for position, char in enumerate(text):
        if not allowed.match(char):
            return position
    return len(text)


class _PlainPrinter(sp.printing.str.StrPrinter):
    """str() with the lecture's symbol names made terminal-friendly (w^1_12, δ^2_1, φ'(z^1_1))."""

    printmethod = "_plainstr"  # bypass the ASCII ``_sympystr`` of the activation classes

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return plain_name(expr.name)

    def _print_Function(self, expr: sp.Function) -> str:
        name = {"phi": "φ", "phi_prime": "φ'", "sigmoid": "σ", "relu": "ReLU"}.get(expr.func.__name__, expr.func.__name__)
        return f"{name}({', '.join(self._print(arg) for arg in expr.args)})"

    def _print_Heaviside(self, expr: sp.Expr) -> str:
        # H(z): the value at 0 is the project's convention H(0) = 0, not an argument to print
        return f"H({self._print(expr.args[0])})"


def plain(expression: sp.Basic) -> str:
    """A compact one-line rendering for terminals: ``x_1*φ'(z^1_1)*δ^1_1``."""
    return _PlainPrinter({"order": "none"}).doprint(expression)
