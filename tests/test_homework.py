"""Homework end to end: variants, every answer form and convention, partial credit, grading, outputs.

Key answers are checked against references that do not come from the checker (central finite differences
of a plain NumPy network, SciPy's KL), and every mutated key answer must be refused.
"""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from scipy.stats import entropy

from symbackprop.activations import phi_prime, sigmoid
from symbackprop.answers.check import parse_answer
from symbackprop.cli import main
from symbackprop.homework import check_part, load_spec, make_variants
from symbackprop.homework.documents import verify_key
from symbackprop.homework.gradebook import Submission, feedback_csv, gradebook_csv, gradescope_results, grade_submissions
from symbackprop.homework.variants import network_of
from symbackprop.statuses import PartStatus

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "homework"
SPEC = load_spec(None)
ROSTER = [(f"s{i:03d}", f"Student {i}") for i in range(200)]


@pytest.fixture(scope="module")
def variants() -> dict:
    return make_variants(SPEC, 643, ROSTER[:40])


def _parts(document: dict, kind: str) -> list[dict]:
    return [part for entry in document["students"].values() for part in entry["parts"] if part["kind"] == kind]


# --- variants ----------------------------------------------------------------------------------------------

def test_variants_are_deterministic_and_a_class_of_200_gets_at_least_50_distinct_ones():
    first = make_variants(SPEC, 643, ROSTER)
    assert json.dumps(first, sort_keys=True) == json.dumps(make_variants(SPEC, 643, ROSTER), sort_keys=True)
    assert len({entry["variant"] for entry in first["students"].values()}) >= 50
    assert json.dumps(make_variants(SPEC, 644, ROSTER[:5])) != json.dumps(make_variants(SPEC, 643, ROSTER[:5]))


def test_the_variants_json_has_the_agreed_schema(variants):
    assert variants["generator"].startswith("symbackprop ") and variants["seed"] == 643
    part = variants["students"]["s000"]["parts"][0]
    for key in ("part", "kind", "network", "wrt", "prompt", "prompt_latex", "answer", "answer_latex", "points", "conventions"):
        assert key in part
    assert {p["kind"] for p in _parts(variants, "gradient") + _parts(variants, "value")} == {"gradient", "value"}


def test_every_key_answer_is_proved_by_the_checker(variants):
    proofs: dict[str, str] = {}
    for entry in variants["students"].values():
        verify_key(entry["parts"], proofs)
    assert len(proofs) > 40 and not any("random points" in how for how in proofs.values())


# --- independent references: finite differences of a plain NumPy network, SciPy's KL ---------------------------

_ACT = {"sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2), "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2)}


def _numbers(net, rng):  # noqa: ANN001, ANN202
    W = {l: rng.uniform(-1, 1, (net.sizes[l], net.sizes[l - 1])) for l in range(1, net.depth + 1)}
    b = {l: rng.uniform(-1, 1, net.sizes[l]) if net.has_bias else np.zeros(net.sizes[l]) for l in range(1, net.depth + 1)}
    return W, b, rng.uniform(-1, 1, net.sizes[0]), rng.uniform(-1, 1, net.sizes[-1])


def _forward(net, W, b, x, y, activation, *, nudge=None):  # noqa: ANN001, ANN202
    """e and the layers; ``nudge`` = (kind, layer, i, h) adds h to a^ℓ_i or z^ℓ_i on the way."""
    f = _ACT[activation][0]
    a, zs, As = x, {}, {0: x}
    for layer in range(1, net.depth + 1):
        z = W[layer] @ a + b[layer]
        if nudge and nudge[0] == "z" and nudge[1] == layer:
            z = z.copy(); z[nudge[2] - 1] += nudge[3]
        a = f(z)
        if nudge and nudge[0] == "a" and nudge[1] == layer:
            a = a.copy(); a[nudge[2] - 1] += nudge[3]
        zs[layer], As[layer] = z, a
    return float(np.sum((y - a) ** 2)), zs, As


