"""Each student's own variant of the homework, drawn deterministically from the course seed and their id.

A student's draws come from ``random.Random(f"{seed}:{id}")`` — the same seed and roster give the same
variants on every machine — and fix the architecture (within the spec's bounds), the activations, the
entries asked, and the numbers in p and q.  :func:`make_variants` returns the ``variants.json`` document:

``{"generator": "symbackprop <version>", "seed": N, "title": …, "spec": {…}, "students": {"<id>": {"name": …,
"variant": "<hash of the parts>", "parts": [{"part": "1a", "kind": …, "network": {…}, "wrt": …, "prompt": …,
"prompt_latex": …, "answer": …, "answer_latex": …, "points": …, "conventions": […], …}, …]}}}``
"""

from __future__ import annotations

import hashlib
import json
import random
import string
from fractions import Fraction
from typing import Any, Sequence

import sympy as sp

from .. import __version__
from ..answers.arrays import ArrayTarget, array_model_answer
from ..answers.general_index import GeneralTarget, general_model_answer
from ..answers.quantities import Quantity, model_answer
from ..emit.multiclass import kl, log_sign
from ..errors import SpecError
from ..answers.counterexamples import triangle_gap
from ..network import MLP
from ..strict_json import MAX_DIGITS
from .spec import HomeworkSpec, Question

__all__ = ["make_variants", "student_parts", "network_of", "GENERATOR", "variant_key"]

GENERATOR = f"symbackprop {__version__}"
_GENERAL_NETWORK = {"sizes": [2, 2, 2, 1], "activation": "phi", "output": None, "bias": True, "loss": "squared"}
_NETWORKS: dict[str, MLP] = {}


def network_of(description: dict[str, Any]) -> MLP:
    """The MLP a part's ``network`` describes (one object per description, kept for the process)."""
    key = json.dumps(description, sort_keys=True)
    if key not in _NETWORKS:
        _NETWORKS[key] = MLP(
            description["sizes"], activation=description["activation"], output=description.get("output"),
            bias=bool(description.get("bias")), loss=description.get("loss", "squared"),
        )
    return _NETWORKS[key]


def _network(sizes: Sequence[int], activation: str, *, bias: bool, output: str | None = None, loss: str = "squared") -> dict[str, Any]:
    return {"sizes": list(sizes), "activation": activation, "output": output, "bias": bias, "loss": loss}


def _describe(net_description: dict[str, Any]) -> str:
    net = network_of(net_description)
    return net.spec.describe()


def _fraction_latex(value: Fraction | sp.Rational) -> str:
    value = sp.Rational(value)
    return str(value) if value.q == 1 else rf"\tfrac{{{value.p}}}{{{value.q}}}"


def _vector(values: Sequence) -> tuple[str, str]:
    return "(" + ", ".join(str(sp.Rational(v)) for v in values) + ")", r"\left(" + ", ".join(_fraction_latex(v) for v in values) + r"\right)"


# --- one question → its parts ----------------------------------------------------------------------------

class _Draw:
    def __init__(self, rng: random.Random, spec: HomeworkSpec) -> None:
        self.rng = rng
        self.spec = spec

    def choice(self, options: Sequence) -> Any:
        return options[self.rng.randrange(len(options))]

    def part(self, label: str, kind: str, points: float, **fields: Any) -> dict[str, Any]:
        base = {"part": label, "kind": kind, "points": points, "conventions": list(self.spec.conventions)}
        base.update(fields)
        base["credit"] = dict(self.spec.credit)
        return base


