"""Table layouts as data: what each printed column of a document's table means.

The layouts live in data/tables.yaml; a document's `layout` in the registry, else its doc_id,
names its entry. One loader reads them and names file and line for a malformed entry.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from renshe.errors import RensheError
from renshe.yamlfiles import list_item_lines, load_yaml

LAYOUTS_NAME = Path("data") / "tables.yaml"
COLUMN_FIELDS = ("header", "role", "period", "measure", "cumulative_period", "unit", "names")

ROLES = ("label", "category", "region", "period", "value", "attribute", "ordinal", "text", "unit")


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
    # what the header adds to the row label when columns of one period and measure measure
    # different things: "城镇居民" over 总量 (城镇居民可支配收入), "比重" (城镇比重)
    names: str = ""

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
    at_line: int = 0  # a detected table's title line (or the line above its header); 0: found by `title`

    @property
    def width(self) -> int:
        return len(self.columns)

    @property
    def is_text(self) -> bool:
        return not any(c.role in ("value", "region", "period") for c in self.columns)




def _column(raw: object, path: Path, line: int | None, where: str) -> Column:
    if not isinstance(raw, dict) or "header" not in raw:
        raise RensheError(f"{where}: a column is a mapping with at least `header`", path, line)
    unknown = sorted(set(raw) - set(COLUMN_FIELDS))
    if unknown:
        raise RensheError(f"{where}: unknown column field(s) {unknown}", path, line)
    try:
        return Column(**{name: str(raw.get(name) or "") for name in COLUMN_FIELDS if name != "role"},
                      role=str(raw.get("role") or "value"))
    except ValueError as exc:
        raise RensheError(f"{where}: {exc}", path, line) from exc


def _spec(raw: object, path: Path, line: int | None, layout_name: str) -> TableSpec:
    if not isinstance(raw, dict) or not {"table_id", "title", "layout", "columns"} <= set(raw):
        raise RensheError(f"layout {layout_name}: a table needs table_id, title, layout and columns", path, line)
    where = f"layout {layout_name}, table {raw['table_id']}"
    if raw["layout"] not in ("tab", "cell_lines"):
        raise RensheError(f"{where}: layout {raw['layout']!r} is neither tab nor cell_lines", path, line)
    columns = tuple(_column(column, path, line, where) for column in raw["columns"] or ())
    return TableSpec(str(raw["table_id"]), str(raw["title"]), raw["layout"], columns, int(raw.get("header_rows", 1)))


def load_table_layouts(path: Path) -> dict[str, tuple[TableSpec, ...]]:
    """data/tables.yaml -> {layout name: its tables}; {} without the file; re-read when edited."""
    path = Path(path)
    if not path.is_file():
        return {}
    return _load_table_layouts(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _load_table_layouts(path: Path, _mtime_ns: int) -> dict[str, tuple[TableSpec, ...]]:
    data, text = load_yaml(path)
    layouts = data.get("layouts") if isinstance(data, dict) else None
    if not isinstance(layouts, dict):
        raise RensheError("`layouts` must map a layout name to a list of tables", path, 1)
    result = {}
    for name, tables in layouts.items():
        starts = list_item_lines(text, "layouts", name)
        result[str(name)] = tuple(_spec(raw, path, starts[i] if i < len(starts) else None, name)
                                  for i, raw in enumerate(tables or ()))
    return result


def layouts_for(document_path: Path, layout_name: str) -> tuple[TableSpec, ...]:
    """The table layouts named `layout_name` in the data/tables.yaml of the project the
    document's raw file belongs to (none when the project has no such file or entry)."""
    for folder in Path(document_path).parents:
        candidate = folder / LAYOUTS_NAME
        if candidate.is_file():
            return load_table_layouts(candidate).get(layout_name, ())
    return ()
