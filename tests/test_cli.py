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


def test_train_all_methods_on_the_lecture_example_prints_a_table_and_writes_a_plot(tmp_path):
    plot = tmp_path / "loss.png"
    result = run_cli("train", "--example", "lecture", "--method", "all", "--plot", str(plot), "--quiet")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "lost in the transcript" in out  # the shipped default says it is ours
    for method in ("gd ", "gd-exact", "sgd", "minibatch"):
        assert method in out
    assert "accuracy" in out and "75.0%" in out and "converged" in out
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_train_iris_with_chosen_options(capsys):
    assert main(["train", "--example", "iris", "--method", "minibatch", "--epochs", "5", "--batch-size", "10", "--seed", "2", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "[4, 8, 3], tanh (output: softmax), biases, loss cross_entropy" in out and "minibatch" in out and "B=10" in out


def test_train_on_a_users_csv(tmp_path, capsys):
    path = tmp_path / "points.csv"
    path.write_text("x1,x2,label\n0,0,-1\n0,1,-1\n1,0,+1\n1,1,+1\n", encoding="utf-8")
    assert main(["train", "--data", str(path), "--method", "gd", "--sizes", "2,3,1", "--quiet"]) == 0
    assert "points: 4 samples, 2 features, binary" in capsys.readouterr().out


# --- check: one answer, or a whole class -------------------------------------------------------------

CHECK = ["check", "--sizes", "2,2,1", "--activation", "sigmoid", "--bias"]


def test_check_reports_a_correct_answer_with_exit_status_0():
    result = run_cli(*CHECK, "--wrt", "b^2_1", "--answer", r"\delta^{2}_{1}\,\sigma'(z^{2}_{1})")
    assert result.returncode == 0, result.stderr
    assert "verdict    CORRECT — exact" in result.stdout
    assert r"\frac{\partial e}{\partial b^{2}_{1}}" in result.stdout


def test_check_explains_a_wrong_answer_with_exit_status_1():
    result = run_cli(*CHECK, "--wrt", "b^2_1", "--answer", "delta^2_1 * sigma'(z^2_1) * a^1_2")
    assert result.returncode == 1, result.stderr
    for part in ("verdict    WRONG", "this is ∂e/∂w^2_12, a weight gradient", "counterexample at", "expected   ∂e/∂b^2_1 = σ'(z^2_1) δ^2_1"):
        assert part in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "--sizes", "3,1"], "sizes must start with 2 and end with 1"),
        (["train", "--activation", "phi"], "choose a concrete activation"),
        (["train", "--epochs", "0"], "epochs must be a positive whole number"),
        (["train", "--example", "iris", "--output", "sigmoid", "--loss", "squared"], "multi-class"),
        (["train", "--plot", "/proc/no-such-dir/loss.png", "--method", "gd"], "No such file or directory"),
        (["train", "--data", "/nonexistent.csv"], "no such data file"),
    ],
)
def test_train_bad_input_gives_a_clear_error(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--wrt", "b^2_1", "--answer", "__import__('os')"], "unexpected character '_'"),
        (["--wrt", "b^2_1", "--answer", "9^9^9^9"], "too large"),
        (["--wrt", "b^9_1", "--answer", "x_1"], "layer 9 does not exist"),
        (["--answer", "x_1"], "--wrt is required"),
    ],
)
def test_check_rejects_bad_input_with_a_clear_error(args, message, capsys):
    assert main([*CHECK, *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize(
    "args, message",
    [
        ([*CHECK, "--wrt", "b^2_1", "--answer", "x_1", "--time-limit", "0"], "argument --time-limit: expected a number of seconds more than 0"),
        ([*CHECK, "--wrt", "b^2_1", "--answers", "x.csv", "--jobs", "-1"], "argument --jobs: expected 0 or more"),
        (["prove", "--spot-check", "-1"], "argument --spot-check: expected 0 or more"),  # before: accepted
        (["prove", "--time-limit", "nan"], "argument --time-limit"),
    ],
)
def test_bad_numbers_are_refused_by_the_option_parser_naming_the_flag(args, message, capsys):
    with pytest.raises(SystemExit) as raised:
        main(args)
    assert raised.value.code == 2 and message in capsys.readouterr().err


def test_train_reports_divergence_with_exit_status_1(capsys):
    assert main(["train", "--example", "lecture", "--activation", "identity", "--method", "gd", "--alpha", "100", "--epochs", "5000", "--quiet"]) == 1
    assert "diverged" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [
        ["derive", "--out", "/proc/no-such-dir/x.tex"],
        ["claims", "--quick", "--plot", "/proc/no-such-dir/x.png"],
        ["train", "--seed", "-3", "--quiet"],
    ],
)
def test_unwritable_paths_and_bad_seeds_are_clear_errors(args, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err


def test_check_grades_a_class_csv_through_the_console_script(tmp_path):
    answers = tmp_path / "class.csv"
    answers.write_text(
        "id,answer,wrt\n"
        "s1,delta^2_1 * sigma'(z^2_1),b^2_1\n"
        "s2,delta^2_1 * sigma'(z^2_1) * a^1_2,b^2_1\n"
        "s3,\"2(y_1 - a^2_1) a^2_1 (1 - a^2_1)\",b^2_1\n"
        "s4,__import__('os').system('touch pwned'),b^2_1\n"
        "s5,δ^1_1 σ'(z^1_1) x_2,w^1_12\n"
        "s6,,b^2_1\n",
        encoding="utf-8",
    )
    out = tmp_path / "results.csv"
    result = run_cli(*CHECK, "--answers", str(answers), "--out", str(out), "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "graded 6 of 6 rows" in result.stderr and "rows/s" in result.stderr
    import csv

    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["verdict"] for row in rows] == ["correct", "wrong", "wrong", "syntax error", "correct", "syntax error"]
    assert rows[1]["mistake"] == "extra_activation" and rows[2]["mistake"] == "sign"
    assert not (tmp_path / "pwned").exists()


def test_a_row_without_a_parameter_is_an_error_row_and_the_others_are_graded(tmp_path, capsys):
    """Before: one row without wrt aborted the whole class (exit 2, nothing graded)."""
    answers = tmp_path / "class.csv"
    answers.write_text("id,answer,wrt\ns1,x_1,\ns2,\"delta^2_1 sigma'(z^2_1)\",b^2_1\n", encoding="utf-8")
    assert main([*CHECK, "--answers", str(answers), "--jobs", "0"]) == 1
    captured = capsys.readouterr()
    assert "s1,,x_1,error" in captured.out and "s2,b^2_1" in captured.out and ",correct," in captured.out
    assert "graded 1 of 2 rows" in captured.err and "1 not graded (1 error)" in captured.err
    assert "s1: error: no parameter: give a wrt column or --wrt" in captured.err


def test_check_writes_results_to_standard_output_by_default(tmp_path, capsys):
    answers = tmp_path / "class.csv"
    answers.write_text("id,answer\ns1,delta^2_1\n", encoding="utf-8")
    assert main([*CHECK, "--wrt", "b^2_1", "--answers", str(answers), "--jobs", "0", "--no-progress"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("id,wrt,answer,verdict") and "missing_phi_prime" in captured.out


def test_prove_general_prints_the_statement_and_its_steps_and_refuses_network_options(capsys):
    assert main(["prove", "--general"]) == 0
    out = capsys.readouterr().out
    assert "PROVED" in out and "For all L ≥ 1" in out
    for step in ("chain-rule", "induction", "L10", "L11", "L12", "L18", "L21", "L22", "L14", "L4"):
        assert f"[{step}" in out, step
    assert main(["prove", "--general", "--sizes", "2,2"]) == 2
    assert "takes no network options" in capsys.readouterr().err


# --- the smaller defects of issue 14 --------------------------------------------------------------------

def test_prove_into_a_closed_pipe_exits_quietly():
    """`symbackprop prove | head -4`: before, a 'Broken pipe' error and exit status 2."""
    script = shutil.which("symbackprop")
    command = [script] if script else [sys.executable, "-m", "symbackprop"]
    process = subprocess.Popen([*command, "prove", "--sizes", "2,2,1", "--show", "w^1_11"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    head = [process.stdout.readline() for _ in range(1)]
    process.stdout.close()  # what `head -1` does after its line
    _, err = process.communicate(timeout=300)
    process.stderr.close()
    assert head[0].startswith(b"Network") and err == b"" and process.returncode in (0, 1)


@pytest.mark.parametrize(
    "args, message",
    [
        (["prove", "--sizes", "2,,1"], "empty width between commas"),  # before: silently [2, 1]
        (["check", "--sizes", "2,2,1", "--wrt", "b^2_1", "--answer", "x_1"], "this network has no biases (build it with --bias)"),
        (["prove", "--sizes", "2,2", "--output", "sigmoid", "--loss", "cross_entropy"], "pass --output softmax"),
        (["prove", "--sizes", "2,2", "--output", "softmax"], "by --loss cross_entropy or --loss kl"),
    ],
)
def test_cli_errors_name_the_flag_not_python(args, message, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and "=True" not in err and "='" not in err


def test_no_progress_bar_goes_to_a_log_file(tmp_path):
    answers = tmp_path / "class.csv"
    answers.write_text("id,answer\n" + "".join(f"s{n},delta^2_1\n" for n in range(5)), encoding="utf-8")
    result = run_cli(*CHECK, "--wrt", "b^2_1", "--answers", str(answers), "--jobs", "1")
    assert result.returncode == 0 and "\r" not in result.stderr and "answer/s" not in result.stderr
    assert result.stderr.startswith("graded 5 of 5 rows")


def test_feedback_keeps_the_case_of_a_leading_greek_letter():
    from symbackprop import MLP
    from symbackprop.answers import check_answer

    verdict = check_answer(MLP([2, 2, 1], bias=True), "w^1_11", "φ'(z^1_2) δ^1_1 x_1")
    assert verdict.mistake.code == "wrong_index" and verdict.feedback.startswith("Likely mistake: φ'(z^1_2) where")
    assert "Φ" not in verdict.feedback and "Φ" not in verdict.text()


def test_a_schedule_with_a_pole_is_not_a_schedule():
    """Before: γ_3 = zoo was printed, and Σγ_k 'converges'."""
    result = run_cli("schedule", "1/(k-3)^2")
    assert result.returncode == 1
    assert "γ_3 divides by zero" in result.stdout and "zoo" not in result.stdout and "converges" not in result.stdout
