"""Rule type level_nesting: a region's figure as a share of its parent region's.

The pairs follow checks/pairing.py (the rule the report's parent shares use too), made for
every child at once: each child report is joined to the figures of every ancestor it may be
compared with, the candidates the pairing rule does not allow are dropped, and the nearest
ancestor's best candidate is kept by sorting. `test_nesting_pairs_follow_the_pairing_rule`
holds the two equal.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from renshe.checks.crosschecks.columns import (as_text, check_frame, choose, first_of_groups, most_precise_of_groups,
                                               number_text, operand, operands, same_categories, text, values_text)
from renshe.checks.crosschecks.frames import CheckInputs, DerivedFrame, _is_additive, _mapped, additive_stocks
from renshe.checks.pairing import DEFAULT_MAX_GAP_MONTHS, near_periods_allowed
from renshe.checks.rules import Rule, climb_levels
from renshe.ingest.regions import ancestors

SUBJECT = ["region", "indicator_id", "measure", "unit"]


def _parent_at_level(inputs: CheckInputs, region: str, level: str) -> str | None:
    return next((a for a in ancestors(region, inputs.region_parent) if inputs.region_level.get(a) == level), None)


def _parents_at_level(inputs: CheckInputs, regions: pd.Series, level: str) -> pd.Series:
    """Each region's parent region at `level` (missing when it has none), climbed once per distinct region."""
    return regions.map({region: _parent_at_level(inputs, region, level) for region in regions.unique()})


def _chains(inputs: CheckInputs, regions: pd.Series, levels: list[str]) -> pd.DataFrame:
    """(region, ancestor, rank): each region's ancestors at `levels`, nearest first (rank 0)."""
    rows = [(region, ancestor, rank) for region in regions.unique()
            for rank, ancestor in enumerate(a for a in ancestors(region, inputs.region_parent)
                                            if inputs.region_level.get(a) in levels)]
    chains = pd.DataFrame(rows, columns=["region", "ancestor", "rank"])
    return chains.assign(region=same_categories(chains["region"], regions),
                         ancestor=same_categories(chains["ancestor"], regions))


def _is_point(first_year: pd.Series, last_year: pd.Series) -> pd.Series:
    return (first_year != 0) & (first_year == last_year)


def _by_join_year(frame: pd.DataFrame, prefix: str, window: int) -> pd.DataFrame:
    """`frame` with `join_year`: a point period once for each year within `window` of its own, a
    plan period once with -1 (it meets only plan periods, and pairs only with its own)."""
    first, last = frame[f"{prefix}first_year"].to_numpy(), frame[f"{prefix}last_year"].to_numpy()
    point = (first != 0) & (first == last)
    copies = np.where(point, 2 * window + 1, 1)
    repeated = frame.iloc[np.repeat(np.arange(len(frame)), copies)]
    starts = np.cumsum(copies) - copies
    offset = np.arange(int(copies.sum())) - np.repeat(starts, copies) - window  # -window..window per point
    years = np.where(np.repeat(point, copies), np.repeat(first, copies) + offset, -1)
    return repeated.assign(join_year=years.astype(np.int64))


def _candidates(inputs: CheckInputs, children: pd.DataFrame, parents: pd.DataFrame, levels: list[str],
                max_gap_months: int) -> pd.DataFrame:
    """Every (child, ancestor figure) the pairing rule allows, with what ranks them."""
    chains = _chains(inputs, children["region"], levels)
    # joined by year as well as subject: only figures of the same year pair (a plan period only
    # with itself), so a region reporting across decades never meets every year of its parent
    pairs = _by_join_year(children.merge(chains, on="region"), "", 0).merge(
        _by_join_year(operand(parents, "parent_").assign(parent_group=parents["group"].to_numpy()), "parent_", 0),
        left_on=["ancestor", "indicator_id", "measure", "unit", "join_year"],
        right_on=[*(f"parent_{k}" for k in SUBJECT), "join_year"])
    exact = (as_text(pairs["parent_period"]) == as_text(pairs["period"])).to_numpy(dtype=bool)
    child_point = _is_point(pairs["first_year"], pairs["last_year"])
    parent_point = _is_point(pairs["parent_first_year"], pairs["parent_last_year"])
    stocks = {i: near_periods_allowed(inputs.codebook.get(i)) for i in as_text(pairs["indicator_id"]).unique()}
    near = as_text(pairs["indicator_id"]).map(stocks).fillna(False).to_numpy(dtype=bool)
    same_year = parent_point & (pairs["parent_first_year"] == pairs["first_year"])  # never another year
    distance = (pairs["parent_end_month"] - pairs["end_month"]).abs()
    stand_in = near & (child_point & same_year & (distance <= max_gap_months)).to_numpy(dtype=bool)
    allowed = exact | stand_in
    return pairs[allowed].assign(inexact=~exact[allowed], distance=distance[allowed])


