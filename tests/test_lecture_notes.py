"""The notes as a reader finds them: one story, the lecture's order and voice, formulas as the lecture writes
them — one test per defect a reader found (issue 10), each able to fail on the defect it names."""

from __future__ import annotations

import re

import numpy as np
import pytest
import sympy as sp

from symbackprop import MLP
from symbackprop.emit import answer, build_document, network_sections, parse_notes, select_sections
from symbackprop.emit.document import Section, read_notes
from symbackprop.emit.forms import NetworkDerivation, one_hot_form
from symbackprop.emit.layout import Layout, Terms, is_diagonal
from symbackprop.emit.network_doc import PARTS, NetworkTex, network_subsections
from symbackprop.errors import SpecError
from symbackprop.lecture import story
from symbackprop.lecture.claims import lecture_claims
from symbackprop.lecture.document import SECTION_NAMES, lecture_sections
from symbackprop.lecture.regenerate import DERIVATIONS, render
from symbackprop.printing import LecturePrinter

SOFTMAX_NETS = [
    MLP([6, 6, 3], activation="tanh", output="softmax", loss="cross_entropy"),
    MLP([3, 4, 4], activation="relu", output="softmax", loss="kl", bias=True),
    MLP([2, 3, 3, 3], output="softmax", loss="cross_entropy", bias=True),
]


@pytest.fixture(scope="module")
def lecture() -> str:
    return render("lecture.tex")


def network_document(net: MLP) -> str:
    return build_document(network_sections(net))


def _bmatrices_after(tex: str, lhs: str) -> list[list[list[str]]]:
    """The matrices printed right after ``lhs`` (…= [ … ]), as rows of cells."""
    found = []
    for match in re.finditer(re.escape(lhs) + r"[^\n]*?= \\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", tex):
        found.append([[cell.strip() for cell in row.split("&")] for row in match.group(1).split(r"\\")])
    return found


# --- simplified as the lecture writes it ---------------------------------------------------------------------

@pytest.mark.parametrize("net", SOFTMAX_NETS, ids=["6-6-3-tanh-ce", "3-4-4-relu-kl", "2-3-3-3-ce"])
def test_after_the_one_hot_step_every_row_of_delta_L_is_q_j_minus_y_j(net):
    tex = network_document(net)
    L = net.depth
    one_hot = _bmatrices_after(tex, rf"\delta^{{{L}}} &= q - y")
    assert len(one_hot) == 1
    rows = [row[0] for row in one_hot[0]]
    assert rows == [rf"q_{{{j}}} - y_{{{j}}}" for j in range(1, net.sizes[-1] + 1)]


@pytest.mark.parametrize("net", SOFTMAX_NETS, ids=["6-6-3-tanh-ce", "3-4-4-relu-kl", "2-3-3-3-ce"])
def test_the_last_layers_gradient_is_q_minus_y_times_the_inputs(net):
    tex = network_document(net)
    L = net.depth
    matrices = _bmatrices_after(tex, rf"\nabla_{{W^{{{L}}}}} e &= (q - y) \left(a^{{{L - 1}}}\right)^{{\top}}")
    assert len(matrices) == 1
    for i, row in enumerate(matrices[0], start=1):
        for cell in row:
            assert cell == r"\cdots" or cell.startswith(rf"\left(q_{{{i}}} - y_{{{i}}}\right) a^{{{L - 1}}}_{{"), cell
    assert "y_{1} + y_{2}" not in tex.split(r"q - y")[1]  # after the one-hot step, no sum of targets is left


def test_the_one_hot_form_is_exact_under_the_constraint_and_only_there():
    net = SOFTMAX_NETS[0]
    d = NetworkDerivation(net)
    raw = d.steps.output_delta[0]
    shown = d.output_delta[0]
    y = list(net.y)
    on_simplex = {y[0]: 1 - y[1] - y[2]}
    assert sp.expand(raw.xreplace(on_simplex) - shown.xreplace(on_simplex)) == 0
    assert sp.expand(raw - shown) != 0  # it is a rewrite that needs Σ y = 1, not an identity
    wrong = net.q[0] * (y[0] + y[1]) - y[0]  # a sum of targets that is NOT the whole simplex stays
    assert one_hot_form(wrong, y) == wrong


def test_the_squared_errors_delta_is_written_minus_two_times_target_minus_activation():
    net = MLP([2, 2], activation="sigmoid")
    tex = network_document(net)
    assert r"- 2 \left(y_{1} - a^{1}_{1}\right)" in tex and "2 a^{1}_{1} - 2 y_{1}" not in tex
    printer = LecturePrinter({"lecture_signs": True})
    a, y = sp.symbols("a^{2}_{1} y_{1}")
    assert printer.doprint(2 * a - 2 * y) == r"- 2 \left(y_{1} - a^{2}_{1}\right)"
    assert printer.doprint(w := sp.Symbol("w^{2}_{11}")) and printer.doprint(w * (2 * a - 2 * y) + w) == (
        r"w^{2}_{11} - 2 w^{2}_{11} \left(y_{1} - a^{2}_{1}\right)"
    )
    assert " + -" not in printer.doprint(sp.Symbol("x") * (2 * a - 2 * y) + sp.Symbol("u") * (2 * a - 2 * y))


