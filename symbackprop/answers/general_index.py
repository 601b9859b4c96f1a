"""General-index answers: ∂e/∂b^ℓ_i, ∂e/∂w^ℓ_ij or ∂e/∂z^ℓ_i written with the indices ℓ, i, j themselves.

A general answer such as ``φ'(z^ℓ_i) δ^ℓ_i`` is a *template*.  It is read by substituting numbers for the
index letters inside the scripts (``ℓ``/``\\ell``/``l``, ``i``, ``j``, and ``ℓ ± k`` in a layer) and parsing
the result with the safe scalar grammar — user text reaches nothing else.

- **Proof for every ℓ, i, j**: the template is instantiated once with values that keep every distinct
  index expression distinct (ℓ = 5, so ℓ−1 … ℓ+1 are 4 … 6; i = 6, j = 7; constant indices are refused) and
  compared with the model template as formal expressions (δ, a, z, w and φ'(z) as atoms).  Equal there
  means equal as templates, i.e. for every layer and neuron.
- **Refutation**: every instance (ℓ, i, j) of a small network is checked exactly against the direct
  derivative (:func:`~.quantities.check_quantity`); the first that differs is the counterexample.
- Equal at every instance but not as templates (δ expanded by the recursion, say): undecided, never correct.

Typical mistakes (a missing φ', an extra a^{ℓ−1}_j, transposed indices, the other convention) are named only
when the mutated template is proved equal as a template.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product

import sympy as sp

from ..activations import phi_prime
from ..errors import AnswerSyntaxError, SpecError
from ..network import MLP
from ..parse import lecture_vocabulary, parse_expression
from ..statuses import AnswerStatus
from .check import parse_answer
from .conventions import DELTA_DZ, HALF_LOSS, describe
from .forms import SCALARS
from .matrix_notation import strip_wrappers
from .quantities import Quantity, check_quantity

__all__ = ["GeneralTarget", "GeneralVerdict", "general_target", "check_general", "general_model_answer", "general_template"]

CORRECT, WRONG, UNDECIDED = AnswerStatus.CORRECT, AnswerStatus.WRONG, AnswerStatus.UNDECIDED
_LAYER_LETTERS = (r"\ell", "ℓ", "l")
_FORMAL = {"layer": 5, "i": 6, "j": 7}  # distinct, and no layer expression ℓ±1 can equal a neuron index slot
_PART = r"(?:\{[^{}]*\}|\\ell|ℓ|[A-Za-z0-9])"
_SCRIPTED = re.compile(
    r"(?P<name>\\delta|delta|δ|[wbzaxyq])\s*(?:\^\s*(?P<sup1>" + _PART + r")\s*_\s*(?P<sub1>" + _PART + r")"
    r"|_\s*(?P<sub2>" + _PART + r")(?:\s*\^\s*(?P<sup2>" + _PART + r"))?)"
)


@dataclass(frozen=True)
class GeneralTarget:
    """'b' (∂e/∂b^ℓ_i), 'w' (∂e/∂w^ℓ_ij) or 'z' (∂e/∂z^ℓ_i), for every layer ℓ and neuron i (and j)."""

    kind: str

    @property
    def letters(self) -> tuple[str, ...]:
        return ("layer", "i", "j") if self.kind == "w" else ("layer", "i")

    def title(self) -> str:
        return {"b": "∂e/∂b^ℓ_i", "w": "∂e/∂w^ℓ_ij", "z": "∂e/∂z^ℓ_i"}[self.kind]


def general_target(text: str) -> GeneralTarget:
    key = re.sub(r"[\s{}]", "", text or "").replace(r"\ell", "l").replace("ℓ", "l")
    kinds = {"b^l_i": "b", "w^l_ij": "w", "z^l_i": "z"}
    if key not in kinds:
        raise SpecError(f"a general-index part asks for b^ℓ_i, w^ℓ_ij or z^ℓ_i, got {text!r}")
    return GeneralTarget(kinds[key])


_MODELS = {
    "b": ("φ'(z^ℓ_i) δ^ℓ_i", r"\varphi'\left(z^{\ell}_{i}\right)\,\delta^{\ell}_{i}"),
    "z": ("φ'(z^ℓ_i) δ^ℓ_i", r"\varphi'\left(z^{\ell}_{i}\right)\,\delta^{\ell}_{i}"),
    "w": ("φ'(z^ℓ_i) δ^ℓ_i a^{ℓ-1}_j", r"\varphi'\left(z^{\ell}_{i}\right)\,\delta^{\ell}_{i}\,a^{\ell-1}_{j}"),
}
_MUTATIONS = {
    "b": [
        ("missing_phi_prime", "the factor φ'(z^ℓ_i) is missing", "∂e/∂b^ℓ_i = ∂e/∂z^ℓ_i = δ^ℓ_i φ'(z^ℓ_i) (L8, L12); the lecture's δ is ∂e/∂a.", "δ^ℓ_i"),
        ("extra_activation", "an extra factor a^{ℓ−1}_j: this is ∂e/∂w^ℓ_ij", "∂z^ℓ_i/∂b^ℓ_i = 1 (L12: ∇_b^ℓ e = Diag(φ^ℓ') δ^ℓ).", "φ'(z^ℓ_i) δ^ℓ_i a^{ℓ-1}_j"),
        ("extra_phi_prime", "φ'(z^ℓ_i) appears twice", "one factor φ' turns ∂e/∂a^ℓ_i into ∂e/∂z^ℓ_i (L8).", "φ'(z^ℓ_i)^2 δ^ℓ_i"),
    ],
    "z": [
        ("missing_phi_prime", "the factor φ'(z^ℓ_i) is missing", "∂e/∂z^ℓ_i = ∂e/∂a^ℓ_i · φ'(z^ℓ_i) (L8).", "δ^ℓ_i"),
        ("extra_phi_prime", "φ'(z^ℓ_i) appears twice", "one factor φ' turns ∂e/∂a^ℓ_i into ∂e/∂z^ℓ_i (L8).", "φ'(z^ℓ_i)^2 δ^ℓ_i"),
    ],
    "w": [
        ("missing_phi_prime", "the factor φ'(z^ℓ_i) is missing", "∂e/∂w^ℓ_ij = ∂e/∂z^ℓ_i · a^{ℓ−1}_j and ∂e/∂z^ℓ_i = δ^ℓ_i φ'(z^ℓ_i) (L7, L8).", "δ^ℓ_i a^{ℓ-1}_j"),
        ("missing_activation", "the factor a^{ℓ−1}_j is missing: this is ∂e/∂b^ℓ_i", "∂z^ℓ_i/∂w^ℓ_ij = a^{ℓ−1}_j (L7).", "φ'(z^ℓ_i) δ^ℓ_i"),
        ("transpose", "the indices i and j are swapped", "w^ℓ_ij connects neuron j of layer ℓ−1 to neuron i of layer ℓ (L7).", "φ'(z^ℓ_j) δ^ℓ_j a^{ℓ-1}_i"),
        ("wrong_layer", "a^ℓ_j where a^{ℓ−1}_j belongs", "z^ℓ_i = Σ_j w^ℓ_ij a^{ℓ−1}_j (+ b^ℓ_i) (L7).", "φ'(z^ℓ_i) δ^ℓ_i a^ℓ_j"),
    ],
}


def general_model_answer(target: GeneralTarget) -> tuple[str, str]:
    return _MODELS[target.kind]


def _instantiate(text: str, values: dict[str, int], *, formal: bool) -> str:
    """Replace the index letters in the scripts by numbers; a layer may be ℓ ± k."""

    def inner(part: str) -> str:
        return part[1:-1] if part.startswith("{") else part

    def script(match: re.Match) -> str:
        sup, sub = match.group("sup1") or match.group("sup2"), match.group("sub1") or match.group("sub2")
        result = match.group("name")
        if sup is not None:
            result += "^{" + str(_layer_value(inner(sup), values, formal)) + "}"
        return result + "_{" + ",".join(str(index) for index in _neuron_values(inner(sub), values, formal)) + "}"

    return _SCRIPTED.sub(script, text)


def _layer_value(inner: str, values: dict[str, int], formal: bool) -> int:
    compact = re.sub(r"\s+", "", inner)
    for letter in _LAYER_LETTERS:
        compact = compact.replace(letter, "L")
    match = re.fullmatch(r"L(?:([+\-−])([0-9]))?", compact)
    if match is None:
        if re.fullmatch(r"[0-9]+", compact):
            if formal:
                raise AnswerSyntaxError(f"write the layer as ℓ (or ℓ ± 1), not the number {compact}: the answer is for every layer")
            return int(compact)
        raise AnswerSyntaxError(f"a layer is written ℓ, ℓ−1 or ℓ+1 (also \\ell, l); got {inner!r}")
    offset = int(match.group(2) or 0) * (-1 if match.group(1) in ("-", "−") else 1)
    return values["layer"] + offset


def _neuron_values(inner: str, values: dict[str, int], formal: bool) -> list[int]:
    compact = re.sub(r"[\s,]+", "", inner)
    result = []
    for letter in compact:
        if letter in ("i", "j"):
            if letter not in values:
                raise AnswerSyntaxError("this part has the neuron index i only (j belongs to a weight w^ℓ_ij)")
            result.append(values[letter])
        elif letter.isdigit():
            if formal:
                raise AnswerSyntaxError(f"write the neuron as i or j, not the number {letter}: the answer is for every neuron")
            result.append(int(letter))
        else:
            raise AnswerSyntaxError(f"unknown index {letter!r}: the indices are ℓ (layer), i (and j for a weight)")
    return result


def _formal(text: str, values: dict[str, int] | None = None) -> sp.Expr:
    """The template as a formal expression (no network: every symbol is an atom)."""
    return parse_expression(_instantiate(text, values or _FORMAL, formal=True), vocabulary=lecture_vocabulary())


_INSTANCE = re.compile(r"(?P<name>.*?)(?:\^\{(?P<layer>-?[0-9]+)\})?_\{(?P<neurons>[0-9,]+)\}")


def general_template(text: str) -> sp.Expr:
    """How a general-index answer is read: the template with its index letters (δ^{ℓ}_{i}, a^{ℓ-1}_{j}, …),
    for showing it back to the student.  Raises :class:`AnswerSyntaxError` where :func:`check_general` would."""
    body, _ = strip_wrappers(text if isinstance(text, str) else "")
    if not body:
        raise AnswerSyntaxError("the answer is empty")
    formal = _formal(body)
    letters = {value: name for name, value in _FORMAL.items() if name != "layer"}

    def renamed(symbol: sp.Symbol) -> sp.Symbol:
        match = _INSTANCE.fullmatch(symbol.name)
        if match is None:
            return symbol
        name = match.group("name")
        if match.group("layer") is not None:
            offset = int(match.group("layer")) - _FORMAL["layer"]
            name += "^{\\ell" + (f"{offset:+d}" if offset else "") + "}"
        return sp.Symbol(name + "_{" + "".join(letters.get(int(n), n) for n in match.group("neurons").split(",")) + "}")

    return formal.xreplace({symbol: renamed(symbol) for symbol in formal.free_symbols})


def _reading(expression: sp.Expr, conventions: tuple[str, ...]) -> tuple[sp.Expr, sp.Expr]:
    """(the answer with its δ's as the lecture's δ, the factor on the model) under ``conventions``."""
    scale = sp.Rational(1, 2) if HALF_LOSS in conventions else sp.Integer(1)
    if DELTA_DZ in conventions:
        replacements = {}
        for symbol in expression.free_symbols:
            match = re.fullmatch(r"\\delta\^\{(\d+)\}_\{(\d+)\}", symbol.name)
            if match:
                z = sp.Symbol(f"z^{{{match.group(1)}}}_{{{match.group(2)}}}")
                replacements[symbol] = symbol * phi_prime(z)
        expression = expression.xreplace(replacements)
    return expression.xreplace({s: scale * s for s in expression.free_symbols if s.name.startswith("\\delta")}), scale


@dataclass(frozen=True)
class GeneralVerdict:
    status: AnswerStatus
    decided_by: str
    mistake: str = ""
    mistake_label: str = ""
    explanation: str = ""
    convention_mismatch: str = ""
    instances: int = 0

    @property
    def correct(self) -> bool:
        return self.status == CORRECT

    @property
    def feedback(self) -> str:
        if self.correct:
            return f"Correct: {self.decided_by}."
        if self.status in (UNDECIDED, AnswerStatus.TIMEOUT):
            return f"Not decided ({self.decided_by}); left for the instructor to review."
        text = f"Wrong: {self.decided_by}."
        if self.convention_mismatch:
            text += f" Read with {describe(self.convention_mismatch.split('+'))} it is right (proved as a template): a mismatch of conventions."
        elif self.mistake:
            text += f" Likely mistake: {self.mistake_label} (proved as a template). {self.explanation}"
        return text


def check_general(net: MLP, target: GeneralTarget, text: str, *, conventions: tuple[str, ...] = (), time_limit: float = 10.0) -> GeneralVerdict:
    """Check a general-index answer: a formal proof for every index, or a counterexample instance."""
    body, _ = strip_wrappers(text if isinstance(text, str) else "")
    if not body:
        raise AnswerSyntaxError("the answer is empty")
    model_text, _ = _MODELS[target.kind]
    answer, scale = _reading(_formal(body), conventions)
    model = scale * _formal(model_text)
    if sp.expand(answer - model) == 0:
        return GeneralVerdict(CORRECT, "equal to the model answer as a formula in ℓ, i" + (", j" if target.kind == "w" else "") + " (formal identity: it holds for every layer and neuron)")
    mismatch = ""
    for other in ((), (HALF_LOSS,), (DELTA_DZ,), (DELTA_DZ, HALF_LOSS)):
        if set(other) == set(conventions) or (HALF_LOSS in other and net.loss.name != "squared"):
            continue
        candidate, other_scale = _reading(_formal(body), other)
        if sp.expand(candidate - other_scale * _formal(model_text)) == 0:
            mismatch = "+".join(other) or "lecture"
            break
    failure, count, proved = _first_failing_instance(net, target, body, conventions, time_limit)
    if failure is None and not mismatch:
        checked = (f"proved at each of the {count} instances" if proved == count else
                   f"proved at {proved} of the {count} instances and not refuted at the others")
        return GeneralVerdict(UNDECIDED, f"{checked} (every layer and neuron of the network {list(net.sizes)}), "
                                         "but not shown as a formula for every ℓ, i: write it with δ^ℓ_i and φ'(z^ℓ_i)", instances=count)
    where = failure or "as a formula in ℓ, i"
    if mismatch:
        return GeneralVerdict(WRONG, f"not equal {where}", convention_mismatch=mismatch, instances=count)
    for code, label, why, wrong in _MUTATIONS[target.kind]:
        for factor, scalar_code, scalar_label in SCALARS:
            if sp.expand(answer - factor * scale * _formal(wrong)) == 0:
                return GeneralVerdict(WRONG, f"not equal {where}", code + (f"+{scalar_code}" if scalar_code else ""),
                                      label + (f", and {scalar_label}" if scalar_label else ""), why, instances=count)
    for factor, scalar_code, scalar_label in SCALARS[1:]:
        if sp.expand(answer - factor * model) == 0:
            return GeneralVerdict(WRONG, f"not equal {where}", scalar_code, scalar_label, "", instances=count)
    return GeneralVerdict(WRONG, f"not equal {where}", instances=count)


def _first_failing_instance(net: MLP, target: GeneralTarget, body: str, conventions: tuple[str, ...], time_limit: float) -> tuple[str | None, int, int]:
    """The first instance (ℓ, i, j) of ``net`` where the answer differs from the direct derivative, exactly;
    how many instances were checked, and how many of them were proved equal (not only sampled)."""
    count = proved = 0
    instances = []
    for layer in range(1, net.depth + 1):
        columns = range(1, net.sizes[layer - 1] + 1) if target.kind == "w" else [None]
        for i, j in product(range(1, net.sizes[layer] + 1), columns):
            instances.append((layer, i, j))
    budget = time_limit / max(1, len(instances))
    for layer, i, j in instances:
        values = {"layer": layer, "i": i} | ({"j": j} if j is not None else {})
        try:
            expression = parse_answer(net, _instantiate(body, values, formal=False))
        except AnswerSyntaxError as error:
            first = str(error).splitlines()[0]
            return f"at ℓ = {layer}, i = {i}" + (f", j = {j}" if j else "") + f" ({first})", count, proved
        verdict = check_quantity(net, Quantity(target.kind, layer, i, j), expression, conventions=conventions, time_limit=budget)
        count += 1
        proved += verdict.status == CORRECT
        if verdict.status == WRONG:
            return f"at ℓ = {layer}, i = {i}" + (f", j = {j}" if j else "") + " (a counterexample in the network " + str(list(net.sizes)) + ", its numbers confirmed in 80-digit arithmetic)", count, proved
    return None, count, proved