def nesting_pairs(inputs: CheckInputs, indicators: set[str], measures: list[str], child_level: str,
                  parent_levels: list[str], max_gap_months: int) -> pd.DataFrame:
    """(child, parent) reports of one indicator: same unit and measure; the parent is the nearest
    ancestor at one of `parent_levels` with a figure the pairing rule accepts (checks/pairing.py:
    same period, or for a stock a near one within `max_gap_months`; the nearest period end, of
    two the later, of two at one end the first reported). One row per child report (its
    columns as in the observations, the parent's prefixed `parent_`, `rank` the ancestor's:
    0 the nearest), in the children's order of first appearance."""
    obs = _mapped(operands(inputs))
    obs = obs[obs["indicator_id"].isin(indicators) & obs["measure"].isin(measures) & (obs["basis"] == "")]
    children = most_precise_of_groups(obs[obs["level"] == child_level],
                                      ["indicator_id", "region", "period", "measure", "unit"])
    parents = most_precise_of_groups(obs[obs["level"].isin(parent_levels)], [*SUBJECT, "period"])
    pairs = _candidates(inputs, children, parents, parent_levels, max_gap_months)
    pairs = pairs.assign(later=-pairs["parent_end_month"])
    return first_of_groups(pairs, "group", ["rank", "inexact", "distance", "later", "parent_group"]
                           ).reset_index(drop=True)


