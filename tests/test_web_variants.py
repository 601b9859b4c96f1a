"""The server reads the REAL variants.json of ``symbackprop homework``, with the same strict reader as
``symbackprop grade``: a good file gives each student their parts (every kind, none of the answers); a
malformed one is refused as a whole, with the place of the first problem, in one line."""

from __future__ import annotations

import copy
import json

import pytest

from symbackprop.errors import DataError
from symbackprop.homework import gradebook, schema
from symbackprop.web.networks import NetworkBounds, NetworkCache
from symbackprop.web.variants import load_variants, prompt_blocks

from .web_support import homework_variants


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """(path, document) of ``symbackprop homework --roster examples/homework/roster.csv --seed 7 --no-pdf``."""
    path = homework_variants(tmp_path_factory.mktemp("homework"))
    return path, json.loads(path.read_text(encoding="utf-8"))


def test_the_file_homework_writes_gives_each_student_every_part(real):
    path, document = real
    variants = load_variants(path)
    assert variants.seed == 7 and list(variants.students) == ["ada", "ben", "cy", "dee", "eve"]
    for student, entry in document["students"].items():
        parts = variants.parts_of(student)
        assert [part.label for part in parts] == [part["part"] for part in entry["parts"]]
        assert {part.kind for part in parts} == {"gradient", "delta", "dz", "vector", "matrix", "general", "value", "yesno"}
        assert [part.entry for part in parts] == entry["parts"]  # check_part gets the entry exactly as written
        assert variants.students[student].variant == entry["variant"]
    matrix = variants.part("cy", "2e")
    assert matrix.kind == "matrix" and matrix.shape == (2, 3) and matrix.points == 3.0
    assert [name for name, _ in matrix.entry_names] == ["∂e/∂w^1_11", "∂e/∂w^1_12", "∂e/∂w^1_13", "∂e/∂w^1_21", "∂e/∂w^1_22", "∂e/∂w^1_23"]
    assert variants.part("cy", "3a").entry_names[0] == ("δ^1_1", r"\delta^{1}_{1}")
    assert variants.previous("cy", variants.part("cy", "2c")).label == "2b"
    assert variants.previous("cy", variants.part("cy", "2a")) is None and variants.previous("cy", variants.part("cy", "1a")) is None


def test_a_students_page_sees_the_questions_and_never_the_answers(real):
    path, document = real
    variants = load_variants(path)
    for student, entry in document["students"].items():
        for part, written in zip(variants.parts_of(student), entry["parts"]):
            public = part.public()
            shown = json.dumps(public, ensure_ascii=False)
            assert not {"answer", "answer_latex", "value", "data", "credit"} & set(public)
            assert written["answer"] not in shown and written["answer_latex"] not in shown
            if written["kind"] == "yesno":  # the model counterexample's q and r
                q = "(" + ", ".join(written["data"]["q"]) + ")"
                assert q not in shown
            if written["kind"] == "value":
                assert written["value"][:6] not in shown
            assert public["points"] == written["points"] and public["checked_here"] is True
            assert [c["name"] for c in public["conventions"]] == written["conventions"]
            squared = written.get("network", {}).get("loss") == "squared"
            expected = {"value": [], "yesno": []}.get(written["kind"], [name for name in written["conventions"] if name != "lecture" and (squared or name != "half_loss")])
            assert public["declarable"] == expected


def test_grade_and_serve_read_variants_with_one_reader(real):
    path, document = real
    assert gradebook.read_variants is schema.read_variants
    assert gradebook.read_variants(path) == document


def _broken(document: dict, change) -> dict:  # noqa: ANN001
    copied = copy.deepcopy(document)
    change(copied)
    return copied


def _part(document: dict, student: str, label: str) -> dict:
    return next(part for part in document["students"][student]["parts"] if part["part"] == label)


