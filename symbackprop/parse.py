"""A safe parser for typed mathematics: a lark LALR grammar that builds SymPy objects directly.

User text never reaches ``eval``, ``exec``, ``sympify`` or ``parse_expr``: the grammar below is the only
thing that reads it, and every node it builds is checked against :class:`Limits` as it is built —
input length, nesting depth, the size of numbers and exponents (``9^9^9^9`` is refused before anything
is raised to a power) and the number of terms the expression would expand to.  Whatever passes is
small enough that expanding or evaluating it is cheap; whatever does not raises
:class:`~symbackprop.errors.ExpressionSyntaxError` (an ``AnswerSyntaxError`` for homework answers)
pointing at the offending position.

What a name means is a :class:`Vocabulary`: the lecture's answer notation (x_j, y_j, w^ℓ_{ij}, b^ℓ_i,
z^ℓ_i, a^ℓ_i, δ^ℓ_i, q_j, φ, φ', σ, σ', tanh, exp, log, sqrt, ReLU, H) is one —
:func:`lecture_vocabulary` — and a step-size schedule in one variable is another —
:func:`schedule_vocabulary`.

>>> parse_expression("1/(k+1)", vocabulary=schedule_vocabulary())
1/(k + 1)
>>> parse_expression(r"\\delta^{2}_{1}\\,\\sigma'(z^{2}_{1})") == parse_expression("delta^2_1 * sigma(z^2_1) * (1 - sigma(z^2_1))")
True
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import os
import random
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping

import sympy as sp
from lark import Lark, Token, Transformer
from lark import __version__ as lark_version
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from sympy.core.evalf import PrecisionExhausted

from . import notation
from ._kernel.size import expansion_size, expression_depth
from .activations import heaviside, phi, phi_prime, relu, sigmoid
from .errors import AnswerSyntaxError, ExpressionSyntaxError, SpecError

if TYPE_CHECKING:  # pragma: no cover
    from .network import MLP

__all__ = [
    "Limits",
    "FunctionSpec",
    "Vocabulary",
    "parse_expression",
    "equation_parts",
    "lecture_vocabulary",
    "schedule_vocabulary",
]


@dataclass(frozen=True)
class Limits:
    """Bounds on what a typed expression may be; each keeps every later step cheap."""

    max_length: int = 2000
    max_depth: int = 40
    max_digits: int = 30
    max_exponent: int = 16
    max_exponent_denominator: int = 100
    max_number_bits: int = 4096
    max_terms: int = 50_000
    max_total_exponent: int = 256  # after SymPy combines (x^a)^b and x^a·x^b
    max_exp_argument_bits: int = 31  # numbers inside e^(…): SymEngine needs combined exponents to fit 64 bits


@dataclass(frozen=True)
class FunctionSpec:
    """A function of one argument: ``build(u)`` is f(u) and ``derivative(u)``, when given, is f'(u)."""

    build: Callable[[sp.Expr], sp.Expr]
    derivative: Callable[[sp.Expr], sp.Expr] | None = None
    display: str = ""


Resolver = Callable[[str, str, int], sp.Expr]


@dataclass(frozen=True)
class Vocabulary:
    """What names mean.

    - ``layered``: names written with a layer and an index, ``w^ℓ_{ij}``, ``δ^{ℓ}_{i}`` (sub- and
      superscript in either order); ``indexed``: names with one subscript, ``x_j``;
    - ``variables``: bare names such as ``k``; ``constants`` such as ``e``; ``functions`` of one argument
      (always in parentheses or braces), optionally with a prime (``σ'(z)``);
    - ``resolve(kind, text, position)`` turns a layered/indexed token into a SymPy symbol (it raises
      ``AnswerSyntaxError`` for indices that do not exist) and ``weights`` says how many terms a symbol
      stands for once it is replaced by its definition (used by the size bound);
    - ``variable_exponents``: whether a positive number may be raised to a non-constant power (``0.9^k``).
    """

    name: str
    layered: tuple[str, ...] = ()
    indexed: tuple[str, ...] = ()
    variables: Mapping[str, sp.Symbol] = field(default_factory=dict)
    constants: Mapping[str, sp.Expr] = field(default_factory=dict)
    functions: Mapping[str, FunctionSpec] = field(default_factory=dict)
    resolve: Resolver | None = None
    weights: Mapping[sp.Symbol, int] = field(default_factory=dict)
    variable_exponents: bool = False
    hints: Mapping[str, str] = field(default_factory=dict)
    error: type[ExpressionSyntaxError] = ExpressionSyntaxError
    limits: Limits = Limits()

    def grammar_key(self) -> tuple:
        return (self.layered, self.indexed, tuple(sorted(self.variables)), tuple(sorted(self.constants)), tuple(sorted(self.functions)))


# --- the grammar -------------------------------------------------------------------------------------

_SUP = r"\^\s*(?:\{\s*(?:\(\s*)?[0-9]+\s*(?:\)\s*)?\}|\(\s*[0-9]+\s*\)|[0-9]+)"
# Each repetition starts with a separator, so a run of digits splits one way only (no catastrophic backtracking).
# Unbraced indices may be separated by one comma, as the plain printer writes a wide net's w^2_1,12.
_SUB_LIST = r"_\s*(?:\{\s*[0-9]+(?:\s*,\s*[0-9]+|\s+[0-9]+)*\s*\}|[0-9]+(?:,[0-9]+)?)"
_SUB_ONE = r"_\s*(?:\{\s*[0-9]+\s*\}|[0-9]+)"
_WORD_END = r"(?![A-Za-z])"


