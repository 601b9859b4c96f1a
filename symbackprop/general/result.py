"""What the general proof returns: steps with their statement, method and verdict, and the report."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

import sympy as sp
from sympy.printing.str import StrPrinter

from ..activations import phi, phi_prime

__all__ = ["Method", "Evidence", "StepInstance", "Step", "GeneralProof", "plain"]


class Method(str, enum.Enum):
    """How a statement was settled.  Only the first three settle a step; the others are named inside one."""

    SYMBOLIC_DIFFERENTIATION = "symbolic differentiation"
    EXACT_IDENTITY = "exact identity"
    AXIOM = "axiom"
    LEMMA = "elementary lemma (taken as given)"
    INDUCTION = "induction (logic)"
    EXACT_COUNT = "exact count"

    @property
    def explanation(self) -> str:
        return _EXPLANATIONS[self]


_EXPLANATIONS = {
    Method.SYMBOLIC_DIFFERENTIATION: "SymPy's diff of the definitions with symbolic widths and indices "
    "(Sum, KroneckerDelta, Piecewise as SymPy produces them), compared exactly with the stated formula",
    Method.EXACT_IDENTITY: "lhs − rhs brought to 0 by exact rewriting (Kronecker sums, index ranges, linearity "
    "of finite sums, expand; cancel / simplify for closed forms without sums); no number is substituted",
    Method.AXIOM: "taken as given, not computed",
    Method.LEMMA: "a standard fact of elementary analysis or linear algebra, named and taken as given",
    Method.INDUCTION: "earlier steps chained: the induction over ℓ = L, L−1, …, 1 and the use of its result "
    "(a logical step, nothing computed)",
    Method.EXACT_COUNT: "operations counted exactly from the entry formulas of the recursion",
}


@dataclass(frozen=True)
class Evidence:
    """One statement inside a step, how it was settled, and what SymPy computed for it."""

    statement: str
    latex: str
    method: Method
    holds: bool
    detail: str = ""


@dataclass(frozen=True)
class StepInstance:
    """Concrete widths, indices and exact values at which a step's identity is false (a counterexample)."""

    identity: str
    widths: dict[str, int]
    indices: dict[str, int]
    values: dict[str, sp.Expr]
    lhs: sp.Expr
    rhs: sp.Expr

    def describe(self, *, max_values: int = 6) -> str:
        sizes = ", ".join(f"{name} = {value}" for name, value in {**self.widths, **self.indices}.items())
        shown = list(self.values.items())[:max_values]
        values = ", ".join(f"{name} = {value}" for name, value in shown)
        more = f", … ({len(self.values)} values)" if len(self.values) > max_values else ""
        return (
            f"{self.identity} is false at {sizes}; {values}{more}: "
            f"lhs = {plain(self.lhs)}, rhs = {plain(self.rhs)}"
        )


@dataclass(frozen=True)
class Step:
    """One step of the general proof; it holds when every piece of its evidence holds."""

    id: str
    title: str
    statement: str
    latex: str
    method: Method
    evidence: tuple[Evidence, ...]
    counterexample: StepInstance | None = None

    @property
    def holds(self) -> bool:
        return all(piece.holds for piece in self.evidence)

    @property
    def methods(self) -> tuple[Method, ...]:
        """Every method used inside the step, in order of first use."""
        return tuple(dict.fromkeys(piece.method for piece in self.evidence))

    @property
    def failures(self) -> tuple[Evidence, ...]:
        return tuple(piece for piece in self.evidence if not piece.holds)


