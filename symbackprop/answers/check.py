"""Check one homework answer for ∂e/∂θ: exactly where possible, with a counterexample and feedback.

1. The answer is parsed by the safe grammar (:mod:`symbackprop.parse`) into the network's own symbols.
2. a, z, q and δ are replaced by their definitions (δ^ℓ = ∂e/∂a^ℓ by the lecture's recursion) and every
   equivalent form of a concrete activation is normalised (:mod:`.convert`).
3. It is compared with the *direct* derivative of the composed loss — not with backprop — by an exact
   identity (:func:`~.decision.decide_answer`; on ReLU networks, on every activation pattern).
   CORRECT means exactly that identity.  Where no exact method applies, agreement at random points
   (40 digits) is reported as UNDECIDED — never as correct.
4. A wrong answer gets a counterexample (the symbols' values and both numbers) and, when one of the
   typical mistakes reproduces it exactly (missing φ', sign, factor 2, wrong index or transpose, an
   extra a^{ℓ-1}, the wrong layer), feedback naming that mistake — only when it is proved equal.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import symengine as se
import sympy as sp

from .. import notation
from .._kernel.dag import fold
from .._kernel.size import gradient_terms
from ..activations import relu, sigmoid
from ..derive import backprop, backprop_steps
from ..errors import AnswerSyntaxError, ArgumentTypeError, ExpressionSyntaxError, LimitError, SymbackpropError
from ..network import MLP
from ..notation import plain
from ..parse import Limits, equation_parts, parse_expression
from ..printing import sympy_latex
from ..statuses import AnswerStatus
from .context import AnswerContext, context_for
from .decision import AnswerCounterexample, AnswerDecision, decide_answer, exact_match, first_proved_form
from .forms import Form, capitalised, correct_form, mutations

__all__ = [
    "Verdict", "Mistake", "AnswerCounterexample", "check_answer", "parse_answer", "warm_context", "exact_match",
    "refuse_too_large", "ANSWER_TERM_LIMIT",
]

CORRECT, WRONG, TIMEOUT, UNDECIDED = AnswerStatus.CORRECT, AnswerStatus.WRONG, AnswerStatus.TIMEOUT, AnswerStatus.UNDECIDED
ANSWER_TERM_LIMIT = 1_000_000
"""Terms of ∂e/∂θ multiplied out (:func:`~symbackprop._kernel.size.gradient_terms`) beyond which answers for
θ are refused: differentiating, evaluating and showing such a gradient takes minutes."""


@dataclass(frozen=True)
class Mistake:
    """The typical mistake an answer reproduces: ``code`` like ``missing_phi_prime`` or ``sign+factor_2``."""

    code: str
    label: str
    explanation: str
    form_plain: str
    form_latex: str
    exact: bool

    def describe(self) -> str:
        how = "exactly" if self.exact else "at every random point (numerically)"
        return f"{self.label} — your answer equals {self.form_plain} {how}"


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`check_answer`.  ``str(verdict)`` is the CLI's report; notebooks show LaTeX."""

    network: str
    parameter: str
    parameter_latex: str
    answer: str
    parsed: sp.Expr | None
    status: AnswerStatus
    correct: bool
    proved: bool
    decided_by: str
    expected_plain: str
    expected_expanded: str
    expected_latex: str
    deltas_plain: tuple[str, ...] = ()
    deltas_latex: tuple[str, ...] = ()
    mistake: Mistake | None = None
    counterexample: AnswerCounterexample | None = None
    seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())

    @property
    def feedback(self) -> str:
        """One paragraph: what is right or wrong, and why."""
        if self.correct:
            text = f"Correct ({self.decided_by})."
        elif self.status in (TIMEOUT, UNDECIDED):
            text = f"Not decided: {self.decided_by}."
        elif self.mistake is not None:
            text = f"Likely mistake: {self.mistake.describe()}. {self.mistake.explanation}"
        else:
            text = f"Not equal to ∂e/∂{self.parameter}, and none of the typical mistakes reproduces it."
            text += "".join(f" Note: {note}." for note in self.notes)
        if self.counterexample is not None:
            text += f" Counterexample {self.counterexample.describe(self.parameter, max_values=8)}."
        return text

    def text(self) -> str:
        """The multi-line report printed by ``symbackprop check``."""
        verdict = {CORRECT: "CORRECT", WRONG: "WRONG", TIMEOUT: "UNDECIDED", UNDECIDED: "UNDECIDED"}[self.status]
        lines = [
            f"∂e/∂{self.parameter} for the network {self.network}",
            f"answer     {self.answer}",
        ]
        if self.parsed is not None:
            lines.append(f"read as    {plain(self.parsed)}")
        lines.append(f"verdict    {verdict} — {self.decided_by}")
        if self.mistake is not None:
            lines.append(f"mistake    {self.mistake.describe()}")
            lines.append(f"why        {self.mistake.explanation}")
        elif self.status == WRONG:
            lines.append("mistake    none of the typical mistakes reproduces this answer")
        if self.counterexample is not None:
            lines.append(f"counterexample {self.counterexample.describe(self.parameter)}")
        if self.expected_expanded:
            lines.append(f"expected   ∂e/∂{self.parameter} = {self.expected_plain} = {self.expected_expanded}")
        else:
            lines.append(f"expected   ∂e/∂{self.parameter} = {self.expected_plain}   (written out, too long to print)")
        for definition in self.deltas_plain:
            lines.append(f"  where    {definition}")
        lines.append(f"LaTeX      {self.expected_latex}")
        lines.extend(f"note       {note}" for note in self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def _repr_latex_(self) -> str:
        """For notebooks.  Built only from SymPy's printer and our own strings — never the raw answer text."""
        title = {CORRECT: r"\text{correct}", WRONG: r"\text{wrong}", TIMEOUT: r"\text{undecided}", UNDECIDED: r"\text{undecided}"}[self.status]
        how = r"\text{ (exact identity)}" if self.proved else (r"\text{ (numeric agreement only, not a proof)}" if self.status == UNDECIDED else "")
        rows = [title + how]
        if self.parsed is not None:
            rows.append(r"\text{your answer: }" + sympy_latex(self.parsed))
        if self.mistake is not None:
            rows.append(r"\text{likely mistake: }" + _latex_title(self.mistake.code) + r"\text{; your answer} = " + self.mistake.form_latex)
        rows.append(self.expected_latex)
        rows.extend(self.deltas_latex)
        return "$\\displaystyle\\begin{array}{l}" + r"\\ ".join(rows) + r"\end{array}$"


_LATEX_TITLES = {
    "sign": r"\text{the sign is flipped}",
    "factor_2": r"\text{a factor 2 is missing (the loss has no }\tfrac{1}{2}\text{)}",
    "extra_factor_2": r"\text{an extra factor 2}",
    "missing_phi_prime": r"\text{a factor }\varphi'\text{ is missing}",
    "extra_phi_prime": r"\text{an extra factor }\varphi'",
    "extra_activation": r"\text{an extra factor }a^{\ell-1}_{j}\text{ (a weight gradient for a bias)}",
    "missing_activation": r"\text{the factor }a^{\ell-1}_{j}\text{ is missing (a bias gradient for a weight)}",
    "transpose": r"\text{transposed indices}",
    "wrong_index": r"\text{a wrong index}",
    "wrong_layer": r"\text{the wrong layer}",
}


def _latex_title(code: str) -> str:
    return r"\text{, }".join(_LATEX_TITLES.get(part, r"\text{" + part.replace("_", " ") + "}") for part in code.split("+"))


# --- the expected answer, shown in the lecture's notation ------------------------------------------------

@dataclass(frozen=True)
class _Expected:
    plain: str
    expanded: str  # "" when too long to print
    latex: str
    deltas_plain: tuple[str, ...]
    deltas_latex: tuple[str, ...]
    symbols: int = 0  # of the written-out form


def _expected(context: AnswerContext, parameter: sp.Symbol) -> _Expected:
    key = ("expected", parameter)
    if key not in context.cache:
        net = context.net
        form = correct_form(context, parameter)
        gradients = context.cache.get("backprop")
        if gradients is None:
            gradients = context.cache["backprop"] = backprop(net)
        expanded = gradients[parameter]
        _, layer, i, _ = net.parameter_info(parameter)
        deltas_plain, deltas_latex = _delta_definitions(context, layer, i)
        latex = rf"\frac{{\partial e}}{{\partial {parameter.name}}} = {form.latex}"
        symbols = _written_size(expanded)
        if symbols <= _PRINT_LIMIT:
            written_out = plain(expanded)
            latex += f" = {sympy_latex(expanded)}"
        else:  # a deep network's gradient written out is a sum over every path to the output: not worth printing
            written_out = ""
        context.cache[key] = _Expected(form.plain, written_out, latex, deltas_plain, deltas_latex, symbols)
    return context.cache[key]  # type: ignore[return-value]


_PRINT_LIMIT = 2_000  # symbols in the written-out expected answer, beyond which it is not printed


def _written_size(expression: sp.Expr) -> int:
    """How many symbols and numbers the expression has when written out (shared parts counted each time)."""
    return fold(expression, lambda node, sizes: min(10**12, max(1, sum(sizes))))


def _delta_definitions(context: AnswerContext, layer: int, i: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """δ^ℓ_i by the recursion (L9), down from δ^L = ∂e/∂a^L, for the δ's the short form uses."""
    net = context.net
    steps = context.cache.get("steps")
    if steps is None:
        steps = context.cache["steps"] = backprop_steps(net)
    plain_lines: list[str] = []
    latex_lines: list[str] = []
    needed = [(layer, i)]
    seen: set[tuple[int, int]] = set()
    while needed:
        current, index = needed.pop(0)
        if (current, index) in seen:
            continue
        seen.add((current, index))
        symbol = notation.delta(current, index)
        a_symbol = net.a(current)[index - 1]
        if current == net.depth:
            value = steps.output_delta[index - 1]
            plain_lines.append(f"δ^{current}_{index} = ∂e/∂{notation.plain_name(a_symbol.name)} = {plain(value)}")
            latex_lines.append(rf"{symbol.name} = \frac{{\partial e}}{{\partial {a_symbol.name}}} = {sympy_latex(value)}")
            continue
        above = current + 1
        activation = net.activation(above).name
        plain_terms, latex_terms = [], []
        for m in range(1, net.sizes[above] + 1):
            weight = net.W(above)[m - 1, index - 1]
            prime = "" if activation == "identity" else f" {_prime_plain(activation)}(z^{above}_{m})"
            prime_latex = "" if activation == "identity" else rf"\,{_prime_latex(activation)}\left(z^{{{above}}}_{{{m}}}\right)"
            plain_terms.append(f"{notation.plain_name(weight.name)}{prime} δ^{above}_{m}")
            latex_terms.append(rf"{weight.name}{prime_latex}\,\delta^{{{above}}}_{{{m}}}")
            needed.append((above, m))
        plain_lines.append(f"δ^{current}_{index} = ∂e/∂{notation.plain_name(a_symbol.name)} = " + " + ".join(plain_terms))
        latex_lines.append(rf"{symbol.name} = \frac{{\partial e}}{{\partial {a_symbol.name}}} = " + " + ".join(latex_terms))
    return tuple(plain_lines), tuple(latex_lines)


def _prime_plain(name: str) -> str:
    return {"phi": "φ'", "sigmoid": "σ'", "tanh": "tanh'", "relu": "ReLU'"}[name]


def _prime_latex(name: str) -> str:
    return {"phi": r"\varphi'", "sigmoid": r"\sigma'", "tanh": r"\tanh'", "relu": r"\operatorname{ReLU}'"}[name]


# --- checking ------------------------------------------------------------------------------------------

def parse_answer(net: MLP, answer: str, *, limits: Limits | None = None) -> sp.Expr:
    """Parse an answer in the lecture's notation into the network's own symbols (safe: no eval).

    >>> from symbackprop import MLP
    >>> parse_answer(MLP([2, 2, 1], bias=True), r"\\varphi'(z^{2}_{1})\\,\\delta^{2}_{1}")
    \\delta^{2}_{1}*phi'(z^{2}_{1})
    """
    return parse_expression(answer, vocabulary=context_for(net).parse_vocabulary(limits))


def check_answer(
    net: MLP,
    wrt: str | sp.Symbol,
    answer: str,
    *,
    diagnose: bool = True,
    time_limit: float = 10.0,
    limits: Limits | None = None,
) -> Verdict:
    """Check ``answer`` (plain math or LaTeX in the lecture's notation) for ∂e/∂``wrt``.

    Raises :class:`~symbackprop.errors.AnswerSyntaxError` (a ``ValueError``) for text that is not valid
    notation, with the offending position, and :class:`~symbackprop.errors.LimitError` before any work for
    a parameter whose gradient is too large (:data:`ANSWER_TERM_LIMIT`).  ``time_limit`` bounds the
    optional stages (numeric points, diagnosis); every step is bounded by the parser's size limits.  For a
    hard limit on time and memory, check in a worker (:func:`symbackprop.answers.grade_answers`).

    >>> from symbackprop import MLP
    >>> net = MLP([2, 2, 1], activation="sigmoid", bias=True)
    >>> check_answer(net, "b^2_1", "delta^2_1 * sigma'(z^2_1)").correct
    True
    >>> check_answer(net, "b^2_1", "delta^2_1 * sigma'(z^2_1) * a^1_2").mistake.code
    'extra_activation'
    """
    started = time.perf_counter()
    if not isinstance(net, MLP):
        raise ArgumentTypeError(f"check_answer takes a symbackprop.MLP, got {type(net).__name__}")
    if not isinstance(answer, str):
        raise ArgumentTypeError(f"the answer must be a string of plain math or LaTeX, got {type(answer).__name__}")
    parameter = net.parameter(wrt) if isinstance(wrt, str) else wrt
    refuse_too_large(net, net.parameter_info(parameter).layer, notation.plain_name(parameter.name))
    parts = equation_parts(answer)
    if len(parts) == 1:
        return _check_expression(net, parameter, answer, answer, started, diagnose=diagnose, time_limit=time_limit, limits=limits)
    _check_left_side(net, parameter, answer, parts)
    verdict: Verdict | None = None
    for offset, part in parts[1:]:  # ∂e/∂θ = A = B …: every right-hand side must be right
        try:
            verdict = _check_expression(net, parameter, part, answer, started, diagnose=diagnose, time_limit=time_limit, limits=limits)
        except ExpressionSyntaxError as error:
            position = None if error.position is None else offset + error.position
            raise AnswerSyntaxError(error.reason, text=answer, position=position) from None
        if verdict.status != CORRECT:
            break
    assert verdict is not None
    return verdict


def refuse_too_large(net: MLP, layer: int, name: str) -> None:
    """Raise :class:`~symbackprop.errors.LimitError` — before any symbolic work — when the derivative of e
    with respect to ``name`` (a quantity of ``layer``: θ, a^ℓ_i or z^ℓ_i) multiplied out has more than
    :data:`ANSWER_TERM_LIMIT` terms."""
    terms = gradient_terms(net, layer)
    if terms > ANSWER_TERM_LIMIT:
        raise LimitError(
            f"∂e/∂{name} of the network {list(net.sizes)} multiplied out has about "
            f"{terms:,} terms (limit {ANSWER_TERM_LIMIT:,}): too large to check answers against; ask about a "
            "quantity nearer the output, or use a network with fewer or narrower layers"
        )


_DERIVATIVE = re.compile(
    r"^\s*(?:\\[dt]?frac\s*\{\s*\\partial\s*\{?\s*e\s*\}?\s*\}\s*\{\s*\\partial\s*(?P<latex>.+)\}"
    r"|(?:∂|\\partial)\s*e\s*/\s*(?:∂|\\partial)\s*(?P<plain>.+?))\s*$"
)


def _check_left_side(net: MLP, parameter: sp.Symbol, answer: str, parts: list[tuple[int, str]]) -> None:
    """An answer with '=' must read ∂e/∂θ = … for the θ asked about."""
    offset, left = parts[0]
    asked = notation.plain_name(parameter.name)
    match = _DERIVATIVE.match(left)
    if match is None:
        raise AnswerSyntaxError(
            f"write only the right-hand side of the answer, or ∂e/∂{asked} = …", text=answer, position=parts[1][0] - 1
        )
    named = (match.group("latex") or match.group("plain")).strip()
    try:
        other = net.parameter(named)
    except SymbackpropError:
        other = None
    if other != parameter:
        raise AnswerSyntaxError(f"the left-hand side should be ∂e/∂{asked}, the derivative asked for", text=answer, position=offset)


def _check_expression(
    net: MLP,
    parameter: sp.Symbol,
    text: str,
    answer: str,
    started: float,
    *,
    diagnose: bool,
    time_limit: float,
    limits: Limits | None,
) -> Verdict:
    """Check one expression ``text`` (``answer`` is what the student typed, shown in the verdict)."""
    deadline = started + time_limit
    context = context_for(net)
    parsed = parse_answer(net, text, limits=limits)
    candidate = context.converter(parsed)
    reference = context.reference(parameter)
    expected = _expected(context, parameter)
    base = dict(
        notes=_activation_notes(net, parsed),
        network=net.spec.describe(),
        parameter=notation.plain_name(parameter.name),
        parameter_latex=parameter.name,
        answer=answer,
        parsed=parsed,
        expected_plain=expected.plain,
        expected_expanded=expected.expanded,
        expected_latex=expected.latex,
        deltas_plain=expected.deltas_plain,
        deltas_latex=expected.deltas_latex,
    )

    decision = decide_answer(context, reference, candidate, deadline)
    if decision.proved:
        return Verdict(status=CORRECT, correct=True, proved=True, decided_by=decision.method, seconds=time.perf_counter() - started, **base)
    if not decision.refuted:
        if decision.agreed == 0 and not decision.unstable:
            return Verdict(
                status=TIMEOUT,
                correct=False,
                proved=False,
                decided_by=f"the time limit of {time_limit:g} s was reached before a decision",
                seconds=time.perf_counter() - started,
                **base,
            )
        return Verdict(
            status=UNDECIDED,
            correct=False,
            proved=False,
            decided_by=(
                f"{decision.numbers}, but that is not a proof and "
                f"no exact method applies here ({decision.reason or 'the expressions are too large to compare exactly'})"
            ),
            seconds=time.perf_counter() - started,
            **base,
        )
    mistake = _diagnose(context, parameter, candidate, decision, deadline) if diagnose else None
    return Verdict(
        status=WRONG,
        correct=False,
        proved=False,
        decided_by="not equal: the numbers differ at a random point (the counterexample below)",
        mistake=mistake,
        counterexample=decision.counterexample,
        seconds=time.perf_counter() - started,
        **base,
    )


_FUNCTION_NAMES = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU"}


def _activation_notes(net: MLP, parsed: sp.Expr) -> tuple[str, ...]:
    """Notes when the answer uses an activation that no layer of the network has."""
    used = {"sigmoid": parsed.atoms(sigmoid), "tanh": parsed.atoms(sp.tanh), "relu": parsed.atoms(relu)}
    layers = [net.activation(layer).name for layer in range(1, net.depth + 1)]
    own = ", ".join(dict.fromkeys("φ (generic)" if name == "phi" else _FUNCTION_NAMES.get(name, name) for name in layers))
    notes = []
    for name, found in used.items():
        if found and name not in layers:
            notes.append(
                f"the answer uses {_FUNCTION_NAMES[name]}, but no layer of this network has that activation "
                f"(its activations: {own}); write φ(·), φ'(·) for the layer's own activation"
            )
    return tuple(notes)


def warm_context(context: AnswerContext, parameters=()) -> None:  # noqa: ANN001
    """Build the lazily cached parts (grammar, displays, per-parameter forms) — done in the parent
    before worker processes are forked, so that no worker repeats it."""
    for parameter in parameters:
        _expected(context, parameter)
        _forms(context, parameter)
    context.warm_parser()


def _forms(context: AnswerContext, parameter: sp.Symbol) -> list[Form]:
    key = ("forms", parameter)
    if key not in context.cache:
        context.cache[key] = [correct_form(context, parameter), *mutations(context, parameter)]
    return context.cache[key]  # type: ignore[return-value]


def _diagnose(context: AnswerContext, parameter: sp.Symbol, candidate: se.Basic, decision: AnswerDecision, deadline: float) -> Mistake | None:
    """The first typical mistake that reproduces the answer exactly — a mistake is named only when the
    answer is proved equal to it."""
    found = first_proved_form(context, _forms(context, parameter), candidate, decision, deadline)
    return None if found is None else _mistake(*found)  # type: ignore[arg-type]


def _mistake(form: Form, factor: sp.Rational, scalar_code: str, scalar_label: str) -> Mistake:
    prefix = {1: "", -1: "−", sp.Rational(1, 2): "½ ", sp.Rational(-1, 2): "−½ ", 2: "2 ", -2: "−2 "}[factor]
    prefix_latex = {1: "", -1: "-", sp.Rational(1, 2): r"\tfrac{1}{2}\,", sp.Rational(-1, 2): r"-\tfrac{1}{2}\,", 2: r"2\,", -2: r"-2\,"}[factor]
    scalar_explanation = {
        "sign": "Check the sign: ∂/∂a (y − a)² = 2(a − y), and every later factor keeps that sign.",
        "factor_2": "The lecture's loss e = Σ_j (y_j − a^L_j)² has no ½, so ∂e/∂a^L_j = 2(a^L_j − y_j).",
        "extra_factor_2": "There is one factor 2, from differentiating the square in e.",
    }
    if form.code == "correct":
        code, label = scalar_code, capitalised(scalar_label)
        explanation = " ".join(scalar_explanation[part] for part in scalar_code.split("+"))
    else:
        code = form.code + (f"+{scalar_code}" if scalar_code else "")
        label = capitalised(form.label) + (f", and {scalar_label}" if scalar_label else "")
        explanation = form.explanation + (
            " " + " ".join(scalar_explanation[part] for part in scalar_code.split("+")) if scalar_code else ""
        )
    return Mistake(code, label, explanation, prefix + form.plain, prefix_latex + form.latex, True)
