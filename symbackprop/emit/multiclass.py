"""Prediction tasks (L17–L22): binary classification, softmax, KL = NE + CE, the q − p gradient.

Every identity here is derived by SymPy and stated as what it is: "exact" means SymPy reduced the
difference of both sides to 0 (or decided a sign from exact rationals); numbers are labelled numeric.
"""

from __future__ import annotations

import math
from itertools import product

import sympy as sp

from ..derive import output_delta
from ..losses import get_loss, softmax
from ..network import MLP
from ..printing import lecture_printer
from .document import Section, section
from .forms import NetworkDerivation
from .layout import Layout, align
from .network_doc import NetworkTex

__all__ = [
    "classification_network",
    "binary_network",
    "prediction_section",
    "softmax_section",
    "kl",
    "log_sign",
    "kl_triangle_counterexample",
    "WORKED_P",
    "WORKED_Q",
]

WORKED_P = (sp.Rational(1, 4), sp.Rational(3, 4))  # L20's worked example
WORKED_Q = (sp.Rational(1, 2), sp.Rational(1, 2))


def classification_network() -> MLP:
    """C = 3 classes, softmax outputs, cross-entropy loss (L18–L22)."""
    return MLP([2, 2, 3], output="softmax", loss="cross_entropy")


def binary_network() -> MLP:
    """One sigmoid output neuron for Y = {+1, −1} (L17)."""
    return MLP([2, 1], loss="logistic")


def kl(p: tuple[sp.Expr, ...], q: tuple[sp.Expr, ...]) -> sp.Expr:
    """KL(p‖q) from the library's KL loss (terms with p_j = 0 contribute 0), logs expanded."""
    loss = get_loss("kl")
    kept = [(p_j, q_j) for p_j, q_j in zip(p, q) if p_j != 0]
    value = loss.expression([sp.Symbol("unused")] * len(kept), [p_j for p_j, _ in kept], [q_j for _, q_j in kept])
    return sp.expand(sp.expand_log(value, force=True))


def log_sign(value: sp.Expr) -> tuple[int, sp.Rational, int]:
    """Exact sign of Σ c_i log t_i (rationals c_i, t_i > 0): writes it as (1/N) log R with R rational.

    Returns (sign, R, N).  The sign is decided by comparing the rational R with 1 — no floating point.

    >>> log_sign(sp.log(3) - sp.log(2))
    (1, 3/2, 1)
    """
    value = sp.expand(sp.expand_log(value, force=True))
    coefficients: dict[sp.Expr, sp.Rational] = {}
    for term in sp.Add.make_args(value):
        if term == 0:
            continue
        coefficient, rest = term.as_coeff_Mul()
        if not isinstance(rest, sp.log) or not rest.args[0].is_Rational or not coefficient.is_Rational:
            raise ValueError(f"not a rational combination of logs of rationals: {term}")
        coefficients[rest.args[0]] = coefficients.get(rest.args[0], sp.Integer(0)) + coefficient
    N = math.lcm(*[int(c.q) for c in coefficients.values()]) if coefficients else 1
    R = sp.Integer(1)
    for base, coefficient in coefficients.items():
        R *= base ** (coefficient * N)
    return (1 if R > 1 else -1 if R < 1 else 0), sp.Rational(R), int(N)


def kl_triangle_counterexample(denominator: int = 4) -> tuple[tuple, tuple, tuple, sp.Expr]:
    """Distributions p, q, r on two outcomes (entries k/denominator) with KL(p‖r) > KL(p‖q) + KL(q‖r).

    Searched in a fixed order; the inequality is decided exactly by :func:`log_sign`.
    """
    grid = [(sp.Rational(k, denominator), sp.Rational(denominator - k, denominator)) for k in range(1, denominator)]
    for p, q, r in product(grid, repeat=3):
        excess = kl(p, r) - kl(p, q) - kl(q, r)
        if log_sign(excess)[0] > 0:
            return p, q, r, excess
    raise ValueError("no counterexample on this grid")  # pragma: no cover - the 1/4 grid has one


