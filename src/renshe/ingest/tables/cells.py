"""Printed table rows -> observations and set-aside cells, with the reason for each."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from renshe.errors import RensheError, UnknownUnitError
from renshe.ingest.documents import Document, Region, load_registry
from renshe.ingest.regions import scoped_lookup
from renshe.ingest.numbers import NotAFigure, parse_figure, split_unit
from renshe.ingest.tables.detect import Found, find_tables
from renshe.ingest.periods import span_containing
from renshe.ingest.tables.headers import TOTAL_WORDS, DocumentTime, header_names_something, indicator_name
from renshe.ingest.tables.layouts import Column, TableSpec, layouts_for
from renshe.ingest.tables.printed import (Cell, Layout, Row, _header_groups, _check_header, header_names,
                                          read_layout, wide_rows)
from renshe.paths import ProjectPaths
from renshe.schema import Table

# Attribute cells (属性 column): never a figure; some change how the row's target is read.
ATTRIBUTES = {
    "预期性": ("", "attribute 预期性 (indicative target), not a figure"),
    "约束性": ("", "attribute 约束性 (binding target), not a figure"),
    "年均预期": ("per_year", "attribute 年均预期 (indicative yearly average): the row's target is "
                          "read per year over the plan period"),
}

TOTAL_LABELS = ("总计", "合计", "全市", "全省", "全县", "全区", "全国")
RATE_WORDS = ("率", "比重", "比例", "占比", "%")
_YEAR_LABEL = re.compile(r"^((?:19|20)\d{2})\s*年?(?:末|底|度)?$")
_NUMBERING = re.compile(r"^\d+\s*[.、]\s*")
_OF_WHICH = re.compile(r"^其中\s*:\s*")
_BRACKETED = re.compile(r"\(([^()]*)\)")
_UNIT_LIKE = re.compile(r"[^\d\s,、含其]{1,4}")
_FOOTNOTE_CUMULATIVE = re.compile(r"^(?:备)?注\s*:\s*(.+?)为(?:五|5)年累计数")
_TIME_NOTE = re.compile(r"(?:年|月|季|期)(?:末|底|初)|全年|当年|累计|平均|年均")  # (年末): when, not a unit
_FULL_WIDTH = str.maketrans({"(": "（", ")": "）", ":": "："})

# --- labels, units, regions --------------------------------------------------------------

@dataclass
class Label:
    indicator: str
    unit_raw: str
    of_which: bool
    problem: str = ""  # why the row's figures cannot be read (a unit the parser does not know)


def clean_label(text: str) -> tuple[str, str, bool]:
    """'7．专业技术人才总量（万人）（含在管理岗位的专技人才）' (normalised) ->
    ('专业技术人才总量（含在管理岗位的专技人才）', '万人', False)."""
    label = _NUMBERING.sub("", text.strip())
    of_which = bool(_OF_WHICH.match(label))
    label = _OF_WHICH.sub("", label)
    unit = ""
    for match in _BRACKETED.finditer(label):
        content = match.group(1).strip()
        if _UNIT_LIKE.fullmatch(content) and not _TIME_NOTE.fullmatch(content):
            unit = content
            label = label[: match.start()] + label[match.end():]
            break
        qualifier, comma, last = content.rpartition(",")
        if comma and qualifier.strip() and _UNIT_LIKE.fullmatch(last.strip()):  # (年末,%): a note, then the unit
            unit = last.strip()
            label = f"{label[: match.start()]}({qualifier.strip()}){label[match.end():]}"
            break
    return label.strip().translate(_FULL_WIDTH), unit, of_which


def _label(document: Document, spec: TableSpec, cell: Cell, parent_unit: str) -> Label:
    indicator, unit, of_which = clean_label(cell.text)
    if unit:
        try:
            split_unit(unit)
        except UnknownUnitError as exc:
            return Label(indicator, "", of_which, f"unknown unit in the row label: {exc.message}")
    elif of_which:
        unit = parent_unit  # "其中：" sub-row printed without a unit: the unit of its parent row
    return Label(indicator, unit, of_which)


def _registry_regions(document: Document) -> dict[str, Region]:
    """The registry's regions, read from the project the document belongs to."""
    for folder in document.path.parents:
        paths = ProjectPaths.at(folder)
        if paths.registry.is_file():
            return _regions_of(folder, _stamp(paths.registry), _stamp(paths.regions), document.entry.region)
    return {}


