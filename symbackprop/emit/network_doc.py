"""The derivation of one network, as document sections (L7–L15, L12, L13, L14; L18–L22 for softmax).

Every formula about the network is printed from the symbolic objects — :class:`~symbackprop.MLP`,
:func:`~symbackprop.direct`, the recursion's matrices, :func:`~symbackprop.prove` — never typed:
the local derivatives L7–L9 are SymPy's ``diff`` of the network's own definitions, δ^L is the
derivative of its loss, and so on.  Prose around them is typed, once per idea.

:func:`network_section` is one ``\\section`` with a subsection per part (what the whole lecture
embeds); :func:`network_sections` gives each part its own section (the per-network document of
``symbackprop derive --sizes …``), so a lecturer can pick parts with ``--sections``.
"""

from __future__ import annotations

from typing import Callable, Sequence

import sympy as sp

from .._kernel.size import gradient_terms
from ..activations import get_activation, phi_prime
from ..errors import LimitError
from ..network import MLP
from ..printing import LecturePrinter, text
from .document import Section, answer, section, show_answers
from .forms import NetworkDerivation
from .layout import Layout, Namer, align, visual_width

__all__ = [
    "PARTS",
    "network_section",
    "network_sections",
    "require_printable",
    "DOCUMENT_TERM_LIMIT",
    "DOCUMENT_LAYER_LIMIT",
    "network_subsections",
    "describe_network",
    "derivative_formulas",
    "NetworkTex",
    "paths",
    "expand_paths",
    "output_layer",
    "prediction_error_gradient",
]

PARTS = ("forward", "loss", "direct", "backprop", "bias", "proof", "bound", "softmax")
"""The parts of a network's derivation, in the lecture's order."""

_TITLES = {
    "forward": "Forward pass (L15)",
    "loss": "Loss",
    "direct": "Direct derivative of ${parameter}$",
    "backprop": r"Backpropagation (L7--L11, L13)",
    "bias": r"Bias gradients (L12, the homework)",
    "proof": "Proof: backpropagation equals the direct derivative",
    "bound": r"Gradient bound (L14)",
    "softmax": r"Softmax outputs and the KL divergence (L18--L22)",
}


class NetworkTex:
    """Printing helpers bound to one network: its activation names, the lecture's signs, one namer for
    the sub-expressions its displays name (T_1, T_2, … across the whole derivation)."""

    def __init__(self, derivation: NetworkDerivation) -> None:
        self.d = derivation
        self.net = derivation.net
        self.printer = LecturePrinter({"activation_names": derivation.names, "lecture_signs": True})
        self.namer = Namer()
        self.shown_parts: tuple[str, ...] = PARTS  # the parts of this derivation the document shows

    def layout(self, *, known: bool = False, define: bool = False) -> Layout:
        """A layout sharing this network's namer; ``known``: a too-wide factor that is an entry δ^ℓ_i of the
        recursion is written δ^ℓ_i (and, with ``define``, defined underneath as the value it has)."""
        return Layout(self.printer, namer=self.namer, known=self.d.known_names if known else None, define_known=define)

    def tex(self, expr: sp.Basic) -> str:
        return self.printer.doprint(expr)

    # --- notation for the network's objects ---------------------------------------------------------
    def act(self, layer: int) -> str:
        """The activation's letter of a layer: \\varphi, \\sigma, … (\\varphi for an identity layer)."""
        return r"\varphi" if self.identity(layer) else self.d.names[layer]

    def identity(self, layer: int) -> bool:
        return self.net.activation(layer).name == "identity"

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
                if matrix[i, j] != 0 or matrix.rows != matrix.cols:
                    rows.extend(layout.equation(entry(i, j), matrix[i, j]))
        return rows


# --- describing the network ------------------------------------------------------------------------------

_ACTIVATION_PROSE = {
    "phi": r"a generic differentiable activation $\varphi$",
    "sigmoid": r"the sigmoid $\sigma(z) = 1/(1+e^{-z})$",
    "tanh": r"$\tanh$",
    "relu": r"$\operatorname{ReLU}(z) = \max(0, z)$",
    "identity": r"no activation (the identity)",
}


