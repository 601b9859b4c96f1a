"""prove_general(): the lecture's results for every depth, width and number of classes — exact, and able
to fail.  Every wrong recursion must make a named step fail, with an exact instance, a counterexample from
the per-architecture prover and an independent finite difference that agrees with the direct derivative."""

from __future__ import annotations

import dataclasses
import functools
import subprocess
import sys

import pytest
import sympy as sp

from symbackprop import MLP, SpecError
from symbackprop.activations import phi, phi_prime
from symbackprop.general import LECTURE, MUTANTS, THEOREM_STEPS, Method, prove_general, refute
from symbackprop.general.bounds import l14_identities
from symbackprop.general.checks import Identity, check, find_instance
from symbackprop.general.layer import GenericLayer, index
from symbackprop.general.multiclass import log_inequality_evidence
from symbackprop.general.operations import CHECK_NETWORKS, closed_form, evaluate, linear_bound, per_architecture_count
from symbackprop.general.output_steps import OutputLayer
from symbackprop.general.sums import (
    decide,
    difference_normal_form,
    evaluate_sums,
    matrix_entry,
    settle,
    sum_normal_form,
    within_ranges,
)
from symbackprop import prove

from . import reference
from .network_points import arrays_from_point

n = sp.Symbol("n", integer=True, positive=True)
i, j, k, r, s = (index(name) for name in "ijkrs")
x = sp.IndexedBase("x")


@functools.lru_cache(maxsize=None)
def general(name: str = "lecture"):
    return prove_general(name)


# --- the proof for the lecture's recursion -------------------------------------------------------------------

def test_the_lecture_recursion_is_proved_for_every_size_with_every_step_holding():
    proof = general()
    assert proof.holds and proof.theorem_holds, proof.report()
    assert proof.failing_steps == ()
    assert proof.statement.startswith("For all L ≥ 1, all N_0, …, N_L ≥ 1 and every differentiable φ")
    assert set(THEOREM_STEPS) <= {step.id for step in proof.steps}


def test_every_step_has_a_stable_id_a_statement_in_text_and_latex_and_one_of_the_three_methods():
    proof = general()
    ids = [step.id for step in proof.steps]
    assert ids == [
        "chain-rule", "L7", "L8", "L9", "base-squared", "base-softmax", "base-logistic", "induction",
        "L10", "L11", "L12", "activations", "L18", "L19", "L21", "L22", "L14", "L4",
    ]
    for step in proof.steps:
        assert step.statement and step.latex and step.title
        assert step.method in (Method.SYMBOLIC_DIFFERENTIATION, Method.EXACT_IDENTITY, Method.AXIOM)
        assert step.latex.isascii(), step.id
        assert all(piece.latex.isascii() for piece in step.evidence), step.id


def test_the_chain_rule_is_the_one_axiom_and_each_use_of_an_axiom_is_the_chain_rule():
    proof = general()
    assert [step.id for step in proof.steps if step.method is Method.AXIOM] == ["chain-rule"]
    uses = [piece for step in proof.steps for piece in step.evidence if piece.method is Method.AXIOM]
    assert uses and all("chain rule" in piece.statement for piece in uses)


def test_the_local_derivatives_and_base_cases_rest_on_sympys_symbolic_differentiation():
    proof = general()
    for step_id in ("L7", "L8", "L9", "base-squared", "base-softmax", "base-logistic"):
        step = proof.step(step_id)
        assert step.method is Method.SYMBOLIC_DIFFERENTIATION
        assert any(piece.method is Method.SYMBOLIC_DIFFERENTIATION and piece.holds for piece in step.evidence)


def test_lemmas_taken_as_given_are_named_in_the_steps_that_use_them_and_nowhere_else():
    proof = general()
    with_lemmas = {step.id for step in proof.steps if Method.LEMMA in step.methods}
    assert with_lemmas == {"L18", "L19", "L21", "L22", "L14"}
    assert not with_lemmas & set(THEOREM_STEPS)


def test_the_report_names_every_step_its_methods_and_says_nothing_is_numeric():
    text = general().report()
    assert text.startswith("General proof (symbolic widths, every depth) of the recursion 'lecture': PROVED")
    for step in general().steps:
        assert f"[{step.id}" in text
    for method in Method:
        assert method.value in text
    assert "Nothing above is a numeric check" in text


