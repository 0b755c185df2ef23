"""Every table of the documents -> a wide frame (as printed) and tidy observations.

The documents print their tables in two flattened layouts:

* ``cell_lines`` (Zhejiang plan): one cell per line, each cell starting with a tab, a
  line without a leading tab continuing the cell above (header cells broken over two
  lines, "2015年" / "基数"), and a blank line between rows.
* ``tab`` (Quzhou plan, Shaoxing action plan): one row per line, cells separated by tabs.

What each column means (period, measure, unit) is not in the text in a form a parser can
trust, so it is written down below as data, one `TableSpec` per table. The printed
header is checked against the spec, so a changed column layout fails loudly instead of
filing figures under the wrong year.

Decisions, recorded here so an analyst can find them:

* ``indicator_zh`` is the row label without its numbering ("1．"), without the unit in
  brackets and without the "其中：" ("of which") prefix; a bracketed note that is not a
  unit ("（含在管理岗位的专技人才）") stays. Brackets and colons are printed full-width.
  The wide table keeps the label as printed.
* A "其中：" row that prints no unit inherits the unit of the row it belongs to
  (专栏2 "其中：高级职称人才数量" is 万人 like 专业技术人才总量 above it).
* 〔 〕 marks a five-year cumulative figure (the tables' footnote says so): its period is the
  column's five-year span and basis is 'cumulative'. A footnote "X为五年累计数之和" makes every
  figure of row X cumulative. The attribute 年均预期 makes the row's target a yearly
  average over the plan period (basis 'per_year').
* Cells that are not figures (ratios, missing markers, attributes, words, the cells of
  the list-style text tables) are kept in the wide table and listed in `Table.unparsed`
  with the reason; `Table.numeric_cells` counts the cells that became observations.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from renshe.ingest.documents import Document, Region, load_registry
from renshe.errors import UnknownUnitError
from renshe.ingest.numbers import NotAFigure, parse_figure, split_unit
from renshe.paths import ProjectPaths
from renshe.schema import Table

# --- table specifications (data) -------------------------------------------------------

ROLES = ("label", "region", "value", "attribute", "ordinal", "text")


@dataclass(frozen=True)
class Column:
    """What one printed column holds. `header` is compared with the printed header
    (normalised, spaces removed); an empty `header` is not checked (text tables whose
    sub-sections print their own headers)."""

    header: str
    role: str = "value"
    period: str = ""
    measure: str = ""
    cumulative_period: str = ""  # period of a 〔 〕 / footnoted / per-year figure in this column
    unit: str = ""  # the column's unit when rows print none (district table)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"column {self.header!r}: role {self.role!r} is not one of {ROLES}")


@dataclass(frozen=True)
class TableSpec:
    table_id: str
    title: str  # regex found on exactly one normalised line: the table's title line
    layout: str  # cell_lines | tab
    columns: tuple[Column, ...]
    header_rows: int = 1  # printed header rows (2 for a two-row merged header)

    @property
    def width(self) -> int:
        return len(self.columns)

    @property
    def is_text(self) -> bool:
        return all(c.role in ("ordinal", "text") for c in self.columns)


def _value(header: str, period: str, measure: str, cumulative_period: str = "", unit: str = "") -> Column:
    return Column(header, "value", period, measure, cumulative_period, unit)


def _text_columns(*headers: str) -> tuple[Column, ...]:
    return (Column(headers[0], "ordinal"), *(Column(h, "text") for h in headers[1:]))


# Shaoxing district table: the unit note says "单位：家、个、人、万元" for the whole table;
# which unit belongs to which column follows from what the column counts.
SHAOXING_DISTRICT_UNITS = {
    "城镇新增就业人数省标": "人",
    "基层就业平台覆盖率": "%",
    "零工市场/区县级": "家",  # markets are establishments
    "零工市场/公益性机构": "家",
    "就业见习/开发岗位数": "个",  # posts
    "就业见习/就业见习人数": "人",
    "五类重点群体帮扶率": "%",
    "就业困难人员实现就业": "人",
    "公益性岗位/新开发任务数": "个",  # newly created posts
    "公益性岗位/累计安置任务数": "人",  # persons placed
    "劳务品牌打造": "个",  # brands
    "东西部劳务协作": "人",  # workers (the only cell is a target in words)
    "创业孵化示范基地家数/区县级": "家",
    "创业孵化示范基地家数/市级": "家",
    "发放创业担保贷款金额": "万元",
    "创业培训人数": "人",
    "创业扶持人数": "人",
    "创业带动就业人数": "人",
}

TABLE_SPECS: dict[str, tuple[TableSpec, ...]] = {
    "zhejiang_14fyp": (
        TableSpec("zhuanlan1", r"^专栏1\s", "cell_lines", (
            Column("指标", "label"),
            _value("2015年基数", "2015", "actual", "2011-2015"),
            _value("“十三五”规划目标", "2020", "target", "2016-2020"),
            _value("2020年完成数", "2020", "actual", "2016-2020"),
        )),
        TableSpec("zhuanlan2", r"^专栏2\s", "cell_lines", (
            Column("指标", "label"),
            _value("2020年基数", "2020", "actual", "2016-2020"),
            _value("2025年规划目标", "2025", "target", "2021-2025"),
            Column("属性", "attribute"),
        )),
        TableSpec("tasks", r"^“十四五”重大任务清单$", "cell_lines", _text_columns("序号", "", "")),
    ),
    "quzhou_14fyp": (
        TableSpec("table1", r"^表\s*1\s", "tab", (
            Column("指标名称", "label"),
            _value("2015年基数", "2015", "actual", "2011-2015"),
            _value("“十三五”目标", "2020", "target", "2016-2020"),
            _value("完成数", "2020", "actual", "2016-2020"),
        )),
        TableSpec("table2", r"^表\s*2\s", "tab", (
            Column("指标", "label"),
            _value("2020年基数", "2020", "actual", "2016-2020"),
            _value("2025年目标", "2025", "target", "2021-2025"),
            Column("属性", "attribute"),
        )),
        TableSpec("annex1", r"^“十四五”期间\S+市.*重点项目清单$", "tab", _text_columns(
            "序号", "项目名称", "依托平台", "依托机制", "主要举措", "实施步骤", "预期目标")),
        TableSpec("annex2", r"^“十四五”期间\S+市.*重点任务清单$", "tab", _text_columns(
            "序号", "名称", "主要内容")),
    ),
    "shaoxing_2023_action_plan": (
        TableSpec("districts", r"重点指标分解表$", "tab", (
            Column("辖区", "region"),
            *(_value(header, "2023", "target", unit=unit) for header, unit in SHAOXING_DISTRICT_UNITS.items()),
        ), header_rows=2),
    ),
}

# Attribute cells (属性 column): never a figure; some change how the row's target is read.
ATTRIBUTES = {
    "预期性": ("", "attribute 预期性 (indicative target), not a figure"),
    "约束性": ("", "attribute 约束性 (binding target), not a figure"),
    "年均预期": ("per_year", "attribute 年均预期 (indicative yearly average): the row's target is "
                          "read per year over the plan period"),
}

TOTAL_LABELS = ("总计", "合计", "全市")
_NUMBERING = re.compile(r"^\d+\s*[.、]\s*")
_OF_WHICH = re.compile(r"^其中\s*:\s*")
_BRACKETED = re.compile(r"\(([^()]*)\)")
_UNIT_LIKE = re.compile(r"[^\d\s,、含其]{1,4}")
_FOOTNOTE = re.compile(r"^(?:备)?注\s*:")
_FOOTNOTE_CUMULATIVE = re.compile(r"^(?:备)?注\s*:\s*(.+?)为(?:五|5)年累计数")
_UNIT_NOTE = re.compile(r"^单位\s*:\s*(.+)$")
_DISPLAY_ARTEFACTS = re.compile(r"\[bookmark:[^\]]*\]|</?[a-zA-Z][^>]*>|\*\*")
_FULL_WIDTH = str.maketrans({"(": "（", ")": "）", ":": "："})


# --- reading the printed rows ------------------------------------------------------------

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
        if not raw.strip():
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
        note = _UNIT_NOTE.match(text)
        if note:
            units = {u.strip() for u in re.split(r"[、,，]", note.group(1)) if u.strip()}
        elif text:
            break
        number += 1
    return number, units


def read_layout(document: Document, spec: TableSpec) -> Layout:
    title_line = _find_title(document, spec)
    start, unit_note = _skip_notes(document, title_line)
    reader = _read_cell_lines if spec.layout == "cell_lines" else _read_tab_rows
    rows, end = reader(document, start)
    if not rows:
        raise document.error(f"table {spec.table_id}: no rows after its title", title_line)
    footnote = ""
    if end is not None and _FOOTNOTE.match(document.normalized_lines[end - 1].strip()):
        footnote = document.normalized_lines[end - 1].strip()
    title = " ".join(document.normalized_lines[title_line - 1].split())
    layout = Layout(title, title_line, rows, unit_note, footnote)
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
    for top_name, sub_name in zip(top, sub):
        above = top_name or above
        names.append(f"{above}/{sub_name}" if sub_name else top_name)
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
            raise document.error(f"table {spec.table_id}: column {position} is headed {name!r}, "
                                 f"the spec expects {column.header!r} (update tables.TABLE_SPECS)", line)


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


# --- labels, units, regions --------------------------------------------------------------

@dataclass
class Label:
    indicator: str
    unit_raw: str
    of_which: bool


def clean_label(text: str) -> tuple[str, str, bool]:
    """'7．专业技术人才总量（万人）（含在管理岗位的专技人才）' (normalised) ->
    ('专业技术人才总量（含在管理岗位的专技人才）', '万人', False)."""
    label = _NUMBERING.sub("", text.strip())
    of_which = bool(_OF_WHICH.match(label))
    label = _OF_WHICH.sub("", label)
    unit = ""
    for match in _BRACKETED.finditer(label):
        content = match.group(1).strip()
        if _UNIT_LIKE.fullmatch(content):
            unit = content
            label = label[: match.start()] + label[match.end():]
            break
    return label.strip().translate(_FULL_WIDTH), unit, of_which


def _label(document: Document, spec: TableSpec, cell: Cell, parent_unit: str) -> Label:
    indicator, unit, of_which = clean_label(cell.text)
    if unit:
        try:
            split_unit(unit)
        except UnknownUnitError as exc:
            raise UnknownUnitError(f"table {spec.table_id}, row {indicator!r}: {exc.message}",
                                   document.path, cell.line) from exc
    elif of_which:
        unit = parent_unit  # "其中：" sub-row printed without a unit: the unit of its parent row
    return Label(indicator, unit, of_which)


def _registry_regions(document: Document) -> dict[str, Region]:
    """The registry's regions, read from the project the document belongs to."""
    for folder in document.path.parents:
        registry_path = folder / "data" / "sources.yaml"
        if registry_path.is_file():
            stamp = registry_path.stat()
            return _regions_of(folder, stamp.st_mtime_ns, stamp.st_size)
    return {}


