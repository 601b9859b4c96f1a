"""The whole lecture as one document: :func:`lecture_sections` lists its sections, in the lecture's order.

Notation, the simple example (L1), the optimisers (L2–L6, L16), a generic deep network with biases
(L7–L15, L12), vanishing and exploding gradients (L14), the prediction tasks (L17–L22) and the lecture's
claims with their evidence.  Sections that user code added with
:func:`~symbackprop.emit.register_section` follow (or go where they asked to).
"""

from __future__ import annotations

from ..emit.document import Section, insert_section, registered_sections
from ..emit.example import example_section
from ..emit.multiclass import prediction_section
from ..emit.network_doc import network_section
from ..emit.optimisers import optimisers_section
from ..emit.preface import notation_section
from ..network import MLP
from .claims import claims_section
from .gradient_flow import gradient_flow_section

__all__ = ["lecture_sections", "deep_network", "deep_network_section"]


def deep_network() -> MLP:
    """The lecture's generic deep network: generic φ, L = 3, biases, squared error."""
    return MLP([2, 2, 2, 2], bias=True)


def deep_network_section() -> Section:
    return network_section(
        deep_network(),
        title=r"A generic deep network with biases (L7--L15)",
        name="deep-network",
        intro=(
            r"Backpropagation for a network with a generic activation $\varphi$ --- so every identity below holds "
            r"for every differentiable activation --- and a bias in every neuron (the homework L12)."
        ),
    )


def lecture_sections(*, registered: bool = True) -> list[Section]:
    """The whole lecture's sections in order, then (unless ``registered=False``) the ones user code added.

    >>> [section.name for section in lecture_sections()][:3]
    ['notation', 'example', 'optimisers']
    """
    sections = [
        notation_section(),
        example_section(),
        optimisers_section(),
        deep_network_section(),
        gradient_flow_section(),
        prediction_section(),
        claims_section(),
    ]
    for section, before in registered_sections() if registered else ():
        insert_section(sections, section, before=before)
    return sections
