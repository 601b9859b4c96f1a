"""One exception hierarchy for everything symbackprop raises on purpose.

Every error a user can provoke with bad input is a :class:`SymbackpropError`; the ones caused by
input that is malformed (a spec, a shape, an answer string, a CSV row) are also ``ValueError``, and an
argument of the wrong type is an :class:`ArgumentTypeError`, also a ``TypeError``, so that generic
callers can catch them the usual way.
"""

from __future__ import annotations

__all__ = [
    "SymbackpropError",
    "SpecError",
    "ArgumentTypeError",
    "ShapeError",
    "NotSupportedError",
    "ExpressionSyntaxError",
    "AnswerSyntaxError",
    "DataError",
    "ToolNotFoundError",
    "LatexError",
    "LimitError",
    "OptionError",
]


class SymbackpropError(Exception):
    """Base class of every error symbackprop raises deliberately."""


class SpecError(SymbackpropError, ValueError):
    """A network specification (sizes, activation, output, loss) is invalid; the message names the fix."""


class ArgumentTypeError(SymbackpropError, TypeError):
    """An argument of the wrong type (a string where a network is expected, a float for a layer width)."""


class ShapeError(SymbackpropError, ValueError):
    """Arrays or parameter dictionaries do not have the shapes the network expects."""


class NotSupportedError(SymbackpropError):
    """Valid input that this version cannot handle (as opposed to wrong input)."""


class ExpressionSyntaxError(SymbackpropError, ValueError):
    """User-typed mathematics could not be parsed; ``position`` points at the offending character."""

    def __init__(self, message: str, *, text: str = "", position: int | None = None) -> None:
        self.reason = message  # the message without the pointer lines
        self.text = text
        self.position = position
        if position is not None and text:
            pointer = " " * min(position, len(text)) + "^"
            message = f"{message}\n  {text}\n  {pointer}"
        super().__init__(message)


class AnswerSyntaxError(ExpressionSyntaxError):
    """A homework answer (or a parameter name) is not valid notation."""


class DataError(SymbackpropError, ValueError):
    """A data file or data array is malformed (bad CSV row, wrong column count, non-numeric value)."""


class ToolNotFoundError(SymbackpropError):
    """An external program symbackprop needs for this request (e.g. pdflatex) is not installed."""


class LatexError(SymbackpropError):
    """pdflatex rejected a generated document; the message quotes the first error of its log."""


class LimitError(SymbackpropError):
    """Work that would need (or needed) more time or memory than allowed; the message says what is too
    large and what to do instead."""


class OptionError(SymbackpropError, ValueError):
    """An option's value is out of its range (a time limit of a century, a count the work cannot be bounded
    by); the message names the range."""
