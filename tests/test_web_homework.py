"""Homework on the page, end to end, on the REAL variants.json of ``symbackprop homework``: every part kind is
checked through ``symbackprop.homework.check_part`` (the function ``grade`` uses) — right, wrong, partly right
and hostile answers — with points, per-entry credit, the named (proved) mistake and declared conventions, and
never the model answer; the preview reads every kind; every check is recorded with its points before the
reply, and ``symbackprop grade --db`` grades the record exactly as ``grade --answers`` grades the same answers."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from symbackprop.cli import main
from symbackprop.homework import check_part
from symbackprop.homework.gradebook import read_submissions
from symbackprop.web.app import Settings, create_app
from symbackprop.web.store import SubmissionStore, recorded_submissions

from .web_support import NET, homework_variants, parts_of

SAMPLE_SUBMISSIONS = Path(__file__).resolve().parent.parent / "examples" / "homework" / "submissions.csv"
REPLY_FIELDS = {"verdict", "part", "kind", "points", "max_points", "message", "decided_by", "proved", "mistake", "entries", "shape",
                "conventions", "position", "notes", "answer_latex", "counterexample", "recorded"}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(client, variants path, database) of a server for the seed-7 homework, recording to SQLite."""
    directory = tmp_path_factory.mktemp("served")
    path = homework_variants(directory)
    database = directory / "checks.sqlite"
    with TestClient(create_app(Settings(variants=path, db=database, workers=2, rate_limit=0, time_limit=5))) as client:
        yield client, path, database


def _latest(database: Path, student: str, part: str) -> str | None:
    row = sqlite3.connect(database).execute("SELECT answer FROM checks WHERE student = ? AND part = ? ORDER BY row DESC LIMIT 1", (student, part)).fetchone()
    return row[0] if row else None


def _previous(path: Path, database: Path, student: str, part: str) -> dict | None:
    """The previous step of the part's chain and the student's latest recorded answer to it — what grade --db uses."""
    parts = parts_of(path)
    entry = parts[(student, part)]
    if not entry.get("chain") or entry["step"] <= 1:
        return None
    before = next(p for (s, _), p in parts.items() if s == student and p.get("chain") == entry["chain"] and p["step"] == entry["step"] - 1)
    return {"part": before, "answer": _latest(database, student, before["part"])}


def check(served, student: str, part: str, answer: str, conventions: str | list | None = None) -> dict:
    """POST /api/check and hold the reply to check_part's verdict on the same answer (reveal=False: what the page
    shows; reveal=True: what grade gives) — the one checker."""
    client, path, database = served
    body = {"student": student, "part": part, "answer": answer} | ({"conventions": conventions} if conventions else {})
    previous = _previous(path, database, student, part)
    response = client.post("/api/check", json=body)
    assert response.status_code == 200, response.text
    reply = response.json()
    assert set(reply) == REPLY_FIELDS
    entry = parts_of(path)[(student, part)]
    declared = "; ".join(conventions) if isinstance(conventions, list) else conventions
    shown = check_part(entry, answer, conventions=declared, previous=previous, reveal=False)
    graded = check_part(entry, answer, conventions=declared, previous=previous)
    assert reply["verdict"] == str(shown.status).replace(" ", "_")
    assert (reply["points"], reply["max_points"], reply["message"], reply["decided_by"], reply["position"]) == (
        shown.points, shown.max_points, shown.feedback, shown.decided_by, shown.position)
    assert [e["status"] for e in reply["entries"]] == list(shown.entries)
    assert reply["mistake"] == ({"code": shown.mistake, "label": shown.mistake_label} if shown.mistake_label else None)
    assert (graded.status, graded.points, graded.mistake, graded.entries) == (shown.status, shown.points, shown.mistake, shown.entries)
    assert reply["recorded"] is True
    _never_the_model_answer(entry, reply)
    return reply


