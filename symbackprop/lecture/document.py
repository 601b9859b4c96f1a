"""The whole lecture as one document: :func:`lecture_sections` lists its sections in the lecture's order.

data view → designing a loss → gradient descent and exact line search → SGD and step sizes → mini-batch
SGD → the crucial step → backpropagation on the simple example → the general recursion (element → matrix)
→ ``general-proof`` → the bias homework → vanishing and exploding gradients → binary classification →
multi-class: the output layer, one-hot, softmax → KL, NE, CE → is KL a distance? → the claims at a glance.

``general-proof`` is the place for a proof that backpropagation equals the derivative for every
architecture at once; today it holds the exact proof for the example network, and a module that proves more
replaces it with :func:`~symbackprop.emit.register_section` (a section of the same name replaces it).
Sections that user code added with :func:`~symbackprop.emit.register_section` follow (or go where they
asked to).
"""

from __future__ import annotations

import sympy as sp

from ..emit.document import Section, insert_section, registered_sections
from ..emit.preface import notation_section
from ..network import MLP
from . import story
from .claims import claims_section
from .gradient_flow import gradient_flow_section
from .notes_backprop import bias_section, example_backprop_section, general_proof_section, recursion_section
from .notes_prediction import binary_section, distance_section, kl_section, multiclass_section
from .notes_training import crucial_step_section, data_section, gd_section, loss_section, minibatch_section, sgd_section

__all__ = ["lecture_sections", "SECTION_NAMES", "deep_network", "errata"]

SECTION_NAMES = (
    "notation", "data", "loss", "gd", "sgd", "minibatch", "crucial-step", "example-backprop", "recursion",
    "general-proof", "bias", "vanishing", "binary", "multiclass", "kl", "distance", "claims",
)
"""The names of the lecture's sections, in order (for ``--sections`` and ``%% before:`` notes)."""


def deep_network() -> MLP:
    """The lecture's generic deep network (:func:`symbackprop.lecture.story.deep_network`)."""
    return story.deep_network()


def errata() -> str:
    """The lecture's own slips that the notes resolve, in a box."""
    floor = sp.latex(story.binary_facts().squared_floor)
    items = [
        r"The recall slide of backpropagation writes $\delta^{\ell} = [\partial e / \partial z^{\ell}_{1}, \ldots, "
        r"\partial e / \partial z^{\ell}_{N_{\ell}}]^{\top}$. The recursion $\delta^{\ell} = V^{\ell+1} \delta^{\ell+1}$ and "
        r"$\nabla_{W^{\ell}} e = \Diag(\varphi^{\ell\prime}) \delta^{\ell} (a^{\ell-1})^{\top}$ hold for "
        r"$\delta^{\ell} = \partial e / \partial a^{\ell}$ --- with $\partial e / \partial z$ the factor $\Diag(\varphi^{\ell\prime})$ "
        r"would be counted twice --- and these notes use $\partial e / \partial a$ throughout.",
        r"Two slides write $\Diag(\varphi^{\ell\prime}) V^{\ell} \cdots V^{L} \delta^{L} (a^{\ell-1})^{\top}$; the product "
        r"starts at $V^{\ell+1}$: $\delta^{\ell} = V^{\ell+1} \cdots V^{L} \delta^{L}$ (L10, L11).",
        r"The binary-classification slides pair labels $y \in \{+1, -1\}$ with a sigmoid output, whose values lie in "
        r"$(0, 1)$, and the squared error used so far: for $y = -1$ that error never falls below $" + floor + r"$. "
        r"The notes use the target probability $\tfrac{1+y}{2} \in \{0, 1\}$ (or the logistic loss, beyond the lecture); "
        r"see \secref{binary}.",
        r"Not a slip but a gap: the transcript lost the values of the simple example's four samples; the notes use "
        r"their own (\secref{data}).",
    ]
    body = "\n".join([r"\begin{enumerate}", *[r"\item " + item for item in items], r"\end{enumerate}"])
    return "\\begin{notebox}{Errata: the lecture's slips that these notes resolve}\n" + body + "\n\\end{notebox}"


def lecture_sections(*, registered: bool = True) -> list[Section]:
    """The whole lecture's sections in order, then (unless ``registered=False``) the ones user code added.

    >>> [section.name for section in lecture_sections()][:4]
    ['notation', 'data', 'loss', 'gd']
    """
    sections = [
        notation_section(
            r"What goes beyond the lecture --- the logistic loss, the factor-by-factor bound, a proof that "
            r"$\KL \ge 0$ --- is marked \beyond. Exercises of the lecture are followed by their answers; built with "
            r"\texttt{--no-answers}, the notes leave them as questions.",
            errata,
        ),
        data_section(),
        loss_section(),
        gd_section(),
        sgd_section(),
        minibatch_section(),
        crucial_step_section(),
        example_backprop_section(),
        recursion_section(),
        general_proof_section(),
        bias_section(),
        gradient_flow_section(),
        binary_section(),
        multiclass_section(),
        kl_section(),
        distance_section(),
        claims_section(),
    ]
    for section, before in registered_sections() if registered else ():
        insert_section(sections, section, before=before)
    return sections