def _vector(values: tuple) -> str:
    return r"\left(" + ", ".join(sp.latex(v) for v in values) + r"\right)"


def prediction_section() -> Section:
    def build() -> str:
        net = classification_network()
        return section(
            r"Prediction tasks (L17--L22)",
            [_binary(), _softmax(net), _kl(net.sizes[-1]), _not_a_distance()],
        )

    return Section("prediction", build)


def softmax_section(net: MLP) -> Section:
    """Softmax, the q − y gradient and KL = NE + CE for a user's softmax network (L18–L22)."""
    if not net.softmax:
        raise ValueError("softmax_section needs a network with softmax outputs")

    def build() -> str:
        return section(r"Softmax outputs and KL (L18--L22)", [_softmax(net), _kl(net.sizes[-1])])

    return Section("softmax", build)


def _binary() -> str:
    net = binary_network()
    printer = lecture_printer({1: r"\sigma"})
    tex = printer.doprint
    a, y = net.a(1)[0], net.y[0]
    delta = output_delta(net)[0]
    dz = sp.factor(sp.simplify(delta * net.activation(1).derivative(net.z(1)[0], a)))
    layout = Layout(printer)
    rows = layout.equation("e", net.e) + layout.equation(r"\delta^{1} = \frac{\partial e}{\partial a^{1}_{1}}", sp.together(delta))
    rows += layout.equation(r"\frac{\partial e}{\partial z^{1}_{1}} = \delta^{1}\, \sigma'(z^{1}_{1})", dz)
    return section(
        "Binary classification (L17)",
        [
            r"For $Y = \{+1, -1\}$ one sigmoid output neuron predicts $a^{L} = \sigma(W^{L} a^{L-1})$ "
            r"(here $L = 1$), read as the probability of $+1$; thresholding at $\tfrac{1}{2}$ gives the class. "
            "With the logistic loss (symbackprop's \\texttt{logistic}), SymPy gives",
            align(rows),
            r"so the error signal at the neuron's input is the prediction minus the target probability "
            r"$\tfrac{1+y}{2}$.",
        ],
        level="subsection",
    )


def _softmax(net: MLP) -> str:
    derivation = NetworkDerivation(net)
    printer = lecture_printer(derivation.names)
    tex = printer.doprint
    L, C = net.depth, net.sizes[-1]
    last = list(net.a(L))
    q_defs = softmax(last)
    total = sp.simplify(sp.Add(*q_defs))
    real = {a: sp.Symbol(a.name, real=True) for a in last}
    positive = all(sp.simplify(q.xreplace(real)).is_positive for q in q_defs)
    rows = [f"{tex(q)} &= {tex(value)}" for q, value in zip(net.q, q_defs)]
    terms = [tex(v) for v in q_defs] if C <= 3 else [tex(q_defs[0]), r"\cdots", tex(q_defs[-1])]
    sum_rows = [r"\sum_{j=1}^{%d} q_{j} &= %s = %s" % (C, " + ".join(terms), tex(total))]

    steps = derivation.steps
    delta_L = steps.output_delta
    delta_one_hot = delta_L.xreplace({sp.Add(*net.y): sp.Integer(1)})
    gradient = steps.weight_gradients[L]
    gradient_values = gradient.xreplace(dict(zip(steps.delta_symbols[L], delta_one_hot)))
    nt = NetworkTex(derivation)
    layout = nt.layout()
    delta_name = lambda i, j: nt.tex(steps.delta_symbols[L][i])  # noqa: E731
    delta_rows = nt.matrix_rows(layout, r"\delta^{%d}" % L, delta_L, middle=r"\frac{\partial e}{\partial a^{%d}}" % L, entry=delta_name)
    one_hot_rows = nt.matrix_rows(layout, r"\delta^{%d}" % L, delta_one_hot, entry=delta_name)
    check = all(sp.expand(d - (q - y)) == 0 for d, q, y in zip(delta_one_hot, net.q, net.y))
    return section(
        "Softmax outputs (L18)",
        [
            r"For $C$ classes, $y$ is one-hot encoded and the last layer has $C$ neurons whose activations "
            f"$a^{{L}}$ feed the softmax. For $C = {C}$ (the network ${[*net.sizes]}$, no activation on the last layer):",
            align(rows),
            r"\textbf{$q$ is a probability distribution.} SymPy simplifies the sum of the softmax outputs to "
            f"{tex(total)} (exactly):",
            align(sum_rows),
            "and, for real $a^{L}_{j}$, SymPy decides $q_{j} > 0$ for every $j$ from $e^{a} > 0$: "
            + ("confirmed" if positive else "NOT confirmed") + ".",
            r"\textbf{Gradient $q - y$ (L22).} With the cross-entropy loss $e = -\sum_{j} y_{j} \log q_{j}$, "
            r"differentiating $e$ written in $a^{L}$ (log-softmax) and writing $e^{a^{L}_{j}} / \sum_{r} e^{a^{L}_{r}}$ as $q_{j}$ gives",
            align(delta_rows),
            r"and for a one-hot target ($\sum_{j} y_{j} = 1$)",
            align(one_hot_rows),
            ("so $\\delta^{L} = q - y$ exactly (SymPy: each entry minus $q_{j} - y_{j}$ expands to 0). "
             if check else "(the entries do NOT reduce to $q - y$). ")
            + r"The last layer has no activation, so $\Diag = I$ and backpropagation starts from "
            r"$\nabla_{W^{L}} e = (q - y) (a^{L-1})^{\top}$:",
            align(nt.matrix_rows(layout, r"\nabla_{W^{%d}} e" % L, gradient_values,
                                 entry=lambda i, j: nt.partial(net.W(L)[i, j]))),
        ],
        level="subsection",
    )