def _layer_ranges(net: MLP) -> list[tuple[int, int, str]]:
    """(first, last, description) for runs of consecutive layers with the same activation."""
    runs: list[tuple[int, int, str]] = []
    for layer in range(1, net.depth + 1):
        activation = net.activation(layer)
        prose = _ACTIVATION_PROSE.get(activation.name, "$" + activation.latex + "$")
        if net.softmax and layer == net.depth:
            prose = "no activation, followed by the softmax"
        if runs and runs[-1][2] == prose:
            runs[-1] = (runs[-1][0], layer, prose)
        else:
            runs.append((layer, layer, prose))
    return runs


def describe_network(net: MLP) -> str:
    """One sentence about the network, in LaTeX (each activation named once)."""
    sizes = ", ".join(f"N_{{{k}}} = {n}" for k, n in enumerate(net.sizes))
    parts = []
    for first, last, prose in _layer_ranges(net):
        where = f"layer {first}" if first == last else f"layers {first}--{last}"
        parts.append(f"{where}: {prose}")
    bias = r"every neuron has a bias $b^{\ell}_{i}$" if net.has_bias else "no biases"
    sentence = f"$L = {net.depth}$ layers with ${sizes}$; " + "; ".join(parts) + f"; {bias}; sample-wise loss ${net.loss.latex}$."
    if any(net.activation(layer).generic for layer in range(1, net.depth + 1)):
        sentence += r" Because $\varphi$ is left generic, every result below holds for every differentiable activation."
    return sentence


def derivative_formulas(nt: NetworkTex) -> str:
    """"σ'(z^ℓ_i) = a^ℓ_i(1 − a^ℓ_i)" for each concrete activation of the network, or '' (said once)."""
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
    return (
        r"The derivative of each activation is written with the neuron's own symbols (the same formula "
        r"for every neuron $i$ of the layer):" + "\n" + align(rows)
    )


# --- assembling ----------------------------------------------------------------------------------------------

def _chosen(net: MLP, parts: Sequence[str] | None) -> list[str]:
    chosen = PARTS if parts is None else tuple(parts)
    unknown = set(chosen) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown parts {sorted(unknown)}; choose from {PARTS}")
    return [p for p in PARTS if p in chosen and (p != "bias" or net.has_bias) and (p != "softmax" or net.softmax)]


def network_section(
    net: MLP,
    *,
    title: str | None = None,
    parameter: str | sp.Symbol | None = None,
    intro: str | None = None,
    name: str = "network",
    parts: Sequence[str] | None = None,
) -> Section:
    """A \\section deriving everything about ``net``, one subsection per part (``parts``: a subset of :data:`PARTS`)."""

    def build() -> str:
        derivation = NetworkDerivation(net, parameter)
        heading = title or f"The network ${_sizes_tex(net)}$"
        return section(heading, [intro or "", *network_subsections(derivation, parts, answers=None)], name=name)

    return Section(name, build)


def network_subsections(
    derivation: NetworkDerivation, parts: Sequence[str] | None = None, *, level: str = "subsection", answers: bool | None = True
) -> list[str]:
    """The parts of one network's derivation, in the lecture's order, each a (sub)section.

    The homework's answer (the bias part) is shown (``answers=True``), replaced by a box (``False``), or
    left marked for the document builder to decide (``None``)."""
    nt = NetworkTex(derivation)
    chosen = _chosen(derivation.net, parts)
    nt.shown_parts = tuple(chosen)
    built = [section(_title(part, nt), _BUILDERS[part](nt), level=level, name=None) for part in chosen]
    return built if answers is None else [show_answers(part, answers) for part in built]


