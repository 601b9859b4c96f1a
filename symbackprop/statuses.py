"""Every status the package reports, as string enums: one vocabulary per kind of result.

Members are ``str`` subclasses, so ``entry.status == "proved"`` and ``f"{status}"`` keep working and
the values are what is printed and written to CSV files.

>>> EntryStatus.PROVED == "proved", f"{AnswerStatus.SYNTAX_ERROR}"
(True, 'syntax error')
"""

from __future__ import annotations

from enum import Enum

__all__ = ["EntryStatus", "AnswerStatus", "PartStatus", "ClaimStatus", "RunStatus"]


class _Status(str, Enum):
    """A status that prints as its value."""

    __str__ = str.__str__
    __format__ = str.__format__


class EntryStatus(_Status):
    """One entry ∂e/∂θ compared with the direct derivative (:func:`symbackprop.prove`)."""

    PROVED = "proved"  # an exact symbolic identity
    DIFFERS = "differs"  # not identical, with a counterexample
    UNDECIDED = "undecided"  # not shown identical, and equal at every point tried (not a proof)


class AnswerStatus(_Status):
    """A checked homework answer (:func:`symbackprop.check_answer` and class grading)."""

    CORRECT = "correct"  # an exact identity, never numbers alone
    WRONG = "wrong"  # numbers that differ (a counterexample)
    UNDECIDED = "undecided"  # agrees at every point tried, but no exact method applies: not graded correct
    TIMEOUT = "timeout"  # not decided within the time limit
    SYNTAX_ERROR = "syntax error"  # not valid notation
    ERROR = "error"  # the row or the request could not be checked (e.g. an unknown parameter)


class PartStatus(_Status):
    """One graded part of a homework (:func:`symbackprop.homework.check_part`): what its points rest on."""

    CORRECT = "correct"  # proved right (an exact identity or an exact decision), full points
    PARTIAL = "partial"  # some entries right, a convention mismatch, or right given an earlier wrong part
    WRONG = "wrong"  # refuted: a counterexample or an exact decision
    UNDECIDED = "undecided"  # agreement at sampled points only, or the time limit: no points, for review
    SYNTAX_ERROR = "syntax error"  # not valid notation
    ERROR = "error"  # the part could not be checked (a worker stopped, the row was unusable)
    MISSING = "missing"  # no answer was submitted


class ClaimStatus(_Status):
    """How a lecture item (L1–L22) was settled; never more than the evidence says."""

    PROVED_GENERAL = "proved (general)"  # an exact proof for every size (symbackprop.prove_general)
    PROVED = "proved"  # an exact symbolic identity
    COMPUTED = "computed"  # an exact closed form or count
    REFUTED = "refuted"  # a counterexample, checked exactly
    CHECKED = "checked"  # an exact test of a property, or many random instances (said so)
    DEMONSTRATED = "demonstrated"  # a run of the trainers or compiled models (numeric)


class RunStatus(_Status):
    """How a training run ended (:func:`symbackprop.fit`)."""

    CONVERGED = "converged"  # ‖∇E‖₂ ≤ tol and E did not rise
    PLATEAU = "plateau"  # ‖∇E‖₂ ≤ tol but E rose: the gradient vanished where units saturate
    MAX_STEPS = "max_steps"
    STALLED = "stalled"
    DIVERGED = "diverged"