def test_sums_over_samples_are_in_the_order_of_the_table(lecture):
    loss = lecture.split(r"\section{Designing a loss}")[1].split(r"\section{")[0]
    positions = [loss.index(rf"y^{{{i}}}") for i in range(1, 5)]
    assert positions == sorted(positions)
    printer = LecturePrinter()
    terms = Terms(sp.symbols("y2 y1 y4 y3"))
    assert Layout(printer).equation("E", terms) == ["E &= y_{2} + y_{1} + y_{4} + y_{3}"]


# --- names, elision ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("net", [story.deep_network(), MLP([6, 6, 3], activation="tanh", output="softmax", loss="cross_entropy"),
                                 MLP([2, 3, 3, 3], output="softmax", loss="kl", bias=True), MLP([3, 3, 3, 1], bias=True)],
                         ids=["deep", "6-6-3", "2-3-3-3-kl", "3-3-3-1"])
def test_no_symbol_T_k_stands_for_an_entry_of_delta(net):
    derivation = NetworkDerivation(net)
    nt = NetworkTex(derivation)
    network_subsections(derivation)  # builds every part with its own NetworkTex; rebuild with ours to inspect
    from symbackprop.emit import network_doc

    for part in PARTS:
        if part == "bias" and not net.has_bias or part == "softmax" and not net.softmax:
            continue
        network_doc._BUILDERS[part](nt)
    deltas = {sp.expand(value) for value in derivation.known_names}
    for expr, symbol in nt.namer.names.items():
        if symbol.name.startswith("T_"):
            assert sp.expand(expr) not in deltas, (symbol, expr)


def test_a_repeated_sub_expression_is_named_once_across_parts():
    net = MLP([2, 3, 3, 3], output="softmax", loss="kl", bias=True)
    tex = network_document(net)
    definitions = re.findall(r"^(\\delta\^\{1\}_\{1\}|T_\{\d+\}) &= ", tex, flags=re.M)
    assert len(definitions) == len(set(definitions)) or definitions.count(r"\delta^{1}_{1}") <= 2


def test_diagonal_matrices_are_elided_along_the_diagonal_and_never_hide_an_entry():
    printer = LecturePrinter()
    entries = [sp.Symbol(f"\\tanh'(z^{{1}}_{{{i}}})") for i in range(1, 7)]
    layout = Layout(printer)
    narrow = layout.matrix(sp.diag(*entries), budget=26)
    assert narrow is not None and r"\ddots" in narrow and r"\cdots" not in narrow and r"\vdots" not in narrow
    rows = narrow.removeprefix(r"\begin{bmatrix}").removesuffix(r"\end{bmatrix}").split(r" \\ ")
    assert [row.split(" & ")[k].strip() for k, row in enumerate(rows)][-1] == printer.doprint(entries[-1])
    assert is_diagonal(sp.diag(1, 2)) and not is_diagonal(sp.Matrix([[1, 1], [0, 1]]))
    wide = Layout(printer).matrix(sp.diag(*entries))
    assert all(printer.doprint(e) in wide for e in entries)  # when it fits, every entry is there


@pytest.mark.parametrize("net", [MLP([6, 6, 3], activation="tanh", output="softmax", loss="cross_entropy"), MLP([12, 8, 2], bias=True)])
def test_no_printed_diagonal_matrix_hides_a_diagonal_entry(net):
    tex = network_document(net)
    printed = re.findall(r"^\\Diag\\left\(.*?\\right\) &= \\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", tex, flags=re.M)
    assert len(printed) == sum(1 for layer in range(1, net.depth + 1) if net.activation(layer).name != "identity")
    for body in printed:
        matrix = [[cell.strip() for cell in row.split("&")] for row in body.split(r"\\")]
        diagonal = [row[k] for k, row in enumerate(matrix)]
        assert all(diagonal), matrix  # each row shows its diagonal entry, or \ddots where entries are elided
        assert all(cell == "" for k, row in enumerate(matrix) for j, cell in enumerate(row) if j != k), matrix
        assert r"\cdots" not in body and r"\vdots" not in body