def network_sections(net: MLP, *, parameter: str | sp.Symbol | None = None, parts: Sequence[str] | None = None) -> list[Section]:
    """Each part of ``net``'s derivation as its own :class:`Section` (named after the part), sharing one
    derivation and one namer — the per-network document."""
    require_printable(net)
    state: dict[str, NetworkTex] = {}

    chosen = _chosen(net, parts)

    def tex() -> NetworkTex:
        if "nt" not in state:
            state["nt"] = NetworkTex(NetworkDerivation(net, parameter))
            state["nt"].shown_parts = tuple(chosen)
        return state["nt"]

    built: set[str] = set()

    def builder(part: str) -> Callable[[], str]:
        def build() -> str:
            if part in built:  # a new document from the same sections: names T_k start again
                built.clear()
                state.pop("nt", None)
            built.add(part)
            return section(_title(part, tex()), _BUILDERS[part](tex()), name=part)

        return build

    return [Section(part, builder(part)) for part in chosen]


DOCUMENT_TERM_LIMIT = 5_000
"""Terms of ∂e/∂w^1 multiplied out (:func:`~symbackprop._kernel.size.gradient_terms`) beyond which a network's
document is refused: it prints δ^ℓ substituted through every later layer, and [2]*13 (4,096 terms) takes 20 s."""
DOCUMENT_LAYER_LIMIT = 50
"""Layers beyond which a network's document is refused: its formulas nest one level per layer, and 100
layers of width 1 take 26 s (5,000 did not finish)."""


def require_printable(net: MLP) -> None:
    """Refuse, before any work and in one line (:class:`~symbackprop.errors.LimitError`), a network whose
    derivation document would grow past :data:`DOCUMENT_TERM_LIMIT` or :data:`DOCUMENT_LAYER_LIMIT`."""
    if net.depth > DOCUMENT_LAYER_LIMIT:
        raise LimitError(
            f"a document for {net.depth} layers is too deep to derive and print (limit {DOCUMENT_LAYER_LIMIT}); "
            "prove the network instead (symbackprop prove), or document fewer layers"
        )
    terms = gradient_terms(net, 1)
    if terms > DOCUMENT_TERM_LIMIT:
        raise LimitError(
            f"∂e/∂w^1 of this network multiplied out has {terms:,} terms, too many to derive and print in a document "
            f"(limit {DOCUMENT_TERM_LIMIT:,}); prove it instead (symbackprop prove), or document narrower or fewer layers"
        )


def _title(part: str, nt: NetworkTex) -> str:
    return _TITLES[part].replace("{parameter}", nt.tex(nt.d.parameter))


def _sizes_tex(net: MLP) -> str:
    return "[" + ", ".join(str(n) for n in net.sizes) + "]"


# --- forward pass (L15) --------------------------------------------------------------------------------

def forward_pass(nt: NetworkTex) -> list[str]:
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
            middle=None if nt.identity(layer) else f"{nt.act(layer)}\\left(z^{{{layer}}}\\right)",
            entry=lambda i, j, layer=layer: nt.tex(net.a(layer)[i]),
        )
    if net.softmax:
        q = sp.ImmutableMatrix([net.definitions[q] for q in net.q])
        rows += nt.matrix_rows(layout, "q", q, middle=r"\operatorname{softmax}\left(a^{%d}\right)" % net.depth,
                               entry=lambda i, j: nt.tex(net.q[i]))
    paragraphs = [describe_network(net), "Layer by layer, with $a^{0} = x$:", align(rows)]
    paragraphs += _composed_output(nt, layout)
    formulas = derivative_formulas(nt)
    if formulas:
        paragraphs.append(formulas)
    return paragraphs


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
    if best is None or best[0] > net.depth - 2:
        return []  # composing only the last layer repeats the definition of z^L
    down_to, texs = best
    rows = [f"{name}_{{{i + 1}}} &= {t}" if len(texs) > 1 else f"{name} &= {t}" for i, t in enumerate(texs)]
    if down_to == 0:
        lead = r"Composed, $\hat{y} = \mathrm{MLP}(x; w) = \varphi(W^{L} \varphi(W^{L-1} \cdots \varphi(W^{1} x) \cdots))$ (L15):"
        if net.softmax:
            lead = r"Composed (L15), the softmax inputs are:"
    else:
        lead = f"Composed (L15) down to layer {down_to} (one level deeper would not fit on a line):"
    return [lead, align(rows)]


