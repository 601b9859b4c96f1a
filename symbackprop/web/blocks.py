"""The LaTeX of the documents, cut into pieces a web page renders: headings, paragraphs, display math.

The derivation documents are LaTeX: sections, prose with inline ``$…$`` math, and ``align*`` displays.
KaTeX renders the math but not the prose around it, so :func:`latex_blocks` splits a fragment into
blocks — ``{"type": "heading", "segments": …}``, ``{"type": "paragraph", "segments": …}``, ``{"type":
"math", "tex": …}`` — and each piece of prose into segments: ``{"text": …}``, ``{"math": …}``,
``{"bold": [...]}``, ``{"italic": [...]}``.  The page puts text in as text (never as HTML) and math
through KaTeX.  The math is the documents' own, character for character.

>>> latex_blocks(r"\\subsection{Loss} The loss $e$, \\textbf{exactly}:\\begin{align*}e &= 1\\end{align*}")
[{'type': 'heading', 'segments': [{'text': 'Loss'}]}, {'type': 'paragraph', 'segments': [{'text': 'The loss '}, {'math': 'e'}, {'text': ', '}, {'bold': [{'text': 'exactly'}]}, {'text': ':'}]}, {'type': 'math', 'tex': '\\\\begin{align*}e &= 1\\\\end{align*}'}]
"""

from __future__ import annotations

import re

__all__ = ["latex_blocks", "unknown_commands", "katex_macros"]

_DISPLAY = re.compile(r"\\begin\{(align\*?|equation\*?|gather\*?|multline\*?)\}.*?\\end\{\1\}|\\\[.*?\\\]", re.S)
_HEADING = re.compile(r"\\(section|subsection|subsubsection|paragraph)\*?\{")
_TEXT_COMMANDS = {"ldots": "…", "dots": "…", "textendash": "–", "textemdash": "—", "quad": " ", "qquad": " ", "noindent": "", "smallskip": "", "medskip": "", "bigskip": "", "par": " "}
_STYLE_COMMANDS = {"textbf": "bold", "emph": "italic", "textit": "italic", "texttt": "code", "textrm": None, "mbox": None}
_ESCAPED = {"%": "%", "&": "&", "_": "_", "#": "#", "$": "$", "{": "{", "}": "}", " ": " ", ",": "\u2009", "\\": " "}
_PUNCTUATION = [("---", "—"), ("--", "–"), ("``", "“"), ("''", "”"), ("~", "\u00a0")]


def latex_blocks(fragment: str) -> list[dict]:
    """Blocks of a LaTeX fragment, in order (see the module's docstring)."""
    blocks: list[dict] = []
    position = 0
    for match in _DISPLAY.finditer(fragment):
        blocks.extend(_prose(fragment[position : match.start()]))
        blocks.append({"type": "math", "tex": match.group(0).strip()})
        position = match.end()
    blocks.extend(_prose(fragment[position:]))
    return blocks


def _prose(text: str) -> list[dict]:
    blocks: list[dict] = []
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = paragraph.strip()
        while paragraph:
            heading = _HEADING.match(paragraph)
            if heading is None:
                segments = _segments(paragraph)
                if segments:
                    blocks.append({"type": "paragraph", "segments": segments})
                break
            title, end = _group(paragraph, heading.end())
            blocks.append({"type": "heading", "segments": _segments(title)})
            paragraph = paragraph[end:].strip()
    return blocks


def _group(text: str, start: int) -> tuple[str, int]:
    """The contents of the brace group opened just before ``start`` and the index after its ``}``."""
    depth, index = 1, start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[start:index], index + 1
        index += 1
    return text[start:], len(text)


def _math_end(text: str, start: int) -> int:
    index = start
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == "$":
            return index
        index += 1
    return len(text)


def _segments(text: str) -> list[dict]:
    segments: list[dict] = []
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            joined = re.sub(r"\s+", " ", "".join(buffer))
            for old, new in _PUNCTUATION:
                joined = joined.replace(old, new)
            if joined:
                if segments and "text" in segments[-1]:
                    segments[-1]["text"] += joined
                else:
                    segments.append({"text": joined})
            buffer.clear()

    index = 0
    while index < len(text):
        char = text[index]
        if char == "$":
            end = _math_end(text, index + 1)
            flush()
            segments.append({"math": text[index + 1 : end].strip()})
            index = end + 1
        elif char == "\\":
            command = re.match(r"[A-Za-z]+", text[index + 1 :])
            if command is None:
                symbol = text[index + 1 : index + 2]
                buffer.append(_ESCAPED.get(symbol, symbol))
                index += 2
                continue
            name = command.group(0)
            index += 1 + len(name)
            if name in _STYLE_COMMANDS and text[index : index + 1] == "{":
                inner, index = _group(text, index + 1)
                flush()
                style = _STYLE_COMMANDS[name]
                if style is None:
                    segments.extend(_segments(inner))
                else:
                    segments.append({style: _segments(inner)})
                continue
            if name in _TEXT_COMMANDS:
                buffer.append(_TEXT_COMMANDS[name])
                continue
            buffer.append("\\" + name)  # unknown: shown as typed, found by unknown_commands()
        elif char in "{}":
            index += 1
        else:
            buffer.append(char)
            index += 1
    flush()
    return segments


def unknown_commands(blocks: list[dict]) -> list[str]:
    """LaTeX commands left in the prose (text that would show a backslash): none, for the documents."""
    found: list[str] = []

    def walk(segments: list[dict]) -> None:
        for segment in segments:
            for key, value in segment.items():
                if key == "text":
                    found.extend(re.findall(r"\\[A-Za-z]+", value))
                elif key != "math":
                    walk(value)

    for block in blocks:
        if "segments" in block:
            walk(block["segments"])
    return found


def katex_macros(preamble: str) -> dict[str, str]:
    """The ``\\newcommand{\\X}{…}`` definitions of a document preamble, as KaTeX macros."""
    return {name: body for name, body in re.findall(r"\\newcommand\{(\\[A-Za-z]+)\}\{(.*)\}\s*$", preamble, re.M)}
