"""The heavy symbolic work, done in SymEngine.

SymPy's ``diff`` of a deep composed loss is the bottleneck (minutes); SymEngine differentiates the same
expression in a fraction of a second.  This module keeps one :class:`NetworkEngine` per network with

- the *vocabulary* in SymEngine: parameters, x, y, the activation symbols a^ℓ_i, and one atom
  ``D^{ℓ}_{i}`` per φ'(z^ℓ_i);
- the composed loss e(w) with one undefined function per layer (so a result holds for every φ),
  composed from the parameter's own neuron upwards: subtrees that do not depend on the parameter are
  constants for ∂/∂θ and stay atoms, which keeps SymEngine's ``diff`` fast on wide nets;
- an atomiser that rewrites φ_ℓ(u) and φ_ℓ'(u) of a differentiated expression into those atoms
  (bottom-up, memoised over the expression DAG), turning both derivations into polynomials whose
  identity is decided by ``expand``;
- exact conversions between SymPy (what users see) and SymEngine (:mod:`.convert`).
"""

from __future__ import annotations

import weakref
from typing import Callable, Iterable, Mapping, Sequence, TypeVar

import symengine as se
import sympy as sp

from ..activations import phi, phi_prime
from ..errors import NotSupportedError
from ..network import MLP
from .convert import StrictConverter, function_name, to_sympy

__all__ = ["NetworkEngine", "engine_for", "clear_engines", "per_network", "derivative_atom", "atomise"]

Built = TypeVar("Built")


_PER_NETWORK_CACHES: list["weakref.WeakKeyDictionary"] = []  # every per_network cache, so clear_engines() reaches all


def per_network(build: Callable[[MLP], Built]) -> Callable[[MLP], Built]:
    """One ``build(net)`` per network, kept while the network lives (weak keys); :func:`clear_engines` forgets all."""
    cache: "weakref.WeakKeyDictionary[MLP, Built]" = weakref.WeakKeyDictionary()
    _PER_NETWORK_CACHES.append(cache)

    def get(net: MLP) -> Built:
        value = cache.get(net)
        if value is None:
            value = cache[net] = build(net)
        return value

    return get


def engine_for(net: MLP) -> "NetworkEngine":
    """The (cached) engine of a network."""
    return _engines(net)


def clear_engines() -> None:
    """Forget every cached engine and everything cached per network on top of one (the next derivation of
    any network starts cold, and nothing built on a forgotten engine outlives it)."""
    for cache in _PER_NETWORK_CACHES:
        cache.clear()


def derivative_atom(layer: int, i: int) -> se.Symbol:
    """The SymEngine atom standing for φ_ℓ'(z^ℓ_i)."""
    return se.Symbol(f"D^{{{layer}}}_{{{i}}}")