# --- loss ----------------------------------------------------------------------------------------------

def loss(nt: NetworkTex) -> list[str]:
    net = nt.net
    layout = nt.layout()
    paragraphs = [f"The sample-wise loss ${net.loss.latex}$, for this network's outputs:", align(layout.equation("e", net.e))]
    if net.softmax:
        paragraphs += [
            r"Written with the softmax inputs $a^{L}$ only (log-softmax) --- the form that is differentiated:",
            align(layout.equation("e", net.e_explicit)),
        ]
    paragraphs.append(r"Over $S$ samples the total error is $E(w) = \sum_{i=1}^{S} e^{i}(w)$.")
    return paragraphs


# --- direct derivative -----------------------------------------------------------------------------------

def direct_derivative(nt: NetworkTex) -> list[str]:
    d = nt.d
    theta = d.parameter
    layout = nt.layout(known=True, define=True)
    form = d.direct_form()
    rows = layout.equation(nt.partial(theta), form)
    paragraphs = [
        f"SymEngine differentiates the composed loss $e(w)$ with respect to ${nt.tex(theta)}$ (one undefined "
        r"function per layer); then every $\varphi(z^{\ell}_{i})$ is written $a^{\ell}_{i}$ and the derivative "
        r"of layer $\ell$'s activation as $\varphi'(z^{\ell}_{i})$" + (r" (with $\sum_{j} y_{j} = 1$ for the one-hot target)" if d.one_hot else "") + ":",
        layout.aligned(rows),
    ]
    expanded = expand_paths(nt.net, form) if paths(nt.net, theta) <= 16 else form
    terms = sp.Add.make_args(expanded)
    if 1 < len(terms) <= 16 and expanded != form:
        layout = nt.layout()
        paragraphs += [
            f"Multiplied out (keeping each output's error factor), it has {len(terms)} terms, one per path from "
            f"${nt.tex(theta)}$ through the network to an output: the chain rule's sum over paths.",
            align(layout.equation(nt.partial(theta), expanded)),
        ]
    return paragraphs


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


# --- backpropagation (L7–L11, L13) --------------------------------------------------------------------------

def output_layer(nt: NetworkTex) -> list[str]:
    """δ^L (and, for a one-hot target, the step to q − y) and, for softmax outputs, ∇_{W^L} e = (q − y)(a^{L−1})^T."""
    net, d = nt.net, nt.d
    L = net.depth
    layout = nt.layout()
    name = lambda i, j: nt.tex(d.steps.delta_symbols[L][i])  # noqa: E731
    raw = d.steps.output_delta
    paragraphs = [
        r"\textbf{Output layer.} $\delta^{L}$ is the derivative of the loss with respect to the last activations "
        r"(the lecture's $\delta$ is $\partial e / \partial a$, not $\partial e / \partial z$):",
        align(nt.matrix_rows(layout, f"\\delta^{{{L}}}", raw, middle=f"\\frac{{\\partial e}}{{\\partial a^{{{L}}}}}", entry=name)),
    ]
    if d.one_hot:
        paragraphs += [
            r"For a one-hot target $\sum_{j} y_{j} = 1$, and every entry becomes $q_{j} - y_{j}$ (L22):",
            align(nt.matrix_rows(layout, f"\\delta^{{{L}}}", d.output_delta, middle="q - y", entry=name)),
        ]
    return paragraphs