def _stamp(path: Path) -> tuple[int, int]:
    return (path.stat().st_mtime_ns, path.stat().st_size) if path.is_file() else (0, 0)


@lru_cache(maxsize=64)
def _regions_of(root: Path, registry_stamp: tuple[int, int], tree_stamp: tuple[int, int],
                scope: str) -> dict[str, Region]:
    # keyed by the registry's and the region tree's modification times and sizes: read once per
    # run (a corpus has hundreds of region tables), read again when either file changes
    registry = _registry_of(root, registry_stamp, tree_stamp)
    # names and short names (柯城 -> 柯城区), and a name two divisions share as the document's
    # own region prints it (朝阳区 in a 长春市 table is 长春市朝阳区)
    return scoped_lookup(registry.regions, scope)


@lru_cache(maxsize=4)
def _registry_of(root: Path, registry_stamp: tuple[int, int], tree_stamp: tuple[int, int]):
    return load_registry(ProjectPaths.at(root))


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
            self.set_aside(region, row_label, name, cell, f"unknown unit: {exc.message}")
            return
        if figure.kind == "missing":
            self.set_aside(region, row_label, name, cell, f"missing marker {figure.value_raw!r}: no figure printed")
            return
        if figure.kind == "ratio":
            parts = ", ".join(f"{p:g}" for p in figure.parts)
            self.set_aside(region, row_label, name, cell,
                           f"ratio {figure.value_raw} (parts {parts}), kept as text")
            return
        if not figure.unit:
            self.set_aside(region, row_label, name, cell, "no unit: none in the cell, the row label, a unit "
                                                          "column, the column header or a 单位 note")
            return
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


def _note_unit(layout: Layout, indicator: str) -> str:
    """The unit a table's 单位 line gives a row that prints none: the only unit it names, or % for a
    rate when it names % beside one other unit (单位：万人、%); '' when it cannot decide."""
    units = layout.unit_note
    others = sorted(units - {"%"})
    if "%" in units and any(word in indicator for word in RATE_WORDS):
        return "%"
    return others[0] if len(others) == 1 else ""


def _label_cell(spec: TableSpec, row: Row) -> Cell:
    position = next((i for i, c in enumerate(spec.columns) if c.role == "label"), 0)
    return row.cells[position]


def _indicator_rows(collector: Collector, layout: Layout, names_at: dict[int, list[str]]) -> None:
    document, spec = collector.document, collector.spec
    region = _document_region(document)
    cumulative_subject = _cumulative_subject(layout.footnote)
    parent_unit = ""
    rows_are_parts = any(_label_cell(spec, row).text in TOTAL_WORDS for row in layout.rows if row.kind == "data")
    for index, row in enumerate(layout.rows):
        if row.kind != "data":
            continue
        names = names_at[index]
        label = _label(document, spec, _label_cell(spec, row), parent_unit)
        if not label.of_which:
            parent_unit = label.unit_raw
        row_basis = "cumulative" if cumulative_subject and label.indicator.startswith(cumulative_subject) else ""
        row_unit = label.unit_raw
        for column, name, cell in zip(spec.columns, names, row.cells):
            if column.role == "attribute" and cell.text:
                basis, reason = ATTRIBUTES.get(cell.text, ("", "attribute, not a figure"))
                row_basis = row_basis or basis
                collector.set_aside(region, label.indicator, name, cell, reason)
            elif column.role == "unit" and cell.text and not row_unit:
                row_unit = cell.text
            elif column.role in ("ordinal", "text") and cell.text:
                collector.set_aside(region, label.indicator, name, cell, f"{column.role} column, not a figure")
        for column, name, cell in zip(spec.columns, names, row.cells):
            if column.role == "value" and cell.text and label.problem:
                collector.set_aside(region, label.indicator, name, cell, label.problem)
            elif column.role == "value" and cell.text:
                # a growth rate is in % whatever the row counts (参保人数 万人 | 比上年增长 %)
                unit = ((column.unit or "%") if column.measure == "change_pct" else
                        row_unit or column.unit or _note_unit(layout, label.indicator + column.header))
                collector.figure_cell(region, indicator_name(label.indicator, column, rows_are_parts), label.indicator, column,
                                      name, cell, unit, row_basis)


