"""Strict numerics for every test: floating-point errors raise (warnings are errors via pyproject)."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _raise_on_floating_point_errors():
    previous = np.seterr(all="raise")
    yield
    np.seterr(**previous)
