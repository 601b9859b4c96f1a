"""Multi-class results for every number of classes C (symbolic): L18, L19, L21, L22.

Sums run over j = 1…C with C a symbol; p, q are positive (a distribution with full support) unless a
step says otherwise; the convention 0 · log 0 = 0 handles zero entries (one-hot p) and is named where used.
"""

from __future__ import annotations

import sympy as sp

from .checks import Identity, check
from .layer import index
from .output_steps import OutputLayer, cross_entropy_gradient_identities
from .result import Evidence, Method, Step

__all__ = ["multiclass_steps", "log_inequality_evidence"]

j, c, i = (index(name) for name in "jci")
C = sp.Symbol("C", integer=True, positive=True)
p = sp.IndexedBase("p", positive=True)
q = sp.IndexedBase("q", positive=True)
_t = sp.Symbol("t", positive=True)
_s = sp.Symbol("s", positive=True)


def _ranges(*names: sp.Symbol) -> dict[sp.Symbol, tuple[sp.Expr, sp.Expr]]:
    return {name: (sp.Integer(1), C) for name in names}


def _sum(body: sp.Expr) -> sp.Expr:
    return sp.Sum(body, (j, 1, C))


def _lemma(statement: str, latex: str, detail: str = "") -> Evidence:
    return Evidence(statement, latex, Method.LEMMA, True, detail or "taken as given")


def _l18() -> Step:
    layer = OutputLayer(C)
    sums_to_one = check(
        Identity(
            "sum",
            "Σ_{j=1}^{C} q_j = 1 for q_j = exp(a^L_j) / Σ_r exp(a^L_r)",
            r"\sum_{j=1}^{C} q_{j} = \sum_{j=1}^{C} \frac{e^{a^{L}_{j}}}{\sum_{r=1}^{C} e^{a^{L}_{r}}} = 1",
            Method.EXACT_IDENTITY,
            _sum(layer.q(j)),
            sp.Integer(1),
            {},
        )
    )
    positive = layer.q(j).is_positive is True
    return Step(
        "L18",
        "softmax is a probability distribution",
        "for every C and real a^L: q = softmax(a^L) has Σ_j q_j = 1 and q_j > 0",
        r"\sum_{j=1}^{C} q_{j} = 1,\qquad q_{j} = \frac{e^{a^{L}_{j}}}{\sum_{r=1}^{C} e^{a^{L}_{r}}} > 0",
        Method.EXACT_IDENTITY,
        (
            sums_to_one,
            Evidence(
                "q_j > 0: exp of a real is positive, a sum of C ≥ 1 positive terms is positive, so is their quotient",
                r"e^{a^{L}_{j}} > 0,\ \sum_{r=1}^{C} e^{a^{L}_{r}} > 0",
                Method.LEMMA,
                positive,
                f"SymPy's assumption system applies these facts: is_positive = {layer.q(j).is_positive}",
            ),
        ),
    )


def _l19() -> Step:
    layer = OutputLayer(C)
    one_hot = check(
        Identity(
            "one-hot",
            "for one-hot p = e_c: KL(e_c‖q) = Σ_j δ_jc log(1/q_j) = log Σ_r exp(a^L_r) − a^L_c = −log q_c "
            "(log of a quotient of positive numbers, L18)",
            r"\mathrm{KL}(e_{c}\,\|\,q) = \sum_{j=1}^{C} \delta_{jc} \log\frac{1}{q_{j}} = "
            r"\log \sum_{r=1}^{C} e^{a^{L}_{r}} - a^{L}_{c} = -\log q_{c}",
            Method.EXACT_IDENTITY,
            sp.expand_log(sp.log(layer.normaliser()) - layer.a[c], force=True),
            sp.expand_log(_sum(sp.KroneckerDelta(j, c) * sp.log(1 / layer.q(j))).doit(), force=True),
            _ranges(c),
        )
    )
    return Step(
        "L19",
        "KL(p‖q) compares the one-hot p with the prediction q",
        "for every C, KL(p‖q) = Σ_j p_j log(p_j/q_j) is finite for every distribution p when q = softmax(a^L) "
        "(q_j > 0, L18; 0·log 0 = 0), and for one-hot p = e_c it is −log q_c",
        r"\mathrm{KL}(p\,\|\,q) = \sum_{j=1}^{C} p_{j}\log\frac{p_{j}}{q_{j}},\qquad \mathrm{KL}(e_{c}\,\|\,q) = -\log q_{c}",
        Method.EXACT_IDENTITY,
        (
            _lemma(
                "convention 0 · log 0 = 0 (and 0 · log(0/q_j) = 0): terms with p_j = 0 vanish",
                r"0 \log 0 = 0",
                "a definition (the continuous extension of t log t at 0), stated",
            ),
            one_hot,
        ),
    )


