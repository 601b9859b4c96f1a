"""Everything generated from the proven symbolic expressions: LaTeX documents and NumPy code.

- :func:`build_document` / :func:`write_document`: standalone documents from :class:`Section` builders,
  with the lecturer's controls (title, author, course, date, ``only`` some sections, ``notes`` spliced in,
  ``answers`` shown or hidden — :func:`answer` marks an answer); :class:`Figure` files are written next to
  the .tex; :func:`register_section` adds a part to the whole lecture (:func:`symbackprop.lecture_sections`);
- :func:`network_section` / :func:`network_sections`: everything derived about one network;
  :func:`notation_section`: the preface;
- :func:`lecture_algorithm`, :func:`render_algorithm` / :func:`render_rule`: the optimisers as the lecture
  writes them, and the code the trainers run, rendered by latexify;
- :func:`compile_pdf` / :func:`page_overflow` / :func:`page_fill`: pdflatex and a look at the rendered pages;
- :mod:`.numpy`: the NumPy source of a network's model, generated and verified statement by statement.

Expressions are printed by :mod:`symbackprop.printing` (the lecture's notation).
"""

from ..printing import LecturePrinter as LecturePrinter
from ..printing import latex as latex
from .document import Figure as Figure
from .document import Section as Section
from .document import answer as answer
from .document import build_document as build_document
from .document import parse_notes as parse_notes
from .document import read_notes as read_notes
from .document import register_section as register_section
from .document import select_sections as select_sections
from .document import write_document as write_document
from .network_doc import network_section as network_section
from .network_doc import network_sections as network_sections
from .optimisers import lecture_algorithm as lecture_algorithm
from .optimisers import render_algorithm as render_algorithm
from .optimisers import render_rule as render_rule
from .pdf import compile_pdf as compile_pdf
from .pdf import page_fill as page_fill
from .pdf import page_overflow as page_overflow
from .preface import notation_section as notation_section

__all__ = [
    "Figure",
    "LecturePrinter",
    "Section",
    "answer",
    "build_document",
    "compile_pdf",
    "latex",
    "lecture_algorithm",
    "network_section",
    "network_sections",
    "notation_section",
    "page_fill",
    "page_overflow",
    "parse_notes",
    "read_notes",
    "register_section",
    "render_algorithm",
    "render_rule",
    "select_sections",
    "write_document",
]
