"""Derived check frames: one row per check instance, built from the observations and a rule.

Nothing here decides pass or fail. Each builder computes the quantities a check is about
(a sum of parts, a child's share of its parent, the gap between two reports of one figure,
a share recomputed from its parts, a target's progress) together with the tolerance the
printed precision allows, and names the Great Expectations expectations that judge them
(checks.py runs those). Every row carries the observations it read as `sources`
(doc_id:line) and their raw lines as `source_text`.

Tolerance is never a blanket percentage: a figure printed as 1885.98 in 万人 is exact to
±0.005 万 = ±50 persons (its half-unit); a sum is exact to the sum of its terms' half-units.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from renshe.errors import UnknownUnitError
from renshe.ingest.numbers import format_gap, format_value, split_unit
from renshe.checks.rules import Rule, parse_band

# Relative slack for binary floating point when a gap equals its tolerance exactly.
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
    _records: dict[int, dict] | None = field(default=None, repr=False, compare=False)

    def records(self, frame: pd.DataFrame) -> list[dict]:
        """The rows of `frame` (a slice of `observations`) as plain dicts, in frame order.

        The builders read single rows many times; a dict lookup costs a fraction of
        `Series.__getitem__`, and the rows are converted once per run, column by column.
        """
        if self._records is None:
            names = list(self.observations.columns)
            columns = [self.observations[name].tolist() for name in names]
            self._records = {row["order"]: row for row in (dict(zip(names, values)) for values in zip(*columns))}
        return [self._records[order] for order in frame["order"].tolist()]


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


_PERIOD = re.compile(r"^(\d{4})(?:-(\d{4})|-(\d{2})|-Q([1-4]))?$")


def period_span(period: str) -> tuple[int, int]:
    """(first year, last year) of a period: '2021-2025' -> (2021, 2025); '2023-03' -> (2023, 2023)."""
    match = _PERIOD.match(str(period))
    if not match:
        return (0, 0)
    first = int(match.group(1))
    return (first, int(match.group(2)) if match.group(2) else first)


def period_end_month(period: str) -> int:
    """Months since year 0 at the end of the period: stocks are read at that point."""
    match = _PERIOD.match(str(period))
    if not match:
        return 0
    year = int(match.group(2) or match.group(1))
    if match.group(3):
        return year * 12 + int(match.group(3))
    if match.group(4):
        return year * 12 + int(match.group(4)) * 3
    return year * 12 + 12


def prepare(observations: pd.DataFrame) -> pd.DataFrame:
    """The observations plus what the builders need: precision, period end, a stable order."""
    frame = observations.copy()
    # computed once per distinct figure / period: a corpus repeats them many times
    precision: dict[tuple, float] = {}
    frame["half_unit"] = [precision[key] if key in precision else precision.setdefault(key, half_unit(*key))
                          for key in zip(frame["value"].tolist(), frame["value_raw"].tolist(),
                                         frame["unit_raw"].tolist())]
    periods = frame["period"].drop_duplicates()
    end_month = dict(zip(periods, periods.map(period_end_month)))
    span = dict(zip(periods, periods.map(period_span)))
    frame["end_month"] = frame["period"].map(end_month)
    frame["first_year"] = frame["period"].map(lambda p: span[p][0])
    frame["last_year"] = frame["period"].map(lambda p: span[p][1])
    frame["source"] = frame["doc_id"] + ":" + frame["source_line"].astype(str)
    frame["order"] = range(len(frame))
    return frame[frame["value"].notna()]


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


# --- 1. sum of parts ------------------------------------------------------------------

def build_sum_of_parts(rule: Rule, inputs: CheckInputs) -> DerivedFrame:
    if rule.get("table") is not None:
        rows = _table_sums(rule, inputs)
    else:
        rows = _relation_sums(rule, inputs)
    return _frame(rule, rows, GAP_EXPECTATIONS)


def _sum_row(rule: Rule, total: pd.Series, parts: list[pd.Series], indicator: str, regions: str,
             level_pair: str, label: str) -> dict:
    parts_sum = float(sum(p["value"] for p in parts))
    tolerance = float(total["half_unit"] + sum(p["half_unit"] for p in parts))
    gap = parts_sum - float(total["value"])
    return check_row(
        rule, [total, *parts], indicator_id=indicator, regions=regions, periods=total["period"],
        level_pair=level_pair, value_a=float(total["value"]), unit_a=total["unit"], value_b=parts_sum,
        unit_b=parts[0]["unit"], computed=parts_sum, computed_kind="sum", gap=gap, tolerance=tolerance,
        assessment="adds up" if abs(gap) <= tolerance else "does not add up",
        message=(f"{label}: parts sum to {format_value(parts_sum, total['unit'])}, total printed "
                 f"{format_value(total['value'], total['unit'])} (gap {format_gap(gap, total['unit'])}, "
                 f"tolerance ±{format_value(tolerance, total['unit'])})"),
    )


def _table_sums(rule: Rule, inputs: CheckInputs) -> list[dict]:
    table = rule.get("table")
    total_region = rule.get("total_region")
    children = {r for r, parent in inputs.region_parent.items() if parent == total_region}
    obs = inputs.observations
    scope = obs[(obs["doc_id"] == table["doc_id"]) & (obs["table_id"] == table["table_id"])]
    rows = []
    for (label, unit, period, measure), group in scope.groupby(
            ["indicator_zh", "unit", "period", "measure"], sort=False):
        entry = inputs.codebook.get(group["indicator_id"].iloc[0], {})
        if unit == "%" or (entry and not _is_additive(entry)):
            continue  # rates do not add up across districts
        totals = group[group["region"] == total_region]
        parts = group[group["region"].isin(children)]
        if totals.empty or len(parts) < 2:
            continue
        part_rows = [r for _, r in parts.sort_values("order").iterrows()]
        regions = "+".join(p["region"] for p in part_rows) + f"→{total_region}"
        rows.append(_sum_row(rule, totals.iloc[0], part_rows, group["indicator_id"].iloc[0] or label,
                             regions, "district→city", f"{label} ({measure})"))
    return rows


def codebook_relations(codebook: dict[str, dict]) -> list[tuple[str, list[str]]]:
    """Every `parts` (and `alternative_parts`) relation of the codebook: (total id, [part ids])."""
    relations = []
    for indicator, entry in codebook.items():
        groups = [entry.get("parts") or [], *(entry.get("alternative_parts") or [])]
        relations.extend((indicator, [str(p) for p in group]) for group in groups if len(group) >= 2)
    return relations


def _relation_sums(rule: Rule, inputs: CheckInputs) -> list[dict]:
    relations = rule.get("relations")
    if relations == "codebook":
        pairs = codebook_relations(inputs.codebook)
    else:
        pairs = [(r["total"], list(r["parts"])) for r in relations]
    measures = rule.get("measures") or ["actual", "change"]
    same_document = rule.get("same_document", True)
    keys = (["doc_id"] if same_document else []) + ["region", "period", "measure", "basis", "unit"]
    obs = inputs.observations
    rows = []
    for total_id, part_ids in pairs:
        wanted = obs[obs["indicator_id"].isin([total_id, *part_ids]) & obs["measure"].isin(measures)]
        for _, group in wanted.groupby(keys, sort=False):
            present = set(group["indicator_id"])
            if total_id not in present or not set(part_ids) <= present:
                continue
            total = most_precise(group[group["indicator_id"] == total_id])
            parts = [most_precise(group[group["indicator_id"] == p]) for p in part_ids]
            label = f"{total_id} ({total['measure']}) = {' + '.join(part_ids)}"
            rows.append(_sum_row(rule, total, parts, total_id, total["region"],
                                 f"{total['level']} parts→total", label))
    return rows


# --- 2. level nesting -----------------------------------------------------------------

def _parent_at_level(inputs: CheckInputs, region: str, level: str) -> str | None:
    current = inputs.region_parent.get(region)
    while current:
        if inputs.region_level.get(current) == level:
            return current
        current = inputs.region_parent.get(current)
    return None


def _deduplicated(inputs: CheckInputs, obs: pd.DataFrame, keys: list[str]) -> list[dict]:
    """One row per `keys`: the most precise report, groups in order of first appearance."""
    return [_most_precise(group) for group in _groups(inputs, obs, keys).values()]


def _parents_at_level(inputs: CheckInputs, regions: list[str], level: str) -> dict[str, str | None]:
    return {region: _parent_at_level(inputs, region, level) for region in set(regions)}


def nesting_pairs(inputs: CheckInputs, indicators: set[str], measures: list[str], child_level: str,
                  parent_level: str, max_gap_months: int) -> list[tuple[dict, dict]]:
    """(child, parent) observations of one indicator: same unit and measure, nearest period."""
    obs = _mapped(inputs.observations)
    obs = obs[obs["indicator_id"].isin(indicators) & obs["measure"].isin(measures) & (obs["basis"] == "")]
    keys = ["indicator_id", "region", "period", "measure", "unit"]
    children = _deduplicated(inputs, obs[obs["level"] == child_level], keys)
    subject = ["region", "indicator_id", "measure", "unit"]
    parents = _groups(inputs, obs[obs["level"] == parent_level], subject)
    parent_of = _parents_at_level(inputs, [child["region"] for child in children], parent_level)
    pairs = []
    for child in children:
        candidates = parents.get((parent_of[child["region"]], child["indicator_id"], child["measure"], child["unit"]))
        if not candidates:
            continue
        distance = [abs(row["end_month"] - child["end_month"]) for row in candidates]
        nearest_distance = min(distance)
        if nearest_distance > max_gap_months:
            continue
        nearest = [row for row, d in zip(candidates, distance) if d == nearest_distance]
        pairs.append((child, _most_precise(nearest)))
    return pairs


def _share_row(rule: Rule, inputs: CheckInputs, child: dict, parent: dict, band: tuple[float, float],
               kind: str = "share") -> dict:
    share = 100.0 * child["value"] / parent["value"] if parent["value"] else np.nan
    lower, upper = band
    within = lower <= share <= upper and child["value"] <= parent["value"]
    periods = child["period"] if child["period"] == parent["period"] else f"{child['period']} / {parent['period']}"
    return check_row(
        rule, [child, parent], indicator_id=child["indicator_id"],
        regions=f"{child['region']} / {parent['region']}", periods=periods,
        level_pair=_level_pair(inputs, child["region"], parent["region"]),
        value_a=float(child["value"]), unit_a=child["unit"], value_b=float(parent["value"]), unit_b=parent["unit"],
        computed=share, computed_kind=kind, gap=float(parent["value"] - child["value"]), tolerance=np.nan,
        assessment="within band" if within else "outside band",
        message=(f"{child['indicator_id']} ({child['measure']}): {child['region']} {child['period']} "
                 f"{format_value(child['value'], child['unit'])} is {share:.2f}% of {parent['region']} {parent['period']} "
                 f"{format_value(parent['value'], parent['unit'])} (band {lower:g}%-{upper:g}%)"),
        child_value=float(child["value"]), parent_value=float(parent["value"]), share=share,
    )


def _nesting_expectations(band: tuple[float, float]) -> list[tuple[str, dict]]:
    return [
        ("ExpectColumnPairValuesAToBeGreaterThanB",
         {"column_A": "parent_value", "column_B": "child_value", "or_equal": True}),
        ("ExpectColumnValuesToBeBetween", {"column": "share", "min_value": band[0], "max_value": band[1]}),
    ]


def _indicator_set(rule: Rule, inputs: CheckInputs, default: str) -> set[str]:
    indicators = rule.get("indicators", default)
    if indicators == "additive_stocks":
        return additive_stocks(inputs.codebook)
    if indicators == "additive":
        return {i for i, e in inputs.codebook.items() if _is_additive(e)}
    if indicators == "all":
        return set(inputs.observations["indicator_id"]) - {""}
    return set(indicators)


def build_level_nesting(rule: Rule, inputs: CheckInputs) -> DerivedFrame:
    band = parse_band(rule)
    pairs = nesting_pairs(inputs, _indicator_set(rule, inputs, "additive_stocks"), rule.get("measures") or ["actual"],
                          rule.get("child_level"), rule.get("parent_level"),
                          int(rule.get("max_period_gap_months", 12)))
    rows = [_share_row(rule, inputs, child, parent, band) for child, parent in pairs]
    return _frame(rule, rows, _nesting_expectations(band))


# --- 3. consistency -------------------------------------------------------------------

def build_consistency(rule: Rule, inputs: CheckInputs) -> DerivedFrame:
    obs = _mapped(inputs.observations)
    obs = obs[obs["indicator_id"].isin(_indicator_set(rule, inputs, "all"))
              & obs["measure"].isin(rule.get("measures") or ["actual", "target"])]
    keys = ["indicator_id", "region", "period", "measure", "basis", "unit"]
    # one report per source line (the first); only figures reported more than once are compared
    obs = obs.drop_duplicates([*keys, "doc_id", "source_line"])
    obs = obs[obs.duplicated(keys, keep=False)]
    rows = []
    for group in _groups(inputs, obs, keys).values():
        if len(group) < 2:
            continue
        reference = _most_precise(group)
        for other in sorted(group, key=lambda row: row["order"]):
            if other["order"] != reference["order"]:
                rows.append(_consistency_row(rule, reference, other))
    return _frame(rule, rows, GAP_EXPECTATIONS)


def _consistency_row(rule: Rule, first: dict, second: dict) -> dict:
    tolerance = float(max(first["half_unit"], second["half_unit"]))  # rounding of the less precise
    gap = float(second["value"] - first["value"])
    where = "tables" if first["doc_id"] == second["doc_id"] else "documents"
    return check_row(
        rule, [first, second], indicator_id=first["indicator_id"], regions=first["region"], periods=first["period"],
        level_pair=f"{first['level']}={second['level']}", value_a=float(first["value"]), unit_a=first["unit"],
        value_b=float(second["value"]), unit_b=second["unit"], computed=gap, computed_kind="gap", gap=gap,
        tolerance=tolerance, assessment="agrees" if abs(gap) <= tolerance else "disagrees",
        message=(f"{first['indicator_id']} ({first['measure']}) {first['region']} {first['period']} reported twice "
                 f"across {where}: {first['value_raw']} {first['unit_raw']} ({first['source']}) vs "
                 f"{second['value_raw']} {second['unit_raw']} ({second['source']}); gap {format_gap(gap, first['unit'])}, "
                 f"tolerance ±{format_value(tolerance, first['unit'])}"),
    )


# --- 4. stated ratios -----------------------------------------------------------------

def select(inputs: CheckInputs, selector: dict, where: dict | None = None,
           anchor: pd.Series | None = None) -> pd.Series | None:
    """The one observation a rule's selector names (the first in document order)."""
    obs = inputs.observations
    merged = {**(where or {}), **selector}
    mask = pd.Series(True, index=obs.index)
    for key, value in merged.items():
        if key == "indicator":
            mask &= obs["indicator_id"] == str(value)
        elif key == "indicator_zh":
            mask &= obs["indicator_zh"].str.contains(str(value), regex=False)
        elif key == "near":
            continue
        else:
            mask &= obs[key] == str(value)
    found = obs[mask]
    if merged.get("near") == "numerator" and anchor is not None:
        found = found[(found["doc_id"] == anchor["doc_id"]) & (found["source_line"] == anchor["source_line"])]
        found = found[[_after(anchor, row) for _, row in found.iterrows()]] if len(found) else found
    if found.empty:
        return None
    return found.sort_values("order").iloc[0]


