"""variants.json is read strictly: a malformed file is refused as a whole, with the place of the problem;
a good one gives each student their parts, and gradient parts are checked exactly."""

from __future__ import annotations

import copy
import json

import pytest

from symbackprop.answers.pool import AnswerPool
from symbackprop.errors import DataError
from symbackprop.web.networks import NetworkBounds, NetworkCache
from symbackprop.web.variants import check_variant_part, load_variants, prompt_blocks

from .web_support import RIGHT, sample_variants, write_variants


def test_a_good_file_gives_each_student_their_parts(tmp_path):
    variants = load_variants(write_variants(tmp_path))
    assert variants.seed == 7 and sorted(variants.students) == ["s001", "s002"]
    first = variants.part("s001", "1a")
    assert first.kind == "gradient" and first.wrt == "b^2_1" and first.network[0] == (2, 2, 1) and first.points == 2.0
    assert variants.part("s002", "1a").conventions == ("lecture", "half_squared")
    assert not variants.part("s001", "3").checked_here
    assert variants.networks()[0] == first.network  # the most used network first


def _broken(change) -> dict:  # noqa: ANN001
    document = copy.deepcopy(sample_variants())
    change(document)
    return document


BROKEN = [
    (lambda d: d.pop("seed"), "'seed' must be a whole number"),
    (lambda d: d.update(students={}), "'students' must be a non-empty object"),
    (lambda d: d["students"].update({" s003": d["students"]["s001"]}), "without surrounding spaces"),
    (lambda d: d["students"]["s001"].update(parts=[]), "parts must be a non-empty list"),
    (lambda d: d["students"]["s001"]["parts"][0].pop("wrt"), "parts[0].wrt must be a string"),
    (lambda d: d["students"]["s001"]["parts"][0].update(wrt="w^9_11"), "layer 9 does not exist"),
    (lambda d: d["students"]["s001"]["parts"][0]["network"].update(sizes=[2, 40, 1]), "between 1 and 6"),
    (lambda d: d["students"]["s001"]["parts"][0]["network"].update(activation="swish"), "must be one of"),
    (lambda d: d["students"]["s001"]["parts"][0].update(points=-1), "points must be a number ≥ 0"),
    (lambda d: d["students"]["s001"]["parts"][0].update(points="2"), "points must be a number"),
    (lambda d: d["students"]["s001"]["parts"][1].update(part="1a"), "part '1a' appears more than once"),
    (lambda d: d["students"]["s001"]["parts"][2].pop("answer"), "parts[2].answer must be a string"),
    (lambda d: d["students"]["s001"]["parts"][2].update(prompt="", prompt_latex=""), "needs a 'prompt' or a 'prompt_latex'"),
    (lambda d: d["students"]["s001"]["parts"][2].update(conventions="lecture"), "conventions must be a list"),
]


@pytest.mark.parametrize("change, message", BROKEN, ids=[message for _, message in BROKEN])
def test_a_malformed_file_is_refused_with_the_place_of_the_problem(tmp_path, change, message):
    path = tmp_path / "variants.json"
    path.write_text(json.dumps(_broken(change)), encoding="utf-8")
    with pytest.raises(DataError, match="variants.json") as error:
        load_variants(path)
    assert message in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "not valid JSON: Expecting value at line 1"),
        (b'{"seed": 1, "students": {}', "not valid JSON"),
        (b'{"seed": 1, "seed": 2, "students": {}}', "appears twice"),
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


def test_check_variant_part_checks_gradient_parts_and_leaves_the_others(tmp_path):
    cache = NetworkCache(NetworkBounds())
    variants = load_variants(write_variants(tmp_path), cache=cache)
    with AnswerPool(workers=1) as pool:
        assert check_variant_part(pool, cache, variants.part("s001", "1a"), RIGHT).status == "correct"
        wrong = check_variant_part(pool, cache, variants.part("s001", "1a"), "delta^2_1")
        assert wrong.status == "wrong" and wrong.mistake.code == "missing_phi_prime"
        assert check_variant_part(pool, cache, variants.part("s002", "1a"), "δ^1_2 tanh'(z^1_2)").status == "correct"
        assert check_variant_part(pool, cache, variants.part("s001", "3"), "log(2)") is None
