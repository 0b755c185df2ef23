"""The output contract: the columns every later step (checks, notebooks, site) reads.

pandas is imported by the functions that build frames, not by the module: the extraction
workers use `Table` and fork before the parent has imported pandas (see extract._map_documents).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

OBSERVATION_COLUMNS = [
    "doc_id", "table_id", "region", "region_code", "level", "indicator_id", "indicator_zh",
    "period", "measure", "qualifier", "value", "unit", "value_raw", "unit_raw",
    "source_line", "source_text",
    # the PDF page the line was printed on (0: a format without pages)
    "source_page",
    # beyond the contract: how the period is to be read ('' | cumulative | per_year)
    "basis",
]
MEASURES = ("actual", "target", "change", "change_pct")
LEVELS = ("national", "province", "city", "district")
BASES = ("", "cumulative", "per_year")

_STRING_COLUMNS = [c for c in OBSERVATION_COLUMNS if c not in ("value", "source_line", "source_page")]

UNPARSED_COLUMNS = [
    "doc_id", "table_id", "region", "row_label", "column", "cell_text", "reason",
    "source_line", "source_text",
]
# why: why no id was given; suggestions: the closest indicators, 'id score: reason; ...'
UNMAPPED_COLUMNS = ["doc_id", "table_id", "indicator_zh", "unit", "count", "first_source_line", "source_text",
                    "why", "suggestions"]


@dataclass
class Table:
    """One extracted table: the wide layout as printed, and what it yields.

    The layout is kept as plain rows (source line, then the cells as printed) and turned into
    a DataFrame only when asked for: a large corpus has hundreds of small tables, and building
    a frame for each cost more than reading them.
    """

    doc_id: str
    table_id: str
    title: str
    columns: list[str]  # "source_line", then the printed headers
    rows: list[tuple] = field(default_factory=list)
    observations: list[dict] = field(default_factory=list)
    unparsed: list[dict] = field(default_factory=list)
    numeric_cells: int = 0
    lines: range = range(0)  # the raw lines the table occupies, title to last row: not running text
    not_read: str = ""  # why a block that looks like a table could not be read ('' for a table read)

    @property
    def wide(self) -> pd.DataFrame:
        """The printed layout: source_line (int64), then one string column per printed header."""
        import pandas as pd

        columns = list(zip(*self.rows)) or [()] * len(self.columns)
        data = {"source_line": pd.array(columns[0], dtype="int64")}
        data.update({name: pd.array(cells, dtype="string") for name, cells in zip(self.columns[1:], columns[1:])})
        return pd.DataFrame(data)


def observations_frame(records: list[dict]) -> pd.DataFrame:
    """Records -> DataFrame with the contract's columns and dtypes, in contract order."""
    import pandas as pd

    # column by column: pandas' from_records spent longer sorting dicts into columns than this
    frame = pd.DataFrame({name: [record.get(name) for record in records] for name in OBSERVATION_COLUMNS})
    return coerce_observations(frame)


def coerce_observations(frame: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    frame = frame.reindex(columns=OBSERVATION_COLUMNS)
    for column in _STRING_COLUMNS:
        frame[column] = frame[column].fillna("").astype("string")
    frame["value"] = pd.to_numeric(frame["value"]).astype("float64")
    frame["source_line"] = pd.to_numeric(frame["source_line"]).astype("int64")
    frame["source_page"] = pd.to_numeric(frame["source_page"]).fillna(0).astype("int64")
    return frame


def unparsed_frame(records: list[dict]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame.from_records(records, columns=UNPARSED_COLUMNS)
    frame["source_line"] = pd.to_numeric(frame["source_line"]).astype("int64")
    return frame