def _alternatives(names) -> str:  # noqa: ANN001
    """A regex alternation of literal names, longest first (so 'sigmoid' is tried before 'sigma')."""
    return "|".join(re.escape(name) for name in sorted(set(names), key=lambda n: (-len(n), n)))


def _grammar(vocabulary: Vocabulary) -> str:
    atoms = [
        "NUMBER -> number",
        "LPAR sum RPAR -> group",
        "LBRACE sum RBRACE -> group",
        "LBRACK sum RBRACK -> group",
        "FRAC LBRACE sum RBRACE LBRACE sum RBRACE -> frac",
        "WORD -> word",
        "BAD -> bad",
    ]
    terminals = [
        r"NUMBER.3: /(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/",
        r"FRAC.4: /\\[dt]?frac" + _WORD_END + "/",
        r"WORD.1: /\\?[A-Za-z]+|\\mathrm\s*\{\s*[A-Za-z]+\s*\}|\\operatorname\s*\{\s*[A-Za-z]+\s*\}|\\text\s*\{\s*[A-Za-z]+\s*\}|[^\x00-\x7f]/",
        r"BAD.2: /=|\\sum|∑|Σ|\\partial|∂|\\lim|\\int|&|\||!|,|\\prime/",
        r"PLUS.3: /\+/",
        r"MINUS.3: /-|−|–/",
        r"TIMES.3: /\*(?!\*)|\\cdot" + _WORD_END + r"|\\times" + _WORD_END + r"|·|⋅|×|∙/",
        r"DIVIDE.3: /\/|\\div" + _WORD_END + r"|÷/",
        r"POW.3: /\*\*|\^/",
        r"SUPERSCRIPT.3: /[⁰¹²³⁴⁵⁶⁷⁸⁹]+/",
        r"LPAR.3: /(?:\\(?:left|bigl|Bigl|biggl|Biggl|big|Big|bigg|Bigg)\s*)?\(/",
        r"RPAR.3: /(?:\\(?:right|bigr|Bigr|biggr|Biggr|big|Big|bigg|Bigg)\s*)?\)/",
        r"LBRACK.3: /(?:\\(?:left|bigl|Bigl|biggl|Biggl|big|Big|bigg|Bigg)\s*)?\[/",
        r"RBRACK.3: /(?:\\(?:right|bigr|Bigr|biggr|Biggr|big|Big|bigg|Bigg)\s*)?\]/",
        r"LBRACE.3: /\\left\s*\\\{|\{/",
        r"RBRACE.3: /\\right\s*\\\}|\}/",
    ]
    if vocabulary.layered:
        names = _alternatives(vocabulary.layered)
        terminals.append(
            rf"LAYERED.6: /(?:{names})\s*(?:{_SUP}\s*{_SUB_LIST}|{_SUB_LIST}\s*{_SUP})/"
        )
        atoms.append("LAYERED -> layered")
    if vocabulary.indexed:
        terminals.append(rf"INDEXED.6: /(?:{_alternatives(vocabulary.indexed)})\s*{_SUB_ONE}/")
        atoms.append("INDEXED -> indexed")
    if vocabulary.variables:
        terminals.append(rf"VARIABLE.5: /(?:{_alternatives(vocabulary.variables)}){_WORD_END}/")
        atoms.append("VARIABLE -> variable")
    if vocabulary.constants:
        terminals.append(rf"CONSTANT.5: /(?:{_alternatives(vocabulary.constants)}){_WORD_END}/")
        atoms.append("CONSTANT -> constant")
    if vocabulary.functions:
        terminals.append(rf"FUNC.5: /(?:{_alternatives(vocabulary.functions)}){_WORD_END}/")
        terminals.append(r"PRIME.4: /'|′|’|\^\s*\{\s*\\prime\s*\}|\^\s*\\prime" + _WORD_END + "/")
        atoms.append("FUNC PRIME? LPAR sum RPAR -> call")
        atoms.append("FUNC PRIME? LBRACE sum RBRACE -> call")
        # a power written on the function name, as printed: \tanh^{2}(z), \sigma^2(z), tanh²(z)
        atoms.append("FUNC POW NUMBER (LPAR sum RPAR | LBRACE sum RBRACE) -> call_power")
        atoms.append("FUNC POW LBRACE NUMBER RBRACE (LPAR sum RPAR | LBRACE sum RBRACE) -> call_power")
        atoms.append("FUNC SUPERSCRIPT (LPAR sum RPAR | LBRACE sum RBRACE) -> call_power")
    rules = r"""
start: sum
?sum: product
    | sum PLUS product -> add
    | sum MINUS product -> sub
?product: signed
    | product TIMES signed -> mul
    | product DIVIDE signed -> div
    | product power -> implicit_mul
?signed: power
    | MINUS signed -> neg
    | PLUS signed -> pos
?power: postfix
    | postfix POW exponent -> pow
?exponent: power
    | MINUS exponent -> neg
    | PLUS exponent -> pos
?postfix: atom
    | atom SUPERSCRIPT -> superscript_power
?atom: """ + "\n    | ".join(atoms)
    ignore = [
        r"%ignore /\s+/",
        r"%ignore /\\[,;:!> ]|\\(?:quad|qquad|displaystyle|textstyle)" + _WORD_END + "/",
    ]
    return "\n".join([rules, *terminals, *ignore]) + "\n"


