"""The middle of the notes: backpropagation on the simple example, the general recursion with its element →
matrix derivation (L7–L11, L13), the proof that it equals differentiation, and the bias homework (L12).

The general statements are typed; everything about a network is printed from its derivation
(:func:`symbackprop.lecture.story.derivation`).  The section ``general-proof`` is where a proof for every
architecture at once belongs; today it holds the exact proof for the example network.
"""

from __future__ import annotations

import sympy as sp

from ..activations import get_activation, phi_prime
from ..emit.document import Section, section
from ..emit.layout import align
from ..emit.network_doc import NetworkTex, bias_gradients, network_subsections, proof
from . import story

__all__ = ["example_backprop_section", "recursion_section", "general_proof_section", "bias_section"]


def example_backprop_section() -> Section:
    def build() -> str:
        d = story.derivation("simple")
        nt = NetworkTex(d)
        net = d.net
        z, a = net.z(1)[0], net.a(1)[0]
        weights = list(net.parameters)
        delta = d.output_delta[0]
        formula = net.activation(1).derivative(z, a)
        local = [
            rf"{nt.partial(w, nt.tex(z))} &= {nt.tex(sp.diff(net.z_definition(1)[0], w))}, & "
            rf"{nt.partial(w)} &= \frac{{\partial e}}{{\partial {nt.tex(z)}}}\, {nt.tex(sp.diff(net.z_definition(1)[0], w))} && \text{{(L7)}}"
            for w in weights
        ]
        local.append(
            rf"{nt.partial(z, nt.tex(a))} &= {nt.tex(phi_prime(z))}, & \frac{{\partial e}}{{\partial {nt.tex(z)}}} &= "
            rf"\frac{{\partial e}}{{\partial {nt.tex(a)}}}\, {nt.tex(phi_prime(z))} && \text{{(L8)}}"
        )
        backprop_rows = [row for w in weights for row in nt.layout().equation(nt.partial(w), d.backprop_form(w))]
        direct_rows = [row for w in weights for row in nt.layout().equation(nt.partial(w), d.direct_form(w))]
        same = backprop_rows == direct_rows
        result = d.proof
        proved = sum(entry.status == "proved" for entry in result.entries)
        lemma = "; ".join(f"the lemma ${get_activation(lemma.activation).derivative_latex}$ {'proved' if lemma.holds else 'FAILS'}"
                          for lemma in result.lemmas)
        return section("Backpropagation on the simple example", [
            r"Take one sample $(x, y)$ and drop its index $i$. The neuron computes $z$, then $a = \sigma(z)$, then "
            f"the error ${nt.tex(sp.Symbol('e'))} = {nt.tex(net.e)}$. The chain rule runs backwards through these "
            r"definitions (SymPy differentiates each one, left):",
            align(local),
            f"and the derivative of the error with respect to the activation is $\\delta^{{1}} = "
            f"\\frac{{\\partial e}}{{\\partial {nt.tex(a)}}} = {nt.tex(delta)}$. Multiplying, with "
            f"${nt.tex(phi_prime(z))} = {nt.tex(formula)}$:",
            align(backprop_rows),
            r"Differentiating the composed error $e(w) = (y - \sigma(w^{1}_{11} x_{1} + w^{1}_{12} x_{2}))^{2}$ directly "
            r"(SymEngine) gives " + ("the same expressions, symbol for symbol." if same else "the expressions"),
            "" if same else align(direct_rows),
            f"\\textbf{{{'Proved' if result.holds else 'Not proved'}}}: both ways agree exactly for {proved} of the "
            f"{len(result.entries)} weights ({lemma}). Summed over the samples, $\\nabla E(w) = \\sum_{{i}} \\nabla e^{{i}}(w)$ "
            r"is what gradient descent needs (\secref{crucial-step}).",
        ], name="example-backprop")

    return Section("example-backprop", build)