def _never_the_model_answer(entry: dict, reply: dict) -> None:
    """No field of a reply gives the key away: not the key answer (unless a named, proved mistake describes the
    student's own answer as it), not a value part's value, not a yes/no part's model counterexample."""
    text = json.dumps(reply, ensure_ascii=False)
    if reply["verdict"] == "correct":
        return
    if not reply["mistake"]:
        assert entry["answer"] not in text and entry["answer_latex"] not in text
    if entry["kind"] == "value":
        value = float(entry["value"])
        assert entry["value"][:6] not in text and f"{value:.6g}" not in text and f"{value:.4f}" not in text
    if entry["kind"] == "yesno":
        data = entry["data"]
        assert "q = (" + ", ".join(data["q"]) + ")" not in text and "r = (" + ", ".join(data["r"]) + ")" not in text


# --- every kind: right, wrong, partly right, declared conventions ------------------------------------------

CASES = [
    # (part, answer, conventions, verdict, points, mistake code)
    ("1a", r"$\sigma'(z^{2}_{1})\,\delta^{2}_{1}$", None, "correct", 2.0, ""),
    ("1a", "delta^2_1 * sigma'(z^2_1) * a^1_2", None, "wrong", 0.0, "extra_activation"),
    ("1a", "delta^2_1", None, "partial", 1.0, "convention:delta_dz"),
    ("1a", "delta^2_1", ["delta_dz"], "correct", 2.0, ""),
    ("2a", "2(a^2_1 - y_1)", None, "correct", 1.0, ""),
    ("2a", "a^2_1 - y_1", None, "partial", 0.5, "convention:half_loss"),
    ("2a", "a^2_1 - y_1", "half_loss", "correct", 1.0, ""),
    ("2c", "tanh'(z^1_1) δ^1_1", None, "correct", 1.0, ""),
    ("2c", "tanh(z^1_1) δ^1_1", None, "wrong", 0.0, ""),
    ("2d", r"\tanh'(z^{1}_{1})\,\delta^{1}_{1}\,x_{1}", None, "correct", 2.0, ""),
    ("1b", "Diag(σ^1') δ^1", None, "correct", 2.0, ""),
    ("1b", "[σ'(z^1_1) δ^1_1; δ^1_2]", None, "partial", 1.0, ""),
    ("1b", "δ^1 ⊙ δ^1", None, "wrong", 0.0, ""),
    ("2e", r"\Diag(\tanh^{1\prime})\,\delta^{1}\,(a^{0})^{\top}", None, "correct", 3.0, ""),
    ("2e", "[tanh'(z^1_1) δ^1_1 x_1, tanh'(z^1_1) δ^1_1 x_2, 0; tanh'(z^1_2) δ^1_2 x_1, tanh'(z^1_2) δ^1_2 x_2, tanh'(z^1_2) δ^1_2 x_3]",
     None, "partial", 2.5, ""),
    ("2e", "(a^0) (δ^1)^T Diag(tanh^1')", None, "wrong", 0.0, "transpose"),
    ("3a", "q - y", None, "correct", 2.0, ""),
    ("3a", "[q_1 - y_1; q_2 - y_2; y_3 - q_3]", None, "partial", 1.3333, ""),
    ("3a", "y - q", None, "wrong", 0.0, "sign"),
    ("1c", r"\varphi'(z^{\ell}_{i})\,\delta^{\ell}_{i}", None, "correct", 2.0, ""),
    ("1c", "δ^ℓ_i", None, "partial", 1.0, "convention:delta_dz"),
    ("1c", "δ^ℓ_i φ'(z^ℓ_i)^2", None, "wrong", 0.0, "extra_phi_prime"),
    ("4a", "7/8*log(7/3) + 1/8*log(1/5)", None, "correct", 2.0, ""),
    ("4a", "0.5402", None, "correct", 2.0, ""),
    ("4a", "3/8*log(3/7) + 5/8*log(5)", None, "wrong", 0.0, "swapped"),
    ("4a", "0.29", None, "wrong", 0.0, ""),
    ("5a", "no; p = (2/5, 3/5), q = (3/5, 2/5), r = (4/5, 1/5)", None, "correct", 3.0, ""),
    ("5a", "no", None, "partial", 0.75, ""),  # a status, not a mutated model answer: no mistake named
    ("5a", "yes", None, "wrong", 0.0, ""),
]