@lru_cache(maxsize=4)
def _regions_of(root: Path, mtime_ns: int, size: int) -> dict[str, Region]:
    # keyed by the registry's modification time and size: read once per run (a corpus has
    # hundreds of region tables), read again when the file changes
    registry = load_registry(ProjectPaths.at(root))
    return {region.name: region for region in registry.regions}


def _document_region(document: Document) -> Region:
    entry = document.entry
    return Region(entry.region, entry.region_code, entry.level, None)


# --- cells -> observations ----------------------------------------------------------------

@dataclass
class Collector:
    """Observations and set-aside cells of one table."""

    document: Document
    spec: TableSpec
    observations: list[dict] = field(default_factory=list)
    unparsed: list[dict] = field(default_factory=list)

    def set_aside(self, region: Region, row_label: str, column: str, cell: Cell, reason: str) -> None:
        self.unparsed.append({
            "doc_id": self.document.doc_id, "table_id": self.spec.table_id, "region": region.name,
            "row_label": row_label, "column": column, "cell_text": cell.shown, "reason": reason,
            "source_line": cell.line, "source_text": self.document.raw_line(cell.line),
        })

    def observe(self, region: Region, indicator: str, column: Column, figure, cell: Cell,
                period: str, basis: str) -> None:
        self.observations.append({
            "doc_id": self.document.doc_id, "table_id": self.spec.table_id, "region": region.name,
            "region_code": region.code, "level": region.level, "indicator_id": "",
            "indicator_zh": indicator, "period": period, "measure": column.measure,
            "qualifier": figure.qualifier, "value": figure.value, "unit": figure.unit,
            "value_raw": figure.value_raw, "unit_raw": figure.unit_raw, "source_line": cell.line,
            "source_text": self.document.raw_line(cell.line), "basis": basis,
        })

    def figure_cell(self, region: Region, indicator: str, row_label: str, column: Column, name: str,
                    cell: Cell, unit: str, row_basis: str, merged: bool = False) -> None:
        """Parse one value cell: an observation, or a set-aside cell with its reason."""
        try:
            figure = parse_figure(cell.text, unit)
        except NotAFigure as exc:
            reason = (f"text in a merged cell spanning the {name} column (the other rows are empty): "
                      "a target in words, not a figure") if merged else exc.reason
            self.set_aside(region, row_label, name, cell, reason)
            return
        except UnknownUnitError as exc:
            raise UnknownUnitError(f"table {self.spec.table_id}, row {row_label!r}, column {name!r}: "
                                   f"{exc.message}", self.document.path, cell.line) from exc
        if figure.kind == "missing":
            self.set_aside(region, row_label, name, cell, f"missing marker {figure.value_raw!r}: no figure printed")
            return
        if figure.kind == "ratio":
            parts = ", ".join(f"{p:g}" for p in figure.parts)
            self.set_aside(region, row_label, name, cell,
                           f"ratio {figure.value_raw} (parts {parts}), kept as text")
            return
        if not figure.unit:
            raise self.document.error(f"table {self.spec.table_id}, row {row_label!r}, column {name!r}: "
                                      f"figure {cell.text!r} has no unit (none in the row label or column spec)",
                                      cell.line)
        period, basis = _period(column, figure.cumulative, row_basis)
        self.observe(region, indicator, column, figure, cell, period, basis)


