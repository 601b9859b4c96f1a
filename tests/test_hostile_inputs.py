"""Defects an adversarial user found by driving every command with nasty input: each test is one of them,
and each fails on the code before its fix (a traceback, a hang, an overwritten input)."""

from __future__ import annotations

import pytest

from symbackprop.cli import main
from symbackprop.errors import OptionError
from symbackprop.limits import MAX_TIME_LIMIT, checked_time_limit, run_limited

HUGE_TIME_LIMITS = [10**23, 1e308, float("inf"), float("nan"), 0, -1, MAX_TIME_LIMIT + 1]


def _square(value: int) -> int:
    return value * value


@pytest.mark.parametrize("seconds", HUGE_TIME_LIMITS)
def test_run_limited_refuses_a_time_limit_its_timers_cannot_keep_in_one_line(seconds):
    with pytest.raises(OptionError, match="at most 604,800 seconds"):
        run_limited(_square, 3, time_limit=seconds)


def test_a_time_limit_of_a_week_is_kept():
    assert checked_time_limit(MAX_TIME_LIMIT) == MAX_TIME_LIMIT
    assert run_limited(_square, 3, time_limit=MAX_TIME_LIMIT) == 9


@pytest.mark.parametrize("seconds", [10**23, 1e308])
def test_answer_checking_refuses_a_huge_time_limit_before_any_worker_starts(seconds):
    from symbackprop import MLP
    from symbackprop.answers.grading import check_isolated
    from symbackprop.answers.pool import AnswerPool

    with pytest.raises(OptionError):
        check_isolated(MLP([2, 2, 1], bias=True), "b^2_1", "delta^2_1", time_limit=seconds)
    with pytest.raises(OptionError):
        AnswerPool(workers=1, time_limit=seconds)


@pytest.mark.parametrize(
    "args",
    [
        ["prove", "--sizes", "1,1", "--time-limit", "1e308"],
        ["prove", "--sizes", "1,1", "--time-limit", "99999999999999999999999"],
        ["check", "--bias", "--wrt", "b^2_1", "--answer", "delta^2_1", "--time-limit", "1e23"],
        ["grade", "--variants", "v.json", "--answers", "a.csv", "--out", "g.csv", "--time-limit", "1e23"],
    ],
)
def test_a_time_limit_beyond_a_week_is_refused_by_the_option_parser(args, capsys):
    with pytest.raises(SystemExit) as raised:
        main(args)
    err = capsys.readouterr().err
    assert raised.value.code == 2 and "argument --time-limit" in err and "at most 604,800" in err and "Traceback" not in err


def test_serve_refuses_a_time_limit_beyond_a_week_before_it_listens(capsys):
    assert main(["serve", "--port", "0", "--time-limit", "1e23"]) == 2
    err = capsys.readouterr().err
    assert "--time-limit must be more than 0 and at most 604,800 seconds" in err


def test_prove_refuses_a_spot_check_of_more_points_than_it_bounds_before_any_work():
    from symbackprop import MLP, prove
    from symbackprop.proof import MAX_SPOT_CHECK

    with pytest.raises(OptionError, match="from 0 to 1,000"):
        prove(MLP([1, 1]), spot_check=10**23)
    with pytest.raises(OptionError):
        prove(MLP([1, 1]), spot_check=True)
    assert prove(MLP([1, 1]), spot_check=MAX_SPOT_CHECK).spot_check.points == MAX_SPOT_CHECK