def _difference(net, numbers, activation, kind, layer, i, j=None):  # noqa: ANN001, ANN202
    W, b, x, y = numbers
    h = 1e-6
    if kind in ("a", "z"):
        plus = _forward(net, W, b, x, y, activation, nudge=(kind, layer, i, h))[0]
        minus = _forward(net, W, b, x, y, activation, nudge=(kind, layer, i, -h))[0]
    else:
        target = W[layer] if kind == "w" else b[layer]
        index = (i - 1, j - 1) if kind == "w" else (i - 1,)
        target[index] += h
        plus = _forward(net, W, b, x, y, activation)[0]
        target[index] -= 2 * h
        minus = _forward(net, W, b, x, y, activation)[0]
        target[index] += h
    return (plus - minus) / (2 * h)


def _evaluate(net, expression, numbers, activation):  # noqa: ANN001, ANN202
    """The value of a parsed answer: symbols from the NumPy forward pass, δ^ℓ_i from finite differences."""
    W, b, x, y = numbers
    _, zs, As = _forward(net, W, b, x, y, activation)
    f, df = _ACT[activation]
    values = {}
    for symbol in expression.free_symbols:
        name = symbol.name
        kind = name[0]
        if name.startswith("\\delta"):
            layer, i = (int(t) for t in name.replace("\\delta^{", "").replace("}_{", " ").rstrip("}").split())
            values[symbol] = _difference(net, numbers, activation, "a", layer, i)
            continue
        parts = [int(t) for t in name.replace("^{", " ").replace("}_{", " ").replace("_{", " ").rstrip("}").split()[1:]]
        if kind == "x":
            values[symbol] = x[parts[0] - 1]
        elif kind == "y":
            values[symbol] = y[parts[0] - 1]
        elif kind == "a":
            values[symbol] = As[parts[0]][parts[1] - 1]
        elif kind == "z":
            values[symbol] = zs[parts[0]][parts[1] - 1]
        elif kind == "w":
            digits = str(parts[1])
            values[symbol] = W[parts[0]][int(digits[0]) - 1, int(digits[1]) - 1]
    numeric = expression.replace(phi_prime, lambda u: sp.Float(df(float(u.xreplace(values))))).replace(
        sigmoid, lambda u: sp.Float(f(float(u.xreplace(values)))))
    return float(numeric.xreplace(values).evalf())


@pytest.mark.parametrize("kind", ["gradient", "delta", "dz"])
def test_key_answers_agree_with_finite_differences_of_an_independent_network(variants, kind):
    rng = np.random.default_rng(7)
    for part in _parts(variants, kind)[:12]:
        network = part["network"]
        net = network_of(network)
        activation = network["activation"]
        numbers = _numbers(net, rng)
        expression = parse_answer(net, part["answer"])
        expression = expression.replace(sp.tanh, lambda u: sp.tanh(u))  # tanh'(z) parses to 1 − tanh², evaluated below
        tanh_values = {}
        value = _evaluate(net, expression.replace(sp.tanh, lambda u: sp.Symbol("T") if False else sp.tanh(u)), numbers, activation) if activation != "tanh" else None
        if activation == "tanh":
            W, b, x, y = numbers
            _, zs, _ = _forward(net, W, b, x, y, activation)
            for layer, z in zs.items():
                for i, z_i in enumerate(z, start=1):
                    tanh_values[sp.Symbol(f"z^{{{layer}}}_{{{i}}}")] = z_i
            value = _evaluate(net, expression.replace(sp.tanh, lambda u: sp.Float(math.tanh(float(u.xreplace(tanh_values))))), numbers, activation)
        q = part["wrt"]
        letter, layer, i = q[0], int(q[2]), int(q.split("_")[1][0])
        j = int(q.split("_")[1][1]) if letter == "w" else None
        reference = _difference(net, numbers, activation, {"w": "w", "b": "b", "a": "a", "z": "z"}[letter], layer, i, j)
        assert value == pytest.approx(reference, rel=1e-5, abs=1e-7), part


def test_kl_keys_agree_with_scipy(variants):
    for part in _parts(variants, "value"):
        p = [float(sp.Rational(v)) for v in part["data"]["p"]]
        q = [float(sp.Rational(v)) for v in part["data"]["q"]]
        first, second = (p, q) if part["data"]["order"] == "pq" else (q, p)
        assert float(part["value"]) == pytest.approx(entropy(first, second), rel=1e-12)


def test_triangle_counterexamples_really_break_the_inequality(variants):
    for part in _parts(variants, "yesno"):
        p, q, r = (np.array([float(sp.Rational(v)) for v in part["data"][n]]) for n in "pqr")
        assert entropy(p, r) > entropy(p, q) + entropy(q, r) + 1e-9


