"""SymPy → LaTeX in the lecture's notation, and prose → ASCII LaTeX.

:class:`LecturePrinter` is SymPy's ``LatexPrinter`` with the lecture's habits:

- products in the order of the matrix formulas Diag(φ^ℓ') V^{ℓ+1} ⋯ V^L δ^L (a^{ℓ-1})^T: the number first,
  then layer by layer w^ℓ, φ'(z^ℓ_i), δ^ℓ (a loss factor such as (a^L_j − y_j) counts as δ^L), and the
  input activation a^{ℓ-1}_j last — so z^ℓ_i prints as w^ℓ_{ij} a^{ℓ-1}_j and V^{ℓ+1} entries as w φ';
- sums with the positive terms first and the bias last (y_1 − a^2_1, w x + b);
- φ'(z^ℓ_i) written with the layer's activation (σ'(z^2_1), tanh'(z^1_3), φ' for the generic φ);
- H(z) for the Heaviside step (ReLU');
- with the setting ``lecture_signs``: the squared error's factor 2a − 2y written as the lecture writes
  it, −2 (y − a) (the target first, the number in front).

>>> import sympy as sp
>>> w, a, d = sp.symbols("w^{2}_{11} a^{1}_{1} \\\\delta^{2}_{1}")
>>> latex(a * w)
'w^{2}_{11} a^{1}_{1}'
>>> latex(d * w)
'w^{2}_{11} \\\\delta^{2}_{1}'
"""

from __future__ import annotations

import re
from typing import Any, Mapping

import sympy as sp
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

from .activations import phi, phi_prime, relu, sigmoid
from .errors import NotSupportedError

__all__ = ["LecturePrinter", "latex", "sympy_latex", "lecture_printer", "activation_names", "factor_key", "symbol_role", "SymbolRole", "text"]

_NAME = re.compile(r"^(?P<kind>\\delta|[wbzaxyqp])(?:\^\{(?P<layer>\d+)\})?(?:_\{(?P<index>[\d,]+)\})?$")


class SymbolRole(tuple):
    """(kind, layer) of a lecture symbol: kind is one of w b z a x y q p delta (or '' if unknown)."""

    __slots__ = ()
    kind = property(lambda self: self[0])
    layer = property(lambda self: self[1])


def symbol_role(symbol: sp.Symbol) -> SymbolRole:
    """Classify a symbol by its (LaTeX) name: ``w^{2}_{11}`` → ('w', 2), ``x_{1}`` → ('x', 0)."""
    match = _NAME.match(symbol.name)
    if match is None:
        return SymbolRole(("", 0))
    kind = match.group("kind").lstrip("\\")
    layer = int(match.group("layer")) if match.group("layer") else 0
    if kind == "x":  # a sample's input x^i_j is an input too
        layer = 0
    return SymbolRole((kind, layer))


# Order of the factors of one layer in a product: W^ℓ, then Diag(φ^ℓ'), then δ^ℓ.
_WEIGHT, _DERIVATIVE, _DELTA = 0, 1, 2
_LOSS_LAYER = 10**6  # a loss factor (contains y, q or p) stands for δ^L, after every layer


