"""Validated, immutable description of an MLP: sizes, activations, output, biases, loss.

Any size is a valid description; symbolic work refuses more than :data:`MAX_PARAMETERS` parameters
(:meth:`NetworkSpec.require_symbolic`), compiled models do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from .activations import Activation, get_activation
from .errors import ArgumentTypeError, SpecError
from .losses import Loss, get_loss

__all__ = ["NetworkSpec", "MAX_PARAMETERS", "parse_sizes"]

MAX_PARAMETERS = 20_000  # for symbolic work: one SymPy symbol per parameter and formulas over them


def parse_sizes(sizes: str | Sequence[int]) -> tuple[int, ...]:
    """Accept ``[4, 4, 2]`` or ``"4,4,2"``; reject anything else with a clear message."""
    if isinstance(sizes, str):
        parts = re.split(r"\s*,\s*|\s+", sizes.strip())  # "4,4,2", "4, 4, 2" or "4 4 2"
        if "" in parts and sizes.strip():
            raise SpecError(f"sizes has an empty width between commas (or a comma at an end): {sizes!r}; write e.g. '4,4,2'")
        if not all(part.lstrip("+").isdigit() for part in parts if part):
            raise SpecError(f"sizes must be comma-separated whole numbers such as '4,4,2', got {sizes!r}")
        sizes = [int(part) for part in parts if part]
    try:
        values = list(sizes)
    except TypeError:
        raise ArgumentTypeError(f"sizes must be a list of layer widths such as [2, 2, 1], got {sizes!r}") from None
    if len(values) < 2:
        raise SpecError(
            "sizes needs at least the input and the output width, e.g. [2, 1] (N_0, …, N_L); "
            f"got {values!r}"
        )
    for position, value in enumerate(values):
        if isinstance(value, bool) or not isinstance(value, int) and not hasattr(value, "__index__"):
            raise ArgumentTypeError(f"layer width N_{position} must be a whole number, got {value!r}")
        if int(value) < 1:
            raise SpecError(f"layer width N_{position} must be at least 1, got {value!r}")
    return tuple(int(value) for value in values)


@dataclass(frozen=True)
class NetworkSpec:
    """What an MLP is, checked once: ``sizes`` = (N_0, …, N_L), one activation per layer 1…L."""

    sizes: tuple[int, ...]
    activations: tuple[Activation, ...]
    softmax: bool
    bias: bool
    loss: Loss

    @classmethod
    def build(
        cls,
        sizes: str | Sequence[int],
        *,
        activation: str | Sequence[str] = "phi",
        output: str | None = None,
        bias: bool = False,
        loss: str = "squared",
    ) -> "NetworkSpec":
        """Validate user input; every failure is a :class:`SpecError` that names the fix."""
        widths = parse_sizes(sizes)
        depth = len(widths) - 1
        loss_kind = get_loss(loss)
        if isinstance(activation, str):
            names = [activation] * depth
        else:
            try:
                names = list(activation)
            except TypeError:
                raise ArgumentTypeError(f"activation must be a name or one name per layer, got {activation!r}") from None
            if len(names) != depth:
                raise SpecError(
                    f"one activation per layer: got {len(names)} for {depth} layer(s) "
                    f"(sizes {list(widths)} has layers 1…{depth})"
                )
        layers = [get_activation(name) for name in names]
        if not isinstance(bias, bool):
            raise ArgumentTypeError(f"bias must be True or False, got {bias!r}")

        if output is None:
            if loss_kind.uses_softmax:
                output = "softmax"
            elif loss_kind.name == "logistic":
                output = "sigmoid"
        if output is not None and not isinstance(output, str):
            raise ArgumentTypeError(f"output must be an activation name or 'softmax', got {output!r}")
        softmax = output is not None and output.strip().lower() == "softmax"
        if softmax:
            layers[-1] = get_activation("identity")
        elif output is not None:
            layers[-1] = get_activation(output)

        if softmax and not loss_kind.uses_softmax:
            raise SpecError(
                f"softmax outputs are compared with a one-hot target by loss='cross_entropy' or loss='kl' "
                f"(L19–L22); loss={loss_kind.name!r} is not meaningful on probabilities"
            )
        if loss_kind.uses_softmax and not softmax:
            raise SpecError(f"loss={loss_kind.name!r} compares a one-hot target with softmax outputs: pass output='softmax'")
        if softmax and widths[-1] < 2:
            raise SpecError(
                "softmax needs at least 2 output neurons (C ≥ 2); for two classes with one output "
                "use output='sigmoid', loss='logistic' (L17)"
            )
        if loss_kind.name == "logistic":
            if widths[-1] != 1:
                raise SpecError(
                    f"loss='logistic' is for one sigmoid output neuron (L17), but N_L = {widths[-1]}; "
                    "for C classes use output='softmax', loss='cross_entropy'"
                )
            if layers[-1].name != "sigmoid":
                raise SpecError(
                    f"loss='logistic' needs a sigmoid output neuron (L17), got output {layers[-1].name!r}; "
                    "pass output='sigmoid'"
                )

        return cls(sizes=widths, activations=tuple(layers), softmax=softmax, bias=bias, loss=loss_kind)

    @property
    def depth(self) -> int:
        """L, the number of layers with weights."""
        return len(self.sizes) - 1

    @property
    def parameter_count(self) -> int:
        """Σ_ℓ N_ℓ N_{ℓ-1} (+ N_ℓ with biases)."""
        sizes = self.sizes
        return sum(sizes[l] * sizes[l - 1] + (sizes[l] if self.bias else 0) for l in range(1, len(sizes)))

    def require_symbolic(self) -> None:
        """Refuse symbolic work (one SymPy symbol per parameter and formulas over them) on a network too large for it.

        Compiled models (:func:`symbackprop.compile`) have no such limit: their code is generated once per layer template.
        """
        parameters = self.parameter_count
        if parameters > MAX_PARAMETERS:
            raise SpecError(
                f"{parameters:,} parameters is too many for symbolic derivation, proofs, documents and answer checking "
                f"(limit {MAX_PARAMETERS:,}): use narrower or fewer layers; compile(net) runs networks of any size"
            )

    @property
    def wide(self) -> bool:
        """Whether weight indices need a comma (some width ≥ 10)."""
        return max(self.sizes) >= 10

    @property
    def sizes_label(self) -> str:
        """The widths as a list, shortened to its ends beyond 12 widths: ``[1, 1, 1, …, 1, 1] (5,001 widths)``."""
        if len(self.sizes) <= 12:
            return str(list(self.sizes))
        head, tail = ", ".join(map(str, self.sizes[:3])), ", ".join(map(str, self.sizes[-2:]))
        return f"[{head}, …, {tail}] ({len(self.sizes):,} widths)"

    def describe(self) -> str:
        """One line: ``[3, 3, 2], sigmoid (output: softmax), biases, loss cross_entropy``."""
        hidden = {activation.name for activation in self.activations[:-1]}
        last = "softmax" if self.softmax else self.activations[-1].name
        if not hidden:
            acts = last
        elif len(hidden) == 1 and hidden == {last}:
            acts = last
        else:
            acts = f"{'/'.join(a.name for a in self.activations[:-1])} (output: {last})"
        return (
            f"{self.sizes_label}, {acts}, {'biases' if self.bias else 'no biases'}, loss {self.loss.name}"
        )
