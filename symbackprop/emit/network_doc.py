"""The derivation of one network, as a document section (L7–L15, L12, L13, L14).

Every formula about the network is printed from the symbolic objects — :class:`~symbackprop.MLP`,
:func:`~symbackprop.direct`, the recursion's matrices, :func:`~symbackprop.prove` — never typed:
the local derivatives L7–L9 are SymPy's ``diff`` of the network's own definitions, δ^L is the
derivative of its loss, and so on.  Prose around them is typed.
"""

from __future__ import annotations

from typing import Callable, Sequence

import sympy as sp

from ..activations import phi_prime
from ..network import MLP
from ..printing import LecturePrinter, text
from .document import Section, section
from .forms import NetworkDerivation
from .layout import Layout, align, visual_width

__all__ = ["network_section", "network_subsections", "describe_network", "NetworkTex"]


class NetworkTex:
    """Printing helpers bound to one network: its activation names and a fresh :class:`Layout`."""

    def __init__(self, derivation: NetworkDerivation) -> None:
        self.d = derivation
        self.net = derivation.net
        self.printer = LecturePrinter({"activation_names": derivation.names})

    def layout(self) -> Layout:
        return Layout(self.printer)

    def tex(self, expr: sp.Basic) -> str:
        return self.printer.doprint(expr)

    # --- notation for the network's objects ---------------------------------------------------------
    def act(self, layer: int) -> str:
        """The activation's letter of a layer: \\varphi, \\sigma, …"""
        return self.d.names[layer]

    def diag(self, layer: int) -> str:
        return r"\Diag\left(%s^{%d\prime}\right)" % (self.act(layer), layer)

    def partial(self, symbol: sp.Symbol, of: str = "e") -> str:
        return r"\frac{\partial %s}{\partial %s}" % (of, self.tex(symbol))

    # --- equations with matrices ------------------------------------------------------------------
    def matrix_rows(
        self,
        layout: Layout,
        lhs: str,
        matrix: sp.MatrixBase,
        *,
        middle: str | None = None,
        entry: Callable[[int, int], str] | None = None,
    ) -> list[str]:
        """``lhs = middle = [matrix]``; a matrix too wide for a line is written entry by entry."""
        head_width = visual_width(lhs) + (visual_width(middle) + 1.5 if middle else 0.0) + 1.5
        body = layout.matrix(matrix, layout.width - head_width)
        if body is not None:
            rhs = f"{middle} = {body}" if middle else body
            return [f"{lhs} &= {rhs}"]
        body = layout.matrix(matrix, layout.width - visual_width(lhs) - 1.5)
        if body is not None and middle:
            return [f"{lhs} &= {middle}", f"&= {body}"]
        rows = [f"{lhs} &= {middle}"] if middle else []
        if entry is None:
            raise ValueError("a matrix too wide for the page needs an entry name")
        for i in range(matrix.rows):
            for j in range(matrix.cols):
                rows.extend(layout.equation(entry(i, j), matrix[i, j]))
        return rows


_ACTIVATION_PROSE = {
    "phi": r"a generic differentiable $\varphi$ (so every result holds for every $\varphi$)",
    "sigmoid": r"the sigmoid $\sigma(z) = 1/(1+e^{-z})$",
    "tanh": r"$\tanh$",
    "relu": r"$\operatorname{ReLU}(z) = \max(0, z)$",
    "identity": r"the identity",
}


def describe_network(net: MLP) -> str:
    """One sentence about the network, in LaTeX."""
    sizes = ", ".join(f"N_{{{k}}} = {n}" for k, n in enumerate(net.sizes))
    layers = []
    for layer in range(1, net.depth + 1):
        activation = net.activation(layer)
        if net.softmax and layer == net.depth:
            layers.append(f"layer {layer}: the identity, followed by the softmax")
        else:
            layers.append(f"layer {layer}: {_ACTIVATION_PROSE.get(activation.name, '$' + activation.latex + '$')}")
    bias = r"every neuron has a bias $b^{\ell}_{i}$" if net.has_bias else "no biases"
    return (
        f"$L = {net.depth}$ layers with ${sizes}$; " + "; ".join(layers) + f"; {bias}; "
        f"sample-wise loss ${net.loss.latex}$."
    )


