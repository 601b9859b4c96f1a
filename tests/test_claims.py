"""The claims report: every lecture item L1–L22 is settled with evidence, one status each, and says how."""

from __future__ import annotations

import pytest

from symbackprop.lecture import story
from symbackprop.lecture.claims import STATUSES, claims_latex, claims_summary, claims_table, lecture_claims


@pytest.fixture(scope="module")
def claims(tmp_path_factory):
    return lecture_claims(quick=True, plot=tmp_path_factory.mktemp("claims") / "norms.png")


def test_every_item_from_l1_to_l22_has_one_status_and_evidence(claims):
    assert [c.item for c in claims] == [f"L{n}" for n in range(1, 23)]
    for claim in claims:
        assert claim.status in STATUSES
        assert len(claim.evidence) > 40 and claim.latex and claim.section


def test_every_item_is_settled_as_the_lecture_says(claims):
    assert [c.item for c in claims if not c.confirms] == []


def test_statuses_match_how_each_item_was_settled(claims):
    status = {c.item: c.status for c in claims}
    for item in ("L4", "L7", "L8", "L9", "L10", "L11", "L12", "L14", "L18", "L19", "L21", "L22"):  # every size
        assert status[item] == "proved (general)", item
    for item in ("L1", "L2", "L13", "L15"):
        assert status[item] == "proved", item
    assert status["L20"] == "refuted" and status["L5"] == "checked"
    for item in ("L3", "L6", "L16", "L17"):
        assert status[item] == "demonstrated", item
    also = {c.item: c.also for c in claims}
    assert "numerically" in also["L21"] and "GD with" in also["L2"]
    assert "cases, all hold" in also["L14"] and "vanishing" in also["L14"]  # the one experiment is kept as "also"


def test_items_proved_in_general_cite_the_general_proofs_steps(claims):
    from symbackprop.lecture import story

    general = story.general_proof()
    for claim in claims:
        if claim.status == "proved (general)":
            assert "symbackprop prove --general" in claim.evidence and r"\secref{general-proof}" in claim.latex
            step_ids = [part.strip(" ;)").split(";")[0] for part in claim.evidence.split("step ")[1:2]]
            assert step_ids and all(general.step(step.strip()).holds for step in step_ids[0].split(","))


def test_l20_evidence_names_the_counterexample_and_its_exact_gap(claims):
    l20 = next(c for c in claims if c.item == "L20")
    assert "log(3)/4 > 0" in l20.evidence and "-log(2) + 3*log(3)/4" in l20.evidence and "r = (3/4, 1/4)" in l20.evidence
    assert l20.evidence.count("r = ") == 1


def test_table_and_latex_cover_every_item_and_the_counts_add_up(claims):
    table = claims_table(claims)
    assert all(f"L{n} " in table for n in range(1, 23)) and "22/22 items settled" in table
    assert claims_summary(claims).startswith(
        "22/22 items settled as the lecture says: 12 proved (general), 4 proved, 1 refuted, 1 checked, 4 demonstrated"
    )
    latex = claims_latex(claims)
    assert latex.count("[0.3em]") == 22 and r"\frac{\log{\left(3 \right)}}{4}" in latex


def test_the_claims_and_the_notes_share_their_runs(claims):
    runs = story.simple_runs()
    evidence = {c.item: c.evidence for c in claims}
    assert f"{runs.run('minibatch').E_final:.4f}" in evidence["L6"] and f"{runs.run('sgd').E_final:.4f}" in evidence["L16"]


def test_claims_command_prints_the_table_and_writes_plot_and_latex(tmp_path):
    from .test_cli import run_cli

    result = run_cli("claims", "--quick", "--plot", str(tmp_path / "norms.png"), "--tex", str(tmp_path / "claims.tex"))
    assert result.returncode == 0, result.stderr
    assert "22/22 items settled" in result.stdout and "L20   refuted" in result.stdout
    assert (tmp_path / "norms.png").read_bytes()[:4] == b"\x89PNG"
    assert b"Software\x00symbackprop" in (tmp_path / "norms.png").read_bytes()[:4096]
    text = (tmp_path / "claims.tex").read_text()
    assert "L22 & proved (general)" in text and "L20 & refuted" in text


def test_a_claim_renders_as_latex_in_notebooks(claims):
    rendered = claims[19]._repr_latex_()
    assert rendered.startswith(r"$\textbf{L20}\ \text{(refuted)}$") and r"\KL" in rendered
