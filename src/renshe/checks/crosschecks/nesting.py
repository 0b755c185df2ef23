"""Rule type level_nesting: a region's figure as a share of its parent region's."""
from __future__ import annotations

import numpy as np
import pandas as pd

from renshe.checks.crosschecks.columns import (OPERAND_COLUMNS, as_text, check_frame, choose, first_of_groups,
                                               most_precise_of_groups, number_text, numbered, operand, operands,
                                               same_categories, text, values_text)
from renshe.checks.crosschecks.frames import CheckInputs, DerivedFrame, _is_additive, _mapped, additive_stocks
from renshe.checks.rules import Rule, parse_band


def _parent_at_level(inputs: CheckInputs, region: str, level: str) -> str | None:
    current = inputs.region_parent.get(region)
    while current:
        if inputs.region_level.get(current) == level:
            return current
        current = inputs.region_parent.get(current)
    return None


def _parents_at_level(inputs: CheckInputs, regions: pd.Series, level: str) -> pd.Series:
    """Each region's parent region at `level` (missing when it has none), climbed once per distinct region."""
    return regions.map({region: _parent_at_level(inputs, region, level) for region in regions.unique()})


def nesting_pairs(inputs: CheckInputs, indicators: set[str], measures: list[str], child_level: str,
                  parent_level: str, max_gap_months: int) -> pd.DataFrame:
    """(child, parent) observations of one indicator: same unit and measure, nearest period.

    One row per child report (its columns as in the observations, the parent's prefixed
    `parent_`), in the children's order of first appearance.
    """
    obs = _mapped(operands(inputs))
    obs = obs[obs["indicator_id"].isin(indicators) & obs["measure"].isin(measures) & (obs["basis"] == "")]
    keys = ["indicator_id", "region", "period", "measure", "unit"]
    children = most_precise_of_groups(obs[obs["level"] == child_level], keys)
    subject = ["region", "indicator_id", "measure", "unit"]
    # the nearest period end wins, then the most precise report: of the parent's reports at one
    # period end only the most precise can be chosen
    parents = first_of_groups(numbered(obs[obs["level"] == parent_level][OPERAND_COLUMNS], [*subject, "end_month"]),
                              "group", ["half_unit", "order"])
    children = children.assign(ancestor=same_categories(_parents_at_level(inputs, children["region"], parent_level),
                                                        children["region"]))
    pairs = children.merge(operand(parents, "parent_"), left_on=["ancestor", "indicator_id", "measure", "unit"],
                           right_on=[f"parent_{k}" for k in subject])
    distance = (pairs["parent_end_month"] - pairs["end_month"]).abs()
    nearest = distance == distance.groupby(pairs["group"]).transform("min")
    pairs = pairs[nearest & (distance <= max_gap_months)]
    return first_of_groups(pairs, "group", ["parent_half_unit", "parent_order"]).reset_index(drop=True)


def _share_rows(rule: Rule, inputs: CheckInputs, pairs: pd.DataFrame, band: tuple[float, float],
                kind: str = "share") -> tuple[list, dict]:
    """The checks of (child, parent) pairs: the child's share of the parent, within the band?"""
    child, parent = pairs["value"].to_numpy(), pairs["parent_value"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(parent != 0, 100.0 * child / parent, np.nan)
    lower, upper = band
    within = (lower <= share) & (share <= upper) & (child <= parent)
    levels = pd.Series(inputs.region_level, dtype="string")
    level_pair = text(as_text(pairs["region"]).map(levels).fillna("?"), "→",
                      as_text(pairs["parent_region"]).map(levels).fillna("?"))
    same_period = (pairs["period"] == pairs["parent_period"]).to_numpy()
    columns = dict(
        indicator_id=pairs["indicator_id"], regions=text(pairs["region"], " / ", pairs["parent_region"]),
        periods=choose(same_period, pairs["period"], text(pairs["period"], " / ", pairs["parent_period"])),
        level_pair=level_pair, value_a=child, unit_a=pairs["unit"], value_b=parent, unit_b=pairs["parent_unit"],
        computed=share, computed_kind=kind, gap=parent - child, tolerance=np.nan,
        assessment=choose(within, "within band", "outside band"),
        message=text(pairs["indicator_id"], " (", pairs["measure"], "): ", pairs["region"], " ", pairs["period"], " ",
                     values_text(child, pairs["unit"]), " is ", number_text(share, ".2f"), "% of ",
                     pairs["parent_region"], " ", pairs["parent_period"], " ",
                     values_text(parent, pairs["parent_unit"]), f" (band {lower:g}%-{upper:g}%)"),
        child_value=child, parent_value=parent, share=share,
    )
    return [pairs["order"], pairs["parent_order"]], columns


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
        return set(inputs.observations["indicator_id"].unique()) - {""}
    return set(indicators)


def build_level_nesting(rule: Rule, inputs: CheckInputs) -> DerivedFrame:
    band = parse_band(rule)
    pairs = nesting_pairs(inputs, _indicator_set(rule, inputs, "additive_stocks"), rule.get("measures") or ["actual"],
                          rule.get("child_level"), rule.get("parent_level"),
                          int(rule.get("max_period_gap_months", 12)))
    orders, columns = _share_rows(rule, inputs, pairs, band)
    return check_frame(rule, inputs, orders, columns, _nesting_expectations(band))
