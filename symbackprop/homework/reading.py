"""How an answer to a part is read, shown back before it is checked: :func:`read_answer`.

The same grammars :func:`~.parts.check_part` uses, one per kind — the scalar grammar for gradient, δ and
∂e/∂z parts, matrix notation (or the entries written out) for vectors and matrices, index templates for
general parts, exact values, yes/no with distributions — so a student sees ``w^2_{12}`` read as w^2_12, a
matrix product written out entry by entry, a template with its ℓ and i, or a value and its decimal, before
anything is checked.  Never raises for anything in the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import sympy as sp

from .. import notation
from ..answers.arrays import array_target
from ..answers.check import parse_answer
from ..answers.counterexamples import parse_yes_no
from ..answers.general_index import general_template
from ..answers.matrix_notation import parse_matrix, strip_wrappers
from ..answers.values import parse_value
from ..errors import AnswerSyntaxError, ExpressionSyntaxError, SymbackpropError
from .parts import FORMS
from .variants import network_of

__all__ = ["AnswerReading", "read_answer"]


@dataclass(frozen=True)
class AnswerReading:
    """An answer as the checker reads it (``latex``, ``plain``, and a ``note`` such as a matrix's shape or a
    value's decimal), or why it cannot be read (``message``, ``position`` of the offending character)."""

    ok: bool
    latex: str = ""
    plain: str = ""
    note: str = ""
    message: str = ""
    position: int | None = None


def read_answer(part: Mapping[str, Any], answer: str) -> AnswerReading:
    """Read ``answer`` to ``part`` (a ``variants.json`` part) the way :func:`~.parts.check_part` will."""
    if not isinstance(answer, str) or not answer.strip():
        return AnswerReading(False, message="nothing to read yet")
    form = FORMS.get(str(part.get("kind")))
    if form is None:
        return AnswerReading(False, message=f"answers to parts of kind {str(part.get('kind'))[:40]!r} cannot be read")
    try:
        return _READERS[form](part, answer)
    except ExpressionSyntaxError as error:
        return AnswerReading(False, message=str(error).splitlines()[0] or "not valid notation", position=error.position)
    except SymbackpropError as error:
        return AnswerReading(False, message=str(error).splitlines()[0])
    except RecursionError:
        return AnswerReading(False, message="the answer is nested too deeply")
    except MemoryError:
        return AnswerReading(False, message="the answer needs too much memory")


def _scalar(part: Mapping[str, Any], answer: str) -> AnswerReading:
    body, offset = strip_wrappers(answer)
    try:
        expression = parse_answer(network_of(part["network"]), body)
    except ExpressionSyntaxError as error:
        raise AnswerSyntaxError(str(error).splitlines()[0], text=answer, position=None if error.position is None else offset + error.position) from None
    return AnswerReading(True, sp.latex(expression), notation.plain(expression))


def _dimensions(shape: tuple[int, int]) -> str:
    rows, columns = shape
    return f"{rows}×{columns} " + ("vector" if columns == 1 else "matrix")


def _array(part: Mapping[str, Any], answer: str) -> AnswerReading:
    net = network_of(part["network"])
    target = array_target(net, str(part["wrt"]))
    matrix = parse_matrix(net, answer)
    wanted, given = target.shape(net), tuple(matrix.shape)
    note = f"a {_dimensions(given)}"  # type: ignore[arg-type]
    if given != wanted:
        if wanted[1] == 1 and 1 in given and len(matrix) == wanted[0]:
            note += f", read as the {_dimensions(wanted)} {target.title()} (a vector written as a row)"
        elif given == (wanted[1], wanted[0]):
            note += f"; {target.title()} is {wanted[0]}×{wanted[1]} — this has the shape of its transpose"
        else:
            note += f"; {target.title()} is {wanted[0]}×{wanted[1]}"
    rows = "; ".join(", ".join(notation.plain(matrix[r, c]) for c in range(matrix.shape[1])) for r in range(matrix.shape[0]))
    return AnswerReading(True, sp.latex(matrix), f"[{rows}]", note)


def _general(part: Mapping[str, Any], answer: str) -> AnswerReading:
    template = general_template(answer)
    return AnswerReading(True, sp.latex(template), "", "for every layer ℓ and neuron i" + (", j" if "j" in str(part.get("wrt")) else ""))


def _value(part: Mapping[str, Any], answer: str) -> AnswerReading:
    value = parse_value(answer)
    number = sp.N(value, 15)
    note = f"≈ {float(number):.10g}" if number.is_real and number.is_finite else "not a real number"
    return AnswerReading(True, sp.latex(value), str(value), note)


def _fraction_latex(value: sp.Rational) -> str:
    return str(value) if value.q == 1 else rf"\tfrac{{{value.p}}}{{{value.q}}}"


def _yes_no(part: Mapping[str, Any], answer: str) -> AnswerReading:
    reading = parse_yes_no(answer)
    word = "yes" if reading.yes else "no"
    latex, plain = [], []
    for name, values in sorted(reading.distributions.items()):
        latex.append(f"{name} = " + r"\left(" + ", ".join(_fraction_latex(v) for v in values) + r"\right)")
        plain.append(f"{name} = (" + ", ".join(str(v) for v in values) + ")")
    missing = [name for name in "pqr" if name not in reading.distributions]
    note = "" if reading.yes or not missing else f"no {', '.join(missing)} given yet"
    return AnswerReading(True, rf"\text{{{word}}}" + (r";\ " + r",\ ".join(latex) if latex else ""),
                         word + ("; " + ", ".join(plain) if plain else ""), note)


_READERS = {"scalar": _scalar, "array": _array, "general": _general, "value": _value, "yesno": _yes_no}