def test_prove_command_refuses_a_huge_spot_check_in_one_line(capsys):
    assert main(["prove", "--sizes", "1,1", "--spot-check", "99999999999999999999999"]) == 2
    err = capsys.readouterr().err
    assert "random points from 0 to 1,000" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "sizes, message",
    [
        (",".join(["1"] * 5000), "4999 layers is too deep to derive and print (limit 50)"),  # before: did not finish
        (",".join(["3"] * 61), "60 layers is too deep"),
        (",".join(["2"] * 21), "1,048,576 terms, too many to derive and print in a document (limit 5,000)"),  # before: > 120 s, 0.5 GB
    ],
)
def test_derive_refuses_a_network_whose_document_cannot_be_bounded_before_any_work(sizes, message, tmp_path, capsys):
    out = tmp_path / "net.tex"
    assert main(["derive", "--sizes", sizes, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err and not out.exists()


def test_the_document_bounds_admit_the_networks_documents_are_made_for():
    from symbackprop import MLP
    from symbackprop.emit.network_doc import require_printable

    for sizes in ([2, 2, 2, 2], [4, 4, 4, 4, 2], [3] * 8, [1] * 51):
        require_printable(MLP(sizes))


def test_fit_refuses_more_steps_than_a_run_makes_before_the_first_step():
    from symbackprop import MLP, compile
    from symbackprop.data import load_example
    from symbackprop.errors import LimitError
    from symbackprop.train import fit

    example = load_example("lecture")
    model = compile(MLP([example.X.shape[1], example.Y.shape[1]], activation="sigmoid"))
    with pytest.raises(LimitError, match="more than one run makes"):  # before: SGD ran for ever
        fit(model, example.X, example.Y, method="sgd", epochs=10**23)
    with pytest.raises(LimitError, match="evaluations of E"):
        fit(model, example.X, example.Y, method="gd", epochs=2_000_000)


def test_train_command_refuses_huge_epochs_in_one_line(capsys):
    assert main(["train", "--method", "sgd", "--epochs", "99999999999999999999999", "--quiet"]) == 2
    assert "use fewer epochs" in capsys.readouterr().err


def test_grade_refuses_two_outputs_naming_one_file_before_grading_anything(tmp_path, capsys):
    from pathlib import Path

    examples = Path(__file__).resolve().parents[1] / "examples" / "homework"
    assert main(["homework", "--roster", str(examples / "roster.csv"), "--seed", "1", "--out", str(tmp_path / "hw"), "--no-pdf"]) == 0
    gradebook = tmp_path / "g.csv"
    args = ["grade", "--variants", str(tmp_path / "hw" / "variants.json"), "--answers", str(examples / "submissions.csv"), "--jobs", "0"]
    # before: the gradebook was written, then the feedback refused (or, with --force, written over it)
    for extra in (["--force"], []):
        assert main([*args, "--out", str(gradebook), "--feedback", str(tmp_path / "." / "g.csv"), *extra]) == 2
        assert "--feedback and --out name the same file" in capsys.readouterr().err and not gradebook.exists()


def test_an_output_under_a_file_is_refused_naming_the_file_not_a_temporary(tmp_path):
    from symbackprop.files import OverwriteError, write_text

    (tmp_path / "afile").write_text("mine\n")
    with pytest.raises(OverwriteError, match=r"afile is a file, not a folder"):  # before: "Not a directory: …/.x.csv.k3j2.part.csv"
        write_text(tmp_path / "afile" / "x.csv", "id\n")
    assert (tmp_path / "afile").read_text() == "mine\n"


def test_a_very_deep_network_is_named_in_one_short_line():
    from symbackprop import MLP

    # before: prove's out-of-memory message and its report listed all 5,001 widths on one line
    assert MLP([1] * 5001).spec.sizes_label == "[1, 1, 1, …, 1, 1] (5,001 widths)"
    assert MLP([3, 3, 2]).spec.describe().startswith("[3, 3, 2], ")


def test_a_csv_output_does_not_replace_a_symbackprop_file_of_another_kind(tmp_path):
    from symbackprop.files import OverwriteError, write_text

    variants = tmp_path / "variants.json"
    variants.write_text('{"generator": "symbackprop 0.1.0", "seed": 1, "students": {}}\n')
    before = variants.read_bytes()
    # before: serve --db checks.sqlite --export variants.json wrote the submissions CSV over variants.json
    with pytest.raises(OverwriteError, match="was not written by symbackprop"):
        write_text(variants, "id,part,answer,conventions\n", csv_header=["id", "part", "answer", "conventions"])
    assert variants.read_bytes() == before


def test_serve_export_refuses_to_write_over_the_homework_variants(tmp_path, capsys):
    from pathlib import Path

    examples = Path(__file__).resolve().parents[1] / "examples" / "homework"
    assert main(["homework", "--roster", str(examples / "roster.csv"), "--seed", "1", "--out", str(tmp_path), "--no-pdf"]) == 0
    variants = tmp_path / "variants.json"
    before = variants.read_bytes()
    from symbackprop.web.store import SubmissionStore

    SubmissionStore(tmp_path / "checks.sqlite")  # an empty record, made as serve makes it
    assert main(["serve", "--db", str(tmp_path / "checks.sqlite"), "--export", str(variants)]) == 2
    assert "was not written by symbackprop" in capsys.readouterr().err and variants.read_bytes() == before


def test_control_characters_in_a_roster_name_do_not_break_the_question_sheets(tmp_path):
    from symbackprop.printing import text

    assert text("Ada\x07 Lovelace\x00\x1b") == "Ada  Lovelace  "  # before: passed through, and pdflatex refused U+0007
    roster = tmp_path / "roster.csv"
    roster.write_text("id,name\nu1,Bell\x07Name\n")
    assert main(["homework", "--roster", str(roster), "--seed", "1", "--out", str(tmp_path / "hw"), "--jobs", "1"]) == 0
    assert (tmp_path / "hw" / "sheets" / "u1.pdf").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["train", "--data", "/dev/zero", "--quiet"],
        ["check", "--answers", "/dev/zero", "--jobs", "0"],
        ["homework", "--roster", "/dev/zero", "--seed", "1", "--out", "{tmp}/hw", "--no-pdf"],
        ["grade", "--variants", "{tmp}/v.json", "--answers", "/dev/zero", "--out", "{tmp}/g.csv"],
    ],
)
def test_a_csv_input_that_never_ends_is_refused_after_its_byte_limit(args, tmp_path, monkeypatch, capsys):
    import symbackprop.answers.grading
    import symbackprop.data
    import symbackprop.tables

    for module in (symbackprop.tables, symbackprop.answers.grading, symbackprop.data):
        monkeypatch.setattr(module, "MAX_TABLE_BYTES", 4096)  # the limit is 256 MiB: the test needs less
    if "grade" in args:
        assert main(["homework", "--roster", str(_roster()), "--seed", "1", "--out", str(tmp_path), "--no-pdf"]) == 0
        (tmp_path / "v.json").write_bytes((tmp_path / "variants.json").read_bytes())
        capsys.readouterr()
    # before: each read /dev/zero for ever (an unbounded read of the whole file)
    assert main([arg.replace("{tmp}", str(tmp_path)) for arg in args]) == 2
    assert "/dev/zero: larger than this file may be (4096 bytes)" in capsys.readouterr().err