class NetworkEngine:
    """SymEngine mirror of one :class:`~symbackprop.network.MLP`."""

    def __init__(self, net: MLP) -> None:
        self.net = net
        depth = net.depth
        self.symbol: dict[sp.Symbol, se.Symbol] = {}
        for sym in (*net.parameters, *net.x, *net.y):
            self.symbol[sym] = se.Symbol(sym.name)
        self.a_atoms: dict[int, list[se.Symbol]] = {0: [self.symbol[s] for s in net.x]}
        self.d_atoms: dict[int, list[se.Symbol]] = {}
        self.layer_of_z: dict[sp.Symbol, tuple[int, int]] = {}  # z^ℓ_i -> (ℓ, i)
        for layer in range(1, depth + 1):
            self.a_atoms[layer] = [se.Symbol(a.name) for a in net.a(layer)]
            self.d_atoms[layer] = [derivative_atom(layer, i) for i in range(1, net.sizes[layer] + 1)]
            for i, (z_sym, a_sym) in enumerate(zip(net.z(layer), net.a(layer))):
                self.symbol[a_sym] = self.a_atoms[layer][i]
                self.layer_of_z[z_sym] = (layer, i)
        self.z_atoms: dict[int, list[se.Basic]] = {
            layer: [self._pre_activation(layer, i, self.a_atoms[layer - 1]) for i in range(net.sizes[layer])]
            for layer in range(1, depth + 1)
        }
        last = self.a_atoms[depth]
        denominator = se.add(*[se.exp(a) for a in last])
        self.softmax_atoms = [se.exp(a) / denominator for a in last] if net.softmax else []
        self.softmax_denominator = denominator
        self._to_engine_cache: dict[sp.Basic, se.Basic] = {}
        self.e_atoms = self.to_engine(net.e_explicit)
        self._formulas: dict[se.Symbol, se.Basic] | None = None
        self._display: dict[str, sp.Expr] | None = None

    # --- the composed loss and the atomiser ---------------------------------------------------------
    def composed_loss(self, layer: int, neuron: int) -> tuple[se.Basic, dict[se.Basic, se.Basic], dict[se.Basic, se.Basic]]:
        """e composed from neuron i of layer ℓ upwards, with one undefined function φ_m per layer.

        Everything ∂/∂(w^ℓ_{i·}, b^ℓ_i) treats as a constant — the layers below ℓ and the other neurons of
        layer ℓ — is held as its activation atom; every node that depends on those parameters is composed.
        Returns the loss, the map φ_m(u) → a^m_k and the map u → D^m_k (for φ_m'(u)).
        """
        u = self._pre_activation(layer, neuron, self.a_atoms[layer - 1])
        node = se.Function(f"phi{layer}")(u)
        loss, applied, points = self.composed_above(layer, {self.a_atoms[layer][neuron]: node})
        return loss, {**applied, node: self.a_atoms[layer][neuron]}, {**points, u: self.d_atoms[layer][neuron]}

    def _pre_activation(self, layer: int, neuron: int, inputs: list[se.Basic]) -> se.Basic:
        """z^ℓ_i = Σ_j w^ℓ_ij · input_j (+ b^ℓ_i) over the given inputs (atoms or composed nodes)."""
        u = se.add(*[self.symbol[w] * a for w, a in zip(self.net.W(layer).row(neuron), inputs)])
        return u + self.symbol[self.net.b(layer)[neuron]] if self.net.has_bias else u

    def composed_above(
        self, layer: int, replace: Mapping[se.Basic, se.Basic] | None = None
    ) -> tuple[se.Basic, dict[se.Basic, se.Basic], dict[se.Basic, se.Basic]]:
        """e composed over the layers above ℓ as a function of the activations a^ℓ (some ``replace``-d)."""
        net = self.net
        applied: dict[se.Basic, se.Basic] = {}
        points: dict[se.Basic, se.Basic] = {}
        current: list[se.Basic] = [(replace or {}).get(a, a) for a in self.a_atoms[layer]]
        for m in range(layer + 1, net.depth + 1):
            function = se.Function(f"phi{m}")
            following = []
            for k in range(net.sizes[m]):
                u = self._pre_activation(m, k, current)
                node = function(u)
                applied[node] = self.a_atoms[m][k]
                points[u] = self.d_atoms[m][k]
                following.append(node)
            current = following
        return self.e_atoms.xreplace(dict(zip(self.a_atoms[net.depth], current))), applied, points

    def direct_wrt_activation(self, layer: int, i: int) -> se.Basic:
        """∂e/∂a^ℓ_i by differentiating e composed over the layers above ℓ (the lecture's δ^ℓ_i)."""
        loss, applied, points = self.composed_above(layer)
        return atomise(se.diff(loss, self.a_atoms[layer][i]), applied, points)

    def direct_wrt_pre_activation(self, layer: int, i: int) -> se.Basic:
        """∂e/∂z^ℓ_i by differentiating e composed from φ_ℓ(z^ℓ_i) upwards, z^ℓ_i a free variable."""
        variable = se.Symbol(f"zeta^{{{layer}}}_{{{i + 1}}}")
        node = se.Function(f"phi{layer}")(variable)
        loss, applied, points = self.composed_above(layer, {self.a_atoms[layer][i]: node})
        return atomise(
            se.diff(loss, variable),
            {**applied, node: self.a_atoms[layer][i]},
            {**points, variable: self.d_atoms[layer][i]},
        )

    def direct(self, parameters: Iterable[sp.Symbol] | None = None) -> dict[sp.Symbol, se.Basic]:
        """∂e/∂θ by differentiating the composed loss (SymEngine), rewritten into the layer atoms."""
        chosen = self.net.parameters if parameters is None else tuple(parameters)
        groups: dict[tuple[int, int], list[sp.Symbol]] = {}
        for parameter in chosen:
            info = self.net.parameter_info(parameter)
            groups.setdefault((info.layer, info.i - 1), []).append(parameter)
        result: dict[sp.Symbol, se.Basic] = {}
        for (layer, neuron), members in groups.items():
            loss, applied, points = self.composed_loss(layer, neuron)
            for parameter in members:
                result[parameter] = atomise(se.diff(loss, self.symbol[parameter]), applied, points)
        return {parameter: result[parameter] for parameter in chosen}

    # --- concrete activations -----------------------------------------------------------------------
    @property
    def formulas(self) -> dict[se.Symbol, se.Basic]:
        """Atom substitutions that make a generic expression concrete: D^ℓ_i ↦ the layer's φ' formula,
        and a^ℓ_i ↦ z^ℓ_i on identity layers."""
        if self._formulas is None:
            net = self.net
            identity: dict[se.Symbol, se.Basic] = {}
            for layer in range(1, net.depth + 1):
                if net.activation(layer).name == "identity":
                    identity.update(zip(self.a_atoms[layer], self.z_atoms[layer]))
            for _ in range(net.depth):  # identity layers may feed each other
                identity = {atom: value.xreplace(identity) for atom, value in identity.items()}
            substitutions: dict[se.Symbol, se.Basic] = dict(identity)
            for layer in range(1, net.depth + 1):
                activation = net.activation(layer)
                if activation.generic:
                    continue
                for z_sym, a_sym, d_atom in zip(net.z(layer), net.a(layer), self.d_atoms[layer]):
                    formula = self.to_engine(activation.derivative(z_sym, a_sym))
                    substitutions[d_atom] = formula.xreplace(identity)
            self._formulas = substitutions
        return self._formulas

    def concretise(self, expression: se.Basic) -> se.Basic:
        return expression.xreplace(self.formulas) if self.formulas else expression

    # --- conversions --------------------------------------------------------------------------------
    def to_engine(self, expression: sp.Basic, extra: Mapping[sp.Symbol, se.Basic] | None = None) -> se.Basic:
        """Exact SymPy → SymEngine conversion in the network's vocabulary (:class:`.convert.StrictConverter`).

        z^ℓ_i becomes its definition, q_j the softmax of a^L, φ'(z^ℓ_i) the atom D^ℓ_i, and φ(z^ℓ_i) of the
        layer's own activation the atom a^ℓ_i.  ``extra`` maps further symbols (e.g. δ^ℓ_i) to values.
        """
        cache = {} if extra else self._to_engine_cache
        return StrictConverter(self, extra, cache)(sp.sympify(expression))

    def symbol_value(self, symbol: sp.Symbol, extra: Mapping[sp.Symbol, se.Basic]) -> se.Basic:
        """The SymEngine value of one of the lecture's symbols (``extra`` first)."""
        if symbol in extra:
            return extra[symbol]
        if symbol in self.symbol:
            return self.symbol[symbol]
        if symbol in self.layer_of_z:
            layer, i = self.layer_of_z[symbol]
            return self.z_atoms[layer][i]
        if symbol in self.net.q:
            return self.softmax_atoms[self.net.q.index(symbol)]
        return se.Symbol(symbol.name)

    def applied(self, function: type, argument: se.Basic, sympy_argument: sp.Basic) -> se.Basic:
        """φ(z^ℓ_i) ↦ a^ℓ_i and φ'(z^ℓ_i) ↦ D^ℓ_i (φ meaning the layer's activation); opaque otherwise."""
        if sympy_argument in self.layer_of_z:
            layer, i = self.layer_of_z[sympy_argument]
            if function is phi_prime:
                return self.d_atoms[layer][i]
            if function is phi or self.net.activation(layer).apply is function:
                return self.a_atoms[layer][i]
        name = function_name(function)
        if name is None:
            raise NotSupportedError(f"cannot convert {function.__name__}({sympy_argument}) for a proof")
        return se.Function(name)(argument)

    def to_sympy(self, expression: se.Basic, *, display: bool = True) -> sp.Expr:
        """SymEngine → SymPy; with ``display`` the atoms D^ℓ_i print as the layer's φ' formula and
        exp(a^L_j)/Σ_r exp(a^L_r) as q_j."""
        return to_sympy(self, expression, display=display)

    def display_map(self) -> dict[str, sp.Expr]:
        """Derivative atom name → the layer's φ' formula in the lecture's symbols."""
        if self._display is None:
            mapping: dict[str, sp.Expr] = {}
            for layer in range(1, self.net.depth + 1):
                for d_atom, value in zip(self.d_atoms[layer], self.net.phi_prime(layer)):
                    mapping[d_atom.name] = value
            self._display = mapping
        return self._display


