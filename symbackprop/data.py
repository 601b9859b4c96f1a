"""Data for the trainers: the lecture's four-sample example, a ±1 binary set (L17), Iris (L18), the 8×8
handwritten digits (L18, with a held-out test split), users' CSV files.

Every loader returns a :class:`Dataset`: ``X`` (n, N_0), ``Y`` (n, N_L) in the form the network's loss
expects (0/1 or real targets for the squared loss, ±1 for the logistic loss, one-hot rows for softmax),
the task, and a note on where the numbers come from.

>>> data = lecture_example()
>>> data.X.shape, data.Y.shape, data.task
((4, 2), (4, 1), 'binary01')
>>> iris().class_names
('setosa', 'versicolor', 'virginica')
>>> train = digits()
>>> train.n_samples, train.test.n_samples, train.n_features, train.n_outputs
(1438, 359, 64, 10)
"""

from __future__ import annotations

import csv
import gzip
import math
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

import numpy as np

from .errors import DataError
from .strict_json import MAX_TABLE_BYTES, read_file_bytes

__all__ = ["Dataset", "TASKS", "lecture_example", "binary_example", "iris", "digits", "load_csv", "EXAMPLES", "load_example"]

TASKS = ("regression", "binary01", "binary", "multiclass")

LECTURE_NOTE = (
    "the lecture's four samples (L1) were lost in the transcript; these four are symbackprop's own, "
    "chosen so that E has a finite minimiser (E(0) = 1, min E ≈ 0.446 at w ≈ (1.50, −0.52))"
)


@dataclass(frozen=True)
class Dataset:
    """Samples as rows: ``X`` (n, N_0), ``Y`` (n, N_L), with the task they pose.

    ``task`` is ``"regression"``, ``"binary01"`` (0/1 targets of a sigmoid output, squared loss as in L1),
    ``"binary"`` (y ∈ {+1, −1}, L17) or ``"multiclass"`` (one-hot rows, L18).  ``test`` is a held-out part of
    the same data (never trained on), when the data set has one.
    """

    name: str
    X: np.ndarray
    Y: np.ndarray
    task: str
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...] = ()
    note: str = ""
    test: "Dataset | None" = None

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise DataError(f"task must be one of {', '.join(TASKS)}, got {self.task!r}")
        if self.X.ndim != 2 or self.Y.ndim != 2 or len(self.X) != len(self.Y) or len(self.X) == 0:
            raise DataError(f"a data set needs X (n, N_0) and Y (n, N_L) with n ≥ 1, got {self.X.shape} and {self.Y.shape}")

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    @property
    def n_outputs(self) -> int:
        return int(self.Y.shape[1])

    def labels(self) -> np.ndarray:
        """The class of every sample: column index (multiclass), ±1 (binary) or 0/1 (binary01)."""
        if self.task == "multiclass":
            return np.argmax(self.Y, axis=1)
        if self.task == "binary":
            return self.Y[:, 0].astype(int)
        if self.task == "binary01":
            return (self.Y[:, 0] >= 0.5).astype(int)
        raise DataError(f"{self.name} is a regression data set: it has no classes")

    def accuracy(self, outputs: np.ndarray) -> float | None:
        """The fraction of samples classified correctly from the network outputs ŷ (None for regression).

        multiclass: argmax of q; binary: +1 where σ(z^L) ≥ 1/2 (L17); binary01: ŷ ≥ 1/2 means class 1.
        """
        if self.task == "regression":
            return None
        outputs = np.asarray(outputs, dtype=float)
        if self.task == "multiclass":
            predicted = np.argmax(outputs, axis=1)
        elif self.task == "binary":
            predicted = np.where(outputs[:, 0] >= 0.5, 1, -1)
        else:
            predicted = (outputs[:, 0] >= 0.5).astype(int)
        return float(np.mean(predicted == self.labels()))

    def standardized(self) -> "Dataset":
        """Features shifted and scaled to mean 0 and standard deviation 1 (constant columns are only shifted)."""
        mean = self.X.mean(axis=0)
        scale = self.X.std(axis=0)
        scale[scale == 0] = 1.0
        note = (self.note + "; " if self.note else "") + "features standardised to mean 0, standard deviation 1"
        test = replace(self.test, X=(self.test.X - mean) / scale) if self.test is not None else None  # the training set's scale
        return replace(self, X=(self.X - mean) / scale, note=note, test=test)

    def describe(self) -> str:
        """One line: name, size, task, classes, and the note."""
        classes = f", classes {', '.join(self.class_names)}" if self.class_names else ""
        note = f" — {self.note}" if self.note else ""
        held_out = f" (+ {self.test.n_samples} held out for testing)" if self.test is not None else ""
        return f"{self.name}: {self.n_samples} samples{held_out}, {self.n_features} features, {self.task}{classes}{note}"

    def __repr__(self) -> str:
        return f"Dataset({self.name!r}, n={self.n_samples}, features={self.n_features}, outputs={self.n_outputs}, task={self.task!r})"


