"""Softmax outputs and the KL divergence for one network (L18–L22), derived by SymPy.

Every identity is stated as what it is: "exact" means SymPy reduced the difference of both sides to 0
(or decided a sign from its assumptions).  The whole lecture's multi-class sections (which also train,
and answer the lecture's questions about KL) are built on these in :mod:`symbackprop.lecture`.
"""

from __future__ import annotations

import math
from typing import Sequence

import sympy as sp

from ..errors import LimitError
from ..losses import get_loss, softmax
from ..network import MLP
from ..printing import LecturePrinter, lecture_printer
from .document import Section, section
from .layout import align

__all__ = ["softmax_facts", "distribution_facts", "softmax_distribution", "kl_parts", "kl_identity", "softmax_section", "kl", "log_sign"]


def softmax_facts(net: MLP) -> tuple[list[sp.Expr], sp.Expr, bool]:
    """(q_j = softmax(a^L)_j, Σ_j q_j simplified, whether SymPy decides q_j > 0 for real a^L)."""
    last = list(net.a(net.depth))
    _, total, positive = distribution_facts([sp.Symbol(a.name, real=True) for a in last])
    return softmax(last), total, positive


def distribution_facts(a: Sequence[sp.Symbol]) -> tuple[list[sp.Expr], sp.Expr, bool]:
    """For real symbols ``a``: (q = softmax(a), Σ_j q_j exactly, whether SymPy decides every q_j > 0)."""
    q = softmax(list(a))
    total = sp.together(sp.Add(*q))  # one common denominator: Σ_j e^{a_j} / Σ_j e^{a_j}
    if total != 1:  # pragma: no cover - together settles the softmax's sum
        total = sp.simplify(total)
    return q, total, all(_is_positive(q_j) for q_j in q)


def _is_positive(expression: sp.Expr) -> bool:
    """SymPy's assumptions on the expression as it stands, simplified only when they cannot decide."""
    decided = expression.is_positive
    return bool(decided if decided is not None else sp.simplify(expression).is_positive)


def softmax_distribution(net: MLP, printer: LecturePrinter | None = None) -> str:
    """The softmax of ``net``'s outputs, and the exact facts that make q a probability distribution."""
    printer = printer or lecture_printer()
    tex = printer.doprint
    q_defs, total, positive = softmax_facts(net)
    C = len(q_defs)
    terms = [tex(v) for v in q_defs] if C <= 3 else [tex(q_defs[0]), r"\cdots", tex(q_defs[-1])]
    return "\n\n".join([
        r"\textbf{$q$ is a probability distribution (L18).} The softmax of the $C = %d$ outputs," % C,
        align([f"{tex(q)} &= {tex(value)}" for q, value in zip(net.q, q_defs)]),
        r"sums to %s exactly (SymPy simplifies the sum):" % f"${tex(total)}$",
        align([r"\sum_{j=1}^{%d} q_{j} &= %s = %s" % (C, " + ".join(terms), tex(total))]),
        "and, for real $a^{L}_{j}$, SymPy decides $q_{j} > 0$ for every $j$ from $e^{a} > 0$: "
        + ("confirmed." if positive else "NOT confirmed."),
    ])


def kl_parts(C: int) -> tuple[list[sp.Symbol], list[sp.Symbol], sp.Expr, sp.Expr, sp.Expr, sp.Expr]:
    """(p, q, KL(p‖q), NE(p), CE(p, q), KL − (NE + CE) with logarithms expanded) for C classes,
    from symbackprop's loss definitions."""
    p = [sp.Symbol(f"p_{{{j}}}", positive=True) for j in range(1, C + 1)]
    q = [sp.Symbol(f"q_{{{j}}}", positive=True) for j in range(1, C + 1)]
    unused = [sp.Symbol("unused")] * C
    KL = get_loss("kl").expression(unused, p, q)
    CE = get_loss("cross_entropy").expression(unused, p, q)
    NE = sp.Add(*[p_j * sp.log(p_j) for p_j in p])
    difference = sp.expand(sp.expand_log(KL - (NE + CE), force=True))
    return p, q, KL, NE, CE, difference