def _kl(C: int = 3) -> str:
    p = [sp.Symbol(f"p_{{{j}}}", positive=True) for j in range(1, C + 1)]
    q = [sp.Symbol(f"q_{{{j}}}", positive=True) for j in range(1, C + 1)]
    unused = [sp.Symbol("unused")] * C
    KL = get_loss("kl").expression(unused, p, q)
    CE = get_loss("cross_entropy").expression(unused, p, q)
    NE = sp.Add(*[p_j * sp.log(p_j) for p_j in p])
    identity = sp.expand(sp.expand_log(KL - (NE + CE), force=True))
    printer = lecture_printer()
    tex = printer.doprint
    t = sp.Symbol("t", positive=True)
    limit = sp.limit(t * sp.log(t), t, 0, "+")
    one_hot = [sp.Integer(1)] + [sp.Integer(0)] * (C - 1)
    NE_one_hot = sp.Add(*[(limit if v == 0 else v * sp.log(v)) for v in one_hot])
    CE_one_hot = get_loss("cross_entropy").expression(unused, one_hot, q)
    rows = [
        r"\KL(p \,\|\, q) &= " + tex(KL),
        r"\NE(p) &= " + tex(NE),
        r"\CE(p, q) &= " + tex(CE),
    ]
    return section(
        r"Comparing distributions: KL, NE and CE (L19, L22)",
        [
            r"The prediction $q$ is compared with the one-hot target $p$ by the Kullback--Leibler divergence "
            f"(L19), the negative entropy and the cross-entropy (L22); for $C = {C}$, from symbackprop's loss definitions:",
            align(rows),
            r"\textbf{$\KL = \NE + \CE$ (L22).} For positive $p_{j}, q_{j}$, SymPy expands the logarithms of "
            r"$\KL(p \,\|\, q) - (\NE(p) + \CE(p, q))$ and obtains "
            f"${tex(identity)}$: the identity is exact.",
            r"\textbf{One-hot targets.} With $p = (1, 0, \ldots, 0)$ and the convention $0 \log 0 = "
            r"\lim_{t \to 0^{+}} t \log t = " + tex(limit) + r"$ (SymPy's limit), "
            f"$\\NE(p) = {tex(NE_one_hot)}$, so $\\KL(p \\,\\|\\, q) = \\CE(p, q) = {tex(CE_one_hot)}$: "
            "minimising KL is minimising the cross-entropy, whose gradient with respect to the softmax inputs is "
            r"$q - p$ (derived above).",
        ],
        level="subsection",
    )


