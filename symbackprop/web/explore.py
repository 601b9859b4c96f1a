"""The Explore page's content: a network's derivation, exactly as the LaTeX documents print it.

:func:`derivation_page` runs in a worker process (it derives, proves and prints — symbolic work whose
time and memory are capped there): it builds the document's subsections for the network
(:func:`~symbackprop.emit.network_doc.network_subsections` — forward pass, loss, the direct
derivative, backpropagation with δ^ℓ and V^ℓ, the gradients, the proof, the bound) and cuts them into
blocks the page renders (:mod:`.blocks`).
"""

from __future__ import annotations

from ..emit.document import PREAMBLE
from ..printing import text
from ..emit.forms import NetworkDerivation
from ..emit.network_doc import describe_network, network_subsections
from ..errors import SymbackpropError
from ..network import MLP
from ..notation import plain_name
from .blocks import katex_macros, latex_blocks
from .networks import NetworkBounds

__all__ = ["derivation_page", "EXPLORE_BOUNDS", "MAX_PAGE_CHARACTERS", "MACROS"]

EXPLORE_BOUNDS = NetworkBounds(max_layers=4, max_width=5, max_parameters=70)
MAX_PAGE_CHARACTERS = 250_000  # of LaTeX: more would take a phone's browser too long to typeset
MACROS = katex_macros(PREAMBLE)


def derivation_page(net: MLP, parameter: str) -> dict[str, object]:
    """The derivation of ``net`` with the direct derivative of ``parameter`` (or w^1_11 when empty)."""
    derivation = NetworkDerivation(net, parameter or None)
    sections = network_subsections(derivation)
    size = sum(map(len, sections))
    if size > MAX_PAGE_CHARACTERS:
        raise SymbackpropError(
            f"the derivation of this network is {size:,} characters of LaTeX, too long for a web page; "
            "choose a smaller network, or write the PDF with: symbackprop derive"
        )
    proof = derivation.proof
    proved = sum(entry.status == "proved" for entry in proof.entries)
    return {
        "network": net.spec.describe(),
        "parameter": plain_name(derivation.parameter.name),
        "description": latex_blocks(describe_network(net)),
        "proof": {"holds": proof.holds, "proved": proved, "entries": len(proof.entries), "method": proof.method, "method_blocks": _prose(proof.method)},
        "sections": [latex_blocks(section) for section in sections],
    }


def _prose(message: str) -> list[dict]:
    """A plain-text message of the prover as page blocks (its math symbols as math), or as plain text."""
    try:
        return latex_blocks(text(message))
    except SymbackpropError:
        return [{"type": "paragraph", "segments": [{"text": message}]}]
