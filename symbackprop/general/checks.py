"""One identity of a step: checked exactly for symbolic sizes, and — when it fails — refuted on an instance."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import sympy as sp
from sympy.matrices.exceptions import ShapeError
from sympy.matrices.expressions.matexpr import MatrixElement

from ..activations import phi_prime
from .result import Evidence, Method, Step, StepInstance, plain
from .sums import Ranges, difference_normal_form, evaluate_sums, settle

__all__ = ["Identity", "check", "shape_problem", "find_instance", "assemble_step"]

Sampler = Callable[[random.Random], dict[sp.Basic, sp.Expr]]


@dataclass(frozen=True)
class Identity:
    """lhs = rhs for every index in ``ranges`` (and every value of the other symbols, under ``hypotheses``).

    ``lhs`` is what is claimed (the lecture's formula, or a candidate recursion's entry), ``rhs`` what SymPy
    derived.  ``elementary`` identities (no sums) may also be closed by SymPy's exact ``cancel`` / ``simplify``.
    ``sample`` fixes the symbols a domain constrains (one-hot y, y = ±1, 0 < a < 1) when an instance is
    searched for; every other symbol gets a random non-zero rational.
    """

    label: str
    statement: str
    latex: str
    method: Method
    lhs: sp.Expr
    rhs: sp.Expr
    ranges: Ranges
    hypotheses: Mapping[sp.Expr, sp.Expr] = field(default_factory=dict)
    shape: str | None = None
    elementary: bool = False
    sample: Sampler | None = None


def check(identity: Identity) -> Evidence:
    """Decide the identity exactly: normal form of lhs − rhs is 0 (and the candidate's shape is right)."""
    residual = difference_normal_form(identity.lhs, identity.rhs, identity.ranges, hypotheses=identity.hypotheses)
    if identity.elementary and residual != 0:
        residual = sp.cancel(sp.together(residual))
        if residual != 0:
            residual = sp.simplify(residual)
    holds = residual == 0 and identity.shape is None
    lhs = plain(settle(sp.sympify(identity.lhs), identity.ranges))
    rhs = plain(settle(sp.sympify(identity.rhs), identity.ranges))
    detail = f"lhs = {lhs};  rhs = {rhs}"
    if identity.shape is not None:
        detail = f"shape: {identity.shape}; " + detail
    if residual != 0:
        detail += f"; lhs − rhs = {plain(residual)} is not 0"
    return Evidence(identity.statement, identity.latex, identity.method, holds, detail)


def shape_problem(matrix: sp.MatrixExpr, expected: tuple[sp.Expr, sp.Expr], name: str) -> str | None:
    """Why a candidate matrix expression is not an expected-shape product of compatible factors, or None."""
    for node in sp.preorder_traversal(matrix):
        if isinstance(node, sp.MatMul):
            factors = [factor for factor in node.args if getattr(factor, "is_Matrix", False)]
            for left, right in zip(factors, factors[1:]):
                if sp.expand(left.shape[1] - right.shape[0]) != 0:
                    return (
                        f"in {name}, {plain(left)} has {plain(left.shape[1])} columns but {plain(right)} has "
                        f"{plain(right.shape[0])} rows: the product is defined only when they are equal"
                    )
    if any(sp.expand(got - want) != 0 for got, want in zip(matrix.shape, expected)):
        got = " × ".join(plain(s) for s in matrix.shape)
        want = " × ".join(plain(s) for s in expected)
        return f"{name} is {got}, but must be {want}"
    return None


def _value_atoms(expression: sp.Expr) -> set[sp.Basic]:
    """The symbols a value is chosen for: entries (Indexed, matrix elements), φ'(…) and plain symbols."""
    atoms: set[sp.Basic] = set(expression.atoms(phi_prime))
    hidden = expression.xreplace({atom: sp.Dummy() for atom in atoms})
    entries = set(hidden.atoms(sp.Indexed, MatrixElement))
    atoms |= entries
    hidden = hidden.xreplace({atom: sp.Dummy() for atom in entries})
    atoms |= {symbol for symbol in hidden.free_symbols if not isinstance(symbol, sp.Dummy)}
    return atoms


def find_instance(
    build: Callable[[object], Sequence[Identity]],
    label: str,
    configurations: Sequence[tuple[object, dict[str, int]]],
    *,
    seed: int = 0,
    tries: int = 4,
) -> StepInstance | None:
    """Concrete sizes, indices and exact values at which identity ``label`` of ``build(sizes)`` is false.

    ``configurations`` pairs each concrete size object for ``build`` with the widths to report.  A value of
    lhs − rhs that SymPy certifies non-zero refutes the identity for every size; None means none was found.
    """
    rng = random.Random(seed)
    for sizes, widths in configurations:
        try:
            identity = next((item for item in build(sizes) if item.label == label), None)
        except (ShapeError, ValueError, IndexError):
            continue  # the candidate is not defined at these widths; try the next ones
        if identity is None:
            return None
        names = sorted(identity.ranges, key=sp.default_sort_key)
        choices = [range(int(identity.ranges[name][0]), int(identity.ranges[name][1]) + 1) for name in names]
        for combination in itertools.product(*choices):
            chosen = dict(zip(names, map(sp.Integer, combination)))
            lhs = evaluate_sums(sp.sympify(identity.lhs).subs(chosen))
            rhs = evaluate_sums(sp.sympify(identity.rhs).subs(chosen))
            atoms = sorted(_value_atoms(lhs) | _value_atoms(rhs), key=sp.default_sort_key)
            for _ in range(tries):
                values = identity.sample(rng) if identity.sample else {}
                values = {atom: values.get(atom, _random_rational(rng)) for atom in atoms}
                left, right = sp.simplify(lhs.xreplace(values)), sp.simplify(rhs.xreplace(values))
                if (left - right).is_zero is False:
                    return StepInstance(
                        identity.statement,
                        widths,
                        {str(name): int(value) for name, value in chosen.items()},
                        {plain(atom): value for atom, value in values.items()},
                        left,
                        right,
                    )
    return None


def _random_rational(rng: random.Random) -> sp.Rational:
    return sp.Rational(rng.choice((-1, 1)) * rng.randint(1, 9), rng.randint(1, 4))


def assemble_step(
    step_id: str,
    title: str,
    statement: str,
    latex: str,
    method: Method,
    pieces: Sequence[Identity | Evidence],
    *,
    build: Callable[[object], Sequence[Identity]] | None = None,
    configurations: Sequence[tuple[object, dict[str, int]]] = (),
) -> Step:
    """Check every identity; for the first one that fails, look for an instance with ``build``."""
    evidence, failing = [], None
    for piece in pieces:
        if isinstance(piece, Identity):
            result = check(piece)
            if not result.holds and failing is None:
                failing = piece.label
            evidence.append(result)
        else:
            evidence.append(piece)
    counterexample = None
    if failing is not None and build is not None:
        counterexample = find_instance(build, failing, configurations)
    return Step(step_id, title, statement, latex, method, tuple(evidence), counterexample)
