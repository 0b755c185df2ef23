"""Rule type level_nesting: a region's figure as a share of its parent region's."""
from __future__ import annotations

import numpy as np
import pandas as pd

from renshe.checks.crosschecks.frames import CheckInputs, DerivedFrame, _frame, _groups, _is_additive, _level_pair, _mapped, _most_precise, additive_stocks, check_row
from renshe.checks.pairing import DEFAULT_MAX_GAP_MONTHS, near_periods_allowed, pair_with_ancestors, period_label
from renshe.checks.rules import Rule, parse_bands
from renshe.ingest.numbers import format_value
from renshe.ingest.regions import ancestors


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
                  parent_levels: list[str], max_gap_months: int) -> list[tuple[dict, dict, tuple[str, ...]]]:
    """(child, parent, skipped ancestors) of one indicator: same unit and measure; the parent is
    the nearest ancestor at one of `parent_levels` with a figure the pairing rule accepts
    (checks/pairing.py: same period, or for a stock a near one within `max_gap_months`)."""
    obs = _mapped(inputs.observations)
    obs = obs[obs["indicator_id"].isin(indicators) & obs["measure"].isin(measures) & (obs["basis"] == "")]
    keys = ["indicator_id", "region", "period", "measure", "unit"]
    children = _deduplicated(inputs, obs[obs["level"] == child_level], keys)
    parents = _groups(inputs, obs[obs["level"].isin(parent_levels)], ["region", "indicator_id", "measure", "unit"])
    chains = {region: [a for a in ancestors(region, inputs.region_parent) if inputs.region_level.get(a) in parent_levels]
              for region in {child["region"] for child in children}}
    periods_of: dict[tuple, list[str]] = {}
    for child in children:
        periods_of.setdefault(_subject(child), []).append(child["period"])
    paired = {subject: pair_with_ancestors(periods, [(a, [r["period"] for r in parents.get((a, *subject[1:]), [])])
                                                     for a in chains[subject[0]]], max_gap_months,
                                           near_periods_allowed(inputs.codebook.get(subject[1])))
              for subject, periods in periods_of.items()}
    pairs = []
    for child in children:
        pair = paired[_subject(child)].get(child["period"])
        if pair is not None:
            rows = parents[(pair.parent, *_subject(child)[1:])]
            parent = _most_precise([row for row in rows if row["period"] == pair.parent_period])
            pairs.append((child, parent, pair.skipped))
    return pairs


def _subject(row: dict) -> tuple[str, str, str, str]:
    return (row["region"], row["indicator_id"], row["measure"], row["unit"])


def _share_row(rule: Rule, inputs: CheckInputs, child: dict, parent: dict, band: tuple[float, float],
               kind: str = "share", skipped: tuple[str, ...] = ()) -> dict:
    share = 100.0 * child["value"] / parent["value"] if parent["value"] else np.nan
    lower, upper = band
    within = lower <= share <= upper and child["value"] <= parent["value"]
    level_pair = _level_pair(inputs, child["region"], parent["region"])
    climbed = ""
    if skipped:
        names = ", ".join(f"{inputs.region_level.get(name, '?')} {name}" for name in skipped)
        level_pair += f" (skipped {names})"
        climbed = f"; {'、'.join(skipped)} has no comparable figure: compared with the nearest ancestor that has one"
    return check_row(
        rule, [child, parent], indicator_id=child["indicator_id"],
        regions=f"{child['region']} / {parent['region']}", periods=period_label(child["period"], parent["period"]),
        level_pair=level_pair,
        value_a=float(child["value"]), unit_a=child["unit"], value_b=float(parent["value"]), unit_b=parent["unit"],
        computed=share, computed_kind=kind, gap=float(parent["value"] - child["value"]), tolerance=np.nan,
        assessment="within band" if within else "outside band",
        message=(f"{child['indicator_id']} ({child['measure']}): {child['region']} {child['period']} "
                 f"{format_value(child['value'], child['unit'])} is {share:.2f}% of {parent['region']} {parent['period']} "
                 f"{format_value(parent['value'], parent['unit'])} (band {lower:g}%-{upper:g}%{climbed})"),
        child_value=float(child["value"]), parent_value=float(parent["value"]), share=share,
        share_min=lower, share_max=upper,
    )


def _nesting_expectations(band: tuple[float, float] | None) -> list[tuple[str, dict]]:
    """The child is at most its parent, and its share lies in the band: the rule's one band, or
    (band None: a rule that climbs to ancestors of several levels) each row's own band."""
    within = [("ExpectColumnValuesToBeBetween", {"column": "share", "min_value": band[0], "max_value": band[1]})] \
        if band is not None else [
            ("ExpectColumnPairValuesAToBeGreaterThanB", {"column_A": "share", "column_B": "share_min", "or_equal": True}),
            ("ExpectColumnPairValuesAToBeGreaterThanB", {"column_A": "share_max", "column_B": "share", "or_equal": True}),
        ]
    return [("ExpectColumnPairValuesAToBeGreaterThanB",
             {"column_A": "parent_value", "column_B": "child_value", "or_equal": True}), *within]


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
    bands = parse_bands(rule)
    pairs = nesting_pairs(inputs, _indicator_set(rule, inputs, "additive_stocks"), rule.get("measures") or ["actual"],
                          rule.get("child_level"), list(bands),
                          int(rule.get("max_period_gap_months", DEFAULT_MAX_GAP_MONTHS)))
    rows = [_share_row(rule, inputs, child, parent, bands[inputs.region_level[parent["region"]]], skipped=skipped)
            for child, parent, skipped in pairs]
    return _frame(rule, rows, _nesting_expectations(bands[rule.get("parent_level")] if len(bands) == 1 else None))