_TERMINAL_NAMES = {
    "NUMBER": "a number",
    "LAYERED": "a symbol such as w^2_12",
    "INDEXED": "a symbol such as x_1",
    "VARIABLE": "a variable",
    "CONSTANT": "a constant",
    "FUNC": "a function",
    "WORD": "a name",
    "LPAR": "'('",
    "RPAR": "')'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LBRACK": "'['",
    "RBRACK": "']'",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "TIMES": "'*'",
    "DIVIDE": "'/'",
    "POW": "'^'",
    "FRAC": r"'\frac'",
    "PRIME": "a prime",
    "SUPERSCRIPT": "a superscript",
    "$END": "the end",
}


# --- values carried through the parse ------------------------------------------------------------------

@dataclass(frozen=True)
class _Value:
    expr: sp.Expr
    pos: int
    literal: bool = False  # a bare number token (no parentheses)


class _State:
    """Per-parse state: the text, the vocabulary, and memoised size measurements."""

    def __init__(self, text: str, vocabulary: Vocabulary) -> None:
        self.text = text
        self.vocabulary = vocabulary
        self.limits = vocabulary.limits
        self.depth: dict[sp.Basic, int] = {}
        self.size: dict[sp.Basic, tuple[int, int]] = {}

    def fail(self, message: str, position: int) -> None:
        raise self.vocabulary.error(message, text=self.text, position=position)

    def checked(self, expr: sp.Expr, pos: int, *, literal: bool = False) -> _Value:
        if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            self.fail("division by zero (or log of 0) in this expression", pos)
        if expr.has(sp.I):
            self.fail("this is not a real number (a square root or log of a negative number)", pos)
        for node in (expr, *expr.args):  # SymPy only combines powers at the node being built
            if node.is_Pow and node.exp.is_Rational and abs(node.exp.p) > self.limits.max_total_exponent * node.exp.q:
                self.fail(f"the combined exponent {node.exp} is too large (at most {self.limits.max_total_exponent})", pos)
            if isinstance(node, sp.exp):
                bits = self.limits.max_exp_argument_bits
                if any(abs(number.p).bit_length() > bits or number.q.bit_length() > bits for number in node.args[0].atoms(sp.Rational)):
                    self.fail(f"the numbers inside e^(…) are too large (at most 2^{bits})", pos)
        if expression_depth(expr, self.depth, cap=self.limits.max_depth + 1) > self.limits.max_depth:
            self.fail(f"the expression is nested more than {self.limits.max_depth} levels deep", pos)
        numerator, denominator = expansion_size(expr, self.vocabulary.weights, self.size, cap=self.limits.max_terms + 1)
        if max(numerator, denominator) > self.limits.max_terms:
            self.fail(f"the expression is too large: it would expand to more than {self.limits.max_terms} terms", pos)
        return _Value(expr, pos, literal)

    def refuse_zero(self, expr: sp.Expr, position: int, what: str) -> None:
        """Fail when ``expr`` — a divisor or the argument of a log — is 0, or identically 0 though written
        otherwise, e.g. (x+y)² − x² − 2xy − y²: SymPy would cancel it against itself (D/D = 1) or leave a 0/0
        that no point can evaluate (:func:`_identically_zero`)."""
        if expr == 0:
            self.fail(what, position)
        if expr.has(sp.Add) and _identically_zero(expr):  # a product of symbols and functions is not 0
            self.fail(f"{what}: this expression is identically 0", position)


def _identically_zero(expr: sp.Expr) -> bool:
    """Whether ``expr`` is 0 for all values of its symbols, taking the values of functions of symbols as
    independent: its value at random whole-number points is 0 (Schwartz–Zippel: a non-zero polynomial of
    degree d vanishes at such a point with probability at most d/10⁹; the parser bounds d).  Constants such
    as tanh(1) − (e² − 1)/(e² + 1) stay exact, and a value SymPy cannot tell from 0 counts as 0."""
    rng = random.Random(_ZERO_TEST_SEED)
    atoms = {
        node for node in sp.preorder_traversal(expr)
        if node.is_Symbol or (node.free_symbols and (isinstance(node, sp.Function) or (node.is_Pow and not node.exp.is_Integer)))
    }
    for _ in range(_ZERO_TEST_POINTS if atoms else 1):  # a constant has one value: evaluating it again decides nothing new
        value = expr.xreplace({atom: sp.Integer(rng.randint(1, 10**9)) for atom in atoms})  # outermost atoms first
        if value.is_Number:
            if value != 0:
                return False
            continue
        try:
            if sp.N(value, _ZERO_TEST_DIGITS, strict=True) != 0:
                return False
        except PrecisionExhausted:
            continue  # not distinguishable from 0
        except (TypeError, ValueError, ArithmeticError):
            return False
    return True


_ZERO_TEST_DIGITS = 30
_ZERO_TEST_SEED = 20241130
_ZERO_TEST_POINTS = 2


_STATE: contextvars.ContextVar[_State] = contextvars.ContextVar("symbackprop_parse_state")


# --- the transformer: every callback builds and checks a SymPy object ----------------------------------

_CONSTANT_ARGUMENT = 10**6


