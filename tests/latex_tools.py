"""Shared helpers for the LaTeX tests: the real TeX engine, required in CI, optional on a laptop."""

from __future__ import annotations

import os
import shutil

import pytest

REQUIRE_ENV = "SYMBACKPROP_REQUIRE_PDFLATEX"


def require_tools(*names: str) -> None:
    """Skip (with the reason) when a program is missing — or fail, when CI says it must be there."""
    missing = [name for name in names if shutil.which(name) is None]
    if not missing:
        return
    message = f"{', '.join(missing)} not installed (Debian/Ubuntu: apt-get install texlive-latex-base poppler-utils)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{message}, but {REQUIRE_ENV}=1 requires it")
    pytest.skip(f"{message}; set {REQUIRE_ENV}=1 to make this a failure")
