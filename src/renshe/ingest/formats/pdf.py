"""PDF with pdfplumber (pdfminer) on the text layer.

Each page's words are grouped into lines by position. Tables are found from their ruling lines
(pdfplumber's table finder) and, where a table has no rules, from the alignment of its words: a
run of lines whose words stand in two or more columns separated by wide gaps. Both are written as
tab rows. Left out, each with its reason: a line repeated in the top or bottom margin of most
pages (a running header or footer), a page number, chart text (axis labels and figures glued
without words, or lines of bare numbers inside a chart's area). Traditional characters stay as
printed. A page without a text layer (a scan) is an error naming the file and page.
"""
from __future__ import annotations

import io
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from renshe.errors import RensheError
from renshe.ingest.formats.model import Cell, Origin, ReadResult, cell_text

COLUMN_GAP = 1.2  # a gap of this many font sizes between words separates columns
MARGIN = 0.1  # the top and bottom tenth of a page hold its running header and footer
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_EDGE = re.compile(r"[0-9A-Za-z%.,]")
_PAGE_NUMBER = re.compile(r"^\s*(?:[-—–－·•]?\s*\d{1,4}\s*[-—–－·•]?|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
                          r"|\d{1,4}\s*/\s*\d{1,4}|(?:page|p\.)\s*\d{1,4}(?:\s*of\s*\d{1,4})?)\s*$", re.I)
# figures glued to each other or to stray letters: 51.2%o.UU.U7t80.0%49.9%
_GLUED = re.compile(r"%[\dA-Za-z.]|\d[A-Za-z]{1,3}\d|[A-Za-z]\.[A-Za-z]|\d\.\d+\.\d")
_FIGURE_TOKEN = re.compile(r"^[-+]?\d[\d.,]*%?$")


@dataclass
class _Line:
    words: list[dict]
    top: float
    bottom: float
    size: float
    segments: list[list[dict]] = field(default_factory=list)

    @property
    def x0(self) -> float:
        return self.words[0]["x0"]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (round(self.words[0]["x0"], 1), round(self.top, 1), round(max(w["x1"] for w in self.words), 1),
                round(self.bottom, 1))

    def text(self, separator: str = " ") -> str:
        return separator.join(_join(segment) for segment in self.segments)


@dataclass
class _Item:
    """What a page prints at a height: a line of text, or a table's rows."""

    top: float
    line: _Line | None = None
    rows: list[list[Cell]] | None = None  # a table: its cells, row by row
    origin: Origin | None = None
    left_out: str = ""  # the reason, when the line is furniture


def read_pdf(path: Path, data: bytes) -> ReadResult:
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except (PDFSyntaxError, ValueError, TypeError) as exc:
        raise RensheError(f"not a readable PDF ({type(exc).__name__}: {exc})", path) from exc
    result = ReadResult("pdf")
    pages: list[tuple[float, list[_Item]]] = []
    with pdf:
        for number, page in enumerate(pdf.pages, start=1):
            pages.append((float(page.height), _page_items(page, number, path)))
    _mark_margins(pages)
    for number, (_, items) in enumerate(pages, start=1):
        for item in items:
            if item.rows is not None:
                result.add_table([cell for row in item.rows for cell in row], item.origin)
            elif item.left_out:
                result.leave_out(item.line.text(), item.left_out, item.origin)
            else:
                result.add(item.line.text(), item.origin)
    return result


def _page_items(page, number: int, path: Path) -> list[_Item]:
    words = page.extract_words(x_tolerance=3, y_tolerance=3, keep_blank_chars=False, use_text_flow=False)
    if not any(w["text"].strip() for w in words):
        if page.images:
            raise RensheError(
                f"page {number} has no text layer (a scanned image): this reader needs the PDF's text; "
                + ("tesseract is installed: OCR the file first (ocrmypdf -l chi_sim in.pdf out.pdf)"
                   if shutil.which("tesseract") else "OCR it first (e.g. ocrmypdf -l chi_sim), then register the result"),
                path)
        return []
    items: list[_Item] = []
    boxes = []
    if page.lines or page.rects:  # ruled tables need rules: skip the finder on pages without any
        for table in page.find_tables():
            boxes.append(table.bbox)
            rows = _ruled_rows(table, words, number)
            if rows:
                items.append(_Item(table.bbox[1], rows=rows, origin=_origin(number, table.bbox)))
    free = [w for w in words if not any(_inside(w, box) for box in boxes)]
    chart = _chart_area(page, boxes)
    lines = _lines(free)
    items.extend(_aligned_tables(lines, number, chart, float(page.height)))
    return sorted(items, key=lambda item: item.top)