# --- every answer form: right answers accepted, mutated ones refused ---------------------------------------------

def _part(variants: dict, kind: str, index: int = 0) -> dict:
    return _parts(variants, kind)[index]


@pytest.mark.parametrize("kind", ["gradient", "delta", "dz", "vector", "matrix", "general", "value", "yesno"])
def test_every_key_is_correct_and_every_mutated_key_is_refused(variants, kind):
    for part in _parts(variants, kind)[:6]:
        assert check_part(part, part["answer"]).status == PartStatus.CORRECT, part
        mutated = {"value": f"2*({part['answer']})", "yesno": "yes", "general": f"2 {part['answer']}"}.get(
            kind, f"-({part['answer']})" if kind not in ("vector", "matrix") else f"-1 {part['answer']}")
        result = check_part(part, mutated)
        assert result.status == PartStatus.WRONG and result.points == 0, (part["answer"], mutated, result)


def test_scalar_forms_name_only_proved_mistakes():
    part = {"part": "2b", "kind": "delta", "points": 2, "wrt": "a^1_2", "conventions": ["lecture", "half_loss", "delta_dz"],
            "network": {"sizes": [2, 2, 1], "activation": "sigmoid", "output": None, "bias": True, "loss": "squared"}}
    assert check_part(part, "w^2_12 σ'(z^2_1) δ^2_1").status == PartStatus.CORRECT
    assert check_part(part, r"$w^{2}_{12}\,\sigma'(z^{2}_{1})\,\delta^{2}_{1}$").status == PartStatus.CORRECT
    assert check_part(part, "w^2_12 δ^2_1").mistake == "missing_phi_prime"
    assert check_part(part, "w^2_11 σ'(z^2_1) δ^2_1").mistake == "wrong_index"
    unrelated = check_part(part, "x_1 + w^1_11")
    assert unrelated.status == PartStatus.WRONG and unrelated.mistake == "" and "Counterexample" in unrelated.feedback
    circular = check_part(part, "δ^1_2")
    assert circular.status == PartStatus.SYNTAX_ERROR and "the layers above" in circular.feedback


def test_conventions_change_what_counts_and_a_mismatch_is_named():
    part = {"part": "1a", "kind": "gradient", "points": 2, "wrt": "b^2_1", "conventions": ["lecture", "half_loss", "delta_dz"], "credit": {"convention": 0.5},
            "network": {"sizes": [2, 2, 1], "activation": "sigmoid", "output": None, "bias": True, "loss": "squared"}}
    assert check_part(part, "δ^2_1", conventions="delta_dz").status == PartStatus.CORRECT
    undeclared = check_part(part, "δ^2_1")
    assert undeclared.status == PartStatus.PARTIAL and undeclared.points == 1 and undeclared.mistake == "convention:delta_dz"
    half = check_part(part, "(a^2_1 - y_1) σ'(z^2_1)", conventions="half_loss")
    assert half.status == PartStatus.CORRECT
    assert check_part(part, "(a^2_1 - y_1) σ'(z^2_1)").mistake == "convention:half_loss"
    refused = dict(part, conventions=["lecture"])
    result = check_part(refused, "δ^2_1", conventions="delta_dz")
    assert result.status == PartStatus.PARTIAL and "does not accept" in result.feedback


