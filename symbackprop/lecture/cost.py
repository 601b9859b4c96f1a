"""L4: one sample-wise gradient of the lecture's neuron costs O(d) operations.

The d partial derivatives ∂e/∂w^1_{1j} of e = (y − σ(Σ_j w^1_{1j} x_j))² are taken from the proven
backprop gradients, composed, and counted with SymPy's ``count_ops`` after common-subexpression
elimination (what backprop shares: z, σ(z) and the factor ∂e/∂z).  Counting the same expressions
without sharing shows what the sharing saves.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..derive import backprop
from ..network import MLP

__all__ = ["OperationCount", "sample_gradient_cost"]


@dataclass(frozen=True)
class OperationCount:
    dimensions: tuple[int, ...]
    shared: tuple[int, ...]
    unshared: tuple[int, ...]
    slope: int
    intercept: int

    @property
    def linear(self) -> bool:
        """True when every shared count is exactly slope·d + intercept."""
        return all(count == self.slope * d + self.intercept for d, count in zip(self.dimensions, self.shared))


def _counts(dimension: int) -> tuple[int, int]:
    net = MLP([dimension, 1], activation="sigmoid")
    gradients = backprop(net)
    expressions = [net.compose(gradients[p]) for p in net.parameters]
    replacements, reduced = sp.cse(expressions)
    shared = sum(sp.count_ops(value) for _, value in replacements) + sum(sp.count_ops(e) for e in reduced)
    return int(shared), int(sum(sp.count_ops(e) for e in expressions))


def sample_gradient_cost(max_dimension: int = 8) -> OperationCount:
    """Operation counts of ∇e for d = 1…max_dimension and the exact affine law they follow.

    >>> cost = sample_gradient_cost(4)
    >>> cost.linear, cost.slope
    (True, 3)
    """
    dimensions = tuple(range(1, max_dimension + 1))
    shared, unshared = zip(*(_counts(d) for d in dimensions))
    slope = shared[1] - shared[0]
    return OperationCount(dimensions, tuple(shared), tuple(unshared), slope, shared[0] - slope)
