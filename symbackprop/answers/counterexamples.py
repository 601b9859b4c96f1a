"""Yes/no answers with a counterexample the checker verifies: does KL obey the triangle inequality (L20)?

An answer reads ``no; p = (1/10, 9/10), q = (3/5, 2/5), r = (9/10, 1/10)`` (LaTeX fractions, decimals,
``\\left(…\\right)`` and ``$…$`` are fine).  Each entry is read by the safe grammar; the distributions are
checked exactly (non-negative, summing to 1 in rational arithmetic, KL finite), and the inequality
KL(p‖r) > KL(p‖q) + KL(q‖r) is decided exactly by :func:`symbackprop.emit.multiclass.log_sign`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

from ..emit.multiclass import kl, log_sign
from ..errors import AnswerSyntaxError
from ..parse import lecture_vocabulary, parse_expression
from ..statuses import AnswerStatus
from .matrix_notation import strip_wrappers

__all__ = ["YesNo", "TriangleVerdict", "parse_yes_no", "check_triangle", "triangle_gap", "MAX_CLASSES"]

CORRECT, WRONG = AnswerStatus.CORRECT, AnswerStatus.WRONG
MAX_CLASSES = 10
_ANSWER = re.compile(r"^\s*(?:\\text\s*\{\s*)?(?P<word>yes|no|true|false)\b\s*\}?\s*[.,;:!]?\s*(?P<rest>.*)$", re.I | re.S)
_ASSIGNMENT = re.compile(r"(?P<name>[pqr])\s*=\s*", re.I)


@dataclass(frozen=True)
class YesNo:
    """A parsed yes/no answer and the distributions given with it (exact rationals)."""

    yes: bool
    distributions: dict[str, tuple[sp.Rational, ...]]


def parse_yes_no(text: str) -> YesNo:
    """``yes``/``no``, then optional ``p = (…), q = (…), r = (…)``."""
    body, _ = strip_wrappers(text if isinstance(text, str) else "")
    body = re.sub(r"\$|\\[()]", " ", body)  # math delimiters around parts of the answer
    if len(body) > 2000:
        raise AnswerSyntaxError("the answer is longer than 2000 characters")
    match = _ANSWER.match(body)
    if match is None:
        raise AnswerSyntaxError("start the answer with yes or no (then give p, q, r if you answer no)", text=text, position=0)
    word = match.group("word").lower()
    rest = match.group("rest")
    found: dict[str, tuple[sp.Rational, ...]] = {}
    positions = list(_ASSIGNMENT.finditer(rest))
    if rest.strip() and not positions:
        raise AnswerSyntaxError("after yes/no, write the distributions as p = (…), q = (…), r = (…)", text=text, position=len(body) - len(rest))
    for index, assignment in enumerate(positions):
        end = positions[index + 1].start() if index + 1 < len(positions) else len(rest)
        name = assignment.group("name").lower()
        if name in found:
            raise AnswerSyntaxError(f"{name} is given twice", text=text, position=assignment.start())
        found[name] = _vector(rest[assignment.end():end], text)
    return YesNo(word in ("yes", "true"), found)


def _vector(text: str, whole: str) -> tuple[sp.Rational, ...]:
    body = re.sub(r"^[\s,;]+|[\s,;.]+$", "", text)
    body = re.sub(r"^\\left\s*", "", body)
    inner = re.fullmatch(r"[(\[](.*?)(?:\\right\s*)?[)\]]", body, re.S)
    if inner is None:
        raise AnswerSyntaxError(f"a distribution is written in parentheses, e.g. (1/4, 3/4); got {body[:40]!r}", text=whole)
    cells = _split_top(inner.group(1))
    if not 2 <= len(cells) <= MAX_CLASSES:
        raise AnswerSyntaxError(f"a distribution has 2 to {MAX_CLASSES} entries; got {len(cells)}", text=whole)
    values = []
    for cell in cells:
        value = parse_expression(cell, vocabulary=lecture_vocabulary())
        if not value.is_Rational:
            raise AnswerSyntaxError(f"each probability is a number such as 1/4 or 0.25; got {cell.strip()!r}", text=whole)
        values.append(value)
    return tuple(values)


def _split_top(text: str) -> list[str]:
    cells, depth, current = [], 0, []
    for char in text:
        depth += char in "([{"
        depth -= char in ")]}"
        if char == "," and depth == 0:
            cells.append("".join(current))
            current = []
        else:
            current.append(char)
    cells.append("".join(current))
    return cells


def triangle_gap(p: tuple, q: tuple, r: tuple) -> sp.Expr:
    """KL(p‖r) − KL(p‖q) − KL(q‖r), exact."""
    return sp.expand(sp.expand_log(kl(p, r) - kl(p, q) - kl(q, r), force=True))


@dataclass(frozen=True)
class TriangleVerdict:
    """``status``: correct (no, with a verified counterexample), wrong (yes), or partial (no, without one)."""

    status: str  # 'correct', 'partial', 'wrong'
    feedback: str
    gap: sp.Expr | None = None


def _problem(name: str, values: tuple, classes: int | None) -> str | None:
    if classes is not None and len(values) != classes:
        return f"{name} has {len(values)} entries; this part asks for {classes} classes"
    if any(value < 0 for value in values):
        return f"{name} has a negative entry"
    if sum(values) != 1:
        return f"the entries of {name} sum to {sum(values)}, not 1"
    return None


def check_triangle(answer: YesNo, *, classes: int | None = None, fixed_p: tuple | None = None, model: tuple | None = None) -> TriangleVerdict:
    """Verify a yes/no answer to "does KL(p‖r) ≤ KL(p‖q) + KL(q‖r) hold for all p, q, r?" exactly."""
    example = ""
    if model is not None:
        p, q, r = model
        example = f" For example p = {_show(p)}, q = {_show(q)}, r = {_show(r)} give KL(p‖r) − KL(p‖q) − KL(q‖r) = {sp.N(triangle_gap(p, q, r), 4)} > 0."
    if answer.yes:
        return TriangleVerdict("wrong", "No: KL is not a distance; the triangle inequality fails (L20)." + example)
    missing = [name for name in "pqr" if name not in answer.distributions]
    if missing:
        return TriangleVerdict("partial", f"Right that it fails, but the counterexample is missing {', '.join(missing)}." + example)
    p, q, r = (answer.distributions[name] for name in "pqr")
    if len({len(p), len(q), len(r)}) != 1:
        return TriangleVerdict("partial", "Right that it fails, but p, q, r must have the same number of entries." + example)
    for name, values in zip("pqr", (p, q, r)):
        problem = _problem(name, values, classes)
        if problem:
            return TriangleVerdict("partial", f"Right that it fails, but {problem}." + example)
    if fixed_p is not None and tuple(p) != tuple(fixed_p):
        return TriangleVerdict("partial", f"Right that it fails, but this part fixes p = {_show(fixed_p)}." + example)
    for first, second, names in ((p, r, "p‖r"), (p, q, "p‖q"), (q, r, "q‖r")):
        if any(a > 0 and b == 0 for a, b in zip(first, second)):
            return TriangleVerdict("partial", f"Right that it fails, but KL({names}) is infinite for your distributions." + example)
    gap = triangle_gap(p, q, r)
    sign = 0 if gap == 0 else log_sign(gap)[0]
    if sign > 0:
        return TriangleVerdict("correct", f"Correct: KL(p‖r) − KL(p‖q) − KL(q‖r) = {gap} ≈ {sp.N(gap, 4)} > 0, decided exactly.", gap)
    return TriangleVerdict(
        "partial",
        f"Right that it fails, but your p, q, r satisfy the inequality: KL(p‖r) − KL(p‖q) − KL(q‖r) = {gap} ≈ {sp.N(gap, 4)} ≤ 0 (exact)." + example,
        gap,
    )


def _show(values: tuple) -> str:
    return "(" + ", ".join(str(value) for value in values) + ")"