def _bias(draw: _Draw, number: int, question: Question) -> list[dict[str, Any]]:
    options = question.options
    sizes = draw.choice(options.get("sizes", [[2, 2, 1], [2, 3, 1], [3, 2, 1], [3, 3, 1]]))
    activation = draw.choice(options.get("activations", ["sigmoid", "tanh"]))
    network = _network(sizes, activation, bias=True)
    net = network_of(network)
    layer = draw.choice([1, 2])
    i = draw.rng.randint(1, sizes[layer])
    vector_layer = 3 - layer
    scalar = Quantity("b", layer, i)
    plain, latex = model_answer(net, scalar)
    vector = ArrayTarget("b", vector_layer)
    vplain, vlatex = array_model_answer(net, vector)
    gplain, glatex = general_model_answer(GeneralTarget("b"))
    points = question.points
    intro = "Every neuron has a bias b^ℓ_i, z^ℓ_i = Σ_j w^ℓ_ij a^(ℓ−1)_j + b^ℓ_i (L12)."
    return [
        draw.part(f"{number}a", "gradient", points[0], network=network, wrt=scalar.name,
                  prompt=f"{intro} For the network {_describe(network)}, give ∂e/∂b^{layer}_{i} in terms of δ^{layer}_{i} = ∂e/∂a^{layer}_{i}.",
                  prompt_latex=rf"Give $\frac{{\partial e}}{{\partial b^{{{layer}}}_{{{i}}}}}$ in terms of $\delta^{{{layer}}}_{{{i}}} = \partial e / \partial a^{{{layer}}}_{{{i}}}$.",
                  answer=plain, answer_latex=latex, chain=None),
        draw.part(f"{number}b", "vector", points[1], network=network, wrt=f"b^{vector_layer}",
                  prompt=f"Same network: give the whole gradient ∇_b^{vector_layer} e in matrix notation (with Diag(φ'), δ^{vector_layer}, …) or entry by entry.",
                  prompt_latex=rf"Give $\nabla_{{b^{{{vector_layer}}}}} e$ in matrix notation (with $\Diag(\varphi^{{{vector_layer}\prime}})$, $\delta^{{{vector_layer}}}$, \ldots) or entry by entry.",
                  answer=vplain, answer_latex=vlatex),
        draw.part(f"{number}c", "general", points[2], network=dict(_GENERAL_NETWORK), wrt="b^ℓ_i",
                  prompt="For every layer ℓ and neuron i of any MLP with biases and a generic activation φ: give ∂e/∂b^ℓ_i in terms of δ^ℓ_i (use the indices ℓ and i).",
                  prompt_latex=r"For every layer $\ell$ and neuron $i$ (generic $\varphi$): give $\frac{\partial e}{\partial b^{\ell}_{i}}$ in terms of $\delta^{\ell}_{i}$, with the indices $\ell$, $i$.",
                  answer=gplain, answer_latex=glatex),
    ]


def _backprop(draw: _Draw, number: int, question: Question) -> list[dict[str, Any]]:
    options = question.options
    sizes = draw.choice(options.get("sizes", [[2, 2, 1], [2, 3, 1], [3, 2, 1], [2, 2, 2], [3, 2, 2]]))
    activation = draw.choice(options.get("activations", ["sigmoid", "tanh"]))
    bias = bool(draw.choice(options.get("bias", [True, False])))
    network = _network(sizes, activation, bias=bias)
    net = network_of(network)
    o = draw.rng.randint(1, sizes[2])
    k = draw.rng.randint(1, sizes[1])
    j = draw.rng.randint(1, sizes[0])
    steps = [
        ("delta", Quantity("a", 2, o), f"δ^2_{o} = ∂e/∂a^2_{o}", rf"\delta^{{2}}_{{{o}}} = \frac{{\partial e}}{{\partial a^{{2}}_{{{o}}}}}",
         "(from the loss)", "(from the loss)"),
        ("delta", Quantity("a", 1, k), f"δ^1_{k} = ∂e/∂a^1_{k}", rf"\delta^{{1}}_{{{k}}} = \frac{{\partial e}}{{\partial a^{{1}}_{{{k}}}}}",
         "in terms of the δ^2_m (L9)", r"in terms of the $\delta^{2}_{m}$ (L9)"),
        ("dz", Quantity("z", 1, k), f"∂e/∂z^1_{k}", rf"\frac{{\partial e}}{{\partial z^{{1}}_{{{k}}}}}",
         f"in terms of δ^1_{k} (L8)", rf"in terms of $\delta^{{1}}_{{{k}}}$ (L8)"),
        ("gradient", Quantity("w", 1, k, j), f"∂e/∂w^1_{k}{j}", rf"\frac{{\partial e}}{{\partial w^{{1}}_{{{k}{j}}}}}",
         f"in terms of δ^1_{k} (L7)", rf"in terms of $\delta^{{1}}_{{{k}}}$ (L7)"),
    ]
    parts = []
    letters = string.ascii_lowercase
    for index, (kind, q, title, title_latex, hint, hint_latex) in enumerate(steps):
        plain, latex = model_answer(net, q)
        prompt = (f"The network {_describe(network)}. " if index == 0 else "Same network: ") + f"give {title} {hint}."
        parts.append(draw.part(f"{number}{letters[index]}", kind, question.points[index], network=network, wrt=q.name,
                               prompt=prompt, prompt_latex=f"Give ${title_latex}$ {hint_latex}.",
                               answer=plain, answer_latex=latex, chain=str(number), step=index + 1))
    target = ArrayTarget("W", 1)
    plain, latex = array_model_answer(net, target)
    parts.append(draw.part(f"{number}e", "matrix", question.points[4], network=network, wrt="W^1",
                           prompt="Same network: give ∇_W^1 e in matrix notation (L11) or entry by entry.",
                           prompt_latex=r"Give $\nabla_{W^{1}} e$ in matrix notation (L11) or entry by entry.",
                           answer=plain, answer_latex=latex))
    return parts