def test_python_dash_m_prints_the_proof_and_exits_zero():
    completed = subprocess.run([sys.executable, "-m", "symbackprop.general"], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    assert "PROVED" in completed.stdout and "For all L ≥ 1" in completed.stdout


def test_a_recursion_is_named_or_given_and_anything_else_is_rejected_clearly():
    with pytest.raises(SpecError, match="unknown recursion 'nope'; choose one of: lecture, w-for-wt"):
        prove_general("nope")
    with pytest.raises(TypeError, match="Recursion or its name"):
        prove_general(42)


# --- every mutant fails a named step, with an instance, a prover counterexample and a finite difference ------

EXPECTED = {
    "w-for-wt": ("induction", {"induction", "L10", "L11", "L12"}),
    "v-without-phi-prime": ("induction", {"induction", "L10", "L11", "L12"}),
    "grad-w-without-phi-prime": ("L11", {"L11"}),
    "off-by-one-diag": ("L11", {"L11"}),
    "flipped-sign": ("base-squared", {"base-squared", "base-softmax", "base-logistic", "L10", "L11", "L12"}),
    "half-delta": ("base-squared", {"base-squared", "base-softmax", "base-logistic", "L10", "L11", "L12"}),
    "extra-a-in-grad-b": ("L12", {"L12"}),
}


def test_every_mutant_of_the_issue_is_covered():
    assert set(MUTANTS) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_mutant_fails_the_general_proof_at_the_expected_steps_with_an_exact_instance(name):
    proof = general(name)
    first, failing = EXPECTED[name]
    assert not proof.holds and not proof.theorem_holds
    assert {step.id for step in proof.failing_steps if step.id in THEOREM_STEPS} == failing
    step = proof.step(first)
    instance = step.counterexample
    assert instance is not None, step
    assert sp.simplify(instance.lhs - instance.rhs) != 0
    assert "NOT PROVED" in proof.report() and "counterexample" in proof.report()
    untouched = {"chain-rule", "L7", "L8", "L9", "activations", "L18", "L19", "L21", "L22", "L4"}
    assert all(proof.step(step_id).holds for step_id in untouched)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_mutant_is_refuted_by_the_per_architecture_prover_and_a_finite_difference(name):
    refutation = refute(name, general=general(name))
    assert refutation.step == EXPECTED[name][0]
    assert not refutation.proof.holds and refutation.counterexample is not None
    assert refutation.confirmed, refutation.report()
    example = refutation.counterexample
    if example.phi != "tanh":
        pytest.skip("the prover's counterexample uses a φ the independent reference does not model")
    net = refutation.network
    params, x_values, y_values = arrays_from_point(net, example.point)
    info = net.parameter_info(example.parameter)
    key, where = (f"W{info.layer}", (info.i - 1, info.j - 1)) if info.kind == "w" else (f"b{info.layer}", (info.i - 1,))
    numeric = reference.finite_difference(
        lambda p: reference.loss(p, x_values, y_values, ["phi"] * net.depth, net.loss.name, net.softmax), params, key, where
    )
    assert numeric == pytest.approx(example.direct_value, rel=1e-6, abs=1e-8)
    assert abs(numeric - example.candidate_value) > 1e-4


def _wrong_for(loss: str, wrong):  # noqa: ANN001, ANN202
    def output_delta(name, a, y, q):  # noqa: ANN001, ANN202
        return wrong(a, y, q) if name == loss else LECTURE.output_delta(name, a, y, q)

    return dataclasses.replace(LECTURE, name=f"wrong-{loss}", description=f"a wrong δ^L for {loss}", output_delta=output_delta)


@pytest.mark.parametrize(
    "loss, wrong, step, settings",
    [
        ("cross_entropy", lambda a, y, q: q + y, "base-softmax", dict(output="softmax", loss="cross_entropy")),
        ("logistic", lambda a, y, q: (a - y) / (a * (1 - a)), "base-logistic", dict(loss="logistic")),
    ],
)
def test_a_recursion_wrong_for_one_loss_is_refuted_on_a_network_with_that_loss(loss, wrong, step, settings):
    recursion = _wrong_for(loss, wrong)
    proof = prove_general(recursion)
    assert {s.id for s in proof.failing_steps if s.id in THEOREM_STEPS} == {step, "L10", "L11", "L12"}
    refutation = refute(recursion, general=proof)
    assert refutation.step == step and refutation.network.loss.name == settings["loss"]
    assert refutation.confirmed, refutation.report()


def test_the_lecture_recursion_cannot_be_refuted():
    with pytest.raises(SpecError, match="nothing to refute"):
        refute("lecture", general=general())


@pytest.mark.parametrize(
    "sizes, settings",
    [([2, 3, 2], dict(bias=True)), ([2, 2, 1], dict(loss="logistic")), ([3, 2, 2, 2], dict(activation="sigmoid"))],
)
def test_the_lecture_recursion_object_gives_gradients_the_per_architecture_prover_proves(sizes, settings):
    net = MLP(sizes, **settings)
    assert prove(net, LECTURE.gradients(net)).holds


def test_a_mutant_that_is_right_for_a_particular_network_is_proved_there():
    """Dropping φ' is harmless for identity activations: the concrete prover must agree."""
    net = MLP([2, 2, 1], activation="identity")
    assert prove(net, MUTANTS["grad-w-without-phi-prime"].gradients(net)).holds


# --- the sums kernel: exact rewriting only ------------------------------------------------------------------

def test_conditions_are_decided_from_index_ranges_both_ways_and_left_alone_otherwise():
    ranges = {i: (1, n)}
    assert decide(sp.And(i >= 1, i <= n), ranges) == sp.true
    assert decide(i > n, ranges) == sp.false
    assert decide(sp.Eq(i, 2), ranges) == sp.Eq(i, 2)
    assert decide(i <= n - 1, ranges) == (i <= n - 1)


def test_a_piecewise_inside_a_sum_is_settled_by_the_sums_limits():
    """sympy/sympy#13993: SymPy leaves Sum(Piecewise((1, 1 ≤ i ≤ n)), (i, 1, n)); it is n."""
    messy = sp.Sum(sp.Sum(x[j], (j, 1, n)).diff(x[i]), (i, 1, n))
    assert sum_normal_form(settle(messy, {})) == n


def test_kronecker_sums_are_done_and_other_sums_are_kept():
    summed = evaluate_sums(sp.Sum(sp.KroneckerDelta(i, k) * x[k], (k, 1, n)))
    assert within_ranges(summed, {i: (1, n)}) == x[i]
    kept = evaluate_sums(sp.Sum(x[k] ** 2, (k, 1, n)))
    assert isinstance(kept, sp.Sum)
    assert evaluate_sums(sp.Sum(x[k], (k, 1, 3))) == x[1] + x[2] + x[3]


def test_the_normal_form_proves_true_sum_identities_and_not_false_ones():
    c = sp.Symbol("c")
    assert sum_normal_form(sp.Sum(c * x[j] + c, (j, 1, n)) - c * sp.Sum(x[k], (k, 1, n)) - c * n) == 0
    square_of_sum = sp.Sum(x[j], (j, 1, n)) ** 2
    assert sum_normal_form(sp.Sum(x[j] ** 2, (j, 1, n)) - square_of_sum) != 0
    assert difference_normal_form(sp.Sum(x[j] * x[k], (j, 1, n), (k, 1, n)), square_of_sum, {}) == 0


def test_hypotheses_are_used_only_when_given():
    y = sp.IndexedBase("y")
    lhs, rhs = sp.Sum(y[j], (j, 1, n)) * x[i], x[i]
    assert difference_normal_form(lhs, rhs, {i: (1, n)}) != 0
    assert difference_normal_form(lhs, rhs, {i: (1, n)}, hypotheses={sp.Sum(y[k], (k, 1, n)): 1}) == 0


def test_matrix_entries_come_from_sympy_in_the_lectures_one_based_symbols():
    layer = GenericLayer.symbolic()
    entry = matrix_entry(layer.W_next.T * layer.Diag_next * layer.Delta_next, i, 1, layer.atoms)
    m = index("m")
    expected = sp.Sum(layer.w_next[m, i] * phi_prime(layer.z_next[m]) * layer.delta_next[m], (m, 1, layer.following))
    assert difference_normal_form(entry, expected, {i: (1, layer.width)}) == 0
    wrong = sp.Sum(layer.w_next[i, m] * phi_prime(layer.z_next[m]) * layer.delta_next[m], (m, 1, layer.following))
    assert difference_normal_form(entry, wrong, {i: (1, layer.width)}) != 0


def test_sympy_differentiates_the_symbolic_width_layer_to_kronecker_deltas():
    layer = GenericLayer.symbolic()
    derivative = sp.diff(layer.z_definition(i), layer.w[r, s])
    assert derivative.has(sp.KroneckerDelta)
    ranges = {i: (1, layer.width), r: (1, layer.width), s: (1, layer.previous)}
    assert sum_normal_form(settle(derivative, ranges)) == sp.KroneckerDelta(i, r) * layer.a_previous[s]
    assert sp.diff(phi(layer.z[i]), layer.z[i]) == phi_prime(layer.z[i])


# --- each kind of check can fail ----------------------------------------------------------------------------

def _layer_identity(claimed_for: callable) -> callable:
    def build(sizes: GenericLayer) -> list[Identity]:
        return [
            Identity(
                "dz/dw", "wrong", "", Method.SYMBOLIC_DIFFERENTIATION,
                claimed_for(sizes), sp.diff(sizes.z_definition(i), sizes.w[r, s]),
                {i: (1, sizes.width), r: (1, sizes.width), s: (1, sizes.previous)},
            )
        ]
    return build


def test_a_wrong_local_derivative_fails_and_an_exact_instance_refutes_it():
    build = _layer_identity(lambda sizes: sp.KroneckerDelta(i, r) * sizes.a_previous[r])  # a_r for a_s
    assert not check(build(GenericLayer.symbolic())[0]).holds
    instance = find_instance(build, "dz/dw", [(GenericLayer.concrete(2, 2, 2), {"N": 2})])
    assert instance is not None and instance.lhs != instance.rhs
    right = _layer_identity(lambda sizes: sp.KroneckerDelta(i, r) * sizes.a_previous[s])
    assert check(right(GenericLayer.symbolic())[0]).holds
    assert find_instance(right, "dz/dw", [(GenericLayer.concrete(2, 2, 2), {"N": 2})]) is None


@pytest.mark.parametrize("label", ["gram", "image", "lagrange", "equality", "diagonal"])
def test_every_l14_identity_holds_and_fails_when_its_right_side_is_off_by_a_factor(label):
    identity = next(item for item in l14_identities() if item.label == label)
    assert check(identity).holds
    wrong = Identity(label, "wrong", "", identity.method, identity.lhs, 2 * identity.rhs, identity.ranges)
    assert not check(wrong).holds


def test_multiclass_checks_fail_on_wrong_statements():
    C = sp.Symbol("C", integer=True, positive=True)
    layer = OutputLayer(C)
    p, q = sp.IndexedBase("p", positive=True), sp.IndexedBase("q", positive=True)
    assert check(Identity("sum", "", "", Method.EXACT_IDENTITY, sp.Sum(layer.q(j), (j, 1, C)), sp.Integer(1), {})).holds
    assert not check(Identity("sum", "", "", Method.EXACT_IDENTITY, sp.Sum(layer.q(j), (j, 1, C)), sp.Integer(2), {})).holds
    kl = sp.expand_log(sp.Sum(p[j] * sp.log(p[j] / q[j]), (j, 1, C)))
    ne_minus_ce = sp.expand_log(sp.Sum(p[j] * sp.log(p[j]), (j, 1, C)) + sp.Sum(p[j] * sp.log(q[j]), (j, 1, C)))
    assert not check(Identity("split", "", "", Method.EXACT_IDENTITY, kl, ne_minus_ce, {})).holds
    gradient = sp.diff(layer.cross_entropy(), layer.a[i])
    wrong = Identity("gradient", "", "", Method.SYMBOLIC_DIFFERENTIATION, layer.y[i] - layer.q(i), gradient, layer.ranges)
    assert not check(wrong).holds


def test_the_log_inequality_lemma_rests_on_exact_facts_that_hold():
    facts = log_inequality_evidence()
    assert [piece.method for piece in facts] == [Method.SYMBOLIC_DIFFERENTIATION, Method.EXACT_IDENTITY, Method.LEMMA]
    assert all(piece.holds for piece in facts)


# --- L4: the closed form against the per-architecture count --------------------------------------------------

@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("sizes", [*CHECK_NETWORKS, [5, 1], [1, 4, 1, 3]])
def test_the_closed_operation_count_equals_the_per_architecture_count(sizes, bias):
    assert evaluate(closed_form(bias), sizes) == per_architecture_count(MLP(sizes, bias=bias))


def test_the_operation_count_check_tells_a_wrong_closed_form_apart():
    sizes = [3, 2, 4]
    assert evaluate(closed_form(False), sizes) != per_architecture_count(MLP(sizes, bias=True))


def test_the_linear_bound_is_the_least_constant_the_coefficient_test_accepts():
    assert linear_bound(False) == 11 and linear_bound(True) == 7
    assert linear_bound(False, largest=10) is None
    for sizes in ([1, 100], [100, 1], [7, 7, 7, 7]):
        count = evaluate(closed_form(False), sizes)
        parameters = sum(a * b for a, b in zip(sizes, sizes[1:]))
        assert parameters <= count <= 11 * parameters


# --- the LaTeX a person reads ------------------------------------------------------------------------------

def test_the_general_proof_compiles_with_pdflatex_and_fits_the_page(tmp_path):
    from symbackprop.emit import write_document
    from symbackprop.emit.pdf import compile_pdf, page_overflow

    from .latex_tools import require_tools

    require_tools("pdflatex", "pdftoppm")
    body = general().latex_steps()
    assert body.count(r"\item[") == len(general().steps)
    path = write_document(tmp_path / "general.tex", [lambda: "\\section{Backpropagation for every size}\n" + body])
    result = compile_pdf(path)
    assert result.overfull == () and page_overflow(result.pdf) == []
