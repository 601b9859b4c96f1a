"""L4: the sample-wise gradient's operation count is affine in the input dimension d."""

from __future__ import annotations

from symbackprop.lecture.cost import sample_gradient_cost


def test_sample_gradient_costs_three_operations_per_input_dimension():
    cost = sample_gradient_cost(6)
    assert cost.linear and cost.slope == 3
    assert [3 * d + cost.intercept for d in cost.dimensions] == list(cost.shared)


def test_without_sharing_the_count_grows_faster_than_linearly():
    cost = sample_gradient_cost(6)
    steps = [b - a for a, b in zip(cost.unshared, cost.unshared[1:])]
    assert steps == sorted(steps) and steps[-1] > steps[0]  # increasing differences: superlinear