@pytest.mark.parametrize("part, answer, conventions, verdict, points, mistake", CASES, ids=[f"{c[0]}-{c[3]}-{i}" for i, c in enumerate(CASES)])
def test_every_kind_is_checked_by_check_part_with_points(served, part, answer, conventions, verdict, points, mistake):
    reply = check(served, "cy", part, answer, conventions)
    assert (reply["verdict"], reply["points"], reply["mistake"]["code"] if reply["mistake"] else "") == (verdict, points, mistake)
    assert reply["proved"] is (verdict == "correct")


def test_vectors_and_matrices_get_credit_entry_by_entry(served):
    reply = check(served, "cy", "2e", "[tanh'(z^1_1) δ^1_1 x_1, tanh'(z^1_1) δ^1_1 x_2, 0; tanh'(z^1_2) δ^1_2 x_1, tanh'(z^1_2) δ^1_2 x_2, tanh'(z^1_2) δ^1_2 x_3]")
    assert reply["shape"] == [2, 3] and len(reply["entries"]) == 6
    wrong = [entry for entry in reply["entries"] if entry["status"] != "correct"]
    assert [(entry["row"], entry["column"], entry["name"], entry["points"]) for entry in wrong] == [(1, 3, "∂e/∂w^1_13", 0.0)]
    assert all(entry["points"] == 0.5 for entry in reply["entries"] if entry["status"] == "correct")
    assert sum(entry["points"] for entry in reply["entries"]) == reply["points"] == 2.5
    assert reply["entries"][0]["latex"] == r"\frac{\partial e}{\partial w^{1}_{11}}"


def test_a_named_mistake_is_one_proved_and_a_refuted_answer_without_one_names_none(served):
    assert check(served, "cy", "1a", "delta^2_1 * sigma'(z^2_1) * a^1_2")["mistake"] == {
        "code": "extra_activation", "label": "An extra factor a^1_2: this is ∂e/∂w^2_12, a weight gradient"}
    unexplained = check(served, "cy", "2c", "tanh(z^1_1) δ^1_1")
    assert unexplained["verdict"] == "wrong" and unexplained["mistake"] is None and "none of the typical mistakes" in unexplained["message"]


def test_declared_conventions_are_read_and_the_accepted_ones_shown(served):
    client, _, _ = served
    part = next(p for p in client.post("/api/questions", json={"student": "cy"}).json()["parts"] if p["part"] == "2a")
    assert [c["name"] for c in part["conventions"]] == ["lecture", "half_loss", "delta_dz"] and part["declarable"] == ["half_loss", "delta_dz"]
    declared = check(served, "cy", "2a", "a^2_1 - y_1", ["half_loss"])
    assert declared["conventions"] == {"declared": ["half_loss"], "read_with": "half_loss", "accepted": ["lecture", "half_loss", "delta_dz"]}
    undeclared = check(served, "cy", "2a", "a^2_1 - y_1")
    assert undeclared["conventions"]["read_with"] == "lecture" and "Declare the convention half_loss" in undeclared["message"]
    refused = client.post("/api/check", json={"student": "cy", "part": "2a", "answer": "x_1", "conventions": "half; evil"})
    assert refused.status_code == 400 and "unknown convention 'evil'" in refused.json()["error"]
    for bad in ({"a": 1}, ["half_loss"] * 5, "h" * 65, 3):
        assert client.post("/api/check", json={"student": "cy", "part": "2a", "answer": "x_1", "conventions": bad}).status_code == 400
    parts = {p["part"]: p for p in client.post("/api/questions", json={"student": "cy"}).json()["parts"]}
    assert parts["3a"]["declarable"] == ["delta_dz"] and parts["4a"]["declarable"] == [] and parts["5a"]["declarable"] == []
    moot = check(served, "cy", "3a", "q - y", ["half_loss"])  # cross-entropy: a ½ in a squared loss changes nothing here
    assert moot["verdict"] == "correct" and moot["notes"] == ["the convention(s) half_loss do not apply to this part (it is read the same either way)"]
    practice = client.post("/api/check", json={"network": NET, "wrt": "b^2_1", "answer": "x_1", "conventions": "half_loss"})
    assert practice.status_code == 400 and "apply to homework parts" in practice.json()["error"]


