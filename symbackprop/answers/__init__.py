"""Homework answers: parse them safely, check them exactly, explain the mistake, grade a class."""

from .check import AnswerCounterexample as AnswerCounterexample
from .check import Mistake as Mistake
from .check import Verdict as Verdict
from .check import check_answer as check_answer
from .check import parse_answer as parse_answer
from .grading import GradedAnswer as GradedAnswer
from .grading import grade_answers as grade_answers
from .grading import read_answers as read_answers
from .grading import write_results as write_results

__all__ = [
    "AnswerCounterexample",
    "GradedAnswer",
    "Mistake",
    "Verdict",
    "check_answer",
    "grade_answers",
    "parse_answer",
    "read_answers",
    "write_results",
]
