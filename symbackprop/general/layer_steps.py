"""The recursion for a generic layer, symbolic widths: L7–L9, the induction step, L10–L12.

Every derivative is SymPy's ``diff`` of the layer's definitions (z^ℓ_i = Σ_k w^ℓ_ik a^{ℓ−1}_k + b^ℓ_i,
a^ℓ_i = φ(z^ℓ_i)); the candidate recursion's entries are SymPy's entries of its matrix expressions.  The
multivariate chain rule is the one axiom: it is used only in the form stated in step ``chain-rule``.
"""

from __future__ import annotations

from typing import Sequence

import sympy as sp

from ..activations import phi, phi_prime
from .checks import Identity, assemble_step, shape_problem
from .layer import GenericLayer, index
from .recursion import LayerMatrices, Recursion
from .result import Evidence, Method, Step
from .sums import matrix_entry

__all__ = [
    "chain_rule_step",
    "local_derivative_steps",
    "induction_step",
    "l10_step",
    "gradient_steps",
    "LAYER_CONFIGURATIONS",
]

i, j, m, r, s = (index(name) for name in "ijmrs")

# small widths at which a failing layer identity is instantiated (equal widths first: some wrong rules
# are defined only for square matrices)
LAYER_CONFIGURATIONS = tuple(
    (layer, {name: int(width) for name, width in layer.widths.items()})
    for layer in (GenericLayer.concrete(2, 2, 2), GenericLayer.concrete(2, 3, 2), GenericLayer.concrete(3, 2, 3))
)

CHAIN_RULE_LATEX = (
    r"\frac{\partial e}{\partial u_{i}} = \sum_{m=1}^{p} \frac{\partial e}{\partial v_{m}}\,"
    r"\frac{\partial v_{m}}{\partial u_{i}}"
)


def chain_rule_step() -> Step:
    """The one axiom."""
    statement = (
        "multivariate chain rule: if e depends on u ∈ R^n only through v = g(u) ∈ R^p, g differentiable, "
        "then ∂e/∂u_i = Σ_{m=1}^{p} ∂e/∂v_m · ∂v_m/∂u_i"
    )
    evidence = Evidence(
        statement,
        CHAIN_RULE_LATEX,
        Method.AXIOM,
        True,
        "taken as given (the one axiom); used with (u, v) = (w^ℓ or b^ℓ, z^ℓ), (z^ℓ, a^ℓ), (a^ℓ, z^{ℓ+1}), "
        "(a^ℓ, a^{ℓ+1}) and (w^ℓ or b^ℓ, a^ℓ)",
    )
    return Step("chain-rule", "the multivariate chain rule (axiom)", statement, CHAIN_RULE_LATEX, Method.AXIOM, (evidence,))


def _ranges(layer: GenericLayer, **indices: str) -> dict[sp.Symbol, tuple[sp.Expr, sp.Expr]]:
    widths = {"previous": layer.previous, "width": layer.width, "following": layer.following}
    return {index(name): (sp.Integer(1), widths[which]) for name, which in indices.items()}


