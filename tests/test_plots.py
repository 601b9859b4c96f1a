"""Loss-curve figures are real PNG files."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.image import imread

from symbackprop import DataError
from symbackprop.lecture.examples import compare_methods
from symbackprop.plots import _log_scale_helps, plot_losses


def test_plot_of_all_four_methods_is_a_png(tmp_path):
    comparison = compare_methods("lecture", plot=tmp_path / "loss.png")
    path = comparison.plot
    assert path is not None and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    image = imread(path)
    assert image.shape[0] > 400 and image.shape[1] > 1000  # 11 × 4.6 in at 120 dpi
    assert image[..., :3].std() > 0.05  # not blank


def test_log_scale_only_where_it_helps():
    assert _log_scale_helps([np.array([100.0, 1.0])])
    assert not _log_scale_helps([np.array([0.9, 0.45])])
    assert not _log_scale_helps([np.array([1.0, 0.0])])


def test_plot_rejects_bad_paths(tmp_path):
    results = compare_methods("lecture", methods="gd", epochs=2).results
    with pytest.raises(DataError, match="ending in .png"):
        plot_losses(results, tmp_path / "loss.pdf")
    made = plot_losses(results, tmp_path / "missing" / "loss.png")  # the output policy: a missing folder is created
    assert made.exists() and b"Software\x00symbackprop" in made.read_bytes()[:4096]
    with pytest.raises(DataError, match="nothing to plot"):
        plot_losses([], tmp_path / "loss.png")
