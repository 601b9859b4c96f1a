"""The runtime model the trainers call: E, ∇E and predictions from the generated NumPy code.

:func:`compile` generates the model's source from the proven layer formulas
(:func:`symbackprop.emit.numpy.generate_source`: one program per layer template, every statement checked
exactly) and loads it into a :class:`CompiledModel`.  Calls check their inputs cheaply — shapes and types
in Python, finiteness with one reduction per array, one-hot or ±1 targets — and the flat-vector path the
trainers use checks a data set once (:meth:`CompiledModel.batch`), not at every step.  No SymPy runs when a
model is called, and the model holds no symbols, so its size is bounded only by memory.
"""

from __future__ import annotations

import builtins
import math
from typing import Callable, Mapping, Sequence

import numpy as np

from .errors import ArgumentTypeError, DataError, NotSupportedError, ShapeError
from .network import MLP

__all__ = ["Batch", "CompiledModel", "compile"]

_FLOAT64 = np.dtype(np.float64)
_SUM = np.add.reduce
_ALL = np.logical_and.reduce
_VDOT = np.vdot
_MIN = np.minimum.reduce
_MAX = np.maximum.reduce
isfinite = math.isfinite


def _run(function: Callable[..., object], arguments: tuple) -> object:
    """Call generated code; if the caller's NumPy settings raise on underflow (harmless here), call again ignoring it."""
    try:
        return function(*arguments)
    except FloatingPointError:
        with np.errstate(under="ignore"):
            return function(*arguments)


class Batch:
    """Data checked once for the flat path: X, Y and what the generated code needs of the targets alone.

    Made by :meth:`CompiledModel.batch`; pass it to :meth:`CompiledModel.value_and_grad_batch` and friends.
    """

    __slots__ = ("X", "Y", "n", "_loss_tail", "_gradient_tail")

    def __init__(self, X: np.ndarray, Y: np.ndarray, constants: tuple, ones: tuple) -> None:
        self.X, self.Y = X, Y
        self.n = int(X.shape[0])
        self._loss_tail = (X, Y, *constants)
        self._gradient_tail = (X, Y, *constants, *ones)

    def __repr__(self) -> str:
        return f"Batch(n={self.n})"


