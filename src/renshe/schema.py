"""The output contract: the columns every later step (checks, notebooks, site) reads."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

OBSERVATION_COLUMNS = [
    "doc_id", "table_id", "region", "region_code", "level", "indicator_id", "indicator_zh",
    "period", "measure", "qualifier", "value", "unit", "value_raw", "unit_raw",
    "source_line", "source_text",
    # beyond the contract: how the period is to be read ('' | cumulative | per_year)
    "basis",
]
MEASURES = ("actual", "target", "change", "change_pct")
LEVELS = ("national", "province", "city", "district")
BASES = ("", "cumulative", "per_year")

_STRING_COLUMNS = [c for c in OBSERVATION_COLUMNS if c not in ("value", "source_line")]

UNPARSED_COLUMNS = [
    "doc_id", "table_id", "region", "row_label", "column", "cell_text", "reason",
    "source_line", "source_text",
]
UNMAPPED_COLUMNS = ["doc_id", "table_id", "indicator_zh", "unit", "count", "first_source_line", "source_text"]


@dataclass
class Table:
    """One extracted table: the wide layout as printed, and what it yields."""

    doc_id: str
    table_id: str
    title: str
    wide: pd.DataFrame
    observations: list[dict] = field(default_factory=list)
    unparsed: list[dict] = field(default_factory=list)
    numeric_cells: int = 0


def observations_frame(records: list[dict]) -> pd.DataFrame:
    """Records -> DataFrame with the contract's columns and dtypes, in contract order."""
    frame = pd.DataFrame.from_records(records, columns=OBSERVATION_COLUMNS)
    return coerce_observations(frame)


def coerce_observations(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reindex(columns=OBSERVATION_COLUMNS)
    for column in _STRING_COLUMNS:
        frame[column] = frame[column].fillna("").astype("string")
    frame["value"] = pd.to_numeric(frame["value"]).astype("float64")
    frame["source_line"] = pd.to_numeric(frame["source_line"]).astype("int64")
    return frame


def unparsed_frame(records: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=UNPARSED_COLUMNS)
    frame["source_line"] = pd.to_numeric(frame["source_line"]).astype("int64")
    return frame