def _origin(number: int, bbox) -> Origin:
    x0, top, x1, bottom = (round(float(v), 1) for v in bbox)
    return Origin(page=number, y=top, bbox=(x0, top, x1, bottom))


def _inside(word: dict, box) -> bool:
    cx, cy = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def _lines(words: list[dict]) -> list[_Line]:
    """Words grouped into lines: a word whose middle lies within the current line's height joins it."""
    lines: list[_Line] = []
    for word in sorted(words, key=lambda w: (round(w["top"], 0), w["x0"])):
        middle = (word["top"] + word["bottom"]) / 2
        if lines and lines[-1].top <= middle <= lines[-1].bottom:
            lines[-1].words.append(word)
            lines[-1].bottom = max(lines[-1].bottom, word["bottom"])
        else:
            lines.append(_Line([word], word["top"], word["bottom"], word["bottom"] - word["top"]))
    for line in lines:
        line.words.sort(key=lambda w: w["x0"])
        line.size = max(w["bottom"] - w["top"] for w in line.words)
        line.segments = _segments(line)
    return lines


def _segments(line: _Line) -> list[list[dict]]:
    """The line's words in runs separated by gaps wider than COLUMN_GAP font sizes (columns)."""
    segments = [[line.words[0]]]
    for word in line.words[1:]:
        if word["x0"] - segments[-1][-1]["x1"] >= COLUMN_GAP * line.size:
            segments.append([word])
        else:
            segments[-1].append(word)
    return segments


def _join(words: list[dict]) -> str:
    """Words of one run: a space where the PDF had one between Latin letters or figures."""
    text = words[0]["text"]
    for before, word in zip(words, words[1:]):
        if _LATIN_EDGE.match(text[-1]) and _LATIN_EDGE.match(word["text"][0]):
            text += " "
        text += word["text"]
    return text


def _ruled_rows(table, words: list[dict], number: int) -> list[list[Cell]]:
    """A ruled table's cells in its grid: the distinct x and y of the cells' edges are the grid's
    lines, a cell spanning several is merged; its text is the words whose middle it holds."""
    boxes = [tuple(float(v) for v in c) for c in table.cells]
    xs, ys = _snap([b[0] for b in boxes] + [b[2] for b in boxes]), _snap([b[1] for b in boxes] + [b[3] for b in boxes])
    rows: dict[int, list[Cell]] = {}
    for box in boxes:
        c0, c1, r0, r1 = _index(xs, box[0]), _index(xs, box[2]), _index(ys, box[1]), _index(ys, box[3])
        inside = [w for w in words if _inside(w, box)]
        text = cell_text([ln.text("") for ln in _lines(inside)]) if inside else ""
        rows.setdefault(r0, []).append(Cell(r0, c0, text, max(1, r1 - r0), max(1, c1 - c0), _origin(number, box)))
    return [sorted(rows[r], key=lambda c: c.col) for r in sorted(rows)]


def _snap(values: list[float], tolerance: float = 2.0) -> list[float]:
    snapped: list[float] = []
    for value in sorted(values):
        if not snapped or value - snapped[-1] > tolerance:
            snapped.append(value)
    return snapped


def _index(grid: list[float], value: float) -> int:
    return min(range(len(grid)), key=lambda i: abs(grid[i] - value))


def _chart_area(page, table_boxes) -> tuple[float, float, float, float] | None:
    """Where the page draws a chart: the extent of its filled shapes and curves outside the tables."""
    shapes = [s for s in page.rects if s.get("fill") and not any(_inside(s, box) for box in table_boxes)]
    shapes += list(page.curves)
    if not shapes:
        return None
    # axis labels stand beside the plot: a few characters to its left and right, a line above and below
    return (min(s["x0"] for s in shapes) - 50, min(s["top"] for s in shapes) - 20,
            max(s["x1"] for s in shapes) + 50, max(s["bottom"] for s in shapes) + 20)