def test_a_part_that_accepts_only_the_lectures_conventions_says_so(tmp_path):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"conventions": ["lecture"]}), encoding="utf-8")
    out = tmp_path / "hw"
    assert main(["homework", "--roster", str(SAMPLE_SUBMISSIONS.parent / "roster.csv"), "--seed", "7", "--out", str(out), "--no-pdf", "--spec", str(spec)]) == 0
    with TestClient(create_app(Settings(variants=out / "variants.json", workers=1, rate_limit=0))) as client:
        part = client.post("/api/questions", json={"student": "cy"}).json()["parts"][3]
        assert part["declarable"] == [] and [c["name"] for c in part["conventions"]] == ["lecture"]
        reply = client.post("/api/check", json={"student": "cy", "part": "2a", "answer": "a^2_1 - y_1", "conventions": ["half_loss"]}).json()
        assert reply["verdict"] == "partial" and reply["conventions"]["read_with"] == "lecture"
        assert reply["notes"] == ["this part does not accept the convention(s) half_loss; the answer is read with the lecture's"]
        assert "This part does not accept that convention" in reply["message"]


def test_a_chain_step_consistent_with_the_recorded_wrong_step_before_gets_follow_through(served):
    wrong_first = check(served, "dee", "2a", "2(y_2 - a^2_2)")
    assert wrong_first["verdict"] == "wrong" and wrong_first["mistake"]["code"] == "sign"
    carried = check(served, "dee", "2b", "w^2_11 σ'(z^2_1) δ^2_1 + w^2_21 σ'(z^2_2) 2(y_2 - a^2_2)")
    assert carried["verdict"] == "partial" and carried["points"] == 1.0 and carried["mistake"]["code"] == "follow_through"
    assert carried["message"].startswith("Consistent with your answer to part 2a (proved)")
    check(served, "dee", "2a", "2(a^2_2 - y_2)")  # corrected: the same step is now simply wrong
    assert check(served, "dee", "2b", "w^2_11 σ'(z^2_1) δ^2_1 + w^2_21 σ'(z^2_2) 2(y_2 - a^2_2)")["verdict"] == "wrong"


# --- hostile answers cost one check, never the server ------------------------------------------------------

HOSTILE = [
    ("1a", "__import__('os').system('echo pwned')"),
    ("1a", "1" * 400 + "^9"),
    ("4a", "9^9^9^9"),
    ("4b", "exp(exp(exp(exp(99))))"),
    ("1c", r"\input{/etc/passwd}"),
    ("1c", r"\write18{rm -rf /}"),
    ("2e", "(" * 300 + "x_1" + ")" * 300),
    ("3a", "[" + ", ".join(["x_1"] * 300) + "]"),
    ("2e", "W^1 W^1 W^1 W^1 W^1 W^1 W^1 W^1 W^1 W^1 W^1 W^1"),
    ("5a", "no; p = (1/0, 1)"),
    ("5a", "no; p = (" + ", ".join(["1/20"] * 20) + ")"),
    ("2b", "δ^1_1"),
    ("1b", "δ^1 x^T"),
    ("4a", "\x00\x01 x_1"),
    ("2d", "{{{{{{{{{{"),
]


@pytest.mark.parametrize("part, answer", HOSTILE, ids=[f"{part}-{index}" for index, (part, _) in enumerate(HOSTILE)])
def test_a_hostile_answer_gets_a_verdict_and_no_points(served, part, answer):
    reply = check(served, "eve", part, answer)
    assert reply["verdict"] in ("syntax_error", "error", "wrong", "undecided") and reply["points"] == 0.0
    assert "\n" not in reply["message"] and "Traceback" not in reply["message"]


