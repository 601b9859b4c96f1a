"""symbackprop train: the digits example with its held-out accuracy, the task it detected, and exit status 1
when a run fails (diverged, or a vanishing gradient with E above its start)."""

from __future__ import annotations

from symbackprop.cli import main


def test_train_digits_reports_accuracy_on_the_held_out_split(capsys):
    assert main(["train", "--example", "digits", "--method", "gd", "--epochs", "30", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "digits: 1438 samples (+ 359 held out for testing)" in out
    assert "test acc" in out and "accuracy on the 359 held-out samples" in out
    row = next(line for line in out.splitlines() if line.startswith("gd "))
    train_accuracy, test_accuracy = (float(cell.rstrip("%")) for cell in row.split()[4:6])
    assert train_accuracy > 80 and test_accuracy > 80


def test_train_says_which_task_it_detected_in_a_users_csv(tmp_path, capsys):
    path = tmp_path / "zero_one.csv"
    path.write_text("".join(f"{x:.2f},{-x:.2f},{int(x > 0)}\n" for x in [-1.5, -0.7, -0.2, 0.3, 0.8, 1.6, -1.1, 0.9]), encoding="utf-8")
    assert main(["train", "--data", str(path), "--method", "gd", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "binary01" in out and "task binary01: the targets are 0 and 1; --task to choose another" in out
    assert "accuracy" in out and "—" not in out.split("\n")[5]  # a classification, so an accuracy is shown


def test_train_exits_1_when_a_run_diverges_early_and_quietly(capsys):
    assert main(["train", "--example", "lecture", "--activation", "identity", "--method", "gd", "--alpha", "100", "--epochs", "5000", "--quiet"]) == 1
    captured = capsys.readouterr()
    assert "diverged" in captured.out and "diverged by step" in captured.out
    assert "RuntimeWarning" not in captured.err and captured.err == ""


def test_train_exits_1_on_a_plateau_above_the_starting_E(capsys):
    assert main(["train", "--example", "lecture", "--method", "gd", "--alpha", "1e6", "--epochs", "50", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "plateau" in out and "E rose from" in out and "converged" not in out


def test_train_plot_follows_the_output_policy(tmp_path, capsys):
    """A missing folder is created (and said); a PNG symbackprop did not write, or the data file itself, is
    never replaced without --force; the plot names symbackprop in its Software field."""
    plot = tmp_path / "new" / "loss.png"
    assert main(["train", "--method", "gd", "--plot", str(plot), "--quiet"]) == 0
    assert f"created folder {plot.parent}" in capsys.readouterr().err
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and b"Software\x00symbackprop" in plot.read_bytes()[:4096]
    assert main(["train", "--method", "gd", "--plot", str(plot), "--quiet"]) == 0  # our own output: replaced
    foreign = tmp_path / "holiday.png"
    foreign.write_bytes(b"\x89PNG\r\n\x1a\nnot ours")
    assert main(["train", "--method", "gd", "--plot", str(foreign), "--quiet"]) == 2
    assert "was not written by symbackprop" in capsys.readouterr().err and foreign.read_bytes().endswith(b"not ours")
    assert main(["train", "--method", "gd", "--plot", str(foreign), "--force", "--quiet"]) == 0
    data = tmp_path / "data.png"  # a data file whose name ends in .png cannot be the plot
    data.write_text("1,2,1\n2,1,0\n3,3,1\n0,1,0\n", encoding="utf-8")
    assert main(["train", "--data", str(data), "--method", "gd", "--plot", str(data), "--force", "--quiet"]) == 2
    assert "also an input" in capsys.readouterr().err and data.read_text(encoding="utf-8").startswith("1,2,1")
