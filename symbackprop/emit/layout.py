"""Long formulas that stay on the page: width estimates, line breaking, named sub-expressions.

TeX cannot break a displayed formula by itself, so every display is laid out here before it is
written: a sum is broken between terms, a product between factors (continuation lines start with
``+``/``-``/``\\cdot`` under an ``align*`` tab), and a factor that alone is wider than a line is
*named* — ``T_{1}`` — and defined underneath (one name per distinct sub-expression, so repeated
sub-expressions are written once).  Matrices wider than the line lose their middle columns to
``\\cdots``.  Widths are estimated from the LaTeX itself (:func:`visual_width`, in em of the body font);
the tests compile the documents and check the log and the rendered pages for anything overfull.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import sympy as sp

from ..printing import LecturePrinter

__all__ = [
    "TEXT_WIDTH_EM",
    "visual_width",
    "Terms",
    "Namer",
    "Layout",
    "is_diagonal",
    "align",
]

# The document's \textwidth in em of its 11pt body font (A4, 2 cm margins: 170 mm = 483.7 pt; 1 em = 10.95 pt).
TEXT_WIDTH_EM = 44.0
_SAFETY = 0.9  # the estimate is rough: keep a tenth of the line free
_SCALE = 1.1  # calibrated against widths measured by pdflatex (\settowidth) on typical formulas
_EXPAND_LIMIT = 400  # sub-expressions up to this many operations are also compared multiplied out
_BIG_OPERATORS = {r"\sum", r"\prod"}  # display style: limits stack under the operator

_TOKEN = re.compile(r"\\[A-Za-z]+\*?|\\.|[{}^_&]|\s+|.", re.S)

_CHAR_WIDTH = {
    "+": 1.2, "-": 1.2, "=": 1.35, "<": 1.35, ">": 1.35, "(": 0.39, ")": 0.39, "[": 0.28, "]": 0.28,
    ",": 0.45, ";": 0.45, "'": 0.3, ".": 0.28, "|": 0.28, "/": 0.5, ":": 0.6, "!": 0.28, "*": 0.5,
}
_COMMAND_WIDTH = {
    r"\ell": 0.42, r"\nabla": 0.83, r"\partial": 0.56, r"\infty": 1.0, r"\cdot": 0.72, r"\cdots": 1.5,
    r"\ldots": 1.5, r"\dots": 1.5, r"\vdots": 0.5, r"\ddots": 1.2, r"\sum": 1.45, r"\prod": 1.3,
    r"\log": 1.5, r"\exp": 1.7, r"\max": 1.8, r"\min": 1.6, r"\tanh": 2.2, r"\sup": 1.5, r"\lim": 1.4,
    r"\quad": 1.0, r"\qquad": 2.0, r"\,": 0.17, r"\;": 0.28, r"\:": 0.22, r"\ ": 0.33, r"\!": -0.17,
    r"\gets": 1.56, r"\to": 1.56, r"\land": 1.1, r"\in": 1.2, r"\le": 1.35, r"\leq": 1.35,
    r"\ge": 1.35, r"\geq": 1.35, r"\neq": 1.35, r"\approx": 1.35, r"\lVert": 0.5, r"\rVert": 0.5,
    r"\|": 0.5, r"\{": 0.5, r"\}": 0.5, r"\times": 1.2, r"\mid": 0.8, r"\colon": 0.5, r"\\": 0.0,
    r"\left": 0.0, r"\right": 0.0, r"\mathopen": 0.0, r"\mathclose": 0.0, r"\displaystyle": 0.0,
    r"\textstyle": 0.0, r"\bigl": 0.0, r"\bigr": 0.0, r"\Bigl": 0.0, r"\Bigr": 0.0, r"\prime": 0.3,
    r"\mathbf": 0.0, r"\mathrm": 0.0, r"\operatorname": 0.0, r"\text": 0.0, r"\textbf": 0.0,
    r"\underbrace": 0.0, r"\limits": 0.0, r"\nolimits": 0.0, r"\top": 0.78, r"\star": 0.5,
}
_TEXT_COMMANDS = {r"\mathrm", r"\mathbf", r"\operatorname", r"\text", r"\textbf", r"\textit", r"\mathit"}


@functools.lru_cache(maxsize=8192)
def visual_width(tex: str) -> float:
    """Estimated width of a LaTeX math string in em (display style, body font).

    >>> round(visual_width(r"w^{2}_{11} a^{1}_{1}"), 2)
    2.35
    """
    tokens = [t for t in _TOKEN.findall(tex) if not t.isspace() or t == " "]
    tokens = [t for t in tokens if t != " "]
    width, _ = _sequence(tokens, 0, stop=None)
    return _SCALE * width


def _sequence(tokens: list[str], i: int, stop: str | None) -> tuple[float, int]:
    total = 0.0
    base_scripts: list[float] = []  # widths of the scripts attached to the last atom
    while i < len(tokens):
        token = tokens[i]
        if token == stop:
            return total + (max(base_scripts) if base_scripts else 0.0), i + 1
        if token in ("^", "_"):
            width, i = _argument(tokens, i + 1)
            if i - 1 > 0 and _stacked(tokens, i):
                width = 0.0
            base_scripts.append(0.7 * width)
            continue
        total += max(base_scripts) if base_scripts else 0.0
        base_scripts = []
        if token == "{":
            width, i = _sequence(tokens, i + 1, stop="}")
            total += width
            continue
        if token == r"\begin":
            width, i = _environment(tokens, i)
            total += width
            continue
        if token == r"\frac" or token == r"\tfrac" or token == r"\dfrac":
            top, i = _argument(tokens, i + 1)
            bottom, i = _argument(tokens, i)
            total += max(top, bottom) * (0.75 if token == r"\tfrac" else 1.0) + 0.25
            continue
        if token == r"\sqrt":
            inner, i = _argument(tokens, i + 1)
            total += inner + 0.9
            continue
        if token in _TEXT_COMMANDS:
            text, i = _raw_argument(tokens, i + 1)
            total += 0.5 * len(text) + (0.3 if token == r"\operatorname" else 0.0)
            continue
        if token == r"\hspace":
            text, i = _raw_argument(tokens, i + 1)
            match = re.match(r"([\d.]+)em", text)
            total += float(match.group(1)) if match else 1.0
            continue
        if token in (r"\left", r"\right", r"\bigl", r"\bigr", r"\Bigl", r"\Bigr"):
            delimiter = tokens[i + 1] if i + 1 < len(tokens) else "."
            total += 0.0 if delimiter == "." else 0.45
            i += 2
            continue
        if token in (r"\mathopen", r"\mathclose"):
            _, i = _argument(tokens, i + 1)
            continue
        if token == "&":
            i += 1
            continue
        if token.startswith("\\"):
            total += _COMMAND_WIDTH.get(token, 0.62)
        elif token.isalpha() or token.isdigit():
            total += 0.52
        else:
            total += _CHAR_WIDTH.get(token, 0.5)
        i += 1
    return total + (max(base_scripts) if base_scripts else 0.0), i


def _stacked(tokens: list[str], end: int) -> bool:
    """Whether the script ending before ``end`` belongs to a big operator (display limits stack)."""
    j = end - 1
    depth = 0
    while j >= 0:  # walk back over this script and a preceding one to the base
        token = tokens[j]
        if token == "}":
            depth += 1
        elif token == "{":
            depth -= 1
        elif depth == 0 and token not in ("^", "_"):
            if token in _BIG_OPERATORS:
                return True
            if j > 0 and tokens[j - 1] in ("^", "_"):
                j -= 2
                continue
            return False
        j -= 1
    return False


def _argument(tokens: list[str], i: int) -> tuple[float, int]:
    if i >= len(tokens):
        return 0.0, i
    if tokens[i] == "{":
        return _sequence(tokens, i + 1, stop="}")
    return _sequence([tokens[i]], 0, stop=None)[0], i + 1


def _raw_argument(tokens: list[str], i: int) -> tuple[str, int]:
    if i >= len(tokens) or tokens[i] != "{":
        return (tokens[i] if i < len(tokens) else ""), i + 1
    depth, j, text = 1, i + 1, []
    while j < len(tokens) and depth:
        if tokens[j] == "{":
            depth += 1
        elif tokens[j] == "}":
            depth -= 1
            if depth == 0:
                break
        text.append(tokens[j].lstrip("\\") if tokens[j].startswith("\\") else tokens[j])
        j += 1
    return "".join(text), j + 1


def _environment(tokens: list[str], i: int) -> tuple[float, int]:
    name, i = _raw_argument(tokens, i + 1)
    if name == "array" and i < len(tokens) and tokens[i] == "{":
        _, i = _raw_argument(tokens, i)
    rows: list[list[list[str]]] = [[[]]]
    depth = 0
    while i < len(tokens):
        token = tokens[i]
        if token == r"\begin":
            depth += 1
        elif token == r"\end":
            if depth == 0:
                _, i = _raw_argument(tokens, i + 1)
                break
            depth -= 1
        if depth == 0 and token == "&":
            rows[-1].append([])
        elif depth == 0 and token == r"\\":
            rows.append([[]])
        else:
            rows[-1][-1].append(token)
        i += 1
    columns: list[float] = []
    for row in rows:
        for c, cell in enumerate(row):
            width = _sequence(cell, 0, stop=None)[0]
            if c >= len(columns):
                columns.append(width)
            else:
                columns[c] = max(columns[c], width)
    separation = 1.0 if "matrix" in name else 0.6
    extra = 0.6 if name in ("bmatrix", "pmatrix") else 0.0
    return sum(columns) + separation * max(0, len(columns) - 1) + extra, i


class Terms(tuple):
    """A sum to be printed with its terms in this order (samples 1…S, as the lecture writes them)."""

    __slots__ = ()


@dataclass
class Namer:
    """Names for sub-expressions too wide for a line: ``T_{1}``, ``T_{2}``, … (one per distinct expression).

    A namer can be shared by the displays of one section, so a repeated sub-expression is named and
    defined once.
    """

    letter: str = "T"
    names: dict[sp.Expr, sp.Symbol] = field(default_factory=dict)
    defined: int = 0  # how many of ``names`` have been defined in a display already
    count: int = 0  # how many T_k were made

    def name(self, expr: sp.Expr) -> sp.Symbol:
        if expr not in self.names:
            self.count += 1
            self.names[expr] = sp.Symbol(f"{self.letter}_{{{self.count}}}")
        return self.names[expr]

    def adopt(self, expr: sp.Expr, symbol: sp.Symbol) -> sp.Symbol:
        """Name ``expr`` by a name it has elsewhere in the document (δ^ℓ_i), to be defined like a T_k."""
        self.names.setdefault(expr, symbol)
        return self.names[expr]

    @property
    def definitions(self) -> list[tuple[sp.Symbol, sp.Expr]]:
        return [(symbol, expr) for expr, symbol in self.names.items()]


class Layout:
    """Turns equations into ``align*`` rows that fit the text width."""

    def __init__(
        self,
        printer: LecturePrinter,
        *,
        width: float = TEXT_WIDTH_EM,
        letter: str = "T",
        namer: Namer | None = None,
        known: Mapping[sp.Expr, sp.Symbol] | None = None,
        define_known: bool = False,
    ) -> None:
        self.printer = printer
        self.width = width * _SAFETY
        self.namer = namer if namer is not None else Namer(letter)
        self.known = dict(known or {})
        self.define_known = define_known
        self._known_expanded: dict[sp.Expr, sp.Symbol] | None = None

    def known_name(self, expr: sp.Expr) -> sp.Symbol | None:
        """The name ``expr`` has in the document (``known``: δ^ℓ_i, …), compared as written and multiplied out."""
        if expr in self.known:
            return self.known[expr]
        if self.known and sp.count_ops(expr) <= _EXPAND_LIMIT:
            if self._known_expanded is None:
                self._known_expanded = {sp.expand(value): symbol for value, symbol in self.known.items()
                                        if sp.count_ops(value) <= _EXPAND_LIMIT}
            return self._known_expanded.get(sp.expand(expr))
        return None

    def name(self, expr: sp.Expr) -> sp.Symbol:
        """The name a too-wide sub-expression is written by: its name in the document when it has one (then,
        with ``define_known``, defined underneath like a new name), else a new ``T_k``."""
        symbol = self.known_name(expr)
        if symbol is None:
            return self.namer.name(expr)
        return self.namer.adopt(expr, symbol) if self.define_known else symbol

    def tex(self, expr: sp.Expr) -> str:
        if isinstance(expr, Terms):
            return _join_terms([self._term(t) for t in expr])
        return self.printer.doprint(expr)

    def _term(self, term: sp.Expr) -> tuple[bool, str]:
        negative, tex = self.printer.signed(term)
        return negative, tex

    def _negative(self, term: sp.Expr) -> bool:
        return self.printer.signed(term)[0]

    # --- equations -------------------------------------------------------------------------------
    def equation(self, lhs: str, rhs: sp.Expr | str, *, relation: str = "=") -> list[str]:
        """Rows ``lhs &= …`` (+ continuation rows) for one equation; ``rhs`` may be ready LaTeX."""
        head = f"{lhs} &{relation} "
        budget = self.width - visual_width(lhs) - visual_width(relation) - 1.0
        if isinstance(rhs, str):
            return [head + rhs]
        lines = self.lines(rhs, budget - 1.0)
        return [head + lines[0]] + [r"&\quad " + line for line in lines[1:]]

    def chain(self, lhs: str, steps: Sequence[sp.Expr | str], *, relation: str = "=") -> list[str]:
        """``lhs = step_1 = step_2 …``, one step per row."""
        rows: list[str] = []
        for k, step in enumerate(steps):
            rows.extend(self.equation(lhs if k == 0 else "", step, relation=relation))
        return rows

    def definitions(self) -> list[str]:
        """Rows defining every name introduced since the last call (and those their definitions introduce)."""
        rows: list[str] = []
        while self.namer.defined < len(self.namer.definitions):
            symbol, expr = self.namer.definitions[self.namer.defined]
            self.namer.defined += 1
            rows.extend(self.equation(self.tex(symbol), expr))
        return rows

    def aligned(self, rows: Sequence[str]) -> str:
        """``rows`` in an ``align*``, followed (after "where") by the definitions of the names they introduced."""
        definitions = self.definitions()
        return align([*rows, *([r"\intertext{where}", *definitions] if definitions else [])])

    # --- breaking ----------------------------------------------------------------------------------
    def lines(self, expr: sp.Expr, budget: float) -> list[str]:
        """``expr`` as lines no wider than ``budget`` em; continuation lines begin with their operator."""
        tex = self.tex(expr)
        if visual_width(tex) <= budget:
            return [tex]
        if isinstance(expr, Terms):
            return self._add_lines(list(expr), budget)
        if isinstance(expr, sp.Add):
            split = self.printer.error_factor(expr)
            if split is not None and abs(split[0]) != 1:
                return self._mul_lines(sp.Mul(split[0], split[1], evaluate=False), budget)
            terms = sorted(
                self.printer._as_ordered_terms(expr, order=None),
                key=lambda t: (self._negative(t), isinstance(t, sp.Symbol) and t.name.startswith("b^")),
            )
            return self._add_lines(terms, budget)
        if isinstance(expr, sp.Mul) and not any(f.is_Pow and f.exp.is_negative for f in expr.args):
            return self._mul_lines(expr, budget)
        if isinstance(expr, sp.Pow) and visual_width(self.tex(expr.base)) > budget:
            return [self.tex(sp.Pow(self.name(expr.base), expr.exp, evaluate=False))]
        if isinstance(expr, sp.Function) and expr.args:
            named = expr.func(*[self.name(arg) if visual_width(self.tex(arg)) > budget / 2 else arg for arg in expr.args])
            return [self.tex(named)]
        return [tex]

    def _add_lines(self, terms: Sequence[sp.Expr], budget: float) -> list[str]:
        lines: list[str] = []
        current = ""
        for k, term in enumerate(terms):
            pieces = self.lines(term, budget - 1.5)
            negative = pieces[0].startswith("- ")
            if negative:
                pieces[0] = pieces[0][2:]
            operator = ("- " if negative else "") if k == 0 else ("- " if negative else "+ ")
            if self.printer._needs_add_brackets(term) and len(pieces) == 1:
                pieces = [r"\left(%s\right)" % pieces[0]]
            first = operator + pieces[0]
            if current and visual_width(current + " " + first) <= budget and len(pieces) == 1:
                current += " " + first
            else:
                if current:
                    lines.append(current)
                current = first
            for piece in pieces[1:]:
                lines.append(current)
                current = piece
        lines.append(current)
        return lines

    def _mul_lines(self, expr: sp.Mul, budget: float) -> list[str]:
        ordered = self.printer.factors(expr) if expr.is_commutative else list(expr.args)
        coefficient = ordered[0] if ordered and ordered[0].is_Number else sp.Integer(1)
        factors = ordered[1:] if ordered and ordered[0].is_Number else ordered
        sign = ""
        if coefficient.is_negative:
            sign, coefficient = "- ", -coefficient
        parts: list[str] = [] if coefficient == 1 else [self.tex(coefficient)]
        for factor in factors:
            tex = self.tex(factor)
            if visual_width(tex) > budget - 1.0:
                if isinstance(factor, sp.Pow):
                    factor = sp.Pow(self.name(factor.base), factor.exp, evaluate=False)
                else:
                    factor = self.name(factor)
                tex = self.tex(factor)
            elif self.printer._needs_mul_brackets(factor, first=False, last=False) or isinstance(factor, sp.Add):
                tex = r"\left(%s\right)" % tex
            parts.append(tex)
        lines: list[str] = []
        current = sign
        for part in parts:
            candidate = (current + " " + part).strip() if current.strip() else current + part
            if current.strip() and visual_width(candidate) > budget:
                lines.append(current)
                current = r"\cdot " + part
            else:
                current = candidate
        lines.append(current)
        return lines

    # --- matrices ------------------------------------------------------------------------------------
    def matrix(self, matrix: sp.MatrixBase, budget: float | None = None, *, max_rows: int = 8) -> str | None:
        """A bracketed matrix, or None when it does not fit ``budget`` em.

        Too big a matrix loses middle rows (a row of ``\\vdots``) and middle columns (a column of
        ``\\cdots``), at least two of each, so every hidden entry has a visible ellipsis in its own row
        or column; a diagonal matrix is written with blank off-diagonal entries and, when too wide,
        elided along its diagonal with ``\\ddots``.
        """
        budget = self.width if budget is None else budget
        rows, cols = matrix.shape
        if is_diagonal(matrix):
            return self._diagonal(matrix, budget)
        cells = [[self.tex(matrix[i, j]) for j in range(cols)] for i in range(rows)]
        row_index: list[int | None] = list(range(rows)) if rows <= max_rows else [0, 1, 2, None, rows - 1]
        plans: list[list[int | None]] = [list(range(cols))]
        plans += [[*range(keep), None, cols - 1] for keep in range(cols - 3, 0, -1)]  # hide ≥ 2 columns
        for col_index in plans:
            body = _matrix_body(cells, row_index, col_index)
            if visual_width(body) <= budget:
                return body
        return None

    def _diagonal(self, matrix: sp.MatrixBase, budget: float) -> str | None:
        n = matrix.rows
        entries = [self.tex(matrix[i, i]) for i in range(n)]
        full = _diagonal_body(entries)
        if visual_width(full) <= budget:
            return full
        if n >= 4:
            elided = _diagonal_body([entries[0], entries[1], r"\ddots", entries[-1]])
            if visual_width(elided) <= budget:
                return elided
        return None


def is_diagonal(matrix: sp.MatrixBase) -> bool:
    """Square, larger than 1 × 1, and zero off the diagonal."""
    rows, cols = matrix.shape
    return rows == cols and rows > 1 and all(matrix[i, j] == 0 for i in range(rows) for j in range(cols) if i != j)


def _diagonal_body(entries: Sequence[str]) -> str:
    n = len(entries)
    lines = [" & ".join(entries[i] if i == j else "" for j in range(n)) for i in range(n)]
    return r"\begin{bmatrix}" + r" \\ ".join(lines) + r"\end{bmatrix}"


def _join_terms(terms: Sequence[tuple[bool, str]]) -> str:
    tex = ""
    for k, (negative, body) in enumerate(terms):
        tex += ("- " if negative else "") + body if k == 0 else (" - " if negative else " + ") + body
    return tex


def _matrix_body(cells: list[list[str]], rows: Sequence[int | None], cols: Sequence[int | None]) -> str:
    lines = []
    for i in rows:
        if i is None:
            lines.append(" & ".join(r"\vdots" if j is not None else r"\ddots" for j in cols))
        else:
            lines.append(" & ".join(cells[i][j] if j is not None else r"\cdots" for j in cols))
    return r"\begin{bmatrix}" + r" \\ ".join(lines) + r"\end{bmatrix}"


def align(rows: Iterable[str]) -> str:
    """An ``align*`` environment, one row per line of the source (diff-friendly)."""
    rows = list(rows)
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"