def _period(column: Column, bracketed: bool, row_basis: str) -> tuple[str, str]:
    if bracketed or row_basis == "cumulative":
        return column.cumulative_period, "cumulative"
    if row_basis == "per_year" and column.measure == "target":
        return column.cumulative_period, "per_year"
    return column.period, ""


def _cumulative_subject(footnote: str) -> str:
    """'备注：城镇新增就业为五年累计数之和。' -> '城镇新增就业' (a row made cumulative);
    the 〔 〕 footnote names brackets, not a row, and yields ''."""
    match = _FOOTNOTE_CUMULATIVE.match(footnote)
    if not match or "〔" in match.group(1):
        return ""
    return match.group(1).strip()


def _indicator_rows(collector: Collector, layout: Layout, names_at: dict[int, list[str]]) -> None:
    document, spec = collector.document, collector.spec
    region = _document_region(document)
    cumulative_subject = _cumulative_subject(layout.footnote)
    parent_unit = ""
    for index, row in enumerate(layout.rows):
        if row.kind != "data":
            continue
        names = names_at[index]
        label = _label(document, spec, row.cells[0], parent_unit)
        if not label.of_which:
            parent_unit = label.unit_raw
        row_basis = "cumulative" if cumulative_subject and label.indicator.startswith(cumulative_subject) else ""
        for column, name, cell in zip(spec.columns, names, row.cells):
            if column.role == "attribute" and cell.text:
                basis, reason = ATTRIBUTES.get(cell.text, ("", "attribute, not a figure"))
                row_basis = row_basis or basis
                collector.set_aside(region, label.indicator, name, cell, reason)
        for column, name, cell in zip(spec.columns, names, row.cells):
            if column.role == "value" and cell.text:
                collector.figure_cell(region, label.indicator, label.indicator, column, name, cell,
                                      label.unit_raw, row_basis)