def _l22() -> Step:
    split = check(
        Identity(
            "split",
            "KL(p‖q) = NE(p) + CE(p, q) for p_j, q_j > 0",
            r"\sum_{j=1}^{C} p_{j}\log\frac{p_{j}}{q_{j}} = \sum_{j=1}^{C} p_{j}\log p_{j} - \sum_{j=1}^{C} p_{j}\log q_{j}",
            Method.EXACT_IDENTITY,
            sp.expand_log(_sum(p[j] * sp.log(p[j] / q[j]))),
            sp.expand_log(_sum(p[j] * sp.log(p[j])) - _sum(p[j] * sp.log(q[j]))),
            {},
        )
    )
    target = sp.IndexedBase("p", real=True)
    layer = OutputLayer(C)
    gradient = check(cross_entropy_gradient_identities(layer, target))
    one_hot_gradient = check(
        Identity(
            "gradient",
            "∂CE(p, softmax(a^L))/∂a^L_i = q_i − p_i when Σ_j p_j = 1",
            r"\frac{\partial\,\mathrm{CE}(p, q)}{\partial a^{L}_{i}} = q_{i} - p_{i}",
            Method.SYMBOLIC_DIFFERENTIATION,
            layer.q(i) - target[i],
            sp.diff(layer.cross_entropy(target), layer.a[i]),
            _ranges(i),
            hypotheses={_sum(target[j]): sp.Integer(1)},
        )
    )
    return Step(
        "L22",
        "KL = NE + CE; one-hot p: the loss is CE and ∂CE/∂a^L = q − p",
        "for every C: KL(p‖q) = NE(p) + CE(p, q); with one-hot p, NE(p) = 0, so the loss is CE, "
        "and ∂CE(p, softmax(a^L))/∂a^L = q − p",
        r"\mathrm{KL}(p\,\|\,q) = \mathrm{NE}(p) + \mathrm{CE}(p, q),\qquad "
        r"\frac{\partial\,\mathrm{CE}(p, \mathrm{softmax}(a^{L}))}{\partial a^{L}} = q - p",
        Method.EXACT_IDENTITY,
        (
            split,
            _lemma(
                "one-hot p: NE(p) = 1·log 1 + Σ_{j≠c} 0·log 0 = 0 (log 1 = 0 and the convention 0·log 0 = 0)",
                r"\mathrm{NE}(e_{c}) = 0",
            ),
            gradient,
            one_hot_gradient,
        ),
    )