class _Builder(Transformer):
    """Callbacks run by the LALR parser on each reduction (bottom-up, no recursion)."""

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)

    @staticmethod
    def _state() -> _State:
        return _STATE.get()

    # atoms
    def number(self, children: list) -> _Value:
        (token,) = children
        state = self._state()
        text = str(token)
        mantissa, _, exponent = text.lower().partition("e")
        digits = mantissa.replace(".", "").lstrip("0")
        if len(digits) > state.limits.max_digits:
            state.fail(f"numbers may have at most {state.limits.max_digits} digits", token.start_pos)
        if exponent and abs(int(exponent)) > state.limits.max_digits:
            state.fail(f"the power of ten in {text} is too large (at most 10^{state.limits.max_digits})", token.start_pos)
        whole, _, fraction = mantissa.partition(".")
        value = sp.Rational(int((whole or "0") + fraction), 10 ** len(fraction))
        if exponent:
            value = value * sp.Rational(10) ** int(exponent)
        return state.checked(value, token.start_pos, literal=True)

    def layered(self, children: list) -> _Value:
        return self._resolve("layered", children[0])

    def indexed(self, children: list) -> _Value:
        return self._resolve("indexed", children[0])

    def _resolve(self, kind: str, token: Token) -> _Value:
        state = self._state()
        resolve = state.vocabulary.resolve
        if resolve is None:  # pragma: no cover - a vocabulary with scripted names always has a resolver
            state.fail(f"{token} is not known here", token.start_pos)
        return state.checked(resolve(kind, str(token), token.start_pos), token.start_pos)

    def variable(self, children: list) -> _Value:
        (token,) = children
        return self._state().checked(self._state().vocabulary.variables[str(token)], token.start_pos)

    def constant(self, children: list) -> _Value:
        (token,) = children
        return self._state().checked(self._state().vocabulary.constants[str(token)], token.start_pos)

    def word(self, children: list) -> _Value:
        (token,) = children
        state = self._state()
        text = str(token)
        key = re.sub(r"^\\(?:mathrm|operatorname|text)\s*\{\s*([A-Za-z]+)\s*\}$", r"\1", text)
        hint = state.vocabulary.hints.get(key) or state.vocabulary.hints.get(key.lstrip("\\"))
        if hint:
            state.fail(hint, token.start_pos)
        if not text.isascii():
            state.fail(f"unexpected character {text!r}", token.start_pos)
        if text.startswith("\\"):
            state.fail(f"unknown LaTeX command {text}", token.start_pos)
        state.fail(f"unknown name {text!r}", token.start_pos)
        raise AssertionError  # pragma: no cover

    def bad(self, children: list) -> _Value:
        (token,) = children
        state = self._state()
        text = str(token)
        messages = {
            "=": "write only the right-hand side of the answer (no '=')",
            ",": "unexpected ','; functions take one argument, and indices go in braces: w^{2}_{1,2}",
            "!": "factorials are not supported",
            "|": "absolute values are not supported",
            "&": "alignment characters are not supported",
            r"\prime": r"a prime goes right after the function name: \sigma'(z) or \sigma^{\prime}(z)",
        }
        if text in (r"\sum", "∑", "Σ"):
            message = "sums over an index are not supported: write the terms out, e.g. δ^2_1 w^2_11 + δ^2_2 w^2_21"
        elif text in (r"\partial", "∂"):
            message = "write only the expression for the derivative (the right-hand side), without ∂"
        else:
            message = messages.get(text, f"{text!r} is not supported here")
        state.fail(message, token.start_pos)
        raise AssertionError  # pragma: no cover

    def group(self, children: list) -> _Value:
        left, value, _ = children
        return _Value(value.expr, left.start_pos)

    def frac(self, children: list) -> _Value:
        token, _, numerator, _, _, denominator, _ = children
        state = self._state()
        state.refuse_zero(denominator.expr, denominator.pos, "division by zero")
        return state.checked(numerator.expr / denominator.expr, token.start_pos)

    def call(self, children: list) -> _Value:
        state = self._state()
        name, prime = children[0], (children[1] if len(children) == 5 else None)
        argument = children[-2]
        spec = state.vocabulary.functions[str(name)]
        self._constant_argument(argument.expr, argument.pos)
        if prime is not None:
            if spec.derivative is None:
                state.fail(f"{spec.display or name}' is not supported; write the derivative out", prime.start_pos)
            value = spec.derivative(argument.expr)
        else:
            value = spec.build(argument.expr)
            if spec.build is sp.log and argument.expr != 0:  # log(0) itself is SymPy's zoo, refused below
                state.refuse_zero(argument.expr, argument.pos, "log of 0")
        return state.checked(value, name.start_pos)

    def call_power(self, children: list) -> _Value:
        """f^{k}(u) = f(u)^k, for a whole number k ≥ 1 written on the function's name."""
        state = self._state()
        name, argument = children[0], children[-2]
        power = next(token for token in children[1:-3] if token.type in ("NUMBER", "SUPERSCRIPT"))
        digits = str(power).translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789"))
        if not digits.isdigit() or not 1 <= int(digits[:6]) <= state.limits.max_exponent:
            state.fail(
                f"a power on a function's name must be a whole number from 1 to {state.limits.max_exponent}, as in \\tanh^{{2}}(z)",
                power.start_pos,
            )
        called = self.call([name, children[-3], argument, children[-1]])
        return self._power(called, sp.Integer(int(digits)), power.start_pos)

    # operators
    def add(self, children: list) -> _Value:
        left, _, right = children
        return self._state().checked(sp.Add(left.expr, right.expr), left.pos)

    def sub(self, children: list) -> _Value:
        left, _, right = children
        return self._state().checked(sp.Add(left.expr, -right.expr), left.pos)

    def mul(self, children: list) -> _Value:
        left, _, right = children
        return self._state().checked(sp.Mul(left.expr, right.expr), left.pos)

    def div(self, children: list) -> _Value:
        left, token, right = children
        state = self._state()
        state.refuse_zero(right.expr, token.start_pos, "division by zero")
        return state.checked(left.expr / right.expr, left.pos)

    def implicit_mul(self, children: list) -> _Value:
        left, right = children
        state = self._state()
        if right.literal and left.literal:
            state.fail("two numbers in a row: write '*' between them (or remove the space)", right.pos)
        return state.checked(sp.Mul(left.expr, right.expr), left.pos)

    def neg(self, children: list) -> _Value:
        token, value = children
        return self._state().checked(-value.expr, token.start_pos)

    def pos(self, children: list) -> _Value:
        token, value = children
        return _Value(value.expr, token.start_pos)

    def pow(self, children: list) -> _Value:
        base, token, exponent = children
        return self._power(base, exponent.expr, token.start_pos)

    def superscript_power(self, children: list) -> _Value:
        base, token = children
        digits = str(token).translate(str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789"))
        return self._power(base, sp.Integer(int(digits[:6])), token.start_pos)

    def _constant_argument(self, argument: sp.Expr, position: int) -> None:
        """A function of a constant only of a modest number: SymPy evaluates such terms numerically when it
        simplifies (σ(e^{e^{16}}) would ask mpmath for a precision of millions of digits)."""
        if argument.free_symbols:
            return
        if not argument.is_Rational or abs(argument.p) > _CONSTANT_ARGUMENT or argument.q > _CONSTANT_ARGUMENT:
            self._state().fail(
                f"a function of a constant must be of a number of at most {_CONSTANT_ARGUMENT} (e.g. σ(0), e^(2), log(2))", position
            )

    def _power(self, base: _Value, exponent: sp.Expr, position: int) -> _Value:
        state = self._state()
        limits = state.limits
        if base.expr == sp.E:
            self._constant_argument(exponent, position)
            return state.checked(sp.exp(exponent), base.pos)
        if not exponent.is_Rational:
            if exponent.is_number:
                state.fail("exponents must be whole numbers or fractions such as 2, -1 or 1/2", position)
            if state.vocabulary.variable_exponents and base.expr.is_Rational and base.expr > 0:
                if any(not power.exp.is_number for power in exponent.atoms(sp.Pow)) or exponent.has(sp.exp):
                    state.fail("a power of a power of the variable (a tower such as 10^(10^k)) is not supported", position)
                return state.checked(sp.Pow(base.expr, exponent), base.pos)
            where = "a positive number" if state.vocabulary.variable_exponents else "e"
            state.fail(f"only {where} may be raised to a power that is not a constant", position)
        if abs(exponent.p) > limits.max_exponent * exponent.q:
            state.fail(f"the exponent {exponent} is too large (at most {limits.max_exponent} in absolute value)", position)
        if exponent.q > limits.max_exponent_denominator:
            state.fail(f"the exponent {exponent} has a denominator above {limits.max_exponent_denominator}", position)
        if base.expr.is_Rational and exponent.is_Integer:
            bits = abs(int(exponent)) * max(abs(base.expr.p).bit_length(), base.expr.q.bit_length())
            if bits > limits.max_number_bits:
                state.fail(f"the number {base.expr}^{exponent} is too large", position)
        if exponent < 0:
            state.refuse_zero(base.expr, position, "division by zero (0 to a negative power)")
        return state.checked(sp.Pow(base.expr, exponent), base.pos)

    def start(self, children: list) -> _Value:
        return children[0]


@functools.lru_cache(maxsize=16)
def _parser(key: tuple, grammar: str) -> Lark:
    return Lark(grammar, parser="lalr", lexer="contextual", transformer=_Builder(), maybe_placeholders=False, cache=_cache_file(grammar))


def _cache_file(grammar: str) -> str | bool:
    """Where lark keeps this grammar's LALR tables between runs (building them is most of a cold check's
    parse): a file named by the grammar's hash in a private folder of the user's cache directory
    (``$SYMBACKPROP_CACHE_DIR``, else ``$XDG_CACHE_HOME/symbackprop`` or ``~/.cache/symbackprop``).
    Lark pickles the tables, so the folder is used only when this user owns it and nobody else may write
    to it; otherwise (or when it cannot be made) there is no cache (False)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.environ.get("SYMBACKPROP_CACHE_DIR") or os.path.join(base, "symbackprop")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.stat(folder)
    except OSError:
        return False
    if (hasattr(os, "getuid") and info.st_uid != os.getuid()) or info.st_mode & 0o022:
        return False
    digest = hashlib.sha256(grammar.encode("utf-8")).hexdigest()[:24]
    return os.path.join(folder, f"lark-{lark_version}-{digest}.cache")


def _nesting_position(text: str, limit: int) -> int | None:
    """The position where bracket nesting first exceeds ``limit`` (a cheap scan before parsing)."""
    depth = 0
    for position, char in enumerate(text):
        if char in "([{":
            depth += 1
            if depth > limit:
                return position
        elif char in ")]}":
            depth = max(0, depth - 1)
    return None


def parse_expression(text: str, *, vocabulary: Vocabulary | None = None) -> sp.Expr:
    """Parse plain or LaTeX mathematics into a SymPy expression, within ``vocabulary.limits``.

    Raises ``vocabulary.error`` (an :class:`~symbackprop.errors.ExpressionSyntaxError`, i.e. a
    ``ValueError``) with the offending position for anything it does not accept.

    >>> parse_expression(r"\\frac{1}{2}\\left(a^{2}_{1} - y_{1}\\right)^{2}")
    (a^{2}_{1} - y_{1})**2/2
    >>> parse_expression("9^9^9^9")
    Traceback (most recent call last):
    ...
    symbackprop.errors.AnswerSyntaxError: the exponent 387420489 is too large (at most 16 in absolute value)
      9^9^9^9
         ^
    """
    vocabulary = vocabulary or lecture_vocabulary()
    error = vocabulary.error
    limits = vocabulary.limits
    if not isinstance(text, str):
        raise error(f"expected text, got {type(text).__name__}")
    if len(text) > limits.max_length:
        raise error(f"the expression is longer than {limits.max_length} characters", text=text[: limits.max_length], position=limits.max_length)
    if not text.strip():
        raise error("the expression is empty", text=text, position=0)
    text = _without_delimiters(text)
    too_deep = _nesting_position(text, limits.max_depth)
    if too_deep is not None:
        raise error(f"brackets are nested more than {limits.max_depth} levels deep", text=text, position=too_deep)
    parser = _parser(vocabulary.grammar_key(), _grammar(vocabulary))
    token = _STATE.set(_State(text, vocabulary))
    try:
        result = parser.parse(text)
    except UnexpectedCharacters as problem:
        raise _unsupported_before(text, problem.pos_in_stream, error) or error(
            f"unexpected character {text[problem.pos_in_stream]!r}", text=text, position=problem.pos_in_stream
        ) from None
    except UnexpectedToken as problem:
        raise _unsupported_before(text, problem.token.start_pos or 0, error) or _token_error(text, problem, error) from None
    except UnexpectedInput as problem:  # pragma: no cover - other lark input errors
        raise error("the expression is not complete", text=text, position=getattr(problem, "pos_in_stream", len(text)) or len(text)) from None
    except RecursionError:  # pragma: no cover - prevented by the depth bounds; kept as a last guard
        raise error("the expression is nested too deeply", text=text, position=0) from None
    finally:
        _STATE.reset(token)
    return result.expr


_DELIMITERS = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))


def _without_delimiters(text: str) -> str:
    """The text with the math delimiters around it ($…$, $$…$$, \\(…\\), \\[…\\]) and a full stop at its
    end blanked out — replaced by spaces, so positions in error messages still point into the original."""
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    for opening, closing in _DELIMITERS:
        inner = text[start:end]
        if len(inner) >= len(opening) + len(closing) and inner.startswith(opening) and inner.rstrip(". ").endswith(closing):
            stop = start + len(inner.rstrip(". "))
            text = text[:start] + " " * len(opening) + text[start + len(opening) : stop - len(closing)] + " " * (end - stop + len(closing)) + text[end:]
            end = len(text.rstrip())
            break
    if text[:end].endswith("."):  # a sentence's full stop (a number's own point, as in "2.", means the same)
        text = text[: end - 1] + " " + text[end:]
    return text


def equation_parts(text: str) -> list[tuple[int, str]]:
    """The sides of ``A = B = …`` split at each '=' outside brackets, with the position where each starts
    (one part when there is no '='); math delimiters and a final full stop are blanked first.

    >>> [part.strip() for _, part in equation_parts(r"$\\frac{a}{b} = f(x) = 2$.")]
    ['\\\\frac{a}{b}', 'f(x)', '2']
    """
    text = _without_delimiters(text)
    parts: list[tuple[int, str]] = []
    depth, start = 0, 0
    for position, char in enumerate(text):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        elif char == "=" and depth == 0:
            parts.append((start, text[start:position]))
            start = position + 1
    parts.append((start, text[start:]))
    return parts


_UNSUPPORTED = re.compile(r"\\sum(?![A-Za-z])|∑|Σ|\\partial(?![A-Za-z])|∂|=")


def _unsupported_before(text: str, position: int, error: type[ExpressionSyntaxError]) -> ExpressionSyntaxError | None:
    """A construct we never accept (Σ, ∂, '=') found before a parse error explains it better than the error."""
    match = _UNSUPPORTED.search(text, 0, position + 1)
    if match is None:
        return None
    token = match.group()
    if token == "=":
        message = "write only the right-hand side of the answer (no '=')"
    elif token in ("∂",) or token.startswith("\\partial"):
        message = "write only the expression for the derivative (the right-hand side), without ∂"
    else:
        message = "sums over an index are not supported: write the terms out, e.g. δ^2_1 w^2_11 + δ^2_2 w^2_21"
    return error(message, text=text, position=match.start())


def _token_error(text: str, problem: UnexpectedToken, error: type[ExpressionSyntaxError]) -> ExpressionSyntaxError:
    token = problem.token
    expected = sorted(problem.expected)
    if token.type == "$END":
        closing = [name for name in ("RPAR", "RBRACE", "RBRACK") if name in expected]
        message = f"the expression ends too early; missing {_TERMINAL_NAMES[closing[0]]}" if closing else "the expression ends too early"
        return error(message, text=text, position=len(text))
    if token.type in ("RPAR", "RBRACE", "RBRACK") and not {"RPAR", "RBRACE", "RBRACK"} & set(expected):
        return error(f"unmatched {str(token)!r}", text=text, position=token.start_pos)
    if token.type == "PRIME":
        return error("a prime goes right after a function name, as in σ'(z)", text=text, position=token.start_pos)
    wanted = [_TERMINAL_NAMES.get(name, name) for name in expected if name in _TERMINAL_NAMES and name not in ("WORD", "BAD")]
    if expected and set(expected) <= {"LPAR", "LBRACE", "PRIME", "POW", "SUPERSCRIPT"}:
        message = "a function's argument goes in parentheses: f(…)"
    else:
        message = f"unexpected {str(token)!r}" + (f"; expected {', '.join(wanted[:4])}" if wanted and len(wanted) <= 4 else "")
    return error(message, text=text, position=token.start_pos)


# --- vocabularies ----------------------------------------------------------------------------------------

def _sigmoid_prime(u: sp.Expr) -> sp.Expr:
    return sigmoid(u) * (1 - sigmoid(u))


def _tanh_prime(u: sp.Expr) -> sp.Expr:
    return 1 - sp.tanh(u) ** 2


_PHI = FunctionSpec(phi, phi_prime, "φ")
_SIGMA = FunctionSpec(sigmoid, _sigmoid_prime, "σ")
_TANH = FunctionSpec(sp.tanh, _tanh_prime, "tanh")
_RELU = FunctionSpec(relu, heaviside, "ReLU")
_EXP = FunctionSpec(sp.exp, None, "exp")
_LOG = FunctionSpec(sp.log, None, "log")
_SQRT = FunctionSpec(sp.sqrt, None, "sqrt")
_HEAVISIDE = FunctionSpec(heaviside, None, "H")


def _spellings(spec: FunctionSpec, *names: str) -> dict[str, FunctionSpec]:
    return {name: spec for name in names}


_LECTURE_FUNCTIONS: dict[str, FunctionSpec] = {
    **_spellings(_PHI, r"\varphi", r"\phi", "phi", "varphi", "φ", "ϕ"),
    **_spellings(_SIGMA, r"\sigma", "sigma", "sigmoid", "σ"),
    **_spellings(_TANH, r"\tanh", "tanh"),
    **_spellings(_RELU, "relu", "ReLU", r"\operatorname{ReLU}", r"\mathrm{ReLU}", r"\text{ReLU}"),
    **_spellings(_EXP, r"\exp", "exp"),
    **_spellings(_LOG, r"\log", r"\ln", "log", "ln"),
    **_spellings(_SQRT, r"\sqrt", "sqrt"),
    **_spellings(_HEAVISIDE, "H", "Heaviside"),
}
_E_SPELLINGS = {"e": sp.E, r"\mathrm{e}": sp.E, r"\mathrm e": sp.E}

_LAYERED_NAMES = ("w", "b", "z", "a", r"\delta", "delta", "δ")
_INDEXED_NAMES = ("x", "y", "q")

_LECTURE_HINTS = {
    "w": "write a weight with its layer and indices, e.g. w^2_12 or w^{2}_{1,2}",
    "b": "write a bias with its layer and index, e.g. b^2_1",
    "z": "write a pre-activation with its layer and index, e.g. z^2_1",
    "a": "write an activation with its layer and index, e.g. a^1_2 (a^0_j is x_j)",
    "delta": "write δ with its layer and index, e.g. δ^2_1 or \\delta^{2}_{1}",
    "δ": "write δ with its layer and index, e.g. δ^2_1 or \\delta^{2}_{1}",
    "x": "write an input with its index, e.g. x_1",
    "y": "write a target with its index, e.g. y_1",
    "q": "write a softmax output with its index, e.g. q_1",
    "W": "matrices and vectors are not supported: write one entry, e.g. w^2_12",
    "T": "transposes are not supported: write the entries out",
    "Diag": "Diag(·) is not supported: write the entry, e.g. σ'(z^2_1)",
    "operatorname": "unknown operator name",
    "pi": "π is not part of the lecture's answers",
}

_SCRIPTED = re.compile(
    r"^(?P<name>\\delta|delta|δ|[wbzaxyq])\s*(?:"
    r"\^\s*(?P<sup1>\{[^}]*\}|\([^)]*\)|[0-9]+)\s*_\s*(?P<sub1>\{[^}]*\}|[0-9]+(?:,[0-9]+)?)"
    r"|_\s*(?P<sub2>\{[^}]*\}|[0-9]+(?:,[0-9]+)?)\s*(?:\^\s*(?P<sup2>\{[^}]*\}|\([^)]*\)|[0-9]+))?)$"
)


def _split_scripts(text: str) -> tuple[str, int | None, str]:
    """``w^{2}_{1,2}`` → ('w', 2, '1,2'); ``x_3`` → ('x', None, '3')."""
    match = _SCRIPTED.match(text)
    assert match is not None, text  # the lexer's regex accepted it
    name = {"delta": "delta", "\\delta": "delta", "δ": "delta"}.get(match.group("name"), match.group("name"))
    sup = match.group("sup1") or match.group("sup2")
    sub = match.group("sub1") or match.group("sub2")
    layer = int(re.sub(r"[^0-9]", "", sup)) if sup is not None else None
    indices = re.sub(r"[{}\s]+", " ", sub).strip()
    indices = re.sub(r"\s*,\s*", ",", indices)
    return name, layer, indices


def lecture_vocabulary(net: "MLP | None" = None, *, weights: Mapping[sp.Symbol, int] | None = None, limits: Limits | None = None) -> Vocabulary:
    """The lecture's answer notation.  With ``net``, every symbol is that network's own symbol and
    indices are checked against its sizes (``a^0_j`` is ``x_j``; ``q_j`` exists for softmax outputs)."""
    def resolve(kind: str, text: str, position: int) -> sp.Expr:
        name, layer, indices = _split_scripts(text)
        try:
            return _lecture_symbol(net, name, layer, indices)
        except _NotInNetwork as problem:
            raise AnswerSyntaxError(str(problem), text=_STATE.get().text, position=position) from None

    return Vocabulary(
        name="lecture",
        layered=_LAYERED_NAMES,
        indexed=_INDEXED_NAMES,
        constants=_E_SPELLINGS,
        functions=_LECTURE_FUNCTIONS,
        resolve=resolve,
        weights=dict(weights or {}),
        hints=_LECTURE_HINTS,
        error=AnswerSyntaxError,
        limits=limits or Limits(),
    )


class _NotInNetwork(Exception):
    pass


def _lecture_symbol(net: "MLP | None", name: str, layer: int | None, indices: str) -> sp.Symbol:
    label = {"delta": "δ"}.get(name, name)
    if name in ("x", "y", "q"):
        index = _single_index(label, indices)
        if net is None:
            return {"x": notation.input_symbol, "y": notation.target, "q": notation.probability}[name](index)
        pool = {"x": net.x, "y": net.y, "q": net.q}[name]
        if name == "q" and not pool:
            raise _NotInNetwork("q_j are softmax outputs, and this network has no softmax output layer")
        if not 1 <= index <= len(pool):
            raise _NotInNetwork(f"{label}_{index} does not exist: the indices are 1…{len(pool)}")
        return pool[index - 1]
    assert layer is not None
    depth = net.depth if net is not None else None
    lowest = 0 if name == "a" else 1
    if depth is not None and not lowest <= layer <= depth:
        raise _NotInNetwork(f"{label}^{layer}: there is no layer {layer}; the layers are {lowest}…{depth}")
    if layer < lowest:
        raise _NotInNetwork(f"{label}^{layer}: layers start at {lowest}")
    if name == "w":
        i, j = _weight_indices(net, layer, indices)
        if net is None:
            return notation.weight(layer, i, j, separate="," in indices)
        return net.W(layer)[i - 1, j - 1]
    index = _single_index(f"{label}^{layer}", indices)
    if name == "a" and layer == 0:
        if net is None:
            return notation.input_symbol(index)
        if not 1 <= index <= len(net.x):
            raise _NotInNetwork(f"a^0_{index} (= x_{index}) does not exist: the inputs are x_1…x_{len(net.x)}")
        return net.x[index - 1]
    if net is not None:
        width = net.sizes[layer]
        if not 1 <= index <= width:
            raise _NotInNetwork(f"{label}^{layer}_{index} does not exist: layer {layer} has neurons 1…{width}")
        if name == "b" and not net.has_bias:
            raise _NotInNetwork("this network has no biases (it was built without bias=True)")
    builder = {"b": notation.bias, "z": notation.pre_activation, "a": notation.activation, "delta": notation.delta}[name]
    return builder(layer, index)


def _single_index(label: str, indices: str) -> int:
    if "," in indices or " " in indices:
        raise _NotInNetwork(f"{label} takes one index, got {indices!r}")
    return int(indices)


def _weight_indices(net: "MLP | None", layer: int, indices: str) -> tuple[int, int]:
    parts = [part for part in re.split(r"[ ,]", indices) if part]
    if len(parts) == 2:
        given: tuple[int, ...] | None = (int(parts[0]), int(parts[1]))
    elif len(parts) == 1 and len(parts[0]) >= 2:
        given = None
    else:
        raise _NotInNetwork(f"w^{layer} takes two indices i, j, got {indices!r}")
    digits = "".join(parts)
    if net is None:  # no shape to decide by: two digits, or two separated indices
        if given is None and len(digits) != 2:
            raise _NotInNetwork(f"w^{layer}_{digits} is ambiguous: write w^{{{layer}}}_{{i,j}}")
        return given or (int(digits[0]), int(digits[1]))
    label = f"w^{layer}_{indices.replace(' ', ',')}"
    try:
        return notation.weight_indices(label, layer, given, digits, net.sizes[layer], net.sizes[layer - 1])
    except SpecError as problem:
        raise _NotInNetwork(str(problem)) from None


def schedule_vocabulary(variable: str = "k", *, limits: Limits | None = None) -> Vocabulary:
    """Expressions in one whole-number variable (a step-size schedule γ_k): ``1/(k+1)``, ``0.1/sqrt(k+1)``,
    ``0.9^k``, ``e^{-k/10}``, ``1/(k+1)^{0.6}``.  Positive numbers may be raised to powers in ``k``.

    The result is exact SymPy: evaluate it numerically (floats), not by exact substitution of a large k.
    """
    if not re.fullmatch(r"[A-Za-z]", variable):
        raise ExpressionSyntaxError(f"the variable must be one letter, got {variable!r}")
    symbol = sp.Symbol(variable, integer=True, nonnegative=True)
    functions = {
        **_spellings(_SQRT, r"\sqrt", "sqrt"),
        **_spellings(_LOG, r"\log", r"\ln", "log", "ln"),
        **_spellings(_EXP, r"\exp", "exp"),
    }
    constants = {**_E_SPELLINGS, "pi": sp.pi, r"\pi": sp.pi, "π": sp.pi} if variable != "e" else {"pi": sp.pi, r"\pi": sp.pi}
    return Vocabulary(
        name=f"schedule in {variable}",
        variables={variable: symbol},
        constants=constants,
        functions=functions,
        variable_exponents=True,
        hints={},
        error=ExpressionSyntaxError,
        limits=limits or Limits(),
    )
