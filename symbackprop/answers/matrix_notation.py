"""Vector and matrix answers: the lecture's matrix notation, or the entries written out.

Two forms are read, both into a SymPy matrix of the network's own symbols:

- **matrix notation** with the lecture's objects — ``W^ℓ``, ``V^ℓ``, ``δ^ℓ``, ``a^ℓ`` (``a^0`` = ``x``), ``z^ℓ``,
  ``b^ℓ``, ``x``, ``y``, ``q``; ``Diag(φ^ℓ')`` (also ``\\Diag(\\varphi^{ℓ\\prime})``, ``Diag(σ'(z^ℓ))``);
  functions applied entry-wise (``φ'(z^ℓ)``, ``σ(z^ℓ)``); products by juxtaposition, ``*`` or ``\\cdot``;
  the Hadamard product ``⊙`` (``\\odot``); transposes ``^T``, ``^{\\top}``, ``ᵀ``; sums, differences and
  numbers (``2 (a^2 − y)``, ``\\frac{1}{2}``);
- **entries written out**: ``[e_11, e_12; e_21, e_22]`` (rows separated by ``;``), a flat list for a vector,
  or ``\\begin{bmatrix} … & … \\\\ … \\end{bmatrix}`` (also pmatrix); each entry is read by the safe scalar
  grammar (:func:`symbackprop.answers.parse_answer`).

This is a lark LALR grammar that builds SymPy objects as it reduces — user text never reaches eval or
sympify — and every intermediate matrix is checked as it is built: shapes must agree (the error names
both shapes), and no entry may be nested deeper or expand to more terms than :class:`~symbackprop.parse.Limits`
allows, so a chain of products cannot grow without bound.
"""

from __future__ import annotations

import contextvars
import functools
import re
from dataclasses import dataclass

import sympy as sp
from lark import Lark, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from .. import notation
from .._kernel.size import expansion_size, expression_depth
from ..activations import heaviside, phi, phi_prime, relu, sigmoid
from ..errors import AnswerSyntaxError
from ..network import MLP
from ..parse import Limits
from .check import parse_answer
from .context import context_for

__all__ = ["parse_matrix", "strip_wrappers", "MAX_ENTRIES"]

MAX_ENTRIES = 400

_FUNCTIONS = {
    "phi": (phi, phi_prime),
    "sigmoid": (sigmoid, lambda u: sigmoid(u) * (1 - sigmoid(u))),
    "tanh": (sp.tanh, lambda u: 1 - sp.tanh(u) ** 2),
    "relu": (relu, heaviside),  # ReLU'(0) = H(0) = 0
}
_FUNCTION_SPELLINGS = {
    r"\varphi": "phi", r"\phi": "phi", "φ": "phi", "ϕ": "phi", "phi": "phi", "varphi": "phi",
    r"\sigma": "sigmoid", "σ": "sigmoid", "sigma": "sigmoid", "sigmoid": "sigmoid",
    r"\tanh": "tanh", "tanh": "tanh",
    "relu": "relu", "ReLU": "relu", r"\operatorname{ReLU}": "relu", r"\mathrm{ReLU}": "relu",
}
_NAMES = "|".join(re.escape(name) for name in sorted(_FUNCTION_SPELLINGS, key=lambda n: (-len(n), n)))
_LAYER = r"(?:\{\s*[0-9]+\s*\}|[0-9])"
_PRIME = r"(?:'|′|’|\\prime)"

