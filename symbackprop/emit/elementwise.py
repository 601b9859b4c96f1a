"""Elementwise array formulas as short NumPy statements that reuse dead buffers, checked exactly.

A template such as ``D1*A1*(1 - A1)`` names whole arrays: *full* ones of shape (n, N) and *row* ones of
shape (n, 1); numbers are scalars.  :func:`lower` turns it into a few :class:`Op` — each one NumPy call,
written in place into an array whose value is no longer needed wherever the caller allows it — and
:func:`execute` runs the very same ops on SymPy values, so that the printed statements are compared
exactly with the template (:func:`lower` refuses to return ops that do not compute it).

σ has two printed forms, both exact identities (see ``stability_lemmas`` in :mod:`.numpy`):
``expit`` (relative accuracy everywhere, one call) and, above :data:`TANH_FORM_SIZE` entries,
σ(z) = (1 + tanh(z/2))/2 in place (absolute accuracy, about twice as fast on large arrays).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Iterable, Mapping

import sympy as sp

from ..activations import relu, sigmoid
from ..errors import NotSupportedError

__all__ = ["FULL", "ROW", "TANH_FORM_SIZE", "Op", "softplus", "xlogy", "lower", "lower_sum", "execute", "print_ops", "number"]

FULL, ROW, SCALAR = "full", "row", "scalar"
TANH_FORM_SIZE = 256  # entries above which σ is computed as (1 + tanh(z/2))/2 (measured crossover ≈ 300)


class softplus(sp.Function):
    """softplus(x) = log(1 + e^x), printed as ``numpy.logaddexp(0.0, x)``."""

    nargs = 1

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return sigmoid(self.args[0])

    def _eval_rewrite_as_log(self, x: sp.Expr, **kwargs: object) -> sp.Expr:
        return sp.log(1 + sp.exp(x))


class xlogy(sp.Function):
    """x · log(y) with 0 · log 0 = 0, printed as ``scipy.special.xlogy``."""

    nargs = 2

    def _eval_rewrite_as_log(self, x: sp.Expr, y: sp.Expr, **kwargs: object) -> sp.Expr:
        return x * sp.log(y)


@dataclass(frozen=True)
class Op:
    """``out = kind(*args)``: into a new array, or (``inplace``) into the array ``out`` already names."""

    kind: str
    out: str
    args: tuple[object, ...]  # array names (str) or SymPy numbers
    inplace: bool


_SEMANTICS: dict[str, Callable[..., sp.Expr]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "neg": lambda a: -a,
    "square": lambda a: a**2,
    "power": lambda a, k: a**k,
    "reciprocal": lambda a: 1 / a,
    "sigmoid": sigmoid,  # the fast form above TANH_FORM_SIZE entries
    "expit": sigmoid,  # always scipy's expit (relative accuracy)
    "tanh": sp.tanh,
    "exp": sp.exp,
    "log": sp.log,
    "relu": relu,
    "heaviside": lambda a: sp.Heaviside(a, 0),  # H(0) = 0: the code below computes numpy.heaviside(·, 0.0)
    "softplus": softplus,
    "xlogy": xlogy,
}
_OPERATORS = {"add": "+", "sub": "-", "mul": "*", "div": "/"}
_UFUNCS = {"add": "add", "sub": "subtract", "mul": "multiply", "div": "divide"}
_CALLS = {
    "tanh": "numpy.tanh({})",
    "exp": "numpy.exp({})",
    "log": "numpy.log({})",
    "relu": "numpy.maximum({}, 0.0)",
    "heaviside": "numpy.heaviside({}, 0.0)",  # ReLU'(0) = H(0) = 0, the project's convention (as in PyTorch)
    "softplus": "numpy.logaddexp(0.0, {})",
    "expit": "expit({})",
    "reciprocal": "numpy.reciprocal({})",
    "xlogy": "xlogy({}, {})",
}


def number(value: sp.Expr) -> str:
    """A SymPy number as Python source: a float literal when it is exact in binary, else ``(p/q)``."""
    fraction = Fraction(int(value.p), int(value.q)) if isinstance(value, sp.Rational) else None
    if fraction is None:
        return repr(float(value))
    if fraction.denominator & (fraction.denominator - 1) == 0:  # a power of two: the literal is exact
        return repr(float(fraction))
    return f"({fraction.numerator}/{fraction.denominator})"


def _operand(value: object) -> str:
    return value if isinstance(value, str) else number(value)  # type: ignore[arg-type]


def print_ops(ops: Iterable[Op], indent: str = "    ") -> list[str]:
    """The ops as Python statements (the form that is fastest in CPython for each case)."""
    lines: list[str] = []
    for op in ops:
        out, args = op.out, [_operand(a) for a in op.args]
        kind = op.kind
        if kind in _OPERATORS:
            a, b = args
            symbol = _OPERATORS[kind]
            if not op.inplace:
                lines.append(f"{out} = {a} {symbol} {b}")
            elif a == out and kind == "mul" and b == "2.0":  # 2x = x + x exactly; no scalar to convert (0.2 µs a call)
                lines.append(f"{out} += {out}")
            elif a == out:
                lines.append(f"{out} {symbol}= {b}")
            elif kind in ("add", "mul"):
                lines.append(f"{out} {symbol}= {a}")
            else:
                lines.append(f"numpy.{_UFUNCS[kind]}({a}, {out}, {out})")
        elif kind == "neg":
            lines.append(f"numpy.negative({out}, {out})" if op.inplace else f"{out} = -{args[0]}")
        elif kind == "square":
            lines.append(f"{out} *= {out}" if op.inplace else f"{out} = {args[0]} * {args[0]}")
        elif kind == "power":
            lines.append(f"numpy.power({out}, {args[1]}, {out})" if op.inplace else f"{out} = numpy.power({args[0]}, {args[1]})")
        elif kind == "sigmoid":
            source = out if op.inplace else args[0]
            first = f"{out} *= 0.5" if op.inplace else f"{out} = {source} * 0.5"
            lines += [
                f"if {source}.size > {TANH_FORM_SIZE}:  # σ(z) = (1 + tanh(z/2))/2: faster on large arrays",
                f"    {first}",
                f"    numpy.tanh({out}, {out})",
                f"    {out} *= 0.5",
                f"    {out} += 0.5",
                "else:",
                f"    {out} = expit({source})",
            ]
        else:
            call = _CALLS[kind].format(*args)
            if op.inplace and kind == "relu":  # NumPy deprecates a positional output for maximum
                lines.append(f"{call[:-1]}, out={out})")
            elif op.inplace:  # the output array as the ufunc's last positional argument (parsed faster than out=)
                lines.append(f"{call[:-1]}, {out})")
            else:
                lines.append(f"{out} = {call}")
    return [indent + line for line in lines]


def execute(ops: Iterable[Op], names: Iterable[str]) -> dict[str, sp.Expr]:
    """Run the ops on SymPy values: every name starts as its own symbol; an op rebinds its ``out``."""
    store: dict[str, sp.Expr] = {name: sp.Symbol(name) for name in names}
    for op in ops:
        values = [store[a] if isinstance(a, str) else a for a in op.args]
        if op.inplace and op.out not in store:
            raise NotSupportedError(f"in-place write into {op.out}, which holds nothing yet (please report)")
        store[op.out] = _SEMANTICS[op.kind](*values)
    return store


# --- lowering ------------------------------------------------------------------------------------------
@dataclass
class _Value:
    ref: object  # a name or a SymPy number
    kind: str
    owned: bool  # may be overwritten


class _Lowering:
    def __init__(self, kinds: Mapping[str, str], writable: Iterable[str], temp: str, accurate_sigmoid: bool) -> None:
        self.kinds = dict(kinds)
        self.writable = set(writable)
        self.temp_prefix = temp
        self.accurate_sigmoid = accurate_sigmoid
        self.ops: list[Op] = []
        self.counter = 0
        self.uses: Counter[str] = Counter(())

    def fresh(self, kind: str) -> str:
        self.counter += 1
        name = f"{self.temp_prefix}{self.counter}"
        self.kinds[name] = kind
        return name

    def emit(self, kind: str, out: str, args: tuple[object, ...], inplace: bool) -> None:
        self.ops.append(Op(kind, out, args, inplace))

    # --- values ---
    def value(self, expr: sp.Expr) -> _Value:
        if expr.is_Number:
            return _Value(expr, SCALAR, False)
        if expr.is_Symbol:
            name = expr.name
            if name not in self.kinds:
                raise NotSupportedError(f"the array {name} has no known shape (please report)")
            return _Value(name, self.kinds[name], name in self.writable and self.uses[name] == 1)
        if expr.is_Add:
            return self.add(expr)
        if expr.is_Mul:
            return self.mul(expr)
        if expr.is_Pow:
            return self.power(expr)
        return self.function(expr)

    def into(self, kind: str, args: tuple[_Value, ...], op: str, *, prefer: _Value | None = None) -> _Value:
        """Apply ``op`` to ``args``, in place into ``prefer`` (or an owned argument) when its shape allows."""
        result_kind = _broadcast(*(a.kind for a in args))
        target = prefer if prefer is not None and prefer.owned and prefer.kind == result_kind else None
        if target is not None:
            self.emit(op, target.ref, tuple(a.ref for a in args), True)  # type: ignore[arg-type]
            return target
        name = self.fresh(result_kind)
        self.emit(op, name, tuple(a.ref for a in args), False)
        return _Value(name, result_kind, True)

    def function(self, expr: sp.Expr) -> _Value:
        kind = {
            sigmoid: "expit" if self.accurate_sigmoid else "sigmoid",
            sp.tanh: "tanh",
            sp.exp: "exp",
            sp.log: "log",
            relu: "relu",
            sp.Heaviside: "heaviside",
            softplus: "softplus",
            xlogy: "xlogy",
        }.get(type(expr))
        if kind is None:
            raise NotSupportedError(f"no NumPy form for {type(expr).__name__} (please report)")
        if kind == "heaviside" and (len(expr.args) < 2 or expr.args[1] != 0):
            raise NotSupportedError(f"{expr}: the compiled code takes H(0) = 0 (ReLU'(0) = 0); write Heaviside(z, 0)")
        arguments = expr.args[:1] if kind == "heaviside" else expr.args
        values = tuple(self.value(argument) for argument in arguments)
        if kind == "xlogy":
            return self.into(_broadcast(*(v.kind for v in values)), values, kind, prefer=next((v for v in values if v.owned), None))
        return self.into(values[0].kind, values, kind, prefer=values[0])

    def power(self, expr: sp.Expr) -> _Value:
        base, exponent = expr.args
        value = self.value(base)
        if exponent == 2:
            return self.into(value.kind, (value,), "square", prefer=value)
        if exponent == -1:
            return self.into(value.kind, (value,), "reciprocal", prefer=value)
        if exponent.is_Integer:
            return self.into(value.kind, (value, _Value(exponent, SCALAR, False)), "power", prefer=value)
        raise NotSupportedError(f"no NumPy form for the power {expr} (please report)")

    def mul(self, expr: sp.Expr) -> _Value:
        coefficient, factors = expr.as_coeff_mul()
        numerators = [f for f in factors if not (f.is_Pow and f.exp.is_Integer and f.exp < 0)]
        denominators = [f.base ** (-f.exp) for f in factors if f.is_Pow and f.exp.is_Integer and f.exp < 0]
        top = [self.value(f) for f in numerators]
        bottom = [self.value(f) for f in denominators]
        kind = _broadcast(*(v.kind for v in top + bottom))
        accumulator = next((v for v in top if v.owned and v.kind == kind), None)
        if accumulator is not None:
            top.remove(accumulator)
        elif top:
            first = next((v for v in top if v.kind == kind), top[0])
            top.remove(first)
            if top:
                second = top.pop(0)
                accumulator = self.into(kind, (first, second), "mul")
            elif bottom:
                accumulator = self.into(kind, (first, bottom.pop(0)), "div")
            elif coefficient != 1:
                number_value = _Value(coefficient, SCALAR, False)
                coefficient = sp.Integer(1)
                accumulator = self.into(kind, (first, number_value), "mul")
            else:
                accumulator = first
        else:
            accumulator = self.into(kind, (_Value(coefficient, SCALAR, False), bottom.pop(0)), "div")
            coefficient = sp.Integer(1)
        for value in top:
            accumulator = self.into(kind, (accumulator, value), "mul", prefer=accumulator)
        for value in bottom:
            accumulator = self.into(kind, (accumulator, value), "div", prefer=accumulator)
        if coefficient == -1:
            accumulator = self.into(kind, (accumulator,), "neg", prefer=accumulator)
        elif coefficient != 1:
            accumulator = self.into(kind, (accumulator, _Value(coefficient, SCALAR, False)), "mul", prefer=accumulator)
        return accumulator

    def add(self, expr: sp.Expr) -> _Value:
        constant = sp.Integer(0)
        positive: list[sp.Expr] = []
        negative: list[sp.Expr] = []
        for term in expr.args:
            if term.is_Number:
                constant += term
            elif term.as_coeff_Mul()[0] < 0:
                negative.append(-term)
            else:
                positive.append(term)
        plus = [self.value(t) for t in positive]
        minus = [self.value(t) for t in negative]
        kind = _broadcast(*(v.kind for v in plus + minus))
        accumulator = next((v for v in plus if v.owned and v.kind == kind), None)
        if accumulator is not None:
            plus.remove(accumulator)
        else:
            owned_minus = next((v for v in minus if v.owned and v.kind == kind), None)
            if owned_minus is not None:  # accumulate into a term that is subtracted: t = p − t
                minus.remove(owned_minus)
                if plus:
                    accumulator = self.into(kind, (plus.pop(0), owned_minus), "sub", prefer=owned_minus)
                elif constant != 0:
                    accumulator = self.into(kind, (_Value(constant, SCALAR, False), owned_minus), "sub", prefer=owned_minus)
                    constant = sp.Integer(0)
                else:
                    accumulator = self.into(kind, (owned_minus,), "neg", prefer=owned_minus)
            else:
                full_plus = [v for v in plus if v.kind == kind]
                if full_plus or (plus and not minus):
                    first = (full_plus or plus)[0]
                    plus.remove(first)
                    if plus:
                        accumulator = self.into(kind, (first, plus.pop(0)), "add")
                    elif minus:
                        accumulator = self.into(kind, (first, minus.pop(0)), "sub")
                    else:
                        accumulator = self.into(kind, (first, _Value(constant, SCALAR, False)), "add")
                        constant = sp.Integer(0)
                else:
                    first = next(v for v in minus if v.kind == kind)
                    minus.remove(first)
                    if plus:
                        accumulator = self.into(kind, (plus.pop(0), first), "sub")
                    elif constant != 0:
                        accumulator = self.into(kind, (_Value(constant, SCALAR, False), first), "sub")
                        constant = sp.Integer(0)
                    else:
                        accumulator = self.into(kind, (first,), "neg")
        for value in plus:
            accumulator = self.into(kind, (accumulator, value), "add", prefer=accumulator)
        for value in minus:
            accumulator = self.into(kind, (accumulator, value), "sub", prefer=accumulator)
        if constant != 0:
            accumulator = self.into(kind, (accumulator, _Value(constant, SCALAR, False)), "add", prefer=accumulator)
        return accumulator


def _broadcast(*kinds: str) -> str:
    return FULL if FULL in kinds else ROW if ROW in kinds else SCALAR


def lower(
    template: sp.Expr,
    kinds: Mapping[str, str],
    *,
    writable: Iterable[str] = (),
    temp: str = "T",
    accurate_sigmoid: bool = False,
) -> tuple[list[Op], str | sp.Expr]:
    """NumPy ops computing ``template`` and the name (or number) that holds the result.

    ``kinds`` gives every array's shape (:data:`FULL` or :data:`ROW`); names in ``writable`` may be
    overwritten (the caller knows they are dead afterwards).  The ops are executed symbolically and must
    give ``template`` exactly, with every array that is not writable left untouched.
    """
    allowed = set(writable)
    lowering = _Lowering(kinds, allowed, temp, accurate_sigmoid)
    lowering.uses = Counter(symbol.name for symbol in sp.preorder_traversal(template) if isinstance(symbol, sp.Symbol))
    result = lowering.value(sp.sympify(template))
    ops = lowering.ops
    store = execute(ops, kinds)
    computed = store[result.ref] if isinstance(result.ref, str) else result.ref
    if computed != template and sp.expand(computed - template) != 0:
        raise NotSupportedError(f"the NumPy statements for {template} compute {computed} (please report)")
    touched = [name for name in kinds if name not in allowed and store[name] != sp.Symbol(name)]
    if touched:
        raise NotSupportedError(f"the NumPy statements for {template} overwrite {', '.join(touched)} (please report)")
    return ops, result.ref  # type: ignore[return-value]


def _product_of_two(expression: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr] | None:
    """(c, u, v) with expression = c·u·v (u = v for a square), or None."""
    if expression.is_Pow and expression.exp == 2:
        return sp.Integer(1), expression.base, expression.base
    coefficient, factors = expression.as_coeff_mul()
    if len(factors) == 2:
        return coefficient, factors[0], factors[1]
    return None


def lower_sum(
    template: sp.Expr, kinds: Mapping[str, str], *, writable: Iterable[str] = (), temp: str = "T"
) -> tuple[list[Op], str]:
    """Ops and a Python expression for Σ (over every entry) of ``template``.

    A square u² becomes ``numpy.vdot(u, u)`` and a product c·u·v of two full arrays ``c * numpy.vdot(u, v)``
    (one BLAS call, no temporary); anything else ``numpy.add.reduce(t, None)``.  Checked like :func:`lower`:
    the summed entries, executed symbolically, equal ``template`` exactly.
    """
    template = sp.sympify(template)
    allowed = set(writable)
    uses = Counter(symbol.name for symbol in sp.preorder_traversal(template) if isinstance(symbol, sp.Symbol))
    for form in (template, sp.factor(template)):
        lowering = _Lowering(kinds, writable, temp, accurate_sigmoid=False)
        lowering.uses = uses
        pair = _product_of_two(form)
        if pair is None:
            continue
        scale, first, second = pair
        value = lowering.value(first)
        values = (value, value if second == first else lowering.value(second))
        if all(v.kind == FULL and isinstance(v.ref, str) for v in values):
            break
    else:
        values = None
    if values is not None:
        store = execute(lowering.ops, kinds)
        computed = scale * store[values[0].ref] * store[values[1].ref]  # type: ignore[index]
        code = f"numpy.vdot({values[0].ref}, {values[1].ref})"
        if scale == -1:
            code = f"-{code}"
        elif scale != 1:
            code = f"{number(scale)} * {code}"
    else:
        lowering = _Lowering(kinds, writable, temp, accurate_sigmoid=False)
        lowering.uses = Counter(symbol.name for symbol in sp.preorder_traversal(template) if isinstance(symbol, sp.Symbol))
        value = lowering.value(template)
        store = execute(lowering.ops, kinds)
        computed = store[value.ref] if isinstance(value.ref, str) else value.ref
        code = f"numpy.add.reduce({_operand(value.ref)}, None)"
    if computed != template and sp.expand(computed - template) != 0:
        raise NotSupportedError(f"the NumPy statements for Σ {template} sum {computed} (please report)")
    touched = [name for name in kinds if name not in allowed and store[name] != sp.Symbol(name)]
    if touched:
        raise NotSupportedError(f"the NumPy statements for Σ {template} overwrite {', '.join(touched)} (please report)")
    return lowering.ops, code