def _after(anchor: pd.Series, row: pd.Series) -> bool:
    """Does `row`'s figure stand after `anchor`'s on their common line?"""
    text = str(anchor["source_text"])
    start = text.find(str(anchor["value_raw"]))
    return start >= 0 and text.find(str(row["value_raw"]), start + len(str(anchor["value_raw"]))) >= 0


def build_stated_ratio(rule: Rule, inputs: CheckInputs) -> DerivedFrame:
    where = rule.get("where") or {}
    numerator = select(inputs, rule.get("numerator"), where)
    stated = select(inputs, rule.get("stated"), where, anchor=numerator) if numerator is not None else None
    if rule.get("denominator") is not None:
        denominator = select(inputs, rule.get("denominator"), where)
        operands = {"numerator": numerator, "denominator": denominator, "stated": stated}
        build: Callable = _ratio_row
    else:
        other = rule.get("same_base_as")
        other_numerator = select(inputs, other["numerator"], where)
        other_stated = (select(inputs, other["stated"], where, anchor=other_numerator)
                        if other_numerator is not None else None)
        operands = {"numerator": numerator, "stated": stated, "same_base_as.numerator": other_numerator,
                    "same_base_as.stated": other_stated}
        build = _same_base_row
    missing = [name for name, row in operands.items() if row is None]
    if missing:
        return _frame(rule, [], GAP_EXPECTATIONS, [f"no observation matched {', '.join(missing)}"])
    return _frame(rule, [build(rule, *operands.values())], GAP_EXPECTATIONS)