_GRAMMAR = r"""
start: sum
?sum: term
    | sum PLUS term -> add
    | sum MINUS term -> sub
?term: signed
    | term TIMES signed -> mul
    | term HADAMARD signed -> hadamard
    | term postfix -> mul
?signed: postfix
    | MINUS signed -> neg
    | PLUS signed -> pos
?postfix: atom
    | postfix TRANSPOSE -> transpose
?atom: OBJECT -> object
    | NUMBER -> number
    | FRAC LBRACE sum RBRACE LBRACE sum RBRACE -> frac
    | LPAR sum RPAR -> group
    | LBRACE sum RBRACE -> group
    | DIAG LPAR sum RPAR -> diag
    | DIAG LBRACE sum RBRACE -> diag
    | PHIVEC -> phivec
    | FUNC PRIME? LPAR sum RPAR -> call
    | ENTRY -> entry
    | WORD -> word
""" + "\n".join(
    [
        r"ENTRY.7: /(?:\\delta|delta|δ|[wbzaxyq])\s*(?:\^\s*" + _LAYER + r"\s*)?_/",
        r"OBJECT.6: /(?:W|V|\\delta|delta|δ|a|z|b)\s*\^\s*" + _LAYER + r"(?!\s*_)|(?:x|y|q)(?![A-Za-z_])/",
        r"PHIVEC.6: /(?:" + _NAMES + r")\s*(?:\^\s*\{\s*[0-9]+\s*" + _PRIME + r"\s*\}|\^\s*" + _LAYER + r"\s*" + _PRIME
        + r"|" + _PRIME + r"\s*\^\s*" + _LAYER + r")/",
        r"FUNC.5: /(?:" + _NAMES + r")(?![A-Za-z])/",
        r"PRIME.4: /'|′|’|\^\s*\{\s*\\prime\s*\}|\^\s*\\prime(?![A-Za-z])/",
        r"TRANSPOSE.6: /\^\s*(?:\{\s*(?:T|\\top|\\intercal|\\mathsf\s*\{\s*T\s*\}|\\mathrm\s*\{\s*T\s*\}|\\text\s*\{\s*T\s*\})\s*\}|T(?![A-Za-z])|\\top(?![A-Za-z])|\\intercal(?![A-Za-z]))|ᵀ/",
        r"DIAG.6: /\\?(?:Diag|diag)(?![A-Za-z])|\\(?:operatorname|mathrm|text)\s*\{\s*(?:Diag|diag)\s*\}/",
        r"HADAMARD.5: /⊙|∘|\\odot(?![A-Za-z])|\\circ(?![A-Za-z])|\.\*/",
        r"TIMES.4: /\*|·|⋅|×|\\cdot(?![A-Za-z])|\\times(?![A-Za-z])/",
        r"FRAC.5: /\\[dt]?frac(?![A-Za-z])/",
        r"NUMBER.4: /(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)/",
        r"PLUS.4: /\+/",
        r"MINUS.4: /-|−|–/",
        r"LPAR.4: /(?:\\(?:left|bigl|Bigl|big|Big)\s*)?[(\[]/",
        r"RPAR.4: /(?:\\(?:right|bigr|Bigr|big|Big)\s*)?[)\]]/",
        r"LBRACE.4: /\{/",
        r"RBRACE.4: /\}/",
        r"WORD.1: /\\?[A-Za-z]+|[^\x00-\x7f]/",
        r"%ignore /\s+/",
        r"%ignore /\\[,;:! ]|\\(?:quad|qquad|displaystyle)(?![A-Za-z])/",
    ]
) + "\n"


@functools.lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(_GRAMMAR, parser="lalr", lexer="contextual", transformer=_Builder(), maybe_placeholders=False)


@dataclass(frozen=True)
class _Value:
    matrix: sp.ImmutableMatrix
    pos: int
    number: bool = False  # a plain number (scales anything)

    @property
    def shape(self) -> str:
        return f"{self.matrix.rows}×{self.matrix.cols}"