def _region_rows(collector: Collector, layout: Layout, names_at: dict[int, list[str]]) -> None:
    document, spec = collector.document, collector.spec
    regions = _registry_regions(document)
    data_rows = [(i, row) for i, row in enumerate(layout.rows) if row.kind == "data"]
    for index, row in data_rows:
        region = _row_region(document, spec, row, regions)
        names = names_at[index]
        for position, (column, name, cell) in enumerate(zip(spec.columns, names, row.cells)):
            if column.role != "value" or not cell.text:
                continue
            merged = all(not other.cells[position].text for i, other in data_rows if i != index)
            collector.figure_cell(region, name, row.cells[0].text, column, name, cell, column.unit, "",
                                  merged=merged)


def _row_region(document: Document, spec: TableSpec, row: Row, regions: dict[str, Region]) -> Region:
    name = row.cells[0].text
    if name in TOTAL_LABELS:
        return _document_region(document)
    if name not in regions:
        raise document.error(f"table {spec.table_id}: row {name!r} is not a region of the registry "
                             f"(data/sources.yaml regions: {', '.join(regions)})", row.line)
    return regions[name]


def _text_rows(collector: Collector, layout: Layout, names_at: dict[int, list[str]]) -> None:
    """List-style tables (task and project lists): every cell is text; kept, set aside."""
    region = _document_region(collector.document)
    for index, row in enumerate(layout.rows):
        if row.kind != "data":
            continue
        row_label = row.cells[1].text if len(row.cells) > 1 else row.cells[0].text
        for column, name, cell in zip(collector.spec.columns, names_at[index], row.cells):
            if not cell.text:
                continue
            reason = ("ordinal (序号) of a list entry, not a statistic" if column.role == "ordinal"
                      else "text table (task/project list): text, not a figure")
            collector.set_aside(region, row_label, name, cell, reason)


