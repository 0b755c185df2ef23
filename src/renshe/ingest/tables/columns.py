"""Cells and columns of a text table: a line split into cells, each placed in its column.

A space-aligned line is split at runs of two or more spaces, each cell at single spaces when it
holds several (never inside a number: a figure has none); positions are counted in display
columns (a CJK character two wide, unicodedata.east_asian_width) or in characters, as
pdftotext -layout counts them. The columns are the extents of the cells of the rows that fill
every column, as pdfplumber's text strategy finds them from aligned words; any other line's
cells go to the column they overlap most. Cells separated by single spaces are placed by count.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from renshe.ingest.documents import normalize_line

FIGURE = re.compile(r"^[〔\[(（<>≥≤~约+\-]*\d[\d.,]*(?:%|‰|(?:万|亿)?(?:人次|人|元|户|家|个|岁|所|项|件|张))?"
                    r"[〕\])）]?(?:以上|以下|左右)?%?$")  # a figure, its unit printed in the cell or not
PLACEHOLDER = {"—", "——", "-", "--", "–", "/", "…", "…………"}


class NotRead(ValueError):
    """Why a table's cells cannot be placed."""


def width(text: str) -> int:
    """Display columns: a wide or full-width character (east_asian_width W or F) counts two. Every
    line of a document is measured, so the characters' widths are looked up and counted in C."""
    if text.isascii():
        return len(text)
    widths = list(map(unicodedata.east_asian_width, text))
    return len(text) + widths.count("W") + widths.count("F")


@dataclass
class Token:
    text: str  # as printed
    start: int  # display column
    end: int

    @property
    def norm(self) -> str:
        return normalize_line(self.text).strip()


def is_figure(text: str) -> bool:
    return bool(FIGURE.match(text.replace(" ", "")))


_GAP = re.compile(r"(?:[ \u3000]{2,}|\u3000)")


def spaced_tokens(raw: str, measure=None) -> tuple[list[Token], bool]:
    """The cells of a line (display columns) and whether two of them are apart by two or more
    spaces (an aligned layout)."""
    measure = measure or width
    tokens: list[Token] = []
    text = raw.rstrip()
    position = 0
    for piece in _GAP.split(text):
        at = text.index(piece, position) if piece else position
        if piece.strip():
            stripped = piece.strip()
            offset = at + piece.index(stripped)
            start = measure(text[:offset])
            tokens.append(Token(stripped, start, start + measure(stripped)))
        position = at + len(piece)
    tokens = _join_spread_words(tokens)
    aligned = len(tokens) > 1
    split: list[Token] = []
    for token in tokens:
        split.extend(_split_single(token, measure))
    return split, aligned


_SPREAD_GAP = 4  # display columns: a two-character label padded to the column's width (地  区, 全  省)


def _is_lone_han(text: str) -> bool:
    return len(text) == 1 and unicodedata.east_asian_width(text) in "WF" and "\u4e00" <= text <= "\u9fff"


def _join_spread_words(tokens: list[Token]) -> list[Token]:
    """Two single Chinese characters printed apart to fill a column's width (地  区, 全  省, 合  计) are
    one word: typesetters pad a two-character label so the column lines up. A lone character next to
    another lone character a few columns away is not a cell of its own; a lone character after a
    longer cell (a unit column's 人) stays a cell."""
    joined: list[Token] = []
    for token in tokens:
        previous = joined[-1] if joined else None
        if previous is not None and _is_lone_han(token.text) and token.start - previous.end <= _SPREAD_GAP \
                and _is_lone_han(previous.text):
            joined[-1] = Token(previous.text + token.text, previous.start, token.end)
        else:
            joined.append(token)
    return joined


def _split_single(token: Token, measure=None) -> list[Token]:
    """A cell holding single spaces split at them, except after a colon (其中： 城镇…) or between
    Latin words (GDP growth)."""
    parts = token.text.split(" ")
    if len(parts) == 1:
        return [token]
    merged = [parts[0]]
    for part in parts[1:]:
        if merged[-1].endswith((":", "：")) or (merged[-1][-1:].isascii() and merged[-1][-1:].isalpha()
                                                 and part[:1].isascii() and part[:1].isalpha()):
            merged[-1] += " " + part
        else:
            merged.append(part)
    measure = measure or width
    tokens, column = [], token.start
    for part in merged:
        tokens.append(Token(part, column, column + measure(part)))
        column += measure(part) + 1
    return tokens