class _State:
    def __init__(self, net: MLP, text: str, limits: Limits) -> None:
        self.net = net
        self.text = text
        self.limits = limits
        self.weights = context_for(net).vocabulary.weights
        self.depth: dict = {}
        self.size: dict = {}

    def fail(self, message: str, position: int) -> None:
        raise AnswerSyntaxError(message, text=self.text, position=position)

    def checked(self, matrix: sp.MatrixBase, pos: int, *, number: bool = False) -> _Value:
        if matrix.rows * matrix.cols > MAX_ENTRIES:
            self.fail(f"the matrix would have more than {MAX_ENTRIES} entries", pos)
        for entry in matrix:
            if expression_depth(entry, self.depth, cap=self.limits.max_depth + 1) > self.limits.max_depth:
                self.fail(f"an entry is nested more than {self.limits.max_depth} levels deep", pos)
            if max(expansion_size(entry, self.weights, self.size, cap=self.limits.max_terms + 1)) > self.limits.max_terms:
                self.fail(f"an entry would expand to more than {self.limits.max_terms} terms", pos)
        return _Value(sp.ImmutableMatrix(matrix), pos, number)


_STATE: contextvars.ContextVar[_State] = contextvars.ContextVar("symbackprop_matrix_state")


def _layer(text: str) -> int:
    return int(re.search(r"[0-9]+", text).group())  # type: ignore[union-attr]