def _region_rows(collector: Collector, layout: Layout, names_at: dict[int, list[str]]) -> None:
    document, spec = collector.document, collector.spec
    regions = _registry_regions(document)
    data_rows = [(i, row) for i, row in enumerate(layout.rows) if row.kind == "data"]
    for index, row in data_rows:
        region = _row_region(document, row, regions)
        names = names_at[index]
        for position, (column, name, cell) in enumerate(zip(spec.columns, names, row.cells)):
            if column.role != "value" or not cell.text:
                continue
            if region is None:
                collector.set_aside(_document_region(document), row.cells[0].text, name, cell,
                                    f"row {row.cells[0].text!r} is not a region of data/regions.yaml nor of "
                                    "data/sources.yaml `regions:` (add it there with its code, level and parent)")
                continue
            merged = all(not other.cells[position].text for i, other in data_rows if i != index)
            indicator, unit = _column_indicator(spec, name, column)
            collector.figure_cell(region, indicator, row.cells[0].text, column, name, cell,
                                  column.unit or unit or _note_unit(layout, name), "", merged=merged)


def _period_rows(collector: Collector, layout: Layout, names_at: dict[int, list[str]]) -> None:
    """A table with one row per year (年份 | 城镇新增就业（万人） | …): the row's year is the period,
    the column header names the indicator; a plan's years from its own period on are targets."""
    document, spec = collector.document, collector.spec
    region, time = _document_region(document), DocumentTime.of(document.entry)
    for index, row in enumerate(layout.rows):
        if row.kind != "data":
            continue
        year = _YEAR_LABEL.match(row.cells[0].text)
        for column, name, cell in zip(spec.columns, names_at[index], row.cells):
            if column.role != "value" or not cell.text:
                continue
            if year is None:
                collector.set_aside(region, row.cells[0].text, name, cell, "row label is not a year")
                continue
            indicator, unit = _column_indicator(spec, name, column)
            in_year = replace(column, period=year.group(1), cumulative_period="-".join(
                map(str, span_containing(int(year.group(1))))), measure=_year_measure(column, int(year.group(1)), time))
            collector.figure_cell(region, indicator, row.cells[0].text, in_year, name, cell,
                                  column.unit or unit or _note_unit(layout, name), "")


def _column_indicator(spec: TableSpec, name: str, column: Column) -> tuple[str, str]:
    """The indicator a column header names and the unit in its brackets (城镇新增就业（万人））; a
    change column naming nothing of its own (比上年增长（%）) is the change of the column before it."""
    # a group over columns of different years (城镇新增就业（万人） over 2021年 | 2022年): the group
    # names the indicator, the cell under it only its time
    parts = [part for part in name.split("/") if header_names_something(part)] if "/" in name else [name]
    indicator, unit, _ = clean_label("/".join(parts) or name)
    if column.measure in ("change", "change_pct") and not header_names_something(name):
        position = spec.columns.index(column)
        before = next((c for c in reversed(spec.columns[:position])
                       if c.role == "value" and c.measure not in ("change", "change_pct")), None)
        if before is not None:
            indicator = clean_label(before.header)[0]
    return indicator, unit


def _year_measure(column: Column, year: int, time: DocumentTime) -> str:
    if column.measure in ("change", "change_pct"):
        return column.measure
    return "target" if time.is_plan and year >= time.start else "actual"


def _row_region(document: Document, row: Row, regions: dict[str, Region]) -> Region | None:
    """The region a row names; None for a name the region tree and the registry lack."""
    name = row.cells[0].text
    if name in TOTAL_LABELS:
        return _document_region(document)
    return regions.get(name)


def _rows_name_regions(document: Document, spec: TableSpec, layout: Layout) -> bool:
    """A detected table's first column headed 指标/项目 whose every row names a region (全省, 郑州市)
    holds regions, as an expert reads it: the column headers then name what is counted."""
    if spec.columns[0].role != "label" or any(c.role in ("label", "unit") for c in spec.columns[1:]):
        return False
    labels = [row.cells[0].text for row in layout.rows if row.kind == "data"]
    regions = _registry_regions(document) if labels else {}
    return bool(labels) and all(label in TOTAL_LABELS or label in regions for label in labels) \
        and any(label not in TOTAL_LABELS for label in labels)


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
    return _extract(document, spec)[0]


