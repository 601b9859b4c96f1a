"""Vector and matrix answers checked entry by entry: ∇_{W^ℓ} e, ∇_{b^ℓ} e, δ^ℓ (= ∂e/∂a^ℓ) and ∂e/∂z^ℓ.

Each entry is one :class:`~.quantities.Quantity`, checked exactly by :func:`~.quantities.check_quantity`;
the verdict keeps every entry's status (for points per entry), and names a mistake for the whole
answer only when every entry is wrong by the same, proved, mistake — a transposed answer is compared
with the transpose of the model (each entry proved) before it is called transposed.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import sympy as sp

from ..errors import AnswerSyntaxError, SpecError
from ..network import MLP
from ..statuses import AnswerStatus
from .quantities import PRIME_NAMES, Quantity, QuantityVerdict, check_quantity

__all__ = ["ArrayTarget", "ArrayVerdict", "array_target", "check_array", "array_model_answer"]

CORRECT, WRONG, UNDECIDED = AnswerStatus.CORRECT, AnswerStatus.WRONG, AnswerStatus.UNDECIDED


@dataclass(frozen=True)
class ArrayTarget:
    """What a vector/matrix part asks for: 'W' (∇_{W^ℓ} e), 'b' (∇_{b^ℓ} e), 'a' (δ^ℓ) or 'z' (∂e/∂z^ℓ)."""

    kind: str
    layer: int

    def shape(self, net: MLP) -> tuple[int, int]:
        return (net.sizes[self.layer], net.sizes[self.layer - 1]) if self.kind == "W" else (net.sizes[self.layer], 1)

    def entry(self, row: int, column: int) -> Quantity:
        kind = "w" if self.kind == "W" else self.kind
        return Quantity(kind, self.layer, row + 1, column + 1 if self.kind == "W" else None)

    def title(self) -> str:
        return {"W": f"∇_W^{self.layer} e", "b": f"∇_b^{self.layer} e", "a": f"δ^{self.layer} = ∂e/∂a^{self.layer}",
                "z": f"∂e/∂z^{self.layer}"}[self.kind]


def array_target(net: MLP, text: str) -> ArrayTarget:
    """``W^2``, ``b^1``, ``a^1`` (δ^1) or ``z^2`` in ``net``."""
    match = re.fullmatch(r"\s*([Wbaz])\s*\^\s*\{?\s*([0-9]+)\s*\}?\s*", text or "")
    if match is None:
        raise SpecError(f"a vector or matrix part asks for W^ℓ, b^ℓ, a^ℓ (δ^ℓ) or z^ℓ, got {text!r}")
    kind, layer = match.group(1), int(match.group(2))
    if not 1 <= layer <= net.depth or (kind == "b" and not net.has_bias):
        raise SpecError(f"{text!r} does not exist in the network {net.spec.describe()}")
    return ArrayTarget(kind, layer)


def _diag(net: MLP, layer: int) -> tuple[str, str]:
    name = net.activation(layer).name
    if name == "identity":
        return "", ""
    plain, latex = PRIME_NAMES[name]
    letter, letter_latex = plain[:-1], latex[:-1]
    return f"Diag({letter}^{layer}')", rf"\Diag\left({letter_latex}^{{{layer}\prime}}\right)"


def array_model_answer(net: MLP, target: ArrayTarget) -> tuple[str, str]:
    """The model answer in the lecture's matrix notation (L10–L12, L22): plain text the checker reads, and LaTeX."""
    layer = target.layer
    diag, diag_latex = _diag(net, layer)
    if target.kind in "bz":
        return (f"{diag} δ^{layer}".strip(), rf"{diag_latex}\,\delta^{{{layer}}}".lstrip("\\,"))
    if target.kind == "W":
        previous = f"(a^{layer - 1})^T"
        return (f"{diag} δ^{layer} {previous}".strip(), rf"{diag_latex}\,\delta^{{{layer}}}\,\left(a^{{{layer - 1}}}\right)^{{\top}}".lstrip("\\,"))
    if layer == net.depth:
        if net.softmax:
            return "q - y", "q - y"
        return f"2 (a^{layer} - y)", rf"2\left(a^{{{layer}}} - y\right)"
    above = layer + 1
    diag, diag_latex = _diag(net, above)
    return (f"(W^{above})^T {diag} δ^{above}".replace("  ", " "),
            rf"\left(W^{{{above}}}\right)^{{\top}} {diag_latex}\,\delta^{{{above}}}")