def _ratio_row(rule: Rule, numerator: pd.Series, denominator: pd.Series, stated: pd.Series) -> dict:
    a, b = float(numerator["value"]), float(denominator["value"])
    share = 100.0 * a / b
    # error of a/b from the printed precision of both, plus the stated share's own rounding
    tolerance = float(stated["half_unit"] + 100.0 * (numerator["half_unit"] / b + a * denominator["half_unit"] / b ** 2))
    gap = share - float(stated["value"])
    return check_row(
        rule, [stated, numerator, denominator], indicator_id=numerator["indicator_id"] or numerator["indicator_zh"],
        regions=numerator["region"], periods=numerator["period"], level_pair=f"{numerator['level']}",
        value_a=float(stated["value"]), unit_a="%", value_b=share, unit_b="%", computed=share,
        computed_kind="share", gap=gap, tolerance=tolerance,
        assessment="agrees" if abs(gap) <= tolerance else "disagrees",
        message=(f"stated {stated['value_raw']}% vs {numerator['indicator_id'] or numerator['indicator_zh']} "
                 f"{numerator['value_raw']}{numerator['unit_raw']} / {denominator['indicator_id'] or denominator['indicator_zh']} "
                 f"{denominator['value_raw']}{denominator['unit_raw']} = {share:.3f}% (gap {gap:+.3f} points, "
                 f"tolerance ±{tolerance:.3f})"),
    )


