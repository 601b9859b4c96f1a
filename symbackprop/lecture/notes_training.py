"""The first half of the notes, in the lecture's order: the data view, designing a loss, gradient descent
and exact line search, SGD and its step sizes, mini-batch SGD, and the crucial step they share (L1–L6,
L16).  Every number and formula comes from :mod:`symbackprop.lecture.story`.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from .. import algorithms
from ..emit.document import Section, figure, section
from ..emit.layout import Layout, Terms, align
from ..emit.optimisers import code_display, code_legend, lecture_algorithm, step_size_sums
from ..printing import LecturePrinter
from . import story
from .figures import figure_file

__all__ = ["data_section", "loss_section", "gd_section", "sgd_section", "minibatch_section", "crucial_step_section"]


def _printer() -> LecturePrinter:
    return LecturePrinter({"activation_names": {1: r"\sigma"}, "lecture_signs": True})


def _tex(expr: sp.Basic) -> str:
    return _printer().doprint(expr)


def _exact(value: float) -> sp.Rational:
    return sp.Rational(str(value))


def _samples() -> tuple[list[list[sp.Rational]], list[list[sp.Rational]]]:
    data = story.simple_data()
    return ([[_exact(v) for v in row] for row in data.X.tolist()], [[_exact(v) for v in row] for row in data.Y.tolist()])


def _vector(values: np.ndarray, digits: int = 4) -> str:
    return r"\left(" + ", ".join(_number(float(v), digits) for v in values) + r"\right)"


def _number(value: float, digits: int = 4) -> str:
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


# --- the data view ---------------------------------------------------------------------------------------------

def _sample_table() -> str:
    X, Y = _samples()
    S = len(X)
    rows = [
        r"\begin{center}",
        r"\begin{tabular}{c|" + "c" * S + "}",
        "sample $i$ & " + " & ".join(str(i + 1) for i in range(S)) + r" \\ \hline",
    ]
    rows += [f"$x^{{i}}_{{{j + 1}}}$ & " + " & ".join(f"${sp.latex(row[j])}$" for row in X) + r" \\" for j in range(len(X[0]))]
    rows += ["$y^{i}$ & " + " & ".join(f"${sp.latex(row[0])}$" for row in Y), r"\end{tabular}", r"\end{center}"]
    return "\n".join(rows)


def data_section() -> Section:
    def build() -> str:
        net, data = story.simple_network(), story.simple_data()
        runs = story.simple_runs()
        z, a = net.z(1)[0], net.a(1)[0]
        w_star = runs.paths["gd-exact"][-1]
        x_hat = story.UNSEEN
        prediction = net.forward()[0]
        symbols = {**dict(zip(net.x, x_hat)), **{w: sp.Float(float(v), 15) for w, v in zip(net.parameters, w_star)}}
        y_hat = float(prediction.xreplace(symbols).rewrite(sp.exp).evalf())
        return section("The data view of an MLP (L1)", [
            r"The training data are $D = \{(x^{i}, y^{i})\}_{i=1}^{S}$ with inputs $x^{i} \in \mathcal{X} \subseteq "
            r"\mathbb{R}^{d}$ and labels $y^{i} \in \mathcal{Y}$. Training an MLP with weights $w$ means learning a map "
            r"$h_{w} \colon \mathcal{X} \to \mathcal{Y}$ with $y^{i} = h_{w}(x^{i})$ for the training samples (as nearly "
            r"as the network can); using it means predicting $\hat{y} = h_{w}(\hat{x}) = \mathrm{MLP}(\hat{x}; w)$ for "
            r"an input $\hat{x} \in \mathcal{X}$ it has not seen.",
            r"\textbf{The simple example.} One neuron with the sigmoid activation $\sigma(z) = 1/(1+e^{-z})$, two "
            f"weights and no bias, and $S = {data.n_samples}$ samples with $d = {data.n_features}$ and $\\mathcal{{Y}} = \\{{0, 1\\}}$. "
            r"The transcript of the lecture lost the values of its four samples, so these notes use symbackprop's own, "
            r"chosen so that $E$ has a finite minimiser:",
            _sample_table(),
            "The neuron computes",
            align([f"{_tex(z)} &= {_tex(net.z_definition(1)[0])}", f"{_tex(a)} &= {_tex(net.definitions[a])}"]),
            f"so $h_{{w}}(x) = {_tex(prediction)}$. After training (\\secref{{gd}}, exact line search) "
            f"$w^{{*}} \\approx {_vector(w_star)}$, and for the unseen $\\hat{{x}} = {_tex(sp.Matrix(x_hat).T)}^{{\\top}}$ "
            f"the neuron predicts $\\hat{{y}} = h_{{w^{{*}}}}(\\hat{{x}}) \\approx {_number(y_hat, 3)}$.",
        ], name="data")

    return Section("data", build)


# --- designing a loss -------------------------------------------------------------------------------------------

def loss_section() -> Section:
    def build() -> str:
        net = story.simple_network()
        X, Y = _samples()
        printer = _printer()
        symbolic = Terms([net.E(samples=1).xreplace({
            sp.Symbol("x^{1}_{1}"): sp.Symbol(f"x^{{{i}}}_{{1}}"), sp.Symbol("x^{1}_{2}"): sp.Symbol(f"x^{{{i}}}_{{2}}"),
            sp.Symbol("y^{1}"): sp.Symbol(f"y^{{{i}}}")}) for i in range(1, len(X) + 1)])
        with_data = Terms([net.E([row_x], [row_y]) for row_x, row_y in zip(X, Y)])
        return section("Designing a loss", [
            r"A loss (error) function $e \colon \mathcal{Y} \times \mathcal{Y} \to [0, +\infty)$ compares the label "
            r"$y^{i}$ with the prediction $\hat{y}^{i} = \mathrm{MLP}(x^{i}; w)$. Through $\hat{y}^{i}$ it depends on the "
            r"weights, so it is written $e(\hat{y}^{i}, y^{i}; w)$, and training minimises the total error",
            align([r"E(w) &= \sum_{i=1}^{S} e(\hat{y}^{i}, y^{i}; w) =: \sum_{i=1}^{S} e^{i}(w)"]),
            r"by gradient descent, SGD or mini-batch SGD (the next three sections). The simple example uses the squared "
            r"error $e = (y - \hat{y})^{2}$, without a factor $\tfrac{1}{2}$, as the lecture does. Its total error, "
            r"$E \colon \mathbb{R}^{2} \to \mathbb{R}$, to be minimised over $w = (w^{1}_{11}, w^{1}_{12})$, is",
            Layout(printer).aligned(Layout(printer).equation("E(w)", symbolic)),
            "and with the four samples, in the order of the table,",
            align(Layout(printer).equation("E(w)", with_data)),
        ], name="loss")

    return Section("loss", build)


# --- gradient descent and exact line search ------------------------------------------------------------------------

def gd_section() -> Section:
    def build() -> str:
        net = story.simple_network()
        X, Y = _samples()
        printer = _printer()
        weights = list(net.parameters)
        per_sample = [net.E([row_x], [row_y]) for row_x, row_y in zip(X, Y)]
        E_data = sp.Add(*per_sample)
        gradient_rows: list[str] = []
        for weight in weights:  # the sum over the samples, in the order of the table
            gradient_rows += Layout(printer).equation(r"\frac{\partial E}{\partial %s}" % _tex(weight),
                                                      Terms([sp.diff(term, weight) for term in per_sample]))
        zero = {weight: 0 for weight in weights}
        E0 = E_data.xreplace(zero)
        grad0 = sp.Matrix([sp.diff(E_data, weight).xreplace(zero) for weight in weights])
        w1 = algorithms.gradient_step(sp.zeros(len(weights), 1), sp.Integer(1), algorithms.descent_direction(grad0))
        E1 = float(E_data.xreplace(dict(zip(weights, w1))).rewrite(sp.exp).evalf())
        runs = story.simple_runs()
        gd, exact = runs.run("gd"), runs.run("gd-exact")
        alpha0 = exact.history.step_sizes[0]
        return section(r"Gradient descent and exact line search (L2, L3)", [
            r"\textbf{Gradient descent (L2)} follows the negative gradient of the total error, "
            r"$\nabla E(w) = \sum_{i=1}^{S} \nabla e^{i}(w)$, with a step $\alpha^{k}$:",
            lecture_algorithm("gd"),
            r"\textbf{Exact line search (L3)} takes, in every iteration, the step that minimises $E$ along the direction:",
            lecture_algorithm("gd-exact"),
            r"\textbf{The code the trainers run.} The same two loops as the functions of \texttt{symbackprop.algorithms} "
            r"that the trainers call, rendered from their Python source by latexify:",
            code_display("gd"),
            code_display("gd-exact"),
            code_legend(),
            r"\textbf{On the simple example.} Differentiating $E$ (SymPy; $\sigma' = \sigma(1 - \sigma)$):",
            align(gradient_rows),
            r"At $w^{0} = 0$ every $z^{i}$ is $0$ and $\sigma(0) = \tfrac{1}{2}$, so the numbers are exact: "
            f"$E(0) = {_tex(E0)}$ and $\\nabla E(0) = {_tex(grad0.T)}^{{\\top}}$. One step with $\\alpha^{{0}} = 1$, computed "
            r"by the code's own \texttt{descent\_direction} and \texttt{gradient\_step}, gives "
            f"$w^{{1}} = w^{{0}} - \\nabla E(w^{{0}}) = {_tex(w1.T)}^{{\\top}}$ and $E(w^{{1}}) \\approx {_number(E1, 6)}$.",
            r"The trainers start from $w^{0} \approx " + _vector(runs.start) + r"$ (\texttt{init\_params}, seed 0). "
            f"With the fixed step $\\alpha = {gd.settings['α']}$, gradient descent takes $E$ from ${_number(gd.E_initial)}$ to "
            f"${_number(gd.E_final)}$ in {gd.steps} steps (then $\\|\\nabla E\\|_{{2}} = {_number(gd.grad_norm_final, 3)}$); "
            f"with exact line search (first step $\\alpha^{{0}} \\approx {_number(alpha0)}$) it reaches ${_number(exact.E_final)}$ "
            f"in {exact.steps} steps, where $\\|\\nabla E\\|_{{2}} = {_number(exact.grad_norm_final, 3)}$ is below the tolerance "
            f"$10^{{-6}}$. \\figref{{paths}} shows both paths over the contours of $E$.",
        ], name="gd")

    return Section("gd", build)


# --- SGD and step sizes ---------------------------------------------------------------------------------------------

def _schedule_table() -> str:
    def yes(value: bool | None, good: str, bad: str) -> str:
        return good if value is True else bad if value is False else "undecided"

    lines = [
        r"\begin{center}",
        r"\begin{tabular}{lcccc}",
        r"$\gamma_{k}$ & $\sum_{k} \gamma_{k}$ & $\sum_{k} \gamma_{k}^{2}$ & L5 holds & $E$ after %d epochs (range over the last 50) \\ \hline" % len(story.schedule_runs()[0].result.history.E[1:]),
    ]
    for run in story.schedule_runs():
        v = run.verdict
        E = np.asarray(run.result.history.E)
        tail = E[-50:]
        infinite, finite = r"$= \infty$", r"$< \infty$"
        lines.append(
            f"${_tex(run.schedule)}$ & {yes(v.sum_diverges, infinite, finite)} & "
            f"{yes(v.squares_converge, finite, infinite)} & {yes(v.satisfied, 'yes', 'no')} & "
            f"${_number(E[-1])}$ (${_number(tail.min())}$ to ${_number(tail.max())}$) \\\\"
        )
    lines += [r"\end{tabular}", r"\end{center}"]
    return "\n".join(lines)


def _schedule_reading() -> str:
    """What the table shows, in numbers: how much E still moves at the end under each schedule."""
    runs = story.schedule_runs()
    spread = {run.name: float(np.ptp(np.asarray(run.result.history.E)[-50:])) for run in runs}
    lecture, constant, root = (run.name for run in runs)
    faster = runs[2].result.E_final < runs[0].result.E_final
    ending = (r"takes larger steps, and over these epochs reaches a lower $E$ --- the conditions are about the limit, "
              r"not about the first epochs." if faster else r"does not reach a lower $E$ over these epochs either.")
    return (
        r"Over the last 50 epochs $E$ still moves by $" + _number(spread[constant], 3) + r"$ under the constant step, "
        r"which keeps jumping around the minimum, against $" + _number(spread[lecture], 3) + r"$ under $1/(k+1)$ and $"
        + _number(spread[root], 3) + r"$ under $1/\sqrt{k+1}$. Only $1/(k+1)$ meets both conditions of L5; "
        r"$1/\sqrt{k+1}$ fails $\sum_{k} \gamma_{k}^{2} < \infty$ and " + ending
    )


def sgd_section() -> Section:
    def build() -> str:
        runs = story.simple_runs()
        sgd = runs.run("sgd")
        return section(r"Stochastic gradient descent and its step sizes (L4, L5, L16)", [
            r"\textbf{SGD (L4)} replaces the sum over all $S$ samples by the gradient of one sample, chosen at random "
            r"in every iteration. As the training loop of an MLP (L16), each iteration is a forward pass, the error, "
            r"backpropagation and the update:",
            lecture_algorithm("sgd"),
            r"\textbf{The code the trainers run} (\texttt{symbackprop.algorithms.sgd}; the forward pass, error and "
            r"backpropagation are inside $\nabla e(j, w)$, the compiled model's gradient of sample $j$):",
            code_display("sgd"),
            r"One sample-wise gradient $\nabla_{w} e^{j_{k}}(w^{k})$ takes only $O(d)$ time for $d$ weights "
            r"(counted in \secref{crucial-step}).",
            r"\textbf{Step sizes (L5).} Under suitable conditions on $\gamma_{k}$ --- $\sum_{k} \gamma_{k} = \infty$ and "
            r"$\sum_{k} \gamma_{k}^{2} < \infty$ --- SGD converges asymptotically; for smooth functions $O(1/k)$ "
            r"convergence is possible (in theory). The typical choice $\gamma_{k} = 1/(k+1)$ is the code's own "
            r"\texttt{step\_size}; SymPy sums both series:",
            step_size_sums(),
            r"Three schedules on the simple example, SGD from the same start with the same sample sequence "
            r"(\figref{schedules}); each schedule decided exactly by SymPy's convergence tests:",
            _schedule_table(),
            _schedule_reading(),
            r"With $\gamma_{k} = 1/(k+1)$, SGD takes $E$ from "
            f"${_number(sgd.E_initial)}$ to ${_number(sgd.E_final)}$ in {sgd.steps} steps ({sgd.epochs:g} epochs).",
            figure("schedules", r"SGD on the simple example under three step-size schedules (L5): the schedules "
                                r"(left) and the total error $E$ after each epoch (right), from one start with one "
                                r"sample sequence."),
        ], name="sgd")

    return Section("sgd", build, lambda: (figure_file("schedules"),))


# --- mini-batch SGD ---------------------------------------------------------------------------------------------

def _runs_table() -> str:
    runs = story.simple_runs()
    lines = [
        r"\begin{center}",
        r"\begin{tabular}{lrrrrl}",
        r"method & steps & epochs & $E(w^{0})$ & $E$ at the end & $\|\nabla E\|_{2}$ at the end \\ \hline",
    ]
    names = {"gd": "gradient descent", "gd-exact": "exact line search", "sgd": "SGD", "minibatch": "mini-batch SGD"}
    for result in runs.comparison.results:
        lines.append(
            f"{names[result.method]} & {result.steps} & {result.epochs:g} & ${_number(result.E_initial)}$ & "
            f"${_number(result.E_final)}$ & ${_number(result.grad_norm_final, 3)}$ \\\\"
        )
    lines += [r"\end{tabular}", r"\end{center}"]
    return "\n".join(lines)


def minibatch_section() -> Section:
    def build() -> str:
        runs = story.simple_runs()
        mb = runs.run("minibatch")
        return section(r"Mini-batch SGD (L6)", [
            r"Between one sample and all of them: each iteration uses a block of samples.",
            lecture_algorithm("minibatch"),
            r"The restrictions on $\gamma_{k}$ are those of SGD, and the convergence is again asymptotic. "
            r"\textbf{The code the trainers run} (each epoch a seeded shuffle of the samples, cut into blocks):",
            code_display("minibatch"),
            f"With blocks of $|B_{{k}}| = {runs.comparison.settings['B']}$ samples and $\\gamma_{{k}} = 1/(k+1)$, mini-batch SGD "
            f"takes $E$ from ${_number(mb.E_initial)}$ to ${_number(mb.E_final)}$ in {mb.steps} steps. "
            r"\textbf{The four methods side by side}, from the same start (an epoch is one pass over the samples: one step "
            r"of gradient descent, $S$ steps of SGD):",
            _runs_table(),
            figure("paths", r"The total error $E(w^{1}_{11}, w^{1}_{12})$ of the simple example (contours) and the "
                            r"iterates of the four methods from the same start $w^{0}$: gradient descent with a fixed "
                            r"step, exact line search, SGD with $\gamma_{k} = 1/(k+1)$ and mini-batch SGD.", width=r"0.8\linewidth"),
        ], name="minibatch")

    return Section("minibatch", build, lambda: (figure_file("paths"),))


# --- the crucial step ------------------------------------------------------------------------------------------

def crucial_step_section() -> Section:
    def build() -> str:
        cost = story.operation_count()
        holds = story.sum_rule()
        data = story.simple_data()
        counts = " & ".join(str(c) for c in cost.shared)
        table = "\n".join([
            r"\begin{center}",
            r"\begin{tabular}{l|" + "c" * len(cost.dimensions) + "}",
            "$d$ & " + " & ".join(str(d) for d in cost.dimensions) + r" \\ \hline",
            r"operations in $\nabla e$ & " + counts + r" \\",
            r"without sharing & " + " & ".join(str(c) for c in cost.unshared),
            r"\end{tabular}",
            r"\end{center}",
        ])
        return section(r"The crucial step: sample-wise gradients", [
            "Written side by side, the three methods differ only in how many samples enter one update:",
            align([
                r"\text{GD:}\quad w^{k+1} &= w^{k} - \alpha^{k} \sum_{i=1}^{S} \nabla e^{i}(w^{k})",
                r"\text{SGD:}\quad w^{k+1} &= w^{k} - \gamma_{k} \nabla_{w} e^{j_{k}}(w^{k})",
                r"\text{mini-batch SGD:}\quad w^{k+1} &= w^{k} - \gamma_{k} \sum_{j \in B_{k}} \nabla_{w} e^{j}(w^{k})",
            ]),
            r"All three need the \emph{sample-wise gradients} $\nabla e^{i}(w^{k})$. On the simple example, SymPy's "
            r"derivative of $E$ with the four samples equals the sum of the four sample-wise gradients "
            r"$\nabla E = \sum_{i} \nabla e^{i}$ " + ("exactly (an identity, proved)" if holds else r"\textbf{NOT} (the check failed)") + ". "
            f"So one step of gradient descent costs $S = {data.n_samples}$ sample-wise gradients, $O(Sd)$ time, one step "
            r"of SGD costs one, $O(d)$, and a mini-batch step $|B_{k}|$ of them.",
            r"\textbf{How much is one?} Counting the operations SymPy needs for $\nabla e$ of one sigmoid neuron with "
            r"$d$ inputs, after sharing common sub-expressions (what backpropagation shares: $z$, $\sigma(z)$ and "
            r"$\partial e / \partial z$):",
            table,
            f"exactly ${cost.slope}d + {cost.intercept}$ for every $d$ counted" + (" (linear: $O(d)$)" if cost.linear else " (NOT linear)")
            + ". How to compute a sample-wise gradient for any MLP is the rest of the lecture: backpropagation.",
        ], name="crucial-step")

    return Section("crucial-step", build)
