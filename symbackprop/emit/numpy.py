"""Batch-vectorised NumPy code generated from the proven layer formulas (loaded by :func:`symbackprop.compile`).

The generated source is printed, statement by statement, from the symbolic objects of the derivation:

- the forward pass from ``net.z_definition(ℓ)`` (z^ℓ = W^ℓ a^{ℓ-1} + b^ℓ) and the activation φ of each layer;
- Diag(φ^ℓ') from ``net.phi_prime(ℓ)`` (σ' = a(1 − a), tanh' = 1 − a², ReLU' = H(z), id' = 1);
- δ^L = ∂e/∂a^L from :func:`~symbackprop.derive.backprop.output_delta`;
- the recursion of ``backprop_steps(net)``: δ^ℓ = V^{ℓ+1} δ^{ℓ+1} = (W^{ℓ+1})^T Diag(φ^{ℓ+1}') δ^{ℓ+1},
  ∇_{W^ℓ} e = Diag(φ^ℓ') δ^ℓ (a^{ℓ-1})^T and ∇_{b^ℓ} e = Diag(φ^ℓ') δ^ℓ, summed over the batch;
- the loss e from ``net.e_explicit``.

Elementwise formulas are turned into array templates (one symbol per layer vector, e.g. ``A2`` for
a^2_1 … a^2_N) and printed with SymPy's NumPy printer, extended for σ, ReLU, H, softplus and xlogy.
Matrix products, transposes and batch sums are emitted from the recursion's structure.  Every statement
is checked *exactly* against the proven entry-wise formula when the model is compiled (``model.verified``
lists the identities), so the generated code is the derivation, not a hand-written backprop beside it.

Rows are samples: X is (n, N_0), A^ℓ is (n, N_ℓ); a row of ``G @ W`` is (W^T g)^T, i.e. the lecture's
column-vector formulas transposed.

Numerically safe forms (each a proven identity, see :func:`stability_lemmas`): σ via ``scipy.special.expit``;
softmax with the row maximum subtracted; cross-entropy through log Σ exp computed the same way; the logistic
loss through softplus = ``numpy.logaddexp(0, ·)`` (log σ(z) = −softplus(−z), log(1 − σ(z)) = −softplus(z));
KL's y log y through ``xlogy`` (0 · log 0 = 0); and where δ^L divides by the output (logistic:
δ^L = −(1+y)/(2a) + (1−y)/(2(1−a))) the product Diag(φ^L') δ^L is cancelled symbolically first
(a − (1+y)/2).  Underflow to 0 is harmless and is not reported; overflow, invalid and divide-by-zero
do not occur for pre-activations up to |z| = 1000.

ReLU'(0) is taken as 0 (``numpy.heaviside(z, 0.0)``), PyTorch's convention.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import sympy as sp
from sympy.printing.numpy import NumPyPrinter

from ..activations import sigmoid
from ..derive import BackpropSteps, backprop_steps
from ..errors import NotSupportedError
from ..losses import log_sum_exp
from ..network import MLP

__all__ = ["generate_source", "softplus", "xlogy", "StableNumPyPrinter", "stability_lemmas"]


# --- SymPy functions for the stable forms -------------------------------------------------------------
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


class StableNumPyPrinter(NumPyPrinter):
    """SymPy's NumPy printer with the functions the layer formulas need.

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
        # ReLU'(0) = H(0) = 0, as in PyTorch
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
        "log Σ_r e^{u_r} = m + log Σ_r e^{u_r − m}": sp.simplify(sp.exp(lse) - sp.exp(lse_shifted)) == 0,
        "softmax(u) = softmax(u − m)": all(
            sp.simplify(sp.exp(v) / sum(sp.exp(t) for t in u) - sp.exp(v - shift) / sum(sp.exp(t - shift) for t in u)) == 0
            for v in u
        ),
        "y log y = xlogy(y, y) for y > 0": sp.simplify(xlogy(y, y).rewrite(sp.log) - y * sp.log(y)) == 0,
        "Diag(σ') δ^L = a − (1+y)/2 for the logistic loss": _logistic_cancellation_holds(),
    }


def _logistic_cancellation_holds() -> bool:
    a, y = sp.symbols("a y")
    delta = -(1 + y) / (2 * a) + (1 - y) / (2 * (1 - a))
    return sp.cancel(delta * a * (1 - a) - (a - (1 + y) / 2)) == 0


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
    return _fewest_operations(template), sp.Add(*constant)


