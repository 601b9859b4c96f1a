"""Grade a class: submissions in, per-part points out — a gradebook, per-answer feedback, Gradescope results.

Submissions come from any source as :class:`Submission` rows (id, part, answer[, conventions]);
:func:`read_submissions` reads a CSV strictly (``symbackprop.tables.read_table``: every bad row reported with
its line number), and another source (a database, the web checker) only has to produce the same rows.
:func:`grade_submissions` checks every answer with :func:`~.parts.check_part` in isolated worker processes
(``symbackprop.answers.grading.run_isolated``: forked workers, a hard time limit per answer, a memory
limit), so a hostile answer costs one part, never the batch; it reports unknown students and parts by line,
fills parts nobody answered as missing, and names, for each chain of parts along the recursion
(δ^L → δ^{L−1} → ∂e/∂z → ∂e/∂w), the first part where a student departs from the model solution.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from ..answers.grading import Handler, run_isolated
from ..errors import DataError
from ..files import distinct_outputs, write_text
from ..statuses import AnswerStatus, PartStatus
from ..tables import guarded, read_table
from .parts import PartResult, check_part
from .schema import read_variants
from .variants import GENERATOR

__all__ = [
    "Submission",
    "Problem",
    "ClassGrades",
    "read_submissions",
    "read_variants",
    "grade_submissions",
    "gradebook_csv",
    "feedback_csv",
    "gradescope_results",
    "FEEDBACK_COLUMNS",
]

FEEDBACK_COLUMNS = ("id", "part", "kind", "status", "points", "max_points", "mistake", "first_departure", "feedback", "answer", "conventions", "expected", "line")


@dataclass(frozen=True)
class Submission:
    """One answer to one part; ``line`` is where it came from (a CSV line, a database row id), if known."""

    id: str
    part: str
    answer: str
    conventions: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Problem:
    """A submission row that could not be graded, and why."""

    line: int | None
    message: str


@dataclass
class ClassGrades:
    """Everything grading produced: results by student and part, the chains' first departures, the problems."""

    variants: Mapping[str, Any]
    results: dict[str, dict[str, PartResult]]
    submissions: dict[tuple[str, str], Submission]
    departures: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ungraded(self) -> int:
        """Rows that could not be graded: unreadable, unknown student or part, or an error while checking."""
        errors = sum(result.status == PartStatus.ERROR for parts in self.results.values() for result in parts.values())
        return len(self.problems) + errors

    def total(self, student: str) -> float:
        return round(sum(result.points for result in self.results[student].values()), 4)

    def maximum(self, student: str) -> float:
        return round(sum(float(part["points"]) for part in self.variants["students"][student]["parts"]), 4)


def read_submissions(path: str | os.PathLike) -> tuple[list[Submission], list[Problem]]:
    """Rows of a CSV with columns ``id, part, answer`` (and optionally ``conventions``), read strictly."""
    table = read_table(path, required=["id", "part", "answer"], optional=["conventions"], key=("id", "part"))
    rows = [
        Submission(row.values["id"].strip(), row.values["part"].strip(), row.values["answer"], row.values.get("conventions", "").strip(), row.line)
        for row in table.rows
    ]
    problems = [Problem(problem.line, problem.message) for problem in table.problems]
    return rows, problems


# --- grading ------------------------------------------------------------------------------------------------

Task = tuple[str, str, dict, str, str, dict | None]  # id, part label, part, answer, conventions, previous


def _run(task: Task) -> PartResult:
    _, _, part, answer, conventions, previous = task
    try:
        return check_part(part, answer, conventions=conventions, previous=previous)
    except Exception as error:  # noqa: BLE001 - a grader must survive any single answer
        return PartResult(str(part.get("part")), str(part.get("kind")), PartStatus.ERROR, 0.0, float(part.get("points", 0)),
                          f"internal error while checking this answer: {type(error).__name__}: {error}")


def _failed(task: object, verdict: AnswerStatus, message: str) -> PartResult:
    _, _, part, _, _, _ = task  # type: ignore[misc]
    status = PartStatus.UNDECIDED if verdict == AnswerStatus.TIMEOUT else PartStatus.ERROR
    return PartResult(str(part.get("part")), str(part.get("kind")), status, 0.0, float(part.get("points", 0)), message)


