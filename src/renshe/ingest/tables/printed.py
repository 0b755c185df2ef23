"""A table's printed rows: title, unit note, header rows, data rows and footnote, read from
one of the two flattened layouts (tab-separated rows; one cell per line)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from renshe.ingest.documents import Document, is_page_number, normalize_line
from renshe.ingest.tables import aligned
from renshe.ingest.tables.layouts import TableSpec

_FOOTNOTE = re.compile(r"^(?:备)?注\s*:")
UNIT_NOTE = re.compile(r"^单位\s*:\s*(.+)$")
TITLE_MAX = 60  # characters: a longer line above a detected table is running text, not its title
_DISPLAY_ARTEFACTS = re.compile(r"\[bookmark:[^\]]*\]|</?[a-zA-Z][^>]*>|\*\*")


@dataclass
class Cell:
    shown: str  # as printed, conversion artefacts (bookmarks, <b>) removed: for the wide table
    text: str  # normalised, for parsing
    line: int  # raw line on which the cell starts


@dataclass
class Row:
    cells: list[Cell]
    kind: str = "data"  # data | header | section

    @property
    def line(self) -> int:
        return self.cells[0].line

    def texts(self) -> list[str]:
        return [c.text for c in self.cells]


@dataclass
class Layout:
    """A table's printed rows and the lines around them."""

    title: str
    title_line: int
    rows: list[Row]
    unit_note: set[str] = field(default_factory=set)
    footnote: str = ""
    unplaced: list[tuple[int, str]] = field(default_factory=list)  # (line, why): rows of a text table not placed


def _shown(raw: str) -> str:
    return _DISPLAY_ARTEFACTS.sub("", raw).strip()


def _cell(document: Document, lines: list[int]) -> Cell:
    shown = "".join(_shown(document.raw_line(n)) for n in lines)
    text = "".join(document.normalized_lines[n - 1].strip() for n in lines)
    return Cell(shown, text, lines[0])


_last_stripped: tuple[list[str], list[str]] = ([], [])  # (normalized_lines, their stripped copy)


def _stripped_lines(document: Document) -> list[str]:
    """The document's normalised lines, stripped; kept for the next table of the same document
    (a document's tables are read one after another; the list is compared by identity)."""
    global _last_stripped
    lines = document.normalized_lines
    if _last_stripped[0] is not lines:
        _last_stripped = (lines, [line.strip() for line in lines])
    return _last_stripped[1]


def _find_title(document: Document, spec: TableSpec) -> int:
    pattern = re.compile(spec.title)
    search = pattern.search
    hits = [n for n, line in enumerate(_stripped_lines(document), start=1) if search(line)]
    if len(hits) != 1:
        raise document.error(f"table {spec.table_id}: expected one title line matching {spec.title!r}, "
                             f"found {len(hits)} (lines {hits})")
    return hits[0]


def _read_cell_lines(document: Document, start: int) -> tuple[list[Row], int | None]:
    """Rows of a one-cell-per-line table from line `start`; returns the rows and the first
    line after the table (None at the end of the file)."""
    rows: list[Row] = []
    block: list[list[int]] = []  # the current row: the lines of each of its cells
    for number in range(start, len(document.raw_lines) + 1):
        raw = document.raw_line(number)
        if is_page_number(raw):
            continue
        if not raw.strip():
            if block:
                rows.append(Row([_cell(document, lines) for lines in block]))
                block = []
        elif raw.startswith("\t"):
            block.append([number])
        elif block:
            block[-1].append(number)  # a cell broken over two lines
        else:
            return rows, number
    if block:
        rows.append(Row([_cell(document, lines) for lines in block]))
    return rows, None


def _read_tab_rows(document: Document, start: int) -> tuple[list[Row], int | None]:
    rows: list[Row] = []
    for number in range(start, len(document.raw_lines) + 1):
        raw = document.raw_line(number)
        if not raw.strip() or is_page_number(raw):
            continue
        if "\t" not in raw:
            return rows, number
        shown = raw.split("\t")
        texts = document.normalized_lines[number - 1].split("\t")
        if len(shown) != len(texts):  # normalisation never touches tabs; guard anyway
            raise document.error("normalisation changed the number of cells", number)
        rows.append(Row([Cell(_shown(s), t.strip(), number) for s, t in zip(shown, texts)]))
    return rows, None


def _skip_notes(document: Document, after: int) -> tuple[int, set[str]]:
    """Skip blank lines and a unit note ("单位：家、个、人、万元") between title and header."""
    units: set[str] = set()
    number = after + 1
    while number <= len(document.raw_lines):
        text = document.normalized_lines[number - 1].strip()
        note = UNIT_NOTE.match(text)
        if note:
            units = {u.strip() for u in re.split(r"[、,，]", note.group(1)) if u.strip()}
        elif text:
            break
        number += 1
    return number, units


def read_rows(document: Document, layout: str, start: int) -> tuple[list[Row], int | None]:
    """The printed rows of a table in `layout` from line `start`, and the first line after it."""
    if layout in ("pipe", "spaced"):
        return _read_text_block(document, start)
    return (_read_cell_lines if layout == "cell_lines" else _read_tab_rows)(document, start)


_last_blocks: tuple[list[str], dict] = ([], {})  # (raw_lines, their pipe and space blocks by first line)


