"""Proofs for every size: the backprop recursion for all depths and widths, multi-class for every C.

:func:`prove_general` returns a :class:`GeneralProof` whose steps (ids ``chain-rule``, ``L7`` … ``L4``) each
record a statement in text and LaTeX, a :class:`Method` and whether it holds; :func:`refute` shows where a
wrong :class:`Recursion` (see :data:`MUTANTS`) fails, on a concrete network and by finite differences.
"""

from .proof import THEOREM_STEPS as THEOREM_STEPS
from .proof import prove_general as prove_general
from .recursion import LECTURE as LECTURE
from .recursion import MUTANTS as MUTANTS
from .recursion import LayerMatrices as LayerMatrices
from .recursion import Recursion as Recursion
from .recursion import get_recursion as get_recursion
from .refute import Refutation as Refutation
from .refute import refute as refute
from .result import Evidence as Evidence
from .result import GeneralProof as GeneralProof
from .result import Method as Method
from .result import Step as Step
from .result import StepInstance as StepInstance

__all__ = [
    "Evidence",
    "GeneralProof",
    "LECTURE",
    "LayerMatrices",
    "MUTANTS",
    "Method",
    "Recursion",
    "Refutation",
    "Step",
    "StepInstance",
    "THEOREM_STEPS",
    "get_recursion",
    "prove_general",
    "refute",
]
