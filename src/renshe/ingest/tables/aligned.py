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
import unicodedata
from dataclasses import dataclass, field

from renshe.ingest.documents import Document, is_page_number, normalize_line

FIGURE = re.compile(r"^[〔\[(（<>≥≤~约+\-]*\d[\d.,]*(?:%|‰|(?:万|亿)?(?:人次|人|元|户|家|个|岁|所|项|件|张))?"
                    r"[〕\])）]?(?:以上|以下|左右)?%?$")  # a figure, its unit printed in the cell or not
_YEAR = re.compile(r"^(?:19|20)\d{2}年?$")
_PLACEHOLDER = {"—", "——", "-", "--", "–", "/", "…", "…………"}
_RULE_CELL = re.compile(r"^:?-{3,}:?$")
_PROSE = re.compile(r"[，。；！？]|[,;]\s")
_TITLE = re.compile(r"^\s*(?:(?:附)?表|专栏)\s*[\d一二三四五六七八九十]|^\s*\d+-\d+\s|^\s*单位\s*[:：]")
CELL_MAX = 60  # display columns (30 CJK characters): a longer cell is running text, not a table cell
LABEL_HEADER_WORDS = ("指标", "项目", "名称", "类别", "分类", "地区", "区域", "年份", "年度", "市", "县", "区",
                      "单位", "属性", "序号")


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


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


def _spaced_tokens(raw: str, measure=None) -> tuple[list[Token], bool]:
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
    aligned = len(tokens) > 1
    split: list[Token] = []
    for token in tokens:
        split.extend(_split_single(token, measure))
    return split, aligned


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
    return [token.text for token in _spaced_tokens(raw)[0]]


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
    return layout == "spaced" and _spaced_tokens(raw)[1]


def _header_above(document: Document, first: int, layout: str) -> list[int]:
    """The one or two header lines just above the first figure row (no blank line between)."""
    lines: list[int] = []
    number = first - 1
    while number >= 1 and len(lines) < 2:
        line = document.raw_lines[number - 1]
        if layout == "pipe" and pipe_cells(line) and _is_rule(pipe_cells(line)):
            number -= 1
            continue
        cells = _cells_of(line, layout)
        if cells is None or not _label_line(cells):
            break
        lines.insert(0, number)
        number -= 1
    while lines and len(_cells_of(document.raw_lines[lines[0] - 1], layout) or []) < 2:
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
    except _NotRead as exc:
        block.rows, block.problem = [], str(exc)
    return block


class _NotRead(ValueError):
    pass


def _lay_out(document: Document, block: Block, header: list[int], rows: list[tuple[int, list[str]]]) -> None:
    raw = document.raw_lines
    if block.layout == "pipe":
        printed = [(n, pipe_cells(raw[n - 1]) or []) for n in header] + rows
        width_ = max(len(cells) for _n, cells in printed)
        top = printed[0][1]
        if len(top) != width_:
            raise _NotRead(f"the header has {len(top)} cells, its rows {width_}")
        block.header_rows = len(header)
        for index, (n, cells) in enumerate(printed):
            if index >= len(header) and len(cells) != width_ and _figure_row(cells):
                block.unplaced.append((n, f"its {len(cells)} cells do not match the table's {width_} columns"))
                continue
            block.rows.append([(cell, n) for cell in cells + [""] * (width_ - len(cells))])
        return
    data = [n for n, cells in rows if _figure_row(cells)]
    if any(_spaced_tokens(raw[n - 1])[1] for n in data):
        placed = _aligned_cells(raw, header, [n for n, _c in rows], data)
        columns = max(len(cells) for cells in placed.values() if cells)
        block.unplaced += [(n, "its cells fall between the table's columns") for n, _c in rows if placed[n] is None]
    else:
        tokens = {n: _spaced_tokens(raw[n - 1])[0] for n in [*header, *(n for n, _c in rows)]}
        columns = max(len(tokens[n]) for n in data)
        placed = {n: _by_count(tokens[n], columns, n, index == 0) for index, n in enumerate(header)}
        kinds = _column_kinds([[t.text for t in tokens[n]] for n in data if len(tokens[n]) == columns])
        for n, cells in rows:
            try:
                placed[n] = ([tokens[n][0].text] + [""] * (columns - 1) if len(tokens[n]) == 1 and n not in data
                             else _by_count(tokens[n], columns, n, False, kinds))
            except _NotRead as exc:
                placed[n] = None
                block.unplaced.append((n, str(exc)))
    header_cells = [placed[n] for n in header]
    if len(header_cells) == 2:
        top, sub = header_cells
        group = any(s and not t for s, t in zip(sub, top))
        if not group:  # a header wrapped in its cells: one header row
            header_cells = [[t + s for t, s in zip(top, sub)]]
    block.rows = [[(cell, header[0] if len(header_cells) == 1 else header[i]) for cell in cells]
                  for i, cells in enumerate(header_cells)]
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