def network_section(
    net: MLP,
    *,
    title: str | None = None,
    parameter: str | sp.Symbol | None = None,
    intro: str | None = None,
    name: str = "network",
    parts: Sequence[str] | None = None,
) -> Section:
    """A \\section deriving everything about ``net`` (see :func:`network_subsections` for ``parts``)."""

    def build() -> str:
        derivation = NetworkDerivation(net, parameter)
        heading = title or f"The network ${_sizes_tex(net)}$"
        body = [intro or "", describe_network(net)]
        body += network_subsections(derivation, parts)
        return section(heading, body)

    return Section(name, build)


PARTS = ("forward", "loss", "direct", "backprop", "bias", "proof", "bound")


def network_subsections(derivation: NetworkDerivation, parts: Sequence[str] | None = None) -> list[str]:
    """The subsections for one network, in the lecture's order; ``parts`` picks a subset of :data:`PARTS`."""
    chosen = PARTS if parts is None else tuple(parts)
    unknown = set(chosen) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown parts {sorted(unknown)}; choose from {PARTS}")
    nt = NetworkTex(derivation)
    builders = {
        "forward": forward_pass,
        "loss": loss,
        "direct": direct_derivative,
        "backprop": backpropagation,
        "bias": bias_gradients,
        "proof": proof,
        "bound": bound,
    }
    result = []
    for part in PARTS:
        if part in chosen and (part != "bias" or derivation.net.has_bias):
            result.append(builders[part](nt))
    return result


def _sizes_tex(net: MLP) -> str:
    return "[" + ", ".join(str(n) for n in net.sizes) + "]"


# --- forward pass (L15) --------------------------------------------------------------------------------

def forward_pass(nt: NetworkTex) -> str:
    net = nt.net
    layout = nt.layout()
    rows: list[str] = []
    for layer in range(1, net.depth + 1):
        bias = f" + b^{{{layer}}}" if net.has_bias else ""
        rows += nt.matrix_rows(
            layout,
            f"z^{{{layer}}}",
            net.z_definition(layer),
            middle=f"W^{{{layer}}} a^{{{layer - 1}}}{bias}",
            entry=lambda i, j, layer=layer: nt.tex(net.z(layer)[i]),
        )
        applied = sp.ImmutableMatrix([net.activation(layer).apply(z) for z in net.z(layer)])
        rows += nt.matrix_rows(
            layout,
            f"a^{{{layer}}}",
            applied,
            middle=None if net.activation(layer).name == "identity" else f"{nt.act(layer)}\\left(z^{{{layer}}}\\right)",
            entry=lambda i, j, layer=layer: nt.tex(net.a(layer)[i]),
        )
    if net.softmax:
        q = sp.ImmutableMatrix([net.definitions[q] for q in net.q])
        rows += nt.matrix_rows(layout, "q", q, middle=r"\operatorname{softmax}\left(a^{%d}\right)" % net.depth,
                               entry=lambda i, j: nt.tex(net.q[i]))
    paragraphs = [
        "Layer by layer, with $a^{0} = x$ (the network's own definitions):",
        align(rows),
    ]
    composed = _composed_output(nt, layout)
    if composed:
        paragraphs += composed
    return section("Forward pass (L15)", paragraphs, level="subsection")


def _compose(net: MLP, expression: sp.Expr, down_to: int) -> sp.Expr:
    """Replace a^ℓ and z^ℓ by their definitions for ℓ = L … down_to + 1."""
    for layer in range(net.depth, down_to, -1):
        activation = net.activation(layer)
        expression = expression.xreplace({a: activation.apply(z) for a, z in zip(net.a(layer), net.z(layer))})
        expression = expression.xreplace(dict(zip(net.z(layer), net.z_definition(layer))))
    return expression


