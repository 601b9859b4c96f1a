"""The documents' LaTeX, cut into page blocks: the math unchanged, the prose as text, nothing left over."""

from __future__ import annotations

import pytest

from symbackprop import MLP
from symbackprop.emit.document import PREAMBLE
from symbackprop.emit.forms import NetworkDerivation
from symbackprop.emit.network_doc import network_subsections
from symbackprop.web.blocks import katex_macros, latex_blocks, unknown_commands
from symbackprop.web.explore import derivation_page


@pytest.mark.parametrize(
    "latex, blocks",
    [
        ("Plain words.", [{"type": "paragraph", "segments": [{"text": "Plain words."}]}]),
        (r"\subsection{Loss of $w^{1}_{11}$}", [{"type": "heading", "segments": [{"text": "Loss of "}, {"math": "w^{1}_{11}"}]}]),
        (r"\textbf{Proved}: $a$ and \emph{b}.", [{"type": "paragraph", "segments": [{"bold": [{"text": "Proved"}]}, {"text": ": "}, {"math": "a"}, {"text": " and "}, {"italic": [{"text": "b"}]}, {"text": "."}]}]),
        (r"L7--L11, \ldots\ and 50\% ~x", [{"type": "paragraph", "segments": [{"text": "L7–L11, … and 50% \u00a0x"}]}]),
        ("one\n\ntwo", [{"type": "paragraph", "segments": [{"text": "one"}]}, {"type": "paragraph", "segments": [{"text": "two"}]}]),
        ("a\n\\begin{align*}\nx &= 1 \\\\\ny &= 2\n\\end{align*}\nb",
         [{"type": "paragraph", "segments": [{"text": "a"}]}, {"type": "math", "tex": "\\begin{align*}\nx &= 1 \\\\\ny &= 2\n\\end{align*}"},
          {"type": "paragraph", "segments": [{"text": "b"}]}]),
        (r"cost \$5 and $x = \$$", [{"type": "paragraph", "segments": [{"text": "cost $5 and "}, {"math": r"x = \$"}]}]),
        (r"\unknown{x}", [{"type": "paragraph", "segments": [{"text": r"\unknownx"}]}]),
    ],
)
def test_latex_is_cut_into_blocks(latex, blocks):
    assert latex_blocks(latex) == blocks


def test_an_unknown_command_is_found():
    assert unknown_commands(latex_blocks(r"\unknown{x} and $\alpha$")) == [r"\unknownx"]


NETWORKS = [
    MLP([2, 2, 1], activation="sigmoid", bias=True),
    MLP([3, 3, 2], activation="tanh"),
    MLP([2, 1], activation="sigmoid", loss="logistic"),
    MLP([3, 2, 2], activation=["tanh", "sigmoid"], bias=True),
    MLP([4, 3, 3], activation="relu", output="softmax", loss="cross_entropy", bias=True),
    MLP([2, 3, 2], output="softmax", loss="kl"),
    MLP([2, 2, 2, 1], activation="identity", bias=True),
]


@pytest.mark.parametrize("net", NETWORKS, ids=lambda net: net.spec.describe())
def test_every_document_section_becomes_blocks_with_no_latex_left_in_the_prose(net):
    sections = network_subsections(NetworkDerivation(net))
    blocks = [block for section in sections for block in latex_blocks(section)]
    assert unknown_commands(blocks) == []
    displays = [block["tex"] for block in blocks if block["type"] == "math"]
    document_displays = sum(section.count(r"\begin{align*}") for section in sections)
    assert len(displays) == document_displays and all(tex in "".join(sections) for tex in displays)
    inline = []

    def collect(segments):  # noqa: ANN001, ANN202
        for segment in segments:
            if "math" in segment:
                inline.append(segment["math"])
            for key in ("bold", "italic", "code"):
                collect(segment.get(key, []))

    for block in blocks:
        collect(block.get("segments", []))
    for tex in inline + displays:
        assert tex.count("{") - tex.count(r"\{") == tex.count("}") - tex.count(r"\}"), tex


def test_the_page_carries_the_proof_and_the_preambles_macros():
    page = derivation_page(NETWORKS[0], "b^2_1")
    assert page["proof"] == {**page["proof"], "holds": True, "proved": 9, "entries": 9}
    assert any("math" in segment for segment in page["proof"]["method_blocks"][0]["segments"])
    assert katex_macros(PREAMBLE) == {r"\Diag": r"\operatorname{Diag}", r"\KL": r"\operatorname{KL}", r"\CE": r"\operatorname{CE}", r"\NE": r"\operatorname{NE}"}
