"""Rule type level_nesting: a region's figure as a share of its parent region's."""
from __future__ import annotations

import numpy as np
import pandas as pd

from renshe.checks.crosschecks.frames import CheckInputs, DerivedFrame, _frame, _groups, _is_additive, _level_pair, _mapped, _most_precise, additive_stocks, check_row
from renshe.checks.rules import Rule, parse_band
from renshe.ingest.numbers import format_value


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