class LecturePrinter(LatexPrinter):
    """LaTeX printer that writes products and sums as the lecture does (see the module docstring).

    Setting ``activation_names``: layer → LaTeX name of its activation (``\\sigma``); φ'(z^ℓ_i) of that
    layer then prints as ``\\sigma'\\left(z^{ℓ}_{i}\\right)``.  Layers not listed print as φ.
    """

    _default_settings: dict[str, Any] = {
        **LatexPrinter._default_settings,
        "activation_names": None,
        "lecture_signs": False,
    }

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        super().__init__(settings)
        self._memo: dict[sp.Basic, str] = {}  # expressions are DAGs: print each shared node once

    def _print(self, expr: Any, **kwargs: Any) -> str:
        cacheable = not kwargs and isinstance(expr, sp.Basic)
        if cacheable and expr in self._memo:
            return self._memo[expr]
        # The activation classes print themselves (``_latex``) without this printer's settings.
        if isinstance(expr, phi_prime):
            result = self._print_phi_prime(expr, **kwargs)
        elif isinstance(expr, phi):
            result = self._print_phi(expr, **kwargs)
        else:
            result = super()._print(expr, **kwargs)
        if cacheable:
            self._memo[expr] = result
        return result

    # --- functions -----------------------------------------------------------------------------
    def _activation_name(self, argument: sp.Expr) -> str:
        names: Mapping[int, str] | None = self._settings["activation_names"]
        if names and isinstance(argument, sp.Symbol):
            role = symbol_role(argument)
            if role.kind == "z" and role.layer in names:
                return names[role.layer]
        return r"\varphi"

    def _call(self, name: str, expr: sp.Expr, exp: str | None) -> str:
        body = r"%s\left(%s\right)" % (name, self._print(expr.args[0]))
        return body if exp is None else r"%s^{%s}\left(%s\right)" % (name, exp, self._print(expr.args[0]))

    def _print_phi(self, expr: sp.Expr, exp: str | None = None) -> str:
        return self._call(self._activation_name(expr.args[0]), expr, exp)

    def _print_phi_prime(self, expr: sp.Expr, exp: str | None = None) -> str:
        body = r"%s'\left(%s\right)" % (self._activation_name(expr.args[0]), self._print(expr.args[0]))
        return body if exp is None else r"\left(%s\right)^{%s}" % (body, exp)

    def _print_sigmoid(self, expr: sp.Expr, exp: str | None = None) -> str:
        return self._call(r"\sigma", expr, exp)

    def _print_relu(self, expr: sp.Expr, exp: str | None = None) -> str:
        return self._call(r"\operatorname{ReLU}", expr, exp)

    def _print_Heaviside(self, expr: sp.Expr, exp: str | None = None) -> str:
        return self._call("H", expr, exp)

    # --- sums ------------------------------------------------------------------------------------
    def _print_Add(self, expr: sp.Add, order: str | None = None) -> str:
        split = self.error_factor(expr)
        if split is not None and abs(split[0]) != 1:
            coefficient, primitive = split
            sign = "- " if coefficient.is_negative else ""
            number = "" if abs(coefficient) == 1 else self._print(abs(coefficient)) + " "
            return r"%s%s\left(%s\right)" % (sign, number, self._print_Add(primitive, order=order))
        terms = self._as_ordered_terms(expr, order=order)
        if self._settings["lecture_signs"]:
            return join_signed([self.signed(term) for term in terms], biases=[_is_bias(term) for term in terms])
        terms = sorted(terms, key=lambda t: (t.could_extract_minus_sign(), _is_bias(t)))  # stable
        tex = ""
        for i, term in enumerate(terms):
            if i == 0:
                pass
            elif term.could_extract_minus_sign():
                tex += " - "
                term = -term
            else:
                tex += " + "
            term_tex = self._print(term)
            if self._needs_add_brackets(term):
                term_tex = r"\left(%s\right)" % term_tex
            tex += term_tex
        return tex

    def signed(self, term: sp.Expr) -> tuple[bool, str]:
        """(whether the printed term starts with a minus, its LaTeX without that minus): the sign as it is
        printed, after the number of a c (y − a) factor has joined the product's coefficient."""
        tex = self._print(term)
        if self._needs_add_brackets(term):
            tex = r"\left(%s\right)" % tex
        if tex.startswith("- "):
            return True, tex[2:]
        if tex.startswith("-"):
            return True, tex[1:]
        return False, tex

    # --- products --------------------------------------------------------------------------------
    def _print_Mul(self, expr: sp.Mul) -> str:
        if not isinstance(expr, sp.Mul) or any(_is_reciprocal(factor) for factor in expr.args):
            return super()._print_Mul(expr)  # fractions: SymPy's layout
        coefficient, factors = expr.as_coeff_mul()
        if self._settings["lecture_signs"]:
            coefficient, factors = self._pull_error_coefficients(coefficient, factors)
        key = lambda factor: factor_key(factor, self)  # noqa: E731
        if all(key(factor)[0] == 2 or _only_activations(factor) for factor in factors):
            return super()._print_Mul(expr)  # e.g. a(1 - a): no chain to order, SymPy's order reads best
        tex = ""
        if coefficient.is_negative:
            tex, coefficient = "- ", -coefficient
        parts = [] if coefficient == 1 else [self._print(coefficient)]
        ordered = sorted(factors, key=key)
        for factor in ordered:
            part = self._print(factor)
            if precedence_of(factor) < PRECEDENCE["Mul"]:
                part = r"\left(%s\right)" % part
            if parts and part[:1].isdigit():
                parts.append(r"\cdot " + part)
            else:
                parts.append(part)
        if len(parts) == 1 and not factors:
            return tex + parts[0]
        return tex + " ".join(parts)

    def error_factor(self, expr: sp.Expr) -> tuple[sp.Number, sp.Expr] | None:
        """c and y − a for a target-minus-activation sum c (y − a) written otherwise (2a − 2y), with the
        setting ``lecture_signs``; None when ``expr`` is not such a sum."""
        if not self._settings["lecture_signs"] or not isinstance(expr, sp.Add):
            return None
        roles = []
        for term in expr.args:
            number, rest = term.as_coeff_Mul()
            if not isinstance(rest, sp.Symbol) or symbol_role(rest).kind not in ("a", "y"):
                return None
            roles.append((symbol_role(rest).kind, number))
        kinds = {kind for kind, _ in roles}
        if kinds != {"a", "y"}:
            return None
        content, primitive = expr.as_content_primitive()
        if any(kind == "y" and number.is_negative for kind, number in ((symbol_role(t.as_coeff_Mul()[1]).kind, t.as_coeff_Mul()[0]) for t in primitive.args)):
            content, primitive = -content, -primitive
        return sp.Number(content), primitive

    def _pull_error_coefficients(self, coefficient: sp.Expr, factors: tuple) -> tuple[sp.Expr, tuple]:
        """Move the number of each c (y − a) factor into the product's coefficient."""
        result = []
        for factor in factors:
            split = self.error_factor(factor)
            if split is None:
                result.append(factor)
            else:
                coefficient *= split[0]
                result.append(split[1])
        return coefficient, tuple(result)

    def factors(self, expr: sp.Expr) -> list[sp.Expr]:
        """The factors of a product in the order this printer writes them (coefficient first)."""
        coefficient, factors = expr.as_coeff_mul()
        if self._settings["lecture_signs"]:
            coefficient, factors = self._pull_error_coefficients(coefficient, factors)
        ordered = sorted(factors, key=lambda factor: factor_key(factor, self))
        return ([coefficient] if coefficient != 1 else []) + ordered


