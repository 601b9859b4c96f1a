"""The pages are self-contained: every asset they name is in the package (and in the wheel), the vendored
libraries are the npm files recorded in vendor/README.md, with their licences."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[1] / "symbackprop" / "web" / "static"
VENDOR = STATIC / "vendor"


def test_the_vendored_files_are_the_recorded_ones_with_their_licences():
    recorded = {}
    for line in (VENDOR / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        recorded[name] = digest
    on_disk = {str(path.relative_to(VENDOR)) for path in VENDOR.rglob("*") if path.is_file()} - {"README.md", "SHA256SUMS"}
    assert on_disk == set(recorded)
    for name, digest in recorded.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name
    assert "MIT" in (VENDOR / "katex" / "LICENSE").read_text(encoding="utf-8")
    assert "Permission is hereby granted, free of charge" in (VENDOR / "mathlive" / "LICENSE.txt").read_text(encoding="utf-8")
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert "katex-0.19.1.tgz" in readme and "mathlive-0.111.1.tgz" in readme


@pytest.mark.parametrize("page", ["check.html", "explore.html"])
def test_every_asset_a_page_names_is_local_and_present(page):
    html = (STATIC / page).read_text(encoding="utf-8")
    names = re.findall(r'(?:src|href)="([^"]+)"', html)
    assets = [name for name in names if name.startswith("/static/")]
    assert assets and all((STATIC / name.removeprefix("/static/")).is_file() for name in assets)
    assert not [name for name in names if "//" in name]  # no other host, no CDN
    css = (VENDOR / "katex" / "katex.min.css").read_text(encoding="utf-8")
    assert all((VENDOR / "katex" / font).is_file() for font in re.findall(r"url\((fonts/[^)]+\.woff2)\)", css))


def test_our_scripts_fetch_nothing_but_this_server():
    for script in ("common.js", "check.js", "explore.js"):
        text = (STATIC / script).read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text and "innerHTML" not in text and "eval(" not in text


def test_the_wheel_carries_every_page_and_asset(tmp_path):
    """Built from a copy of the sources, so the build leaves nothing in the checkout."""
    root = Path(__file__).resolve().parents[1]
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(root / name, source / name)
    shutil.copytree(root / "symbackprop", source / "symbackprop", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("symbackprop-*.whl")
    inside = set(zipfile.ZipFile(wheel).namelist())
    expected = {"symbackprop/web/static/" + str(path.relative_to(STATIC)) for path in STATIC.rglob("*") if path.is_file()}
    assert expected - inside == set()