def _softmax(draw: _Draw, number: int, question: Question) -> list[dict[str, Any]]:
    sizes = draw.choice(question.options.get("sizes", [[2, 3], [3, 3], [2, 4]]))
    network = _network(sizes, "identity", bias=False, output="softmax", loss="cross_entropy")
    net = network_of(network)
    target = ArrayTarget("a", net.depth)
    plain, latex = array_model_answer(net, target)
    C = sizes[-1]
    return [draw.part(f"{number}a", "vector", question.points[0], network=network, wrt=f"a^{net.depth}",
                      prompt=f"{C} classes: the outputs q = softmax(a^{net.depth}) and the cross-entropy loss e = −Σ_j y_j log q_j with a one-hot y. "
                             f"Give δ^{net.depth} = ∂e/∂a^{net.depth} (L22), as a vector.",
                      prompt_latex=rf"With $q = \operatorname{{softmax}}(a^{{{net.depth}}})$ over {C} classes and $e = -\sum_j y_j \log q_j$ (one-hot $y$), give $\delta^{{{net.depth}}} = \partial e/\partial a^{{{net.depth}}}$.",
                      answer=plain, answer_latex=latex)]


def _distribution(draw: _Draw, classes: int, denominator: int) -> tuple[Fraction, ...]:
    cuts = sorted(draw.rng.sample(range(1, denominator), classes - 1))
    counts = [b - a for a, b in zip([0, *cuts], [*cuts, denominator])]
    return tuple(Fraction(count, denominator) for count in counts)


def _kl_text(p: Sequence, q: Sequence) -> tuple[str, str]:
    terms, latex = [], []
    for p_j, q_j in zip(p, q):
        if p_j == 0:
            continue
        ratio = sp.Rational(p_j) / sp.Rational(q_j)
        terms.append(f"{sp.Rational(p_j)}*log({ratio})")
        latex.append(rf"{_fraction_latex(p_j)} \log {_fraction_latex(ratio)}")
    return " + ".join(terms), " + ".join(latex)


def _kl(draw: _Draw, number: int, question: Question) -> list[dict[str, Any]]:
    classes = draw.choice(question.options.get("classes", [2, 3]))
    denominator = draw.choice([d for d in question.options.get("denominators", [4, 5, 6, 8, 10]) if d > classes] or [10])
    p = _distribution(draw, classes, denominator)
    q = _distribution(draw, classes, denominator)
    while q == p:
        q = _distribution(draw, classes, denominator)
    p_text, p_latex = _vector(p)
    q_text, q_latex = _vector(q)
    parts = []
    for index, (first, second, name) in enumerate(((p, q, "KL(p‖q)"), (q, p, "KL(q‖p)"))):
        plain, latex = _kl_text(first, second)
        value = float(kl(tuple(sp.Rational(v) for v in first), tuple(sp.Rational(v) for v in second)))
        latex_name = r"\KL(p \,\|\, q)" if index == 0 else r"\KL(q \,\|\, p)"
        parts.append(draw.part(
            f"{number}{'ab'[index]}", "value", question.points[index], wrt=name,
            prompt=f"p = {p_text}, q = {q_text}. Give {name} = Σ_j {'p' if index == 0 else 'q'}_j log({'p' if index == 0 else 'q'}_j/{'q' if index == 0 else 'p'}_j) "
                   f"(natural logarithm), exactly or as a decimal within ±{draw.spec.tolerance:g}.",
            prompt_latex=rf"$p = {p_latex}$, $q = {q_latex}$. Give ${latex_name}$ (natural logarithm), exactly or as a decimal within $\pm {draw.spec.tolerance:g}$.",
            answer=plain, answer_latex=latex, value=f"{value:.12f}", tolerance=draw.spec.tolerance,
            data={"p": [str(v) for v in p], "q": [str(v) for v in q], "order": "pq" if index == 0 else "qp"},
        ))
    return parts


