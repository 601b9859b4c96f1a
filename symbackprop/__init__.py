"""symbackprop: derive, prove, print and run backpropagation for MLPs, in the lecture's notation.

The public API is re-exported here lazily (PEP 562): ``import symbackprop`` loads nothing else, and each
name imports its module on first use.

>>> from symbackprop import MLP, prove
>>> prove(MLP([3, 3, 2])).holds
True
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> module that defines it (relative to this package)
_EXPORTS: dict[str, str] = {
    # the symbolic network
    "MLP": ".network",
    "NetworkSpec": ".spec",
    # derivations and proofs
    "direct": ".derive",
    "backprop": ".derive",
    "backprop_steps": ".derive",
    "Gradients": ".derive",
    "BackpropSteps": ".derive",
    "prove": ".proof",
    "Proof": ".proof",
    "prove_general": ".general",
    "GeneralProof": ".general",
    # LaTeX documents
    "Section": ".emit",
    "build_document": ".emit",
    "write_document": ".emit",
    "register_section": ".emit",
    "lecture_sections": ".lecture.document",
    # compiled models and training
    "CompiledModel": ".model",
    "fit": ".train",
    "TrainingResult": ".train",
    # answers
    "parse_expression": ".parse",
    "check_answer": ".answers",
    "grade_answers": ".answers",
    "Verdict": ".answers",
    # the lecture's claims
    "lecture_claims": ".lecture.claims",
    "Claim": ".lecture.claims",
    # statuses
    "EntryStatus": ".statuses",
    "AnswerStatus": ".statuses",
    "ClaimStatus": ".statuses",
    "RunStatus": ".statuses",
    # errors
    "SymbackpropError": ".errors",
    "SpecError": ".errors",
    "ShapeError": ".errors",
    "DataError": ".errors",
    "ArgumentTypeError": ".errors",
    "NotSupportedError": ".errors",
    "ExpressionSyntaxError": ".errors",
    "AnswerSyntaxError": ".errors",
    "ToolNotFoundError": ".errors",
    "LatexError": ".errors",
}

# Attributes that are not in __all__: ``compile`` would shadow the builtin under ``import *``, and the
# registries are data, not functions or classes.
_ATTRIBUTES: dict[str, str] = {
    "compile": ".model",
    "ACTIVATIONS": ".activations",
    "LOSSES": ".losses",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name) or _ATTRIBUTES.get(name)
    if module is None:
        if importlib.util.find_spec(f"{__name__}.{name}") is not None:  # a submodule: symbackprop.train
            return importlib.import_module(f"{__name__}.{name}")
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS, *_ATTRIBUTES})


if TYPE_CHECKING:  # pragma: no cover - what the lazy names are, for type checkers and IDEs
    from .activations import ACTIVATIONS as ACTIVATIONS
    from .answers import Verdict as Verdict
    from .answers import check_answer as check_answer
    from .answers import grade_answers as grade_answers
    from .derive import BackpropSteps as BackpropSteps
    from .derive import Gradients as Gradients
    from .derive import backprop as backprop
    from .derive import backprop_steps as backprop_steps
    from .derive import direct as direct
    from .emit import Section as Section
    from .emit import build_document as build_document
    from .emit import register_section as register_section
    from .emit import write_document as write_document
    from .errors import AnswerSyntaxError as AnswerSyntaxError
    from .errors import ArgumentTypeError as ArgumentTypeError
    from .errors import DataError as DataError
    from .errors import ExpressionSyntaxError as ExpressionSyntaxError
    from .errors import LatexError as LatexError
    from .errors import NotSupportedError as NotSupportedError
    from .errors import ShapeError as ShapeError
    from .errors import SpecError as SpecError
    from .errors import SymbackpropError as SymbackpropError
    from .errors import ToolNotFoundError as ToolNotFoundError
    from .lecture.claims import Claim as Claim
    from .lecture.claims import lecture_claims as lecture_claims
    from .lecture.document import lecture_sections as lecture_sections
    from .losses import LOSSES as LOSSES
    from .model import CompiledModel as CompiledModel
    from .model import compile as compile
    from .network import MLP as MLP
    from .parse import parse_expression as parse_expression
    from .general import GeneralProof as GeneralProof
    from .general import prove_general as prove_general
    from .proof import Proof as Proof
    from .proof import prove as prove
    from .spec import NetworkSpec as NetworkSpec
    from .statuses import AnswerStatus as AnswerStatus
    from .statuses import ClaimStatus as ClaimStatus
    from .statuses import EntryStatus as EntryStatus
    from .statuses import RunStatus as RunStatus
    from .train import TrainingResult as TrainingResult
    from .train import fit as fit