def _composed_output(nt: NetworkTex, layout: Layout) -> list[str]:
    """ŷ composed as deep as fits on a line: in terms of a^k for the smallest k that fits."""
    net = nt.net
    last = net.a(net.depth)
    name = "a^{%d}" % net.depth if net.softmax else r"\hat{y}"
    best: tuple[int, list[str]] | None = None
    for down_to in range(net.depth - 1, -1, -1):  # widths only grow as the composition deepens
        texs = [nt.tex(_compose(net, a, down_to)) for a in last]
        if not all(visual_width(t) <= layout.width - 4 for t in texs):
            break
        best = (down_to, texs)
    if best is None:
        return []
    down_to, texs = best
    rows = [f"{name}_{{{i + 1}}} &= {t}" if len(texs) > 1 else f"{name} &= {t}" for i, t in enumerate(texs)]
    if down_to == 0:
        lead = (
            r"Composed, $\hat{y} = \mathrm{MLP}(x; w) = \varphi(W^{L} \varphi(W^{L-1} \cdots \varphi(W^{1} x)"
            r" \cdots))$ (L15) reads, for this network:"
        )
        if net.softmax:
            lead = r"Composed (L15), the softmax inputs are:"
    else:
        lead = (
            f"Composed (L15) down to layer {down_to} "
            f"(deeper nesting would not fit on a line; $a^{{{down_to}}}$ is given above):"
        )
    return [lead, align(rows)]


# --- loss ----------------------------------------------------------------------------------------------

def loss(nt: NetworkTex) -> str:
    net = nt.net
    layout = nt.layout()
    rows = layout.equation("e", net.e)
    paragraphs = [
        f"The sample-wise loss (${net.loss.latex}$ in general), for this network's outputs:",
        align(rows),
    ]
    if net.softmax:
        rows = layout.equation("e", net.e_explicit)
        paragraphs += ["Written with the softmax inputs $a^{L}$ only (log-softmax), which is what is differentiated:", align(rows)]
    paragraphs.append(r"Over a data set of $S$ samples the total error is $E(w) = \sum_{i=1}^{S} e^{i}(w)$.")
    return section("Loss", paragraphs, level="subsection")


# --- direct derivative -----------------------------------------------------------------------------------

def direct_derivative(nt: NetworkTex) -> str:
    d = nt.d
    theta = d.parameter
    layout = nt.layout()
    form = d.direct_form()
    rows = layout.equation(nt.partial(theta), form)
    paragraphs = [
        f"Differentiating the composed loss $e(w)$ with respect to ${nt.tex(theta)}$ (SymEngine, one "
        r"undefined function per layer; afterwards $\varphi(z^{\ell}_{i})$ is written $a^{\ell}_{i}$ and the "
        r"derivative of layer $\ell$'s activation at $z^{\ell}_{i}$ is written "
        r"$\varphi'(z^{\ell}_{i})$, or $\sigma'$, $\tanh'$, \ldots\ for a concrete activation):",
        layout.aligned(rows),
    ]
    expanded = expand_paths(nt.net, form) if paths(nt.net, theta) <= 16 else form
    terms = sp.Add.make_args(expanded)
    if 1 < len(terms) <= 16 and expanded != form:
        layout = nt.layout()
        paragraphs += [
            f"Multiplied out (keeping each output's error factor), it has {len(terms)} terms: one per path from "
            f"${nt.tex(theta)}$ through the network to an output --- the chain rule's sum over paths:",
            align(layout.equation(nt.partial(theta), expanded)),
        ]
    formulas = _derivative_formulas(nt)
    if formulas:
        paragraphs.append(formulas)
    return section(f"Direct derivative of ${nt.tex(theta)}$", paragraphs, level="subsection")


def paths(net: MLP, parameter: sp.Symbol) -> int:
    """How many paths lead from a parameter's neuron to the outputs: Π_{k>ℓ} N_k."""
    layer = net.parameter_info(parameter).layer
    count = 1
    for width in net.sizes[layer + 1:]:
        count *= width
    return count