def backpropagation(nt: NetworkTex) -> list[str]:
    net, d = nt.net, nt.d
    steps = d.steps
    L = net.depth
    paragraphs = [_local_derivatives(nt), *output_layer(nt)]

    layout = nt.layout()
    rows = []
    for layer in range(1, L + 1):
        if nt.identity(layer):
            rows.append(f"{nt.diag(layer)} &= I \\quad \\text{{(layer {layer} has no activation)}}")
            continue
        rows += nt.matrix_rows(layout, nt.diag(layer), steps.Diag[layer],
                               entry=lambda i, j, layer=layer: r"\left(%s\right)_{%d%d}" % (nt.diag(layer), i + 1, j + 1))
    paragraphs += [r"\textbf{Diagonal matrices} $\Diag(\varphi^{\ell\prime}) = \operatorname{diag}(\varphi'(z^{\ell}_{1}), \ldots, \varphi'(z^{\ell}_{N_{\ell}}))$:", align(rows)]

    if L >= 2:
        layout = nt.layout()
        rows = []
        for layer in range(2, L + 1):
            middle = f"\\left(W^{{{layer}}}\\right)^{{\\top}}" + ("" if nt.identity(layer) else f" {nt.diag(layer)}")
            rows += nt.matrix_rows(layout, f"V^{{{layer}}}", steps.V[layer], middle=middle,
                                   entry=lambda i, j, layer=layer: f"V^{{{layer}}}_{{{i + 1}{j + 1}}}")
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
        rows = nt.matrix_rows(layout, "\\delta^{1}", d.delta_expanded(1), middle=product,
                              entry=lambda i, j: nt.tex(steps.delta_symbols[1][i]))
        paragraphs += [
            r"Unrolled to the first layer, $\delta^{1} = V^{2} \cdots V^{L} \delta^{L}$: the output error $\delta^{L}$ "
            r"flows back through every layer (L13):",
            layout.aligned(rows),
        ]

    layout = nt.layout()
    rows = []
    for layer in range(1, L + 1):
        middle = ("" if nt.identity(layer) else f"{nt.diag(layer)} ") + f"\\delta^{{{layer}}} \\left(a^{{{layer - 1}}}\\right)^{{\\top}}"
        rows += nt.matrix_rows(layout, f"\\nabla_{{W^{{{layer}}}}} e", steps.weight_gradients[layer], middle=middle,
                               entry=lambda i, j, layer=layer: nt.partial(net.W(layer)[i, j]))
    paragraphs += [r"\textbf{Weight gradients} (L11), $\nabla_{W^{\ell}} e = \Diag(\varphi^{\ell\prime}) \delta^{\ell} (a^{\ell-1})^{\top}$:", align(rows)]
    if d.one_hot:
        paragraphs += [r"With $\delta^{L} = q - y$ the last layer's gradient is the outer product of the prediction error and the layer's input:",
                       prediction_error_gradient(nt)]
    paragraphs += _parameter_by_backprop(nt)
    return paragraphs


def prediction_error_gradient(nt: NetworkTex) -> str:
    """∇_{W^L} e = (q − y)(a^{L−1})^T with δ^L = q − y put in (softmax outputs, one-hot target; L22)."""
    net, d = nt.net, nt.d
    steps, L = d.steps, net.depth
    values = steps.weight_gradients[L].xreplace(dict(zip(steps.delta_symbols[L], d.output_delta)))
    return align(nt.matrix_rows(nt.layout(), f"\\nabla_{{W^{{{L}}}}} e", values, middle=f"(q - y) \\left(a^{{{L - 1}}}\\right)^{{\\top}}",
                                entry=lambda i, j: nt.partial(net.W(L)[i, j])))