def _roster():
    from pathlib import Path

    return Path(__file__).resolve().parents[1] / "examples" / "homework" / "roster.csv"


HUGE_WORKER_COUNTS = [10**5, 99999999999999999999999]


@pytest.fixture
def no_fork(monkeypatch):
    """Any process started from here on fails the test: the refusals below must come before the first fork."""
    import os

    def refuse(*args, **kwargs):
        raise AssertionError("a process was started")

    monkeypatch.setattr(os, "fork", refuse)


@pytest.mark.parametrize("count", HUGE_WORKER_COUNTS)
def test_a_worker_count_beyond_four_per_core_is_refused_before_any_process_starts(no_fork, count):
    """``serve --workers 100000`` forked processes until the machine stopped (about 3,900 in 12 s): every pool
    and every grading entry point now checks the count where it enters."""
    from symbackprop import MLP
    from symbackprop.answers.grading import WorkerPool, grade_answers, run_isolated
    from symbackprop.answers.pool import AnswerPool
    from symbackprop.limits import max_workers
    from symbackprop.web.part_pool import PartPool

    net = MLP([2, 2, 1], bias=True)
    message = f"workers must be between 1 and {max_workers()} \\(4 per core\\)"
    with pytest.raises(OptionError, match=message):
        AnswerPool(workers=count)
    with pytest.raises(OptionError, match=message):
        PartPool(workers=count)
    with pytest.raises(OptionError, match=message):
        WorkerPool(net, count, time_limit=5)
    with pytest.raises(OptionError, match="workers must be between 0 and"):
        grade_answers(net, [{"id": "a", "answer": "delta^2_1", "wrt": "b^2_1"}], workers=count)
    with pytest.raises(OptionError, match="workers must be between 0 and"):
        list(run_isolated(None, [1, 2, 3], workers=count))  # type: ignore[arg-type]