def chart_text(text: str) -> bool:
    """Chart labels read as one line: figures glued to each other or to stray letters, no word."""
    return not _CJK.search(text) and sum(ch.isdigit() for ch in text) >= 2 and bool(_GLUED.search(text))


def _aligned_tables(lines: list[_Line], number: int, chart, height: float) -> list[_Item]:
    """Lines as items; a run of lines printed in two or more aligned columns is one table (never a
    line in the page's margins: a running footer is not the last row of a table above it)."""
    items: list[_Item] = []
    start = 0
    while start < len(lines):
        end = start
        while end < len(lines) and len(lines[end].segments) >= 2 and not _furniture_line(lines[end], chart) \
                and not (lines[end].top < height * MARGIN or lines[end].bottom > height * (1 - MARGIN)):
            end += 1
        block = lines[start:end]
        columns = _columns(block) if len(block) >= 2 else []
        if len(columns) >= 2:
            rows = [[Cell(r, c, text, origin=_origin(number, line.bbox)) for c, text in enumerate(_place(line, columns))]
                    for r, line in enumerate(block)]
            items.append(_Item(block[0].top, rows=rows, origin=_origin(number, block[0].bbox)))
            start = end
            continue
        line = lines[start]
        items.append(_Item(line.top, line=line, origin=_origin(number, line.bbox), left_out=_furniture_line(line, chart)))
        start += 1
    return items


def _furniture_line(line: _Line, chart) -> str:
    text = line.text()
    if chart_text(text):
        return "chart text: figures glued without words (labels of a chart)"
    if chart and not _CJK.search(text) and all(_FIGURE_TOKEN.match(w["text"]) for w in line.words) \
            and all(_inside(w, chart) for w in line.words):
        return "chart text: bare figures inside a chart's area (axis labels)"
    return ""


def _columns(block: list[_Line]) -> list[tuple[float, float]]:
    """The columns of an aligned block: the x-extents of its runs of words, merged where they overlap
    or stand closer than a column gap (a left-aligned header over right-aligned figures)."""
    spans = sorted((seg[0]["x0"], seg[-1]["x1"]) for line in block for seg in line.segments)
    gap = COLUMN_GAP * min(line.size for line in block)
    columns: list[list[float]] = []
    for x0, x1 in spans:
        if columns and x0 < columns[-1][1] + gap:
            columns[-1][1] = max(columns[-1][1], x1)
        else:
            columns.append([x0, x1])
    return [tuple(c) for c in columns]


def _place(line: _Line, columns: list[tuple[float, float]]) -> list[str]:
    cells = [""] * len(columns)
    for segment in line.segments:
        x0 = segment[0]["x0"]
        index = next(i for i, (a, b) in enumerate(columns) if a <= x0 <= b)
        cells[index] = cell_text([cells[index], _join(segment)])
    return cells


def _mark_margins(pages: list[tuple[float, list[_Item]]]) -> None:
    """Page numbers, and lines repeated in the top or bottom margin of most pages (digits aside:
    "第3页" is the same footer as "第4页"), are page furniture."""
    margin_keys: Counter[str] = Counter()
    for height, items in pages:
        keys = {_key(item) for item in items if item.line is not None and _in_margin(item, height)}
        margin_keys.update(keys)
    repeated = max(2, (len(pages) + 1) // 2)
    for height, items in pages:
        for item in items:
            if item.line is None or item.left_out or not _in_margin(item, height):
                continue
            text = item.line.text()
            where = "header" if item.top < height / 2 else "footer"
            if _PAGE_NUMBER.match(text):
                item.left_out = "page number"
            elif len(pages) >= 2 and margin_keys[_key(item)] >= repeated:
                item.left_out = f"running page {where} (on {margin_keys[_key(item)]} of {len(pages)} pages)"


def _in_margin(item: _Item, height: float) -> bool:
    return item.top < height * MARGIN or item.line.bottom > height * (1 - MARGIN)


def _key(item: _Item) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", item.line.text()))