BROKEN = [
    (lambda d: d.pop("generator"), "lacks 'generator'"),
    (lambda d: d.update(generator="someone else"), "'generator' must name symbackprop"),
    (lambda d: d.update(seed="7"), "'seed' must be a whole number"),
    (lambda d: d.update(students={}), "'students' must be a non-empty object"),
    (lambda d: d.update(extra=1), "the top level has the unknown key(s) 'extra'"),
    (lambda d: d["students"].update({" ada": d["students"]["ada"]}), "without surrounding spaces"),
    (lambda d: d["students"]["ada"].update(parts=[]), "parts must be a non-empty list"),
    (lambda d: d["students"]["ada"].update(grade=1), "students['ada'] has the unknown key(s) 'grade'"),
    (lambda d: _part(d, "ada", "1a").update(point=2), "parts[0] has the unknown key(s) 'point'"),
    (lambda d: _part(d, "ada", "1a").pop("answer"), "parts[0] lacks 'answer'"),
    (lambda d: _part(d, "ada", "1a").update(kind="kl"), "parts[0].kind must be one of gradient, delta"),
    (lambda d: _part(d, "ada", "1a").update(wrt="w^9_11"), "parts[0].wrt: 'w^9_11': layer 9 does not exist"),
    (lambda d: _part(d, "ada", "1a").update(wrt="a^1_1"), "a gradient part asks for w^ℓ_i or b^ℓ_i, not 'a^1_1'"),
    (lambda d: _part(d, "ada", "2c").update(wrt="w^1_11"), "a dz part asks for z^ℓ_i"),
    (lambda d: _part(d, "ada", "1b").update(kind="matrix"), "'b^2' is 1×1, not a matrix"),
    (lambda d: _part(d, "ada", "1c").update(wrt="b^2_1"), "a general-index part asks for b^ℓ_i"),
    (lambda d: _part(d, "ada", "1a")["network"].update(sizes=[2, 40, 1]), "widths from 1 to 6"),
    (lambda d: _part(d, "ada", "1a")["network"].update(activation="swish"), "parts[0].network:"),
    (lambda d: _part(d, "ada", "1a")["network"].update(depth=3), "network has the unknown key(s) 'depth'"),
    (lambda d: _part(d, "ada", "1a").pop("network"), "a gradient part needs 'network'"),
    (lambda d: _part(d, "ada", "4a").update(network=dict(_part(d, "ada", "1a")["network"])), "a value part has no network"),
    (lambda d: _part(d, "ada", "1a").update(points=-1), "points must be a number from 0 to 1000"),
    (lambda d: _part(d, "ada", "1a").update(points="2"), "points must be a number"),
    (lambda d: _part(d, "ada", "1a").update(conventions=["lecture", "half"]), "conventions must be a non-empty list of lecture, half_loss, delta_dz"),
    (lambda d: _part(d, "ada", "1a").update(conventions=["half_loss"]), "must include 'lecture'"),
    (lambda d: _part(d, "ada", "1a").update(credit={"convention": 2}), "credit: the shares are"),
    (lambda d: _part(d, "ada", "1b").update(part="1a"), "part '1a' appears more than once"),
    (lambda d: _part(d, "ada", "2b").update(step=1), "chain '2' has step 1 twice"),
    (lambda d: _part(d, "ada", "4a")["data"].update(p=["1/2", "1/3"]), "the entries sum to 5/6, not 1"),
    (lambda d: _part(d, "ada", "4a")["data"].update(p=["1e99999", "0"]), "fractions written as text"),
    (lambda d: _part(d, "ada", "4a")["data"].update(order="rp"), "order must be 'pq'"),
    (lambda d: _part(d, "ada", "4a").update(tolerance=0), "tolerance must be a number between 0 and 1"),
    (lambda d: _part(d, "ada", "5a")["data"].pop("r"), "gives q and r together"),
    (lambda d: _part(d, "ada", "5a").update(prompt="", prompt_latex=" "), "needs a 'prompt' or a 'prompt_latex'"),
]


@pytest.mark.parametrize("change, message", BROKEN, ids=[message for _, message in BROKEN])
def test_a_malformed_file_is_refused_with_the_place_of_the_problem(real, tmp_path, change, message):
    _, document = real
    path = tmp_path / "variants.json"
    path.write_text(json.dumps(_broken(document, change), ensure_ascii=False), encoding="utf-8")
    for reader in (load_variants, gradebook.read_variants):
        with pytest.raises(DataError, match="variants.json") as error:
            reader(path)
        assert message in str(error.value) and "\n" not in str(error.value)


def test_networks_beyond_the_servers_bounds_are_refused_at_start(real):
    path, _ = real
    with pytest.raises(DataError, match=r"students\['ada'\]\.parts\[0\]\.network: every width in network.sizes must be between 1 and 2"):
        load_variants(path, cache=NetworkCache(NetworkBounds(max_width=2)))


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "not valid JSON: Expecting value at line 1"),
        (b'{"seed": 1, "students": {}', "not valid JSON"),
        (b'{"generator": "symbackprop 0.1.0", "seed": 1, "seed": 2, "students": {}}', "appears twice"),
        (b'{"seed": NaN, "students": {}}', "NaN is not a number"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[" * 100_000, "nested too deeply"),
        (b"[]", "top level must be an object"),
    ],
)
def test_files_that_are_not_variants_are_refused(tmp_path, content, message):
    path = tmp_path / "variants.json"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        load_variants(path)
    with pytest.raises(DataError, match="cannot read"):
        load_variants(tmp_path / "missing.json")


def test_prompts_render_as_prose_with_math_or_as_one_display():
    assert prompt_blocks(r"Compute $\frac{\partial e}{\partial b^2_1}$.")[0]["segments"][1] == {"math": r"\frac{\partial e}{\partial b^2_1}"}
    assert prompt_blocks(r"\mathrm{KL}(p \,\|\, q)") == [{"type": "math", "tex": r"\mathrm{KL}(p \,\|\, q)"}]
    assert prompt_blocks(r"Is \(d(p, q) \le d(p, r) + d(r, q)\)?")[0]["segments"][1] == {"math": r"d(p, q) \le d(p, r) + d(r, q)"}
    assert prompt_blocks("   ") == []