def _implied_base(numerator: pd.Series, stated: pd.Series) -> tuple[float, float]:
    base = float(numerator["value"]) / (float(stated["value"]) / 100.0)
    relative_error = numerator["half_unit"] / numerator["value"] + stated["half_unit"] / stated["value"]
    return base, float(base * relative_error)


def _same_base_row(rule: Rule, numerator: pd.Series, stated: pd.Series, other: pd.Series,
                   other_stated: pd.Series) -> dict:
    base_a, error_a = _implied_base(numerator, stated)
    base_b, error_b = _implied_base(other, other_stated)
    gap = base_b - base_a
    tolerance = error_a + error_b
    return check_row(
        rule, [numerator, stated, other, other_stated],
        indicator_id=f"{numerator['indicator_id'] or numerator['indicator_zh']} / {other['indicator_id'] or other['indicator_zh']}",
        regions=numerator["region"], periods=numerator["period"], level_pair=f"{numerator['level']}",
        value_a=base_a, unit_a=numerator["unit"], value_b=base_b, unit_b=other["unit"], computed=gap,
        computed_kind="implied_base", gap=gap, tolerance=tolerance,
        assessment="agrees" if abs(gap) <= tolerance else "disagrees",
        message=(f"{numerator['value_raw']}{numerator['unit_raw']} at {stated['value_raw']}% implies a base of "
                 f"{format_value(base_a, numerator['unit'])}; {other['value_raw']}{other['unit_raw']} at "
                 f"{other_stated['value_raw']}% implies {format_value(base_b, other['unit'])} (gap {format_value(gap, other['unit'])}, "
                 f"tolerance ±{format_value(tolerance, other['unit'])})"),
    )