@dataclass(frozen=True)
class ArrayVerdict:
    """Entry-wise verdicts of a vector/matrix answer; ``fraction`` is the share of entries proved right."""

    target: ArrayTarget
    shape: tuple[int, int]
    given_shape: tuple[int, int]
    entries: tuple[QuantityVerdict, ...]
    mistake: str = ""  # a code, when every entry is wrong by the same proved mistake (or 'transpose')
    summary: str = ""
    seconds: float = 0.0

    @property
    def fraction(self) -> float:
        return sum(entry.correct for entry in self.entries) / len(self.entries) if self.entries else 0.0

    @property
    def status(self) -> AnswerStatus:
        if self.entries and all(entry.correct for entry in self.entries):
            return CORRECT
        if any(entry.status in (UNDECIDED, AnswerStatus.TIMEOUT) for entry in self.entries):
            return UNDECIDED
        return WRONG


def check_array(
    net: MLP, target: ArrayTarget, answer: sp.MatrixBase, *, conventions: tuple[str, ...] = (), time_limit: float = 10.0
) -> ArrayVerdict:
    """Check every entry of ``answer`` against the target; a transposed answer is recognised, exactly."""
    started = time.perf_counter()
    shape = target.shape(net)
    given = tuple(answer.shape)
    if given != shape and shape[1] == 1 and 1 in given and len(answer) == shape[0]:
        answer = sp.ImmutableMatrix(list(answer))  # a vector written as a row
        given = shape
    per_entry = time_limit / max(1, shape[0] * shape[1])
    if given != shape:
        if given == (shape[1], shape[0]):
            transposed = _entries(net, target, answer.T, conventions, per_entry)
            if all(entry.correct for entry in transposed):
                return ArrayVerdict(target, shape, given, tuple(_as_wrong(entry) for entry in transposed), "transpose",
                                    f"your answer is the transpose of {target.title()} (every entry proved): it is {given[0]}×{given[1]}, "
                                    f"{target.title()} is {shape[0]}×{shape[1]}", time.perf_counter() - started)
        raise AnswerSyntaxError(f"{target.title()} is {shape[0]}×{shape[1]}, and this answer is {given[0]}×{given[1]}")
    entries = _entries(net, target, answer, conventions, per_entry)
    mistake, summary = _common_mistake(entries)
    return ArrayVerdict(target, shape, given, entries, mistake, summary, time.perf_counter() - started)


def _entries(net: MLP, target: ArrayTarget, answer: sp.MatrixBase, conventions: tuple[str, ...], limit: float) -> tuple[QuantityVerdict, ...]:
    rows, columns = answer.shape
    return tuple(
        check_quantity(net, target.entry(r, c), answer[r, c], conventions=conventions, time_limit=limit)
        for r in range(rows)
        for c in range(columns)
    )


def _as_wrong(entry: QuantityVerdict) -> QuantityVerdict:
    return QuantityVerdict(entry.quantity, WRONG, "in the transposed position", entry.reading, seconds=entry.seconds)


def _common_mistake(entries: tuple[QuantityVerdict, ...]) -> tuple[str, str]:
    """A mistake or convention shared by every wrong entry (each proved), when all entries are wrong."""
    if not entries or any(entry.status != WRONG for entry in entries):
        return "", ""
    mismatches = {entry.convention_mismatch for entry in entries}
    if len(mismatches) == 1 and "" not in mismatches:
        reading = mismatches.pop()
        return f"convention:{reading}", f"every entry is right under the convention {reading} (proved), not under the one it was read with"
    codes = {entry.mistake.code if entry.mistake else "" for entry in entries}
    if len(codes) == 1 and "" not in codes:
        code = codes.pop()
        return code, f"every entry shows the same mistake: {entries[0].mistake.label}"  # type: ignore[union-attr]
    return "", ""

