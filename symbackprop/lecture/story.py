"""One story: the example network of each topic, and the runs, experiments and counterexample that the
notes (:func:`symbackprop.lecture_sections`), ``symbackprop claims`` and ``symbackprop demo`` all show.

Each is computed once per process (``functools.lru_cache``), so the three views cannot disagree:

- :func:`simple_network` with :func:`simple_data` — L1's sigmoid neuron and its four samples; the four
  optimisers run on it from one start (:func:`simple_runs`, with the path of iterates each took) and SGD
  under three step-size schedules (:func:`schedule_runs`);
- :func:`deep_network` — the generic network of the recursion (L7–L13) and the bias homework (L12);
- :func:`chain_network` and :func:`norm_study` — vanishing and exploding gradients (L14);
- :func:`binary_network` with :func:`binary_run` — two classes, ±1 labels (L17);
- :func:`classification_network` — C = 3 classes, softmax and cross-entropy (L18–L22);
- :func:`triangle_counterexample` — the one counterexample to KL's triangle inequality (L20);
- :func:`general_proof` — the proofs for every size (:func:`symbackprop.prove_general`), which the notes
  print and the claims cite.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Mapping

import numpy as np
import sympy as sp

from ..data import Dataset, lecture_example
from ..network import MLP

if TYPE_CHECKING:  # pragma: no cover
    import concurrent.futures

    from ..emit.forms import NetworkDerivation
    from ..general import GeneralProof
    from ..train import TrainingResult
    from .cost import OperationCount
    from .divergence import Asymmetry, TriangleCounterexample
    from .examples import Comparison
    from .gradient_norms import LayerNorms
    from .schedules import ScheduleVerdict

__all__ = [
    "simple_network",
    "simple_data",
    "deep_network",
    "chain_network",
    "binary_network",
    "classification_network",
    "derivation",
    "identities",
    "SimpleRuns",
    "simple_runs",
    "ScheduleRun",
    "schedule_runs",
    "error_surface",
    "sum_rule",
    "operation_count",
    "norm_study",
    "binary_run",
    "BinaryFacts",
    "binary_facts",
    "triangle_counterexample",
    "asymmetry",
    "general_proof",
    "prefetch",
    "prefetched",
    "CHAIN_DEPTH",
    "UNSEEN",
]

CHAIN_DEPTH = 5
UNSEEN = (sp.Integer(1), sp.Integer(1))
"""The unseen input x̂ the trained neuron of L1 predicts for."""


def simple_network() -> MLP:
    """L1: one sigmoid neuron with two weights and no bias, squared error."""
    return MLP([2, 1], activation="sigmoid")


def simple_data() -> Dataset:
    """L1's four samples (the lecture's were lost in the transcript: symbackprop's own, as exact decimals)."""
    return lecture_example()


def deep_network() -> MLP:
    """The generic network of the recursion (L7–L13) and of the bias homework (L12): generic φ, L = 3,
    N = (2, 3, 2, 2) — W^2 and W^3 are not square, so a wrong transpose shows — biases, squared error."""
    return MLP([2, 3, 2, 2], bias=True)


def chain_network(activation: str, depth: int = CHAIN_DEPTH) -> MLP:
    """One neuron per layer: backpropagation's product V^2 ⋯ V^L δ^L is a product of numbers (L14)."""
    return MLP([1] * (depth + 1), activation=activation)


def binary_network() -> MLP:
    """L17: the binary example's network (tanh hidden layer, one sigmoid output, y ∈ {+1, −1})."""
    from .examples import SETUPS

    setup = SETUPS["binary"]
    return MLP(list(setup.sizes), activation=setup.activation, output=setup.output, bias=setup.bias, loss=setup.loss)


def classification_network() -> MLP:
    """L18–L22: C = 3 classes, a generic hidden layer, softmax outputs, cross-entropy loss."""
    return MLP([2, 2, 3], output="softmax", loss="cross_entropy")