def expand_paths(net: MLP, expression: sp.Expr) -> sp.Expr:
    """Multiply out ``expression`` but keep every output-error factor (a sum in a^L, y, q only) whole."""
    outputs = set(net.a(net.depth)) | set(net.y) | set(net.q)
    frozen: dict[sp.Expr, sp.Dummy] = {}
    for node in sp.preorder_traversal(expression):
        if isinstance(node, sp.Add) and node.free_symbols <= outputs and node not in frozen:
            frozen[node] = sp.Dummy(f"e{len(frozen)}")
    expanded = sp.expand(expression.xreplace(frozen))
    return expanded.xreplace({dummy: node for node, dummy in frozen.items()})


def _derivative_formulas(nt: NetworkTex) -> str:
    """"with σ'(z^ℓ_i) = a^ℓ_i(1 − a^ℓ_i)" for the concrete activations (the derivative formulas used)."""
    net = nt.net
    seen: dict[str, int] = {}
    for layer in range(1, net.depth + 1):
        activation = net.activation(layer)
        if not activation.generic and activation.name != "identity":
            seen.setdefault(activation.name, layer)
    if not seen:
        return ""
    rows = []
    for name, layer in seen.items():
        z, a = net.z(layer)[0], net.a(layer)[0]
        formula = net.activation(layer).derivative(z, a)
        rows.append(f"{nt.tex(phi_prime(z))} &= {nt.tex(formula)}")
    return r"For the concrete activations, the derivative formulas (the same for every neuron $i$ of the layer) are" + "\n" + align(rows)


# --- backpropagation (L7–L11, L13) --------------------------------------------------------------------------