def join_signed(terms: list[tuple[bool, str]], *, biases: list[bool] | None = None) -> str:
    """A sum from (negative, LaTeX) terms: positive terms first, biases last, order otherwise kept."""
    order = sorted(range(len(terms)), key=lambda k: (terms[k][0], bool(biases and biases[k])))
    tex = ""
    for position, k in enumerate(order):
        negative, body = terms[k]
        if position == 0:
            tex += ("- " if negative else "") + body
        else:
            tex += (" - " if negative else " + ") + body
    return tex


def precedence_of(expr: sp.Expr) -> int:
    from sympy.printing.precedence import precedence_traditional

    return precedence_traditional(expr)


def _is_reciprocal(factor: sp.Expr) -> bool:
    return factor.is_Pow and factor.exp.is_number and factor.exp.is_negative or (
        factor.is_Rational and not factor.is_Integer
    )


def _only_activations(factor: sp.Expr) -> bool:
    symbols = factor.free_symbols
    return bool(symbols) and all(symbol_role(s).kind in ("a", "x") for s in symbols if isinstance(s, sp.Symbol))


def _is_bias(term: sp.Expr) -> bool:
    return isinstance(term, sp.Symbol) and symbol_role(term).kind == "b"


def factor_key(factor: sp.Expr, printer: "LecturePrinter | None" = None) -> tuple:
    """Sort key realising Diag(φ^ℓ') V^{ℓ+1} ⋯ V^L δ^L (a^{ℓ-1})^T; ties broken by the printed form."""
    base = factor.base if factor.is_Pow else factor
    tie = printer._print(factor) if printer is not None else str(factor)
    if isinstance(base, sp.Symbol):
        role = symbol_role(base)
        if role.kind in ("w", "b"):
            return (1, role.layer, _WEIGHT, tie)
        if role.kind == "delta":
            return (1, role.layer, _DELTA, tie)
        if role.kind in ("a", "x"):
            return (2, -role.layer, 0, tie)
        if role.kind in ("y", "q", "p"):
            return (1, _LOSS_LAYER, _DELTA, tie)
        return (0, 0, 0, tie)
    if isinstance(base, (phi_prime, sp.Heaviside)):
        argument = base.args[0]
        layer = symbol_role(argument).layer if isinstance(argument, sp.Symbol) else 0
        return (1, layer, _DERIVATIVE, tie)
    if isinstance(base, (sp.log, sp.exp)):
        return (3, 0, 0, tie)  # p_j log q_j, y log a: the coefficient first
    symbols = [s for s in base.free_symbols if isinstance(s, sp.Symbol)]
    roles = [symbol_role(s) for s in symbols]
    if any(role.kind in ("y", "q", "p") for role in roles):
        return (1, _LOSS_LAYER, _DELTA, tie)
    if isinstance(base, (phi, sigmoid, relu, sp.tanh)):
        return (2, 0, 0, tie)
    layer = max((role.layer for role in roles), default=0)
    return (1, layer, _DERIVATIVE, tie)