def kl_identity(C: int) -> str:
    """KL = NE + CE for C classes (exact), and why the loss for a one-hot target is the cross-entropy."""
    printer = lecture_printer()
    tex = printer.doprint
    p, q, KL, NE, CE, difference = kl_parts(C)
    t = sp.Symbol("t", positive=True)
    limit = sp.limit(t * sp.log(t), t, 0, "+")
    unused = [sp.Symbol("unused")] * C
    one_hot = [sp.Integer(1)] + [sp.Integer(0)] * (C - 1)
    NE_one_hot = sp.Add(*[(limit if v == 0 else v * sp.log(v)) for v in one_hot])
    CE_one_hot = get_loss("cross_entropy").expression(unused, one_hot, q)
    return "\n\n".join([
        r"\textbf{$\KL = \NE + \CE$ (L19, L22).} For $C = %d$, from symbackprop's loss definitions:" % C,
        align([r"\KL(p \,\|\, q) &= " + tex(KL), r"\NE(p) &= " + tex(NE), r"\CE(p, q) &= " + tex(CE)]),
        r"For positive $p_{j}, q_{j}$ SymPy expands the logarithms of $\KL(p \,\|\, q) - (\NE(p) + \CE(p, q))$ to "
        f"${tex(difference)}$: the identity is exact. For the one-hot target $p = y = (1, 0, \\ldots, 0)$, with "
        r"$0 \log 0 = \lim_{t \to 0^{+}} t \log t = " + tex(limit) + r"$ (SymPy's limit), "
        f"$\\NE(y) = {tex(NE_one_hot)}$, so $\\KL(y \\,\\|\\, q) = \\CE(y, q) = {tex(CE_one_hot)}$: "
        "minimising KL is minimising the cross-entropy, the network's loss.",
    ])


def softmax_section(net: MLP) -> Section:
    """Softmax and KL = NE + CE for a network with softmax outputs (L18–L22), as one section."""
    if not net.softmax:
        raise ValueError("softmax_section needs a network with softmax outputs")
    return Section("softmax", lambda: section(r"Softmax outputs and the KL divergence (L18--L22)",
                                              [softmax_distribution(net), kl_identity(net.sizes[-1])], name="softmax"))


def kl(p: tuple[sp.Expr, ...], q: tuple[sp.Expr, ...]) -> sp.Expr:
    """KL(p‖q) from the library's KL loss (terms with p_j = 0 contribute 0), logs expanded."""
    loss = get_loss("kl")
    kept = [(p_j, q_j) for p_j, q_j in zip(p, q) if p_j != 0]
    value = loss.expression([sp.Symbol("unused")] * len(kept), [p_j for p_j, _ in kept], [q_j for _, q_j in kept])
    return sp.expand(sp.expand_log(value, force=True))


LOG_SIGN_BITS = 1_000_000
"""The largest R (in bits of numerator plus denominator) :func:`log_sign` builds: a few milliseconds of work."""


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
    bits = sum(abs(c * N) * (int(t.p).bit_length() + int(t.q).bit_length()) for t, c in coefficients.items())
    if bits > LOG_SIGN_BITS:  # R's numerator and denominator would have this many bits: refuse before building them
        raise LimitError(
            f"deciding the sign of this sum of logarithms exactly needs rationals of about {int(bits):,} bits (the limit is "
            f"{LOG_SIGN_BITS:,}); use probabilities with smaller denominators"
        )
    R = sp.Integer(1)
    for base, coefficient in coefficients.items():
        R *= base ** (coefficient * N)
    return (1 if R > 1 else -1 if R < 1 else 0), sp.Rational(R), int(N)