class CompiledModel:
    """E, ∇E, predictions for one network, as generated NumPy functions (no SymPy at call time).

    ``E, grads = model(params, X, Y)`` with ``params = {"W1": (N_1, N_0), "b1": (N_1,), …}``, ``X`` of
    shape (n, N_0) and ``Y`` of shape (n, N_L): one-hot (or probability) rows for softmax, ±1 for the
    logistic loss.  ``E = Σ_i e^i`` is the lecture's total error (a sum), ``grads`` has the keys and shapes
    of ``params``.  ``model.source`` is the generated code, ``model.verified`` the identities checked exactly
    when it was generated.
    """

    def __init__(self, net: MLP, source: str, verified: Sequence[str]) -> None:
        spec = net.spec
        self.description = spec.describe()
        self.sizes: tuple[int, ...] = tuple(spec.sizes)
        self.depth = spec.depth
        self.has_bias = spec.bias
        self.loss_name = spec.loss.name
        self.softmax = spec.softmax
        self.activations = tuple(activation.name for activation in spec.activations)
        self.task = "multiclass" if spec.softmax else "binary" if spec.loss.name == "logistic" else "regression"
        self.source = source
        self.verified = tuple(verified)
        shapes: dict[str, tuple[int, ...]] = {}
        for layer in range(1, self.depth + 1):
            shapes[f"W{layer}"] = (self.sizes[layer], self.sizes[layer - 1])
            if spec.bias:
                shapes[f"b{layer}"] = (self.sizes[layer],)
        self.parameter_shapes: dict[str, tuple[int, ...]] = shapes
        self._keys = tuple(shapes)
        self._shapes = tuple(shapes.values())
        self._layout: list[tuple[slice, tuple[int, ...]]] = []
        offset = 0
        for shape in shapes.values():
            size = math.prod(shape)
            self._layout.append((slice(offset, offset + size), shape))
            offset += size
        self.size = offset
        namespace: dict[str, object] = {}
        exec(builtins.compile(source, f"<symbackprop model {self.description}>", "exec"), namespace)  # noqa: S102 - our own generated code
        self._prepare: Callable[[np.ndarray], tuple] = namespace["prepare"]  # type: ignore[assignment]
        self._gradient: Callable[..., float] = namespace["gradient"]  # type: ignore[assignment]
        self._gradient_only: Callable[..., None] = namespace["gradient_only"]  # type: ignore[assignment]
        self._loss: Callable[..., float] = namespace["loss"]  # type: ignore[assignment]
        self._forward: Callable[..., tuple] = namespace["forward"]  # type: ignore[assignment]
        self._forward_names: list[str] = namespace["FORWARD_NAMES"]  # type: ignore[assignment]
        self._data_names: list[str] = namespace["DATA_NAMES"]  # type: ignore[assignment]
        self._ones_by_rows: dict[int, tuple[np.ndarray, ...]] = {}
        self._target_check = self.softmax or self.task == "binary"
        self._row, self._outputs = (self.sizes[0],), self.sizes[-1]
        self._out: np.ndarray | None = None
        self._out_views: list[np.ndarray] = []

    def __repr__(self) -> str:
        return f"CompiledModel({self.description}; {self.size} parameters)"

    def _ones(self, n: int) -> tuple[np.ndarray, ...]:
        """(a read-only vector of n ones,) for the bias sums ONES @ G, or () without biases."""
        ones = self._ones_by_rows.get(n)
        if ones is None:
            if not self.has_bias:
                ones = ()
            else:
                vector = np.ones(n)
                vector.flags.writeable = False
                ones = (vector,)
            if len(self._ones_by_rows) > 32:
                self._ones_by_rows.clear()
            self._ones_by_rows[n] = ones
        return ones

    # --- checked entry points ---------------------------------------------------------------------------
    def __call__(self, params: Mapping[str, object], X: object, Y: object) -> tuple[float, dict[str, np.ndarray]]:
        """E = Σ_i e^i and ∇E with the keys and shapes of ``params``."""
        arrays = self.check_params(params)
        if not (  # the common case in a few operations; anything else takes the careful path with its messages
            type(X) is np.ndarray and type(Y) is np.ndarray and X.dtype is _FLOAT64 and Y.dtype is _FLOAT64
            and X.shape[1:] == self._row and Y.shape == (X.shape[0], self._outputs) and X.shape[0]
            and isfinite(_VDOT(X, X) + _VDOT(Y, Y))
        ):
            X, Y = self.check_data(X, Y, targets=False)
        constants = self._prepare(Y) if self._data_names else ()
        if self._target_check:
            self._check_targets(Y, constants)
        ones = self._ones_by_rows.get(X.shape[0]) or self._ones(X.shape[0])
        grads = list(map(np.empty, self._shapes))
        try:
            E = self._gradient(*arrays, X, Y, *constants, *ones, *grads)
        except FloatingPointError:  # the caller's settings raise on underflow, which is harmless here
            with np.errstate(under="ignore"):
                E = self._gradient(*arrays, X, Y, *constants, *ones, *grads)
        return float(E), dict(zip(self._keys, grads))

    def loss(self, params: Mapping[str, object], X: object, Y: object) -> float:
        """E = Σ_i e^i (forward pass only)."""
        arrays = self.check_params(params)
        batch = self.batch(X, Y)
        return float(_run(self._loss, (*arrays, *batch._loss_tail)))  # type: ignore[arg-type]

    def forward(self, params: Mapping[str, object], X: object) -> dict[str, np.ndarray]:
        """Every pre-activation and activation, one row per sample: ``{"z1": …, "a1": …, …}`` (``"q"`` for softmax)."""
        arrays = self.check_params(params)
        X = self.check_inputs(X)
        values = _run(self._forward, (*arrays, X))
        return dict(zip(self._forward_names, values))  # type: ignore[arg-type]

    def output(self, params: Mapping[str, object], X: object) -> np.ndarray:
        """ŷ: a^L, or q = softmax(a^L) for a softmax output; shape (n, N_L)."""
        values = self.forward(params, X)
        return values["q"] if self.softmax else values[f"a{self.depth}"]

    def predict(self, params: Mapping[str, object], X: object) -> np.ndarray:
        """Class labels for classification, else ŷ.

        softmax (L18): the argmax of q, a 0-based column index of the one-hot Y, shape (n,);
        logistic (L17): +1 where σ(z^L) ≥ 1/2 else −1, shape (n,); otherwise ŷ = a^L, shape (n, N_L).
        """
        values = self.forward(params, X)
        if self.softmax:
            return np.argmax(values["q"], axis=1)
        if self.task == "binary":
            return np.where(values[f"z{self.depth}"][:, 0] >= 0.0, 1, -1)
        return values[f"a{self.depth}"]

    def accuracy(self, params: Mapping[str, object], X: object, Y: object) -> float:
        """Fraction of samples whose predicted class is the target's (classification networks only)."""
        if self.task == "regression":
            raise NotSupportedError(f"accuracy needs a classification network (softmax or logistic); this one is {self.description}")
        X, Y = self.check_data(X, Y)
        predicted = self.predict(params, X)
        truth = np.argmax(Y, axis=1) if self.softmax else Y[:, 0].astype(int)
        return float(np.mean(predicted == truth))

    # --- flat parameter vectors (for the trainers) -----------------------------------------------------------
    def pack(self, params: Mapping[str, object]) -> np.ndarray:
        """All parameters in one float64 vector, in the order W1, b1, W2, … (row-major)."""
        arrays = self.check_params(params)
        return np.concatenate([array.ravel() for array in arrays]) if arrays else np.zeros(0)

    def unpack(self, w: np.ndarray) -> dict[str, np.ndarray]:
        """The parameter dictionary of a flat vector (copies, safe to keep)."""
        w = np.asarray(w, dtype=float)
        if w.shape != (self.size,):
            raise ShapeError(f"a flat parameter vector of this network has shape ({self.size},), got {w.shape}")
        return {key: w[part].reshape(shape).copy() for key, (part, shape) in zip(self._keys, self._layout)}

    def _views(self, w: np.ndarray) -> list[np.ndarray]:
        return [w[part] if len(shape) == 1 else w[part].reshape(shape) for part, shape in self._layout]

    def _out_for(self, out: np.ndarray | None) -> tuple[np.ndarray, list[np.ndarray]]:
        """A gradient vector and its per-parameter views: ``out`` (views cached while it is reused) or a new one."""
        if out is None:
            g = np.empty(self.size)
            return g, self._views(g)
        if out is not self._out:
            if type(out) is not np.ndarray or out.dtype is not _FLOAT64 or out.shape != (self.size,) or not out.flags.c_contiguous:
                raise ShapeError(f"out must be a contiguous float64 vector of shape ({self.size},)")
            self._out, self._out_views = out, self._views(out)
        return out, self._out_views

    def batch(self, X: object, Y: object, *, checked: bool = False) -> Batch:
        """X and Y checked (shapes, finiteness, targets) once, with what the code needs of Y computed once.

        ``checked=True`` skips the checks (for rows taken from a batch that was checked).
        """
        if not checked:
            X, Y = self.check_data(X, Y, targets=False)
        constants = tuple(self._prepare(Y))  # type: ignore[arg-type]
        if not checked:
            self._check_targets(Y, constants)  # type: ignore[arg-type]
        return Batch(X, Y, constants, self._ones(X.shape[0]))  # type: ignore[union-attr]

    def value_and_grad_batch(self, w: np.ndarray, batch: Batch, out: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """E and ∇E for a flat parameter vector ``w`` (not checked) on a :class:`Batch`; ∇E goes into ``out`` if given."""
        g, views = self._out_for(out)
        arguments = (*self._views(w), *batch._gradient_tail, *views)
        try:
            E = self._gradient(*arguments)
        except FloatingPointError:
            with np.errstate(under="ignore"):
                E = self._gradient(*arguments)
        return float(E), g

    def grad_batch(self, w: np.ndarray, batch: Batch, out: np.ndarray | None = None) -> np.ndarray:
        """∇E only (E is not computed): what a stochastic step needs."""
        g, views = self._out_for(out)
        _run(self._gradient_only, (*self._views(w), *batch._gradient_tail, *views))
        return g

    def loss_batch(self, w: np.ndarray, batch: Batch) -> float:
        """E for a flat parameter vector on a :class:`Batch`."""
        return float(_run(self._loss, (*self._views(w), *batch._loss_tail)))  # type: ignore[arg-type]

    def value_and_grad_flat(self, w: np.ndarray, X: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
        """E and ∇E for a flat parameter vector; X and Y must already be checked (see :meth:`check_data`)."""
        return self.value_and_grad_batch(w, self.batch(X, Y, checked=True))

    def loss_flat(self, w: np.ndarray, X: np.ndarray, Y: np.ndarray) -> float:
        """E for a flat parameter vector; X and Y must already be checked."""
        return self.loss_batch(w, self.batch(X, Y, checked=True))

    # --- input checks -------------------------------------------------------------------------------------
    def _expected(self) -> str:
        return ", ".join(f"{key}: {shape}" for key, shape in self.parameter_shapes.items())

    def check_params(self, params: Mapping[str, object], *, finite: bool = True) -> list[np.ndarray]:
        """The parameter arrays in order, as float64; ShapeError/DataError naming the expected shapes."""
        if type(params) is dict and len(params) == len(self._keys):  # the common case, checked in a few operations
            arrays = [params.get(key) for key in self._keys]
            squares = 0.0  # Σ w² over every parameter: finite exactly when every entry is (below 1e154)
            for array, shape in zip(arrays, self._shapes):
                if type(array) is not np.ndarray or array.dtype is not _FLOAT64 or array.shape != shape:
                    break
                squares += array.dot(array) if len(shape) == 1 else _VDOT(array, array)
            else:
                if not finite or isfinite(squares):
                    return arrays  # type: ignore[return-value]
        return self._check_params_slowly(params, finite=finite)

    def _check_params_slowly(self, params: Mapping[str, object], *, finite: bool) -> list[np.ndarray]:
        if not isinstance(params, Mapping):
            raise ArgumentTypeError(f"params must be a dict {{{self._expected()}}}, got {type(params).__name__}")
        missing = [k for k in self._keys if k not in params]
        extra = [str(k) for k in params if k not in self.parameter_shapes]
        if missing or extra:
            detail = "; ".join(part for part in (f"missing {', '.join(missing)}" if missing else "", f"unexpected {', '.join(extra)}" if extra else "") if part)
            raise ShapeError(f"params must have the keys and shapes {{{self._expected()}}}: {detail}")
        arrays = []
        for key, shape in zip(self._keys, self._shapes):
            array = _float_array(params[key], f"params[{key!r}]")
            if array.shape != shape:
                raise ShapeError(f"params[{key!r}] must have shape {shape}, got {array.shape} (expected {{{self._expected()}}})")
            if finite and not _finite(array):
                raise DataError(f"params[{key!r}] contains NaN or infinity")
            arrays.append(array)
        return arrays

    def check_inputs(self, X: object, *, finite: bool = True) -> np.ndarray:
        if type(X) is not np.ndarray or X.dtype is not _FLOAT64:
            X = _float_array(X, "X")
        if X.ndim != 2 or X.shape[1] != self.sizes[0] or X.shape[0] == 0:
            raise ShapeError(f"X must have shape (n, {self.sizes[0]}) with n ≥ 1 (one row per sample), got {X.shape}")
        if finite and not _finite(X):
            row = int(np.argwhere(~np.isfinite(X))[0, 0])
            raise DataError(f"X row {row} contains NaN or infinity")
        return X

    def check_data(self, X: object, Y: object, *, finite: bool = True, targets: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """X (n, N_0) and Y (n, N_L) as float64, checked: shapes, finiteness, one-hot/±1 targets where the loss needs them."""
        X = self.check_inputs(X, finite=finite)
        if type(Y) is not np.ndarray or Y.dtype is not _FLOAT64:
            Y = _float_array(Y, "Y")
        width = self.sizes[-1]
        if Y.ndim != 2 or Y.shape != (X.shape[0], width):
            hint = " (use Y.reshape(-1, 1) for one output)" if Y.ndim == 1 and width == 1 else ""
            raise ShapeError(f"Y must have shape ({X.shape[0]}, {width}) to match X {X.shape}, got {Y.shape}{hint}")
        if finite:
            if not _finite(Y):
                raise DataError(f"Y row {int(np.argwhere(~np.isfinite(Y))[0, 0])} contains NaN or infinity")
            if targets:
                self._check_targets(Y)
        return X, Y

    def _check_targets(self, Y: np.ndarray, constants: tuple = ()) -> None:
        """One-hot (or probability) rows for softmax, ±1 for the logistic loss; Y must be finite already.

        The whole array is tested with a few reductions; the first bad row is looked for only when one fails.
        """
        width = self.sizes[-1]
        if self.softmax:
            sums = constants[self._data_names.index("SY")] if "SY" in self._data_names and constants else _SUM(Y, axis=1, keepdims=True)
            tolerance = 1e-9 * width
            # min Y ≥ 0 and max_i |Σ_j y_j − 1| ≤ tolerance, as three reductions and no temporary (s − 1 is exact
            # for s in [1/2, 2], so max s − 1 and 1 − min s are the largest deviations exactly)
            if _MIN(Y, None) >= 0.0 and _MAX(sums, None) - 1.0 <= tolerance and 1.0 - _MIN(sums, None) <= tolerance:
                return
            bad = np.flatnonzero((Y < 0).any(axis=1) | ~(np.abs(Y.sum(axis=1) - 1.0) <= tolerance))
            if not len(bad):  # 1 ± tolerance rounded: a sum within the tolerance of 1, by a hair
                return
            raise DataError(
                f"Y row {int(bad[0])} is not a one-hot (or probability) row, as softmax + {self.loss_name} needs: {Y[bad[0]].tolist()}"
            )
        if self.task == "binary":
            if _ALL(Y * Y == 1.0, None):
                return
            bad = np.flatnonzero(np.abs(Y[:, 0]) != 1.0)
            raise DataError(f"Y row {int(bad[0])}: the logistic loss needs labels y ∈ {{+1, −1}} (L17), got {Y[bad[0], 0]:g}")


def _finite(array: np.ndarray) -> bool:
    """No NaN or ±∞, in one BLAS call: Σ x² is finite exactly when every entry is (and |x| < 1e154; beyond that the
    entries are tested one by one).  ``vdot`` raises no floating-point error whatever the caller's NumPy settings."""
    return math.isfinite(_VDOT(array, array)) or bool(np.isfinite(array).all())


def _float_array(value: object, label: str) -> np.ndarray:
    if type(value) is np.ndarray and value.dtype == np.float64:  # the common case, without a copy
        return value
    try:
        array = np.asarray(value)
    except (ValueError, TypeError) as error:  # ragged nested lists
        raise ShapeError(f"{label} is not a rectangular array: {error}") from None
    if array.dtype.kind not in "fiu":
        raise DataError(f"{label} must hold real numbers, got dtype {array.dtype}")
    return array.astype(np.float64, copy=False)


def compile(net: MLP) -> CompiledModel:  # noqa: A001 - the public name the issue asks for
    """Generate, verify and load the NumPy model of ``net``.

    The program is built and checked once per layer template (cached), so compiling takes the same time for
    ``MLP([2, 2, 2])`` and ``MLP([784, 128, 10])``, and no parameter limit applies.

    >>> from symbackprop import MLP
    >>> import numpy as np
    >>> model = compile(MLP([2, 1], activation="sigmoid"))
    >>> E, grads = model({"W1": np.zeros((1, 2))}, np.ones((3, 2)), np.ones((3, 1)))
    >>> E, grads["W1"].tolist()
    (0.75, [[-0.75, -0.75]])
    """
    from .emit.numpy import generate_source  # SymPy and the emitters load when a model is compiled, not before

    if not isinstance(net, MLP):
        raise ArgumentTypeError(f"compile() takes a symbackprop.MLP, got {type(net).__name__}")
    source, verified = generate_source(net)
    return CompiledModel(net, source, verified)
