"""The lecture's simple example (L1): one sigmoid neuron, two weights, four samples."""

from __future__ import annotations

import sympy as sp

from .. import algorithms
from ..data import lecture_example
from ..network import MLP
from ..printing import lecture_printer
from .document import Section, section
from .forms import NetworkDerivation
from .layout import Layout, align
from .network_doc import NetworkTex, proof

__all__ = ["EXAMPLE_INPUTS", "EXAMPLE_TARGETS", "EXAMPLE_STEP", "example_network", "example_section"]

# The transcript lost the lecture's four samples; the tool's own set (stated in the document) is the one the
# trainers use, read exactly from symbackprop.data.lecture_example().
_LECTURE_DATA = lecture_example()
EXAMPLE_INPUTS: tuple[tuple[sp.Rational, ...], ...] = tuple(tuple(sp.Rational(str(v)) for v in row) for row in _LECTURE_DATA.X.tolist())
EXAMPLE_TARGETS: tuple[sp.Rational, ...] = tuple(sp.Rational(str(row[0])) for row in _LECTURE_DATA.Y.tolist())
EXAMPLE_STEP = sp.Integer(1)  # α for the one gradient-descent step shown


def example_network() -> MLP:
    """L1: one sigmoid neuron with two weights and no bias, squared error."""
    return MLP([2, 1], activation="sigmoid")


def example_section() -> Section:
    def build() -> str:
        net = example_network()
        derivation = NetworkDerivation(net)
        nt = NetworkTex(derivation)
        printer = lecture_printer(derivation.names)
        tex = printer.doprint
        w = list(net.parameters)
        z, a = net.z(1)[0], net.a(1)[0]

        samples = len(EXAMPLE_INPUTS)
        E_symbolic = net.E(samples=samples)
        X = [list(row) for row in EXAMPLE_INPUTS]
        Y = [[target] for target in EXAMPLE_TARGETS]
        E_data = net.E(X, Y)

        layout = Layout(printer)
        forward = [f"{tex(z)} &= {tex(net.z_definition(1)[0])}", f"{tex(a)} &= {tex(net.definitions[a])}"]
        rows_E = layout.equation("E(w)", E_symbolic)
        rows_data = Layout(printer).equation("E(w)", E_data)
        gradient_rows = []
        for weight in w:
            gradient_rows += Layout(printer).equation(r"\frac{\partial E}{\partial %s}" % tex(weight), sp.diff(E_symbolic, weight))

        table = "\n".join(
            [r"\begin{center}", r"\begin{tabular}{c|" + "c" * samples + "}", "$i$ & " + " & ".join(str(i + 1) for i in range(samples)) + r" \\ \hline"]
            + [f"$x^{{i}}_{{{j + 1}}}$ & " + " & ".join(f"${sp.latex(row[j])}$" for row in EXAMPLE_INPUTS) + r" \\" for j in range(2)]
            + ["$y^{i}$ & " + " & ".join(f"${sp.latex(t)}$" for t in EXAMPLE_TARGETS), r"\end{tabular}", r"\end{center}"]
        )

        sample_rows = []
        steps = derivation.steps
        for weight in w:
            sample_rows += Layout(printer).equation(nt.partial(weight), derivation.backprop_form(weight))
        formula = net.activation(1).derivative(z, a)

        # E and ∇E at w = 0 with the data (exact: σ(0) = 1/2), and one step of gradient descent (L2)
        # taken with the library's own update rules.
        zero = {weight: 0 for weight in w}
        E0 = E_data.xreplace(zero)
        grad0 = sp.Matrix([sp.diff(E_data, weight).xreplace(zero) for weight in w])
        w0 = sp.Matrix([0] * len(w))
        w1 = algorithms.gradient_step(w0, EXAMPLE_STEP, algorithms.descent_direction(grad0))
        E1 = E_data.xreplace(dict(zip(w, w1)))
        E1_value = sp.N(E1, 6)

        body = [
            r"One neuron with the sigmoid activation $\sigma(z) = 1/(1+e^{-z})$, two weights and no bias, "
            r"trained on four samples $(x^{i}, y^{i})$ with the squared error. The transcript of the lecture lost "
            r"the values of the four samples, so symbackprop ships its own small set:",
            table,
            "The neuron computes (the network's own definitions)",
            align(forward),
            r"so the total error over the four samples is $E(w) = \sum_{i=1}^{4} e^{i}(w)$:",
            align(rows_E),
            "With the samples above:",
            align(rows_data),
            r"Differentiating $E$ (SymPy; $\sigma' = \sigma(1 - \sigma)$):",
            align(gradient_rows),
            r"\textbf{Sample-wise gradients by backpropagation.} For one sample, with "
            f"${tex(steps.Diag[1][0, 0])} = {tex(formula)}$ and "
            f"$\\delta^{{1}} = {tex(steps.output_delta[0])}$:",
            align(sample_rows),
            r"and $\nabla E(w) = \sum_{i} \nabla e^{i}(w)$ sums them over the samples.",
            r"\textbf{At $w = 0$} every $z^{i}$ is 0 and $\sigma(0) = \tfrac{1}{2}$, so the numbers are exact: "
            f"$E(0) = {tex(E0)}$ and $\\nabla E(0) = {tex(grad0.T)}^{{\\top}}$. One step of gradient descent (L2) "
            f"with $\\alpha = {tex(EXAMPLE_STEP)}$, computed by the library's own "
            r"\texttt{gradient\_step} and \texttt{descent\_direction}: "
            f"$w^{{1}} = w^{{0}} - \\alpha \\nabla E(w^{{0}}) = {tex(w1.T)}^{{\\top}}$, and the error drops to "
            f"$E(w^{{1}}) \\approx {E1_value}$ (numeric).",
            proof(nt),
        ]
        return section(r"The simple example (L1)", body)

    return Section("example", build)