def atomise(
    expression: se.Basic,
    applied: Mapping[se.Basic, se.Basic],
    points: Mapping[se.Basic, se.Basic],
    held: Mapping[str, Sequence[se.Basic]] | None = None,
) -> se.Basic:
    """Rewrite φ_m(u) ↦ a^m_k and φ_m'(u) ↦ D^m_k bottom-up over the expression DAG (memoised).

    ``held`` names undefined functions of several arguments whose partial derivatives stand for given
    symbols: ``∂F/∂(argument k)`` at any point becomes ``held[name][k]`` (the layer-local proof holds the
    derivatives of the loss above a layer this way).
    """
    memo: dict[se.Basic, se.Basic] = {}
    held = held or {}

    def derivative_at(derivative: se.Basic, point: se.Basic) -> se.Basic:
        """A held partial ∂F/∂(argument k) ↦ held[F][k]; a layer's φ_m' at its point ↦ D^m_k."""
        if isinstance(derivative, se.Derivative):
            function, variable = derivative.args
            if isinstance(function, se.FunctionSymbol) and function.get_name() in held:
                arguments = list(function.args)
                if arguments.count(variable) == 1:
                    return held[function.get_name()][arguments.index(variable)]
                raise NotSupportedError(f"unexpected derivative {derivative}")
        if point in points:
            return points[point]
        raise NotSupportedError(f"unexpected derivative {derivative} at {point}")

    def visit(node: se.Basic) -> se.Basic:
        cached = memo.get(node)
        if cached is not None:
            return cached
        if node in applied:
            result = applied[node]
        elif isinstance(node, se.Subs):
            result = derivative_at(node.args[0], node.args[2])
        elif isinstance(node, se.Derivative):
            result = derivative_at(node, node.args[1])
        elif isinstance(node, se.FunctionSymbol) and node.get_name().startswith("phi"):
            raise NotSupportedError(f"could not rewrite {node} into a layer atom")
        elif not node.args:
            result = node
        else:
            result = node.func(*[visit(arg) for arg in node.args])
        memo[node] = result
        return result

    return visit(expression)



_engines = per_network(NetworkEngine)
