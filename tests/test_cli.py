"""The command line, used as users use it: the installed console script (or ``python -m``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from symbackprop.cli import main


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the real console script when installed, else ``python -m symbackprop``."""
    script = shutil.which("symbackprop")
    command = [script, *args] if script else [sys.executable, "-m", "symbackprop", *args]
    env = dict(os.environ, PYTHONWARNINGS="error")
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)


def test_prove_command_reports_that_both_derivations_agree():
    result = run_cli("prove", "--sizes", "3,3,2", "--activation", "sigmoid", "--bias")
    assert result.returncode == 0, result.stderr
    assert "PROVED: 20/20 entries identical" in result.stdout
    assert "σ'(z) = σ(z)(1 − σ(z)): proved" in result.stdout
    assert "not a proof" in result.stdout  # the numeric check is labelled as such


def test_prove_show_prints_both_derivations(capsys):
    assert main(["prove", "--sizes", "2,2,1", "--bias", "--show", "b^2_1"]) == 0
    out = capsys.readouterr().out
    assert "∂e/∂b^2_1 by backprop:" in out and "∂e/∂b^2_1 directly:" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["prove", "--sizes", "3,0,2"], "N_1 must be at least 1"),
        (["prove", "--sizes", "3;rm -rf /"], "comma-separated whole numbers"),
        (["prove", "--sizes", "2,2", "--activation", "swish"], "unknown activation"),
        (["prove", "--sizes", "2,2", "--show", "w^9_11"], "layer 9 does not exist"),
        (["prove", "--sizes", "2,2", "--show", "__import__('os')"], "expected a parameter name"),
    ],
)
def test_bad_input_gives_a_clear_error_and_no_traceback(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_console_script_rejects_bad_input_without_traceback():
    result = run_cli("prove", "--sizes", "")
    assert result.returncode == 2
    assert "error:" in result.stderr and "Traceback" not in result.stderr
