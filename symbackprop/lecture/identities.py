"""The lecture's chain-rule formulas L7–L10 and L13, each checked as an exact identity on a network.

Every "direct" side is obtained by differentiating the composed loss (with respect to a weight, a
pre-activation z^ℓ_i or an activation a^ℓ_i — see the engine); every identity is decided by expanding the
difference to 0 in the layer atoms, which holds for every differentiable φ.
"""

from __future__ import annotations

from dataclasses import dataclass

import symengine as se

from .._kernel.engine import engine_for
from .._kernel.identity import expands_to_zero
from ..derive import backprop_steps
from ..network import MLP

__all__ = ["IdentityCheck", "chain_rule_identities"]


@dataclass(frozen=True)
class IdentityCheck:
    """One lecture formula checked on every instance (every ℓ, i, j) of a network."""

    item: str
    statement: str
    latex: str
    holds: bool
    instances: int
    method: str


def chain_rule_identities(net: MLP) -> tuple[IdentityCheck, ...]:
    """Check L7, L8, L9, L10 and L13 on ``net`` exactly.

    >>> [check.holds for check in chain_rule_identities(MLP([2, 2, 2], bias=True))]
    [True, True, True, True, True]
    """
    engine = engine_for(net)
    depth = net.depth
    layers = range(1, depth + 1)
    d_a = {l: [engine.direct_wrt_activation(l, i) for i in range(net.sizes[l])] for l in layers}
    d_z = {l: [engine.direct_wrt_pre_activation(l, i) for i in range(net.sizes[l])] for l in layers}
    d_w = engine.direct()
    method = "exact: expand(lhs − rhs) = 0 with every derivative taken from the composed loss, for every φ"

    l7 = []
    for parameter, value in d_w.items():
        info = net.parameter_info(parameter)
        factor = engine.a_atoms[info.layer - 1][info.j - 1] if info.kind == "w" else se.Integer(1)
        l7.append(expands_to_zero(value - d_z[info.layer][info.i - 1] * factor))
    l8 = [expands_to_zero(d_z[l][i] - d_a[l][i] * engine.d_atoms[l][i]) for l in layers for i in range(net.sizes[l])]
    l9 = [
        expands_to_zero(
            d_a[l][i]
            - se.add(*[d_a[l + 1][m] * engine.d_atoms[l + 1][m] * engine.symbol[net.W(l + 1)[m, i]] for m in range(net.sizes[l + 1])])
        )
        for l in range(1, depth)
        for i in range(net.sizes[l])
    ]
    steps = backprop_steps(net, generic=True)
    l10 = [
        expands_to_zero(d_a[l][i] - engine.to_engine(value))
        for l in layers
        for i, value in enumerate(steps.delta_expanded(l))
    ]
    targets = set(net.y)
    loss_free = all(
        not (matrix.free_symbols & targets) for matrix in (*steps.V.values(), *steps.Diag.values())
    ) and bool(steps.output_delta.free_symbols & targets)
    return (
        IdentityCheck(
            "L7",
            "∂e/∂w^ℓ_ij = ∂e/∂z^ℓ_i · a^{ℓ−1}_j (and ∂e/∂b^ℓ_i = ∂e/∂z^ℓ_i)",
            r"\frac{\partial e}{\partial w^{\ell}_{ij}} = \frac{\partial e}{\partial z^{\ell}_{i}}\, a^{\ell-1}_{j}",
            all(l7), len(l7), method,
        ),
        IdentityCheck(
            "L8",
            "∂e/∂z^ℓ_i = ∂e/∂a^ℓ_i · φ'(z^ℓ_i)",
            r"\frac{\partial e}{\partial z^{\ell}_{i}} = \frac{\partial e}{\partial a^{\ell}_{i}}\, \varphi'(z^{\ell}_{i})",
            all(l8), len(l8), method,
        ),
        IdentityCheck(
            "L9",
            "∂e/∂a^ℓ_i = Σ_m ∂e/∂a^{ℓ+1}_m · φ'(z^{ℓ+1}_m) · w^{ℓ+1}_mi",
            r"\frac{\partial e}{\partial a^{\ell}_{i}} = \sum_{m} \frac{\partial e}{\partial a^{\ell+1}_{m}}\, \varphi'(z^{\ell+1}_{m})\, w^{\ell+1}_{mi}",
            all(l9), len(l9), method,
        ),
        IdentityCheck(
            "L10",
            "δ^ℓ = V^{ℓ+1} V^{ℓ+2} ⋯ V^L δ^L with V^{ℓ+1} = (W^{ℓ+1})^T Diag(φ^{ℓ+1}')",
            r"\delta^{\ell} = V^{\ell+1} V^{\ell+2} \cdots V^{L} \delta^{L}",
            all(l10), len(l10), method,
        ),
        IdentityCheck(
            "L13",
            "the targets y (the loss) enter ∇_{W^ℓ} e only through δ^L: V^ℓ and Diag(φ^ℓ') do not contain y",
            r"y \notin V^{\ell},\ \mathrm{Diag}(\varphi^{\ell\prime});\ y \in \delta^{L}",
            loss_free, len(steps.V) + len(steps.Diag), "exact: free symbols of every V^ℓ and Diag(φ^ℓ')",
        ),
    )
