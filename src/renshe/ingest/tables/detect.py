"""Finding the tables of a document from their printed layout, without a layout in data/tables.yaml.

A converted document prints a table in one of two flattened ways:

* ``tab``: one row per line, cells separated by tabs;
* ``cell_lines`` (a Word dump): one cell per line, each starting with a tab, a blank line
  between rows, a header cell broken over two lines continuing without a tab.

A table is a header row of two or more cells followed by at least one row of the same width
(a section row such as "一、就业" prints only its first cell). Its title is the short line
above it (表1 …, 专栏2 …, …主要指标, …分解表), skipping a 单位：… line; a table printed without
one is named after its header's line. The header's cells say what each column holds
(renshe.ingest.tables.headers).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from renshe.errors import RensheError
from renshe.ingest.documents import Document
from renshe.ingest.infer import infer_period
from renshe.ingest.tables.headers import DocumentTime, header_key, infer_columns
from renshe.periods import parse_period
from renshe.ingest.tables.layouts import TableSpec
from renshe.ingest.documents import is_page_number
from renshe.ingest.tables.printed import TITLE_MAX, UNIT_NOTE, Row, header_names, read_rows, text_blocks

_TITLE_NUMBER = re.compile(r"^\s*(?:(附)?表|(专栏))\s*(\d+|[一二三四五六七八九十]+)(?![\d一二三四五六七八九十])")
_NUMERALS = "一二三四五六七八九"
_SENTENCE_END = ("。", "；", ";", "：", ":")
HEADER_CELL_MAX = 30  # characters: a header cell is a label, a longer cell is running text
_FIGURE = re.compile(r"^[〔\[(<>≥≤~约+-]*\d[\d.,%]*$")
_YEAR_CELL = re.compile(r"^(?:19|20)\d{2}$")  # a bare year heads a column (yearbooks print 2021, not 2021年)
_LEADER = re.compile(r"(?:\.{3,}|…{2,}|·{3,})\s*$")


@dataclass(frozen=True)
class Found:
    spec: TableSpec
    header_line: int
    problem: str = ""  # why a block that looks like a table cannot be read ('' when it can)
    lines: range = range(0)  # the lines of a table not read



def _titled(time: DocumentTime, title: str) -> DocumentTime:
    """The document's time with the period the table's title names, when that is one within a year
    (2023年1-9月, 2023年上半年, 2022年): a column whose header names no time is of that period."""
    period = parse_period(infer_period(title) or "") if title else None
    if period is None or not period.is_point_year:
        return time
    return replace(time, title_period=period.text)


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.split("\t")]


def _names_columns(cells: list[str]) -> bool:
    """A header names its columns: a first cell, short labels (not sentences: Word dumps indent
    prose with a tab too), no cell a figure, no page number after leader dots (a table of
    contents: "一、发展基础……\t4")."""
    return bool(cells[0]) and not any(_FIGURE.match(cell) and not _YEAR_CELL.match(cell) for cell in cells[1:] if cell) \
        and not _LEADER.search(cells[0]) \
        and all(len(cell) <= HEADER_CELL_MAX and not cell.endswith(_SENTENCE_END) for cell in cells)


def _tab_header_at(lines: list[str], number: int) -> int | None:
    """Width of a tab table whose header is line `number` (1-based), or None."""
    header = _cells(lines[number - 1])
    if "\t" not in lines[number - 1] or sum(bool(c) for c in header) < 2 or not _names_columns(header):
        return None
    for following in lines[number:]:
        if not following.strip() or is_page_number(following):
            continue
        return len(header) if "\t" in following and sum(bool(c) for c in _cells(following)) >= 1 else None
    return None


def _cell_block(raw_lines: list[str], number: int) -> tuple[list[str], int]:
    """(the cells, first line after the block) of the one-cell-per-line block starting at `number`."""
    cells: list[str] = []
    line = number
    while line <= len(raw_lines) and raw_lines[line - 1].strip():
        if raw_lines[line - 1].startswith("\t"):
            cells.append(raw_lines[line - 1].strip())
        line += 1
    return cells, line


def _cell_header_at(raw_lines: list[str], number: int) -> int | None:
    """Width of a one-cell-per-line table whose header block starts at line `number`, or None."""
    raw = raw_lines[number - 1]
    if not raw.startswith("\t") or raw.startswith("\t\t") or (number > 1 and raw_lines[number - 2].strip()):
        return None
    header, after = _cell_block(raw_lines, number)
    width = len(header)
    if width < 2 or not _names_columns(header):
        return None
    line = after
    while line <= len(raw_lines):  # the next block of cells: as wide, or a one-cell section row
        if raw_lines[line - 1].strip() and not is_page_number(raw_lines[line - 1]):
            if not raw_lines[line - 1].startswith("\t"):
                return None
            cells, line = _cell_block(raw_lines, line)
            if len(cells) >= 2:  # a row (as wide as the header, or not: then the header is wrong)
                return width
            if len(cells) != 1:
                return None
        line += 1
    return None


def _title_above(document: Document, header_line: int) -> int:
    """The title line above a header (skipping blanks and a unit note), else the line just above."""
    number = header_line - 1
    while number >= 1:
        text = document.normalized_lines[number - 1].strip()
        if text and not UNIT_NOTE.match(text):
            break
        number -= 1
    if number < 1:
        return header_line - 1
    text = header_key(document.normalized_lines[number - 1])
    if len(text) <= TITLE_MAX and not text.endswith(_SENTENCE_END):
        return number
    return header_line - 1


def _table_id(title: str, header_line: int, taken: set[str]) -> str:
    match = _TITLE_NUMBER.match(title)
    if match:
        prefix = "zhuanlan" if match.group(2) else ("annex_table" if match.group(1) else "table")
        table_id = f"{prefix}{_arabic(match.group(3))}"
    else:
        table_id = f"table_l{header_line}"
    while table_id in taken:
        table_id += "_b"
    return table_id


def _arabic(number: str) -> str:
    """'四' -> '4', '十二' -> '12' (table ids stay ASCII); digits stay as printed."""
    if number.isdigit():
        return number
    tens, _, units = number.rpartition("十")
    value = (_NUMERALS.index(tens) + 1 if tens else 1) * 10 if "十" in number else 0
    return str(value + (_NUMERALS.index(units) + 1 if units else 0))


def find_tables(document: Document, covered: set[int], taken: set[str]) -> list[Found]:
    """Every table of the document whose header is not on a `covered` line (tables read by a
    layout of data/tables.yaml); `taken` holds the table ids already used in the document."""
    time = DocumentTime.of(document.entry)
    raw_lines, lines = document.raw_lines, document.normalized_lines
    blocks = text_blocks(document)
    found: list[Found] = []
    number = 1
    while number <= len(lines):
        layout, block = None, None
        if number not in covered:
            if _tab_header_at(lines, number):
                layout = "tab"
            elif _cell_header_at(raw_lines, number):
                layout = "cell_lines"
            elif number in blocks and not covered.intersection(blocks[number].lines):
                block = blocks[number]
                layout = block.layout
        if layout is None:
            number += 1
            continue
        title_line = _title_above(document, number)
        title = lines[title_line - 1] if title_line >= 1 else ""
        table_id = _table_id(title, number, taken)
        taken.add(table_id)
        if block is not None and block.problem:
            spec = TableSpec(table_id, "", layout, (), at_line=max(title_line, 0))
            found.append(Found(spec, number, block.problem, range(max(title_line, 1), block.end)))
            number = block.end
            continue
        rows, end = read_rows(document, layout, number)
        end_line = end or len(lines) + 1
        try:
            header_rows = 2 if _second_header(rows) else 1
            _check_width(document, rows, header_rows, number)
            names = header_names(rows[:header_rows])
            spec = TableSpec(table_id, "", layout, infer_columns(names, _titled(time, title)), header_rows,
                             at_line=max(title_line, 0))
        except RensheError as exc:
            spec = TableSpec(table_id, "", layout, (), at_line=max(title_line, 0))
            found.append(Found(spec, number, exc.message, range(max(title_line, 1), end_line)))
        else:
            found.append(Found(spec, number, lines=range(max(title_line, 1), end_line)))
        number = end_line
    return found


def _check_width(document: Document, rows: list[Row], header_rows: int, header_line: int) -> None:
    """A header as wide as its rows: one that lost a cell would file every figure a column off."""
    widths = Counter(len(row.cells) for row in rows[header_rows:] if sum(bool(t) for t in row.texts()) > 1)
    if widths:
        width, _ = widths.most_common(1)[0]
        if width != len(rows[0].cells):
            raise document.error(f"table at line {header_line}: the header has {len(rows[0].cells)} cells, "
                                 f"its rows {width}", header_line)


def _second_header(rows: list[Row]) -> bool:
    """A second header row: under a merged top cell, its first cell empty and no figure in it but
    bare years ("\t\t区县级\t公益性机构…" under "辖区\t零工市场\t\t…"; "地区\t2021\t2022" under
    "地区\t城镇新增就业（万人）\t城镇新增就业（万人）")."""
    if len(rows) < 3 or len(rows[1].cells) != len(rows[0].cells):
        return False
    texts, top = rows[1].texts(), rows[0].texts()
    # the readers of Word, HTML and PDF tables repeat a merged cell in every row and column it
    # spans: a label cell merged down both header rows is printed again in the second
    repeated = bool(texts[0]) and texts[0] == top[0] and any(t != u for t, u in zip(texts[1:], top[1:]))
    return (not texts[0] or repeated) and any(texts[1:]) \
        and not any(_FIGURE.match(text) and not _YEAR_CELL.match(text) for text in texts)