# --- 5. targets -----------------------------------------------------------------------

PACE_EXPECTATIONS = [("ExpectColumnValuesToBeBetween", {"column": "pace_in_tolerance", "min_value": -1.0})]


def build_targets(rule: Rule, inputs: CheckInputs) -> DerivedFrame:
    check = rule.get("check")
    if check == "progress":
        return _frame(rule, _progress_rows(rule, inputs), PACE_EXPECTATIONS)
    if check == "cumulative_vs_per_year":
        return _frame(rule, _cumulative_rows(rule, inputs), GAP_EXPECTATIONS)
    band = parse_band(rule)
    return _frame(rule, _target_nesting_rows(rule, inputs, band), _nesting_expectations(band))


def _lower_is_better(rule: Rule, target: dict) -> bool:
    return target["indicator_id"] in (rule.get("lower_is_better") or []) or target["qualifier"] in ("<=", "<")


def _progress_rows(rule: Rule, inputs: CheckInputs) -> list[dict]:
    obs = _mapped(inputs.observations)
    obs = obs[obs["indicator_id"].isin(_indicator_set(rule, inputs, "all"))]
    subject = ["indicator_id", "region", "unit"]
    actuals = _groups(inputs, obs[obs["measure"] == "actual"], subject)
    rows = []
    keys = ["doc_id", "indicator_id", "region", "period", "basis", "unit"]
    for target in _deduplicated(inputs, obs[obs["measure"] == "target"], keys):
        same = actuals.get(tuple(target[k] for k in subject), [])
        row = _progress_row(rule, target, same)
        if row:
            rows.append(row)
    return rows


