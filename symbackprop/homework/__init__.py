"""Homework end to end: per-student variants, question sheets and solution keys, grading with partial
credit, a gradebook, feedback, Gradescope results and a class report.

- :func:`make_variants` — each student's variant, drawn deterministically (``variants.json``);
- :func:`check_part` — THE function that checks one answer to one part (``grade`` and the web checker call it);
- :func:`grade_submissions` — many answers, in isolated workers, with chains and per-student totals.
"""

from .parts import PartResult as PartResult
from .parts import check_part as check_part
from .spec import HomeworkSpec as HomeworkSpec
from .spec import load_spec as load_spec
from .variants import make_variants as make_variants

__all__ = ["HomeworkSpec", "PartResult", "check_part", "load_spec", "make_variants"]
