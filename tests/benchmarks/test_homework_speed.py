"""Homework speed: ``homework`` for 200 students (without and with PDFs) and ``grade`` for 200 students × 6
parts with 2 workers, end to end through the CLI.  Printed with a baseline measured in the same run (one
answer checked in this process, times the number of answers); nothing is asserted against a wall clock."""

from __future__ import annotations

import csv
import json
import random
import shutil
import time
from pathlib import Path

import pytest

from symbackprop.cli import main
from symbackprop.homework import check_part

pytestmark = pytest.mark.benchmark

SIX_PARTS = {"questions": [
    {"type": "bias", "points": [2, 2, 2]},
    {"type": "backprop", "points": [1, 2, 1, 2, 3]},
]}


def _roster(folder: Path, count: int) -> Path:
    path = folder / "roster.csv"
    path.write_text("id,name\n" + "".join(f"s{i:03d},Student {i}\n" for i in range(count)), encoding="utf-8")
    return path


def _submissions(variants: dict, path: Path, parts: int) -> int:
    """Per student: the key for most parts, a typical slip (sign, factor 2, a dropped factor) for some."""
    rng = random.Random(0)
    rows = 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "part", "answer"])
        for student, entry in variants["students"].items():
            for part in entry["parts"][:parts]:
                answer = part["answer"]
                roll = rng.random()
                if roll < 0.25:
                    answer = f"-({answer})" if part["kind"] not in ("vector", "matrix") else f"-1 {answer}"
                elif roll < 0.4:
                    answer = f"2 {answer}" if part["kind"] != "yesno" else "yes"
                writer.writerow([student, part["part"], answer])
                rows += 1
    return rows


def test_homework_and_grading_speed(tmp_path, capsys):
    roster = _roster(tmp_path, 200)
    spec = tmp_path / "six.json"
    spec.write_text(json.dumps(SIX_PARTS), encoding="utf-8")
    started = time.perf_counter()
    assert main(["homework", "--roster", str(roster), "--seed", "643", "--out", str(tmp_path / "six"), "--spec", str(spec), "--no-pdf"]) == 0
    six = time.perf_counter() - started
    started = time.perf_counter()
    assert main(["homework", "--roster", str(roster), "--seed", "643", "--out", str(tmp_path / "hw"), "--no-pdf"]) == 0
    default = time.perf_counter() - started

    variants = json.loads((tmp_path / "six" / "variants.json").read_text(encoding="utf-8"))
    answers = tmp_path / "answers.csv"
    rows = _submissions(variants, answers, 6)
    first = variants["students"]["s000"]["parts"][0]
    check_part(first, first["answer"])  # warm
    started = time.perf_counter()
    for part in variants["students"]["s001"]["parts"][:6]:
        check_part(part, part["answer"])
    one_student = time.perf_counter() - started
    started = time.perf_counter()
    assert main(["grade", "--variants", str(tmp_path / "six" / "variants.json"), "--answers", str(answers), "--out",
                 str(tmp_path / "gradebook.csv"), "--feedback", str(tmp_path / "feedback.csv"), "--report", str(tmp_path / "report.pdf"),
                 "--jobs", "2"]) == 0
    grading = time.perf_counter() - started
    pdf = None
    if shutil.which("pdflatex"):
        started = time.perf_counter()
        assert main(["homework", "--roster", str(roster), "--seed", "643", "--out", str(tmp_path / "pdf"), "--jobs", "2"]) == 0
        pdf = time.perf_counter() - started
    capsys.readouterr()
    with capsys.disabled():
        print()
        print(f"homework, 200 students, 6 parts each, no PDFs:          {six:6.1f} s (target < 60 s)")
        print(f"homework, 200 students, default spec (12 parts), no PDFs: {default:6.1f} s (target < 60 s)")
        if pdf is not None:
            print(f"homework, 200 students, default spec, 400 PDFs:          {pdf:6.1f} s ({pdf / 400:.2f} s per PDF, 2 pdflatex at once)")
        print(f"grade, 200 students × 6 parts = {rows} answers, 2 workers: {grading:6.1f} s (target < 30 s), "
              f"with feedback and the class report")
        print(f"baseline: 6 answers checked in this process (warm, one network): {one_student:.3f} s → ×200 = {one_student * 200:.1f} s serial; "
              f"ratio grade/baseline = {grading / (one_student * 200):.2f}")