@dataclass(frozen=True)
class GeneralProof:
    """Result of :func:`~symbackprop.general.prove_general`: the assembled statement and its steps."""

    recursion: str
    statement: str
    latex: str
    steps: tuple[Step, ...]
    theorem_steps: tuple[str, ...]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def holds(self) -> bool:
        """True only when every step holds (the recursion theorem, multi-class, L14 and L4)."""
        return all(step.holds for step in self.steps)

    @property
    def theorem_holds(self) -> bool:
        """True when the steps the assembled statement rests on all hold."""
        return all(self.step(name).holds for name in self.theorem_steps)

    @property
    def failing_steps(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if not step.holds)

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"no step {step_id!r}; steps are {', '.join(s.id for s in self.steps)}")

    def methods(self) -> dict[Method, tuple[str, ...]]:
        """Which steps use which method (a step may use several)."""
        used: dict[Method, list[str]] = {method: [] for method in Method}
        for step in self.steps:
            for method in step.methods:
                used[method].append(step.id)
        return {method: tuple(ids) for method, ids in used.items() if ids}

    def report(self, *, details: bool = True) -> str:
        verdict = "PROVED" if self.holds else "NOT PROVED"
        lines = [
            f"General proof (symbolic widths, every depth) of the recursion '{self.recursion}': {verdict}",
            f"Statement  {self.statement}",
            f"           {'holds' if self.theorem_holds else 'FAILS'} (steps: {', '.join(self.theorem_steps)})",
            "Steps",
        ]
        width = max(len(step.id) for step in self.steps)
        for step in self.steps:
            mark = "holds" if step.holds else "FAILS"
            lines.append(f"  [{step.id:<{width}}] {mark:5}  {step.method.value:24}  {step.statement}")
            shown = step.evidence if details else step.failures
            for piece in shown:
                flag = "" if piece.holds else "  ← FAILS"
                lines.append(f"  {'':<{width + 2}}   · {piece.method.value}: {piece.statement}{flag}")
                if piece.detail and (details or not piece.holds):
                    lines.append(f"  {'':<{width + 2}}       {piece.detail}")
            if step.counterexample is not None:
                lines.append(f"  {'':<{width + 2}}   counterexample: {step.counterexample.describe()}")
        lines.append("Methods")
        for method, ids in self.methods().items():
            lines.append(f"  {method.value}: {', '.join(ids)} — {method.explanation}")
        lines.append("Nothing above is a numeric check: every 'holds' is an exact computation, an axiom or a named lemma.")
        if self.timings:
            lines.append("Time       " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in self.timings.items()))
        return "\n".join(lines)

    def latex_steps(self) -> str:
        """The statement and each step as a display (lecture notation), for a LaTeX document body (ASCII)."""
        parts = [r"\paragraph{Theorem.} " + self.latex, r"\begin{description}"]
        for step in self.steps:
            verdict = "holds" if step.holds else r"\textbf{fails}"
            methods = ", ".join(method.value for method in step.methods)
            parts.append(rf"\item[\texttt{{{step.id}}}] ({verdict}; {methods})" + "\n" + rf"\[ {step.latex} \]")
        parts.append(r"\end{description}")
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.report()


class _PlainPrinter(StrPrinter):
    """Lecture-like plain text: w^ℓ_ik, Σ_{k=1}^{n} (…), δ_ir for Kronecker deltas, φ'(z^ℓ_i)."""

    def _print(self, expr, **kwargs) -> str:  # noqa: ANN001 - Indexed prints itself unless intercepted
        if isinstance(expr, sp.Indexed):
            return self._print_Indexed(expr)
        if isinstance(expr, (phi, phi_prime)):
            name = "φ" if isinstance(expr, phi) else "φ'"
            return f"{name}({self._print(expr.args[0])})"
        return super()._print(expr, **kwargs)

    def _print_Indexed(self, expr: sp.Indexed) -> str:
        label = _plain_label(str(expr.base.label))
        indices = [self._print(index) for index in expr.indices]
        joined = "".join(indices) if all(len(index) == 1 for index in indices) else ",".join(indices)
        return f"{label}_{joined}" if all(len(index) == 1 for index in indices) else f"{label}_({joined})"

    def _print_Sum(self, expr: sp.Sum) -> str:
        body = self._print(expr.function)
        for index, low, high in expr.limits:
            body = f"Σ_{{{self._print(index)}={self._print(low)}}}^{{{self._print(high)}}} ({body})"
        return body

    def _print_KroneckerDelta(self, expr: sp.KroneckerDelta) -> str:
        return f"δ_({self._print(expr.args[0])},{self._print(expr.args[1])})"

    def _print_DiagMatrix(self, expr) -> str:  # noqa: ANN001
        return f"Diag({self._print(expr.args[0])})"

    def _print_MatrixSymbol(self, expr: sp.MatrixSymbol) -> str:
        return _plain_label(expr.name)

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return _plain_label(expr.name)

    def _print_Dummy(self, expr: sp.Dummy) -> str:
        return _plain_label(expr.name)


def _plain_label(name: str) -> str:
    fraction = re.fullmatch(r"\\tfrac\{\\partial e\}\{\\partial (.*)\}", name)
    if fraction:
        return "∂e/∂" + _plain_label(fraction.group(1))
    for latex, text in (
        (r"\prime", "'"), (r"\ell", "ℓ"), (r"\delta", "δ"), (r"\varphi", "φ"), (r"\sigma", "σ"), (r"\beta", "β"), (r"\partial ", "∂"), (r"\partial", "∂"),
    ):
        name = name.replace(latex, text)
    if "^{" in name:
        head, _, rest = name.partition("^{")
        sup, _, tail = rest.partition("}")
        name = f"{head}^{sup}{tail}" if len(sup) <= 1 else f"{head}^({sup}){tail}"
    return name.replace("{", "").replace("}", "")


def plain(expression: sp.Basic) -> str:
    """Plain-text form of a SymPy expression in the lecture's notation."""
    return _PlainPrinter().doprint(expression)