def local_derivative_steps(layer: GenericLayer | None = None) -> tuple[Step, Step, Step]:
    """L7, L8, L9: SymPy's derivatives of the layer definitions, then the chain rule summed exactly."""
    layer = layer or GenericLayer.symbolic()
    g = layer.de_dz
    l7 = [
        Identity(
            "dz/dw",
            "∂z^ℓ_i/∂w^ℓ_rs = δ_ir a^{ℓ−1}_s",
            r"\frac{\partial z^{\ell}_{i}}{\partial w^{\ell}_{rs}} = \delta_{ir}\, a^{\ell-1}_{s}",
            Method.SYMBOLIC_DIFFERENTIATION,
            sp.KroneckerDelta(i, r) * layer.a_previous[s],
            sp.diff(layer.z_definition(i), layer.w[r, s]),
            _ranges(layer, i="width", r="width", s="previous"),
        ),
        Identity(
            "dz/db",
            "∂z^ℓ_i/∂b^ℓ_r = δ_ir",
            r"\frac{\partial z^{\ell}_{i}}{\partial b^{\ell}_{r}} = \delta_{ir}",
            Method.SYMBOLIC_DIFFERENTIATION,
            sp.KroneckerDelta(i, r),
            sp.diff(layer.z_definition(i), layer.b[r]),
            _ranges(layer, i="width", r="width"),
        ),
        Identity(
            "chain w",
            "∂e/∂w^ℓ_ij = Σ_r ∂e/∂z^ℓ_r · ∂z^ℓ_r/∂w^ℓ_ij = ∂e/∂z^ℓ_i · a^{ℓ−1}_j",
            r"\frac{\partial e}{\partial w^{\ell}_{ij}} = \sum_{r=1}^{N_{\ell}} \frac{\partial e}{\partial z^{\ell}_{r}}"
            r"\frac{\partial z^{\ell}_{r}}{\partial w^{\ell}_{ij}} = \frac{\partial e}{\partial z^{\ell}_{i}}\, a^{\ell-1}_{j}",
            Method.EXACT_IDENTITY,
            g[i] * layer.a_previous[j],
            sp.Sum(g[r] * sp.diff(layer.z_definition(r), layer.w[i, j]), (r, 1, layer.width)),
            _ranges(layer, i="width", j="previous"),
        ),
        Identity(
            "chain b",
            "∂e/∂b^ℓ_i = Σ_r ∂e/∂z^ℓ_r · ∂z^ℓ_r/∂b^ℓ_i = ∂e/∂z^ℓ_i",
            r"\frac{\partial e}{\partial b^{\ell}_{i}} = \frac{\partial e}{\partial z^{\ell}_{i}}",
            Method.EXACT_IDENTITY,
            g[i],
            sp.Sum(g[r] * sp.diff(layer.z_definition(r), layer.b[i]), (r, 1, layer.width)),
            _ranges(layer, i="width"),
        ),
    ]
    l8 = [
        Identity(
            "da/dz",
            "∂a^ℓ_r/∂z^ℓ_i = δ_ri φ'(z^ℓ_i)",
            r"\frac{\partial a^{\ell}_{r}}{\partial z^{\ell}_{i}} = \delta_{ri}\, \varphi'(z^{\ell}_{i})",
            Method.SYMBOLIC_DIFFERENTIATION,
            sp.KroneckerDelta(r, i) * phi_prime(layer.z[i]),
            sp.diff(phi(layer.z[r]), layer.z[i]),
            _ranges(layer, i="width", r="width"),
        ),
        Identity(
            "chain z",
            "∂e/∂z^ℓ_i = Σ_r ∂e/∂a^ℓ_r · ∂a^ℓ_r/∂z^ℓ_i = ∂e/∂a^ℓ_i · φ'(z^ℓ_i)   (δ^ℓ_r = ∂e/∂a^ℓ_r)",
            r"\frac{\partial e}{\partial z^{\ell}_{i}} = \sum_{r=1}^{N_{\ell}} \delta^{\ell}_{r}\,"
            r"\frac{\partial a^{\ell}_{r}}{\partial z^{\ell}_{i}} = \delta^{\ell}_{i}\, \varphi'(z^{\ell}_{i})",
            Method.EXACT_IDENTITY,
            layer.delta[i] * phi_prime(layer.z[i]),
            sp.Sum(layer.delta[r] * sp.diff(phi(layer.z[r]), layer.z[i]), (r, 1, layer.width)),
            _ranges(layer, i="width"),
        ),
    ]
    l9 = [
        Identity(
            "dz/da",
            "∂z^{ℓ+1}_m/∂a^ℓ_i = w^{ℓ+1}_mi",
            r"\frac{\partial z^{\ell+1}_{m}}{\partial a^{\ell}_{i}} = w^{\ell+1}_{mi}",
            Method.SYMBOLIC_DIFFERENTIATION,
            layer.w_next[m, i],
            sp.diff(layer.z_next_definition(m), layer.a[i]),
            _ranges(layer, m="following", i="width"),
        ),
        Identity(
            "chain a",
            "∂e/∂a^ℓ_i = Σ_m ∂e/∂z^{ℓ+1}_m · ∂z^{ℓ+1}_m/∂a^ℓ_i = Σ_m ∂e/∂a^{ℓ+1}_m φ'(z^{ℓ+1}_m) w^{ℓ+1}_mi   (L8 at ℓ+1)",
            r"\frac{\partial e}{\partial a^{\ell}_{i}} = \sum_{m=1}^{N_{\ell+1}} \delta^{\ell+1}_{m}\,"
            r"\varphi'(z^{\ell+1}_{m})\, w^{\ell+1}_{mi}",
            Method.EXACT_IDENTITY,
            sp.Sum(layer.delta_next[m] * phi_prime(layer.z_next[m]) * layer.w_next[m, i], (m, 1, layer.following)),
            sp.Sum(
                layer.delta_next[m] * phi_prime(layer.z_next[m]) * sp.diff(layer.z_next_definition(m), layer.a[i]),
                (m, 1, layer.following),
            ),
            _ranges(layer, i="width"),
        ),
    ]
    chain = "chain rule (axiom, step chain-rule)"
    return (
        assemble_step(
            "L7",
            "the local derivatives of z^ℓ; chain rule through z^ℓ",
            "∂e/∂w^ℓ_ij = ∂e/∂z^ℓ_i · a^{ℓ−1}_j (and ∂e/∂b^ℓ_i = ∂e/∂z^ℓ_i)",
            r"\frac{\partial e}{\partial w^{\ell}_{ij}} = \frac{\partial e}{\partial z^{\ell}_{i}}\, a^{\ell-1}_{j},\qquad "
            r"\frac{\partial e}{\partial b^{\ell}_{i}} = \frac{\partial e}{\partial z^{\ell}_{i}}",
            Method.SYMBOLIC_DIFFERENTIATION,
            [l7[0], l7[1], _axiom(f"{chain}: e depends on w^ℓ, b^ℓ only through z^ℓ"), l7[2], l7[3]],
        ),
        assemble_step(
            "L8",
            "the local derivative of a^ℓ = φ(z^ℓ); chain rule through a^ℓ",
            "∂e/∂z^ℓ_i = ∂e/∂a^ℓ_i · φ'(z^ℓ_i)",
            r"\frac{\partial e}{\partial z^{\ell}_{i}} = \frac{\partial e}{\partial a^{\ell}_{i}}\, \varphi'(z^{\ell}_{i})",
            Method.SYMBOLIC_DIFFERENTIATION,
            [l8[0], _axiom(f"{chain}: e depends on z^ℓ only through a^ℓ"), l8[1]],
        ),
        assemble_step(
            "L9",
            "the local derivative of z^{ℓ+1}; chain rule through z^{ℓ+1}",
            "∂e/∂a^ℓ_i = Σ_{m=1}^{N_{ℓ+1}} ∂e/∂a^{ℓ+1}_m · φ'(z^{ℓ+1}_m) · w^{ℓ+1}_mi",
            r"\frac{\partial e}{\partial a^{\ell}_{i}} = \sum_{m=1}^{N_{\ell+1}} \frac{\partial e}{\partial a^{\ell+1}_{m}}\,"
            r"\varphi'(z^{\ell+1}_{m})\, w^{\ell+1}_{mi}",
            Method.SYMBOLIC_DIFFERENTIATION,
            [l9[0], _axiom(f"{chain}: e depends on a^ℓ only through z^{{ℓ+1}}"), l9[1]],
        ),
    )