def _triangle(draw: _Draw, number: int, question: Question) -> list[dict[str, Any]]:
    denominator = draw.choice([5, 8, 10])
    while True:
        k = draw.rng.randint(1, denominator - 1)
        p = (sp.Rational(k, denominator), sp.Rational(denominator - k, denominator))
        example = _triangle_example(p, denominator)
        if example is not None:
            break
    q, r = example
    p_text, p_latex = _vector(p)
    q_text, _ = _vector(q)
    r_text, _ = _vector(r)
    answer = f"no; p = {p_text}, q = {q_text}, r = {r_text}"
    return [draw.part(
        f"{number}a", "yesno", question.points[0], wrt="triangle inequality",
        prompt=f"Does KL obey the triangle inequality KL(p‖r) ≤ KL(p‖q) + KL(q‖r) for all distributions p, q, r (L20)? Answer yes or no; "
               f"if no, give a counterexample with p = {p_text} and two-class q, r, written as: no; p = (…), q = (…), r = (…).",
        prompt_latex=rf"Does $\KL$ obey $\KL(p\,\|\,r) \le \KL(p\,\|\,q) + \KL(q\,\|\,r)$ for all $p, q, r$ (L20)? Answer yes or no; if no, give a counterexample with $p = {p_latex}$.",
        answer=answer, answer_latex=answer.replace("; ", r";\ "),
        data={"classes": 2, "p": [str(v) for v in p], "q": [str(v) for v in q], "r": [str(v) for v in r]},
    )]


def _triangle_example(p: tuple, denominator: int) -> tuple[tuple, tuple] | None:
    """q, r on the grid k/denominator with the largest exact triangle gap for this p (None if none is positive)."""
    grid = [(sp.Rational(k, denominator), sp.Rational(denominator - k, denominator)) for k in range(1, denominator)]
    best = None
    for q in grid:
        for r in grid:
            gap = float(kl(p, r) - kl(p, q) - kl(q, r))
            if gap > 1e-9 and (best is None or gap > best[0]):
                best = (gap, q, r)
    if best is None or log_sign(triangle_gap(p, best[1], best[2]))[0] <= 0:
        return None
    return best[1], best[2]


_BUILDERS = {"bias": _bias, "backprop": _backprop, "softmax": _softmax, "kl": _kl, "triangle": _triangle}


def student_parts(spec: HomeworkSpec, seed: int, student: str) -> list[dict[str, Any]]:
    """The parts of one student's variant (deterministic in seed and id)."""
    draw = _Draw(random.Random(f"{seed}:{student}"), spec)
    parts: list[dict[str, Any]] = []
    for number, question in enumerate(spec.questions, start=1):
        parts += _BUILDERS[question.type](draw, number, question)
    return parts


def variant_key(parts: Sequence[dict[str, Any]]) -> str:
    """A short hash of what a variant asks (two students with the same key have the same homework)."""
    content = [{key: part.get(key) for key in ("kind", "network", "wrt", "data")} for part in parts]
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:12]


def make_variants(spec: HomeworkSpec, seed: int, roster: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The ``variants.json`` document for a roster of (id, name); the seed must have at most
    :data:`~symbackprop.strict_json.MAX_DIGITS` digits, so that ``grade`` can read the document back."""
    if not -(10**MAX_DIGITS) < seed < 10**MAX_DIGITS:
        raise SpecError(f"the seed must be a whole number of at most {MAX_DIGITS:,} digits, so that grade can read variants.json back")
    students = {}
    for student, name in roster:
        parts = student_parts(spec, seed, student)
        students[student] = {"name": name, "variant": variant_key(parts), "parts": parts}
    return {"generator": GENERATOR, "seed": seed, "title": spec.title, "spec": dict(spec.raw), "students": students}