def backpropagation(nt: NetworkTex) -> str:
    net, d = nt.net, nt.d
    steps = d.steps
    L = net.depth
    paragraphs = [_local_derivatives(nt)]

    layout = nt.layout()
    rows = nt.matrix_rows(
        layout, f"\\delta^{{{L}}}", steps.output_delta, middle=f"\\frac{{\\partial e}}{{\\partial a^{{{L}}}}}",
        entry=lambda i, j: nt.tex(steps.delta_symbols[L][i]),
    )
    paragraphs += [
        r"\textbf{Output layer.} $\delta^{L}$ is the derivative of the loss with respect to the last activations "
        "(the lecture's $\\delta$ is $\\partial e / \\partial a$, not $\\partial e / \\partial z$):",
        align(rows),
    ]
    if net.softmax:
        one_hot = steps.output_delta.xreplace({net.y[0]: 1 - sp.Add(*net.y[1:])}).applyfunc(sp.expand)
        paragraphs += [
            r"With a one-hot target, $\sum_{j} y_{j} = 1$, so $\delta^{L} = q - y$ (L22):",
            align(nt.matrix_rows(layout, f"\\delta^{{{L}}}", one_hot, entry=lambda i, j: nt.tex(steps.delta_symbols[L][i]))),
        ]

    layout = nt.layout()
    rows = []
    for layer in range(1, L + 1):
        rows += nt.matrix_rows(layout, nt.diag(layer), steps.Diag[layer],
                               entry=lambda i, j, layer=layer: r"\left(%s\right)_{%d%d}" % (nt.diag(layer), i + 1, j + 1))
    paragraphs += [r"\textbf{Diagonal matrices} $\Diag(\varphi^{\ell\prime}) = \operatorname{diag}(\varphi'(z^{\ell}_{1}), \ldots, \varphi'(z^{\ell}_{N_{\ell}}))$:", align(rows)]
    formulas = _derivative_formulas(nt)
    if formulas:
        paragraphs.append(formulas)

    if L >= 2:
        layout = nt.layout()
        rows = []
        for layer in range(2, L + 1):
            rows += nt.matrix_rows(
                layout, f"V^{{{layer}}}", steps.V[layer], middle=f"\\left(W^{{{layer}}}\\right)^{{\\top}} {nt.diag(layer)}",
                entry=lambda i, j, layer=layer: f"V^{{{layer}}}_{{{i + 1}{j + 1}}}",
            )
        paragraphs += [r"\textbf{The matrices $V^{\ell} := (W^{\ell})^{\top} \Diag(\varphi^{\ell\prime})$} (L10):", align(rows)]

        layout = nt.layout()
        rows = []
        for layer in range(L - 1, 0, -1):
            rows += nt.matrix_rows(
                layout, f"\\delta^{{{layer}}}", steps.delta[layer], middle=f"V^{{{layer + 1}}} \\delta^{{{layer + 1}}}",
                entry=lambda i, j, layer=layer: nt.tex(steps.delta_symbols[layer][i]),
            )
        paragraphs += [
            r"\textbf{The recursion} $\delta^{\ell} = V^{\ell+1} \delta^{\ell+1}$ (L9, L10), one layer at a time "
            r"(entry $i$ is $\sum_{m} w^{\ell+1}_{mi} \varphi'(z^{\ell+1}_{m}) \delta^{\ell+1}_{m}$):",
            layout.aligned(rows),
        ]
        layout = nt.layout()
        product = " ".join(f"V^{{{k}}}" for k in range(2, L + 1)) + f" \\delta^{{{L}}}"
        expanded = steps.delta_expanded(1)
        rows = nt.matrix_rows(layout, "\\delta^{1}", expanded, middle=product,
                              entry=lambda i, j: nt.tex(steps.delta_symbols[1][i]))
        paragraphs += [
            r"Unrolled to the first layer, $\delta^{1} = V^{2} \cdots V^{L} \delta^{L}$: the output error $\delta^{L}$ "
            r"flows back through every layer (L13):",
            layout.aligned(rows),
        ]

    layout = nt.layout()
    rows = []
    for layer in range(1, L + 1):
        rows += nt.matrix_rows(
            layout, f"\\nabla_{{W^{{{layer}}}}} e", steps.weight_gradients[layer],
            middle=f"{nt.diag(layer)} \\delta^{{{layer}}} \\left(a^{{{layer - 1}}}\\right)^{{\\top}}",
            entry=lambda i, j, layer=layer: nt.partial(net.W(layer)[i, j]),
        )
    paragraphs += [r"\textbf{Weight gradients} (L11), $\nabla_{W^{\ell}} e = \Diag(\varphi^{\ell\prime}) \delta^{\ell} (a^{\ell-1})^{\top}$:", align(rows)]

    layout = nt.layout()
    theta = d.parameter
    rows = layout.equation(nt.partial(theta), d.backprop_form())
    paragraphs += [
        f"Substituting the recursion top-down gives, for ${nt.tex(theta)}$ (the same value as the direct derivative; "
        "see the proof below):",
        layout.aligned(rows),
    ]
    return section(r"Backpropagation (L7--L11, L13)", paragraphs, level="subsection")


def _local_derivatives(nt: NetworkTex) -> str:
    """L7–L9 from SymPy's diff of the network's own definitions, at the chosen parameter's indices."""
    net = nt.net
    info = net.parameter_info(nt.d.parameter)
    layer, i = info.layer, info.i
    j = info.j if info.j is not None else 1
    z, a = net.z(layer)[i - 1], net.a(layer)[i - 1]
    w = net.W(layer)[i - 1, j - 1]
    a_prev = net.a(layer - 1)[j - 1]
    dz_dw = sp.diff(net.z_definition(layer)[i - 1], w)
    da_dz = sp.diff(net.activation(layer).apply(z), z)
    if net.activation(layer).generic:
        da_dz_tex = nt.tex(da_dz)
    else:  # SymPy writes σ'(z) as σ(z)(1 − σ(z)); the lecture's name for it is σ'(z)
        da_dz_tex = "1" if da_dz == 1 else nt.tex(phi_prime(z))
    de = lambda symbol: r"\frac{\partial e}{\partial %s}" % nt.tex(symbol)  # noqa: E731
    rows = [
        rf"{nt.partial(w, nt.tex(z))} &= {nt.tex(dz_dw)}, & {nt.partial(w)} &= {de(z)}\, {nt.tex(a_prev)} && \text{{(L7)}}",
        rf"{nt.partial(z, nt.tex(a))} &= {da_dz_tex}, & {de(z)} &= {de(a)}\, {da_dz_tex} && \text{{(L8)}}",
    ]
    if layer < net.depth:
        z_next = net.z(layer + 1)[0]
        da = sp.diff(net.z_definition(layer + 1)[0], a)
        rows.append(
            rf"{nt.partial(a, nt.tex(z_next))} &= {nt.tex(da)}, & {de(a)} &= \sum_{{m=1}}^{{{net.sizes[layer + 1]}}} "
            rf"\frac{{\partial e}}{{\partial a^{{{layer + 1}}}_{{m}}}}\, {nt.d.names[layer + 1]}'\left(z^{{{layer + 1}}}_{{m}}\right)"
            rf" w^{{{layer + 1}}}_{{m{i}}} && \text{{(L9)}}"
        )
    intro = (
        "\\textbf{Local derivatives.} Differentiating the network's definitions (SymPy, left) gives the facts "
        f"the chain rule multiplies (right), shown at the indices of ${nt.tex(nt.d.parameter)}$:"
    )
    return intro + "\n" + align(rows)