def test_vector_and_matrix_answers_in_notation_or_entry_wise_with_points_per_entry():
    network = {"sizes": [2, 2, 1], "activation": "tanh", "output": None, "bias": True, "loss": "squared"}
    W = {"part": "2e", "kind": "matrix", "points": 4, "wrt": "W^1", "network": network, "conventions": ["lecture"]}
    for right in (r"\Diag(\tanh^{1\prime})\,\delta^{1}\,(a^{0})^{\top}", "Diag(tanh'(z^1)) δ^1 x^T", "(δ^1 ⊙ tanh'(z^1)) x^T",
                  "Diag(tanh^1') V^2 δ^2 x^T", r"\begin{bmatrix} tanh'(z^1_1) δ^1_1 x_1 & tanh'(z^1_1) δ^1_1 x_2 \\ tanh'(z^1_2) δ^1_2 x_1 & tanh'(z^1_2) δ^1_2 x_2 \end{bmatrix}"):
        assert check_part(W, right).status == PartStatus.CORRECT, right
    partial = check_part(W, "[tanh'(z^1_1) δ^1_1 x_1, tanh'(z^1_1) δ^1_1 x_2; δ^1_2 x_1, tanh'(z^1_2) δ^1_2 x_2]")
    assert partial.status == PartStatus.PARTIAL and partial.points == 3 and partial.entries.count("correct") == 3
    shape = check_part(dict(W, network=dict(network, sizes=[3, 2, 1])), "x (Diag(tanh^1') δ^1)^T")
    assert shape.status == PartStatus.WRONG and shape.mistake == "transpose"
    assert check_part(W, "δ^1 x^T").mistake == "convention:delta_dz"  # right if δ meant ∂e/∂z: named as such
    assert check_part(W, "Diag(tanh^1') W^1 x").status == PartStatus.SYNTAX_ERROR  # 2×1, not 2×2: the shapes are named
    huge = check_part(W, "W^1 " * 40)  # every product is bounded as it is built
    assert huge.status == PartStatus.SYNTAX_ERROR and "more than" in huge.feedback


def test_a_wrong_relu_vector_entry_refuted_on_its_activation_pattern_is_wrong_not_undecided():
    network = {"sizes": [2, 3, 3, 1], "activation": "relu", "output": None, "bias": True, "loss": "squared"}
    part = {"part": "3b", "kind": "vector", "points": 3, "wrt": "a^2", "network": network, "conventions": ["lecture"]}
    on_one_pattern = " + relu'(z^1_1) relu'(z^1_2) relu'(z^1_3) relu'(z^2_1) relu'(z^2_2) relu'(z^2_3) x_1"
    right = [f"w^3_1{i} relu'(z^3_1) δ^3_1" for i in (1, 2, 3)]
    assert check_part(part, "[" + ", ".join(right) + "]").status == PartStatus.CORRECT
    result = check_part(part, "[" + ", ".join([right[0] + on_one_pattern, *right[1:]]) + "]")
    assert result.entries == ("wrong", "correct", "correct") and result.status == PartStatus.PARTIAL and result.points == 2


def test_relu_matrix_answers_use_the_step_with_h_of_zero_zero():
    """ReLU'(z^1) in matrix notation is H(z) with H(0) = 0, the convention everywhere; it was SymPy's
    Heaviside with H(0) = ½, which the checker refuses (an error instead of a verdict)."""
    network = {"sizes": [2, 2, 1], "activation": "relu", "output": None, "bias": True, "loss": "squared"}
    W = {"part": "2e", "kind": "matrix", "points": 4, "wrt": "W^1", "network": network, "conventions": ["lecture"]}
    for right in ("Diag(relu'(z^1)) δ^1 x^T", "(δ^1 ⊙ relu'(z^1)) x^T"):
        assert check_part(W, right).status == PartStatus.CORRECT, right
    assert check_part(W, "2 Diag(relu'(z^1)) δ^1 x^T").status == PartStatus.WRONG


def test_softmax_delta_is_q_minus_y_for_a_one_hot_target():
    part = {"part": "3a", "kind": "vector", "points": 2, "wrt": "a^1", "conventions": ["lecture"],
            "network": {"sizes": [2, 3], "activation": "identity", "output": "softmax", "bias": False, "loss": "cross_entropy"}}
    assert check_part(part, "q - y").status == PartStatus.CORRECT
    assert check_part(part, "[q_1 - y_1, q_2 - y_2, q_3 - y_3]").status == PartStatus.CORRECT
    assert check_part(part, "y - q").mistake == "sign"


def test_general_index_answers_are_proved_for_every_index_or_refuted_at_an_instance():
    part = {"part": "1c", "kind": "general", "points": 2, "wrt": "b^ℓ_i", "conventions": ["lecture", "delta_dz"],
            "network": {"sizes": [2, 2, 2, 1], "activation": "phi", "output": None, "bias": True, "loss": "squared"}}
    for right in ("φ'(z^ℓ_i) δ^ℓ_i", r"\delta^{\ell}_{i}\,\varphi'(z^{\ell}_{i})", "delta^l_i * phi'(z^l_i)"):
        assert check_part(part, right).status == PartStatus.CORRECT, right
    wrong = check_part(part, "φ'(z^ℓ_i) δ^ℓ_i a^{ℓ-1}_j")
    assert wrong.status == PartStatus.WRONG and wrong.mistake == "extra_activation"
    # an instance refuted by numbers confirmed in 80 digits, not by an exact computation: said so
    doubled = check_part(part, "2 φ'(z^ℓ_i) δ^ℓ_i")
    assert doubled.status == PartStatus.WRONG and "exact counterexample" not in doubled.feedback
    assert "counterexample in the network [2, 2, 2, 1], its numbers confirmed in 80-digit arithmetic" in doubled.feedback
    assert check_part(part, "δ^ℓ_i", conventions="delta_dz").status == PartStatus.CORRECT
    assert check_part(part, "φ'(z^2_1) δ^2_1").status == PartStatus.SYNTAX_ERROR


