"""Derived check frames, what every builder shares: one row per check instance, built from the observations and a rule.

Nothing here decides pass or fail. Each builder computes the quantities a check is about
(a sum of parts, a child's share of its parent, the gap between two reports of one figure,
a share recomputed from its parts, a target's progress) together with the tolerance the
printed precision allows, and names the Great Expectations expectations that judge them
(checks/validate.py runs those). Every row carries the observations it read as `sources`
(doc_id:line) and their raw lines as `source_text`.

Tolerance is never a blanket percentage: a figure printed as 1885.98 in 万人 is exact to
±0.005 万 = ±50 persons (its half-unit); a sum is exact to the sum of its terms' half-units.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from renshe.checks.pairing import period_end_month, period_span
from renshe.checks.rules import Rule
from renshe.errors import UnknownUnitError
from renshe.ingest.numbers import split_unit


FLOAT_SLACK = 1e-9
CHECK_COLUMNS = [
    "check_id", "rule_id", "rule_type", "severity", "status", "indicator_id", "regions", "periods",
    "level_pair", "value_a", "unit_a", "value_b", "unit_b", "computed", "computed_kind", "gap",
    "tolerance", "assessment", "sources", "source_text", "message",
]
# What GX sees per rule type: the columns its expectations test.
GAP_EXPECTATIONS = [("ExpectColumnValuesToBeBetween",
                     {"column": "gap_in_tolerance", "min_value": -1.0, "max_value": 1.0})]


@dataclass
class DerivedFrame:
    rule: Rule
    frame: pd.DataFrame  # CHECK_COLUMNS (status empty) + the columns the expectations test
    expectations: list[tuple[str, dict]]
    notes: list[str] = field(default_factory=list)  # rule instances that could not be formed


@dataclass
class CheckInputs:
    observations: pd.DataFrame  # the contract columns + half_unit, year, months, key
    codebook: dict[str, dict]
    region_parent: dict[str, str | None]
    region_level: dict[str, str]
    doc_lines: dict[str, list[str]] = field(default_factory=dict)
    # {doc_id: registry entry}: dates and editions (checks/editions.py); empty in unit tests
    documents: dict = field(default_factory=dict)
    # the observations of earlier editions (prepared like `observations`; none: no re-issue)
    superseded: pd.DataFrame | None = None
    _records: dict[int, dict] | None = field(default=None, repr=False, compare=False)
    _pairs: dict = field(default_factory=dict, repr=False, compare=False)  # nesting.rule_pairs, by what pairs
    _operands: pd.DataFrame | None = field(default=None, repr=False, compare=False)  # columns.operands()

    def records(self, frame: pd.DataFrame) -> list[dict]:
        """The rows of `frame` (a slice of `observations`) as plain dicts, in frame order.

        The builders read single rows many times; a dict lookup costs a fraction of
        `Series.__getitem__`. Only the rows asked for are converted (column by column, each
        once per run): a builder that reads a few indicators must not cost a dict per
        observation of a million.
        """
        if self._records is None:
            self._records = {}
        orders = frame["order"].tolist()
        new = [position for position, order in enumerate(orders) if order not in self._records]
        if new:
            rows = self.observations.loc[frame.index[new]]
            names = list(rows.columns)
            columns = [rows[name].tolist() for name in names]
            for values in zip(*columns):
                row = dict(zip(names, values))
                self._records[row["order"]] = row
        return [self._records[order] for order in orders]


# --- precision and periods --------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?\d+(?:,\d{3})*(?:\.(\d+))?")


def half_unit(value: float, value_raw: str, unit_raw: str) -> float:
    """Half of the last printed digit, in the canonical unit: ('1885.98', '万人') -> 50.0."""
    match = _NUMBER.search(str(value_raw or ""))
    if not match:
        return 0.0
    decimals = len(match.group(1) or "")
    number = float(match.group(0).replace(",", ""))
    try:
        scale = split_unit(str(unit_raw or ""))[0]
    except UnknownUnitError:
        scale = abs(value / number) if number else 1.0
    if number and value and not _isclose(abs(value), abs(number) * scale):
        scale = abs(value / number)  # the value was scaled by a header the unit_raw does not show
    return 0.5 * 10.0 ** -decimals * scale


def _isclose(a: float, b: float, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
    """`np.isclose(a, b, rtol)` for two floats (numpy's own formula) without its per-call overhead."""
    if math.isfinite(a) and math.isfinite(b):
        return abs(a - b) <= atol + rtol * abs(b)
    return bool(np.isclose(a, b, rtol=rtol, atol=atol))


def prepare(observations: pd.DataFrame) -> pd.DataFrame:
    """The observations plus what the builders need: precision, period end, a stable order."""
    frame = observations.copy(deep=False)  # copy-on-write: the new columns do not touch the caller's frame
    # computed once per distinct figure / period: a corpus repeats them many times
    distinct = frame[["value", "value_raw", "unit_raw"]].drop_duplicates()
    precision = pd.Series([half_unit(*key) for key in zip(distinct["value"].tolist(), distinct["value_raw"].tolist(),
                                                            distinct["unit_raw"].tolist())],
                          index=pd.MultiIndex.from_frame(distinct), dtype="float64")
    frame["half_unit"] = precision.reindex(pd.MultiIndex.from_frame(frame[["value", "value_raw", "unit_raw"]])).to_numpy()
    periods = frame["period"].drop_duplicates()
    spans = periods.map(period_span)
    frame["end_month"] = frame["period"].map(dict(zip(periods, periods.map(period_end_month))))
    frame["first_year"] = frame["period"].map(dict(zip(periods, (span[0] for span in spans))))
    frame["last_year"] = frame["period"].map(dict(zip(periods, (span[1] for span in spans))))
    frame["source"] = frame["doc_id"] + ":" + frame["source_line"].astype("string")
    # text as categories: a corpus repeats its documents, regions, indicators and periods (and a
    # line is quoted by every figure it holds), so the builders keep each text once and move codes
    frame = frame.assign(**{name: column.astype("category") for name, column in frame.items()
                            if isinstance(column.dtype, pd.StringDtype)})
    frame["order"] = range(len(frame))
    missing = frame["value"].isna()
    return frame[~missing] if missing.any() else frame


def most_precise(rows: pd.DataFrame) -> pd.Series:
    """Of several reports of one figure, the most precise (then the first in document order)."""
    return rows.sort_values(["half_unit", "order"]).iloc[0]


def _precision_key(row: dict) -> tuple[float, int]:
    return (row["half_unit"], row["order"])


def _most_precise(rows: list[dict]) -> dict:
    """`most_precise` for rows already read into dicts."""
    return min(rows, key=_precision_key)


def _latest(rows: list[dict]) -> list[dict]:
    """The rows of the latest period end."""
    last = max(row["end_month"] for row in rows)
    return [row for row in rows if row["end_month"] == last]


def _groups(inputs: CheckInputs, frame: pd.DataFrame, keys: list[str]) -> dict[tuple, list[dict]]:
    """`frame.groupby(keys, sort=False)` as {key: rows in frame order}, in order of first appearance
    (rows with a missing key are left out, as groupby does)."""
    groups: dict[tuple, list[dict]] = {}
    for row in inputs.records(frame.dropna(subset=keys)):
        groups.setdefault(tuple(row[k] for k in keys), []).append(row)
    return groups


# --- one check row --------------------------------------------------------------------

def _quote(rows: list[pd.Series] | list[dict]) -> tuple[str, str]:
    seen: dict[str, str] = {}
    for row in rows:
        seen.setdefault(row["source"], str(row["source_text"]).strip())
    sources = "; ".join(seen)
    text = " | ".join(f"[{source}] {line}" for source, line in seen.items())
    return sources, text


def check_row(rule: Rule, rows: list[pd.Series] | list[dict], **values: Any) -> dict:
    sources, text = _quote(rows)
    row = {column: "" for column in CHECK_COLUMNS}
    row.update({"rule_id": rule.id, "rule_type": rule.type, "severity": rule.severity,
                "sources": sources, "source_text": text})
    row.update(values)
    tolerance = row.get("tolerance") or 0.0
    if "gap" in values and "gap_in_tolerance" not in values and tolerance:
        row["gap_in_tolerance"] = values["gap"] / (tolerance * (1 + FLOAT_SLACK))
    return row


def _frame(rule: Rule, rows: list[dict], expectations: list[tuple[str, dict]],
           notes: list[str] | None = None) -> DerivedFrame:
    frame = pd.DataFrame.from_records(rows)
    if frame.empty:
        frame = pd.DataFrame(columns=CHECK_COLUMNS)
    for column in CHECK_COLUMNS:
        if column not in frame:
            frame[column] = ""
    frame["check_id"] = [f"{rule.id}#{n + 1}" for n in range(len(frame))]
    for column in ("value_a", "value_b", "computed", "gap", "tolerance"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return DerivedFrame(rule, frame, expectations, notes or [])


def _level_pair(inputs: CheckInputs, child: str, parent: str) -> str:
    return f"{inputs.region_level.get(child, '?')}→{inputs.region_level.get(parent, '?')}"


def _mapped(obs: pd.DataFrame) -> pd.DataFrame:
    return obs[obs["indicator_id"] != ""]


def additive_stocks(codebook: dict[str, dict]) -> set[str]:
    return {i for i, e in codebook.items() if _is_additive(e) and e.get("kind") == "stock"}


def _is_additive(entry: dict) -> bool:
    for key in ("additive", "adds_up", "sums_across_regions"):
        if key in entry:
            return bool(entry[key])
    return entry.get("kind") in ("stock", "flow", "count", "amount") and entry.get("unit") != "%"
