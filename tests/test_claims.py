"""The claims report: every lecture item L1–L22 is settled with evidence, and says how."""

from __future__ import annotations

import pytest

from symbackprop.lecture.claims import STATUSES, claims_latex, claims_table, lecture_claims


@pytest.fixture(scope="module")
def claims(tmp_path_factory):
    return lecture_claims(quick=True, plot=tmp_path_factory.mktemp("claims") / "norms.png")


def test_every_item_from_l1_to_l22_has_status_and_evidence(claims):
    assert [c.item for c in claims] == [f"L{n}" for n in range(1, 23)]
    for claim in claims:
        assert claim.status and set(claim.status) <= set(STATUSES)
        assert len(claim.evidence) > 40 and claim.latex


def test_every_item_is_settled_as_the_lecture_says(claims):
    assert [c.item for c in claims if not c.confirms] == []


def test_statuses_match_how_each_item_was_settled(claims):
    status = {c.item: c.status for c in claims}
    for item in ("L7", "L8", "L9", "L10", "L11", "L12", "L13", "L15", "L18", "L22"):
        assert status[item] == ("proved",)
    assert status["L20"] == ("computed", "refuted")
    assert status["L5"] == ("checked",) and status["L14"] == ("demonstrated",) and status["L4"] == ("computed",)
    assert "numerically" in {c.item: c.evidence for c in claims}["L21"]


def test_l20_evidence_names_the_counterexample_and_its_exact_gap(claims):
    l20 = next(c for c in claims if c.item == "L20")
    assert "log(6)/2 > 0" in l20.evidence and "-log(2) + 3*log(3)/4" in l20.evidence


def test_table_and_latex_cover_every_item(claims):
    table = claims_table(claims)
    assert all(f"L{n} " in table for n in range(1, 23)) and "22/22 items settled" in table
    latex = claims_latex(claims)
    assert latex.count(r"\paragraph{L") == 22 and "log{\\left(6 \\right)}" in latex


def test_claims_command_prints_the_table_and_writes_plot_and_latex(tmp_path):
    from .test_cli import run_cli

    result = run_cli("claims", "--quick", "--plot", str(tmp_path / "norms.png"), "--tex", str(tmp_path / "claims.tex"))
    assert result.returncode == 0, result.stderr
    assert "22/22 items settled" in result.stdout and "L20   computed + refuted" in result.stdout
    assert (tmp_path / "norms.png").read_bytes()[:4] == b"\x89PNG"
    assert r"\paragraph{L22" in (tmp_path / "claims.tex").read_text()


def test_a_claim_renders_as_latex_in_notebooks(claims):
    rendered = claims[19]._repr_latex_()
    assert rendered.startswith(r"$\textbf{L20}\ \text{(computed, refuted)}$") and r"\mathrm{KL}" in rendered
