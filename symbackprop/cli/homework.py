"""``symbackprop homework`` (per-student variants, sheets, keys) and ``symbackprop grade`` (gradebook, feedback,
Gradescope results, class report)."""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from .options import course_seed, natural, positive_seconds

__all__ = ["register_homework", "run_homework", "register_grade", "run_grade"]


def register_homework(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--roster", required=True, metavar="ROSTER.csv", help="the class: columns id and (optionally) name")
    parser.add_argument("--seed", required=True, type=course_seed, metavar="N", help="the course seed (same seed and roster: the same homework)")
    parser.add_argument("--out", required=True, metavar="DIR", help="where variants.json, sheets/ and keys/ go")
    parser.add_argument("--spec", metavar="SPEC", help="a homework spec (.json or .toml; default: Lecture 9's exercises)")
    parser.add_argument("--no-pdf", action="store_true", help="write variants.json only (no question sheets or keys)")
    parser.add_argument("--jobs", type=natural, default=2, metavar="N", help="pdflatex processes at once (default 2)")
    parser.add_argument("--force", action="store_true", help="replace existing files that symbackprop did not write")


def run_homework(args: argparse.Namespace) -> int:
    import json

    from ..errors import SpecError
    from ..files import write_text
    from ..homework.documents import key_tex, sheet_tex, verify_key, write_pdfs
    from ..homework.spec import load_spec
    from ..homework.variants import make_variants
    from ..limits import checked_workers
    from ..tables import read_table

    checked_workers(max(1, args.jobs), name="--jobs")  # pdflatex processes: refused before any work
    started = time.perf_counter()
    spec = load_spec(args.spec)
    table = read_table(args.roster, required=["id"], optional=["name"], key=("id",))
    for problem in table.problems:
        print(f"{args.roster}:{problem.line}: {problem.message}", file=sys.stderr)
    roster = [(row.values["id"].strip(), row.values.get("name", "").strip()) for row in table.rows]
    if not roster:
        raise SpecError(f"{args.roster} has no students")
    document = make_variants(spec, args.seed, roster)
    proofs: dict[str, str] = {}
    for entry in document["students"].values():
        verify_key(entry["parts"], proofs)
    out = Path(args.out)
    inputs = [args.roster] + ([args.spec] if args.spec else [])
    write_text(out / "variants.json", json.dumps(document, indent=1, ensure_ascii=False) + "\n", inputs=inputs, force=args.force)
    variants = len({entry["variant"] for entry in document["students"].values()})
    print(f"{len(roster)} students, {variants} distinct variants, {sum(len(e['parts']) for e in document['students'].values())} parts; "
          f"{len(proofs)} distinct key answers, each proved by the checker")
    print(f"wrote {out / 'variants.json'}")
    if not args.no_pdf:
        jobs = []
        names = _file_names(list(document["students"]))
        for student, entry in document["students"].items():
            jobs.append((out / "sheets" / f"{names[student]}.pdf", lambda s=student, e=entry: sheet_tex(spec.title, s, e)))
            jobs.append((out / "keys" / f"{names[student]}.pdf", lambda s=student, e=entry: key_tex(spec.title, s, e, proofs)))
        written = write_pdfs(jobs, inputs=[Path(p) for p in inputs], force=args.force, workers=max(1, args.jobs))
        print(f"wrote {len(written) // 2} question sheets to {out / 'sheets'} and {len(written) // 2} solution keys to {out / 'keys'}")
    print(f"done in {time.perf_counter() - started:.1f} s")
    return 1 if table.problems else 0


_NAME_LENGTH = 100  # characters of an id kept in its file names (a file system allows 255 bytes)


def _file_names(students: list[str]) -> dict[str, str]:
    """A safe, unique file name per student id, at most :data:`_NAME_LENGTH` + 7 characters."""
    import hashlib

    names, used = {}, set()
    for student in students:
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", student).strip(".") or "student"
        if len(name) > _NAME_LENGTH or name.lower() in used:
            name = name[:_NAME_LENGTH] + "-" + hashlib.sha256(student.encode()).hexdigest()[:6]
        used.add(name.lower())
        names[student] = name
    return names


def register_grade(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--variants", required=True, metavar="variants.json", help="written by symbackprop homework")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--answers", metavar="SUBMISSIONS.csv", help="columns id, part, answer (and optionally conventions)")
    source.add_argument("--db", metavar="FILE.sqlite", help="the record of symbackprop serve --db: each student's latest answer to each part")
    parser.add_argument("--out", required=True, metavar="gradebook.csv", help="one row per student: points per part and the total")
    parser.add_argument("--feedback", metavar="feedback.csv", help="one row per answer: status, points, mistake, feedback")
    parser.add_argument("--gradescope", metavar="results.json", help="Gradescope autograder results for one submission")
    parser.add_argument("--student", metavar="ID", help="the student whose Gradescope results are written (default: the only one)")
    parser.add_argument("--report", metavar="report.pdf", help="the class report: score distribution, named mistakes per part")
    parser.add_argument("--jobs", type=natural, default=2, metavar="N", help="worker processes (default 2; 0 grades in this process)")
    parser.add_argument("--time-limit", type=positive_seconds, default=10.0, metavar="S", help="seconds per answer (default 10)")
    parser.add_argument("--force", action="store_true", help="replace existing files that symbackprop did not write")


def run_grade(args: argparse.Namespace) -> int:
    from ..files import distinct_outputs
    from ..homework.gradebook import grade_submissions, read_submissions, read_variants, write_outputs

    from ..limits import checked_workers

    distinct_outputs([("--out", args.out), ("--feedback", args.feedback), ("--gradescope", args.gradescope), ("--report", args.report)])
    checked_workers(args.jobs, name="--jobs", zero=True)
    started = time.perf_counter()
    variants = read_variants(args.variants)
    if args.db is not None:
        from ..web.store import recorded_submissions

        recorded = recorded_submissions(args.db, variants)
        rows, problems, source = recorded.rows, recorded.problems, args.db
        print(f"{args.db}: {recorded.checks} recorded checks: {len(rows) + len(problems)} latest answers to a part "
              f"({recorded.superseded} earlier answers superseded), {recorded.practice} practice checks without a part (not submissions)")

        def where(line: int | None) -> str:
            return f"{args.db}: check {line}" if line else args.db
    else:
        rows, problems = read_submissions(args.answers)
        source = args.answers

        def where(line: int | None) -> str:
            return f"{args.answers}:{line}" if line else args.answers
    grades = grade_submissions(variants, rows, problems=problems, workers=args.jobs, time_limit=args.time_limit)
    for problem in sorted(grades.problems, key=lambda p: p.line or 0):
        print(f"{where(problem.line)}: not graded: {problem.message}", file=sys.stderr)
    inputs = [args.variants, source]
    written = write_outputs(grades, gradebook=args.out, feedback=args.feedback, gradescope=args.gradescope, student=args.student,
                            inputs=inputs, force=args.force)
    if args.report:
        from ..homework.report import write_report

        written.append(write_report(grades, args.report, inputs=inputs, force=args.force))
    counts: dict[str, int] = {}
    for results in grades.results.values():
        for result in results.values():
            counts[str(result.status)] = counts.get(str(result.status), 0) + 1
    summary = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
    print(f"graded {len(grades.submissions)} answers of {len(grades.results)} students in {time.perf_counter() - started:.1f} s: {summary}")
    print(f"{grades.ungraded} row(s) could not be graded" if grades.ungraded else "every row was graded")
    for path in written:
        print(f"wrote {path}")
    return 1 if grades.ungraded else 0
