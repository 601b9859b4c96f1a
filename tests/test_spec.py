"""Bad specifications raise SpecError (a ValueError) whose message names the fix."""

from __future__ import annotations

import pytest

from symbackprop import MLP, SpecError, SymbackpropError
from symbackprop.spec import MAX_PARAMETERS, parse_sizes


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(sizes=[]), "at least the input and the output"),
        (dict(sizes=[3]), "at least the input and the output"),
        (dict(sizes=[3, 0, 1]), "N_1 must be at least 1"),
        (dict(sizes=[3, -2]), "N_1 must be at least 1"),
        (dict(sizes="3,x,1"), "comma-separated whole numbers"),
        (dict(sizes=[2, 1], activation="swish"), "unknown activation 'swish'; choose one of"),
        (dict(sizes=[2, 2, 1], activation=["tanh"]), "one activation per layer: got 1 for 2"),
        (dict(sizes=[2, 1], loss="hinge"), "unknown loss 'hinge'"),
        (dict(sizes=[2, 3], output="softmax"), "loss='cross_entropy' or loss='kl'"),
        (dict(sizes=[2, 3], loss="kl", output="sigmoid"), "pass output='softmax'"),
        (dict(sizes=[2, 1], loss="cross_entropy"), "at least 2 output neurons"),
        (dict(sizes=[2, 2], loss="logistic"), "one sigmoid output neuron"),
        (dict(sizes=[2, 1], loss="logistic", output="tanh"), "pass output='sigmoid'"),
    ],
)
def test_bad_spec_raises_spec_error_naming_the_fix(kwargs, fragment):
    sizes = kwargs.pop("sizes")
    with pytest.raises(SpecError, match=None) as raised:
        MLP(sizes, **kwargs)
    assert fragment in str(raised.value)
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, SymbackpropError)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(sizes=[3, 2.5]), "whole number"),
        (dict(sizes=[3, True]), "whole number"),
        (dict(sizes=None), "list of layer widths"),
        (dict(sizes=[2, 1], bias="yes"), "bias must be True or False"),
        (dict(sizes=[2, 1], activation=[3]), "named by a string"),
        (dict(sizes=[2, 1], activation=7.5), "one name per layer"),
        (dict(sizes=[2, 1], loss=None), "named by a string"),
        (dict(sizes=[2, 1], output=1), "activation name or 'softmax'"),
    ],
)
def test_arguments_of_the_wrong_type_raise_type_error(kwargs, fragment):
    sizes = kwargs.pop("sizes")
    with pytest.raises(TypeError) as raised:
        MLP(sizes, **kwargs)
    assert fragment in str(raised.value)
    assert isinstance(raised.value, SymbackpropError)


def test_sizes_accept_list_or_comma_string():
    assert parse_sizes("4, 4,2") == (4, 4, 2)
    assert parse_sizes((3, 1)) == (3, 1)


def test_defaults_follow_the_loss():
    assert MLP([3, 3], loss="kl").softmax
    assert MLP([2, 1], loss="logistic").activation(1).name == "sigmoid"
    net = MLP([2, 2, 3], activation="tanh", output="softmax", loss="cross_entropy")
    assert [net.activation(layer).name for layer in (1, 2)] == ["tanh", "identity"]


def test_one_activation_per_layer():
    net = MLP([2, 3, 3, 1], activation=["relu", "tanh", "identity"])
    assert [net.activation(layer).name for layer in (1, 2, 3)] == ["relu", "tanh", "identity"]


def test_describe_is_one_readable_line():
    assert MLP([3, 3, 2], activation="sigmoid", bias=True).spec.describe() == "[3, 3, 2], sigmoid, biases, loss squared"


def test_a_network_of_any_size_can_be_described_but_symbolic_work_is_bounded():
    """MLP([200, 200, 1]) is a valid description (compile runs it); its symbols — what derivations, proofs,
    documents and answer checking need — are refused beyond MAX_PARAMETERS with a message that says so."""
    net = MLP([200, 200, 1], activation="tanh")
    assert net.spec.parameter_count == 40_200 > MAX_PARAMETERS
    for use in (lambda: net.parameters, lambda: net.W(1), lambda: net.parameter("w^1_11"), lambda: net.e):
        with pytest.raises(SpecError) as raised:
            use()
        assert f"limit {MAX_PARAMETERS:,}" in str(raised.value) and "symbolic derivation" in str(raised.value)
        assert "compile(net) runs networks of any size" in str(raised.value)
    assert MLP([100, 100, 2]).W(1).shape == (100, 100)  # 10,200 parameters: fine