def _axiom(statement: str) -> Evidence:
    return Evidence(statement, CHAIN_RULE_LATEX, Method.AXIOM, True, "the axiom of step chain-rule, instantiated")


def _induction_identities(recursion: Recursion, layer: GenericLayer) -> list[Identity]:
    V = recursion.V(layer.W_next, layer.Diag_next)
    candidate = matrix_entry(V * layer.Delta_next, i, 1, layer.atoms)
    derived = sp.Sum(layer.delta_next[m] * layer.next_activation_derivative(m, layer.a[i]), (m, 1, layer.following))
    return [
        Identity(
            "entry",
            "(V^{ℓ+1} δ^{ℓ+1})_i = Σ_m ∂e/∂a^{ℓ+1}_m · ∂a^{ℓ+1}_m/∂a^ℓ_i, with ∂a^{ℓ+1}_m/∂a^ℓ_i from SymPy's diff",
            r"\bigl(V^{\ell+1}\delta^{\ell+1}\bigr)_{i} = \sum_{m=1}^{N_{\ell+1}} \delta^{\ell+1}_{m}\,"
            r"\frac{\partial a^{\ell+1}_{m}}{\partial a^{\ell}_{i}}",
            Method.EXACT_IDENTITY,
            candidate,
            derived,
            _ranges(layer, i="width"),
            shape=shape_problem(V, (layer.width, layer.following), "V^{ℓ+1}"),
        )
    ]