def _skipped_words(inputs: CheckInputs, pairs: pd.DataFrame, levels: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """What a pair that climbed past nearer ancestors says of them: in level_pair, in the message."""
    def words(region: str, rank: int, levels: tuple[str, ...]) -> tuple[str, str]:
        if not rank:
            return "", ""
        skipped = [a for a in ancestors(region, inputs.region_parent) if inputs.region_level.get(a) in levels][:rank]
        names = ", ".join(f"{inputs.region_level.get(name, '?')} {name}" for name in skipped)
        return (f" (skipped {names})", f"; {'、'.join(skipped)} has no comparable figure: "
                "compared with the nearest ancestor that has one")
    said = {key: words(key[0], key[1], levels) for key in set(zip(as_text(pairs["region"]), pairs["rank"]))}
    keys = list(zip(as_text(pairs["region"]), pairs["rank"]))
    return (np.array([said[key][0] for key in keys], dtype=object),
            np.array([said[key][1] for key in keys], dtype=object))


# how a share check's message states the range it was judged against (share_of_parent), and reads it back
NO_RANGE = "no expected range: the corpus has neither population figures nor enough sibling regions"
EXPECTED_RANGE = re.compile(r"\(expected ([\d.]+)%-([\d.]+)%: ((?:[^()]|\([^()]*\))*)\)")


def expected_range(message: str) -> tuple[float, float, str] | None:
    """(lower, upper, what the range comes from) of a share check's message; None: not judged."""
    found = EXPECTED_RANGE.search(str(message))
    return (float(found.group(1)), float(found.group(2)), found.group(3)) if found else None


def _share_rows(rule: Rule, inputs: CheckInputs, pairs: pd.DataFrame, levels_climbed: tuple[str, ...],
                kind: str = "share", ranges: tuple | None = None) -> tuple[list, dict]:
    """The checks of (child, parent) pairs: the child at most its parent (within the printed
    precision of both) and its share of the parent; `ranges` (lower, upper, basis: the
    expected share and what it comes from, checks/crosschecks/shares.py) judge the share."""
    child, parent = pairs["value"].to_numpy(), pairs["parent_value"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(parent != 0, 100.0 * child / parent, np.nan)
    tolerance = pairs["half_unit"].to_numpy(dtype=float) + pairs["parent_half_unit"].to_numpy(dtype=float)
    levels = pd.Series(inputs.region_level, dtype="string")
    parent_levels = as_text(pairs["parent_region"]).map(levels)
    if "rank" in pairs:
        skipped_pair, climbed = _skipped_words(inputs, pairs, levels_climbed)
    else:
        skipped_pair = climbed = np.full(len(pairs), "", dtype=object)
    level_pair = text(as_text(pairs["region"]).map(levels).fillna("?"), "→", parent_levels.fillna("?"), skipped_pair)
    same_period = (as_text(pairs["period"]) == as_text(pairs["parent_period"])).to_numpy(dtype=bool)
    above = child > parent + tolerance
    statement = text(pairs["indicator_id"], " (", pairs["measure"], "): ", pairs["region"], " ", pairs["period"], " ",
                     values_text(child, pairs["unit"]), " is ", number_text(share, ".2f"), "% of ",
                     pairs["parent_region"], " ", pairs["parent_period"], " ",
                     values_text(parent, pairs["parent_unit"]))
    if ranges is None:
        assessment = choose(above, "above its parent", "within its parent")
        message = text(statement, choose(above, " — a part above its whole", ""), climbed)
        extra = dict(headroom=parent - child + tolerance, share=share)
    else:
        lower, upper, basis = ranges
        judged = ~np.isnan(lower)
        within = (lower <= share) & (share <= upper)
        assessment = choose(judged, choose(within, "within expected range", "outside expected range"),
                            "no expected range")
        message = text(statement, choose(judged, text(" (expected ", number_text(lower, ".2f"), "%-",
                                                      number_text(upper, ".2f"), "%: ", basis, ")"),
                                         f" ({NO_RANGE})"), climbed)
        extra = dict(share=share, share_min=lower, share_max=upper)
    columns = dict(
        indicator_id=pairs["indicator_id"], regions=text(pairs["region"], " / ", pairs["parent_region"]),
        periods=choose(same_period, pairs["period"], text(pairs["period"], " / ", pairs["parent_period"])),
        level_pair=level_pair, value_a=child, unit_a=pairs["unit"], value_b=parent, unit_b=pairs["parent_unit"],
        computed=share, computed_kind=kind, gap=parent - child, tolerance=tolerance,
        assessment=assessment, message=message, child_value=child, parent_value=parent, **extra,
    )
    return [pairs["order"], pairs["parent_order"]], columns


# the child at most its parent, within the printed precision of both: a hard rule
NESTING_EXPECTATIONS = [("ExpectColumnValuesToBeBetween", {"column": "headroom", "min_value": 0.0})]
# the share within its expected range, where the data give one (a row without one is not judged)
RANGE_EXPECTATIONS = [
    ("ExpectColumnPairValuesAToBeGreaterThanB", {"column_A": "share", "column_B": "share_min", "or_equal": True,
                                                 "ignore_row_if": "either_value_is_missing"}),
    ("ExpectColumnPairValuesAToBeGreaterThanB", {"column_A": "share_max", "column_B": "share", "or_equal": True,
                                                 "ignore_row_if": "either_value_is_missing"}),
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


def rule_pairs(rule: Rule, inputs: CheckInputs, default_measures: tuple[str, ...] = ("actual",)) -> pd.DataFrame:
    """The (child, ancestor) pairs of a level_nesting or share_of_parent rule; a share rule that
    pairs as its nesting rule does reuses its pairs (made once per run)."""
    indicators = _indicator_set(rule, inputs, "additive_stocks")
    measures = rule.get("measures") or list(default_measures)
    levels = climb_levels(rule)
    gap = int(rule.get("max_period_gap_months", DEFAULT_MAX_GAP_MONTHS))
    key = (frozenset(indicators), tuple(measures), rule.get("child_level"), tuple(levels), gap)
    if key not in inputs._pairs:
        inputs._pairs[key] = nesting_pairs(inputs, indicators, measures, rule.get("child_level"), levels, gap)
    return inputs._pairs[key]


def build_level_nesting(rule: Rule, inputs: CheckInputs) -> DerivedFrame:
    """A region's figure at most its ancestor's for the same period: a part above its whole is a
    contradiction between the documents (error). The share is shown, never judged here."""
    pairs = rule_pairs(rule, inputs)
    orders, columns = _share_rows(rule, inputs, pairs, tuple(climb_levels(rule)))
    return check_frame(rule, inputs, orders, columns, NESTING_EXPECTATIONS)