def log_inequality_evidence() -> tuple[Evidence, ...]:
    """log t ≤ t − 1 for t > 0, with equality only at t = 1: f(t) = t − 1 − log t, f(1) = 0, sign of f'."""
    f = _t - 1 - sp.log(_t)
    derivative = sp.diff(f, _t)
    below = sp.simplify(derivative.xreplace({_t: 1 / (1 + _s)}))  # 0 < t < 1
    above = sp.simplify(derivative.xreplace({_t: 1 + _s}))  # t > 1
    return (
        Evidence(
            "f(t) = t − 1 − log t has f(1) = 0 and f'(t) = (t − 1)/t",
            r"f(t) = t - 1 - \log t,\quad f(1) = 0,\quad f'(t) = \frac{t-1}{t}",
            Method.SYMBOLIC_DIFFERENTIATION,
            f.xreplace({_t: 1}) == 0 and sp.cancel(derivative - (_t - 1) / _t) == 0,
            f"SymPy: f(1) = {f.xreplace({_t: 1})}, f'(t) = {derivative}",
        ),
        Evidence(
            "f'(t) < 0 on 0 < t < 1 and f'(t) > 0 on t > 1 (t = 1/(1+s), resp. t = 1 + s, s > 0)",
            r"f'\bigl(\tfrac{1}{1+s}\bigr) = -s < 0,\quad f'(1+s) = \tfrac{s}{1+s} > 0 \quad (s > 0)",
            Method.EXACT_IDENTITY,
            below.is_negative is True and above.is_positive is True,
            f"SymPy: f'(1/(1+s)) = {below} (negative: {below.is_negative}), f'(1+s) = {above} (positive: {above.is_positive})",
        ),
        _lemma(
            "a differentiable f decreasing on (0, 1] and increasing on [1, ∞) has its strict minimum at 1 "
            "(mean value theorem); hence log t ≤ t − 1 with equality only at t = 1",
            r"\log t \le t - 1,\ \text{equality iff } t = 1",
        ),
    )


def _l21() -> Step:
    f = lambda value: value - 1 - sp.log(value)  # noqa: E731
    decomposition = check(
        Identity(
            "decomposition",
            "Σ_j p_j log(p_j/q_j) = Σ_j p_j f(q_j/p_j) + Σ_j p_j − Σ_j q_j for p_j, q_j > 0 (every C)",
            r"\sum_{j=1}^{C} p_{j}\log\frac{p_{j}}{q_{j}} = \sum_{j=1}^{C} p_{j}\, f\Bigl(\frac{q_{j}}{p_{j}}\Bigr) + "
            r"\sum_{j=1}^{C} p_{j} - \sum_{j=1}^{C} q_{j}",
            Method.EXACT_IDENTITY,
            sp.expand_log(_sum(p[j] * sp.log(p[j] / q[j]))),
            sp.expand_log(_sum(p[j] * f(q[j] / p[j])) + _sum(p[j]) - _sum(q[j])),
            {},
        )
    )
    return Step(
        "L21",
        "KL(p‖q) ≥ 0, = 0 iff p = q",
        "for every C and distributions p, q (q_j > 0 where p_j > 0): KL(p‖q) ≥ 0, with equality iff p = q",
        r"\mathrm{KL}(p\,\|\,q) \ge 0,\qquad \mathrm{KL}(p\,\|\,q) = 0 \iff p = q",
        Method.EXACT_IDENTITY,
        (
            *log_inequality_evidence(),
            decomposition,
            _lemma(
                "with Σ_j p_j = Σ_j q_j = 1 the last two sums cancel; each p_j f(q_j/p_j) ≥ 0, and a sum of "
                "non-negative terms is ≥ 0, = 0 iff every term is 0, i.e. q_j = p_j for all j",
                r"\mathrm{KL}(p\,\|\,q) = \sum_{j} p_{j} f(q_{j}/p_{j}) \ge 0",
            ),
            _lemma(
                "zero entries of p (e.g. one-hot p): with 0·log 0 = 0 the sums run over the support S of p, "
                "relabelled 1…|S| (the identity above holds for every C); then KL = Σ_S p_j f(q_j/p_j) + 1 − Σ_S q_j ≥ 0, "
                "= 0 iff q_j = p_j on S and Σ_S q_j = 1, i.e. q = p",
                r"\mathrm{KL}(p\,\|\,q) = \sum_{j \in S} p_{j} f(q_{j}/p_{j}) + 1 - \sum_{j\in S} q_{j} \ge 0",
            ),
        ),
    )


def multiclass_steps() -> tuple[Step, Step, Step, Step]:
    """L18, L19, L21, L22 for a symbolic number of classes C."""
    return _l18(), _l19(), _l21(), _l22()