def test_requests_that_cannot_be_checked_are_refused_and_not_recorded(served):
    client, _, database = served
    before = sqlite3.connect(database).execute("SELECT COUNT(*) FROM checks").fetchone()[0]
    for body, status, message in [
        ({"student": "cy", "part": "1a", "answer": "   "}, 400, "type an answer first"),
        ({"student": "cy", "part": "1a", "answer": "x" * 2001}, 400, "longer than 2000"),
        ({"student": "cy", "part": "9z", "answer": "x_1"}, 404, "no part '9z'"),
        ({"student": "zed", "part": "1a", "answer": "x_1"}, 404, "no homework variant"),
        ({"part": "1a", "answer": "x_1"}, 400, "needs the student id"),
        ({"student": "cy", "part": "1a", "answer": "x_1", "network": NET}, 400, "not both"),
        ({"student": "cy", "part": "1a", "answer": "x_1", "previous": "x"}, 400, "unknown field"),
    ]:
        response = client.post("/api/check", json=body)
        assert response.status_code == status and message in response.json()["error"], (body, response.text)
    assert sqlite3.connect(database).execute("SELECT COUNT(*) FROM checks").fetchone()[0] == before
    assert check(served, "cy", "1a", "delta^2_1 * sigma'(z^2_1)")["verdict"] == "correct"  # still serving


def test_the_server_keeps_answering_while_a_hanging_part_check_is_killed(tmp_path, monkeypatch):
    """Part workers forked after this patch hang on one answer and die on another; every other request is
    answered meanwhile, the hanging check ends undecided at the hard limit, and the dead worker is replaced."""
    import os
    import threading
    import time

    from symbackprop.web import part_pool

    real = part_pool.check_part

    def misbehaving(part, answer, **kwargs):  # noqa: ANN001, ANN003, ANN202
        if answer == "HANG":
            threading.Event().wait()
        if answer == "DIE":
            os._exit(3)
        return real(part, answer, **kwargs)

    monkeypatch.setattr(part_pool, "check_part", misbehaving)
    settings = Settings(variants=homework_variants(tmp_path), db=tmp_path / "checks.sqlite", workers=2, rate_limit=0, time_limit=0.1)
    with TestClient(create_app(settings)) as client:
        def ask(part: str, answer: str) -> dict:
            return client.post("/api/check", json={"student": "cy", "part": part, "answer": answer}).json()

        slow: dict[str, dict] = {}
        stuck = threading.Thread(target=lambda: slow.setdefault("reply", ask("2e", "HANG")))
        stuck.start()
        while client.get("/api/health").json()["parts"]["busy"] != 1:  # until a worker holds the hanging answer
            time.sleep(0.01)
        answered = [ask(part, answer)["verdict"] for part, answer in (("1a", "delta^2_1 * sigma'(z^2_1)"), ("4a", "0.29"), ("3a", "q - y"))]
        assert answered == ["correct", "wrong", "correct"] and "reply" not in slow
        died = ask("1b", "DIE")
        assert died["verdict"] == "error" and died["points"] == 0.0 and "stopped" in died["message"]
        stuck.join()
        assert slow["reply"]["verdict"] == "undecided" and slow["reply"]["points"] == 0.0 and "5.2 s" in slow["reply"]["message"]
        assert ask("1b", "Diag(σ^1') δ^1")["verdict"] == "correct"  # the replaced workers answer
        assert client.get("/api/health").json()["parts"] == {"workers": 2, "busy": 0}
    verdicts = [row[0] for row in sqlite3.connect(tmp_path / "checks.sqlite").execute("SELECT verdict FROM checks ORDER BY row")]
    assert sorted(verdicts) == sorted(["correct", "wrong", "correct", "error", "undecided", "correct"])


# --- the questions and the preview -------------------------------------------------------------------------