def _starts(cells: list[str], following: list[str]) -> bool:
    """A line of text cells wrapped above the row they begin (pdftotext prints a cell of two lines
    with its first line above the row's figures): every cell of it begins a cell of the row below
    that is text, and the label among them ends where the row's label cell opens a bracket
    (劳动年龄人口平均受教育年限 / （年）  10.8  11.3)."""
    texts = [(c, f) for c, f in zip(cells, following) if c]
    return bool(texts) and all(f and not is_figure(normalize_line(f).strip()) for _c, f in texts) \
        and any(f.startswith(("（", "(")) for _c, f in texts)


def _aligned_cells(raw: list[str], header: list[int], numbers: list[int], data: list[int]) -> dict[int, list[str] | None]:
    """The cells of every line of an aligned block, in columns found from the figure rows (None
    for a row whose cells fall between them). The character positions are counted two ways, a
    CJK character two columns wide (a monospaced rendering) or one (pdftotext -layout counts
    characters); the one that places more rows, then whose columns line up more tightly, is kept."""
    best: tuple[tuple[int, int], dict[int, list[str] | None]] | None = None
    problem: _NotRead | None = None
    for measure in (width, len):
        tokens = {n: _spaced_tokens(raw[n - 1], measure)[0] for n in [*header, *numbers]}
        columns = max(len(tokens[n]) for n in data)
        full = [tokens[n] for n in data if len(tokens[n]) == columns]
        try:
            spans = _column_spans(full)
            placed: dict[int, list[str] | None] = {n: _by_position(tokens[n], spans, n) for n in header}
        except _NotRead as exc:
            problem = exc
            continue
        for n in numbers:
            try:
                placed[n] = _by_position(tokens[n], spans, n)
            except _NotRead:
                placed[n] = None
        slack = sum(end - start - max(row[i].end - row[i].start for row in full)
                    for i, (start, end) in enumerate(spans))
        score = (sum(cells is None for cells in placed.values()), slack)
        if best is None or score < best[0]:
            best = (score, placed)
    if best is None:
        raise problem or _NotRead("its columns could not be found")
    return best[1]


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


def _column_spans(rows: list[list[Token]]) -> list[tuple[int, int]]:
    """Each column's extent: the union of its cells' extents over the rows with every cell."""
    spans = [(min(r[i].start for r in rows), max(r[i].end for r in rows)) for i in range(len(rows[0]))]
    for (_s, end), (start, _e) in zip(spans, spans[1:]):
        if start <= end:
            raise _NotRead("its columns overlap (the cells are not aligned)")
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
            raise _NotRead(f"line {line}: two cells ({cells[index]!r}, {token.text!r}) fall in one column")
        cells[index] = token.text
    return cells


def _by_count(tokens: list[Token], columns: int, line: int, top: bool, kinds: list[bool] | None = None) -> list[str]:
    """Cells separated by single spaces: a full row as is; a shorter one lacks its leading cells,
    except a header's top line, whose last cell is a group over the columns after it. A shorter
    row whose figures would then fall in a column of words, or words in a column of figures, lacks
    a cell elsewhere: which one cannot be told, and the row is not placed."""
    texts = [token.text for token in tokens]
    if len(texts) > columns:
        raise _NotRead(f"line {line} has {len(texts)} cells, the table {columns}")
    missing = [""] * (columns - len(texts))
    cells = texts + missing if top else missing + texts
    if kinds and len(texts) < columns and any(
            cell and _figure_like(cell) != kind for cell, kind in zip(cells, kinds) if kind is not None):
        raise _NotRead(f"its {len(texts)} cells cannot be matched to the table's {columns} columns (a cell left "
                       "empty, not the leading one)")
    return cells


def _figure_like(text: str) -> bool:
    norm = normalize_line(text).strip()
    return is_figure(norm) or norm in _PLACEHOLDER


def _column_kinds(full_rows: list[list[str]]) -> list[bool | None]:
    """Per column: True when the full rows hold figures there, False words, None both."""
    kinds: list[bool | None] = []
    for cells in zip(*full_rows):
        figures = {_figure_like(cell) for cell in cells if cell}
        kinds.append(figures.pop() if len(figures) == 1 else None)
    return kinds