class _Builder(Transformer):
    """Callbacks run on each LALR reduction (bottom-up, no recursion); each checks what it builds."""

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)

    @staticmethod
    def _s() -> _State:
        return _STATE.get()

    def object(self, children: list) -> _Value:
        (token,) = children
        state, net, text = self._s(), self._s().net, str(token)
        name = re.match(r"\\delta|delta|δ|[A-Za-z]", text).group()  # type: ignore[union-attr]
        if name in ("x", "y", "q"):
            if name == "q" and not net.softmax:
                state.fail("q is the softmax output, and this network has no softmax output layer", token.start_pos)
            column = {"x": net.x, "y": net.y, "q": net.q}[name]
            return state.checked(sp.Matrix(list(column)), token.start_pos)
        layer = _layer(text[len(name):])
        lowest = 0 if name == "a" else (2 if name == "V" else 1)
        if not lowest <= layer <= net.depth:
            state.fail(f"{text}: there is no such layer here (layers {lowest}…{net.depth})", token.start_pos)
        if name == "W":
            return state.checked(net.W(layer), token.start_pos)
        if name == "V":
            diag = sp.diag(*[phi_prime(z) for z in net.z(layer)])
            return state.checked(net.W(layer).T * diag, token.start_pos)
        if name == "b" and not net.has_bias:
            state.fail("this network has no biases", token.start_pos)
        if name in ("\\delta", "delta", "δ"):
            column = [notation.delta(layer, i) for i in range(1, net.sizes[layer] + 1)]
            return state.checked(sp.Matrix(column), token.start_pos)
        source = {"a": net.a, "z": net.z, "b": net.b}[name](layer)
        return state.checked(sp.Matrix(list(source)), token.start_pos)

    def number(self, children: list) -> _Value:
        (token,) = children
        state = self._s()
        text = str(token)
        if len(text.replace(".", "")) > state.limits.max_digits:
            state.fail(f"numbers may have at most {state.limits.max_digits} digits", token.start_pos)
        whole, _, fraction = text.partition(".")
        value = sp.Rational(int((whole or "0") + fraction), 10 ** len(fraction))
        return state.checked(sp.Matrix([[value]]), token.start_pos, number=True)

    def frac(self, children: list) -> _Value:
        _, _, top, _, _, bottom, _ = children
        state = self._s()
        if not bottom.number:
            state.fail(r"\frac{…}{…} of matrices needs a number below the line", bottom.pos)
        if bottom.matrix[0, 0] == 0:
            state.fail("division by zero", bottom.pos)
        return state.checked(top.matrix / bottom.matrix[0, 0], top.pos, number=top.number)

    def group(self, children: list) -> _Value:
        return children[1]

    def pos(self, children: list) -> _Value:
        return children[1]

    def neg(self, children: list) -> _Value:
        value = children[1]
        return self._s().checked(-value.matrix, value.pos, number=value.number)

    def add(self, children: list) -> _Value:
        return self._combine(children, 1)

    def sub(self, children: list) -> _Value:
        return self._combine(children, -1)

    def _combine(self, children: list, sign: int) -> _Value:
        left, operator, right = children
        state = self._s()
        if left.matrix.shape != right.matrix.shape:
            state.fail(f"cannot add a {left.shape} and a {right.shape} matrix", operator.start_pos)
        return state.checked(left.matrix + sign * right.matrix, left.pos, number=left.number and right.number)

    def mul(self, children: list) -> _Value:
        left, right = children[0], children[-1]
        state = self._s()
        if left.number or right.number:
            scalar, other = (left, right) if left.number else (right, left)
            return state.checked(scalar.matrix[0, 0] * other.matrix, left.pos, number=left.number and right.number)
        if left.matrix.cols == right.matrix.rows:
            return state.checked(left.matrix * right.matrix, left.pos)
        if left.matrix.shape == (1, 1) or right.matrix.shape == (1, 1):  # a 1×1 matrix acts as a number
            scalar, other = (left, right) if left.matrix.shape == (1, 1) else (right, left)
            return state.checked(scalar.matrix[0, 0] * other.matrix, left.pos)
        state.fail(
            f"cannot multiply a {left.shape} matrix by a {right.shape} one (the columns of the first must match the rows of the second)",
            right.pos,
        )
        raise AssertionError  # pragma: no cover

    def hadamard(self, children: list) -> _Value:
        left, operator, right = children
        state = self._s()
        if left.matrix.shape != right.matrix.shape:
            state.fail(f"⊙ multiplies entry by entry: a {left.shape} and a {right.shape} matrix do not match", operator.start_pos)
        return state.checked(left.matrix.multiply_elementwise(right.matrix), left.pos)

    def transpose(self, children: list) -> _Value:
        value = children[0]
        return self._s().checked(value.matrix.T, value.pos, number=value.number)

    def diag(self, children: list) -> _Value:
        token, _, value, _ = children
        state = self._s()
        if 1 not in value.matrix.shape or value.number:
            state.fail(f"Diag(·) takes a vector; this is a {value.shape} matrix", token.start_pos)
        return state.checked(sp.diag(*list(value.matrix)), token.start_pos)

    def phivec(self, children: list) -> _Value:
        (token,) = children
        state, net = self._s(), self._s().net
        text = str(token)
        name = _FUNCTION_SPELLINGS[re.match(_NAMES, text).group()]  # type: ignore[union-attr]
        layer = _layer(text[re.match(_NAMES, text).end():])  # type: ignore[union-attr]
        if not 1 <= layer <= net.depth:
            state.fail(f"there is no layer {layer} (layers 1…{net.depth})", token.start_pos)
        derivative = _FUNCTIONS[name][1]
        return state.checked(sp.Matrix([derivative(z) for z in net.z(layer)]), token.start_pos)

    def call(self, children: list) -> _Value:
        token = children[0]
        prime = len(children) == 5
        value = children[-2]
        state = self._s()
        if 1 not in value.matrix.shape or value.number:
            state.fail(f"{token}(·) is applied entry by entry to a vector; this is a {value.shape} matrix", token.start_pos)
        function = _FUNCTIONS[_FUNCTION_SPELLINGS[re.sub(r"\s+", "", str(token))]][1 if prime else 0]
        return state.checked(value.matrix.applyfunc(function), token.start_pos)

    def entry(self, children: list) -> _Value:
        (token,) = children
        self._s().fail(
            "a single entry such as δ^2_1 cannot be used in matrix notation: write objects (δ^2, W^2, a^1, Diag(φ^2')) "
            "or every entry in brackets, e.g. [φ'(z^2_1) δ^2_1, φ'(z^2_2) δ^2_2]",
            token.start_pos,
        )
        raise AssertionError  # pragma: no cover

    def word(self, children: list) -> _Value:
        (token,) = children
        text = str(token)
        hint = {
            "T": "a transpose is written ^T or ^{\\top} right after the object, e.g. (a^1)^T",
            "sum": "sums over an index are not supported in matrix notation; use the objects or the entries",
        }.get(text.lstrip("\\"))
        self._s().fail(hint or f"unknown name {text!r} in matrix notation", token.start_pos)
        raise AssertionError  # pragma: no cover

    def start(self, children: list) -> _Value:
        return children[0]