def _not_a_distance() -> str:
    printer = lecture_printer()
    tex = printer.doprint
    p, q = WORKED_P, WORKED_Q
    kl_pq, kl_qp = kl(p, q), kl(q, p)
    difference = sp.expand(kl_qp - kl_pq)
    sign, R, N = log_sign(difference)
    sign_pq, R_pq, N_pq = log_sign(kl_pq)
    sign_qp, R_qp, N_qp = log_sign(kl_qp)
    a, b, c, excess = kl_triangle_counterexample()
    e_sign, e_R, e_N = log_sign(excess)
    kl_ac, kl_ab, kl_bc = kl(a, c), kl(a, b), kl(b, c)

    def closed(value: sp.Expr, R: sp.Rational, N: int) -> str:
        prefix = "" if N == 1 else r"\tfrac{1}{%d} " % N
        return f"{tex(value)} = {prefix}\\log {tex(R)}"

    def approx(value: sp.Expr) -> str:
        return f"{float(sp.N(value, 20)):.4f}"

    compare = ">" if sign > 0 else "<"
    return section(
        r"KL is not a distance (L20, L21)",
        [
            r"\textbf{Not symmetric (L20).} For the lecture's example "
            f"$p = {_vector(p)}$, $q = {_vector(q)}$, SymPy gives in closed form",
            align([
                r"\KL(p \,\|\, q) &= " + closed(kl_pq, R_pq, N_pq) + r" \approx " + approx(kl_pq),
                r"\KL(q \,\|\, p) &= " + closed(kl_qp, R_qp, N_qp) + r" \approx " + approx(kl_qp),
            ]),
            f"and $\\KL(q \\,\\|\\, p) - \\KL(p \\,\\|\\, q) = {closed(difference, R, N)} {compare} 0$ exactly, since "
            f"${tex(R)} {compare} 1$. So $\\KL(p \\,\\|\\, q) \\neq \\KL(q \\,\\|\\, p)$.",
            r"\textbf{No triangle inequality (L20).} Searching two-outcome distributions with entries in "
            r"$\{\tfrac{1}{4}, \tfrac{2}{4}, \tfrac{3}{4}\}$, symbackprop finds "
            f"$p = {_vector(a)}$, $q = {_vector(b)}$, $r = {_vector(c)}$ with",
            align([
                r"\KL(p \,\|\, r) &= " + tex(kl_ac) + r" \approx " + approx(kl_ac),
                r"\KL(p \,\|\, q) + \KL(q \,\|\, r) &= " + tex(sp.expand(kl_ab + kl_bc)) + r" \approx " + approx(kl_ab + kl_bc),
                r"\KL(p \,\|\, r) - \KL(p \,\|\, q) - \KL(q \,\|\, r) &= " + closed(excess, e_R, e_N) + " > 0",
            ]),
            f"(exact: ${tex(e_R)} > 1$), so $\\KL(p \\,\\|\\, r) > \\KL(p \\,\\|\\, q) + \\KL(q \\,\\|\\, r)$.",
            r"\textbf{Non-negative (L21).} $\KL(p \,\|\, q) \ge 0$ for all distributions, with equality only for "
            r"$p = q$ (Gibbs' inequality: $-\KL(p \,\|\, q) = \sum_{j} p_{j} \log \frac{q_{j}}{p_{j}} \le "
            r"\log \sum_{j} q_{j} = 0$ by Jensen's inequality for the concave $\log$) --- a general fact, stated here, "
            f"not derived; the values above are positive (exactly: ${tex(R_pq)} > 1$ and ${tex(R_qp)} > 1$).",
        ],
        level="subsection",
    )
