"""``variants.json`` read strictly: the one reader that ``symbackprop grade`` and ``symbackprop serve`` share.

The file is what :func:`~.variants.make_variants` writes::

    {"generator": "symbackprop <version>", "seed": N, "title": …, "spec": {…},
     "students": {"<id>": {"name": …, "variant": "<hash>", "parts": [
         {"part": "1a", "kind": "gradient", "points": 2.0, "conventions": ["lecture", …],
          "network": {"sizes": [2, 3, 1], "activation": "tanh", "output": null, "bias": true, "loss": "squared"},
          "wrt": "b^1_3", "prompt": …, "prompt_latex": …, "answer": …, "answer_latex": …,
          "chain": null | "2", "step": 1, "credit": {"convention": 0.5, …},
          "value": "0.31…", "tolerance": 0.0005, "data": {…}}, …]}}}

Everything is checked before any answer is: the keys (an unknown key is refused, so a typo in a hand-edited
file does not pass unnoticed), their types, each part's kind and what it asks for (``wrt`` must be a
parameter, quantity, vector or matrix of the part's network, which must be homework-sized), the numbers of
value and yes/no parts (exact fractions, distributions that sum to 1), and the chains.  The first problem is
raised as one :class:`~symbackprop.errors.DataError` naming its place, e.g.
``variants.json: students['ada'].parts[3].wrt: …``.
"""

from __future__ import annotations

import math
import os
import re
from fractions import Fraction
from typing import Any, Mapping

from ..answers.arrays import array_target
from ..answers.conventions import CONVENTIONS, LECTURE
from ..answers.general_index import general_target
from ..answers.quantities import quantity
from ..errors import DataError, SymbackpropError
from ..strict_json import read_json_file
from .parts import KINDS
from .variants import network_of

__all__ = ["read_variants", "check_variants", "NETWORK_KINDS", "MAX_NETWORK", "MAX_VARIANTS_BYTES"]

NETWORK_KINDS = ("gradient", "delta", "dz", "vector", "matrix", "general")
MAX_VARIANTS_BYTES = 64 * 1024 * 1024
MAX_NETWORK = {"widths": 5, "width": 6, "parameters": 120}  # homework-sized: what a grader or a server derives
_MAX_ID = 64
_MAX_TEXT = 20_000
_TOP = {"generator", "seed", "title", "spec", "students"}
_STUDENT = {"name", "variant", "parts"}
_PART_REQUIRED = {"part", "kind", "points", "conventions", "wrt", "prompt", "prompt_latex", "answer", "answer_latex"}
_PART_OPTIONAL = {"network", "chain", "step", "credit", "value", "tolerance", "data"}
_NETWORK = {"sizes", "activation", "output", "bias", "loss"}
_CREDIT = ("convention", "follow_through", "counterexample_missing")
_QUANTITY_KIND = {"gradient": ("w", "b"), "delta": ("a",), "dz": ("z",)}
_FRACTION = re.compile(r"[0-9]{1,6}(?:/[0-9]{1,6})?")


def read_variants(path: str | os.PathLike) -> dict[str, Any]:
    """Read and check a ``variants.json`` written by ``symbackprop homework``; the document as written."""
    where = os.fspath(path)
    document = read_json_file(where, max_bytes=MAX_VARIANTS_BYTES)
    try:
        return check_variants(document)
    except DataError as error:
        raise DataError(f"{where}: {error}") from None


def check_variants(document: object) -> dict[str, Any]:
    """Check a variants document (see the module docstring); returns it unchanged, or raises DataError."""
    if not isinstance(document, dict):
        raise DataError("the top level must be an object with 'generator', 'seed' and 'students' (a variants.json of symbackprop homework)")
    _keys(document, _TOP, {"generator", "seed", "students"}, "the top level")
    generator = document["generator"]
    if not isinstance(generator, str) or not generator.startswith("symbackprop"):
        raise DataError("'generator' must name symbackprop: this is not a variants.json written by symbackprop homework")
    if not isinstance(document["seed"], int) or isinstance(document["seed"], bool):
        raise DataError("'seed' must be a whole number")
    if "title" in document and not isinstance(document["title"], str):
        raise DataError("'title' must be a string")
    if "spec" in document and not isinstance(document["spec"], dict):
        raise DataError("'spec' must be an object")
    students = document["students"]
    if not isinstance(students, dict) or not students:
        raise DataError("'students' must be a non-empty object: student id → variant")
    for student, entry in students.items():
        _student(student, entry, f"students[{student[:_MAX_ID]!r}]")
    return document


def _keys(item: Mapping[str, Any], allowed: set[str], required: set[str], place: str) -> None:
    unknown = sorted(str(key)[:40] for key in item if key not in allowed)
    if unknown:
        raise DataError(f"{place} has the unknown key(s) {', '.join(map(repr, unknown))}; its keys are {', '.join(sorted(allowed))}")
    missing = sorted(required - set(item))
    if missing:
        raise DataError(f"{place} lacks {', '.join(map(repr, missing))}")