def _extract(document: Document, spec: TableSpec) -> tuple[Table, range]:
    """The table, and the lines it occupies from its title to its last row."""
    layout = read_layout(document, spec)
    if spec.at_line and _rows_name_regions(document, spec, layout):
        spec = replace(spec, columns=(replace(spec.columns[0], role="region"), *spec.columns[1:]))
    names, names_at = _names_by_row(document, spec, layout)
    _check_unit_note(document, spec, layout)
    collector = Collector(document, spec)
    roles = {c.role for c in spec.columns}
    if spec.is_text:
        _text_rows(collector, layout, names_at)
    elif "region" in roles:
        _region_rows(collector, layout, names_at)
    elif "period" in roles:
        _period_rows(collector, layout, names_at)
    else:
        _indicator_rows(collector, layout, names_at)
    for line, why in layout.unplaced:
        _set_aside_line(collector, line, f"row not read: {why}")
    last = max([cell.line for cell in layout.rows[-1].cells] + [line for line, _why in layout.unplaced])
    lines = range(layout.title_line, last + 1)
    table = Table(document.doc_id, spec.table_id, layout.title, ["source_line", *names], wide_rows(spec, layout),
                  collector.observations, collector.unparsed, len(collector.observations), lines)
    return table, lines


def extract_tables(document: Document) -> list[Table]:
    """Every table of `document`: those named by its registry `layout` (by default its own doc_id) in
    data/tables.yaml, then every other table found from its printed layout (ingest.tables.detect).

    Raises RensheError (file and line) for a row with the wrong number of cells, a header
    that differs from the spec, an unknown district, and UnknownUnitError for an unknown unit.
    """
    laid_out = [_extract(document, spec) for spec in layouts_for(document.path, document.entry.layout or document.doc_id)]
    covered = {line for _table, lines in laid_out for line in lines}
    found = find_tables(document, covered, {table.table_id for table, _lines in laid_out})
    tables = [table for table, _lines in laid_out] + [_detected(document, table) for table in found]
    return sorted(tables, key=lambda table: table.lines.start)  # in the order the document prints them


def _detected(document: Document, found: Found) -> Table:
    """A table found from its printed layout; one whose rows contradict its header (a row wider than
    the header, a repeated header that says otherwise) is reported as not read, its figures set aside."""
    if found.problem:
        return not_read(document, found.spec, found.lines, found.problem)
    try:
        return extract_table(document, found.spec)
    except RensheError as exc:
        own = f"table {found.spec.table_id}: "  # the table is named in the row already
        return not_read(document, found.spec, found.lines, exc.message.removeprefix(own))


_NUMBER_TOKEN = re.compile(r"[^\s|]*\d[^\s|]*")
_FIGURE_TOKEN = re.compile(r"[\d.,:%~+<>≥≤〔〕()\[\]约-]*\d[\d.,:%~+<>≥≤〔〕()\[\]-]*")  # no label ("3.基本养老…")


def _set_aside_line(collector: Collector, number: int, why: str) -> None:
    """Every figure printed on line `number`, set aside with the reason."""
    region = _document_region(collector.document)
    for token in _NUMBER_TOKEN.findall(collector.document.normalized_lines[number - 1]):
        if _FIGURE_TOKEN.fullmatch(token):
            collector.set_aside(region, "", "", Cell(token, token, number), why)


def not_read(document: Document, spec: TableSpec, lines: range, reason: str) -> Table:
    """A block that looks like a table but cannot be read: every figure printed in it set aside
    with the reason, so nothing is lost silently."""
    collector = Collector(document, spec)
    why = f"table not read: {reason}"
    title = " ".join(document.normalized_lines[spec.at_line - 1].split()) if spec.at_line else ""
    for number in lines:
        if number == spec.at_line and title:
            continue
        _set_aside_line(collector, number, why)
    return Table(document.doc_id, spec.table_id, title, ["source_line"], [], [], collector.unparsed, 0,
                 lines, not_read=reason)