def test_a_student_loads_their_questions_with_points_and_never_the_answers(served):
    client, path, _ = served
    reply = client.post("/api/questions", json={"student": "cy"}).json()
    entries = parts_of(path)
    assert [part["part"] for part in reply["parts"]] == ["1a", "1b", "1c", "2a", "2b", "2c", "2d", "2e", "3a", "4a", "4b", "5a"]
    assert [part["points"] for part in reply["parts"]] == [entries[("cy", part["part"])]["points"] for part in reply["parts"]]
    assert reply["recording"] is True and all(part["checked_here"] for part in reply["parts"])
    matrix = reply["parts"][7]
    assert matrix["kind"] == "matrix" and matrix["shape"] == [2, 3] and len(matrix["entries"]) == 6 and matrix["network"]["sizes"] == [3, 2, 1]
    assert reply["parts"][9]["tolerance"] == 0.0005 and reply["parts"][4]["chain"] == "2" and reply["parts"][4]["step"] == 2
    text = json.dumps(reply, ensure_ascii=False)
    for (student, _), entry in entries.items():
        if student == "cy":
            assert entry["answer"] not in text and entry["answer_latex"] not in text
    assert "Cyrille" not in text  # names stay on the server
    assert client.post("/api/questions", json={"student": "nobody"}).status_code == 404


PREVIEWS = [
    # (part, answer, LaTeX the server reads, note)
    ("1a", "$delta^2_1 sigma'(z^2_1)$", r"\delta^{2}_{1} \left(1 - \sigma\left(z^{2}_{1}\right)\right) \sigma\left(z^{2}_{1}\right)", None),
    ("2e", "δ^1 x^T", r"\left[\begin{matrix}\delta^{1}_{1} x_{1} & \delta^{1}_{1} x_{2} & \delta^{1}_{1} x_{3}\\\delta^{1}_{2} x_{1} & \delta^{1}_{2} x_{2} & \delta^{1}_{2} x_{3}\end{matrix}\right]", "a 2×3 matrix"),
    ("2e", "x δ^1^T", None, "a 3×2 matrix; ∇_W^1 e is 2×3 — this has the shape of its transpose"),
    ("1b", "[1, 2]", r"\left[\begin{matrix}1 & 2\end{matrix}\right]", "a 1×2 matrix, read as the 2×1 vector ∇_b^1 e (a vector written as a row)"),
    ("3a", "q - y", r"\left[\begin{matrix}q_{1} - y_{1}\\q_{2} - y_{2}\\q_{3} - y_{3}\end{matrix}\right]", "a 3×1 vector"),
    ("1c", r"\varphi'(z^{\ell}_{i})\,\delta^{\ell}_{i}", r"\delta^{\ell}_{i} \varphi'\left(z^{\ell}_{i}\right)", "for every layer ℓ and neuron i"),
    ("1c", "φ'(z^ℓ_i) δ^ℓ_i a^{ℓ-1}_j + w^{l+1}_{ji}", r"\delta^{\ell}_{i} a^{\ell-1}_{j} \varphi'\left(z^{\ell}_{i}\right) + w^{\ell+1}_{ji}",
     "for every layer ℓ and neuron i"),
    ("4a", "0.54", r"\frac{27}{50}", "≈ 0.54"),
    ("4b", "log(2) - log(3)/2", r"- \frac{\log{\left(3 \right)}}{2} + \log{\left(2 \right)}", "≈ 0.1438410362"),
    ("5a", "no; p = (2/5, 3/5)", r"\text{no};\ p = \left(\tfrac{2}{5}, \tfrac{3}{5}\right)", "no q, r given yet"),
]


@pytest.mark.parametrize("part, answer, latex, note", PREVIEWS, ids=[f"{p[0]}-{i}" for i, p in enumerate(PREVIEWS)])
def test_the_preview_reads_every_kind_as_the_checker_will(served, part, answer, latex, note):
    client, _, _ = served
    reply = client.post("/api/preview", json={"student": "cy", "part": part, "answer": answer}).json()
    assert reply["ok"] is True and reply["note"] == note and reply["checked_here"] is True
    if latex is not None:
        assert reply["latex"] == latex