def _name(value: object, place: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_ID or value != value.strip():
        raise DataError(f"{place}: {what} must be 1 to {_MAX_ID} characters without surrounding spaces")
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise DataError(f"{place}: {what} contains control characters")
    return value


def _text(item: Mapping[str, Any], key: str, place: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or len(value) > _MAX_TEXT:
        raise DataError(f"{place}.{key} must be a string of at most {_MAX_TEXT} characters")
    return value


def _student(student: str, entry: object, place: str) -> None:
    _name(student, place, "a student id")
    if not isinstance(entry, dict):
        raise DataError(f"{place} must be an object with 'name', 'variant' and 'parts'")
    _keys(entry, _STUDENT, {"parts"}, place)
    for key in ("name", "variant"):
        if key in entry and not isinstance(entry[key], str):
            raise DataError(f"{place}.{key} must be a string")
    parts = entry["parts"]
    if not isinstance(parts, list) or not parts:
        raise DataError(f"{place}.parts must be a non-empty list")
    labels: set[str] = set()
    steps: dict[str, set[int]] = {}
    for index, part in enumerate(parts):
        where = f"{place}.parts[{index}]"
        _part(part, where)
        if part["part"] in labels:
            raise DataError(f"{where}: part {part['part']!r} appears more than once")
        labels.add(part["part"])
        if part.get("chain") is not None:
            chain_steps = steps.setdefault(part["chain"], set())
            if part["step"] in chain_steps:
                raise DataError(f"{where}: chain {part['chain']!r} has step {part['step']} twice")
            chain_steps.add(part["step"])


def _part(part: object, place: str) -> None:
    if not isinstance(part, dict):
        raise DataError(f"{place} must be an object")
    _keys(part, _PART_REQUIRED | _PART_OPTIONAL, _PART_REQUIRED, place)
    _name(part["part"], place, "'part' (e.g. '1a')")
    kind = part["kind"]
    if kind not in KINDS:
        raise DataError(f"{place}.kind must be one of {', '.join(KINDS)}, got {str(kind)[:40]!r}")
    points = part["points"]
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not math.isfinite(points) or not 0 <= points <= 1000:
        raise DataError(f"{place}.points must be a number from 0 to 1000")
    for key in ("prompt", "prompt_latex", "answer", "answer_latex"):
        _text(part, key, place)
    if not part["prompt"].strip() and not part["prompt_latex"].strip():
        raise DataError(f"{place} needs a 'prompt' or a 'prompt_latex'")
    conventions = part["conventions"]
    if not isinstance(conventions, list) or not conventions or not all(isinstance(name, str) and name in CONVENTIONS for name in conventions):
        raise DataError(f"{place}.conventions must be a non-empty list of {', '.join(CONVENTIONS)}")
    if LECTURE not in conventions:
        raise DataError(f"{place}.conventions must include 'lecture' (the answers are read with it unless a student declares another)")
    wrt = part["wrt"]
    if not isinstance(wrt, str) or not wrt.strip() or len(wrt) > _MAX_ID:
        raise DataError(f"{place}.wrt must say in a few characters what is asked, e.g. b^2_1, W^1 or KL(p‖q)")
    _credit(part.get("credit"), place)
    _chain(part, place)
    if kind in NETWORK_KINDS:
        _asks(part, kind, place)
    elif "network" in part:
        raise DataError(f"{place}: a {kind} part has no network")
    if kind == "value":
        _value(part, place)
    elif kind == "yesno":
        _yes_no(part, place)
    elif "data" in part or "tolerance" in part or "value" in part:
        raise DataError(f"{place}: only value and yes/no parts have 'data', 'tolerance' or 'value'")


def _credit(credit: object, place: str) -> None:
    if credit is None:
        return
    if not isinstance(credit, dict):
        raise DataError(f"{place}.credit must be an object")
    for key, value in credit.items():
        if key not in _CREDIT or isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise DataError(f"{place}.credit: the shares are {', '.join(_CREDIT)}, each a number in [0, 1]; got {str(key)[:40]!r}")


def _chain(part: Mapping[str, Any], place: str) -> None:
    chain, step = part.get("chain"), part.get("step")
    if chain is None:
        if step is not None:
            raise DataError(f"{place}.step needs a 'chain'")
        return
    if not isinstance(chain, str) or not chain.strip() or len(chain) > _MAX_ID:
        raise DataError(f"{place}.chain must be a short name (or null)")
    if isinstance(step, bool) or not isinstance(step, int) or not 1 <= step <= 100:
        raise DataError(f"{place}.step must be a whole number from 1 to 100 (the part's place in its chain)")


def _network(value: object, place: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise DataError(f"{place}.network must be an object with {', '.join(sorted(_NETWORK))}")
    _keys(value, _NETWORK, {"sizes", "activation"}, f"{place}.network")
    sizes = value["sizes"]
    bound = MAX_NETWORK
    if (not isinstance(sizes, list) or not 2 <= len(sizes) <= bound["widths"]
            or not all(isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= bound["width"] for n in sizes)):
        raise DataError(f"{place}.network.sizes must list 2 to {bound['widths']} widths from 1 to {bound['width']} (homework-sized)")
    bias = value.get("bias", False)
    if not isinstance(bias, bool):
        raise DataError(f"{place}.network.bias must be true or false")
    parameters = sum(sizes[k] * sizes[k - 1] + (sizes[k] if bias else 0) for k in range(1, len(sizes)))
    if parameters > bound["parameters"]:
        raise DataError(f"{place}.network has {parameters} parameters; a homework network has at most {bound['parameters']}")
    for key in ("activation", "loss"):
        if key in value and not isinstance(value[key], str):
            raise DataError(f"{place}.network.{key} must be a name")
    if value.get("output") is not None and not isinstance(value["output"], str):
        raise DataError(f"{place}.network.output must be a name or null")
    return value


def _asks(part: Mapping[str, Any], kind: str, place: str) -> None:
    """The part's network builds, and ``wrt`` is something of that network the kind can ask for."""
    if "network" not in part:
        raise DataError(f"{place}: a {kind} part needs 'network'")
    description = _network(part["network"], place)
    wrt = part["wrt"]
    try:
        net = network_of(dict(description))
    except SymbackpropError as error:
        raise DataError(f"{place}.network: {str(error).splitlines()[0]}") from None
    try:
        if kind in _QUANTITY_KIND:
            asked = quantity(net, wrt)
            if asked.kind not in _QUANTITY_KIND[kind]:
                raise DataError(f"{place}.wrt: a {kind} part asks for {' or '.join(k + '^ℓ_i' for k in _QUANTITY_KIND[kind])}, not {wrt!r}")
        elif kind in ("vector", "matrix"):
            rows, columns = array_target(net, wrt).shape(net)
            if (kind == "vector") != (columns == 1):
                raise DataError(f"{place}.wrt: {wrt!r} is {rows}×{columns}, not a {kind}")
        else:
            general_target(wrt)
    except DataError:
        raise
    except SymbackpropError as error:
        raise DataError(f"{place}.wrt: {str(error).splitlines()[0]}") from None


def _fractions(value: object, place: str, *, length: int | None = None) -> list[Fraction]:
    """A distribution written as exact fractions ("1/4"), non-negative, summing to 1."""
    if not isinstance(value, list) or not 2 <= len(value) <= 10 or not all(isinstance(v, str) and _FRACTION.fullmatch(v) for v in value):
        raise DataError(f"{place} must list 2 to 10 fractions written as text, e.g. [\"1/4\", \"3/4\"]")
    numbers = []
    for text in value:
        numerator, _, denominator = text.partition("/")
        if denominator and int(denominator) == 0:
            raise DataError(f"{place}: {text!r} divides by zero")
        numbers.append(Fraction(int(numerator), int(denominator or 1)))
    if sum(numbers) != 1:
        raise DataError(f"{place}: the entries sum to {sum(numbers)}, not 1")
    if length is not None and len(numbers) != length:
        raise DataError(f"{place} has {len(numbers)} entries, not {length}")
    return numbers


def _value(part: Mapping[str, Any], place: str) -> None:
    data = part.get("data")
    if not isinstance(data, dict):
        raise DataError(f"{place}.data must be an object with p, q and order")
    _keys(data, {"p", "q", "order"}, {"p", "q", "order"}, f"{place}.data")
    p = _fractions(data["p"], f"{place}.data.p")
    q = _fractions(data["q"], f"{place}.data.q", length=len(p))
    if data["order"] not in ("pq", "qp"):
        raise DataError(f"{place}.data.order must be 'pq' (KL(p‖q)) or 'qp' (KL(q‖p))")
    first, second = (p, q) if data["order"] == "pq" else (q, p)
    if any(a > 0 and b == 0 for a, b in zip(first, second)):
        raise DataError(f"{place}.data: the divergence asked is infinite (a zero where the other distribution is positive)")
    tolerance = part.get("tolerance")
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not 0 < tolerance < 1:
        raise DataError(f"{place}.tolerance must be a number between 0 and 1")
    if "value" in part and not isinstance(part["value"], str):
        raise DataError(f"{place}.value must be a string")


def _yes_no(part: Mapping[str, Any], place: str) -> None:
    data = part.get("data")
    if not isinstance(data, dict):
        raise DataError(f"{place}.data must be an object with classes, p, q and r")
    _keys(data, {"classes", "p", "q", "r"}, {"classes", "p"}, f"{place}.data")
    classes = data["classes"]
    if isinstance(classes, bool) or not isinstance(classes, int) or not 2 <= classes <= 10:
        raise DataError(f"{place}.data.classes must be a whole number from 2 to 10")
    for name in ("p", "q", "r"):
        if name in data:
            _fractions(data[name], f"{place}.data.{name}", length=classes)
    if ("q" in data) != ("r" in data):
        raise DataError(f"{place}.data gives q and r together (the model counterexample) or neither")
    if "tolerance" in part or "value" in part:
        raise DataError(f"{place}: a yes/no part has no 'tolerance' or 'value'")