_ELEMENT_FORM = r"""
For any MLP, the chain rule through $z^{\ell}_{i} = \sum_{j} w^{\ell}_{ij} a^{\ell-1}_{j}$ and
$a^{\ell}_{i} = \varphi(z^{\ell}_{i})$ gives, entry by entry,
\begin{align*}
\frac{\partial e}{\partial w^{\ell}_{ij}} &= \frac{\partial e}{\partial z^{\ell}_{i}}\, a^{\ell-1}_{j} && \text{(L7)} \\
\frac{\partial e}{\partial z^{\ell}_{i}} &= \frac{\partial e}{\partial a^{\ell}_{i}}\, \varphi'(z^{\ell}_{i}) && \text{(L8)} \\
\frac{\partial e}{\partial a^{\ell}_{i}} &= \sum_{m=1}^{N_{\ell+1}} \frac{\partial e}{\partial z^{\ell+1}_{m}}\, w^{\ell+1}_{mi}
 = \sum_{m=1}^{N_{\ell+1}} \frac{\partial e}{\partial a^{\ell+1}_{m}}\, \varphi'(z^{\ell+1}_{m})\, w^{\ell+1}_{mi} && \text{(L9)}
\end{align*}
\textbf{From elements to matrices: row times column.} The sum in L9 is a row times a column,
\[
\frac{\partial e}{\partial a^{\ell}_{i}} = \begin{bmatrix} \varphi'(z^{\ell+1}_{1})\, w^{\ell+1}_{1i} & \cdots &
\varphi'(z^{\ell+1}_{N_{\ell+1}})\, w^{\ell+1}_{N_{\ell+1} i} \end{bmatrix}
\begin{bmatrix} \partial e / \partial a^{\ell+1}_{1} \\ \vdots \\ \partial e / \partial a^{\ell+1}_{N_{\ell+1}} \end{bmatrix},
\]
and stacking the rows $i = 1, \ldots, N_{\ell}$ gives the matrix whose entry $(i, m)$ is
$w^{\ell+1}_{mi}\, \varphi'(z^{\ell+1}_{m})$ --- the transpose of $W^{\ell+1}$ times a diagonal matrix:
\begin{align*}
\delta^{\ell} = \begin{bmatrix} \partial e / \partial a^{\ell}_{1} \\ \vdots \\ \partial e / \partial a^{\ell}_{N_{\ell}} \end{bmatrix}
&= \begin{bmatrix} w^{\ell+1}_{11} & \cdots & w^{\ell+1}_{N_{\ell+1} 1} \\ \vdots & & \vdots \\
w^{\ell+1}_{1 N_{\ell}} & \cdots & w^{\ell+1}_{N_{\ell+1} N_{\ell}} \end{bmatrix}
\begin{bmatrix} \varphi'(z^{\ell+1}_{1}) & & \\ & \ddots & \\ & & \varphi'(z^{\ell+1}_{N_{\ell+1}}) \end{bmatrix}
\delta^{\ell+1} \\
&= (W^{\ell+1})^{\top} \Diag(\varphi^{\ell+1\prime})\, \delta^{\ell+1} = V^{\ell+1} \delta^{\ell+1} && \text{(L10)}
\end{align*}
so $\delta^{\ell} = V^{\ell+1} V^{\ell+2} \cdots V^{L} \delta^{L}$. \textbf{Stacking columns: the outer product.}
By L7 and L8, $\partial e / \partial w^{\ell}_{ij} = \varphi'(z^{\ell}_{i})\, \delta^{\ell}_{i}\, a^{\ell-1}_{j}$. For a fixed $j$
the column of these over $i$ is $\Diag(\varphi^{\ell\prime})\, \delta^{\ell}\, a^{\ell-1}_{j}$; putting the columns
$j = 1, \ldots, N_{\ell-1}$ side by side multiplies by the row $(a^{\ell-1})^{\top}$:
\begin{align*}
\nabla_{W^{\ell}} e = \begin{bmatrix} \Diag(\varphi^{\ell\prime})\, \delta^{\ell}\, a^{\ell-1}_{1} & \cdots &
\Diag(\varphi^{\ell\prime})\, \delta^{\ell}\, a^{\ell-1}_{N_{\ell-1}} \end{bmatrix}
&= \Diag(\varphi^{\ell\prime})\, \delta^{\ell} (a^{\ell-1})^{\top} \\
&= \Diag(\varphi^{\ell\prime})\, V^{\ell+1} \cdots V^{L} \delta^{L} (a^{\ell-1})^{\top}. && \text{(L11)}
\end{align*}
The error gradients of every layer depend on the output layer's $\delta^{L}$: the error flows back through the
network (L13) --- hence \emph{backpropagation}.
"""