def aligned_cells(raw: list[str], header: list[int], numbers: list[int], data: list[int]) -> dict[int, list[str] | None]:
    """The cells of every line of an aligned block, in columns found from the figure rows (None
    for a row whose cells fall between them). The character positions are counted two ways, a
    CJK character two columns wide (a monospaced rendering) or one (pdftotext -layout counts
    characters); the one that places more rows, then whose columns line up more tightly, is kept."""
    best: tuple[tuple[int, int], dict[int, list[str] | None]] | None = None
    problem: NotRead | None = None
    for measure in (width, len):
        tokens = {n: spaced_tokens(raw[n - 1], measure)[0] for n in [*header, *numbers]}
        columns = max(len(tokens[n]) for n in data)
        full = [tokens[n] for n in data if len(tokens[n]) == columns]
        try:
            spans = _column_spans(full)
            placed: dict[int, list[str] | None] = {n: _by_position(tokens[n], spans, n) for n in header}
        except NotRead as exc:
            problem = exc
            continue
        for n in numbers:
            try:
                placed[n] = _by_position(tokens[n], spans, n)
            except NotRead:
                placed[n] = None
        slack = sum(end - start - max(row[i].end - row[i].start for row in full)
                    for i, (start, end) in enumerate(spans))
        score = (sum(cells is None for cells in placed.values()), slack)
        if best is None or score < best[0]:
            best = (score, placed)
    if best is None:
        raise problem or NotRead("its columns could not be found")
    return best[1]


def _column_spans(rows: list[list[Token]]) -> list[tuple[int, int]]:
    """Each column's extent: the union of its cells' extents over the rows with every cell."""
    spans = [(min(r[i].start for r in rows), max(r[i].end for r in rows)) for i in range(len(rows[0]))]
    for (_s, end), (start, _e) in zip(spans, spans[1:]):
        if start <= end:
            raise NotRead("its columns overlap (the cells are not aligned)")
    return spans


def _by_position(tokens: list[Token], spans: list[tuple[int, int]], line: int) -> list[str]:
    """Each cell in the column it overlaps most (else the nearest)."""
    cells = [""] * len(spans)
    for token in tokens:
        def fit(index: int) -> tuple[int, float]:
            start, end = spans[index]
            overlap = min(end, token.end) - max(start, token.start)
            centre = abs((start + end) / 2 - (token.start + token.end) / 2)
            return (overlap, -centre)
        index = max(range(len(spans)), key=fit)
        if cells[index]:
            raise NotRead(f"line {line}: two cells ({cells[index]!r}, {token.text!r}) fall in one column")
        cells[index] = token.text
    return cells


def by_count(tokens: list[Token], columns: int, line: int, top: bool, kinds: list[bool] | None = None) -> list[str]:
    """Cells separated by single spaces: a full row as is; a shorter one lacks its leading cells,
    except a header's top line, whose last cell is a group over the columns after it. A shorter
    row whose figures would then fall in a column of words, or words in a column of figures, lacks
    a cell elsewhere: which one cannot be told, and the row is not placed."""
    texts = [token.text for token in tokens]
    if len(texts) > columns:
        raise NotRead(f"line {line} has {len(texts)} cells, the table {columns}")
    missing = [""] * (columns - len(texts))
    cells = texts + missing if top else missing + texts
    if kinds and len(texts) < columns and any(
            cell and _figure_like(cell) != kind for cell, kind in zip(cells, kinds) if kind is not None):
        raise NotRead(f"its {len(texts)} cells cannot be matched to the table's {columns} columns (a cell left "
                       "empty, not the leading one)")
    return cells


def _figure_like(text: str) -> bool:
    norm = normalize_line(text).strip()
    return is_figure(norm) or norm in PLACEHOLDER


def column_kinds(full_rows: list[list[str]]) -> list[bool | None]:
    """Per column: True when the full rows hold figures there, False words, None both."""
    kinds: list[bool | None] = []
    for cells in zip(*full_rows):
        figures = {_figure_like(cell) for cell in cells if cell}
        kinds.append(figures.pop() if len(figures) == 1 else None)
    return kinds