def test_values_exact_decimal_and_named_mistakes():
    part = {"part": "4a", "kind": "value", "points": 2, "wrt": "KL(p‖q)", "tolerance": 5e-4, "conventions": ["lecture"],
            "data": {"p": ["1/4", "3/4"], "q": ["1/2", "1/2"], "order": "pq"}}
    assert check_part(part, r"$\frac{3}{4}\log\left(\frac{3}{2}\right) + \frac{1}{4}\log\left(\frac{1}{2}\right)$").status == PartStatus.CORRECT
    assert check_part(part, "0.1308").status == PartStatus.CORRECT
    assert check_part(part, "0.1318").status == PartStatus.WRONG
    assert check_part(part, "log(2) - log(3)/2").mistake == "swapped"
    assert check_part(part, "0.1438").mistake == ""  # a decimal is never *proved* to be the swapped value
    assert check_part(part, "x_1").status == PartStatus.SYNTAX_ERROR


def test_a_value_within_the_tolerance_gets_the_same_credit_in_any_form_and_the_words_say_what_was_shown():
    """An exact form equal to KL to 50 digits but not proved equal (the rule for logs cannot decide a nested
    root) used to get 0 points (undecided) while a 4-digit decimal got full marks."""
    part = {"part": "4a", "kind": "value", "points": 2, "wrt": "KL(p‖q)", "tolerance": 5e-4, "conventions": ["lecture"],
            "data": {"p": ["1/4", "3/4"], "q": ["1/2", "1/2"], "order": "pq"}}
    unproved = "3/4 log(3/2) - 1/4 log(2) + (3 + 2 sqrt(2))^(1/2) - 1 - sqrt(2)"  # √(3 + 2√2) = 1 + √2
    for answer in (unproved, "0.1308"):
        result = check_part(part, answer)
        assert result.status == PartStatus.CORRECT and result.points == 2, result
        assert result.decided_by.startswith("within the stated tolerance") and "exactly" not in result.decided_by
    assert "equality is not proved" in check_part(part, unproved).decided_by
    proved = check_part(part, "3/4 log(3/2) - 1/4 log(2)")  # an exact form proved equal stays exactly right
    assert proved.status == PartStatus.CORRECT and proved.decided_by.startswith("exactly equal")
    wrong = check_part(part, "1/3 + sqrt(2)")  # an exact form outside the tolerance: no points, its value shown
    assert wrong.status == PartStatus.WRONG and wrong.points == 0 and "Your value is 1.74755" in wrong.feedback
    hidden = check_part(part, "1/3 + sqrt(2)", reveal=False)
    assert hidden.status == PartStatus.WRONG and "1.74755" in hidden.feedback and "0.1308" not in hidden.feedback
    exact_only = dict(part, tolerance=0)  # no tolerance covers what 50 digits cannot tell apart: for review
    assert check_part(exact_only, unproved).status == PartStatus.UNDECIDED
    assert check_part(exact_only, "0.1308").status == PartStatus.WRONG


def test_yes_no_with_a_verified_counterexample():
    part = {"part": "5a", "kind": "yesno", "points": 3, "wrt": "triangle inequality", "conventions": ["lecture"], "credit": {"counterexample_missing": 0.25},
            "data": {"classes": 2, "p": ["1/10", "9/10"], "q": ["3/5", "2/5"], "r": ["9/10", "1/10"]}}
    assert check_part(part, "no; p = (1/10, 9/10), q = (3/5, 2/5), r = (9/10, 1/10)").status == PartStatus.CORRECT
    assert check_part(part, r"No. $p = \left(\tfrac{1}{10}, \tfrac{9}{10}\right)$, $q = (0.6, 0.4)$, $r = (0.9, 0.1)$").status == PartStatus.CORRECT
    assert check_part(part, "no").points == 0.75
    assert check_part(part, "no; p = (1/10, 9/10), q = (1/10, 9/10), r = (1/10, 9/10)").status == PartStatus.PARTIAL
    assert check_part(part, "no; p = (1/2, 1/2), q = (3/5, 2/5), r = (9/10, 1/10)").status == PartStatus.PARTIAL  # p is fixed
    assert check_part(part, "yes").status == PartStatus.WRONG


