"""The runtime model the trainers call: E, ∇E and predictions from the generated NumPy code.

:func:`compile` generates the model's source from the proven layer formulas
(:func:`symbackprop.emit.numpy.generate_source`, every statement checked exactly) and loads it into a
:class:`CompiledModel`, which checks its inputs (shapes, finiteness, one-hot or ±1 targets) and offers a
flat-vector path for the trainers.  No SymPy runs when a model is called.
"""

from __future__ import annotations

import builtins
from typing import Mapping, Sequence

import numpy as np

from .emit.numpy import generate_source
from .errors import ArgumentTypeError, DataError, NotSupportedError, ShapeError
from .network import MLP

__all__ = ["CompiledModel", "compile"]


class CompiledModel:
    """E, ∇E, predictions for one network, as generated NumPy functions (no SymPy at call time).

    ``E, grads = model(params, X, Y)`` with ``params = {"W1": (N_1, N_0), "b1": (N_1,), …}``, ``X`` of
    shape (n, N_0) and ``Y`` of shape (n, N_L): one-hot (or probability) rows for softmax, ±1 for the
    logistic loss.  ``E = Σ_i e^i`` is the lecture's total error (a sum), ``grads`` has the keys and shapes
    of ``params``.  ``model.source`` is the generated code, ``model.verified`` the identities checked exactly
    when it was generated.
    """

    def __init__(self, net: MLP, source: str, verified: Sequence[str]) -> None:
        self.description = net.spec.describe()
        self.sizes: tuple[int, ...] = tuple(net.sizes)
        self.depth = net.depth
        self.has_bias = net.has_bias
        self.loss_name = net.loss.name
        self.softmax = net.softmax
        self.activations = tuple(net.activation(layer).name for layer in range(1, net.depth + 1))
        self.task = "multiclass" if net.softmax else "binary" if net.loss.name == "logistic" else "regression"
        self.source = source
        self.verified = tuple(verified)
        shapes: dict[str, tuple[int, ...]] = {}
        for layer in range(1, net.depth + 1):
            shapes[f"W{layer}"] = (self.sizes[layer], self.sizes[layer - 1])
            if net.has_bias:
                shapes[f"b{layer}"] = (self.sizes[layer],)
        self.parameter_shapes: dict[str, tuple[int, ...]] = shapes
        self._layout: list[tuple[str, slice, tuple[int, ...]]] = []
        offset = 0
        for key, shape in shapes.items():
            size = int(np.prod(shape))
            self._layout.append((key, slice(offset, offset + size), shape))
            offset += size
        self.size = offset
        namespace: dict[str, object] = {}
        exec(builtins.compile(source, f"<symbackprop model {self.description}>", "exec"), namespace)  # noqa: S102 - our own generated code
        self._gradient = namespace["gradient"]
        self._loss = namespace["loss"]
        self._forward = namespace["forward"]
        self._forward_names = namespace["FORWARD_NAMES"]

    def __repr__(self) -> str:
        return f"CompiledModel({self.description}; {self.size} parameters)"

    # --- checked entry points ---------------------------------------------------------------------------
    def __call__(self, params: Mapping[str, object], X: object, Y: object) -> tuple[float, dict[str, np.ndarray]]:
        """E = Σ_i e^i and ∇E with the keys and shapes of ``params``."""
        arrays = self.check_params(params)
        X, Y = self.check_data(X, Y)
        grads = {key: np.empty(shape) for key, shape in self.parameter_shapes.items()}
        with np.errstate(under="ignore"):
            E = self._gradient(*arrays, X, Y, *grads.values())
        return float(E), grads

    def loss(self, params: Mapping[str, object], X: object, Y: object) -> float:
        """E = Σ_i e^i (forward pass only)."""
        arrays = self.check_params(params)
        X, Y = self.check_data(X, Y)
        with np.errstate(under="ignore"):
            return float(self._loss(*arrays, X, Y))

    def forward(self, params: Mapping[str, object], X: object) -> dict[str, np.ndarray]:
        """Every pre-activation and activation, one row per sample: ``{"z1": …, "a1": …, …}`` (``"q"`` for softmax)."""
        arrays = self.check_params(params)
        X = self.check_inputs(X)
        with np.errstate(under="ignore"):
            values = self._forward(*arrays, X)
        return {name: value for name, value in zip(self._forward_names, values)}

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

    # --- flat parameter vectors (for the trainers; no checks) ------------------------------------------------
    def pack(self, params: Mapping[str, object]) -> np.ndarray:
        """All parameters in one float64 vector, in the order W1, b1, W2, … (row-major)."""
        arrays = self.check_params(params)
        return np.concatenate([array.ravel() for array in arrays]) if arrays else np.zeros(0)

    def unpack(self, w: np.ndarray) -> dict[str, np.ndarray]:
        """The parameter dictionary of a flat vector (copies, safe to keep)."""
        w = np.asarray(w, dtype=float)
        if w.shape != (self.size,):
            raise ShapeError(f"a flat parameter vector of this network has shape ({self.size},), got {w.shape}")
        return {key: w[part].reshape(shape).copy() for key, part, shape in self._layout}

    def _views(self, w: np.ndarray) -> list[np.ndarray]:
        return [w[part].reshape(shape) for _, part, shape in self._layout]

    def value_and_grad_flat(self, w: np.ndarray, X: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
        """E and ∇E for a flat parameter vector; X and Y must already be checked (see :meth:`check_data`)."""
        g = np.empty(self.size)
        with np.errstate(under="ignore"):
            E = self._gradient(*self._views(w), X, Y, *self._views(g))
        return float(E), g

    def loss_flat(self, w: np.ndarray, X: np.ndarray, Y: np.ndarray) -> float:
        """E for a flat parameter vector; X and Y must already be checked."""
        with np.errstate(under="ignore"):
            return float(self._loss(*self._views(w), X, Y))

    # --- input checks -------------------------------------------------------------------------------------
    def _expected(self) -> str:
        return ", ".join(f"{key}: {shape}" for key, shape in self.parameter_shapes.items())

    def check_params(self, params: Mapping[str, object], *, finite: bool = True) -> list[np.ndarray]:
        """The parameter arrays in order, as float64; ShapeError/DataError naming the expected shapes."""
        if type(params) is not dict and not isinstance(params, Mapping):
            raise ArgumentTypeError(f"params must be a dict {{{self._expected()}}}, got {type(params).__name__}")
        if params.keys() != self.parameter_shapes.keys():
            missing = [k for k in self.parameter_shapes if k not in params]
            extra = [str(k) for k in params if k not in self.parameter_shapes]
            detail = "; ".join(part for part in (f"missing {', '.join(missing)}" if missing else "", f"unexpected {', '.join(extra)}" if extra else "") if part)
            raise ShapeError(f"params must have the keys and shapes {{{self._expected()}}}: {detail}")
        arrays = []
        for key, shape in self.parameter_shapes.items():
            array = _float_array(params[key], f"params[{key!r}]")
            if array.shape != shape:
                raise ShapeError(f"params[{key!r}] must have shape {shape}, got {array.shape} (expected {{{self._expected()}}})")
            arrays.append(array)
        if finite and not np.isfinite(np.concatenate(arrays, axis=None)).all():  # one call for all arrays
            key = next(key for key, array in zip(self.parameter_shapes, arrays) if not np.isfinite(array).all())
            raise DataError(f"params[{key!r}] contains NaN or infinity")
        return arrays

    def check_inputs(self, X: object, *, finite: bool = True) -> np.ndarray:
        X = _float_array(X, "X")
        if X.ndim != 2 or X.shape[1] != self.sizes[0] or X.shape[0] == 0:
            raise ShapeError(f"X must have shape (n, {self.sizes[0]}) with n ≥ 1 (one row per sample), got {X.shape}")
        if finite and not np.isfinite(X).all():
            row = int(np.argwhere(~np.isfinite(X))[0, 0])
            raise DataError(f"X row {row} contains NaN or infinity")
        return X

    def check_data(self, X: object, Y: object, *, finite: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """X (n, N_0) and Y (n, N_L) as float64, checked: shapes, finiteness, one-hot/±1 targets where the loss needs them."""
        X = self.check_inputs(X, finite=finite)
        Y = _float_array(Y, "Y")
        width = self.sizes[-1]
        if Y.ndim != 2 or Y.shape != (X.shape[0], width):
            hint = " (use Y.reshape(-1, 1) for one output)" if Y.ndim == 1 and width == 1 else ""
            raise ShapeError(f"Y must have shape ({X.shape[0]}, {width}) to match X {X.shape}, got {Y.shape}{hint}")
        if finite:
            if not np.isfinite(Y).all():
                raise DataError(f"Y row {int(np.argwhere(~np.isfinite(Y))[0, 0])} contains NaN or infinity")
            self._check_targets(Y)
        return X, Y

    def _check_targets(self, Y: np.ndarray) -> None:
        """One-hot (or probability) rows for softmax, ±1 for the logistic loss; Y must be finite already."""
        width = self.sizes[-1]
        if self.softmax:
            bad = np.flatnonzero((Y < 0).any(axis=1) | (np.abs(Y.sum(axis=1) - 1.0) > 1e-9 * width))
            if bad.size:
                raise DataError(
                    f"Y row {int(bad[0])} is not a one-hot (or probability) row, as softmax + {self.loss_name} needs: {Y[bad[0]].tolist()}"
                )
        elif self.task == "binary":
            bad = np.flatnonzero(np.abs(Y[:, 0]) != 1.0)
            if bad.size:
                raise DataError(f"Y row {int(bad[0])}: the logistic loss needs labels y ∈ {{+1, −1}} (L17), got {Y[bad[0], 0]:g}")


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

    >>> from symbackprop import MLP
    >>> import numpy as np
    >>> model = compile(MLP([2, 1], activation="sigmoid"))
    >>> E, grads = model({"W1": np.zeros((1, 2))}, np.ones((3, 2)), np.ones((3, 1)))
    >>> E, grads["W1"].tolist()
    (0.75, [[-0.75, -0.75]])
    """
    if not isinstance(net, MLP):
        raise ArgumentTypeError(f"compile() takes a symbackprop.MLP, got {type(net).__name__}")
    source, verified = generate_source(net)
    return CompiledModel(net, source, verified)
