"""Homework answers: parse them safely, check them exactly, explain the mistake, grade a class."""

from .check import AnswerCounterexample as AnswerCounterexample
from .check import Mistake as Mistake
from .check import Verdict as Verdict
from .check import check_answer as check_answer
from .check import parse_answer as parse_answer

__all__ = ["AnswerCounterexample", "Mistake", "Verdict", "check_answer", "parse_answer"]