def text_blocks(document: Document) -> dict[int, "aligned.Block"]:
    """The document's pipe and space-aligned tables by their first line (found once per document)."""
    global _last_blocks
    if _last_blocks[0] is not document.raw_lines:
        _last_blocks = (document.raw_lines, {block.start: block for block in aligned.find_blocks(document)})
    return _last_blocks[1]


def _read_text_block(document: Document, start: int) -> tuple[list[Row], int | None]:
    block = text_blocks(document).get(start)
    if block is None or block.problem:
        raise document.error(f"no readable table starts at line {start}", start)
    script = document.entry.script
    rows = [Row([Cell(_shown(raw), normalize_line(raw, script).strip(), line) for raw, line in cells])
            for cells in block.rows]
    return rows, (block.end if block.end <= len(document.raw_lines) else None)


def read_layout(document: Document, spec: TableSpec) -> Layout:
    title_line = spec.at_line if spec.at_line or not spec.title else _find_title(document, spec)
    start, unit_note = _skip_notes(document, title_line)
    rows, end = read_rows(document, spec.layout, start)
    if not rows:
        raise document.error(f"table {spec.table_id}: no rows after its title", title_line)
    footnote = ""
    if end is not None and _FOOTNOTE.match(document.normalized_lines[end - 1].strip()):
        footnote = document.normalized_lines[end - 1].strip()
    title = " ".join(document.normalized_lines[title_line - 1].split()) if title_line else ""
    if not spec.title and len(title) > TITLE_MAX:
        title = ""  # a detected table printed straight after running text has no title
    layout = Layout(title, title_line, rows, unit_note, footnote)
    if spec.layout in ("pipe", "spaced"):
        layout.unplaced = list(text_blocks(document)[start].unplaced)
    _classify(document, spec, layout)
    return layout


def _header_key(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _classify(document: Document, spec: TableSpec, layout: Layout) -> None:
    """Mark header rows (first cell repeats the first header), the rows under a header
    (a two-row header), section rows (only their first cell filled) and data rows."""
    first_header = spec.columns[0].header
    pending_header_rows = 0
    for row in layout.rows:
        texts = row.texts()
        if pending_header_rows:
            row.kind, pending_header_rows = "header", pending_header_rows - 1
        elif _header_key(texts[0]) == first_header:
            row.kind, pending_header_rows = "header", spec.header_rows - 1
        elif texts[0] and not any(texts[1:]) and len(texts) in (1, spec.width):
            row.kind = "section"
        if row.kind == "data" and len(row.cells) != spec.width:
            raise document.error(f"table {spec.table_id}: row {texts[0]!r} has {len(row.cells)} cells, "
                                 f"the header has {spec.width}", row.line)
    if layout.rows[0].kind == "data":
        raise document.error(f"table {spec.table_id}: the first row is not the header "
                             f"(expected {first_header!r})", layout.rows[0].line)


def header_names(header_rows: list[Row]) -> list[str]:
    """Column names from one or two printed header rows; a merged top cell ("零工市场"
    over "区县级" and "公益性机构") names every sub-column under it: "零工市场/区县级"."""
    top = [_header_key(t) for t in header_rows[0].texts()]
    if len(header_rows) == 1:
        return top
    sub = [_header_key(t) for t in header_rows[1].texts()]
    names, above = [], ""
    for position, (top_name, sub_name) in enumerate(zip(top, sub)):
        above = top_name or (above if position > 1 else "")  # a group never spans from the label column
        # a cell merged down both rows is printed empty below, or repeated (tables as cells)
        names.append(f"{above}/{sub_name}" if above and sub_name and sub_name != top_name else top_name or sub_name)
    return names


def _header_groups(layout: Layout) -> list[tuple[int, list[Row]]]:
    """(index of the first row, header rows) for each printed header."""
    groups: list[tuple[int, list[Row]]] = []
    for index, row in enumerate(layout.rows):
        if row.kind != "header":
            continue
        if groups and groups[-1][0] + len(groups[-1][1]) == index:
            groups[-1][1].append(row)
        else:
            groups.append((index, [row]))
    return groups


def _check_header(document: Document, spec: TableSpec, names: list[str], line: int) -> None:
    if len(names) != spec.width:
        raise document.error(f"table {spec.table_id}: the header has {len(names)} cells, "
                             f"the spec {spec.width}", line)
    for position, (name, column) in enumerate(zip(names, spec.columns), start=1):
        if column.header and name != column.header:
            expected = (f"the spec expects {column.header!r} (update data/tables.yaml)" if spec.title else
                        f"the table's first header has {column.header!r}: which one holds for the rows below?")
            raise document.error(f"table {spec.table_id}: column {position} is headed {name!r}, {expected}", line)


# --- the wide frame ------------------------------------------------------------------------

def wide_rows(spec: TableSpec, layout: Layout) -> list[tuple]:
    """Every printed row after the first header: its raw line, then its cells as printed."""
    first_start, first_rows = _header_groups(layout)[0]
    skip = first_start + len(first_rows)
    rows = []
    for row in layout.rows[skip:]:
        cells = [c.shown for c in row.cells] + [""] * (spec.width - len(row.cells))
        rows.append((row.line, *cells))
    return rows
