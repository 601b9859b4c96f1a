"""The class report: the score distribution, points per part, and each named mistake's frequency per part.

A multi-page PDF drawn by matplotlib (no dates in the file; its Creator names symbackprop, so the output
policy recognises it).
"""

from __future__ import annotations

import os
from collections import Counter

from ..files import atomic_path, prepare_output
from ..statuses import PartStatus
from .gradebook import ClassGrades

__all__ = ["write_report", "mistake_counts"]

_STATUS_COLOURS = {
    PartStatus.CORRECT: "#2e7d32", PartStatus.PARTIAL: "#f9a825", PartStatus.WRONG: "#c62828", PartStatus.UNDECIDED: "#6a1b9a",
    PartStatus.SYNTAX_ERROR: "#ef6c00", PartStatus.ERROR: "#424242", PartStatus.MISSING: "#bdbdbd",
}


def mistake_counts(grades: ClassGrades) -> dict[str, Counter]:
    """Part → Counter of named mistakes (codes) among its answers."""
    counts: dict[str, Counter] = {}
    for results in grades.results.values():
        for label, result in results.items():
            counts.setdefault(label, Counter())
            if result.mistake:
                counts[label][result.mistake] += 1
    return counts


def write_report(grades: ClassGrades, path: str | os.PathLike, *, inputs=(), force: bool = False) -> str:  # noqa: ANN001
    """Write the class report PDF under the output policy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.ticker import MaxNLocator

    target = prepare_output(path, inputs=inputs, force=force)
    students = list(grades.variants["students"])
    totals = [grades.total(s) for s in students]
    maximum = max((grades.maximum(s) for s in students), default=1.0)
    labels = list(next(iter(grades.results.values())).keys()) if grades.results else []
    metadata = {"Creator": "symbackprop homework report", "Producer": "symbackprop with matplotlib", "CreationDate": None}
    with atomic_path(target) as temporary:
        with PdfPages(temporary, metadata=metadata) as pdf:
            figure, (top, bottom) = plt.subplots(2, 1, figsize=(8.27, 11.69))
            figure.suptitle(f"{grades.variants.get('title', 'Homework')}: class report", fontsize=13)
            top.hist(totals, bins=min(20, max(5, int(maximum) + 1)), range=(0, maximum), color="#1565c0", edgecolor="white")
            mean = sum(totals) / len(totals) if totals else 0.0
            top.axvline(mean, color="#c62828", linestyle="--", label=f"mean {mean:.2f}")
            top.set_xlabel(f"total points (of {maximum:g})")
            top.set_ylabel("students")
            top.set_title(f"Score distribution ({len(students)} students, {len(grades.submissions)} answers graded, "
                          f"{grades.ungraded} row(s) not graded)", fontsize=10)
            top.legend()
            top.yaxis.set_major_locator(MaxNLocator(integer=True))
            bottoms = [0.0] * len(labels)
            for status, colour in _STATUS_COLOURS.items():
                values = [sum(grades.results[s][label].status == status for s in students) for label in labels]
                if any(values):
                    bottom.bar(labels, values, bottom=bottoms, color=colour, label=str(status))
                    bottoms = [b + v for b, v in zip(bottoms, values)]
            bottom.set_ylabel("answers")
            bottom.set_xlabel("part")
            bottom.set_title("Verdicts per part", fontsize=10)
            bottom.legend(fontsize=8, ncol=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), frameon=False)
            bottom.yaxis.set_major_locator(MaxNLocator(integer=True))
            figure.tight_layout(rect=(0, 0, 1, 0.97))
            pdf.savefig(figure)
            plt.close(figure)

            counts = mistake_counts(grades)
            named = [(label, counts[label]) for label in labels if counts.get(label)]
            per_page = 6
            for start in range(0, max(1, len(named)), per_page):
                chunk = named[start:start + per_page]
                figure, axes = plt.subplots(3, 2, figsize=(8.27, 11.69))
                figure.suptitle("Named mistakes per part (each proved: the mutated model answer equals the student's)", fontsize=11)
                for axis in axes.flat:
                    axis.axis("off")
                for axis, (label, counter) in zip(axes.flat, chunk):
                    axis.axis("on")
                    items = counter.most_common(8)[::-1]
                    axis.barh([code.replace("_", " ") for code, _ in items], [n for _, n in items], color="#c62828")
                    axis.set_title(f"part {label}", fontsize=10)
                    axis.set_xlabel("answers")
                    axis.tick_params(axis="y", labelsize=8)
                    axis.xaxis.set_major_locator(MaxNLocator(integer=True))
                if not chunk:
                    axes.flat[0].text(0, 0.5, "No mistake was named: every wrong answer was unlike the typical mistakes.", fontsize=10)
                figure.tight_layout(rect=(0, 0, 1, 0.96))
                pdf.savefig(figure)
                plt.close(figure)
    return str(target)
