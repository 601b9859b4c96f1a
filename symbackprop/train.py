"""The lecture's trainers (L2–L6, L16) on a compiled model: GD, GD with exact line search, SGD, mini-batch SGD.

Each trainer runs the loop of :mod:`symbackprop.algorithms` — the same functions the LaTeX document
renders — and supplies its callables: E and ∇E from the compiled model (NumPy only, no SymPy here), the
exact line search (SciPy's bounded Brent method), seeded sampling (a NumPy ``Generator``) and a
``record(k, w)`` callback that keeps the history, drives the progress bar and stops a diverging run.

>>> from symbackprop import MLP, compile
>>> from symbackprop.data import lecture_example
>>> data = lecture_example()
>>> model = compile(MLP([2, 1], activation="sigmoid"))
>>> result = fit(model, data.X, data.Y, method="gd-exact", quiet=True)
>>> str(result.status), round(result.E_final, 3)
('converged', 0.446)
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

import numpy as np
from tqdm import tqdm

from . import algorithms
from .errors import DataError, LimitError, SpecError
from .statuses import RunStatus

if TYPE_CHECKING:  # pragma: no cover
    from .model import CompiledModel

__all__ = [
    "METHODS",
    "History",
    "TrainingResult",
    "DIVERGENCE_FACTOR",
    "init_params",
    "exact_line_search",
    "harmonic",
    "fit",
    "train_methods",
]

METHODS = ("gd", "gd-exact", "sgd", "minibatch")
DIVERGENCE_FACTOR = 1e6  # a run whose E exceeds this × max(E(w⁰), 1) has diverged
METHOD_NAMES = {
    "gd": "gradient descent, fixed step α (L2)",
    "gd-exact": "gradient descent, exact line search (L2, L3)",
    "sgd": "SGD, one sample per step (L4, L5)",
    "minibatch": "mini-batch SGD (L6)",
}


# --- results ---------------------------------------------------------------------------------------------
@dataclass
class History:
    """What a run went through.  ``E``/``grad_norm`` are evaluated at the steps in ``steps`` (every step for
    GD; every ``eval_every`` steps and the last for SGD); ``step_sizes[k]`` is the α^k or γ_k of step k+1."""

    steps: list[int] = field(default_factory=list)
    epochs: list[float] = field(default_factory=list)
    E: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    step_sizes: list[float] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self) -> str:
        if not self.E:
            return "History(empty)"
        return f"History({len(self.E)} evaluations over {self.steps[-1]} steps: E {self.E[0]:.6g} → {self.E[-1]:.6g})"


@dataclass
class TrainingResult:
    """A finished run: final parameters, history, and how it ended.

    ``status``: ``converged`` (‖∇E‖₂ ≤ tol and E did not rise), ``plateau`` (‖∇E‖₂ ≤ tol but E ended above its
    start: the gradient vanished where units saturate, not at a minimum), ``max_steps`` (step budget used up),
    ``stalled`` (the exact line search found no α > 0 that lowers E), ``diverged`` (E past
    :data:`DIVERGENCE_FACTOR` × max(E(w⁰), 1), or not finite: the history so far is kept, ``params`` are the
    last ones that were evaluated and sound).
    """

    method: str
    params: dict[str, np.ndarray]
    history: History
    status: RunStatus
    message: str
    steps: int
    epochs: float
    seconds: float
    settings: dict[str, object] = field(default_factory=dict)
    accuracy: float | None = None
    test_accuracy: float | None = None  # on a held-out split, when the data set has one

    @property
    def E_initial(self) -> float:
        return self.history.E[0] if self.history.E else math.nan

    @property
    def E_final(self) -> float:
        return self.history.E[-1] if self.history.E else math.nan

    @property
    def grad_norm_final(self) -> float:
        return self.history.grad_norm[-1] if self.history.grad_norm else math.nan

    @property
    def diverged(self) -> bool:
        return self.status == "diverged"

    @property
    def converged(self) -> bool:
        return self.status == "converged"

    @property
    def failed(self) -> bool:
        """Diverged, or ended on a plateau above the starting E: the CLI exits with status 1."""
        return self.status in (RunStatus.DIVERGED, RunStatus.PLATEAU)

    def __repr__(self) -> str:
        return (
            f"TrainingResult(method={self.method!r}, E {self.E_initial:.6g} → {self.E_final:.6g}, "
            f"{self.steps} steps, {self.status}, {self.seconds:.3g} s)"
        )

    def summary(self) -> str:
        """A few lines of plain text: method, E before and after, ‖∇E‖, accuracy, steps, time, how it ended."""
        lines = [
            f"method     {self.method}: {METHOD_NAMES.get(self.method, self.method)}",
            f"settings   {', '.join(f'{k}={v}' for k, v in self.settings.items())}",
            f"E          {self.E_initial:.6g} → {self.E_final:.6g}",
            f"‖∇E‖₂      {self.grad_norm_final:.3g}",
        ]
        if self.accuracy is not None:
            lines.append(f"accuracy   {self.accuracy:.1%}" + (f" (held-out test: {self.test_accuracy:.1%})" if self.test_accuracy is not None else ""))
        lines.append(f"steps      {self.steps} ({self.epochs:g} epochs) in {self.seconds:.3g} s")
        lines.append(f"ended      {self.status}: {self.message}")
        return "\n".join(lines)


# --- building blocks -----------------------------------------------------------------------------------------
def init_params(model: "CompiledModel", seed: int = 0) -> dict[str, np.ndarray]:
    """W^ℓ with entries N(0, 1/N_{ℓ−1}) (LeCun), b^ℓ = 0; reproducible from ``seed``."""
    _check_seed(seed)
    rng = np.random.default_rng(seed)
    params = {}
    for key, shape in model.parameter_shapes.items():
        params[key] = rng.normal(scale=1.0 / math.sqrt(shape[1]), size=shape) if key.startswith("W") else np.zeros(shape)
    return params


def _check_seed(seed: object) -> None:
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise SpecError(f"seed must be a non-negative whole number, got {seed!r}")


def harmonic(c: float = 1.0) -> Callable[[int], float]:
    """γ_k = c/(k+1): Σγ_k = ∞, Σγ_k² < ∞ (L5); c = 1 is :func:`symbackprop.algorithms.step_size`."""
    if not (isinstance(c, (int, float)) and math.isfinite(c) and c > 0):
        raise SpecError(f"the step-size constant c in γ_k = c/(k+1) must be a positive number, got {c!r}")
    if c == 1:
        return algorithms.step_size
    return lambda k: c * algorithms.step_size(k)


class _Stalled(Exception):
    """The line search found no α > 0 with E(w + αd) < E(w)."""


class _Diverged(Exception):
    def __init__(self, step: int, reason: str) -> None:
        super().__init__(reason)
        self.step = step
        self.reason = reason


def _safe(function: Callable[[float], float]) -> Callable[[float], float]:
    """E along a line, with overflow or NaN reported as a huge value (so the search backs off)."""

    def value(alpha: float) -> float:
        try:
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                result = float(function(alpha))
        except FloatingPointError:
            return 1e300
        return result if math.isfinite(result) else 1e300

    return value


def exact_line_search(
    E: Callable[[np.ndarray], float], w: np.ndarray, d: np.ndarray, *, guess: float = 1.0, max_doublings: int = 60
) -> float:
    """α^k = argmin_{α>0} E(w + α d) (L3), with E(w + α d) < E(w) guaranteed.

    The minimiser is bracketed by doubling α from ``guess`` until E stops falling, then located by
    ``scipy.optimize.minimize_scalar(method="bounded")`` (Brent) on [0, α_max].  The best α seen is returned;
    if no α lowers E (at the limit of float64), the search reports a stall.
    """
    from scipy.optimize import (
        minimize_scalar,  # imported on first use: it costs a third of a second
    )

    phi = _safe(lambda alpha: E(w + alpha * d))
    E0 = float(E(w))
    tried: list[tuple[float, float]] = []
    high = guess if guess > 0 and math.isfinite(guess) else 1.0
    value = phi(high)
    tried.append((value, high))
    for _ in range(max_doublings):
        if value >= E0:
            break
        higher = 2.0 * high
        higher_value = phi(higher)
        tried.append((higher_value, higher))
        if higher_value >= value:
            high = higher
            break
        high, value = higher, higher_value
    result = minimize_scalar(phi, bounds=(0.0, high), method="bounded", options={"xatol": 1e-10 * high, "maxiter": 200})
    tried.append((float(result.fun), float(result.x)))
    best_value, best_alpha = min(tried)
    alpha = high
    while best_value >= E0 and alpha > 1e-30 * high:  # a tiny step must lower E when d is a descent direction
        alpha /= 8.0
        candidate = phi(alpha)
        if candidate < best_value:
            best_value, best_alpha = candidate, alpha
    if not best_value < E0:
        raise _Stalled()
    return best_alpha


class _Problem:
    """E, ∇E, ∇e^j and Σ_{j∈B} ∇e^j of one data set as functions of the flat parameter vector w.

    The data are checked once (:meth:`CompiledModel.batch`); gradients are written into two reused buffers
    (one for ∇E, one for the steps' sample gradients), which the loops only read before the next call.
    """

    def __init__(self, model: "CompiledModel", X: object, Y: object) -> None:
        self.model = model
        self.data = model.batch(X, Y)
        self.X, self.Y = self.data.X, self.data.Y
        self.S = self.data.n
        self._full = np.empty(model.size)
        self._step = np.empty(model.size)
        self._last: tuple[np.ndarray, float, np.ndarray] | None = None
        self.evaluations = 0

    def value_and_grad(self, w: np.ndarray) -> tuple[float, np.ndarray]:
        last = self._last
        if last is not None and last[0] is w:
            return last[1], last[2]
        E, g = self.model.value_and_grad_batch(w, self.data, out=self._full)
        self.evaluations += 1
        self._last = (w, E, g)
        return E, g

    def grad_E(self, w: np.ndarray) -> np.ndarray:
        return self.value_and_grad(w)[1]

    def E(self, w: np.ndarray) -> float:
        last = self._last
        if last is not None and last[0] is w:
            return last[1]
        self.evaluations += 1
        return self.model.loss_batch(w, self.data)

    def grad_e(self, j: int, w: np.ndarray) -> np.ndarray:
        """∇e^j(w): the sample-wise gradient of sample j (0-based)."""
        rows = self.model.batch(self.X[j : j + 1], self.Y[j : j + 1], checked=True)
        return self.model.grad_batch(w, rows, out=self._step)

    def grad_e_sum(self, batch: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Σ_{j∈B} ∇e^j(w), one batched call."""
        rows = self.model.batch(self.X[batch], self.Y[batch], checked=True)
        return self.model.grad_batch(w, rows, out=self._step)


class _Recorder:
    """The ``record(k, w)`` callback: E and ‖∇E‖₂ every ``eval_every`` steps (and the last), the divergence check
    there, and a progress bar when standard error is a terminal.  Between evaluations a step costs two assignments."""

    def __init__(self, problem: _Problem, *, total: int, steps_per_epoch: int, eval_every: int, quiet: bool, label: str) -> None:
        self.problem = problem
        self.history = History()
        self.total = total
        self.steps_per_epoch = steps_per_epoch
        self.eval_every = max(1, eval_every)
        self.started = time.perf_counter()
        self.last_w: np.ndarray | None = None  # the last parameters that were evaluated and sound
        self.last_step = 0
        self.steps_taken = 0
        self.limit = math.inf
        self.pending: np.ndarray | None = None  # the newest parameters, when they were not evaluated
        show = not quiet and sys.stderr is not None and sys.stderr.isatty()
        self.bar = tqdm(total=total, desc=label, unit="step", delay=0.5, leave=False, dynamic_ncols=True) if show else None

    def evaluate(self, k: int, w: np.ndarray) -> None:
        E, g = self.problem.value_and_grad(w)
        norm = math.sqrt(float(np.vdot(g, g)))
        if not (math.isfinite(E) and math.isfinite(norm) and math.isfinite(float(np.vdot(w, w)))):
            raise _Diverged(k, f"E = {E:.3g}, ‖∇E‖₂ = {norm:.3g}" if math.isfinite(E) else f"E = {E}")
        if E > self.limit:
            raise _Diverged(k, f"E = {E:.3g} > {DIVERGENCE_FACTOR:g} × max(E(w⁰), 1) = {self.limit:.3g}")
        history = self.history
        history.steps.append(k)
        history.epochs.append(k / self.steps_per_epoch)
        history.E.append(E)
        history.grad_norm.append(norm)
        history.seconds.append(time.perf_counter() - self.started)
        self.last_w, self.last_step = w, k

    def start(self, w: np.ndarray) -> None:
        self.evaluate(0, w)
        self.limit = DIVERGENCE_FACTOR * max(self.history.E[0], 1.0)

    def __call__(self, k: int, w: np.ndarray) -> None:
        self.steps_taken = k
        if k % self.eval_every == 0 or k == self.total:
            self.evaluate(k, w)
        else:
            self.pending = w
        if self.bar is not None:
            self.bar.update(1)

    def finish(self) -> None:
        """Evaluate the last step if it was not (a GD run that converged between evaluations, or a stop)."""
        if self.steps_taken != self.last_step and self.pending is not None:
            try:
                self.evaluate(self.steps_taken, self.pending)
            except _Diverged:
                pass
        self.pending = None
        self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


# --- the trainer -----------------------------------------------------------------------------------------------
MAX_TRAINING_STEPS = 10_000_000
"""Parameter updates one ``fit`` may make (epochs × steps per epoch): checked before the first step."""
MAX_EVALUATIONS = 1_000_000
"""Points of E's history one ``fit`` records (each a full pass over the data, kept in memory)."""


def _check_budget(steps: int, evaluations: int) -> None:
    """Refuse a run whose steps or recorded evaluations cannot finish in reasonable time and memory."""
    if steps > MAX_TRAINING_STEPS:
        raise LimitError(f"epochs × steps per epoch = {steps:,} steps, more than one run makes ({MAX_TRAINING_STEPS:,}); use fewer epochs")
    if evaluations > MAX_EVALUATIONS:
        raise LimitError(f"{evaluations:,} evaluations of E, more than one run records ({MAX_EVALUATIONS:,}); use fewer epochs or a larger eval_every")


def _check_positive(name: str, value: object, *, integer: bool = False) -> None:
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or not math.isfinite(value) or value <= 0:
        raise SpecError(f"{name} must be a positive {'whole ' if integer else ''}number, got {value!r}")


def fit(
    model: "CompiledModel",
    X: object,
    Y: object,
    *,
    method: str = "gd",
    params: Mapping[str, object] | None = None,
    seed: int = 0,
    epochs: int = 100,
    alpha: float = 0.1,
    tol: float = 1e-6,
    gamma: Callable[[int], float] | float = 1.0,
    batch_size: int = 8,
    eval_every: int | None = None,
    quiet: bool = False,
) -> TrainingResult:
    """Train ``model`` on (X, Y) with one of the lecture's methods; E = Σ_i e^i throughout.

    - ``gd``: w^{k+1} = w^k − α ∇E(w^k) for up to ``epochs`` steps, stopping when ‖∇E‖₂ ≤ ``tol`` (L2);
    - ``gd-exact``: the same with α^k = argmin_{α>0} E(w^k + α d^k) (L3; :func:`exact_line_search`);
    - ``sgd``: j_k uniform in {1…S}, w^{k+1} = w^k − γ_k ∇e^{j_k}(w^k), S steps per epoch (L4, L5, L16);
    - ``minibatch``: each epoch a seeded shuffle cut into batches B_k of ``batch_size``,
      w^{k+1} = w^k − γ_k Σ_{j∈B_k} ∇e^j(w^k) (L6).

    ``gamma`` is a schedule k ↦ γ_k, or a number c for γ_k = c/(k+1) (the default c = 1 is the lecture's).
    ``params`` are the starting point (default: :func:`init_params` with ``seed``); ``seed`` also drives the
    sampling, so equal arguments give equal runs.
    """
    if method not in METHODS:
        raise SpecError(f"unknown method {method!r}; choose one of: {', '.join(METHODS)}")
    _check_positive("epochs", epochs, integer=True)
    _check_seed(seed)
    problem = _Problem(model, X, Y)
    w0 = model.pack(params if params is not None else init_params(model, seed))
    rng = np.random.default_rng(seed)
    S = problem.S
    settings: dict[str, object] = {}

    if method in ("gd", "gd-exact"):
        steps_per_epoch, total = 1, epochs
        if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not math.isfinite(tol) or tol < 0:
            raise SpecError(f"tol must be a non-negative number, got {tol!r}")
        settings["tol"] = tol
    if method == "gd":
        _check_positive("alpha", alpha)
        settings = {"α": alpha, **settings}
        step_size: Callable[[int], float] = lambda k: alpha  # noqa: E731
    elif method == "gd-exact":
        import scipy.optimize  # noqa: F401 - loaded here, so that its import is not timed as training
        alphas: list[float] = []

        def line_search(E: Callable, w: np.ndarray, d: np.ndarray) -> float:
            alpha_k = exact_line_search(E, w, d, guess=2.0 * (alphas[-1] if alphas else 1.0))
            alphas.append(alpha_k)
            return alpha_k

        step_size = lambda k: alphas[k]  # noqa: E731
    else:
        schedule = harmonic(float(gamma)) if isinstance(gamma, (int, float)) and not isinstance(gamma, bool) else gamma
        if not callable(schedule):
            raise SpecError(f"gamma must be a number c (γ_k = c/(k+1)) or a function k ↦ γ_k, got {gamma!r}")
        step_size = schedule
        settings["γ_k"] = f"{float(gamma):g}/(k+1)" if isinstance(gamma, (int, float)) else getattr(gamma, "__name__", "custom")
        if method == "sgd":
            steps_per_epoch = S
        else:
            _check_positive("batch_size", batch_size, integer=True)
            batch = min(batch_size, S)
            settings["B"] = batch
            steps_per_epoch = -(-S // batch)
        total = epochs * steps_per_epoch
    settings["epochs"] = epochs
    settings["seed"] = seed

    every = eval_every if eval_every is not None else (1 if method in ("gd", "gd-exact") else steps_per_epoch)
    _check_positive("eval_every", every, integer=True)
    _check_budget(total, -(-total // every))
    record = _Recorder(problem, total=total, steps_per_epoch=steps_per_epoch, eval_every=every, quiet=quiet, label=method)
    status, message = RunStatus.MAX_STEPS, ""
    started = time.perf_counter()
    # Overflow and NaN are how a run diverges: they are detected from E and w at every evaluation, so NumPy
    # must neither warn nor raise about them meanwhile.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"), contextlib.closing(record):
        try:
            record.start(w0)
            if method == "gd":
                algorithms.gradient_descent(problem.grad_E, w0, alpha, tol, total, record)
            elif method == "gd-exact":
                algorithms.gradient_descent_exact(problem.E, problem.grad_E, w0, tol, total, line_search, record)
            elif method == "sgd":
                algorithms.sgd(problem.grad_e, w0, S, total, step_size, _samples(rng, S), record)
            else:
                algorithms.minibatch_sgd(problem.grad_e_sum, w0, S, total, step_size, _batches(rng, S, batch), record)
            record.finish()
            status, message = _ending(method, record.history, tol, record.last_step, steps_per_epoch)
        except _Stalled:
            record.finish()
            status = RunStatus.STALLED
            message = f"at step {record.last_step + 1} no α > 0 lowers E along d^k: E is at its float64 minimum along −∇E"
        except _Diverged as stop:
            record.finish()
            status = RunStatus.DIVERGED
            hint = "a smaller step size α" if method == "gd" else "a smaller γ_k (e.g. --gamma 0.1)" if method != "gd-exact" else "standardised inputs"
            message = f"diverged by step {stop.step}: {stop.reason}; history and parameters kept up to step {record.last_step}; try {hint}"
    seconds = time.perf_counter() - started
    steps = record.last_step
    if method == "gd":
        record.history.step_sizes = [float(alpha)] * steps
    elif method == "gd-exact":
        record.history.step_sizes = alphas[:steps]
    else:
        record.history.step_sizes = [float(step_size(k)) for k in range(steps)]
    w_final = record.last_w if record.last_w is not None else w0
    return TrainingResult(
        method=method,
        params=model.unpack(w_final),
        history=record.history,
        status=status,
        message=message,
        steps=steps,
        epochs=steps / steps_per_epoch,
        seconds=seconds,
        settings=settings,
    )


def _ending(method: str, history: History, tol: float, steps: int, steps_per_epoch: int) -> tuple[RunStatus, str]:
    """How a run that neither diverged nor stalled ended: converged only if ‖∇E‖₂ ≤ tol and E did not rise."""
    if method in ("gd", "gd-exact") and history.grad_norm and history.grad_norm[-1] <= tol:
        if history.E[-1] <= history.E[0]:
            return RunStatus.CONVERGED, f"‖∇E‖₂ = {history.grad_norm[-1]:.3g} ≤ tol = {tol:g}"
        return RunStatus.PLATEAU, (
            f"‖∇E‖₂ = {history.grad_norm[-1]:.3g} ≤ tol, but E rose from {history.E[0]:.6g} to {history.E[-1]:.6g}: "
            "the gradient vanished where the units saturate, not at a minimum; try a smaller step size α"
        )
    return RunStatus.MAX_STEPS, f"stopped after {steps} steps ({steps / steps_per_epoch:g} epochs)"


def _samples(rng: np.random.Generator, S: int, chunk: int = 1024) -> Callable[[int], int]:
    """pick: j_k uniform in {0…S−1}, drawn from the seeded generator ``chunk`` at a time (one call per draw is slow)."""
    queue: list[int] = []

    def pick(S_: int) -> int:
        if not queue:
            queue.extend(reversed(rng.integers(S_, size=chunk).tolist()))
        return queue.pop()

    return pick


def _batches(rng: np.random.Generator, S: int, size: int) -> Callable[[int], np.ndarray]:
    """pick_batch: each epoch a fresh seeded permutation of {0…S−1}, cut into batches of ``size`` (the last may be smaller)."""
    queue: list[np.ndarray] = []

    def pick_batch(S_: int) -> np.ndarray:
        if not queue:
            order = rng.permutation(S_)
            queue.extend(order[start : start + size] for start in range(0, S_, size))
            queue.reverse()
        return queue.pop()

    return pick_batch


def train_methods(
    model: "CompiledModel",
    X: object,
    Y: object,
    methods: Sequence[str] = METHODS,
    *,
    params: Mapping[str, object] | None = None,
    seed: int = 0,
    **options: object,
) -> list[TrainingResult]:
    """Run several methods from the same starting point (``params`` or :func:`init_params` with ``seed``)."""
    start = dict(params) if params is not None else init_params(model, seed)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise SpecError(f"unknown method {unknown[0]!r}; choose from: {', '.join(METHODS)}")
    if not methods:
        raise DataError("choose at least one method")
    return [fit(model, X, Y, method=method, params=start, seed=seed, **options) for method in methods]  # type: ignore[arg-type]
