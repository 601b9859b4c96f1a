"""symbackprop: derive, prove, print and run backpropagation for MLPs, in the lecture's notation."""

from .activations import ACTIVATIONS as ACTIVATIONS
from .answers import Verdict as Verdict
from .answers import check_answer as check_answer
from .answers.grading import grade_answers as grade_answers
from .derive import BackpropSteps as BackpropSteps
from .derive import Gradients as Gradients
from .derive import backprop as backprop
from .derive import backprop_steps as backprop_steps
from .derive import direct as direct
from .errors import AnswerSyntaxError as AnswerSyntaxError
from .errors import DataError as DataError
from .errors import NotSupportedError as NotSupportedError
from .errors import ShapeError as ShapeError
from .errors import SpecError as SpecError
from .errors import SymbackpropError as SymbackpropError
from .losses import LOSSES as LOSSES
from .network import MLP as MLP
from .parse import parse_expression as parse_expression
from .spec import NetworkSpec as NetworkSpec

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "AnswerSyntaxError",
    "BackpropSteps",
    "DataError",
    "Gradients",
    "LOSSES",
    "MLP",
    "NetworkSpec",
    "NotSupportedError",
    "ShapeError",
    "SpecError",
    "SymbackpropError",
    "Verdict",
    "backprop",
    "backprop_steps",
    "check_answer",
    "direct",
    "grade_answers",
    "parse_expression",
]