def _fewest_operations(expression: sp.Expr) -> sp.Expr:
    """The cheapest of a few equal forms (each is an exact rewrite of the template)."""
    functions = sorted(expression.atoms(sp.Function), key=sp.default_sort_key)
    candidates = [expression, sp.factor(expression), sp.collect(sp.expand(expression), functions)]
    return min(candidates, key=lambda e: (sp.count_ops(e), len(str(e))))


def _same(left: sp.Expr, right: sp.Expr) -> bool:
    difference = sp.expand(left - right)
    return difference == 0 or sp.cancel(sp.together(difference)) == 0


# --- the layer program -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Statement:
    target: str
    code: str
    uses: frozenset[str]
    comment: str
    output: bool = False  # writes into an out= array instead of assigning


def _names_in(expression: sp.Expr) -> frozenset[str]:
    return frozenset(symbol.name for symbol in expression.free_symbols)


class _ProgramBuilder:
    """Build the statements of one network, checking each against the proven entry-wise formula."""

    def __init__(self, net: MLP) -> None:
        self.net = net
        self.printer = StableNumPyPrinter()
        self.statements: list[_Statement] = []
        self.verified: list[str] = []
        self.steps: BackpropSteps = backprop_steps(net)

    def emit(self, target: str, code: str, uses: Sequence[str] | frozenset[str], comment: str, *, output: bool = False) -> None:
        self.statements.append(_Statement(target, code, frozenset(uses), comment, output))

    def emit_template(self, target: str, template: sp.Expr, comment: str, like: str) -> None:
        uses = _names_in(template)
        if not uses:  # a constant: broadcast it to the batch
            self.emit(target, f"numpy.full_like({like}, {self.printer.doprint(template)})", {like}, comment)
        else:
            self.emit(target, self.printer.doprint(template), uses, comment)

    def check(self, holds: bool, statement: str) -> None:
        if not holds:
            raise NotSupportedError(f"generated code does not match the proven formula: {statement} (please report)")
        self.verified.append(statement)

    # --- forward pass -----------------------------------------------------------------------------------
    def forward(self) -> None:
        net = self.net
        definitions = net.definitions
        for layer in range(1, net.depth + 1):
            W = net.W(layer)
            previous = "X" if layer == 1 else f"A{layer - 1}"
            b = f" + b{layer}" if net.has_bias else ""
            code = f"{previous} @ W{layer}.T{b}"
            column = W * net.a(layer - 1) + (net.b(layer) if net.has_bias else sp.zeros(W.rows, 1))
            self.check(
                column == net.z_definition(layer),
                f"z^{layer} = W^{layer} a^{layer - 1}{' + b^' + str(layer) if net.has_bias else ''}: row form {code}",
            )
            uses = {previous, f"W{layer}"} | ({f"b{layer}"} if net.has_bias else set())
            self.emit(f"Z{layer}", code, uses, f"z^{layer} = W^{layer} a^{layer - 1}{' + b^' + str(layer) if net.has_bias else ''}")
            activation = net.activation(layer)
            entries = [definitions[a] for a in net.a(layer)]
            Z, A = sp.Symbol(f"Z{layer}"), sp.Symbol(f"A{layer}")
            template = _elementwise(entries, {Z: list(net.z(layer))}, f"a^{layer} = φ(z^{layer})")
            self.check(True, f"a^{layer} = {activation.name}(z^{layer}) elementwise: {self.printer.doprint(template)}")
            self.emit_template(f"A{layer}", template, f"a^{layer} = {activation.name}(z^{layer})", like=f"Z{layer}")
            del A
        if net.softmax:
            last = f"A{net.depth}"
            self.emit("M", f"numpy.max({last}, axis=1, keepdims=True)", {last}, "row maximum, subtracted for stability")
            self.emit("EXPS", f"numpy.exp({last} - M)", {last, "M"}, "exp(a^L_j − m) ≤ 1")
            self.emit("SUMS", "numpy.sum(EXPS, axis=1, keepdims=True)", {"EXPS"}, "Σ_r exp(a^L_r − m) ≥ 1")
            self.emit("Q", "EXPS / SUMS", {"EXPS", "SUMS"}, "q_j = exp(a^L_j) / Σ_r exp(a^L_r) (L18)")
            self.emit("LSE", "M + numpy.log(SUMS)", {"M", "SUMS"}, "log Σ_r exp(a^L_r)")

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

    def loss(self) -> None:
        net = self.net
        reductions = self.loss_reductions()
        template, constant = _neuron_sum(net.e_explicit, self.output_families(), "the loss e", reductions)
        rebuilt = sum(
            (template.xreplace({array: symbols[j] for array, symbols in self.output_families().items()}) for j in range(net.sizes[-1])),
            sp.Integer(0),
        ) + constant
        self.check(
            _same(rebuilt, sp.expand(net.e_explicit.xreplace(reductions), mul=True, multinomial=False, power_exp=False, power_base=False, log=False)),
            f"e = Σ_j {self.printer.doprint(template)} (stable form; lemmas in stability_lemmas())",
        )
        code = f"numpy.sum({self.printer.doprint(template)})"
        if constant != 0:
            code += f" + X.shape[0] * ({self.printer.doprint(constant)})"
        self.emit("E", code, _names_in(template) | _names_in(constant) | {"X"}, f"E = Σ_i e^i, e = {net.loss.name} loss")

    # --- backward pass ----------------------------------------------------------------------------------
    def phi_prime_template(self, layer: int) -> sp.Expr:
        net = self.net
        Z, A = sp.Symbol(f"Z{layer}"), sp.Symbol(f"A{layer}")
        return _elementwise(list(net.phi_prime(layer)), {Z: list(net.z(layer)), A: list(net.a(layer))}, f"φ^{layer}'")

    def backward(self) -> None:
        net, steps, L = self.net, self.steps, self.net.depth
        printer = self.printer
        # δ^L = ∂e/∂a^L, and g^L = Diag(φ^L') δ^L (= ∂e/∂z^L)
        families = self.output_families()
        reductions = {sp.Add(*net.y): sp.Symbol("SY")} if net.softmax else {}
        delta_L = steps.output_delta
        phi_L = net.phi_prime(L)
        delta_template = _elementwise(list(delta_L), families, "δ^L", reductions)
        self.check(True, f"δ^{L} = ∂e/∂a^{L} elementwise: {printer.doprint(delta_template)}")
        unsafe = any(sp.denom(sp.together(entry)).free_symbols for entry in delta_L)
        if unsafe:
            combined = [sp.cancel(d * p) for d, p in zip(delta_L, phi_L)]
            self.check(
                all(sp.cancel(c - d * p) == 0 for c, d, p in zip(combined, delta_L, phi_L)),
                f"Diag(φ^{L}') δ^{L} cancelled exactly (δ^{L} divides by the output; the product does not)",
            )
            g_template = _fewest_operations(_elementwise(combined, families, "Diag(φ^L') δ^L", reductions))
            if "SY" in _names_in(g_template):
                self.emit("SY", "numpy.sum(Y, axis=1, keepdims=True)", {"Y"}, "Σ_j y_j")
            self.emit_template(f"G{L}", g_template, f"Diag(φ^{L}') δ^{L}, cancelled symbolically: no division by a^{L}", like=f"A{L}")
        else:
            if "SY" in _names_in(delta_template):
                self.emit("SY", "numpy.sum(Y, axis=1, keepdims=True)", {"Y"}, "Σ_j y_j")
            self.emit_template(f"D{L}", _fewest_operations(delta_template), f"δ^{L} = ∂e/∂a^{L}", like=f"A{L}")
            self.emit_diag_product(L)
        for layer in range(L, 0, -1):
            self.emit_gradients(layer)
            if layer > 1:
                self.emit_recursion(layer - 1)
                self.emit_diag_product(layer - 1)

    def emit_diag_product(self, layer: int) -> None:
        """G^ℓ = Diag(φ^ℓ') δ^ℓ, rows: D^ℓ ⊙ φ'(z^ℓ)."""
        template = self.phi_prime_template(layer)
        self.check(True, f"Diag(φ^{layer}') = diag({self.printer.doprint(template)}) elementwise")
        D = sp.Symbol(f"D{layer}")
        if template == 1:
            self.emit(f"G{layer}", f"D{layer}", {f"D{layer}"}, f"Diag(φ^{layer}') δ^{layer} = δ^{layer} (φ' = 1)")
        else:
            product = D * template
            self.emit(f"G{layer}", self.printer.doprint(product), _names_in(product), f"Diag(φ^{layer}') δ^{layer}")

    def g_symbolic(self, layer: int) -> sp.ImmutableMatrix:
        """What G^ℓ holds for one sample, as a column in the δ^ℓ symbols: Diag(φ^ℓ') δ^ℓ."""
        net = self.net
        return sp.ImmutableMatrix([p * d for p, d in zip(net.phi_prime(layer), self.steps.delta_symbols[layer])])

    def emit_gradients(self, layer: int) -> None:
        net, steps = self.net, self.steps
        previous = "X" if layer == 1 else f"A{layer - 1}"
        g = self.g_symbolic(layer)
        self.check(
            all(_same(left, right) for left, right in zip(g * net.a(layer - 1).T, steps.weight_gradients[layer])),
            f"∇_W^{layer} e = Diag(φ^{layer}') δ^{layer} (a^{layer - 1})^T: summed over rows as G{layer}.T @ {previous}",
        )
        self.emit(f"gW{layer}", f"numpy.matmul(G{layer}.T, {previous}, out=gW{layer})", {f"G{layer}", previous}, f"∇_W^{layer} E = Σ_i Diag(φ^{layer}') δ^{layer} (a^{layer - 1})^T", output=True)
        if net.has_bias:
            self.check(
                all(_same(left, right) for left, right in zip(g, steps.bias_gradients[layer])),
                f"∇_b^{layer} e = Diag(φ^{layer}') δ^{layer}: summed over rows",
            )
            self.emit(f"gb{layer}", f"numpy.sum(G{layer}, axis=0, out=gb{layer})", {f"G{layer}"}, f"∇_b^{layer} E = Σ_i Diag(φ^{layer}') δ^{layer}", output=True)

    def emit_recursion(self, layer: int) -> None:
        """δ^ℓ = V^{ℓ+1} δ^{ℓ+1} = (W^{ℓ+1})^T Diag(φ^{ℓ+1}') δ^{ℓ+1}; rows: G^{ℓ+1} @ W^{ℓ+1}."""
        net, steps = self.net, self.steps
        above = layer + 1
        column = net.W(above).T * self.g_symbolic(above)
        self.check(
            all(_same(left, right) for left, right in zip(column, steps.delta[layer])),
            f"δ^{layer} = V^{above} δ^{above} = (W^{above})^T Diag(φ^{above}') δ^{above}: row form G{above} @ W{above}",
        )
        self.emit(f"D{layer}", f"G{above} @ W{above}", {f"G{above}", f"W{above}"}, f"δ^{layer} = V^{above} δ^{above} = (W^{above})^T Diag(φ^{above}') δ^{above}")


