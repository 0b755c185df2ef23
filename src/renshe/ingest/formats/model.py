"""The one document model every format's reader produces.

A reader turns a published file into text lines with stable 1-based numbers (a table written
as tab-separated rows, one line per row, a merged cell repeated across the columns and rows it
spans, so the table detectors read it like any tab table), one `Origin` per line saying where
in the file it was printed, the tables as cells, and the text it recognised as furniture and
did not read (`left_out`, each with its reason): nothing is dropped without being listed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Origin:
    """Where a line (or a cell) was printed in the published file.

    PDF: `page` (1-based) and `y`, the top of the line in points from the top of the page,
    `bbox` (x0, top, x1, bottom) of its words. Word: `paragraph` (index among the body's
    paragraphs, 0-based) or `table`/`row`/`cell` (0-based). HTML: `element`, the path of the
    element that holds the text (html/body/div[2]/p[3]). A plain text line has only its line.
    """

    page: int = 0
    y: float | None = None
    bbox: tuple[float, float, float, float] | None = None
    paragraph: int | None = None
    table: int | None = None
    row: int | None = None
    cell: int | None = None
    element: str = ""

    def describe(self) -> str:
        parts = []
        if self.page:
            parts.append(f"page {self.page}" + (f" y={self.y:.0f}" if self.y is not None else ""))
        if self.paragraph is not None:
            parts.append(f"paragraph {self.paragraph + 1}")
        if self.table is not None:
            parts.append(f"table {self.table + 1}" + (f" row {self.row + 1}" if self.row is not None else "")
                         + (f" cell {self.cell + 1}" if self.cell is not None else ""))
        if self.element:
            parts.append(self.element)
        return ", ".join(parts)


NO_ORIGIN = Origin()


@dataclass(frozen=True)
class Cell:
    row: int  # 0-based, in the grid of the table
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    origin: Origin = NO_ORIGIN


@dataclass
class TableCells:
    """A table as the format stores it: its cells (with spans) and the lines its rows were written to."""

    index: int
    cells: list[Cell]
    first_line: int = 0  # the 1-based line of its first row
    origin: Origin = NO_ORIGIN

    @property
    def shape(self) -> tuple[int, int]:
        rows = max((c.row + c.rowspan for c in self.cells), default=0)
        cols = max((c.col + c.colspan for c in self.cells), default=0)
        return rows, cols

    def grid(self) -> list[list[str]]:
        """The rows as printed, a merged cell's text repeated in every position it covers."""
        rows, cols = self.shape
        grid = [[""] * cols for _ in range(rows)]
        for cell in self.cells:
            for r in range(cell.row, cell.row + cell.rowspan):
                for c in range(cell.col, cell.col + cell.colspan):
                    grid[r][c] = cell.text
        return grid


@dataclass(frozen=True)
class LeftOut:
    """Text recognised as furniture (a running header, a page number, chart labels, site navigation)."""

    text: str
    reason: str
    origin: Origin = NO_ORIGIN


@dataclass
class ReadResult:
    format: str  # txt | pdf | docx | html
    lines: list[str] = field(default_factory=list)
    origins: list[Origin] = field(default_factory=list)
    tables: list[TableCells] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the reader did that a user should know (OCR)

    def add(self, text: str, origin: Origin = NO_ORIGIN) -> int:
        """Append one line (a line break inside `text` makes more); returns the first's number."""
        first = len(self.lines) + 1
        for piece in text.split("\n"):
            self.lines.append(piece)
            self.origins.append(origin)
        return first

    def add_table(self, cells: list[Cell], origin: Origin = NO_ORIGIN) -> TableCells | None:
        """Write a table's rows as tab-separated lines (merged cells repeated); keep its cells."""
        if not cells:
            return None
        table = TableCells(len(self.tables), cells, len(self.lines) + 1, origin)
        row_origins: dict[int, Origin] = {}
        for cell in cells:
            row_origins.setdefault(cell.row, cell.origin)
        for number, row in enumerate(table.grid()):
            self.add("\t".join(row), row_origins.get(number, origin))
        self.tables.append(table)
        return table

    def leave_out(self, text: str, reason: str, origin: Origin = NO_ORIGIN) -> None:
        text = text.strip()
        if text:
            self.left_out.append(LeftOut(text, reason, origin))


_WORD_EDGE = re.compile(r"[0-9A-Za-z]")


def cell_text(pieces: list[str]) -> str:
    """A cell's text on one line: its lines joined (Chinese needs no space between them, Latin
    words and figures keep one), tabs and runs of spaces folded to one space."""
    text = ""
    for piece in (" ".join(p.split()) for p in pieces):
        if not piece:
            continue
        if text and _WORD_EDGE.match(text[-1]) and _WORD_EDGE.match(piece[0]):
            text += " "
        text += piece
    return text
