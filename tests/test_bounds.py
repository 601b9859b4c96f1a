"""Nothing runs unbounded: work is estimated from the sizes before it starts, refused with one line when
hopeless, and otherwise run in a worker with capped memory and a time limit.

Before: `check` on [2]*12 with --time-limit 1 was still running at 120 s with 6.4 GB (every δ was
expanded in the parent before the worker was forked), and `prove` reached 6.7 GB on [4]*12 and 10.7 GB on
[6]*10.  Now the layer-local proof proves those networks in about a second, and only a full expansion
forced on every entry is refused.  Peak memory is measured here in a child process (getrusage of the
waited-for children)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import sympy as sp

from symbackprop import MLP, backprop
from symbackprop.answers import check_answer
from symbackprop.errors import LimitError
from symbackprop.proof import PROOF_TERM_LIMIT, proof_size, prove

TWO_GB = 2 * 1000**3
DEEP = ",".join(["2"] * 12)


def _run_measured(*arguments: str) -> tuple[subprocess.CompletedProcess, int]:
    """Run ``symbackprop …`` in a fresh interpreter; its result and its peak resident memory in bytes
    (the largest of it and its workers)."""
    script = (
        "import resource, subprocess, sys\n"
        "result = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stdout.write(result.stdout); sys.stderr.write(result.stderr)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(result.returncode)\n"
    )
    command = [sys.executable, "-c", script, sys.executable, "-m", "symbackprop", *arguments]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    *lines, peak = result.stderr.strip().splitlines()
    result.stderr = "\n".join(lines)
    return result, int(peak) * 1024  # Linux reports kilobytes


def test_the_proof_size_is_the_number_of_terms_multiplied_out():
    for net in (MLP([3, 3, 2]), MLP([2, 3, 3, 1], bias=True), MLP([1, 4, 2, 2])):
        gradients = backprop(net)
        terms = {p: len(sp.Add.make_args(sp.expand(gradients[p]))) for p in net.parameters}
        size = proof_size(net)
        assert size.largest == 2 * max(terms.values())  # direct and backprop, one side each
        assert size.total == 2 * sum(terms.values())


def test_a_full_expansion_of_every_entry_is_refused_before_any_work_when_too_large():
    net = MLP([4] * 12, activation="sigmoid")
    assert proof_size(net).largest > PROOF_TERM_LIMIT
    with pytest.raises(LimitError, match=r"too large to expand every entry fully: ∂e/∂w\^1_11 multiplied out has about 4,194,304 terms"):
        prove(net, full_expansion=True)


def test_the_checker_refuses_a_parameter_too_large_before_any_work():
    with pytest.raises(LimitError, match=r"∂e/∂w\^1_11 of the network \[4, 4, .*\] multiplied out has about 2,097,152 terms"):
        check_answer(MLP([4] * 12, activation="sigmoid"), "w^1_11", "0")


@pytest.mark.parametrize("sizes", [",".join(["4"] * 12), ",".join(["6"] * 10)])
def test_prove_on_the_issues_deep_networks_proves_them_under_two_gigabytes(sizes):
    result, peak = _run_measured("prove", "--sizes", sizes, "--activation", "sigmoid")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "PROVED" in result.stdout and "layer-local chain" in result.stdout
    assert peak < TWO_GB


def test_prove_show_refuses_to_print_a_derivative_too_long_in_one_line():
    result, peak = _run_measured("prove", "--sizes", ",".join(["4"] * 12), "--activation", "sigmoid", "--show", "w^1_11")
    assert result.returncode == 2 and "too long to print" in result.stderr and "drop --show" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and peak < TWO_GB


def test_prove_of_a_deep_narrow_network_finishes_or_stops_at_its_time_limit_under_two_gigabytes():
    result, peak = _run_measured("prove", "--sizes", DEEP, "--activation", "sigmoid", "--time-limit", "20")
    assert "Traceback" not in result.stderr
    if result.returncode == 0:
        assert "PROVED" in result.stdout
    else:
        assert result.returncode == 2 and "did not finish within the time limit of 20 s" in result.stderr
    assert peak < TWO_GB


def test_check_on_the_issues_deep_network_finishes_within_its_limits_under_two_gigabytes():
    result, peak = _run_measured("check", "--sizes", DEEP, "--activation", "sigmoid", "--wrt", "w^1_11", "--answer", "0", "--time-limit", "1")
    assert "Traceback" not in result.stderr
    assert result.returncode in (1, 3)  # wrong (a counterexample), or undecided when stopped by the limit
    assert "WRONG" in result.stdout or "UNDECIDED" in result.stdout
    assert "(written out, too long to print)" in result.stdout or result.returncode == 3
    assert peak < TWO_GB


def test_check_refuses_the_deeper_network_in_one_line():
    result, peak = _run_measured("check", "--sizes", ",".join(["4"] * 12), "--activation", "sigmoid", "--wrt", "w^1_11", "--answer", "0")
    assert result.returncode == 2 and "too large to check answers against" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and peak < TWO_GB
