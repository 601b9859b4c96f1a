"""Batch-vectorised NumPy code generated from the proven layer formulas (loaded by :func:`symbackprop.compile`).

The generated source is printed, statement by statement, from the symbolic objects of the derivation:

- the forward pass from ``net.z_definition(ℓ)`` (z^ℓ = W^ℓ a^{ℓ-1} + b^ℓ) and the activation φ of each layer;
- Diag(φ^ℓ') from ``net.phi_prime(ℓ)`` (σ' = a(1 − a), tanh' = 1 − a², ReLU' = H(z), id' = 1);
- δ^L = ∂e/∂a^L from :func:`~symbackprop.derive.backprop.output_delta`;
- the recursion of ``backprop_steps(net)``: δ^ℓ = V^{ℓ+1} δ^{ℓ+1} = (W^{ℓ+1})^T Diag(φ^{ℓ+1}') δ^{ℓ+1},
  ∇_{W^ℓ} e = Diag(φ^ℓ') δ^ℓ (a^{ℓ-1})^T and ∇_{b^ℓ} e = Diag(φ^ℓ') δ^ℓ, summed over the batch;
- the loss e from ``net.e_explicit``.

**One program per layer template.**  The code does not depend on the widths: a row of ``Z1 = X @ W1.T``
is z^1 = W^1 x for every N_0 and N_1.  So the program is built and checked once on the *layer template*
of the network — the same depth, activations, output, loss and biases, with every width N_ℓ ≥ 2 taken
as 2 — and reused for every network of that template (``[784, 128, 10]`` compiles from ``[2, 2, 2]``).
Every entry-wise formula of a layer is the same formula in its own indices (``_elementwise`` checks that
each neuron's entry is the template with its symbols renamed, and that no entry mixes neurons), and
width 2 is the smallest at which "another neuron" exists, so the checks on the template cover every width.

Each statement is checked *exactly* when it is generated (``model.verified`` lists the identities): the
elementwise formulas against the entry-wise ones, the matrix statements against the recursion's entries,
and the printed NumPy statements — which work in place in arrays that are no longer needed — are run on
SymPy symbols (:mod:`.elementwise`) and must give their formula exactly, leaving every other array as it was.

Rows are samples: X is (n, N_0), A^ℓ is (n, N_ℓ); a row of ``G @ W`` is (W^T g)^T, i.e. the lecture's
column-vector formulas transposed.  Products are ``numpy.dot`` (the fastest call for small arrays); bias
gradients are summed over rows as ``numpy.dot(ONES, G)``; results go straight into the output arrays.

Numerically safe forms (each a proven identity, see :func:`stability_lemmas`): σ via ``scipy.special.expit``
or, above a few hundred entries, (1 + tanh(z/2))/2; softmax with the row maximum subtracted; cross-entropy
through log Σ exp computed the same way; the logistic loss as softplus(−y z) = ``numpy.logaddexp(0, −y z)``
and its output error Diag(σ') δ^L = a − (1+y)/2 as −y σ(−y z), which does not cancel (y = ±1, checked by
the model); KL's y log y through ``xlogy`` (0 · log 0 = 0); and where δ^L divides by the output the product
Diag(φ^L') δ^L is cancelled symbolically first.  Underflow to 0 is harmless and is not reported; overflow,
invalid and divide-by-zero do not occur for pre-activations up to |z| = 1000.

Quantities of the targets alone (Σ_j y_j for softmax, Σ y log y for KL) are computed by ``prepare(Y)``, once
per data set, not in every call.  ReLU'(0) is taken as 0 (``numpy.heaviside(z, 0.0)``), the project's
convention (as in PyTorch).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping, Sequence

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from ..activations import sigmoid
from ..derive import BackpropSteps, backprop_steps
from ..errors import NotSupportedError
from ..losses import log_sum_exp, softmax
from ..network import MLP
from ..spec import NetworkSpec
from .elementwise import FULL, ROW, Op, lower, lower_sum, print_ops, softplus, xlogy

__all__ = [
    "generate_source",
    "template_network",
    "softplus",
    "xlogy",
    "StableNumPyPrinter",
    "stability_lemmas",
]

SCALAR = "scalar"


class StableNumPyPrinter(NumPyPrinter):
    """SymPy's NumPy printer with the functions the layer formulas need (used for the formulas in ``verified``).

    >>> z = sp.Symbol("Z2")
    >>> StableNumPyPrinter().doprint(sigmoid(z) * (1 - sp.Heaviside(z)))
    '(1 - numpy.heaviside(Z2, 0.0))*expit(Z2)'
    """

    def __init__(self, settings: dict | None = None) -> None:
        super().__init__({"fully_qualified_modules": True, **(settings or {})})

    def _print_sigmoid(self, expr: sp.Expr) -> str:
        return f"expit({self._print(expr.args[0])})"

    def _print_relu(self, expr: sp.Expr) -> str:
        return f"numpy.maximum({self._print(expr.args[0])}, 0.0)"

    def _print_Heaviside(self, expr: sp.Expr) -> str:
        # ReLU'(0) = H(0) = 0, the project's convention (as in PyTorch)
        return f"numpy.heaviside({self._print(expr.args[0])}, 0.0)"

    def _print_softplus(self, expr: sp.Expr) -> str:
        return f"numpy.logaddexp(0.0, {self._print(expr.args[0])})"

    def _print_xlogy(self, expr: sp.Expr) -> str:
        return f"xlogy({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_ElementwiseApplyFunction(self, expr: sp.Expr) -> str:
        # The stock printer emits "Lambda(t, …).(Z)", which is not Python; NumPy functions are elementwise,
        # so apply the function's body to the printed array.
        function = expr.function
        variable = function.variables[0] if isinstance(function, sp.Lambda) else sp.Dummy("t")
        body = function.expr if isinstance(function, sp.Lambda) else function(variable)
        placeholder = sp.Symbol(f"({self._print(expr.expr)})")
        return self._print(body.xreplace({variable: placeholder}))

    def _print_HadamardProduct(self, expr: sp.Expr) -> str:
        return "*".join(f"({self._print(arg)})" for arg in expr.args)


def stability_lemmas() -> dict[str, bool]:
    """The identities behind the stable forms, each decided exactly by SymPy.

    >>> all(stability_lemmas().values())
    True
    """
    z, y = sp.Symbol("z", real=True), sp.Symbol("y", positive=True)
    a = 1 / (1 + sp.exp(-z))
    exp_soft = lambda x: 1 + sp.exp(x)  # noqa: E731 - exp(softplus(x))
    shift = sp.Symbol("m", real=True)
    u = sp.symbols("u1:4", real=True)
    lse = sp.log(sum(sp.exp(v) for v in u))
    lse_shifted = shift + sp.log(sum(sp.exp(v - shift) for v in u))
    return {
        # log is injective on (0, ∞), so equal arguments prove equal logarithms
        "log σ(z) = −softplus(−z)": sp.simplify(1 / a - exp_soft(-z)) == 0,
        "log(1 − σ(z)) = −softplus(z)": sp.simplify(1 / (1 - a) - exp_soft(z)) == 0,
        "σ(z) = expit(z) = 1/(1 + e^{−z})": sp.simplify(sigmoid(z).rewrite(sp.exp) - a) == 0,
        "σ(z) = (1 + tanh(z/2))/2": sp.simplify((1 + sp.tanh(z / 2).rewrite(sp.exp)) / 2 - a) == 0,
        "log Σ_r e^{u_r} = m + log Σ_r e^{u_r − m}": sp.simplify(sp.exp(lse) - sp.exp(lse_shifted)) == 0,
        "softmax(u) = softmax(u − m)": all(
            sp.simplify(sp.exp(v) / sum(sp.exp(t) for t in u) - sp.exp(v - shift) / sum(sp.exp(t - shift) for t in u)) == 0
            for v in u
        ),
        "y log y = xlogy(y, y) for y > 0": sp.simplify(xlogy(y, y).rewrite(sp.log) - y * sp.log(y)) == 0,
        "Diag(σ') δ^L = a − (1+y)/2 for the logistic loss": _logistic_cancellation_holds(),
        "a − (1+y)/2 = −y σ(−y z) for y = ±1 (no cancellation)": all(
            sp.simplify((a - (1 + label) / 2 + label * sigmoid(-label * z)).rewrite(sp.exp)) == 0 for label in (1, -1)
        ),
    }


def _logistic_cancellation_holds() -> bool:
    a, y = sp.symbols("a y")
    delta = -(1 + y) / (2 * a) + (1 - y) / (2 * (1 - a))
    return sp.cancel(delta * a * (1 - a) - (a - (1 + y) / 2)) == 0


_NARROW_ROWS = 64  # below this width (and above this many rows) a row maximum is taken down a transposed copy


def _row_sums(array: str) -> str:
    """Σ over each row as one BLAS product with a column of ones, shape (n, 1): 2–4× faster than
    ``numpy.add.reduce(…, axis=1)`` on short rows (the sum of a row of the softmax output, or of the targets)."""
    return f"numpy.dot({array}, numpy.ones(({array}.shape[1], 1)))"


# --- from entry-wise formulas to array templates ----------------------------------------------------------
Families = Mapping[sp.Symbol, Sequence[sp.Symbol]]


def _elementwise(entries: Sequence[sp.Expr], families: Families, what: str, reductions: Mapping | None = None) -> sp.Expr:
    """The one template T with entries[j] = T(family_j): each family's j-th symbol replaced by its array symbol.

    The substitution is a renaming (plus naming whole reductions such as Σ_r y_r), so T being identical for
    every j proves that the array expression computes every entry exactly.
    """
    reductions = reductions or {}
    per_neuron = set().union(*[set(symbols) for symbols in families.values()])
    template: sp.Expr | None = None
    for j, entry in enumerate(entries):
        renamed = sp.sympify(entry).xreplace(dict(reductions)).xreplace({symbols[j]: array for array, symbols in families.items()})
        stray = renamed.free_symbols & per_neuron
        if stray:
            raise NotSupportedError(f"{what}: entry {j + 1} mixes neurons ({', '.join(sorted(map(str, stray)))})")
        if template is None:
            template = renamed
        elif renamed != template and sp.expand(renamed - template) != 0:
            raise NotSupportedError(f"{what}: entry {j + 1} does not follow the pattern of entry 1")
    assert template is not None
    return template


def _neuron_sum(expression: sp.Expr, families: Families, what: str, reductions: Mapping) -> tuple[sp.Expr, sp.Expr]:
    """Split e = Σ_j t_j + c into one array template T (t_j = T(family_j)) and the constant c."""
    size = len(next(iter(families.values())))
    expression = sp.expand(
        sp.sympify(expression).xreplace(dict(reductions)), mul=True, multinomial=False, power_exp=False, power_base=False, log=False
    )
    groups: list[list[sp.Expr]] = [[] for _ in range(size)]
    constant: list[sp.Expr] = []
    for term in sp.Add.make_args(expression):
        indices = {j for j in range(size) if any(symbols[j] in term.free_symbols for symbols in families.values())}
        if len(indices) > 1:
            raise NotSupportedError(f"{what}: the term {term} mixes neurons")
        (groups[indices.pop()] if indices else constant).append(term)
    template = _elementwise([sp.Add(*group) for group in groups], families, what)
    return template, sp.Add(*constant)


def _fewest_operations(expression: sp.Expr) -> sp.Expr:
    """The cheapest of a few equal forms (each is an exact rewrite of the template)."""
    functions = sorted(expression.atoms(sp.Function), key=sp.default_sort_key)
    candidates = [expression, sp.factor(expression), sp.collect(sp.expand(expression), functions)]
    return min(candidates, key=lambda e: (sp.count_ops(e), len(str(e))))


def _common_factor(loss: sp.Expr, error: sp.Expr) -> sp.Expr | None:
    """A sum r with loss = r² and error = c·r (c a number), r written with a positive first array: else None."""
    if not (loss.is_Pow and loss.exp == 2 and loss.base.is_Add):
        return None
    for r in (loss.base, -loss.base):
        ratio = sp.cancel(error / r)
        if ratio.is_Number and ratio > 0:
            return r
    return None


def _in_terms_of(expression: sp.Expr, r: sp.Expr, symbol: sp.Symbol) -> sp.Expr:
    """``expression`` written with ``symbol`` = r, when it is r², c·r or a number times them (checked exactly)."""
    for form in (symbol**2, symbol):
        ratio = sp.cancel(expression / form.xreplace({symbol: r}))
        if ratio.is_Number:
            rewritten = ratio * form
            assert sp.expand(rewritten.xreplace({symbol: r}) - expression) == 0
            return rewritten
    return expression


def _same(left: sp.Expr, right: sp.Expr) -> bool:
    difference = sp.expand(left - right)
    return difference == 0 or sp.cancel(sp.together(difference)) == 0


def _names_in(expression: sp.Expr) -> frozenset[str]:
    return frozenset(symbol.name for symbol in expression.free_symbols)


# --- the layer program -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Statement:
    """One step of the program: a fixed statement (``code``) or an elementwise formula (``template``)."""

    target: str  # the name it binds ("" when it only fills an out= argument)
    uses: frozenset[str]
    comment: str
    kind: str = FULL  # the shape of the target: FULL (n, N), ROW (n, 1) or SCALAR
    code: tuple[str, ...] = ()
    template: sp.Expr | None = None
    total: bool = False  # target = Σ of the template over every entry (+ ``plus``)
    plus: str = ""  # Python added to a total (constants of the data, n · c)
    accurate_sigmoid: bool = False
    writes: str = ""  # the out= argument it fills


@dataclass
class _Program:
    statements: list[_Statement] = field(default_factory=list)
    verified: list[str] = field(default_factory=list)
    data_names: list[str] = field(default_factory=list)  # what prepare(Y) returns


class _ProgramBuilder:
    """Build the statements of one network, checking each against the proven entry-wise formula."""

    def __init__(self, net: MLP) -> None:
        self.net = net
        self.printer = StableNumPyPrinter()
        self.program = _Program()
        self.steps: BackpropSteps = backprop_steps(net)

    @property
    def statements(self) -> list[_Statement]:
        return self.program.statements

    def add(self, statement: _Statement) -> None:
        self.program.statements.append(statement)

    def code(self, target: str, lines: Sequence[str], uses: Sequence[str], comment: str, *, kind: str = FULL, writes: str = "") -> None:
        self.add(_Statement(target, frozenset(uses), comment, kind, code=tuple(lines), writes=writes))

    def formula(self, target: str, template: sp.Expr, comment: str, *, kind: str = FULL, accurate_sigmoid: bool = False) -> None:
        self.add(_Statement(target, _names_in(template), comment, kind, template=sp.sympify(template), accurate_sigmoid=accurate_sigmoid))

    def check(self, holds: bool, statement: str) -> None:
        if not holds:
            raise NotSupportedError(f"generated code does not match the proven formula: {statement} (please report)")
        self.program.verified.append(statement)

    # --- forward pass -----------------------------------------------------------------------------------
    def forward(self) -> None:
        net = self.net
        definitions = net.definitions
        for layer in range(1, net.depth + 1):
            W = net.W(layer)
            previous = "X" if layer == 1 else f"A{layer - 1}"
            bias = f" + b^{layer}" if net.has_bias else ""
            lines = [f"Z{layer} = numpy.dot({previous}, W{layer}.T)"] + ([f"Z{layer} += b{layer}"] if net.has_bias else [])
            column = W * net.a(layer - 1) + (net.b(layer) if net.has_bias else sp.zeros(W.rows, 1))
            self.check(column == net.z_definition(layer), f"z^{layer} = W^{layer} a^{layer - 1}{bias}: row form {'; '.join(lines)}")
            uses = [previous, f"W{layer}"] + ([f"b{layer}"] if net.has_bias else [])
            self.code(f"Z{layer}", lines, uses, f"z^{layer} = W^{layer} a^{layer - 1}{bias}")
            activation = net.activation(layer)
            entries = [definitions[a] for a in net.a(layer)]
            template = _elementwise(entries, {sp.Symbol(f"Z{layer}"): list(net.z(layer))}, f"a^{layer} = φ(z^{layer})")
            self.check(True, f"a^{layer} = {activation.name}(z^{layer}) elementwise: {self.printer.doprint(template)}")
            self.formula(f"A{layer}", template, f"a^{layer} = {activation.name}(z^{layer})")
        if net.softmax:
            self.softmax()

    def softmax(self) -> None:
        """q = softmax(a^L) and log Σ_r exp(a^L_r), with the row maximum m subtracted (checked on the template's entries)."""
        net, L = self.net, self.net.depth
        last = f"A{L}"
        # NumPy reduces short rows slowly (14 µs for 256 rows of 10, against 5 µs down the columns of a transposed copy)
        row_max = [
            f"if {last}.shape[1] < {_NARROW_ROWS} < {last}.shape[0]:  # many short rows: reduce down the columns of a copy",
            f"    M = numpy.maximum.reduce({last}.T.copy(), axis=0).reshape(-1, 1)",
            "else:",
            f"    M = numpy.maximum.reduce({last}, axis=1, keepdims=True)",
        ]
        self.code("M", row_max, [last], "m = max_r a^L_r, subtracted for stability", kind=ROW)
        self.formula("EXPS", sp.exp(sp.Symbol(last) - sp.Symbol("M")), "exp(a^L_j − m) ≤ 1")
        self.code("SUMS", [f"SUMS = {_row_sums('EXPS')}"], ["EXPS"], "Σ_r exp(a^L_r − m) ≥ 1", kind=ROW)
        self.formula("Q", sp.Symbol("EXPS") / sp.Symbol("SUMS"), "q_j = exp(a^L_j) / Σ_r exp(a^L_r) (L18)")
        self.formula("LSE", sp.Symbol("M") + sp.log(sp.Symbol("SUMS")), "log Σ_r exp(a^L_r)", kind=ROW)
        a = list(net.a(L))
        m = sp.Symbol("m", real=True)
        exps = [sp.exp(entry - m) for entry in a]
        total = sp.Add(*exps)
        self.check(
            all(sp.simplify(e / total - q) == 0 for e, q in zip(exps, softmax(a))),
            "q_j = EXPS / SUMS with EXPS = exp(a^L_j − m), SUMS = Σ_r exp(a^L_r − m), for any m (softmax(u) = softmax(u − m))",
        )
        self.check(
            sp.simplify(sp.exp(m + sp.log(total)) - sp.exp(log_sum_exp(a))) == 0,
            "LSE = m + log SUMS = log Σ_r exp(a^L_r) for any m",
        )

    # --- the loss ---------------------------------------------------------------------------------------
    def output_families(self) -> dict[sp.Symbol, Sequence[sp.Symbol]]:
        net, L = self.net, self.net.depth
        families: dict[sp.Symbol, Sequence[sp.Symbol]] = {
            sp.Symbol(f"A{L}"): list(net.a(L)),
            sp.Symbol(f"Z{L}"): list(net.z(L)),
            sp.Symbol("Y"): list(net.y),
        }
        if net.softmax:
            families[sp.Symbol("Q")] = list(net.q)
        return families

    def loss_reductions(self) -> dict[sp.Expr, sp.Expr]:
        """Sub-expressions replaced by their stable array forms (each a lemma of :func:`stability_lemmas`)."""
        net, L = self.net, self.net.depth
        reductions: dict[sp.Expr, sp.Expr] = {}
        if net.softmax:
            reductions[log_sum_exp(list(net.a(L)))] = sp.Symbol("LSE")
        for y in net.y:
            reductions[y * sp.log(y)] = xlogy(y, y)
        if net.activation(L).name == "sigmoid":
            for a, z in zip(net.a(L), net.z(L)):
                reductions[sp.log(a)] = -softplus(-z)
                reductions[sp.log(1 - a)] = -softplus(z)
        return reductions

    def loss_template(self) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
        """e = Σ_j (T(arrays) + D(Y)) + c: the template T, the part D of the targets alone, and the constant c."""
        net = self.net
        reductions = self.loss_reductions()
        families = self.output_families()
        template, constant = _neuron_sum(net.e_explicit, families, "the loss e", reductions)
        rebuilt = sum(
            (template.xreplace({array: symbols[j] for array, symbols in families.items()}) for j in range(net.sizes[-1])),
            sp.Integer(0),
        ) + constant
        self.check(
            _same(rebuilt, sp.expand(net.e_explicit.xreplace(reductions), mul=True, multinomial=False, power_exp=False, power_base=False, log=False)),
            f"e = Σ_j {self.printer.doprint(template)} (stable form; lemmas in stability_lemmas())",
        )
        if net.loss.name == "logistic":
            template = self.logistic_loss(template)
        terms = sp.Add.make_args(template)
        data = sp.Add(*[t for t in terms if _names_in(t) <= {"Y"}])
        rest = sp.Add(*[t for t in terms if not _names_in(t) <= {"Y"}])
        return _fewest_operations(rest), data, constant

    def logistic_loss(self, template: sp.Expr) -> sp.Expr:
        """e = softplus(−y z) for y = ±1 (one logaddexp instead of two), checked for both labels."""
        L = self.net.depth
        Y, Z = sp.Symbol("Y"), sp.Symbol(f"Z{L}")
        stable = softplus(-Y * Z)
        self.check(
            all(_same(template.xreplace({Y: label}), stable.xreplace({Y: label})) for label in (1, -1)),
            f"e = {self.printer.doprint(stable)} for y ∈ {{+1, −1}} (the model checks the labels)",
        )
        return stable

    # --- backward pass ----------------------------------------------------------------------------------
    def phi_prime_template(self, layer: int) -> sp.Expr:
        net = self.net
        Z, A = sp.Symbol(f"Z{layer}"), sp.Symbol(f"A{layer}")
        return _elementwise(list(net.phi_prime(layer)), {Z: list(net.z(layer)), A: list(net.a(layer))}, f"φ^{layer}'")

    def output_error(self) -> tuple[str, sp.Expr, bool]:
        """("D" or "G", the template of δ^L or of Diag(φ^L') δ^L, whether σ must be the accurate expit)."""
        net, steps, L = self.net, self.steps, self.net.depth
        families = self.output_families()
        reductions = {sp.Add(*net.y): sp.Symbol("SY")} if net.softmax else {}
        delta_L = steps.output_delta
        phi_L = net.phi_prime(L)
        delta_template = _elementwise(list(delta_L), families, "δ^L", reductions)
        self.check(True, f"δ^{L} = ∂e/∂a^{L} elementwise: {self.printer.doprint(delta_template)}")
        if not any(sp.denom(sp.together(entry)).free_symbols for entry in delta_L):
            return "D", _fewest_operations(delta_template), False
        combined = [sp.cancel(d * p) for d, p in zip(delta_L, phi_L)]
        self.check(
            all(sp.cancel(c - d * p) == 0 for c, d, p in zip(combined, delta_L, phi_L)),
            f"Diag(φ^{L}') δ^{L} cancelled exactly (δ^{L} divides by the output; the product does not)",
        )
        g_template = _fewest_operations(_elementwise(combined, families, "Diag(φ^L') δ^L", reductions))
        if net.loss.name != "logistic":
            return "G", g_template, False
        # a − (1+y)/2 cancels when σ(z) rounds to 1 (y = 1) — write it as −y σ(−y z) instead
        Y, Z, A = sp.Symbol("Y"), sp.Symbol(f"Z{L}"), sp.Symbol(f"A{L}")
        stable = -Y * sigmoid(-Y * Z)
        with_a = g_template.xreplace({A: sigmoid(Z)})  # a^L = σ(z^L) by the forward pass
        self.check(
            all(sp.simplify((with_a - stable).xreplace({Y: label}).rewrite(sp.exp)) == 0 for label in (1, -1)),
            f"Diag(σ') δ^{L} = {self.printer.doprint(g_template)} = {self.printer.doprint(stable)} for y ∈ {{+1, −1}}: no cancellation",
        )
        return "G", stable, True

    def loss_and_output_error(self) -> None:
        """E = Σ_i e^i and δ^L (or Diag(φ^L') δ^L), with their common sub-expressions computed once."""
        net, L = self.net, self.net.depth
        loss, data, constant = self.loss_template()
        letter, error, accurate = self.output_error()
        residual = _common_factor(loss, error)
        if residual is not None:  # e.g. the squared loss: (a − y)² and δ^L = 2(a − y) share R = a − y
            symbol = sp.Symbol("R")
            self.formula("R", residual, "R, shared by E and the output error", kind=self.kind_of(residual))
            loss = _in_terms_of(loss, residual, symbol)
            error = _in_terms_of(error, residual, symbol)
        replacements, (loss, error) = sp.cse([loss, error], symbols=sp.numbered_symbols("R", start=1), optimizations=None)
        for symbol, expression in replacements:
            if not _names_in(expression):
                loss, error = loss.xreplace({symbol: expression}), error.xreplace({symbol: expression})
                continue
            self.formula(symbol.name, expression, "shared by E and the output error", kind=self.kind_of(expression))
        if data != 0:
            self.program.data_names.append("YLOGY")
            self.add(_Statement("YLOGY", _names_in(data), "Σ of the targets' own term (y log y), once per data set", SCALAR, template=data, total=True))
        plus = (" + YLOGY" if data != 0 else "") + (f" + X.shape[0] * ({self.printer.doprint(constant)})" if constant != 0 else "")
        uses = _names_in(loss) | ({"YLOGY"} if data != 0 else set()) | ({"X"} if constant != 0 else set())
        self.add(_Statement("E", frozenset(uses), f"E = Σ_i e^i, e = {net.loss.name} loss", SCALAR, template=loss, total=True, plus=plus))
        if "SY" in _names_in(error):
            self.program.data_names.insert(0, "SY")
            self.code("SY", [f"SY = {_row_sums('Y')}"], ["Y"], "Σ_j y_j, once per data set", kind=ROW)
        if letter == "D":
            self.formula(f"D{L}", error, f"δ^{L} = ∂e/∂a^{L}")
            self.diag_product(L)
        else:
            self.formula(f"G{L}", error, f"Diag(φ^{L}') δ^{L}, cancelled symbolically: no division by a^{L}", accurate_sigmoid=accurate)

    def kind_of(self, expression: sp.Expr) -> str:
        return ROW if _names_in(expression) <= {"M", "SUMS", "LSE", "SY"} else FULL

    def backward(self) -> None:
        for layer in range(self.net.depth, 0, -1):
            self.gradients(layer)
            if layer > 1:
                self.recursion(layer - 1)
                self.diag_product(layer - 1)

    def diag_product(self, layer: int) -> None:
        """G^ℓ = Diag(φ^ℓ') δ^ℓ, rows: D^ℓ ⊙ φ'(z^ℓ)."""
        template = self.phi_prime_template(layer)
        self.check(True, f"Diag(φ^{layer}') = diag({self.printer.doprint(template)}) elementwise")
        self.formula(f"G{layer}", sp.Symbol(f"D{layer}") * template, f"Diag(φ^{layer}') δ^{layer}")

    def g_symbolic(self, layer: int) -> sp.ImmutableMatrix:
        """What G^ℓ holds for one sample, as a column in the δ^ℓ symbols: Diag(φ^ℓ') δ^ℓ."""
        net = self.net
        return sp.ImmutableMatrix([p * d for p, d in zip(net.phi_prime(layer), self.steps.delta_symbols[layer])])

    def gradients(self, layer: int) -> None:
        net, steps = self.net, self.steps
        previous = "X" if layer == 1 else f"A{layer - 1}"
        g = self.g_symbolic(layer)
        self.check(
            all(_same(left, right) for left, right in zip(g * net.a(layer - 1).T, steps.weight_gradients[layer])),
            f"∇_W^{layer} e = Diag(φ^{layer}') δ^{layer} (a^{layer - 1})^T: summed over rows as numpy.dot(G{layer}.T, {previous})",
        )
        self.code(
            "", [f"numpy.dot(G{layer}.T, {previous}, gW{layer})"], [f"G{layer}", previous],
            f"∇_W^{layer} E = Σ_i Diag(φ^{layer}') δ^{layer} (a^{layer - 1})^T", writes=f"gW{layer}",
        )
        if net.has_bias:
            self.check(
                all(_same(left, right) for left, right in zip(g, steps.bias_gradients[layer])),
                f"∇_b^{layer} e = Diag(φ^{layer}') δ^{layer}: summed over rows as numpy.dot(ONES, G{layer})",
            )
            self.code(
                "", [f"numpy.dot(ONES, G{layer}, gb{layer})"], [f"G{layer}", "ONES"],
                f"∇_b^{layer} E = Σ_i Diag(φ^{layer}') δ^{layer}", writes=f"gb{layer}",
            )

    def recursion(self, layer: int) -> None:
        """δ^ℓ = V^{ℓ+1} δ^{ℓ+1} = (W^{ℓ+1})^T Diag(φ^{ℓ+1}') δ^{ℓ+1}; rows: G^{ℓ+1} @ W^{ℓ+1}."""
        net, steps = self.net, self.steps
        above = layer + 1
        column = net.W(above).T * self.g_symbolic(above)
        self.check(
            all(_same(left, right) for left, right in zip(column, steps.delta[layer])),
            f"δ^{layer} = V^{above} δ^{above} = (W^{above})^T Diag(φ^{above}') δ^{above}: row form numpy.dot(G{above}, W{above})",
        )
        self.code(f"D{layer}", [f"D{layer} = numpy.dot(G{above}, W{above})"], [f"G{above}", f"W{above}"], f"δ^{layer} = V^{above} δ^{above} = (W^{above})^T Diag(φ^{above}') δ^{above}")


# --- printing one function -----------------------------------------------------------------------------------
def _function_source(name: str, arguments: Sequence[str], statements: Sequence[_Statement], results: Sequence[str], doc: str, kinds: Mapping[str, str]) -> tuple[str, int]:
    """One Python function: only the statements the results need, in order, working in place where a value is dead.

    Returns the source and the number of elementwise statements that were executed symbolically and checked.
    """
    needed = set(results)
    chosen: list[_Statement] = []
    for statement in reversed(statements):
        if statement.target in arguments:  # given to this function (e.g. Σ_j y_j, computed by prepare)
            continue
        if (statement.target and statement.target in needed) or (statement.writes and statement.writes in needed):
            chosen.append(statement)
            needed |= statement.uses
    chosen.reverse()
    live_after: list[set[str]] = []
    live = set(results)
    for statement in reversed(chosen):
        live_after.append(set(live))
        live |= statement.uses
    live_after.reverse()
    buffer: dict[str, tuple[str, object]] = {argument: ("argument", argument) for argument in arguments}  # name → the array it holds
    fresh = iter(range(1_000_000))
    lines = [f"def {name}({', '.join(arguments)}):", f'    """{doc}"""']
    checked = 0
    for statement, alive in zip(chosen, live_after):
        lines.append(f"    # {statement.comment}")
        if statement.template is None:
            lines += [f"    {line}" for line in statement.code]
            if statement.target:
                buffer[statement.target] = ("array", next(fresh))
            continue
        writable = {
            used
            for used in statement.uses
            if buffer[used][0] != "argument" and not any(buffer[other] == buffer[used] and other in alive for other in buffer)
        }
        temp = f"{statement.target}_"
        if statement.total:
            ops, code = lower_sum(statement.template, kinds, writable=writable, temp=temp)
            lines += print_ops(ops)
            lines.append(f"    {statement.target} = {code}{statement.plus}")
            buffer[statement.target] = ("array", next(fresh))
        else:
            ops, result = lower(statement.template, kinds, writable=writable, temp=temp, accurate_sigmoid=statement.accurate_sigmoid)
            if isinstance(result, str) and result.startswith(temp):  # the result is a new array: give it the target's name
                ops = [_renamed(op, result, statement.target) for op in ops]
                lines += print_ops(ops)
                buffer[statement.target] = ("array", next(fresh))
            elif isinstance(result, str):  # computed in place in a dead array, or the formula is an array itself
                lines += print_ops(ops)
                lines.append(f"    {statement.target} = {result}")
                buffer[statement.target] = buffer[result]
            else:
                like = next(iter(sorted(statement.uses)), "X")
                lines.append(f"    {statement.target} = numpy.full_like({like}, {result})")
                buffer[statement.target] = ("array", next(fresh))
        checked += 1
    returned = [r for r in results if not any(s.writes == r for s in chosen)]
    if name == "prepare":  # always a tuple, to be spread into the other functions' arguments
        lines.append(f"    return ({', '.join(returned)}{',' if len(returned) == 1 else ''})")
    else:
        lines.append(f"    return {', '.join(returned) if returned else 'None'}")
    return "\n".join(lines), checked


def _renamed(op: Op, old: str, new: str) -> Op:
    return Op(op.kind, new if op.out == old else op.out, tuple(new if a == old else a for a in op.args), op.inplace)


# --- the module text ------------------------------------------------------------------------------------------------
_HEADER = '''"""Generated by symbackprop.compile for {description}.

Rows are samples.  Built from the layer template {template} (the code does not depend on the widths);
every statement was checked exactly against the proven formula it computes.
"""
'''


def template_network(spec: NetworkSpec) -> MLP:
    """The network whose program stands for ``spec``: the same layers, every width N_ℓ ≥ 2 taken as 2.

    >>> template_network(MLP([784, 128, 10], activation="sigmoid", bias=True).spec)
    MLP([2, 2, 2], activation='sigmoid', bias=True, loss='squared')
    """
    sizes = [min(width, 2) for width in spec.sizes]
    names = [activation.name for activation in spec.activations]
    net = MLP(sizes, activation=names, output="softmax" if spec.softmax else None, bias=spec.bias, loss=spec.loss.name)
    assert (net.spec.activations, net.spec.softmax, net.spec.bias, net.spec.loss) == (spec.activations, spec.softmax, spec.bias, spec.loss)
    return net


def generate_source(net: MLP, *, per_layer_template: bool = True) -> tuple[str, list[str]]:
    """The module text of the model (prepare, gradient, gradient_only, loss, forward) and the identities verified for it.

    The program is built on :func:`template_network` (cached per template, so compiling is independent of the
    number of parameters); ``per_layer_template=False`` builds it on ``net`` itself (used by the tests to show
    that both give the same code).
    """
    if any(activation.generic for activation in net.spec.activations):
        raise NotSupportedError(
            "the generic activation φ is undefined, so it cannot be computed: choose a concrete activation "
            "(sigmoid, tanh, relu or identity), e.g. MLP(sizes, activation='sigmoid')"
        )
    if per_layer_template:
        template = template_network(net.spec)
        body, verified = _program_text(_template_key(template.spec))
    else:
        template = net
        body, verified = _build_program(net)
    header = _HEADER.format(description=net.spec.describe(), template=list(template.sizes))
    return header + body, list(verified)


def _template_key(spec: NetworkSpec) -> tuple:
    return (spec.sizes, tuple(a.name for a in spec.activations), spec.softmax, spec.bias, spec.loss.name)


@lru_cache(maxsize=64)
def _program_text(key: tuple) -> tuple[str, tuple[str, ...]]:
    sizes, activations, softmax_output, bias, loss = key
    net = MLP(list(sizes), activation=list(activations), output="softmax" if softmax_output else None, bias=bias, loss=loss)
    body, verified = _build_program(net)
    return body, tuple(verified)


def _build_program(net: MLP) -> tuple[str, list[str]]:
    builder = _ProgramBuilder(net)
    builder.forward()
    builder.loss_and_output_error()
    builder.backward()
    program = builder.program
    depth = net.depth
    kinds: dict[str, str] = {"X": FULL, "Y": FULL, "M": ROW, "SUMS": ROW, "LSE": ROW, "SY": ROW, "EXPS": FULL, "Q": FULL}
    for statement in program.statements:
        if statement.target:
            kinds[statement.target] = statement.kind
    parameters = [f"{kind}{layer}" for layer in range(1, depth + 1) for kind in (("W", "b") if net.has_bias else ("W",))]
    outputs = [f"g{name}" for name in parameters]
    data = list(program.data_names)
    ones = ["ONES"] if net.has_bias else []
    forward_names = [name for layer in range(1, depth + 1) for name in (f"Z{layer}", f"A{layer}")] + (["Q"] if net.softmax else [])
    functions = [
        ("prepare", ["Y"], data, "What the code needs of the targets alone, once per data set."),
        ("gradient", [*parameters, "X", "Y", *data, *ones, *outputs], ["E", *outputs], "E = Σ_i e^i; writes ∇E into the g* arrays."),
        ("gradient_only", [*parameters, "X", "Y", *data, *ones, *outputs], outputs, "Writes ∇E into the g* arrays (E is not computed)."),
        ("loss", [*parameters, "X", "Y", *data], ["E"], "E = Σ_i e^i (forward pass only)."),
        ("forward", [*parameters, "X"], forward_names, "z^ℓ, a^ℓ (and q) for every layer."),
    ]
    parts = []
    verified = list(program.verified)
    for name, arguments, results, doc in functions:
        source, checked = _function_source(name, arguments, program.statements, results, doc, kinds)
        parts.append(source)
        verified.append(f"{name}(): {checked} elementwise NumPy statement(s) run on symbols: each computes its formula exactly, in place only in arrays no longer needed")
    functions_text = "\n\n\n".join(parts)
    # NumPy's functions are imported by name: a global lookup instead of a module attribute in every statement
    used = sorted(set(re.findall(r"\bnumpy\.(\w+)", functions_text)))
    functions_text = re.sub(r"\bnumpy\.", "", functions_text)
    imports = f"from numpy import {', '.join(used)}\n" if used else ""
    names = f"DATA_NAMES = {data!r}\nFORWARD_NAMES = {[n.lower() for n in forward_names]!r}\n"
    return imports + "from scipy.special import expit, xlogy\n\n" + names + "\n\n" + functions_text + "\n", verified