def _parameter_by_backprop(nt: NetworkTex) -> list[str]:
    """The chosen parameter's gradient from the recursion, compared with the direct derivative."""
    d = nt.d
    theta = d.parameter
    info = nt.net.parameter_info(theta)
    where = f"entry $({info.i}, {info.j})$ of $\\nabla_{{W^{{{info.layer}}}}} e$" if info.kind == "w" else f"entry {info.i} of $\\nabla_{{b^{{{info.layer}}}}} e$"
    steps = d.steps
    if info.kind == "w":
        entry = steps.weight_gradients[info.layer][info.i - 1, info.j - 1]
    else:
        entry = steps.bias_gradients[info.layer][info.i - 1, 0]
    scratch = lambda: Layout(nt.printer)  # noqa: E731 - a layout of its own: comparing names nothing in the document
    same = scratch().equation(nt.partial(theta), d.backprop_form()) == scratch().equation(nt.partial(theta), d.direct_form())
    probe = scratch()
    probe.equation("", d.backprop_form())
    rows = [f"{nt.partial(theta)} &= {nt.tex(entry)}"]
    if probe.namer.names:  # written out it needs a name for a factor: that factor is an entry δ^ℓ_i above
        lead = f"For ${nt.tex(theta)}$ ({where}), with the entries of the recursion computed above:"
    else:
        lead = f"For ${nt.tex(theta)}$ ({where}), and with the recursion substituted:"
        rows += nt.layout().equation("", d.backprop_form())
    result = [lead, align(rows)]
    if "direct" in nt.shown_parts:
        result.append("Written out, this is the direct derivative found above, symbol for symbol." if same
                      else "Written out, it equals the direct derivative found above (proved below).")
    return result


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
        derivative = "" if nt.identity(layer + 1) else rf"\, {nt.act(layer + 1)}'\left(z^{{{layer + 1}}}_{{m}}\right)"
        rows.append(
            rf"{nt.partial(a, nt.tex(z_next))} &= {nt.tex(da)}, & {de(a)} &= \sum_{{m=1}}^{{{net.sizes[layer + 1]}}} "
            rf"\frac{{\partial e}}{{\partial a^{{{layer + 1}}}_{{m}}}}{derivative}"
            rf" w^{{{layer + 1}}}_{{m{i}}} && \text{{(L9)}}"
        )
    intro = (
        "\\textbf{Local derivatives.} Differentiating the network's definitions (SymPy, left) gives the facts "
        f"the chain rule multiplies (right), at the indices of ${nt.tex(nt.d.parameter)}$:"
    )
    return intro + "\n" + align(rows)


# --- bias gradients (L12) -------------------------------------------------------------------------------------

def bias_question() -> str:
    return (
        r"\textbf{Homework (L12).} Give every neuron a bias, $z^{\ell}_{i} = \sum_{j} w^{\ell}_{ij} a^{\ell-1}_{j} + b^{\ell}_{i}$, "
        r"and compute the gradients of the loss with respect to the biases."
    )


def bias_gradients(nt: NetworkTex) -> list[str]:
    net, d = nt.net, nt.d
    steps = d.steps
    z, b = net.z(net.depth)[0], net.b(net.depth)[0]
    dz_db = sp.diff(net.z_definition(net.depth)[0], b)
    layout = nt.layout()
    rows = []
    for layer in range(1, net.depth + 1):
        middle = ("" if nt.identity(layer) else f"{nt.diag(layer)} ") + f"\\delta^{{{layer}}}"
        rows += nt.matrix_rows(layout, f"\\nabla_{{b^{{{layer}}}}} e", steps.bias_gradients[layer], middle=middle,
                               entry=lambda i, j, layer=layer: nt.partial(net.b(layer)[i]))
    count = sum(1 for entry in d.proof.entries if net.parameter_info(entry.parameter).kind == "b" and entry.status == "proved")
    total = sum(1 for entry in d.proof.entries if net.parameter_info(entry.parameter).kind == "b")
    body = "\n\n".join([
        r"\textbf{Answer.} Differentiating the definition of $z^{\ell}_{i}$ gives "
        f"${nt.partial(b, nt.tex(z))} = {nt.tex(dz_db)}$ (SymPy), so by the chain rule "
        r"$\frac{\partial e}{\partial b^{\ell}_{i}} = \frac{\partial e}{\partial z^{\ell}_{i}} \cdot 1 = \delta^{\ell}_{i} \varphi'(z^{\ell}_{i})$, "
        r"that is $\nabla_{b^{\ell}} e = \Diag(\varphi^{\ell\prime}) \delta^{\ell}$: the weight gradient without the factor "
        r"$(a^{\ell-1})^{\top}$. For this network:",
        align(rows),
        f"All {total} bias gradients are identical to the direct derivatives of the composed loss ({count} of {total} proved, exactly).",
    ])
    return [bias_question(), answer(body, hidden=r"\answerbox{12}")]