GRADIENT = {"part": "1a", "kind": "gradient", "points": 2, "wrt": "w^1_12", "conventions": ["lecture", "half_loss", "delta_dz"],
            "network": {"sizes": [2, 2, 1], "activation": "sigmoid", "output": None, "bias": True, "loss": "squared"}}


@pytest.mark.parametrize("answer, status", [("σ'(z^1_1) δ^1_1 x_2", PartStatus.CORRECT), ("δ^1_1 x_2", PartStatus.PARTIAL),
                                            ("σ'(z^1_1) δ^1_1 x_1", PartStatus.WRONG), ("x_1 + w^1_11", PartStatus.WRONG)])
def test_a_gradient_answer_is_decided_once(monkeypatch, answer, status):
    """A gradient part was decided by check_answer, and a wrong one decided again by check_quantity."""
    import symbackprop.answers.check as check
    import symbackprop.answers.quantities as quantities

    calls = []
    for module in (check, quantities):
        original = module.decide_answer
        monkeypatch.setattr(module, "decide_answer", lambda *args, original=original: calls.append(args) or original(*args))
    assert check_part(GRADIENT, answer).status == status
    assert len(calls) == 1


@pytest.mark.parametrize("time_limit", [6.0, 20.0])
def test_a_gradient_answer_shares_one_time_limit_between_its_decision_and_its_diagnosis(monkeypatch, time_limit):
    """Counted on a clock that only the checker's evaluations move (one second each): the counterexample search,
    the other conventions and the typical mistakes share one deadline — it was twice the time limit."""
    from symbackprop.answers.context import AnswerContext

    check_part(GRADIENT, "σ'(z^1_1) δ^1_1 x_2")  # the network's references, built once
    clock = [0.0]
    monkeypatch.setattr("time.perf_counter", lambda: clock[0])
    evaluate = AnswerContext.value

    def costly(self, *args, **kwargs):  # noqa: ANN001, ANN202
        clock[0] += 1.0
        return evaluate(self, *args, **kwargs)

    monkeypatch.setattr(AnswerContext, "value", costly)
    result = check_part(GRADIENT, "x_1 + w^1_11", time_limit=time_limit)  # no typical mistake: the diagnosis runs out of time
    assert result.status == PartStatus.WRONG and "Counterexample" in result.feedback
    assert time_limit <= clock[0] <= time_limit + 3  # the stage under way when the deadline passes (two evaluations) may end


def test_follow_through_credit_along_the_recursion_and_the_first_departure_is_named():
    network = {"sizes": [2, 2, 1], "activation": "sigmoid", "output": None, "bias": True, "loss": "squared"}
    parts = [
        {"part": "2a", "kind": "delta", "points": 1, "wrt": "a^2_1", "chain": "2", "step": 1},
        {"part": "2b", "kind": "delta", "points": 2, "wrt": "a^1_2", "chain": "2", "step": 2},
        {"part": "2c", "kind": "dz", "points": 2, "wrt": "z^1_2", "chain": "2", "step": 3},
    ]
    for part in parts:
        part.update(network=network, conventions=["lecture"], prompt="", answer="", answer_latex="", credit={"follow_through": 0.5})
    variants = {"generator": "symbackprop test", "students": {"dee": {"name": "Dee", "parts": parts}}}
    answers = [Submission("dee", "2a", "2(y_1 - a^2_1)"), Submission("dee", "2b", "w^2_12 σ'(z^2_1) 2(y_1 - a^2_1)"),
               Submission("dee", "2c", "σ'(z^1_2) w^2_12 σ'(z^2_1) (a^2_1 + y_1)")]
    grades = grade_submissions(variants, answers, workers=0)
    results = grades.results["dee"]
    assert results["2a"].mistake == "sign" and results["2b"].status == PartStatus.PARTIAL and results["2b"].points == 1
    assert results["2c"].status == PartStatus.WRONG  # neither right nor consistent with 2b
    assert grades.departures["dee"] == {"2": "2a"}
    assert "first departs" in feedback_csv(grades)