def grade_submissions(
    variants: Mapping[str, Any],
    submissions: Iterable[Submission],
    *,
    problems: Sequence[Problem] = (),
    workers: int = 2,
    time_limit: float = 10.0,
    progress: bool = False,
) -> ClassGrades:
    """Grade every submission; a student's parts without a submission are ``missing``."""
    students = variants["students"]
    grades = ClassGrades(variants, {student: {} for student in students}, {}, problems=list(problems))
    parts_of = {student: {part["part"]: part for part in entry["parts"]} for student, entry in students.items()}
    valid: list[Submission] = []
    for row in submissions:
        if row.id not in students:
            grades.problems.append(Problem(row.line, f"unknown student id {row.id!r} (not in variants.json)"))
        elif row.part not in parts_of[row.id]:
            grades.problems.append(Problem(row.line, f"student {row.id!r} has no part {row.part!r} (parts: {', '.join(parts_of[row.id])})"))
        elif (row.id, row.part) in grades.submissions:
            grades.problems.append(Problem(row.line, f"a second answer by {row.id!r} to part {row.part!r}"))
        else:
            grades.submissions[(row.id, row.part)] = row
            valid.append(row)
    tasks: list[Task] = []
    for row in valid:
        part = parts_of[row.id][row.part]
        tasks.append((row.id, row.part, part, row.answer, row.conventions, _previous(parts_of[row.id], part, row.id, grades.submissions)))
    tasks.sort(key=lambda task: json.dumps(task[2].get("network"), sort_keys=True))  # a worker keeps meeting the networks it has built
    for index, result in run_isolated(Handler(_run, _failed), tasks, workers=workers, time_limit=time_limit):
        grades.results[tasks[index][0]][tasks[index][1]] = result  # type: ignore[index]
    for student, parts in parts_of.items():
        for label, part in parts.items():
            if label not in grades.results[student]:
                grades.results[student][label] = check_part(part, None)
        grades.results[student] = {label: grades.results[student][label] for label in parts}
        grades.departures[student] = _departures(list(parts.values()), grades.results[student])
    return grades


def _previous(parts: Mapping[str, dict], part: Mapping[str, Any], student: str, submitted: Mapping[tuple[str, str], Submission]) -> dict | None:
    """The previous step of the part's chain and the student's answer to it (for follow-through credit)."""
    chain, step = part.get("chain"), part.get("step")
    if not chain or not step or step <= 1:
        return None
    before = next((p for p in parts.values() if p.get("chain") == chain and p.get("step") == step - 1), None)
    if before is None:
        return None
    row = submitted.get((student, before["part"]))
    return {"part": before, "answer": row.answer if row else None}


def _departures(parts: Sequence[Mapping[str, Any]], results: Mapping[str, PartResult]) -> dict[str, str]:
    """Chain → the first part (in the recursion's order) that is not proved right."""
    chains: dict[str, list[Mapping[str, Any]]] = {}
    for part in parts:
        if part.get("chain"):
            chains.setdefault(str(part["chain"]), []).append(part)
    found = {}
    for chain, members in chains.items():
        for part in sorted(members, key=lambda p: p.get("step") or 0):
            if results[part["part"]].status != PartStatus.CORRECT:
                found[chain] = part["part"]
                break
    return found


# --- outputs ------------------------------------------------------------------------------------------------



def _labels(grades: ClassGrades) -> list[str]:
    labels: list[str] = []
    for entry in grades.variants["students"].values():
        for part in entry["parts"]:
            if part["part"] not in labels:
                labels.append(part["part"])
    return labels


def gradebook_columns(grades: ClassGrades) -> list[str]:
    return ["id", "name", *_labels(grades), "total", "max_points", "review", "first_departure"]