# --- proof ------------------------------------------------------------------------------------------------------

def proof(nt: NetworkTex) -> list[str]:
    d = nt.d
    result = d.proof
    proved = sum(entry.status == "proved" for entry in result.entries)
    total = len(result.entries)
    verdict = r"\textbf{Proved}" if result.holds else r"\textbf{Not proved}"
    kinds = "weights and biases" if nt.net.has_bias else "weights"
    paragraphs = [
        f"{verdict}: for {proved} of the {total} parameters ({kinds}) the gradient from backpropagation is "
        f"identical to the direct derivative of the composed loss. Method: {text(result.method)}.",
        r"Both sides are rewritten into the layer atoms $a^{\ell}_{i}$ and $\varphi'(z^{\ell}_{i})$, which makes them "
        r"polynomials (rational in $e^{a^{L}_{j}}$ for softmax outputs); $\operatorname{expand}(\text{direct} - "
        r"\text{backprop}) = 0$ is then an exact identity that holds for every differentiable $\varphi$"
        + (r" and every target $y$ (the one-hot constraint is used only to print the formulas)" if d.one_hot else "") + ".",
    ]
    lemmas = []
    for lemma in result.lemmas:
        activation = get_activation(lemma.activation)
        status = "proved" if lemma.holds else "FAILS"
        lemmas.append(f"${activation.derivative_latex}$: {status} ({text(lemma.method)})")
    if lemmas:
        paragraphs.append("For the concrete activations the derivative lemma carries the identity over: " + "; ".join(lemmas) + ".")
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
    return paragraphs


# --- bound (L14) ------------------------------------------------------------------------------------------------

def bound(nt: NetworkTex) -> list[str]:
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
            f" \\left\\|{product.strip()}\\right\\|_{{2}} \\left\\|a^{{{layer - 1}}}\\right\\|_{{2}}"
        )
        explicit = layout.equation(f"\\left\\|{nt.diag(layer)}\\right\\|_{{2}}", norm_diag)
        if len(explicit) == 1 and visual_width(explicit[0]) <= layout.width:
            rows += explicit
        else:  # too many neurons to list: the same maximum, written with its index
            derivative = "1" if nt.identity(layer) else rf"{nt.act(layer)}'\left(z^{{{layer}}}_{{i}}\right)"
            rows.append(f"\\left\\|{nt.diag(layer)}\\right\\|_{{2}} &= \\max_{{i = 1, \\ldots, {net.sizes[layer]}}} \\left|{derivative}\\right|")
        rows += layout.equation(f"\\left\\|a^{{{layer - 1}}}\\right\\|_{{2}}", norm_a)
    return [
        r"Taking norms in $\nabla_{W^{\ell}} e = \Diag(\varphi^{\ell\prime}) V^{\ell+1} \cdots V^{L} \delta^{L} (a^{\ell-1})^{\top}$ "
        r"gives the bound L14 (the spectral norm of an outer product $u v^{\top}$ is $\|u\|_{2} \|v\|_{2}$; "
        r"that of a diagonal matrix is its largest entry in absolute value). With this network's factors:",
        align(rows),
        r"A product of many factors below one makes early layers' gradients vanish; factors above one make them explode.",
    ]


def _softmax(nt: NetworkTex) -> list[str]:
    from .multiclass import kl_identity, softmax_distribution

    return [softmax_distribution(nt.net, nt.printer), kl_identity(nt.net.sizes[-1])]


_BUILDERS: dict[str, Callable[[NetworkTex], list[str]]] = {
    "forward": forward_pass,
    "loss": loss,
    "direct": direct_derivative,
    "backprop": backpropagation,
    "bias": bias_gradients,
    "proof": proof,
    "bound": bound,
    "softmax": _softmax,
}