def test_a_wide_matrix_hides_at_least_two_columns_behind_dots():
    printer = LecturePrinter()
    for cols in (4, 5, 12):
        matrix = sp.ImmutableMatrix(3, cols, lambda i, j: sp.Symbol(f"w^{{2}}_{{{i + 1},{j + 1}}}") * sp.Symbol("a^{1}_{1}"))
        for budget in (8, 14, 20, 30, 60):
            body = Layout(printer).matrix(matrix, budget=budget)
            if body is None or r"\cdots" not in body:
                continue
            shown = body.split(r" \\ ")[0].count("&") + 1 - 1  # cells in the first row, without the \cdots
            assert cols - shown >= 2, (cols, budget, body)


# --- one story ----------------------------------------------------------------------------------------------------

def test_one_l20_counterexample_in_the_whole_document(lecture):
    triples = set(re.findall(r"r = \\left\(([^)]*)\\right\)", lecture))
    assert len(triples) == 1
    tri = story.triangle_counterexample()
    assert triples == {", ".join(sp.latex(v) for v in tri.r)}
    claims = {c.item: c for c in lecture_claims()}
    assert "r = (3/4, 1/4)" in claims["L20"].evidence


def test_one_example_network_for_the_recursion_everywhere(lecture):
    sizes = ", ".join(map(str, story.deep_network().sizes))
    assert f"[{sizes}]" in lecture.split(r"\section{The general recursion")[1]
    others = set(re.findall(r"\[(\d+(?:, \d+)+)\]", " ".join(c.evidence for c in lecture_claims() if c.item in
                                                            ("L7", "L8", "L9", "L10", "L11", "L12", "L13", "L15"))))
    assert others == {sizes}


def test_one_l14_experiment_in_the_document_and_the_claims(lecture):
    studies = story.norm_study()
    claims = {c.item: c for c in lecture_claims()}
    cases = sum(s.gradient.size for s in studies)
    assert f"all {cases} layer-and-sample cases" in lecture and f"({cases} cases" in claims["L14"].also
    growth = f"{studies[0].backward_growth:.2e}".split("e")[0]
    assert growth in lecture


def test_one_status_per_claim_and_the_counts_add_up():
    claims = lecture_claims()
    assert [c.item for c in claims] == [f"L{n}" for n in range(1, 23)]
    assert all(isinstance(c.status, str) and " + " not in c.status for c in claims)
    from symbackprop.lecture.claims import claims_summary

    summary = claims_summary(claims)
    counts = [int(n) for n in re.findall(r"(\d+) (?:proved \(general\)|proved|computed|refuted|checked|demonstrated)", summary)]
    assert sum(counts) == 22
    statuses = {c.item: str(c.status) for c in claims}
    assert statuses["L21"] == "proved (general)" and statuses["L2"] == "proved" and statuses["L20"] == "refuted"
    assert "GD with" in {c.item: c for c in claims}["L2"].also  # a run is evidence, not a second status


def test_l21_is_proved_in_the_notes_as_in_the_claims(lecture):
    assert "stated, not derived" not in lecture
    distance = lecture.split(r"\section{Is KL a distance?")[1]
    assert r"\log t \le t - 1" in distance and "exact identity" in distance


def test_one_transpose_sign_and_one_target_name(lecture):
    assert "^{T}" not in lecture and "^T" not in lecture
    kl = lecture.split(r"\section{Comparing distributions")[1].split(r"\section{")[0]
    assert "p = y" in kl and "q - y" in kl and "q - p" not in kl


def test_generic_phi_is_explained_once_per_network(lecture):
    assert lecture.count("holds for every differentiable activation") <= 2
    assert "a generic differentiable $\\varphi$ (so every result holds" not in lecture


def test_the_lecture_order_and_its_parts(lecture):
    order = ["The data view", "Designing a loss", "Gradient descent and exact line search", "Stochastic gradient descent",
             "Mini-batch SGD", "The crucial step", "Backpropagation on the simple example", "The general recursion",
             "Backpropagation equals the derivative", "The homework: bias gradients", "Where the error flows",
             "Binary classification", "Multi-class classification", "Comparing distributions", "Is KL a distance"]
    positions = [lecture.index(r"\section{" + title) for title in order]
    assert positions == sorted(positions)
    for phrase in [r"h_{w} \colon \mathcal{X} \to \mathcal{Y}", r"\hat{x}", r"e(\hat{y}^{i}, y^{i}; w)", "$O(Sd)$",
                   "row times a column", "Question 1", "Question 2", r"y^{\mathrm{onehot}}", "triangle inequality",
                   "identity of indiscernibles", r"\begin{notebox}{Errata", r"\beyond"]:
        assert phrase in lecture, phrase


def test_the_errata_name_the_lectures_slips(lecture):
    errata = lecture.split(r"\begin{notebox}{Errata")[1].split(r"\end{notebox}")[0]
    assert r"\partial e / \partial z^{\ell}_{1}" in errata and r"V^{\ell} \cdots V^{L}" in errata and r"\{+1, -1\}" in errata