def test_the_preview_points_at_what_cannot_be_read(served):
    client, _, database = served
    before = sqlite3.connect(database).execute("SELECT COUNT(*) FROM checks").fetchone()[0]
    for part, answer, position, message in [
        ("1a", "$w^{21}$", 1, "layer and indices"),
        ("2e", "Diag(tanh^1') δ^1 x", 18, "cannot multiply a 2×1 matrix by a 3×1 one"),
        ("1c", "φ'(z^2_i) δ^2_i", None, "write the layer as ℓ"),
        ("4a", "x_1 + 1", None, "a value has no symbols"),
        ("5a", "maybe", 0, "start the answer with yes or no"),
    ]:
        reply = client.post("/api/preview", json={"student": "cy", "part": part, "answer": answer}).json()
        assert reply["ok"] is False and reply["position"] == position and message in reply["message"], reply
    assert sqlite3.connect(database).execute("SELECT COUNT(*) FROM checks").fetchone()[0] == before  # previews are not recorded


# --- the record and grade --db --------------------------------------------------------------------------------

def test_every_check_is_recorded_with_its_points_before_the_reply(served):
    client, _, database = served
    reply = check(served, "ben", "2e", "Diag(tanh^1') δ^1 (a^0)^T")
    row = sqlite3.connect(database).execute(
        "SELECT student, part, kind, answer, conventions, verdict, points, max_points, mistake, variant, wrt FROM checks ORDER BY row DESC LIMIT 1").fetchone()
    variant = json.loads(served[1].read_text(encoding="utf-8"))["students"]["ben"]["variant"]
    assert row == ("ben", "2e", "matrix", "Diag(tanh^1') δ^1 (a^0)^T", None, "correct", 3.0, 3.0, None, variant, "W^1")
    assert reply["recorded"] is True
    check(served, "ben", "2a", "a^2_2 - y_2", "half_loss")
    assert sqlite3.connect(database).execute("SELECT conventions, points FROM checks ORDER BY row DESC LIMIT 1").fetchone() == ("half_loss", 1.0)


