"""Where to read: the configured sections of a document, as paragraphs."""
from __future__ import annotations

import re
from pathlib import Path

from renshe.errors import RensheError
from renshe.ingest.documents import Document, Paragraph, join_paragraphs
from renshe.ingest.text.config import Scope, _line_of


def section_ranges(document: Document, scope: Scope, config_path: Path) -> list[tuple[str, int, int]]:
    """(section name, first line, last line) of every section, 1-based and inclusive."""
    lines = document.normalized_lines
    if scope.sections is None:
        return [("all", 1, len(lines))]
    ranges = []
    for section in scope.sections:
        starts = [n for n, line in enumerate(lines, start=1) if section.start.search(line)]
        if not starts:
            raise RensheError(f"text scope {scope.doc_id}: section {section.name!r} not found in "
                              f"{document.path.name} (pattern {section.start.pattern!r})",
                              config_path, _line_of(config_path.read_text(encoding="utf-8"), section.name))
        for start in starts if section.repeat else starts[:1]:
            end = next((n for n in range(start + 1, len(lines) + 1)
                        if section.end and section.end.search(lines[n - 1])), len(lines) + 1)
            ranges.append((section.name, start + 1, end - 1))
    return ranges


def scoped_paragraphs(document: Document, ranges: list[tuple[str, int, int]],
                      item_heading: re.Pattern | None = None,
                      skip_lines: set[int] | frozenset[int] = frozenset(),
                      break_lines: tuple[re.Pattern, ...] = (), break_first: bool = False) -> list[Paragraph]:
    """Paragraphs that begin inside a section (a paragraph cut by a page break stays whole);
    `skip_lines` (the document's tables) are not running text and end a paragraph."""
    in_sections = {n for _, lo, hi in ranges for n in range(lo, hi + 1)}
    prose = document.paragraphs() if not skip_lines else join_paragraphs(
        ["" if number in skip_lines else line for number, line in enumerate(document.normalized_lines, start=1)])
    paragraphs = [p for p in prose if p.first_line in in_sections]
    lines = document.normalized_lines
    patterns = ([item_heading] if item_heading is not None else []) + list(break_lines)
    if not patterns and not break_first:
        return paragraphs
    first = next((n for n, line in enumerate(lines, start=1) if line.strip()), 0) if break_first else 0
    return [piece for p in paragraphs for piece in split_at_headings(p, lines, patterns, first)]


def split_at_headings(paragraph: Paragraph, lines: list[str], heading: re.Pattern | list[re.Pattern],
                      first_line: int = 0) -> list[Paragraph]:
    """An item heading, a headline, a byline or a caption (and the document's first line, its title
    or headline, when `first_line` names it) is a paragraph of its own, even when
    documents.join_paragraphs ran it on: it never lends its words to the next sentence's subject."""
    patterns = heading if isinstance(heading, list) else [heading]
    at_heading = [i for i, n in enumerate(paragraph.lines)
                  if n == first_line or any(p.search(lines[n - 1]) for p in patterns)]
    cuts = sorted({c for i in at_heading for c in (i, i + 1) if 0 < c < len(paragraph.lines)})
    if not cuts:  # most paragraphs: one piece, the paragraph itself
        return [paragraph]
    pieces = []
    for a, b in zip([0, *cuts], [*cuts, len(paragraph.lines)]):
        offset = paragraph.starts[a]
        end = paragraph.starts[b] if b < len(paragraph.lines) else len(paragraph.text)
        pieces.append(Paragraph(paragraph.text[offset:end], [s - offset for s in paragraph.starts[a:b]],
                                paragraph.lines[a:b]))
    return pieces