def test_algorithms_appear_in_the_lectures_notation_beside_the_code(lecture):
    for line in [r"w^{k+1} = w^{k} + \alpha^{k} d^{k}", r"\text{output } w^{*} = w^{K+1}", r"(forward pass)",
                 r"\mathrm{gradient\_descent}", r"\mathrm{minibatch\_sgd}"]:
        assert line in lecture, line
    assert r"{\textstyle\sum}\nabla e" not in lecture


# --- the lecturer's controls ---------------------------------------------------------------------------------------

def test_answers_hidden_leave_questions_and_boxes():
    sections = lecture_sections(registered=False)
    key = build_document(sections, only=["notation", "bias", "multiclass", "distance"])
    sheet = build_document(sections, only=["notation", "bias", "multiclass", "distance"], answers=False)
    assert key.count(r"\textbf{Answer.}") >= 4 and sheet.count(r"\textbf{Answer.}") == 0
    assert sheet.count(r"\answerbox{") - 1 == key.count(r"\textbf{Answer.}")  # one box per answer (and the preamble's definition)
    assert "Homework (L12)" in sheet and r"\nabla_{b^{1}} e" not in sheet and r"\nabla_{b^{1}} e" in key
    assert "r = \\left(" not in sheet  # the triangle counterexample is an answer


def test_answer_blocks_do_not_nest_and_hidden_forms_are_one_line():
    with pytest.raises(SpecError, match="nest"):
        answer(answer("x"))
    with pytest.raises(SpecError, match="one line"):
        answer("x", hidden="a\nb")


def test_notes_are_spliced_before_their_sections(tmp_path):
    notes = parse_notes("% my notes\n%% before: recursion\n\\paragraph{In class.} On the board.\n%% before: notation\nHello.\n")
    document = build_document(lecture_sections(registered=False), only=["notation", "example-backprop", "recursion"], notes=notes)
    assert document.index("Hello.") < document.index(r"\section{About these notes}")
    assert document.index(r"\section{Backpropagation on the simple example}") < document.index("On the board.") < document.index(r"\section{The general recursion")
    with pytest.raises(SpecError, match="not in the document"):
        build_document(lecture_sections(registered=False), only=["notation"], notes=notes)
    with pytest.raises(SpecError, match="line 1: text before"):
        parse_notes("oops\n%% before: data\n")
    with pytest.raises(SpecError, match="no '%% before"):
        parse_notes("% nothing\n")
    with pytest.raises(SpecError, match="does not exist"):
        read_notes(tmp_path / "missing.tex")


def test_sections_are_chosen_by_name_in_the_given_order():
    sections = lecture_sections(registered=False)
    assert [s.name for s in select_sections(sections, "kl,data")] == ["kl", "data"]
    with pytest.raises(SpecError, match="no section named 'nope'; sections are: notation, data"):
        select_sections(sections, "data,nope")
    with pytest.raises(SpecError, match="listed twice"):
        select_sections(sections, ["data", "data"])
    assert tuple(s.name for s in sections) == SECTION_NAMES


def test_title_author_course_and_date_reach_the_title_block():
    document = build_document([Section("a", lambda: r"\section{A}")], title="Week 5 & more", author="P. Balamurugan",
                              course="IE 643", date="30 August 2022")
    assert r"\title{Week 5 \& more\\[0.4em]\large IE 643}" in document
    assert r"\author{P. Balamurugan}" in document and r"\date{30 August 2022}" in document


def test_every_committed_document_is_the_lecture_or_a_part_of_it():
    names = set(SECTION_NAMES)
    for derivation in DERIVATIONS.values():
        assert derivation.only is None or set(derivation.only) <= names


def test_the_figures_of_the_notes_are_drawn_from_the_story():
    from symbackprop.lecture import figures

    paths = figures.paths_figure()
    axes = paths.axes[0]
    assert axes.get_xlabel() and axes.get_ylabel() and len([l for l in axes.get_lines() if len(l.get_xdata()) > 1]) == 4
    norms = figures.norms_figure(quick=True)
    left, right = norms.axes[:2]
    assert left.get_ylabel() and right.get_ylabel() and left.get_xlabel() and left.get_yscale() == "log"
    dashed = [l for l in right.get_lines() if l.get_linestyle() == "--" and len(l.get_xdata()) > 1]
    assert len(dashed) == len(story.norm_study(True))  # the bound, drawn for every network
    deltas = [np.asarray(l.get_ydata()) for l in left.get_lines() if len(l.get_xdata()) > 1]
    assert min(d[0] / d[-1] for d in deltas) < 1e-3 and max(d[0] / d[-1] for d in deltas) > 10  # both regimes show
    schedules = figures.schedules_figure()
    assert len([l for l in schedules.axes[1].get_lines()]) == 3