def _names_by_row(document: Document, spec: TableSpec, layout: Layout) -> tuple[list[str], dict[int, list[str]]]:
    """The first header's names, and for every row the names of the header above it."""
    groups = _header_groups(layout)
    names_at: dict[int, list[str]] = {}
    current: list[str] = []
    starts = {start: rows for start, rows in groups}
    for index, _row in enumerate(layout.rows):
        if index in starts:
            current = header_names(starts[index])
            _check_header(document, spec, current, starts[index][0].line)
        names_at[index] = current
    return header_names(groups[0][1]), names_at


def _check_unit_note(document: Document, spec: TableSpec, layout: Layout) -> None:
    """Every column unit must be one the table's unit note declares (besides %)."""
    if not layout.unit_note:
        return
    for column in spec.columns:
        if column.unit and column.unit != "%" and column.unit not in layout.unit_note:
            raise document.error(f"table {spec.table_id}: column {column.header!r} is given unit "
                                 f"{column.unit!r}, the table's unit note declares only "
                                 f"{'、'.join(sorted(layout.unit_note))}", layout.title_line)


def extract_table(document: Document, spec: TableSpec) -> Table:
    layout = read_layout(document, spec)
    names, names_at = _names_by_row(document, spec, layout)
    _check_unit_note(document, spec, layout)
    collector = Collector(document, spec)
    roles = {c.role for c in spec.columns}
    if spec.is_text:
        _text_rows(collector, layout, names_at)
    elif "region" in roles:
        _region_rows(collector, layout, names_at)
    else:
        _indicator_rows(collector, layout, names_at)
    return Table(document.doc_id, spec.table_id, layout.title, ["source_line", *names], wide_rows(spec, layout),
                 collector.observations, collector.unparsed, len(collector.observations))


def extract_tables(document: Document) -> list[Table]:
    """Every table of `document` (the specs of its layout, by default its own doc_id, in
    TABLE_SPECS; [] for a document without tables).

    Raises RensheError (file and line) for a row with the wrong number of cells, a header
    that differs from the spec, an unknown district, and UnknownUnitError for an unknown unit.
    """
    specs = TABLE_SPECS.get(document.entry.layout or document.doc_id, ())
    return [extract_table(document, spec) for spec in specs]
