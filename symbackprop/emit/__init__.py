"""Everything generated from the proven symbolic expressions: LaTeX documents and NumPy code.

- :func:`build_document` / :func:`write_document`: standalone documents from :class:`Section` builders
  (:func:`register_section` adds a part to the whole lecture, :func:`symbackprop.lecture_sections`);
- :func:`network_section`: everything derived about one network; :func:`notation_section`: the preface;
- :func:`render_algorithm` / :func:`render_rule`: the optimisers' code, rendered by latexify;
- :func:`compile_pdf` / :func:`page_overflow`: pdflatex and a look at the rendered pages;
- :mod:`.numpy`: the NumPy source of a network's model, generated and verified statement by statement.

Expressions are printed by :mod:`symbackprop.printing` (the lecture's notation).
"""

from ..printing import LecturePrinter as LecturePrinter
from ..printing import latex as latex
from .document import Section as Section
from .document import build_document as build_document
from .document import register_section as register_section
from .document import write_document as write_document
from .network_doc import network_section as network_section
from .optimisers import render_algorithm as render_algorithm
from .optimisers import render_rule as render_rule
from .pdf import compile_pdf as compile_pdf
from .pdf import page_overflow as page_overflow
from .preface import notation_section as notation_section

__all__ = [
    "LecturePrinter",
    "Section",
    "build_document",
    "compile_pdf",
    "latex",
    "network_section",
    "notation_section",
    "page_overflow",
    "register_section",
    "render_algorithm",
    "render_rule",
    "write_document",
]