def _function_source(name: str, arguments: Sequence[str], statements: Sequence[_Statement], results: Sequence[str], doc: str) -> str:
    """One Python function: only the statements the results need, in order."""
    needed = set(results)
    chosen: list[_Statement] = []
    for statement in reversed(statements):
        if statement.target in needed:
            chosen.append(statement)
            needed |= statement.uses
    chosen.reverse()
    lines = [f"def {name}({', '.join(arguments)}):", f'    """{doc}"""']
    for statement in chosen:
        code = statement.code if statement.output else f"{statement.target} = {statement.code}"
        lines.append(f"    {code}  # {statement.comment}")
    returned = [r for r in results if not any(s.output and s.target == r for s in chosen)]
    lines.append(f"    return {', '.join(returned) if returned else 'None'}")
    return "\n".join(lines)


# --- the module text ------------------------------------------------------------------------------------------------
_HEADER = '''"""Generated by symbackprop.compile for {description}.

Rows are samples.  Every statement was checked exactly against the proven entry-wise formula.
"""
import numpy
from scipy.special import expit, xlogy

'''


def generate_source(net: MLP) -> tuple[str, list[str]]:
    """The module text of the model (gradient, loss, forward) and the identities verified for it."""
    if any(net.activation(layer).generic for layer in range(1, net.depth + 1)):
        raise NotSupportedError(
            "the generic activation φ is undefined, so it cannot be computed: choose a concrete activation "
            "(sigmoid, tanh, relu or identity), e.g. MLP(sizes, activation='sigmoid')"
        )
    builder = _ProgramBuilder(net)
    builder.forward()
    builder.loss()
    builder.backward()
    parameters = [f"{kind}{layer}" for layer in range(1, net.depth + 1) for kind in (("W", "b") if net.has_bias else ("W",))]
    outputs = [f"g{name}" for name in parameters]
    forward_names = [name for layer in range(1, net.depth + 1) for name in (f"Z{layer}", f"A{layer}")] + (["Q"] if net.softmax else [])
    description = net.spec.describe()
    parts = [
        _HEADER.format(description=description),
        f"FORWARD_NAMES = {[name.lower() for name in forward_names]!r}\n\n",
        _function_source("gradient", [*parameters, "X", "Y", *outputs], builder.statements, ["E", *outputs], "E = Σ_i e^i; writes ∇E into the g* arrays."),
        "\n\n\n",
        _function_source("loss", [*parameters, "X", "Y"], builder.statements, ["E"], "E = Σ_i e^i (forward pass only)."),
        "\n\n\n",
        _function_source("forward", [*parameters, "X"], builder.statements, forward_names, "z^ℓ, a^ℓ (and q) for every layer."),
        "\n",
    ]
    return "".join(parts), builder.verified
