"""The shipped data sets and the CSV reader."""

from __future__ import annotations

import hashlib
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from symbackprop import DataError
from symbackprop.data import binary_example, digits, iris, lecture_example, load_csv, load_example


def test_lecture_example_says_its_values_are_our_own():
    data = lecture_example()
    assert data.X.shape == (4, 2) and set(data.Y[:, 0]) == {0.0, 1.0}
    assert "lost in the transcript" in data.note and "symbackprop's own" in data.note
    assert "lost in the transcript" in data.describe()


def test_iris_is_fishers_data_copied_unchanged_from_scikit_learn():
    text = resources.files("symbackprop").joinpath("datasets", "iris.csv").read_bytes()
    assert hashlib.sha256(text).hexdigest() == "f13ffa8fdd56fd8e6c8d16d4081a3fbd3114bcd0aae4256c43205169cd9d1449"
    data = iris()
    assert data.X.shape == (150, 4) and data.Y.shape == (150, 3)
    assert data.class_names == ("setosa", "versicolor", "virginica")
    assert data.Y.sum(axis=0).tolist() == [50.0, 50.0, 50.0]
    np.testing.assert_allclose(data.X.mean(axis=0), [5.8433, 3.0573, 3.758, 1.1993], atol=1e-4)  # Fisher's means
    standard = iris(standardize=True)
    np.testing.assert_allclose(standard.X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(standard.X.std(axis=0), 1.0)


def test_binary_example_has_labels_plus_and_minus_one():
    data = binary_example()
    assert data.X.shape == (120, 2) and data.task == "binary"
    assert sorted(set(data.Y[:, 0])) == [-1.0, 1.0] and (data.Y == 1).sum() == 60


def test_accuracy_from_network_outputs():
    data = lecture_example()
    assert data.accuracy(np.array([[0.9], [0.6], [0.4], [0.1]])) == 1.0
    assert data.accuracy(np.array([[0.9], [0.6], [0.7], [0.1]])) == 0.75
    assert load_example("iris").accuracy(np.tile([1.0, 0.0, 0.0], (150, 1))) == pytest.approx(1 / 3)


def test_data_files_are_declared_as_package_data():
    config = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["symbackprop"]
    folder = Path("symbackprop")
    shipped = {p for pattern in patterns for p in folder.glob(pattern)}
    assert {folder / "datasets" / "iris.csv", folder / "datasets" / "binary.csv", folder / "datasets" / "README.md"} <= shipped
    assert folder / "datasets" / "digits.csv.gz" in shipped


def test_csv_with_header_and_class_names(tmp_path):
    path = tmp_path / "flowers.csv"
    path.write_text("# a comment\nlength,width,kind\n1.0,2.0,rose\n\n3,4,tulip\n5,6.5,rose\n", encoding="utf-8")
    data = load_csv(path)
    assert data.task == "multiclass" and data.class_names == ("rose", "tulip")
    assert data.feature_names == ("length", "width")
    np.testing.assert_array_equal(data.Y, [[1, 0], [0, 1], [1, 0]])


def test_csv_targets_decide_the_task(tmp_path):
    (tmp_path / "b.csv").write_text("1,2,+1\n3,4,-1\n", encoding="utf-8")
    (tmp_path / "r.csv").write_text("1,2,0.5\n3,4,7\n", encoding="utf-8")
    assert load_csv(tmp_path / "b.csv").task == "binary"
    assert load_csv(tmp_path / "r.csv").task == "regression"
    assert load_csv(tmp_path / "r.csv", task="multiclass").class_names == ("0.5", "7")


@pytest.mark.parametrize(
    "labels, task, said",
    [
        ([0, 1, 1, 0, 1, 0], "binary01", "the targets are 0 and 1"),  # issue 14: read as regression before
        ([1, -1, -1, 1, 1, -1], "binary", "+1 and −1"),
        ([0, 1, 2, 2, 1, 0, 2, 1], "multiclass", "3 whole-number labels"),
        ([0.5, 1.5, 2.0, 3.25, 0.1, 2.2], "regression", "real-valued targets"),
        ([1, 2, 3, 4, 5, 6], "regression", "real-valued targets"),  # every value distinct: not class labels
    ],
)
def test_csv_labels_are_detected_and_the_choice_is_said(tmp_path, labels, task, said):
    path = tmp_path / "d.csv"
    path.write_text("".join(f"{k},{2 * k},{label}\n" for k, label in enumerate(labels)), encoding="utf-8")
    data = load_csv(path)
    assert data.task == task and said in data.note and "--task to choose another" in data.note
    assert said in data.describe()
    if task == "multiclass":
        assert data.class_names == ("0", "1", "2") and data.Y.shape == (len(labels), 3)
    if task == "binary01":
        assert data.accuracy(data.Y) == 1.0 and data.class_names == ("0", "1")


def test_digits_are_scikit_learns_file_with_a_stratified_held_out_split():
    raw = resources.files("symbackprop").joinpath("datasets", "digits.csv.gz").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
    train = digits()
    test = train.test
    assert train.n_samples + test.n_samples == 1797 and train.n_features == test.n_features == 64
    assert train.class_names == tuple("0123456789") and train.task == test.task == "multiclass"
    assert 0.0 <= train.X.min() and train.X.max() == 1.0  # pixels 0…16 scaled to [0, 1]
    counts = test.Y.sum(axis=0)
    assert counts.min() >= 35 and counts.max() <= 37  # 20 % of every class
    import gzip

    table = np.loadtxt(gzip.decompress(raw).decode("ascii").splitlines(), delimiter=",")
    both = np.vstack([np.hstack([train.X * 16, train.Y.argmax(1)[:, None]]), np.hstack([test.X * 16, test.Y.argmax(1)[:, None]])])
    assert np.array_equal(np.unique(both, axis=0), np.unique(table, axis=0)) and len(both) == len(table)  # a partition of the file
    again = digits()
    assert np.array_equal(again.X, train.X) and np.array_equal(again.test.Y, test.Y)  # seeded
    assert load_example("digits").test is not None and "held out" in train.describe()
    with pytest.raises(DataError, match="test_fraction"):
        digits(test_fraction=1.5)


@pytest.mark.parametrize(
    "text, message",
    [
        ("a,b,y\n1,2,3\n4,oops,5\n", "row 3, column 2 (b): 'oops' is not a finite number"),
        ("1,2,3\n4,5\n", "row 2 has 2 columns, expected 3"),
        ("1,2,3\n4,nan,5\n", "row 2, column 2: 'nan' is not a finite number"),
        ("1,2,3\n4,5,inf\n", "row 2: target 'inf' is not a finite number"),
        ("", "no data rows"),
        ("x,y\n", "a header but no data rows"),
        ("1\n2\n", "need features and a target"),
        ("1,2,rose\n3,4,rose\n", "at least 2 classes"),
    ],
)
def test_bad_csv_rows_are_reported_with_their_row_number(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_csv(path)
    assert message in str(caught.value)


def test_csv_binary_labels_must_be_plus_or_minus_one(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("1,2,1\n3,4,0\n", encoding="utf-8")
    with pytest.raises(DataError, match="row 2: a binary target must be"):
        load_csv(path, task="binary")


def test_missing_file_and_unknown_example():
    with pytest.raises(DataError, match="no such data file"):
        load_csv("/nonexistent/data.csv")
    with pytest.raises(DataError, match="unknown example"):
        load_example("mnist")