_WRAPPERS = (("$$", "$$"), ("$", "$"), (r"\(", r"\)"), (r"\[", r"\]"))


def strip_wrappers(text: str) -> tuple[str, int]:
    """An answer without ``$…$``, ``$$…$$``, ``\\(…\\)``, ``\\[…\\]`` and a trailing full stop: (text, offset)."""
    offset = len(text) - len(text.lstrip())
    body = text.strip()
    for opening, closing in _WRAPPERS:
        if len(body) > len(opening) + len(closing) and body.startswith(opening) and body.endswith(closing):
            body = body[len(opening):-len(closing)]
            offset += len(opening)
            break
    stripped = body.rstrip()
    if stripped.endswith(".") and not re.search(r"[0-9]\.$", stripped):
        stripped = stripped[:-1]
    lead = len(stripped) - len(stripped.lstrip())
    return stripped.strip(), offset + lead


_ENVIRONMENT = re.compile(r"^\\begin\s*\{\s*([pbvB]?matrix)\s*\}(?P<body>.*)\\end\s*\{\s*\1\s*\}(?P<tail>.*)$", re.S)
_TRANSPOSED = re.compile(r"^\s*(?:\^\s*(?:\{\s*(?:T|\\top|\\intercal)\s*\}|T|\\top|\\intercal)|ᵀ)\s*$")


def parse_matrix(net: MLP, text: str, *, limits: Limits | None = None) -> sp.ImmutableMatrix:
    """Read a vector or matrix answer (matrix notation, or the entries written out) into a SymPy matrix.

    Raises :class:`~symbackprop.errors.AnswerSyntaxError` with the offending position for anything else.

    >>> from symbackprop import MLP
    >>> net = MLP([2, 2, 1], bias=True)
    >>> parse_matrix(net, r"\\Diag(\\varphi^{2\\prime}) \\delta^{2}")
    Matrix([[\\delta^{2}_{1}*phi'(z^{2}_{1})]])
    >>> parse_matrix(net, "[δ^1_1 φ'(z^1_1); δ^1_2 φ'(z^1_2)]").shape
    (2, 1)
    """
    limits = limits or Limits()
    if not isinstance(text, str):
        raise AnswerSyntaxError(f"expected text, got {type(text).__name__}")
    if len(text) > limits.max_length:
        raise AnswerSyntaxError(f"the answer is longer than {limits.max_length} characters")
    body, offset = strip_wrappers(text)
    if not body:
        raise AnswerSyntaxError("the answer is empty", text=text, position=0)
    literal = _literal_cells(body)
    if literal is not None:
        return _from_cells(net, text, offset, literal, limits)
    depth = 0
    for position, char in enumerate(body):
        depth += char in "([{"
        depth -= char in ")]}"
        if depth > limits.max_depth:
            raise AnswerSyntaxError(f"brackets are nested more than {limits.max_depth} levels deep", text=text, position=offset + position)
    token = _STATE.set(_State(net, body, limits))
    try:
        result = _parser().parse(body)
    except AnswerSyntaxError as error:
        raise AnswerSyntaxError(str(error).splitlines()[0], text=text, position=offset + (error.position or 0)) from None
    except UnexpectedCharacters as problem:
        raise AnswerSyntaxError(f"unexpected character {body[problem.pos_in_stream]!r}", text=text, position=offset + problem.pos_in_stream) from None
    except UnexpectedToken as problem:
        where = problem.token.start_pos if problem.token.type != "$END" else len(body)
        message = "the answer ends too early" if problem.token.type == "$END" else f"unexpected {str(problem.token)!r}"
        raise AnswerSyntaxError(message, text=text, position=offset + (where or 0)) from None
    except UnexpectedInput:  # pragma: no cover - other lark input errors
        raise AnswerSyntaxError("the answer is not complete", text=text, position=len(text)) from None
    finally:
        _STATE.reset(token)
    if result.number:
        raise AnswerSyntaxError("this is a number; the part asks for a vector or matrix", text=text, position=offset)
    return result.matrix