def gradebook_csv(grades: ClassGrades) -> str:
    """One row per student: points per part, the total, the maximum, parts to review, first departures."""
    columns = gradebook_columns(grades)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for student, entry in grades.variants["students"].items():
        results = grades.results[student]
        review = [label for label, result in results.items() if result.status in (PartStatus.UNDECIDED, PartStatus.ERROR)]
        departures = "; ".join(f"{chain}: {label}" for chain, label in grades.departures.get(student, {}).items())
        row = [guarded(student), guarded(entry.get("name", ""))]
        row += [f"{results[label].points:g}" if label in results else "" for label in columns[2:-4]]
        row += [f"{grades.total(student):g}", f"{grades.maximum(student):g}", " ".join(review), departures]
        writer.writerow(row)
    return buffer.getvalue()


def feedback_csv(grades: ClassGrades) -> str:
    """One row per student and part: status, points, the named mistake, the feedback, the model answer."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FEEDBACK_COLUMNS)
    for student, entry in grades.variants["students"].items():
        departures = grades.departures.get(student, {})
        for part in entry["parts"]:
            result = grades.results[student][part["part"]]
            submission = grades.submissions.get((student, part["part"]))
            chain = str(part.get("chain") or "")
            first = departures.get(chain, "") if chain else ""
            feedback = result.feedback
            if first and first == part["part"]:
                feedback = f"This is where your solution first departs from the model solution of question {chain}. " + feedback
            writer.writerow([
                guarded(student), part["part"], part["kind"], str(result.status), f"{result.points:g}", f"{result.max_points:g}",
                result.mistake, first, feedback, guarded(submission.answer if submission else ""),
                submission.conventions if submission else "", part.get("answer_latex", ""), submission.line if submission and submission.line else "",
            ])
    return buffer.getvalue()


def gradescope_results(grades: ClassGrades, student: str) -> dict[str, Any]:
    """Gradescope's autograder ``results.json`` for one student: the score and one test per part
    (name, number, score, max_score, status, output, visibility)."""
    if student not in grades.results:
        raise DataError(f"unknown student id {student!r}")
    tests = []
    for part in grades.variants["students"][student]["parts"]:
        result = grades.results[student][part["part"]]
        tests.append({
            "name": f"Part {part['part']}: {part['wrt']}",
            "number": part["part"],
            "score": result.points,
            "max_score": result.max_points,
            "status": "passed" if result.status == PartStatus.CORRECT else "failed",
            "output": f"{result.status}: {result.feedback}",
            "visibility": "visible",
        })
    departures = grades.departures.get(student, {})
    summary = f"{grades.total(student):g} of {grades.maximum(student):g} points."
    if departures:
        summary += " First departure from the model solution: " + "; ".join(f"question {chain}, part {label}" for chain, label in departures.items()) + "."
    return {"score": grades.total(student), "output": summary, "visibility": "visible", "stdout_visibility": "hidden",
            "tests": tests, "extra_data": {"generator": GENERATOR, "student": student}}


def write_outputs(
    grades: ClassGrades,
    *,
    gradebook: str | os.PathLike,
    feedback: str | os.PathLike | None = None,
    gradescope: str | os.PathLike | None = None,
    student: str | None = None,
    inputs: Sequence[str | os.PathLike] = (),
    force: bool = False,
) -> list[str]:
    """Write the gradebook (and the feedback CSV and Gradescope JSON when asked) under the output policy."""
    distinct_outputs([("gradebook", gradebook), ("feedback", feedback), ("gradescope", gradescope)])
    written = [str(write_text(gradebook, gradebook_csv(grades), inputs=inputs, force=force, csv_header=gradebook_columns(grades)))]
    if feedback is not None:
        written.append(str(write_text(feedback, feedback_csv(grades), inputs=inputs, force=force, csv_header=FEEDBACK_COLUMNS)))
    if gradescope is not None:
        if student is None:
            submitted = sorted({row.id for row in grades.submissions.values()})
            if len(submitted) != 1:
                raise DataError(f"--gradescope writes the results of one submission; the answers have {len(submitted)} students: pass --student ID")
            student = submitted[0]
        document = json.dumps(gradescope_results(grades, student), indent=2, ensure_ascii=False)
        written.append(str(write_text(gradescope, document + "\n", inputs=inputs, force=force)))
    return written