def _gradebook(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_the_sample_class_checked_on_the_page_grades_as_its_csv_does(tmp_path, capsys):
    """The README's class (seed 643, examples/homework/submissions.csv) typed into the page one answer at a time:
    grade --db gives the gradebook grade --answers gives, each recorded verdict is the graded one, and
    serve --export → grade --answers agrees too."""
    variants = homework_variants(tmp_path, seed=643)
    rows, problems = read_submissions(SAMPLE_SUBMISSIONS)
    assert len(problems) == 3  # the CSV's own bad rows (an extra field, a duplicate, an unterminated quote)
    database = tmp_path / "checks.sqlite"
    statuses = {}
    with TestClient(create_app(Settings(variants=variants, db=database, workers=2, rate_limit=0))) as client:
        for row in rows:
            body = {"student": row.id, "part": row.part, "answer": row.answer} | ({"conventions": row.conventions} if row.conventions else {})
            statuses[(row.id, row.part)] = client.post("/api/check", json=body).status_code
        assert client.post("/api/check", json={"student": "ada", "network": NET, "wrt": "b^2_1", "answer": "x_1"}).status_code == 200
    assert statuses.pop(("zed", "1a")) == 404 and statuses.pop(("eve", "9z")) == 404  # refused on the page, not recorded
    assert set(statuses.values()) == {200}

    from_csv, from_db, exported = tmp_path / "from-csv.csv", tmp_path / "from-db.csv", tmp_path / "exported.csv"
    assert main(["grade", "--variants", str(variants), "--answers", str(SAMPLE_SUBMISSIONS), "--out", str(from_csv)]) == 1  # its bad rows
    assert main(["grade", "--variants", str(variants), "--db", str(database), "--out", str(from_db), "--feedback", str(tmp_path / "feedback.csv")]) == 0
    out = capsys.readouterr().out
    assert f"{database}: {len(statuses) + 1} recorded checks: {len(statuses)} latest answers to a part (0 earlier answers superseded), 1 practice checks" in out
    assert _gradebook(from_db) == _gradebook(from_csv)
    assert main(["serve", "--db", str(database), "--export", str(exported)]) == 0
    assert main(["grade", "--variants", str(variants), "--answers", str(exported), "--out", str(tmp_path / "from-export.csv")]) == 0
    assert _gradebook(tmp_path / "from-export.csv") == _gradebook(from_csv)

    book = {row[0]: dict(zip(_gradebook(from_db)[0], row)) for row in _gradebook(from_db)[1:]}
    with open(tmp_path / "feedback.csv", encoding="utf-8", newline="") as handle:
        feedback = {(row["id"], row["part"]): row for row in csv.DictReader(handle)}
    recorded = sqlite3.connect(database).execute("SELECT student, part, verdict, points, row FROM checks WHERE part IS NOT NULL").fetchall()
    assert len(recorded) == len(statuses)
    for student, part, verdict, points, row in recorded:
        assert float(book[student][part]) == points and feedback[(student, part)]["status"].replace(" ", "_") == verdict
        assert feedback[(student, part)]["line"] == str(row)  # the feedback points at the recorded check


def test_grade_db_reports_and_counts_what_it_cannot_grade(tmp_path, capsys):
    variants = homework_variants(tmp_path)
    document = json.loads(variants.read_text(encoding="utf-8"))
    database = tmp_path / "checks.sqlite"
    store = SubmissionStore(database)
    recorded = [
        ("ada", "1a", "tanh'(z^1_3) δ^1_3", document["students"]["ada"]["variant"]),
        ("ada", "1a", "δ^1_3", document["students"]["ada"]["variant"]),  # the later answer is the one graded
        ("zed", "1a", "x_1", None),
        ("ada", "9z", "x_1", None),
        ("ben", "1a", "x_1", "0123456789ab"),  # checked against another homework file
    ]
    for student, part, answer, variant in recorded:
        store.record(student=student, part=part, network=None, wrt=None, answer=answer, verdict="wrong", variant=variant)
    store.record(student=None, part=None, network=NET, wrt="b^2_1", answer="x_1", verdict="wrong")
    store.close()
    from_db = recorded_submissions(database, document)
    assert [(row.id, row.part, row.answer, row.line) for row in from_db.rows] == [("ada", "1a", "δ^1_3", 2), ("ada", "9z", "x_1", 4), ("zed", "1a", "x_1", 3)]
    assert (from_db.checks, from_db.practice, from_db.superseded) == (6, 1, 1)
    assert main(["grade", "--variants", str(variants), "--db", str(database), "--out", str(tmp_path / "gradebook.csv")]) == 1
    captured = capsys.readouterr()
    errors = captured.err.strip().splitlines()
    assert errors == [
        f"{database}: check 3: not graded: unknown student id 'zed' (not in variants.json)",
        f"{database}: check 4: not graded: student 'ada' has no part '9z' (parts: 1a, 1b, 1c, 2a, 2b, 2c, 2d, 2e, 3a, 4a, 4b, 5a)",
        f"{database}: check 5: not graded: answer by 'ben' to part '1a' was checked against variant 0123456789ab of the homework, "
        f"but variants.json gives this student variant {document['students']['ben']['variant']}: another homework file",
    ]
    assert "3 row(s) could not be graded" in captured.out
    assert _gradebook(tmp_path / "gradebook.csv")[1][2] == "1"  # ada 1a: δ^1_3, right under δ = ∂e/∂z: half the points


def test_grade_needs_exactly_one_source_and_refuses_what_is_not_a_record(tmp_path, capsys):
    variants = homework_variants(tmp_path)
    for arguments in (["--out", str(tmp_path / "g.csv")], ["--answers", str(SAMPLE_SUBMISSIONS), "--db", "x.sqlite", "--out", str(tmp_path / "g.csv")]):
        with pytest.raises(SystemExit) as stopped:
            main(["grade", "--variants", str(variants), *arguments])
        assert stopped.value.code == 2
    (tmp_path / "other.sqlite").write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    for database in (tmp_path / "missing.sqlite", tmp_path / "other.sqlite", variants):
        assert main(["grade", "--variants", str(variants), "--db", str(database), "--out", str(tmp_path / "g.csv")]) == 2
    errors = capsys.readouterr().err
    assert "one of the arguments --answers --db is required" in errors and "not allowed with argument" in errors
    assert "no submissions database" in errors and not (tmp_path / "g.csv").exists()