def test_the_largest_worker_count_is_accepted_and_a_bool_is_not():
    from symbackprop.answers.pool import AnswerPool
    from symbackprop.limits import checked_workers, max_workers

    assert AnswerPool(workers=max_workers()).workers == max_workers()
    assert checked_workers(0, zero=True) == 0
    for wrong in (True, 2.0, "2", -1, 0):
        with pytest.raises(OptionError):
            checked_workers(wrong)


@pytest.mark.parametrize(
    "arguments",
    [
        ["serve", "--port", "0", "--workers", "100000"],
        ["serve", "--port", "0", "--workers", "99999999999999999999999"],
        ["check", "--sizes", "2,2,1", "--bias", "--wrt", "b^2_1", "--answers", "answers.csv", "--jobs", "100000"],
        ["homework", "--roster", "roster.csv", "--seed", "1", "--out", "hw", "--jobs", "100000"],
        ["grade", "--variants", "variants.json", "--answers", "answers.csv", "--out", "g.csv", "--jobs", "100000"],
    ],
    ids=["serve --workers", "serve --workers (huge)", "check --jobs", "homework --jobs", "grade --jobs"],
)
def test_every_command_refuses_a_worker_count_beyond_four_per_core_in_one_line(no_fork, tmp_path, monkeypatch, capsys, arguments):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "answers.csv").write_text("id,answer\na,delta^2_1\n", encoding="utf-8")
    (tmp_path / "roster.csv").write_text("id,name\nada,Ada\n", encoding="utf-8")
    assert main(arguments) == 2
    err = capsys.readouterr().err.strip()
    flag = "--workers" if arguments[0] == "serve" else "--jobs"
    assert len(err.splitlines()) == 1 and f"{flag} must be between" in err, err
    assert "Traceback" not in err and not (tmp_path / "hw").exists() and not (tmp_path / "g.csv").exists()


@pytest.mark.parametrize("rate", ["inf", "1e999", "nan", "-1"])
def test_serve_refuses_a_rate_limit_that_is_not_a_finite_number_in_one_line(capsys, rate):
    assert main(["serve", "--port", "0", "--rate-limit", rate]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("--rate-limit must be 0 (no limit) or a positive number of checks per minute") and "Traceback" not in err


def test_long_student_ids_get_short_distinct_file_names_for_their_sheets_and_keys(tmp_path):
    """A 300-character id made a file name the file system refused ("File name too long"), after
    variants.json was written; two ids alike in their first 100 characters still get two files."""
    first, second = "s" * 299 + "1", "s" * 299 + "2"
    roster = tmp_path / "roster.csv"
    roster.write_text(f"id,name\n{first},One\n{second},Two\n", encoding="utf-8")
    assert main(["homework", "--roster", str(roster), "--seed", "1", "--out", str(tmp_path / "hw"), "--jobs", "1"]) == 0
    for folder in ("sheets", "keys"):
        names = sorted(path.name for path in (tmp_path / "hw" / folder).iterdir())
        assert len(names) == 2 and names[0] != names[1] and all(len(name) <= 111 for name in names), names
