"""symbackprop: derive, prove, print and run backpropagation for MLPs, in the lecture's notation."""

from .activations import ACTIVATIONS as ACTIVATIONS
from .answers import Verdict as Verdict
from .answers import check_answer as check_answer
from .answers.grading import grade_answers as grade_answers
from .claims import Claim as Claim
from .claims import lecture_claims as lecture_claims
from .derive import BackpropSteps as BackpropSteps
from .derive import Gradients as Gradients
from .derive import backprop as backprop
from .derive import backprop_steps as backprop_steps
from .derive import direct as direct
from .emit.numpy import CompiledModel as CompiledModel
from .emit.numpy import compile as compile
from .emit import Section as Section
from .emit import build_document as build_document
from .emit import register_section as register_section
from .emit import write_document as write_document
from .errors import AnswerSyntaxError as AnswerSyntaxError
from .errors import DataError as DataError
from .errors import LatexError as LatexError
from .errors import NotSupportedError as NotSupportedError
from .errors import ShapeError as ShapeError
from .errors import SpecError as SpecError
from .errors import SymbackpropError as SymbackpropError
from .errors import ToolNotFoundError as ToolNotFoundError
from .losses import LOSSES as LOSSES
from .network import MLP as MLP
from .parse import parse_expression as parse_expression
from .spec import NetworkSpec as NetworkSpec
from .train import TrainingResult as TrainingResult
from .train import fit as fit
from . import train as train

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "AnswerSyntaxError",
    "BackpropSteps",
    "Claim",
    "CompiledModel",
    "DataError",
    "Gradients",
    "LOSSES",
    "LatexError",
    "MLP",
    "NetworkSpec",
    "NotSupportedError",
    "Section",
    "ShapeError",
    "SpecError",
    "SymbackpropError",
    "ToolNotFoundError",
    "TrainingResult",
    "Verdict",
    "backprop",
    "backprop_steps",
    "build_document",
    "check_answer",
    "compile",
    "direct",
    "fit",
    "grade_answers",
    "lecture_claims",
    "parse_expression",
    "register_section",
    "train",
    "write_document",
]