_YEAR = re.compile(r"\d{4}")


def _progress_row(rule: Rule, target: dict, actuals: list[dict]) -> dict | None:
    sign = -1.0 if _lower_is_better(rule, target) else 1.0
    first, last = int(target["first_year"]), int(target["last_year"])
    years = last - first + 1
    if target["basis"] in ("cumulative", "per_year"):
        same_span = [a for a in actuals if a["period"] == target["period"] and a["basis"] == target["basis"]]
        annual = [a for a in actuals if a["basis"] == "" and a["first_year"] >= first and a["last_year"] <= last
                  and _YEAR.fullmatch(a["period"])]
        if same_span:
            latest, expected, how = _most_precise(same_span), float(target["value"]), "over the same period"
        elif annual:
            latest = _most_precise(_latest(annual))
            per_year = float(target["value"]) / years if target["basis"] == "cumulative" else float(target["value"])
            expected, how = per_year, "against the per-year pace"
        else:
            return None
        base = None
    else:
        levels = [a for a in actuals if a["basis"] == "" and a["last_year"] <= last]
        if not levels:
            return None
        latest = _most_precise(_latest(levels))
        base_rows = [a for a in levels if a["doc_id"] == target["doc_id"] and a["last_year"] < last]
        base = _most_precise(_latest(base_rows)) if base_rows else None
        if base is not None and latest["end_month"] <= base["end_month"]:
            return None  # nothing reported after the base year: no progress to judge
        expected, how = float(target["value"]), "at the target year"
        reached = sign * (float(latest["value"]) - expected) >= -float(max(latest["half_unit"], target["half_unit"]))
        if base is None and latest["last_year"] < last and not reached:
            return None  # before the target year and no base year to draw the line from: nothing to judge
        if base is not None and latest["last_year"] < last:
            fraction = (latest["end_month"] - base["end_month"]) / (last * 12 + 12 - base["end_month"])
            expected = float(base["value"] + (target["value"] - base["value"]) * fraction)
            how = f"on the straight line from {base['period']}"
    tolerance = float(max(latest["half_unit"], target["half_unit"])) or 1e-9
    pace_gap = sign * (float(latest["value"]) - expected)
    achieved = sign * (float(latest["value"]) - float(target["value"])) >= -tolerance
    assessment = "achieved" if achieved else ("on track" if pace_gap >= -tolerance else "behind")
    sources = [target, latest] + ([base] if base is not None else [])
    return check_row(
        rule, sources, indicator_id=target["indicator_id"], regions=target["region"],
        periods=f"{latest['period']} vs target {target['period']}", level_pair=target["level"],
        value_a=float(latest["value"]), unit_a=latest["unit"], value_b=float(target["value"]), unit_b=target["unit"],
        computed=expected, computed_kind="expected_by_now", gap=pace_gap, tolerance=tolerance, assessment=assessment,
        pace_in_tolerance=pace_gap / tolerance,
        message=(f"{target['indicator_id']} {target['region']}: latest actual {latest['period']} "
                 f"{format_value(latest['value'], latest['unit'])} vs target {target['period']} "
                 f"{target['qualifier']}{format_value(target['value'], target['unit'])}{' (' + target['basis'] + ')' if target['basis'] else ''}; "
                 f"expected {format_value(expected, target['unit'])} {how} ({'lower' if sign < 0 else 'higher'} is better): "
                 f"{assessment}"),
    )