INDUCTION_LATEX = (
    r"\delta^{\ell+1} = \frac{\partial e}{\partial a^{\ell+1}} \;\Longrightarrow\; "
    r"V^{\ell+1}\delta^{\ell+1} = \frac{\partial e}{\partial a^{\ell}},\quad "
    r"V^{\ell+1} = (W^{\ell+1})^{\top}\,\Diag(\varphi^{\ell+1\prime})"
)


def induction_step(recursion: Recursion) -> Step:
    """If δ^{ℓ+1} = ∂e/∂a^{ℓ+1}, then V^{ℓ+1} δ^{ℓ+1} = ∂e/∂a^ℓ — for the candidate V, entry by entry."""
    layer = GenericLayer.symbolic()
    derivative = layer.next_activation_derivative(m, layer.a[i])
    pieces: list = [
        _axiom("chain rule (axiom): ∂e/∂a^ℓ_i = Σ_m ∂e/∂a^{ℓ+1}_m · ∂a^{ℓ+1}_m/∂a^ℓ_i, with ∂e/∂a^{ℓ+1}_m = δ^{ℓ+1}_m"),
        Identity(
            "da/da",
            "∂a^{ℓ+1}_m/∂a^ℓ_i = φ'(z^{ℓ+1}_m) w^{ℓ+1}_mi",
            r"\frac{\partial a^{\ell+1}_{m}}{\partial a^{\ell}_{i}} = \varphi'(z^{\ell+1}_{m})\, w^{\ell+1}_{mi}",
            Method.SYMBOLIC_DIFFERENTIATION,
            phi_prime(layer.z_next[m]) * layer.w_next[m, i],
            derivative,
            _ranges(layer, m="following", i="width"),
        ),
        *_induction_identities(recursion, layer),
    ]
    return assemble_step(
        "induction",
        "the induction step: δ^{ℓ+1} = ∂e/∂a^{ℓ+1} gives δ^ℓ = ∂e/∂a^ℓ",
        f"if δ^{{ℓ+1}} = ∂e/∂a^{{ℓ+1}}, then V^{{ℓ+1}} δ^{{ℓ+1}} = ∂e/∂a^ℓ for V of '{recursion.name}'",
        INDUCTION_LATEX,
        Method.EXACT_IDENTITY,
        pieces,
        build=lambda sizes: _induction_identities(recursion, sizes),
        configurations=LAYER_CONFIGURATIONS,
    )