def latex(expr: Any, *, activation_names: Mapping[int, str] | None = None, **settings: Any) -> str:
    """LaTeX of a SymPy expression (or matrix) in the lecture's notation.

    >>> import sympy as sp
    >>> from symbackprop.activations import phi_prime
    >>> latex(phi_prime(sp.Symbol("z^{2}_{1}")), activation_names={2: r"\\sigma"})
    "\\\\sigma'\\\\left(z^{2}_{1}\\\\right)"
    """
    return LecturePrinter({"activation_names": activation_names, **settings}).doprint(expr)


class _SympyLayoutPrinter(LatexPrinter):
    """SymPy's own layout, with the step printed H(z) as everywhere else (SymPy writes θ(z, 0))."""

    def _print_Heaviside(self, expr: sp.Expr, exp: str | None = None) -> str:
        body = r"H\left(%s\right)" % self._print(expr.args[0])
        return body if exp is None else r"H^{%s}\left(%s\right)" % (exp, self._print(expr.args[0]))


def sympy_latex(expr: Any) -> str:
    """SymPy's ``latex(expr)`` (its order of factors), but with H(z) for the step function.

    >>> sympy_latex(sp.Heaviside(sp.Symbol("z"), 0) * sp.Symbol("y"))
    'y H\\\\left(z\\\\right)'
    """
    return _SympyLayoutPrinter().doprint(expr)


def lecture_printer(activation_names: Mapping[int, str] | None = None, **settings: Any) -> LecturePrinter:
    """A :class:`LecturePrinter` with the document's defaults."""
    return LecturePrinter({"activation_names": activation_names, **settings})


def activation_names(net) -> dict[int, str]:  # noqa: ANN001 - an MLP
    """Layer → LaTeX name of its activation, for printing φ'(z^ℓ_i) as σ'(z^ℓ_i), tanh'(z^ℓ_i), …"""
    return {layer: net.activation(layer).latex for layer in range(1, net.depth + 1)}


# --- prose helpers --------------------------------------------------------------------------------

_TEXT_ESCAPES = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                 "~": r"\textasciitilde{}", "<": r"$<$", ">": r"$>$", "|": r"$|$", "^": r"\textasciicircum{}", "\\": r"\textbackslash{}"}
_UNICODE_MATH = {
    "ℓ": r"\ell", "φ": r"\varphi", "σ": r"\sigma", "δ": r"\delta", "γ": r"\gamma", "α": r"\alpha",
    "∇": r"\nabla", "∂": r"\partial", "Σ": r"\Sigma", "≤": r"\le", "≥": r"\ge", "≠": r"\neq",
    "−": "-", "×": r"\times", "·": r"\cdot", "→": r"\to", "∞": r"\infty", "‖": r"\|", "∈": r"\in",
    "²": "^{2}", "ŷ": r"\hat{y}", "…": r"\ldots", "⋯": r"\cdots", "₂": "_{2}",
}
_MATH_RUN = re.compile(r"[A-Za-z0-9()']*(?:[ℓφσδγα∇∂Σ≤≥≠−×·→∞‖∈²ŷ…⋯₂^_][A-Za-z0-9()'{},^_ℓφσδγα∇∂Σ≤≥≠−×·→∞‖∈²ŷ…⋯₂]*)+")


def text(value: str) -> str:
    """Plain text (e.g. a message from the proof) as ASCII LaTeX: specials escaped, math symbols in $…$.

    >>> text("exact identity in a^ℓ_i, φ'(z^ℓ_i), for every φ")
    "exact identity in $a^\\\\ell_i$, $\\\\varphi'(z^\\\\ell_i)$, for every $\\\\varphi$"
    """
    out: list[str] = []
    position = 0
    for match in _MATH_RUN.finditer(value):
        out.append(_escape(value[position:match.start()]))
        run = match.group(0).rstrip(",.")
        end = match.start() + len(run)
        out.append("$" + "".join(_UNICODE_MATH.get(ch, ch) for ch in run) + "$")
        position = end
    out.append(_escape(value[position:]))
    result = "".join(out)
    if not result.isascii():
        bad = next(ch for ch in result if not ch.isascii())
        raise NotSupportedError(f"no LaTeX spelling for {bad!r} in {value!r}")
    return result


def _escape(value: str) -> str:
    return "".join(_TEXT_ESCAPES.get(ch, _UNICODE_MATH.get(ch, " " if _is_control(ch) else ch)) for ch in value)


def _is_control(ch: str) -> bool:
    """A control character (a bell, a NUL, an escape from a pasted name): pdflatex refuses them, so text
    shows each as a space, as it shows a tab or a line break."""
    return ord(ch) < 32 or ord(ch) == 127