def _cumulative_rows(rule: Rule, inputs: CheckInputs) -> list[dict]:
    """A plan's targets for one flow stated two ways: a five-year total, a per-year rate, and the
    rate for the plan's last year (a 年招收数 column): each pair must agree (× years)."""
    obs = _mapped(inputs.observations)
    targets = obs[(obs["measure"] == "target") & obs["indicator_id"].isin(_indicator_set(rule, inputs, "all"))]
    keys = ["doc_id", "indicator_id", "region", "period", "basis", "unit"]
    cumulative = _deduplicated(inputs, targets[targets["basis"] == "cumulative"], keys)
    per_year = _deduplicated(inputs, targets[targets["basis"] == "per_year"], keys)
    flows = {i for i, e in inputs.codebook.items() if e.get("kind") == "flow"}
    final_year = _deduplicated(inputs, targets[(targets["basis"] == "") & targets["indicator_id"].isin(flows)
                                               & (targets["first_year"] == targets["last_year"])], keys)
    # pairs are only ever formed within one subject: look the partners up instead of scanning all pairs
    yearly_of = _by_subject(per_year + final_year)
    final_of = _by_subject(final_year)
    rows = []
    for total in cumulative:
        for yearly in yearly_of.get(_subject(total), []):
            if total["first_year"] <= yearly["first_year"] <= total["last_year"] \
                    and (yearly["basis"] == "per_year" or (yearly["doc_id"] == total["doc_id"]
                                                            and yearly["last_year"] == total["last_year"])):
                rows.append(_years_row(rule, total, yearly))
    for rate in per_year:
        for last in final_of.get(_subject(rate), []):
            if rate["doc_id"] == last["doc_id"] and rate["last_year"] == last["last_year"]:
                rows.append(_years_row(rule, rate, last))
    return rows


def _subject(row: dict) -> tuple:
    return (row["indicator_id"], row["region"], row["unit"])


def _by_subject(rows: list[dict]) -> dict[tuple, list[dict]]:
    """{subject: rows in their order}."""
    grouped: dict[tuple, list[dict]] = {}
    for row in rows:
        grouped.setdefault(_subject(row), []).append(row)
    return grouped