def l10_step(recursion: Recursion, induction: Step, bases: Sequence[Step]) -> Step:
    """δ^ℓ = V^{ℓ+1} ⋯ V^L δ^L: the matrix form of L9 for the candidate V, and induction over ℓ."""
    layer = GenericLayer.symbolic()

    def identities(sizes: GenericLayer) -> list[Identity]:
        V = recursion.V(sizes.W_next, sizes.Diag_next)
        return [
            Identity(
                "matrix form",
                "(V^{ℓ+1} δ^{ℓ+1})_i = Σ_m w^{ℓ+1}_mi φ'(z^{ℓ+1}_m) δ^{ℓ+1}_m (L9 in matrix form)",
                r"\bigl((W^{\ell+1})^{\top}\Diag(\varphi^{\ell+1\prime})\,\delta^{\ell+1}\bigr)_{i} = "
                r"\sum_{m=1}^{N_{\ell+1}} w^{\ell+1}_{mi}\, \varphi'(z^{\ell+1}_{m})\, \delta^{\ell+1}_{m}",
                Method.EXACT_IDENTITY,
                matrix_entry(V * sizes.Delta_next, i, 1, sizes.atoms),
                sp.Sum(sizes.w_next[m, i] * phi_prime(sizes.z_next[m]) * sizes.delta_next[m], (m, 1, sizes.following)),
                _ranges(sizes, i="width"),
                shape=shape_problem(V, (sizes.width, sizes.following), "V^{ℓ+1}"),
            )
        ]

    chained = induction.holds and all(base.holds for base in bases)
    pieces: list = [
        *identities(layer),
        Evidence(
            "δ^L = ∂e/∂a^L (steps " + ", ".join(base.id for base in bases) + ") and step induction give "
            "δ^ℓ = ∂e/∂a^ℓ for ℓ = L, L−1, …, 1; unrolled, δ^ℓ = V^{ℓ+1}(V^{ℓ+2}(⋯ V^L δ^L)) = V^{ℓ+1} ⋯ V^L δ^L",
            r"\delta^{\ell} = V^{\ell+1} V^{\ell+2} \cdots V^{L} \delta^{L}",
            Method.INDUCTION,
            chained,
            "" if chained else "a step it chains fails: " + ", ".join(s.id for s in (induction, *bases) if not s.holds),
        ),
    ]
    return assemble_step(
        "L10",
        "δ^ℓ = V^{ℓ+1} ⋯ V^L δ^L in matrix form, for every ℓ",
        "δ^ℓ = (W^{ℓ+1})^T Diag(φ^{ℓ+1}') δ^{ℓ+1} = V^{ℓ+1} ⋯ V^L δ^L = ∂e/∂a^ℓ for every ℓ",
        r"\delta^{\ell} = (W^{\ell+1})^{\top}\Diag(\varphi^{\ell+1\prime})\,\delta^{\ell+1} = "
        r"V^{\ell+1} V^{\ell+2}\cdots V^{L}\delta^{L} = \frac{\partial e}{\partial a^{\ell}}",
        Method.EXACT_IDENTITY,
        pieces,
        build=identities,
        configurations=LAYER_CONFIGURATIONS,
    )