def _matrix_checks(nt: NetworkTex) -> str:
    """For the example network, SymPy confirms both matrix steps on its own matrices."""
    net, steps = nt.net, nt.d.steps
    L = net.depth
    layer = L - 1
    rows, cols = net.sizes[layer], net.sizes[L]
    stacked = sp.ImmutableMatrix(rows, cols, lambda i, m: net.W(L)[m, i] * phi_prime(net.z(L)[m]))
    product = sp.ImmutableMatrix(net.W(L).T * net.Diag(L))
    rows_ok = sp.simplify(stacked - product) == sp.zeros(rows, cols)
    columns = [steps.Diag[layer] * steps.delta_symbols[layer] * net.a(layer - 1)[j] for j in range(net.sizes[layer - 1])]
    joined = sp.ImmutableMatrix.hstack(*columns)
    columns_ok = sp.simplify(joined - steps.weight_gradients[layer]) == sp.zeros(*joined.shape)
    verdict = lambda ok: "identical" if ok else "NOT identical"  # noqa: E731
    return (
        f"For the example network SymPy confirms both steps on its own matrices: the {rows} by {cols} matrix of entries "
        f"$w^{{{L}}}_{{mi}}\\, \\varphi'(z^{{{L}}}_{{m}})$ and $(W^{{{L}}})^{{\\top}} \\Diag(\\varphi^{{{L}\\prime}})$ are "
        f"{verdict(rows_ok)}; the {net.sizes[layer - 1]} columns $\\Diag(\\varphi^{{{layer}\\prime}})\\, \\delta^{{{layer}}}\\, "
        f"a^{{{layer - 1}}}_{{j}}$ side by side and $\\Diag(\\varphi^{{{layer}\\prime}})\\, \\delta^{{{layer}}} (a^{{{layer - 1}}})^{{\\top}}$ "
        f"are {verdict(columns_ok)}."
    )


def recursion_section() -> Section:
    def build() -> str:
        d = story.derivation("deep")
        nt = NetworkTex(d)
        sizes = ", ".join(map(str, d.net.sizes))
        return section(r"The general recursion (L7--L11, L13)", [
            _ELEMENT_FORM,
            _matrix_checks(nt),
            r"\textbf{The example network.} Everything below is derived for the network $[" + sizes + r"]$ with a "
            r"generic activation $\varphi$ and a bias in every neuron (used by the homework, \secref{bias}); it is the "
            r"network of every general statement in these notes.",
            *network_subsections(d, ("forward", "loss", "direct", "backprop")),
        ], name="recursion")

    return Section("recursion", build)


def general_proof_section() -> Section:
    def build() -> str:
        d = story.derivation("deep")
        nt = NetworkTex(d)
        sizes = ", ".join(map(str, d.net.sizes))
        general = story.general_proof()
        axioms = [step.id for step in general.steps if step.method.value == "axiom"]
        return section(r"Backpropagation equals the derivative", [
            r"Backpropagation and the direct derivative are two computations of the same gradient. The statements "
            r"below hold for \emph{every} depth $L \ge 1$, all widths $N_{0}, \ldots, N_{L} \ge 1$, every "
            r"differentiable $\varphi$ and every number of classes $C$: symbackprop proves them with symbolic widths "
            r"and indices (\texttt{symbackprop prove --general}). Each step names how it was settled: "
            r"\emph{symbolic differentiation} (SymPy's derivative of the definitions, Kronecker deltas included), "
            r"\emph{exact identity} (both sides reduced to the same normal form), or \emph{axiom}. The multivariate "
            r"chain rule (step \texttt{" + ", ".join(axioms) + r"}) is the one axiom of the recursion; the few "
            r"elementary facts that the multi-class and norm steps use (a sum of non-negative terms is "
            r"non-negative, the mean value theorem, $\|AB\|_2 \le \|A\|_2 \|B\|_2$) are taken as given and "
            r"listed as \emph{elementary lemma} where they are used; \emph{induction (logic)} marks the step "
            r"from one layer to all of them.",
            general.latex_steps(),
            section(r"The concrete check", [
                r"Beside the general proof, for the example network $[" + sizes + r"]$ (and, in "
                r"\secref{example-backprop}, for the simple example) symbackprop derives both gradients and "
                r"compares them entry by entry:",
                *proof(nt),
            ], level="subsection"),
        ], name="general-proof")

    return Section("general-proof", build, late=True)  # waits for the general proof


def bias_section() -> Section:
    def build() -> str:
        d = story.derivation("deep")
        nt = NetworkTex(d)
        return section(r"The homework: bias gradients (L12)", bias_gradients(nt), name="bias")

    return Section("bias", build)