def lecture_example() -> Dataset:
    """Four samples x^i ∈ R², targets y^i ∈ {0, 1} for E(w) = Σ_i (y^i − σ(w_11 x^i_1 + w_12 x^i_2))² (L1).

    The lecture's values were lost in the transcript: these are symbackprop's own (see the note).
    """
    X = np.array([[2.0, 0.5], [1.0, -2.0], [0.5, 0.5], [-1.5, -2.0]])
    Y = np.array([[1.0], [1.0], [0.0], [0.0]])
    return Dataset("lecture", X, Y, "binary01", ("x_1", "x_2"), ("0", "1"), LECTURE_NOTE)


def _data_file(name: str) -> str:
    try:
        return resources.files("symbackprop").joinpath("datasets", name).read_text(encoding="utf-8")
    except OSError as error:  # pragma: no cover - a broken installation
        raise DataError(f"the packaged data file {name} is missing ({error}); reinstall symbackprop") from None


def binary_example() -> Dataset:
    """120 points in the plane with y ∈ {+1, −1} (L17): two overlapping Gaussian clouds (our own, see datasets/README.md)."""
    data = load_csv_text(_data_file("binary.csv"), name="binary", task="binary", source="datasets/binary.csv")
    return replace(data, note="two overlapping Gaussian clouds made for symbackprop (seed 17)")


def iris(*, standardize: bool = False) -> Dataset:
    """Fisher's Iris data (150 samples, 4 features, 3 classes), one-hot targets (L18).

    Shipped as a file copied from scikit-learn's wheel (``sklearn/datasets/data/iris.csv``); scikit-learn is not needed.
    """
    lines = _data_file("iris.csv").splitlines()
    header = lines[0].split(",")
    n, d = int(header[0]), int(header[1])
    class_names = tuple(header[2:])
    table = np.array([[float(value) for value in line.split(",")] for line in lines[1 : n + 1]])
    X, labels = table[:, :d], table[:, d].astype(int)
    Y = np.eye(len(class_names))[labels]
    names = ("sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)")
    data = Dataset("iris", X, Y, "multiclass", names, class_names, "Fisher's Iris data, from scikit-learn's iris.csv")
    return data.standardized() if standardize else data


DIGITS_TEST_FRACTION = 0.2
DIGITS_SPLIT_SEED = 0


def digits(*, test_fraction: float = DIGITS_TEST_FRACTION) -> Dataset:
    """The 8×8 handwritten digits (1,797 images, 64 pixels of 0…16 scaled to [0, 1], 10 classes), one-hot targets (L18).

    A seeded, stratified split holds out ``test_fraction`` of every class as ``.test`` (359 of 1,797 by default).
    Shipped as ``digits.csv.gz`` copied from scikit-learn's wheel (see datasets/README.md); scikit-learn is not needed.
    """
    if not 0.0 < test_fraction < 1.0:
        raise DataError(f"test_fraction must be between 0 and 1, got {test_fraction!r}")
    try:
        raw = resources.files("symbackprop").joinpath("datasets", "digits.csv.gz").read_bytes()
    except OSError as error:  # pragma: no cover - a broken installation
        raise DataError(f"the packaged data file digits.csv.gz is missing ({error}); reinstall symbackprop") from None
    table = np.loadtxt(gzip.decompress(raw).decode("ascii").splitlines(), delimiter=",")
    X, labels = table[:, :64] / 16.0, table[:, 64].astype(int)
    rng = np.random.default_rng(DIGITS_SPLIT_SEED)
    test = np.zeros(len(labels), dtype=bool)
    for digit in range(10):
        members = np.flatnonzero(labels == digit)
        test[rng.choice(members, size=int(round(test_fraction * len(members))), replace=False)] = True
    Y = np.eye(10)[labels]
    names = tuple(f"pixel {row},{column}" for row in range(8) for column in range(8))
    classes = tuple(str(digit) for digit in range(10))
    note = "scikit-learn's 8×8 handwritten digits (UCI), pixels scaled to [0, 1]"
    held_out = Dataset("digits (test)", X[test], Y[test], "multiclass", names, classes, note + "; the held-out test split")
    return Dataset("digits", X[~test], Y[~test], "multiclass", names, classes, note, test=held_out)