@dataclass(frozen=True)
class _Cells:
    rows: list[list[tuple[str, int]]]  # (cell text, its position in the body)
    transposed: bool


def _literal_cells(body: str) -> _Cells | None:
    """The cells of ``[a, b; c, d]`` or a bmatrix/pmatrix spanning the whole answer (optionally ^T), else None."""
    environment = _ENVIRONMENT.match(body)
    if environment is not None:
        tail = environment.group("tail")
        if tail.strip() and not _TRANSPOSED.match(tail):
            return None
        start = environment.start("body")
        return _Cells(_split(environment.group("body"), start, r"\\\\", "&"), bool(tail.strip()))
    match = re.match(r"^(\\left\s*)?\[", body)
    if match is None:
        return None
    depth, end = 0, None
    for position in range(match.end() - 1, len(body)):
        depth += body[position] in "([{"
        depth -= body[position] in ")]}"
        if depth == 0:
            end = position
            break
    if end is None:
        return None
    tail = body[end + 1:]
    if tail.strip() and not _TRANSPOSED.match(tail):
        return None
    inner_end = end - (len(body[:end]) - len(re.sub(r"\\right\s*$", "", body[:end])))
    inner = body[match.end():inner_end]
    if not re.search(r"[,;]", _top_level(inner)):
        return None  # [a^2 − y] is a group, not a literal
    return _Cells(_split(inner, match.end(), ";", ","), bool(tail.strip()))


def _top_level(text: str) -> str:
    """The characters of ``text`` outside any brackets (others replaced by spaces)."""
    depth, kept = 0, []
    for char in text:
        if char in "([{":
            depth += 1
        kept.append(char if depth == 0 else " ")
        if char in ")]}":
            depth = max(0, depth - 1)
    return "".join(kept)


def _split(text: str, start: int, row_separator: str, cell_separator: str) -> list[list[tuple[str, int]]]:
    """Split at top-level separators, keeping each cell's position."""
    top = _top_level(text)
    rows = []
    row_start = 0
    for row_match in [*re.finditer(row_separator, top), None]:
        row_end = row_match.start() if row_match else len(text)
        row_text, row_top = text[row_start:row_end], top[row_start:row_end]
        cells, cell_start = [], 0
        for cell_match in [*re.finditer(re.escape(cell_separator), row_top), None]:
            cell_end = cell_match.start() if cell_match else len(row_text)
            cells.append((row_text[cell_start:cell_end], start + row_start + cell_start))
            cell_start = cell_end + 1
        if any(cell.strip() for cell, _ in cells):
            rows.append(cells)
        row_start = row_end + (len(row_match.group()) if row_match else 0)
    return rows


def _from_cells(net: MLP, text: str, offset: int, cells: _Cells, limits: Limits) -> sp.ImmutableMatrix:
    if not cells.rows:
        raise AnswerSyntaxError("the matrix has no entries", text=text, position=offset)
    widths = {len(row) for row in cells.rows}
    if len(widths) != 1:
        raise AnswerSyntaxError("the rows have different numbers of entries", text=text, position=offset)
    if sum(len(row) for row in cells.rows) > MAX_ENTRIES:
        raise AnswerSyntaxError(f"more than {MAX_ENTRIES} entries", text=text, position=offset)
    entries = []
    for row in cells.rows:
        values = []
        for cell, position in row:
            try:
                values.append(parse_answer(net, cell, limits=limits))
            except AnswerSyntaxError as error:
                where = offset + position + (error.position or 0)
                raise AnswerSyntaxError(f"entry {cell.strip()!r}: {str(error).splitlines()[0]}", text=text, position=where) from None
        entries.append(values)
    matrix = sp.ImmutableMatrix(entries)
    return matrix.T if cells.transposed else matrix