@functools.lru_cache(maxsize=None)
def derivation(name: str) -> "NetworkDerivation":
    """The derivation (both gradients, the recursion's matrices, the proof) of a topic's network, computed
    once: ``"simple"``, ``"deep"``, ``"binary"`` or ``"classification"``."""
    from ..emit.forms import NetworkDerivation

    networks = {"simple": simple_network, "deep": deep_network, "binary": binary_network, "classification": classification_network}
    if name not in networks:
        raise ValueError(f"no example network {name!r}; choose from {', '.join(networks)}")
    return NetworkDerivation(networks[name]())


@functools.lru_cache(maxsize=1)
def identities() -> dict:
    """L7–L10 and L13 checked exactly on :func:`deep_network` (item → IdentityCheck)."""
    from .identities import chain_rule_identities

    return {check.item: check for check in chain_rule_identities(deep_network())}


# --- the optimisers on the simple example (L2–L6, L16) -------------------------------------------------------

class _PathRecorder:
    """A compiled model that remembers every point where E and ∇E over all the samples were evaluated —
    for the trainers' loops that is every iterate w^k, in order (they evaluate E at each step when asked
    to with ``eval_every=1``).  Everything else is the model's own."""

    def __init__(self, model: object, samples: int) -> None:
        self._model = model
        self._samples = samples
        self.points: list[np.ndarray] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self._model, name)

    def _remember(self, w: np.ndarray, samples: int) -> None:
        if samples == self._samples and (not self.points or not np.array_equal(self.points[-1], w)):
            self.points.append(np.array(w, dtype=float, copy=True))

    def value_and_grad_batch(self, w: np.ndarray, batch: object, out: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        self._remember(w, batch.n)  # type: ignore[attr-defined]
        return self._model.value_and_grad_batch(w, batch, out=out)  # type: ignore[attr-defined]

    def value_and_grad_flat(self, w: np.ndarray, X: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
        self._remember(w, len(X))
        return self._model.value_and_grad_flat(w, X, Y)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class SimpleRuns:
    """The four methods on L1 from one start: the runs (a :class:`~symbackprop.lecture.examples.Comparison`,
    what ``symbackprop train --example lecture`` prints) and the iterates w^0, w^1, … of each."""

    comparison: "Comparison"
    paths: dict[str, np.ndarray]

    def run(self, method: str) -> "TrainingResult":
        return next(r for r in self.comparison.results if r.method == method)

    @property
    def start(self) -> np.ndarray:
        return next(iter(self.paths.values()))[0]


@functools.lru_cache(maxsize=1)
def simple_runs() -> SimpleRuns:
    """GD (fixed α), GD with exact line search, SGD and mini-batch SGD on L1, from ``init_params(seed=0)``,
    with :data:`~symbackprop.lecture.examples.SETUPS`\\["lecture"] — the runs of ``symbackprop train``."""
    from ..model import compile as compile_model
    from ..train import METHODS, fit, init_params
    from .examples import SETUPS, Comparison

    data, net, setup = simple_data(), simple_network(), SETUPS["lecture"]
    model = compile_model(net)
    start = init_params(model, seed=0)
    results, paths = [], {}
    for method in METHODS:
        recorder = _PathRecorder(model, data.n_samples)
        result = fit(recorder, data.X, data.Y, method=method, params=start, seed=0, epochs=setup.epochs,  # type: ignore[arg-type]
                     alpha=setup.alpha, gamma=setup.gamma, batch_size=setup.batch_size, tol=1e-6, eval_every=1, quiet=True)
        result.accuracy = data.accuracy(model.output(result.params, data.X))
        results.append(result)
        points = np.array(recorder.points)
        if len(points) != result.steps + 1 or not np.allclose(points[-1], model.pack(result.params)):
            raise RuntimeError(f"the {method} run's iterates were not all seen ({len(points)} for {result.steps} steps)")
        paths[method] = points
    shown = {"α (gd)": setup.alpha, "γ_k": f"{setup.gamma:g}/(k+1)", "B": setup.batch_size, "tol": 1e-6}
    return SimpleRuns(Comparison(data, net, model, results, 0, settings=shown), paths)


@dataclass(frozen=True)
class ScheduleRun:
    """SGD on L1 with one step-size schedule γ_k, and what SymPy decides about it (L5)."""

    name: str
    schedule: sp.Expr
    verdict: "ScheduleVerdict"
    result: "TrainingResult"
    gammas: np.ndarray


@functools.lru_cache(maxsize=1)
def schedule_runs() -> tuple[ScheduleRun, ...]:
    """SGD on L1 from the start of :func:`simple_runs` with the same sample sequence under γ_k = 1/(k+1)
    (the lecture's), a constant γ_k = 1/2 and γ_k = 1/√(k+1); each schedule decided exactly (L5)."""
    from ..model import compile as compile_model
    from ..train import fit, init_params
    from .examples import SETUPS
    from .schedules import K, robbins_monro

    data, net, setup = simple_data(), simple_network(), SETUPS["lecture"]
    model = compile_model(net)
    start = init_params(model, seed=0)
    schedules = (
        ("1/(k+1), the lecture's", 1 / (K + 1)),
        ("1/2, constant", sp.Rational(1, 2) + 0 * K),
        ("1/√(k+1)", 1 / sp.sqrt(K + 1)),
    )
    runs = []
    steps = setup.epochs * data.n_samples
    for name, schedule in schedules:
        gamma = sp.lambdify(K, schedule, "math")
        function = lambda k, gamma=gamma: float(gamma(k))  # noqa: E731
        function.__name__ = name
        result = fit(model, data.X, data.Y, method="sgd", params=start, seed=0, epochs=setup.epochs, gamma=function, quiet=True)
        runs.append(ScheduleRun(name, schedule, robbins_monro(schedule), result, np.array([function(k) for k in range(steps)])))
    return tuple(runs)


@functools.lru_cache(maxsize=1)
def error_surface(points: int = 121) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """E(w_11, w_12) of L1 on a grid around every path of :func:`simple_runs` (lambdified from the exact
    symbolic E(w) with the four samples; evaluated on the whole grid at once)."""
    net, data = simple_network(), simple_data()
    runs = simple_runs()
    every = np.vstack(list(runs.paths.values()))
    low, high = every.min(axis=0), every.max(axis=0)
    margin = 0.25 * np.maximum(high - low, 1.0)
    w1 = np.linspace(low[0] - margin[0], high[0] + margin[0], points)
    w2 = np.linspace(low[1] - margin[1], high[1] + margin[1], points)
    weights = list(net.parameters)
    from scipy.special import expit

    E = sp.lambdify(weights, net.E(data.X, data.Y), modules=[{"sigmoid": expit}, "numpy"])
    grid1, grid2 = np.meshgrid(w1, w2)
    return w1, w2, np.asarray(E(grid1, grid2), dtype=float)


@functools.lru_cache(maxsize=1)
def sum_rule() -> bool:
    """∇E(w) = Σ_i ∇e^i(w) on L1, exactly: SymPy's derivative of E with the four samples against the sum of
    the sample-wise gradients (derived directly, each composed and evaluated at its sample) — the fact
    GD, SGD and mini-batch SGD rest on (L2, the crucial step)."""
    from .._kernel.identity import sympy_identity
    from ..derive import direct

    net, data = simple_network(), simple_data()
    total = net.E(data.X, data.Y)
    sample_gradients = direct(net)
    return all(
        sympy_identity(
            sp.diff(total, w),
            sp.Add(*[
                net.compose(sample_gradients[w]).xreplace({**dict(zip(net.x, map(sp.nsimplify, x))), **dict(zip(net.y, map(sp.nsimplify, y)))})
                for x, y in zip(data.X.tolist(), data.Y.tolist())
            ]),
        )
        for w in net.parameters
    )


def operation_count(quick: bool = False) -> "OperationCount":
    """L4: the operations in one sample-wise gradient of a sigmoid neuron with d = 1…8 inputs (6 when quick)."""
    return _operation_count(bool(quick))


@functools.lru_cache(maxsize=2)
def _operation_count(quick: bool) -> "OperationCount":
    from .cost import sample_gradient_cost

    return sample_gradient_cost(6 if quick else 8)


# --- vanishing and exploding gradients (L14) -----------------------------------------------------------------

def norm_study(quick: bool = False) -> tuple["LayerNorms", ...]:
    """The L14 experiment: 10 layers of width 8 — sigmoid, tanh, ReLU at He scale, ReLU at weight scale 2.5."""
    return _norm_study(bool(quick))


@functools.lru_cache(maxsize=2)
def _norm_study(quick: bool) -> tuple["LayerNorms", ...]:
    return _prefetched_or_computed(f"norm_study:{quick}")  # type: ignore[return-value]


def _compute_norm_study(quick: bool) -> tuple["LayerNorms", ...]:
    from .gradient_norms import vanishing_gradients_study

    return tuple(vanishing_gradients_study(samples=8 if quick else 24))


# --- prediction tasks (L17–L22) ---------------------------------------------------------------------------------

def binary_run(quick: bool = False) -> "Comparison":
    """GD with exact line search on the binary example (120 points, y ∈ {+1, −1}) with :func:`binary_network`."""
    return _binary_run(bool(quick))


@functools.lru_cache(maxsize=2)
def _binary_run(quick: bool) -> "Comparison":
    from .examples import compare_methods

    return compare_methods("binary", methods="gd-exact", epochs=40 if quick else 100, quiet=True)


@dataclass(frozen=True)
class BinaryFacts:
    """L17, derived on :func:`binary_network`'s output neuron: the threshold, why the squared error does not
    fit ±1 labels, and the logistic loss (beyond the lecture) with its error signal."""

    threshold: sp.Set  # the z with σ(z) ≥ 1/2
    squared_floor: sp.Expr  # inf over a ∈ (0, 1) of (−1 − a)²
    delta: sp.Expr  # ∂e/∂a^L_1 of the logistic loss
    signal: sp.Expr  # δ^L σ'(z^L_1), simplified
    signal_holds: bool  # signal = a − (1 + y)/2, exactly
    logistic_holds: bool  # with a = σ(z), e = log(1 + e^{−yz}) for y = ±1, exactly
    forms_hold: bool  # e and δ^L are −(1+y)/2 log a − (1−y)/2 log(1−a) and −(1+y)/(2a) + (1−y)/(2(1−a)), exactly


@functools.lru_cache(maxsize=1)
def binary_facts() -> BinaryFacts:
    net = binary_network()
    L = net.depth
    a, y, z = net.a(L)[0], net.y[0], net.z(L)[0]
    s = sp.Symbol("z", real=True)
    sigma = 1 / (1 + sp.exp(-s))
    crossing = sp.solveset(sigma - sp.Rational(1, 2), s, sp.S.Reals)  # σ(z) = 1/2 only at z = 0 …
    if sp.diff(sigma, s).is_positive and isinstance(crossing, sp.FiniteSet) and len(crossing) == 1:
        threshold = sp.Interval(crossing.args[0], sp.oo)  # … and σ increases, so σ(z) ≥ 1/2 exactly for z ≥ 0
    else:  # pragma: no cover - SymPy decides both for the sigmoid
        threshold = sp.solve_univariate_inequality(sigma >= sp.Rational(1, 2), s, relational=False)
    unit = sp.Symbol("a", positive=True)
    squared_error = (-1 - unit) ** 2  # y = −1 against a ∈ (0, 1)
    if sp.diff(squared_error, unit).is_positive:  # increasing on a > 0, so its infimum over (0, 1) is its value at 0
        floor = squared_error.subs(unit, 0)
    else:  # pragma: no cover - SymPy decides the sign of 2(1 + a) for a > 0
        floor = sp.minimum(squared_error, unit, sp.Interval.open(0, 1))
    delta = sp.diff(net.e, a)
    signal = sp.factor(sp.simplify(delta * net.activation(L).derivative(z, a)))
    signal_holds = sp.simplify(signal - (a - (1 + y) / 2)) == 0
    delta_holds = sp.simplify(delta - (-(1 + y) / (2 * a) + (1 - y) / (2 * (1 - a)))) == 0
    loss_holds = sp.simplify(net.e - (-(1 + y) / 2 * sp.log(a) - (1 - y) / 2 * sp.log(1 - a))) == 0
    logistic = net.e.xreplace({a: 1 / (1 + sp.exp(-z))})
    logistic_holds = all(
        sp.simplify(sp.exp(sp.expand_log(logistic.xreplace({y: label}), force=True)) - (1 + sp.exp(-label * z))) == 0
        for label in (1, -1)
    )
    return BinaryFacts(threshold, floor, delta, signal, signal_holds, logistic_holds, delta_holds and loss_holds)


@functools.lru_cache(maxsize=1)
def triangle_counterexample() -> "TriangleCounterexample":
    """L20: with the lecture's p = (1/4, 3/4), q = (1/2, 1/2), the r that breaks the triangle inequality."""
    from .divergence import kl_triangle_counterexample

    return kl_triangle_counterexample()


@functools.lru_cache(maxsize=1)
def asymmetry() -> "Asymmetry":
    """L20: KL(p‖q) and KL(q‖p) for the lecture's p and q."""
    from .divergence import kl_asymmetry

    return kl_asymmetry()


@functools.lru_cache(maxsize=1)
def general_proof() -> "GeneralProof":
    """The lecture's statements proved for every depth, width and number of classes (L4, L7–L12, L14,
    L18, L19, L21, L22): one :class:`~symbackprop.general.GeneralProof`, computed once per process."""
    return _prefetched_or_computed("general_proof")  # type: ignore[return-value]


def _compute_general_proof() -> "GeneralProof":
    from ..general import prove_general

    return prove_general()


# --- computing ahead, on the other core ---------------------------------------------------------------------------

_PREFETCHABLE = {
    "general_proof": _compute_general_proof,
    "norm_study:False": lambda: _compute_norm_study(False),
    "norm_study:True": lambda: _compute_norm_study(True),
}
_PREFETCHED: dict[str, "concurrent.futures.Future"] = {}
_WORKER_RESULTS: dict[str, object] | None = None  # in the prefetch worker: what it has computed so far


def prefetch(*names: str, jobs: Mapping[str, Callable[[], object]] | None = None) -> None:
    """Start the slow, independent computations ``names`` (``"general_proof"``, ``"norm_study:False"``), then
    ``jobs`` (other modules' work under their own names: picklable callables, e.g. a ``functools.partial``
    of a module-level function), in one forked worker process, in that order, so that they run on another
    core while this process builds the rest of a document.  The functions of this module (and whoever calls
    :func:`prefetched`) then take the worker's result; where forking is unavailable, or the worker fails,
    they compute in this process exactly as if nothing had been prefetched."""
    import concurrent.futures
    import multiprocessing
    import warnings

    unknown = [name for name in names if name not in _PREFETCHABLE]
    if unknown:
        raise ValueError(f"nothing to prefetch under {unknown}; known: {sorted(_PREFETCHABLE)}")
    work: dict[str, Callable[[], object] | None] = {name: None for name in names}
    work.update(jobs or {})
    wanted = {name: job for name, job in work.items() if name not in _PREFETCHED}
    if not wanted or _WORKER_RESULTS is not None or "fork" not in multiprocessing.get_all_start_methods():
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
        executor = concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"))
        for name, job in wanted.items():
            _PREFETCHED[name] = executor.submit(_run_prefetchable, name, job)
    executor.shutdown(wait=False)


def _run_prefetchable(name: str, job: Callable[[], object] | None) -> object:  # pragma: no cover - runs in the worker
    global _WORKER_RESULTS
    if _WORKER_RESULTS is None:  # from now on prefetched() answers from here: the parent's futures, copied by the fork, are not ours
        _WORKER_RESULTS = {}
    result = (job or _PREFETCHABLE[name])()
    _WORKER_RESULTS[name] = result  # a later job of this worker takes it instead of computing it again
    return result


def _prefetched_or_computed(name: str) -> object:
    taken = prefetched(name)
    return taken if taken is not None else _PREFETCHABLE[name]()


def prefetched(name: str) -> object | None:
    """The result of the computation ``name`` started by :func:`prefetch`, once (None when nothing was
    started under that name, or the worker failed: then compute it here)."""
    if _WORKER_RESULTS is not None:
        return _WORKER_RESULTS.get(name)
    future = _PREFETCHED.pop(name, None)
    if future is None:
        return None
    try:
        return future.result()
    except Exception:  # noqa: BLE001 - the worker died or failed: compute here instead
        return None