def _gradient_identities(recursion: Recursion, layer: GenericLayer, kind: str) -> list[Identity]:
    identities = []
    for label, above in (("ℓ < L", layer.Diag_next), ("ℓ = L", None)):
        matrices = LayerMatrices(layer.Diag, layer.Delta, layer.A_previous, above)
        if kind == "w":
            matrix = recursion.weight_gradient(matrices)
            expected = (layer.width, layer.previous)
            candidate = matrix_entry(matrix, i, j, layer.atoms)
            derived = sp.Sum(layer.delta[r] * layer.activation_derivative(r, layer.w[i, j]), (r, 1, layer.width))
            ranges = _ranges(layer, i="width", j="previous")
            statement = f"({label}) entry (i, j) of ∇_{{W^ℓ}} e equals Σ_r δ^ℓ_r ∂a^ℓ_r/∂w^ℓ_ij (SymPy's diff)"
            latex = (
                r"\bigl(\Diag(\varphi^{\ell\prime})\,\delta^{\ell}(a^{\ell-1})^{\top}\bigr)_{ij} = "
                r"\sum_{r=1}^{N_{\ell}} \delta^{\ell}_{r}\,\frac{\partial a^{\ell}_{r}}{\partial w^{\ell}_{ij}}"
            )
            name = "∇_{W^ℓ} e"
        else:
            matrix = recursion.bias_gradient(matrices)
            expected = (layer.width, sp.Integer(1))
            candidate = matrix_entry(matrix, i, 1, layer.atoms)
            derived = sp.Sum(layer.delta[r] * layer.activation_derivative(r, layer.b[i]), (r, 1, layer.width))
            ranges = _ranges(layer, i="width")
            statement = f"({label}) entry i of ∇_{{b^ℓ}} e equals Σ_r δ^ℓ_r ∂a^ℓ_r/∂b^ℓ_i (SymPy's diff)"
            latex = (
                r"\bigl(\Diag(\varphi^{\ell\prime})\,\delta^{\ell}\bigr)_{i} = "
                r"\sum_{r=1}^{N_{\ell}} \delta^{\ell}_{r}\,\frac{\partial a^{\ell}_{r}}{\partial b^{\ell}_{i}}"
            )
            name = "∇_{b^ℓ} e"
        identities.append(
            Identity(label, statement, latex, Method.EXACT_IDENTITY, candidate, derived, ranges, shape=shape_problem(matrix, expected, name))
        )
    return identities


def gradient_steps(recursion: Recursion, l10: Step) -> tuple[Step, Step]:
    """L11 (weights) and L12 (biases) for both ℓ < L and ℓ = L, entry by entry, symbolic shapes."""
    layer = GenericLayer.symbolic()
    delta = Evidence(
        "δ^ℓ = ∂e/∂a^ℓ (step L10)", r"\delta^{\ell} = \frac{\partial e}{\partial a^{\ell}}", Method.INDUCTION, l10.holds,
        "" if l10.holds else "step L10 fails",
    )
    steps = []
    for kind, item in (("w", "L11"), ("b", "L12")):
        variable = "w^ℓ" if kind == "w" else "b^ℓ"
        pieces: list = [
            _axiom(f"chain rule (axiom): e depends on {variable} only through a^ℓ, so ∂e/∂θ = Σ_r ∂e/∂a^ℓ_r ∂a^ℓ_r/∂θ"),
            delta,
            *_gradient_identities(recursion, layer, kind),
        ]
        title = "the weight gradient in matrix form" if kind == "w" else "the bias gradient (the homework)"
        if kind == "w":
            statement = "∇_{W^ℓ} e = Diag(φ^ℓ') δ^ℓ (a^{ℓ−1})^T = Diag(φ^ℓ') V^{ℓ+1} ⋯ V^L δ^L (a^{ℓ−1})^T"
            latex = (
                r"\nabla_{W^{\ell}} e = \Diag(\varphi^{\ell\prime})\,\delta^{\ell}(a^{\ell-1})^{\top} = "
                r"\Diag(\varphi^{\ell\prime})\,V^{\ell+1}\cdots V^{L}\delta^{L}(a^{\ell-1})^{\top}"
            )
        else:
            statement = "∇_{b^ℓ} e = Diag(φ^ℓ') δ^ℓ (the homework)"
            latex = r"\nabla_{b^{\ell}} e = \Diag(\varphi^{\ell\prime})\,\delta^{\ell}"
        steps.append(
            assemble_step(
                item, title, statement, latex, Method.EXACT_IDENTITY, pieces,
                build=lambda sizes, kind=kind: _gradient_identities(recursion, sizes, kind),
                configurations=LAYER_CONFIGURATIONS,
            )
        )
    return steps[0], steps[1]