def _years_row(rule: Rule, total: dict, yearly: dict) -> dict:
    """`total` is a cumulative target (compared with yearly × years) or a per-year one (with yearly)."""
    years = int(total["last_year"] - total["first_year"] + 1) if total["basis"] == "cumulative" else 1
    implied = float(yearly["value"]) * years
    tolerance = float(total["half_unit"] + years * yearly["half_unit"])
    gap = implied - float(total["value"])
    describe = {"cumulative": "cumulative", "per_year": "per-year", "": "final-year"}
    note = ""
    plan_years = int(total["last_year"] - total["first_year"] + 1)
    if years == 1 and abs(gap) > tolerance and np.isclose(yearly["value"], total["value"] * plan_years, rtol=0.01):
        note = f"; the {yearly['period']} figure equals the per-year target × {plan_years}: it reads as a plan-period total"
    return check_row(
        rule, [total, yearly], indicator_id=total["indicator_id"], regions=total["region"],
        periods=f"{total['period']} ({describe[total['basis']]}) / {yearly['period']} ({describe[yearly['basis']]})",
        level_pair=total["level"], value_a=float(total["value"]), unit_a=total["unit"], value_b=implied,
        unit_b=yearly["unit"], computed=implied, computed_kind="per_year_x_years" if years > 1 else "per_year",
        gap=gap, tolerance=tolerance, assessment="consistent" if abs(gap) <= tolerance else "contradicts",
        message=(f"{total['indicator_id']} {total['region']}: {describe[total['basis']]} target {total['period']} "
                 f"{total['qualifier']}{format_value(total['value'], total['unit'])} vs {describe[yearly['basis']]} target "
                 f"{yearly['period']} {yearly['qualifier']}{format_value(yearly['value'], yearly['unit'])}"
                 + (f" × {years} = {format_value(implied, yearly['unit'])}" if years > 1 else "") + note),
    )


def _target_nesting_rows(rule: Rule, inputs: CheckInputs, band: tuple[float, float]) -> list[dict]:
    """City targets against the province's: same year, or the province's yearly rate of a plan period."""
    obs = _mapped(inputs.observations)
    indicators = _indicator_set(rule, inputs, "additive_stocks")
    targets = obs[(obs["measure"] == "target") & obs["indicator_id"].isin(indicators)]
    keys = ["indicator_id", "region", "period", "basis", "unit"]
    children = _deduplicated(inputs, targets[targets["level"] == rule.get("child_level")], keys)
    parents = _groups(inputs, targets[targets["level"] == rule.get("parent_level")], ["region", "indicator_id", "unit"])
    parent_of = _parents_at_level(inputs, [child["region"] for child in children], rule.get("parent_level"))
    rows = []
    for child in children:
        candidates = parents.get((parent_of[child["region"]], child["indicator_id"], child["unit"]), [])
        parent = _comparable_target(child, candidates)
        if parent is not None:
            rows.append(_share_row(rule, inputs, child, parent, band, kind="target_share"))
    return rows


def _comparable_target(child: dict, candidates: list[dict]) -> dict | None:
    same = [c for c in candidates if c["period"] == child["period"] and c["basis"] == child["basis"]]
    if same:
        return _most_precise(same)
    if child["basis"] != "" or child["first_year"] != child["last_year"]:
        return None
    # a one-year city target against the province's plan-period target, read per year
    spanning = [c for c in candidates if c["basis"] in ("per_year", "cumulative")
                and c["first_year"] <= child["first_year"] and c["last_year"] >= child["last_year"]]
    if not spanning:
        return None
    parent = dict(_most_precise(spanning))
    if parent["basis"] == "cumulative":
        years = parent["last_year"] - parent["first_year"] + 1
        parent["value"] = parent["value"] / years
        parent["period"] = f"{parent['period']} ÷ {years}"
    return parent


BUILDERS: dict[str, Callable[[Rule, CheckInputs], DerivedFrame]] = {
    "sum_of_parts": build_sum_of_parts,
    "level_nesting": build_level_nesting,
    "consistency": build_consistency,
    "stated_ratio": build_stated_ratio,
    "targets": build_targets,
}


def build_all(rules: list[Rule], inputs: CheckInputs) -> list[DerivedFrame]:
    return [BUILDERS[rule.type](rule, inputs) for rule in rules]