# --- users' CSV files ----------------------------------------------------------------------------------------
def load_csv(path: str | Path, *, task: str = "auto", name: str | None = None) -> Dataset:
    """Read a CSV file: one sample per row, features first, the target in the last column.

    A first row that is not numeric is a header.  ``task="auto"`` decides from the targets and says so in the
    note: class names (text) → multiclass (one-hot); only +1/−1 → binary (L17); only 0/1 → binary01; whole
    numbers with 3 to 20 distinct values (at most half the rows) → multiclass; anything else → regression.
    Pass ``task=…`` to choose.  Malformed rows raise :class:`DataError` with the row's line number.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"no such data file: {path}")
    try:
        text = read_file_bytes(path, max_bytes=MAX_TABLE_BYTES).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DataError(f"cannot read {path}: {error}") from None
    return load_csv_text(text, name=name or path.stem, task=task, source=str(path))


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value


def load_csv_text(text: str, *, name: str = "csv", task: str = "auto", source: str = "<text>") -> Dataset:
    """:func:`load_csv` on the file's text."""
    if task != "auto" and task not in TASKS:
        raise DataError(f"task must be auto or one of {', '.join(TASKS)}, got {task!r}")
    rows: list[tuple[int, list[str]]] = []
    try:
        reader = csv.reader(text.splitlines())
        for fields in reader:
            stripped = [field.strip() for field in fields]
            if not any(stripped) or stripped[0].startswith("#"):
                continue
            rows.append((reader.line_num, stripped))
    except csv.Error as error:
        raise DataError(f"{source}: row {reader.line_num}: {error}") from None
    if not rows:
        raise DataError(f"{source}: no data rows")
    width = len(rows[0][1])
    if width < 2:
        raise DataError(f"{source}: row {rows[0][0]} has {width} column; need features and a target (at least 2 columns)")
    first_features = rows[0][1][:-1]
    header: list[str] | None = None
    if any(_number(field) is None for field in first_features):
        header, rows = rows[0][1], rows[1:]
        if not rows:
            raise DataError(f"{source}: a header but no data rows")
    features: list[list[float]] = []
    targets: list[str] = []
    for line, fields in rows:
        if len(fields) != width:
            raise DataError(f"{source}: row {line} has {len(fields)} columns, expected {width}")
        values = []
        for column, field in enumerate(fields[:-1], start=1):
            value = _number(field)
            if value is None or not math.isfinite(value):
                label = f" ({header[column - 1]})" if header else ""
                shown = field if len(field) <= 40 else field[:40] + "…"
                raise DataError(f"{source}: row {line}, column {column}{label}: {shown!r} is not a finite number")
            values.append(value)
        features.append(values)
        targets.append(fields[-1])
    X = np.array(features, dtype=float)
    numeric = [_number(t) for t in targets]
    detected = ""
    if task == "auto":
        task, detected = _detect_task(numeric)
    feature_names = tuple(header[:-1]) if header else tuple(f"x_{j}" for j in range(1, width))
    if task == "multiclass":
        class_names = tuple(sorted(set(targets), key=lambda t: (_number(t) is None, _number(t) or 0.0, t)))
        if len(class_names) < 2:
            raise DataError(f"{source}: multiclass data needs at least 2 classes, found {list(class_names)}")
        index = {label: k for k, label in enumerate(class_names)}
        Y = np.eye(len(class_names))[[index[t] for t in targets]]
        return Dataset(name, X, Y, task, feature_names, class_names, f"read from {source}{detected}")
    for (line, _), target, value in zip(rows, targets, numeric):
        if value is None or not math.isfinite(value):
            raise DataError(f"{source}: row {line}: target {target!r} is not a finite number")
        if task in ("binary", "binary01") and value not in ((1.0, -1.0) if task == "binary" else (0.0, 1.0)):
            allowed = "+1 or −1" if task == "binary" else "0 or 1"
            raise DataError(f"{source}: row {line}: a {task} target must be {allowed}, got {target!r}")
    Y = np.array(numeric, dtype=float).reshape(-1, 1)
    classes = ("-1", "+1") if task == "binary" else ("0", "1") if task == "binary01" else ()
    return Dataset(name, X, Y, task, feature_names, classes, f"read from {source}{detected}")


def _detect_task(numeric: list[float | None]) -> tuple[str, str]:
    """The task the targets look like, and a note that says why (and how to choose another)."""
    override = "; --task to choose another"
    if any(value is None for value in numeric):
        return "multiclass", f"; task multiclass: the targets are class names{override}"
    values = set(numeric)
    if values <= {1.0, -1.0}:
        return "binary", f"; task binary: the targets are +1 and −1 (L17){override}"
    if values <= {0.0, 1.0}:
        return "binary01", f"; task binary01: the targets are 0 and 1{override}"
    whole = all(float(v).is_integer() for v in values)  # type: ignore[arg-type]
    if whole and 3 <= len(values) <= 20 and len(values) <= len(numeric) / 2:
        return "multiclass", f"; task multiclass: {len(values)} whole-number labels{override}"
    return "regression", f"; task regression: real-valued targets{override}"


# --- the examples of the CLI and the demo ---------------------------------------------------------------------
EXAMPLES = ("lecture", "binary", "iris", "digits")


def load_example(name: str) -> Dataset:
    """``lecture`` (L1, our own four samples), ``binary`` (L17), ``iris`` (L18, standardised features) or
    ``digits`` (L18, 8×8 images, with a held-out test split)."""
    if name == "lecture":
        return lecture_example()
    if name == "binary":
        return binary_example()
    if name == "iris":
        return iris(standardize=True)
    if name == "digits":
        return digits()
    raise DataError(f"unknown example {name!r}; choose one of: {', '.join(EXAMPLES)}")
