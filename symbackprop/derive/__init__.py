"""The two derivations of ∂e/∂θ: by differentiating the composed loss, and by backpropagation."""

from .._kernel.engine import clear_engines as clear_caches
from .backprop import backprop as backprop
from .backprop import backprop_steps as backprop_steps
from .backprop import display_steps as display_steps
from .backprop import gradients_from_steps as gradients_from_steps
from .backprop import output_delta as output_delta
from .direct import direct as direct
from .direct import direct_wrt as direct_wrt
from .gradients import BackpropSteps as BackpropSteps
from .gradients import Gradients as Gradients

__all__ = [
    "BackpropSteps",
    "Gradients",
    "backprop",
    "backprop_steps",
    "clear_caches",
    "direct",
    "direct_wrt",
    "display_steps",
    "gradients_from_steps",
    "output_delta",
]