# --- bias gradients (L12) -------------------------------------------------------------------------------------

def bias_gradients(nt: NetworkTex) -> str:
    net, d = nt.net, nt.d
    steps = d.steps
    layer = net.depth
    z = net.z(layer)[0]
    b = net.b(layer)[0]
    dz_db = sp.diff(net.z_definition(layer)[0], b)
    paragraphs = [
        r"\textbf{Homework (L12).} Every neuron has a bias, $z^{\ell}_{i} = \sum_{j} w^{\ell}_{ij} a^{\ell-1}_{j} + b^{\ell}_{i}$. "
        f"Differentiating the definition gives ${nt.partial(b, nt.tex(z))} = {nt.tex(dz_db)}$ (SymPy), so by the chain rule "
        r"$\frac{\partial e}{\partial b^{\ell}_{i}} = \frac{\partial e}{\partial z^{\ell}_{i}} \cdot 1 = \delta^{\ell}_{i} \varphi'(z^{\ell}_{i})$, "
        r"that is $\nabla_{b^{\ell}} e = \Diag(\varphi^{\ell\prime}) \delta^{\ell}$: the weight gradient without the factor $(a^{\ell-1})^{\top}$. "
        "For this network:",
    ]
    layout = nt.layout()
    rows = []
    for layer in range(1, net.depth + 1):
        rows += nt.matrix_rows(
            layout, f"\\nabla_{{b^{{{layer}}}}} e", steps.bias_gradients[layer], middle=f"{nt.diag(layer)} \\delta^{{{layer}}}",
            entry=lambda i, j, layer=layer: nt.partial(net.b(layer)[i]),
        )
    paragraphs.append(align(rows))
    first_bias = net.b(1)[0]
    layout = nt.layout()
    rows = layout.equation(nt.partial(first_bias), d.backprop_form(first_bias))
    paragraphs += [
        f"Substituted top-down, the deepest bias gradient is (proved equal to the direct derivative below):",
        layout.aligned(rows),
    ]
    return section(r"Bias gradients (L12, the homework)", paragraphs, level="subsection")


# --- proof ------------------------------------------------------------------------------------------------------

