"""Everything generated from the proven symbolic expressions: NumPy code (:mod:`.numpy`) and LaTeX.

LaTeX output — expression printing in the lecture's notation, derivation documents, PDF checks:

- :func:`latex` / :class:`LecturePrinter`: SymPy → LaTeX with the lecture's product order and names;
- :func:`build_document` / :func:`write_document`: standalone documents from :class:`Section` builders
  (:data:`LECTURE_SECTIONS` is the whole lecture; :func:`register_section` adds a part);
- :func:`network_section`: everything derived about one network; :func:`regenerate`: ``derivations/``;
- :func:`compile_pdf` / :func:`page_overflow`: pdflatex and a look at the rendered pages.
"""

from .document import LECTURE_SECTIONS as LECTURE_SECTIONS
from .document import Section as Section
from .document import build_document as build_document
from .document import register_section as register_section
from .document import write_document as write_document
from .latex import LecturePrinter as LecturePrinter
from .latex import latex as latex
from .network_doc import network_section as network_section
from .optimisers import render_algorithm as render_algorithm
from .optimisers import render_rule as render_rule
from .pdf import compile_pdf as compile_pdf
from .pdf import page_overflow as page_overflow
from .regenerate import DERIVATIONS as DERIVATIONS
from .regenerate import regenerate as regenerate

__all__ = [
    "DERIVATIONS",
    "LECTURE_SECTIONS",
    "LecturePrinter",
    "Section",
    "build_document",
    "compile_pdf",
    "latex",
    "network_section",
    "page_overflow",
    "regenerate",
    "register_section",
    "render_algorithm",
    "render_rule",
    "write_document",
]
