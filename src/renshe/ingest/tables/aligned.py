"""Tables printed as text without tabs: pipe-delimited rows and space-aligned columns.

A converted document prints a table in one of these text layouts besides tabs and Word dumps:

* ``pipe``: ``| 指标 | 2021年 | 2022年 |`` (markdown, with or without a ``|---|`` rule row) or a
  yearbook's ``年份 | 城镇新增就业（万人） | …`` without outer pipes;
* ``spaced``: space-aligned columns as ``pdftotext -layout`` writes them, or cells separated by
  single spaces (``就业 城镇调查失业率（%） 5.2 <5.5 预期性``).

A space-aligned line is split into cells at runs of two or more spaces; the columns are found
as pdfplumber's text strategy finds them, from where the cells of the figure rows sit across the
block (character positions counted in display columns: a CJK character is two wide,
unicodedata.east_asian_width), so a cell printed only on a group's first row (类别), an empty
leading cell or a centred header falls in its column by position. Cells separated by single
spaces are split at every space (never inside a number: a figure has none); a row with fewer
cells than the table lacks its leading ones (a category printed only on the group's first row).

The header is the one or two label lines above the first figure row: a second line whose cells
stand under cells of the first continues them (a header wrapped in its cell: 计量 / 单位 is
计量单位); one with a cell under an empty top cell is a second header row, the top cell a group
over the sub-columns (2022年 over 绝对数 and 比上年增长%), named as ``2022年/绝对数``.

A block with figure rows that cannot be read this way (no header above the figures, cells that
fall between columns) is returned with its `problem`, to be reported, never silently dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from renshe.ingest.documents import Document, is_page_number, normalize_line
from renshe.ingest.tables.columns import (NotRead, aligned_cells, by_count, column_kinds, spaced_tokens,
                                          is_figure, width)

_YEAR = re.compile(r"^(?:19|20)\d{2}年?$")
_RULE_CELL = re.compile(r"^:?-{3,}:?$")
_PROSE = re.compile(r"[，。；！？]|[,;]\s")
_TITLE = re.compile(r"^\s*(?:(?:附)?表|专栏)\s*[\d一二三四五六七八九十]|^\s*\d+-\d+\s|^\s*单位\s*[:：]")
CELL_MAX = 60  # display columns (30 CJK characters): a longer cell is running text, not a table cell
LABEL_HEADER_WORDS = ("指标", "项目", "名称", "类别", "分类", "地区", "区域", "年份", "年度", "市", "县", "区",
                      "单位", "属性", "序号")


def pipe_cells(raw: str) -> list[str] | None:
    """The cells of a pipe-delimited row, None when the line is not one."""
    text = raw.strip()
    if text.count("|") < 1 or "\t" in raw:
        return None
    cells = [cell.strip() for cell in text.split("|")]
    if text.startswith("|"):
        cells = cells[1:]
    if text.endswith("|"):
        cells = cells[:-1]
    return cells if len(cells) >= 2 else None


def _is_rule(cells: list[str]) -> bool:
    return all(_RULE_CELL.match(cell.replace(" ", "")) for cell in cells if cell) and any(cells)


@dataclass
class Block:
    layout: str  # pipe | spaced (| tab: only a block of tab rows without a header, to be reported)
    start: int  # first header line (or first line of the block when it has no header)
    end: int  # first line after the block
    rows: list[list[tuple[str, int]]] = field(default_factory=list)  # cells (as printed, line)
    header_rows: int = 1
    problem: str = ""
    unplaced: list[tuple[int, str]] = field(default_factory=list)  # (line, why): rows whose cells fit no column

    @property
    def lines(self) -> range:
        return range(self.start, self.end)


def _figure_row(cells: list[str]) -> bool:
    """A row of a table: short cells, at least one a figure, not a sentence."""
    norm = [normalize_line(cell).strip() for cell in cells]
    return (len(norm) >= 2 and any(is_figure(c) for c in norm)
            and all(width(c) <= CELL_MAX for c in norm) and not any(_PROSE.search(c) for c in norm))


def _label_line(cells: list[str]) -> bool:
    """A header line: short labels (bare years allowed), no figure but years, not a sentence."""
    norm = [normalize_line(cell).strip() for cell in cells if cell.strip()]
    return (bool(norm) and all(width(c) <= CELL_MAX and not _PROSE.search(c) for c in norm)
            and all(_YEAR.match(c) or not is_figure(c) for c in norm) and not _TITLE.match(" ".join(cells)))


def _cells_of(raw: str, layout: str) -> list[str] | None:
    if layout == "tab":  # only to report tab rows without a header (detect reads those with one)
        return [cell.strip() for cell in raw.split("\t") if cell.strip()] if "\t" in raw else None
    if not raw.strip() or "\t" in raw or is_page_number(raw):
        return None
    if layout == "pipe":
        cells = pipe_cells(raw)
        return None if cells is None or _is_rule(cells) else cells
    if "|" in raw:
        return None
    return [token.text for token in spaced_tokens(raw)[0]]


def find_blocks(document: Document) -> list[Block]:
    """Every pipe or space table of the document (tab and Word-dump tables are found elsewhere)."""
    raw = document.raw_lines
    blocks: list[Block] = []
    number = 1
    while number <= len(raw):
        block = None
        for layout in ("pipe", "spaced", "tab"):
            cells = _cells_of(raw[number - 1], layout)
            if cells is not None and _figure_row(cells):
                block = _block_at(document, number, layout)
                if block:
                    break
        if block is None:
            number += 1
            continue
        blocks.append(block)
        number = block.end
    return blocks


def _rows_from(document: Document, first: int, layout: str) -> tuple[list[tuple[int, list[str]]], int]:
    """The figure rows (and label-only rows between them) from line `first`; the line after them."""
    raw = document.raw_lines
    rows: list[tuple[int, list[str]]] = []
    number, last_figure = first, first
    aligned = _aligned(raw[first - 1], layout)
    after_blank = False
    while number <= len(raw):
        line = raw[number - 1]
        if not line.strip() or is_page_number(line) or (layout == "pipe" and pipe_cells(line) and _is_rule(pipe_cells(line))):
            number += 1
            after_blank = after_blank or not line.strip()
            continue
        cells = _cells_of(line, layout)
        if cells is None:
            break
        if _figure_row(cells):
            if _aligned(line, layout) != aligned:
                break  # aligned rows and rows of single spaces are two tables
            last_figure = number
        elif rows and rows[-1][0] == last_figure and len(cells) == 1 and _open_bracket(rows[-1][1]):
            last_figure = number  # the end of a label wrapped in its cell
        elif after_blank or not (_label_line(cells) and len([c for c in cells if c.strip()]) <= 2):
            break  # after a blank line only figure rows carry the table on
        after_blank = False
        rows.append((number, cells))
        number += 1
    rows = [(n, cells) for n, cells in rows if n <= last_figure]
    return rows, last_figure + 1


def _aligned(raw: str, layout: str) -> bool:
    return layout == "spaced" and spaced_tokens(raw)[1]


HEADER_LINES = 3  # a header wrapped over up to three lines


def _header_above(document: Document, first: int, layout: str) -> list[int]:
    """The header lines just above the first figure row (no blank line between). A top line of one
    cell is kept only in an aligned table, where its position tells a group header over some
    columns from a title (decided in _lay_out)."""
    lines: list[int] = []
    number = first - 1
    while number >= 1 and len(lines) < HEADER_LINES:
        line = document.raw_lines[number - 1]
        if layout == "pipe" and pipe_cells(line) and _is_rule(pipe_cells(line)):
            number -= 1
            continue
        cells = _cells_of(line, layout)
        if cells is None or not _label_line(cells):
            break
        lines.insert(0, number)
        number -= 1
    aligned = _aligned(document.raw_lines[first - 1], layout)
    while lines and len(_cells_of(document.raw_lines[lines[0] - 1], layout) or []) < 2 \
            and not (aligned and len(lines) > 1):
        lines.pop(0)  # a top line of one cell is a title, not the header
    return lines


def _block_at(document: Document, first: int, layout: str) -> Block | None:
    rows, end = _rows_from(document, first, layout)
    figure_rows = [cells for _n, cells in rows if _figure_row(cells)]
    header = _header_above(document, first, layout)
    looks_like_table = len(figure_rows) >= 3 and min(sum(is_figure(normalize_line(c).strip()) for c in cells)
                                                       for cells in figure_rows) >= 2
    if not header:
        if looks_like_table:
            return Block(layout, first, end, problem="no header row of labels above its figure rows")
        return None
    if layout == "tab":
        # a tab table is read by renshe.ingest.tables.detect from its header line, before this
        # block's first figure row is reached; a block reached is one whose header it did not take
        return Block(layout, first, end, problem=f"line {header[-1]} above its figure rows was not taken for "
                                                 "a header (a cell too long, a sentence, a figure in it)")
    if layout == "spaced" and len(figure_rows) < 2 and not looks_like_table:
        return None  # one line of figures under labels is running text more often than a table
    block = Block(layout, header[0], end)
    try:
        _lay_out(document, block, header, rows)
    except NotRead as exc:
        block.rows, block.problem = [], str(exc)
    return block



def _lay_out(document: Document, block: Block, header: list[int], rows: list[tuple[int, list[str]]]) -> None:
    raw = document.raw_lines
    if block.layout == "pipe":
        printed = [(n, pipe_cells(raw[n - 1]) or []) for n in header] + rows
        width_ = max(len(cells) for _n, cells in printed)
        top = printed[0][1]
        if len(top) != width_:
            raise NotRead(f"the header has {len(top)} cells, its rows {width_}")
        block.header_rows = len(header)
        for index, (n, cells) in enumerate(printed):
            if index >= len(header) and len(cells) != width_ and _figure_row(cells):
                block.unplaced.append((n, f"its {len(cells)} cells do not match the table's {width_} columns"))
                continue
            block.rows.append([(cell, n) for cell in cells + [""] * (width_ - len(cells))])
        return
    data = [n for n, cells in rows if _figure_row(cells)]
    if any(spaced_tokens(raw[n - 1])[1] for n in data):
        placed = aligned_cells(raw, header, [n for n, _c in rows], data)
        columns = max(len(cells) for cells in placed.values() if cells)
        block.unplaced += [(n, "its cells fall between the table's columns") for n, _c in rows if placed[n] is None]
    else:
        tokens = {n: spaced_tokens(raw[n - 1])[0] for n in [*header, *(n for n, _c in rows)]}
        columns = max(len(tokens[n]) for n in data)
        placed = {n: by_count(tokens[n], columns, n, index == 0) for index, n in enumerate(header)}
        kinds = column_kinds([[t.text for t in tokens[n]] for n in data if len(tokens[n]) == columns])
        for n, cells in rows:
            try:
                placed[n] = ([tokens[n][0].text] + [""] * (columns - 1) if len(tokens[n]) == 1 and n not in data
                             else by_count(tokens[n], columns, n, False, kinds))
            except NotRead as exc:
                placed[n] = None
                block.unplaced.append((n, str(exc)))
    header = [n for n in header if placed[n] is not None]
    while len(header) > 1 and sum(bool(c) for c in placed[header[0]]) == 1 and placed[header[0]][0]:
        header = header[1:]  # one cell over the first column: a title, not a group over columns
    header_cells, header_lines = _header_rows([placed[n] for n in header], header)
    block.rows = [[(cell, line) for cell in cells] for cells, line in zip(header_cells, header_lines)]
    block.header_rows = len(header_cells)
    numbers = [n for n, _c in rows]
    prefix: list[str] = [""] * columns
    for position, n in enumerate(numbers):
        cells = placed[n]
        if cells is None:
            continue  # set aside with its reason (block.unplaced)
        if n not in data:
            following = placed.get(numbers[position + 1]) if position + 1 < len(numbers) else None
            if _continues(block.rows[-1] if len(block.rows) > block.header_rows else None, cells):
                continue
            if following is not None and numbers[position + 1] in data and _starts(cells, following):
                prefix = [p + c for p, c in zip(prefix, cells)]
                continue
        else:
            cells = [p + c for p, c in zip(prefix, cells)]
            prefix = [""] * columns
        block.rows.append([(cell, n) for cell in cells])


def _header_rows(lines: list[list[str]], numbers: list[int]) -> tuple[list[list[str]], list[int]]:
    """Header lines -> header rows. A line with a cell under an empty cell of the line above starts
    a second row (the cell above is a group over the columns after it: 2022年 over 绝对数 and
    比上年增长); any other line continues the cells above it (a header wrapped in its cells).
    A label cell printed once for both rows (地区 beside 人数 and 比重) stands in the top row too."""
    rows, starts = [list(lines[0])], [numbers[0]]
    for cells, number in zip(lines[1:], numbers[1:]):
        if _closes(rows[-1], cells):
            continue
        if len(rows) == 1 and any(c and not t for c, t in zip(cells, rows[-1])) and any(rows[-1][1:]):
            rows.append(list(cells))
            starts.append(number)
        else:
            rows[-1] = [t + c for t, c in zip(rows[-1], cells)]
    if len(rows) == 2:
        top, sub = rows
        for i in range(1, len(top)):
            spans = i + 1 < len(top) and not top[i + 1] and sub[i + 1]
            if top[i] and sub[i] and not spans:  # not a group over the next column: wrapped in its cell
                top[i], sub[i] = top[i] + sub[i], ""
        if not top[0] and sub[0]:
            top[0] = sub[0]
        if not any(sub[1:]):
            return [top], starts[:1]
    return rows, starts


def _closes(row: list[str], cells: list[str]) -> bool:
    """A line of nothing but a closing bracket ends the cell above that left one open, wherever
    the bracket fell (joined in place)."""
    texts = [c for c in cells if c]
    if len(texts) != 1 or texts[0].strip("）)%") or not _open_bracket(row):
        return False
    index = next(i for i, cell in enumerate(row) if _open_bracket([cell]))
    row[index] += texts[0]
    return True


def _starts(cells: list[str], following: list[str]) -> bool:
    """A line of text cells wrapped above the row they begin (pdftotext prints a cell of two lines
    with its first line above the row's figures): every cell of it begins a cell of the row below
    that is text, and the label among them ends where the row's label cell opens a bracket
    (劳动年龄人口平均受教育年限 / （年）  10.8  11.3)."""
    texts = [(c, f) for c, f in zip(cells, following) if c]
    return bool(texts) and all(f and not is_figure(normalize_line(f).strip()) for _c, f in texts) \
        and any(f.startswith(("（", "(")) for _c, f in texts)


def _open_bracket(cells: list[str]) -> bool:
    return any(cell.count("（") + cell.count("(") > cell.count("）") + cell.count(")") for cell in cells)


def _continues(row: list[tuple[str, int]] | None, cells: list[str]) -> bool:
    """A label wrapped in its cell (城镇新增就业（万 / 人）): a line of one cell after a row whose
    label leaves a bracket open continues that label (joined into the row, in place)."""
    texts = [cell for cell in cells if cell]
    if row is None or len(texts) != 1:
        return False
    for index, (cell, line) in enumerate(row):
        if cell.count("（") + cell.count("(") > cell.count("）") + cell.count(")"):
            row[index] = (cell + texts[0], line)
            return True
    return False