def proof(nt: NetworkTex) -> str:
    d = nt.d
    result = d.proof
    proved = sum(entry.status == "proved" for entry in result.entries)
    total = len(result.entries)
    verdict = r"\textbf{Proved}" if result.holds else r"\textbf{Not proved}"
    kinds = "weights and biases" if nt.net.has_bias else "weights"
    paragraphs = [
        f"{verdict}: for {proved} of the {total} parameters ({kinds}), the gradient from backpropagation is "
        "identical to the direct derivative of the composed loss. "
        f"Method: {text(result.method)}.",
        r"Both sides are rewritten into the layer atoms $a^{\ell}_{i}$ and $\varphi'(z^{\ell}_{i})$, which makes them "
        r"polynomials (rational in $e^{a^{L}_{j}}$ for softmax outputs); $\operatorname{expand}(\text{direct} - "
        r"\text{backprop}) = 0$ is then an exact identity that holds for every differentiable $\varphi$.",
    ]
    lemmas = []
    for lemma in result.lemmas:
        from ..activations import get_activation

        activation = get_activation(lemma.activation)
        status = "proved" if lemma.holds else "FAILS"
        lemmas.append(f"${activation.derivative_latex}$: {status} ({text(lemma.method)})")
    if lemmas:
        paragraphs.append(
            "For the concrete activations the derivative lemma carries the identity over: " + "; ".join(lemmas) + "."
        )
    for entry in result.failures[:5]:
        line = f"${nt.tex(entry.parameter)}$: {entry.status} ({text(entry.method)})"
        if entry.counterexample is not None:
            line += "; counterexample: " + text(entry.counterexample.describe())
        paragraphs.append(line)
    if result.spot_check is not None:
        check = result.spot_check
        agreement = "agree to within $10^{-12}$" if check.max_relative_difference < 1e-12 else "do NOT agree"
        paragraphs.append(
            f"A numeric spot check (evidence, not a proof): at {check.points} random points both derivations "
            f"{agreement} on all {check.entries} entries."
        )
    theta = d.parameter
    if paths(nt.net, theta) <= 64:  # small enough to multiply out in SymPy as well
        difference = sp.expand(d.direct_form() - d.backprop_form())
        paragraphs.append(
            f"For ${nt.tex(theta)}$ as printed above, SymPy too: $\\operatorname{{expand}}\\bigl(\\text{{direct}} - "
            f"\\text{{backprop}}\\bigr) = {nt.tex(difference)}$."
        )
    return section("Proof: backpropagation equals the direct derivative", paragraphs, level="subsection")


# --- bound (L14) ------------------------------------------------------------------------------------------------

def bound(nt: NetworkTex) -> str:
    net, d = nt.net, nt.d
    L = net.depth
    layout = nt.layout()
    rows = []
    for layer in range(1, L + 1):
        diag = d.steps.Diag[layer]
        norm_diag = sp.Max(*[sp.Abs(diag[i, i]) for i in range(diag.rows)]) if diag.rows > 1 else sp.Abs(diag[0, 0])
        norm_a = sp.sqrt(sp.Add(*[v**2 for v in net.a(layer - 1)]))
        product = " ".join(f"V^{{{k}}}" for k in range(layer + 1, L + 1)) + f" \\delta^{{{L}}}"
        rows.append(
            f"\\left\\|\\nabla_{{W^{{{layer}}}}} e\\right\\|_{{2}} &\\le \\left\\|{nt.diag(layer)}\\right\\|_{{2}}"
            f" \\left\\|{product}\\right\\|_{{2}} \\left\\|a^{{{layer - 1}}}\\right\\|_{{2}}"
        )
        rows += layout.equation(f"\\left\\|{nt.diag(layer)}\\right\\|_{{2}}", norm_diag)
        rows += layout.equation(f"\\left\\|a^{{{layer - 1}}}\\right\\|_{{2}}", norm_a)
    paragraphs = [
        r"Taking norms in $\nabla_{W^{\ell}} e = \Diag(\varphi^{\ell\prime}) V^{\ell+1} \cdots V^{L} \delta^{L} (a^{\ell-1})^{\top}$ "
        r"gives the bound L14 (the spectral norm of an outer product $u v^{\top}$ is $\|u\|_{2} \|v\|_{2}$; "
        r"the norm of a diagonal matrix is its largest entry in absolute value). With this network's factors:",
        align(rows),
        r"and $\|V^{k} \cdots V^{L} \delta^{L}\|_{2} \le \prod_{m=k}^{L} \|W^{m}\|_{2} \|\Diag(\varphi^{m\prime})\|_{2}"
        r" \cdot \|\delta^{L}\|_{2}$. A product of many factors below one makes early-layer gradients vanish; "
        "factors above one make them explode.",
    ]
    return section(r"Gradient bound (L14)", paragraphs, level="subsection")