@pytest.mark.parametrize("answer", ["__import__('os').system('echo pwned')", "9^9^9^9", "(" * 500, "\\input{/etc/passwd}", "x" * 5000, "[[[]]]", "\x00"])
def test_hostile_answers_cost_one_part_and_never_raise(variants, answer):
    for kind in ("gradient", "matrix", "general", "value", "yesno"):
        result = check_part(_part(variants, kind), answer)
        assert result.status in (PartStatus.SYNTAX_ERROR, PartStatus.WRONG, PartStatus.ERROR) and result.points == 0


# --- grading a class, end to end ------------------------------------------------------------------------------

def test_the_sample_class_is_graded_with_every_bad_row_reported_by_line(tmp_path, capsys):
    assert main(["homework", "--roster", str(EXAMPLES / "roster.csv"), "--seed", "643", "--out", str(tmp_path), "--no-pdf"]) == 0
    out = tmp_path / "gradebook.csv"
    code = main(["grade", "--variants", str(tmp_path / "variants.json"), "--answers", str(EXAMPLES / "submissions.csv"), "--out", str(out),
                 "--feedback", str(tmp_path / "feedback.csv"), "--gradescope", str(tmp_path / "results.json"), "--student", "ada",
                 "--report", str(tmp_path / "report.pdf"), "--jobs", "2"])
    captured = capsys.readouterr()
    assert code == 1  # some rows could not be graded
    for line, why in ((44, "5 fields"), (49, "duplicate"), (50, "unknown student"), (51, "no part '9z'"), (52, "unterminated quote")):
        assert f"submissions.csv:{line}: not graded" in captured.err and why in captured.err
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(out.read_text()))}
    assert rows["ada"]["total"] == rows["ada"]["max_points"] == "24"
    assert float(rows["ben"]["total"]) < 24 and rows["dee"]["first_departure"] == "2: 2a"
    feedback = list(csv.DictReader(io.StringIO((tmp_path / "feedback.csv").read_text())))
    assert {row["status"] for row in feedback} >= {"correct", "partial", "wrong", "syntax error", "missing"}
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["score"] == 24 and len(results["tests"]) == 12
    assert {"name", "score", "max_score", "output", "visibility"} <= set(results["tests"][0])
    assert b"symbackprop" in (tmp_path / "report.pdf").read_bytes()
    # running again replaces our own outputs, and never an input
    assert main(["grade", "--variants", str(tmp_path / "variants.json"), "--answers", str(EXAMPLES / "submissions.csv"), "--out", str(out)]) == 1
    assert main(["grade", "--variants", str(tmp_path / "variants.json"), "--answers", str(EXAMPLES / "submissions.csv"),
                 "--out", str(EXAMPLES / "submissions.csv")]) == 2


def test_gradescope_results_need_one_student(tmp_path, variants):
    grades = grade_submissions(variants, [Submission("s000", "1a", "0"), Submission("s001", "1a", "0")], workers=0)
    results = gradescope_results(grades, "s000")
    assert results["tests"][0]["max_score"] == float(variants["students"]["s000"]["parts"][0]["points"])
    assert "total" in gradebook_csv(grades).splitlines()[0]
    with pytest.raises(Exception, match="pass --student"):
        from symbackprop.homework.gradebook import write_outputs

        write_outputs(grades, gradebook=tmp_path / "g.csv", gradescope=tmp_path / "r.json")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_sheets_and_keys_are_byte_identical_for_the_same_seed_and_roster(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\nada,Ada Lovelace\nzoë,Zoë Ñúñez\n", encoding="utf-8")
    outputs = []
    for run in ("one", "two"):
        assert main(["homework", "--roster", str(roster), "--seed", "7", "--out", str(tmp_path / run)]) == 0
        outputs.append({p.relative_to(tmp_path / run): p.read_bytes() for p in sorted((tmp_path / run).rglob("*")) if p.is_file()})
    assert outputs[0] == outputs[1] and len(outputs[0]) == 5
    sheet = outputs[0][Path("sheets/ada.pdf")]
    assert b"symbackprop" in sheet
