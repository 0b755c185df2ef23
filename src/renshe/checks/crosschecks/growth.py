"""Rule type growth_rate: a growth rate against the change stated beside it, inside one document.

"年末参保人数 V 万人，比上年末增加 X 万人，增长 Y%" states the same change twice: Y must equal
100·X / (V − X), the change over the previous level. Where a document states the rate but not
the change (a table's 2023 / 2022 / 增长% columns), the same document's figure for the same
period a year earlier gives the previous level instead.

The tolerance follows the printed precision of all three figures: the stated rate's last
digit, plus how far the rate computed from X and V can move within their half-units.
"""
from __future__ import annotations

import re

import pandas as pd

from renshe import periods

from renshe.checks.crosschecks.frames import CheckInputs, DerivedFrame, GAP_EXPECTATIONS, _frame, _groups, _most_precise, check_row
from renshe.checks.crosschecks.nesting import _indicator_set
from renshe.checks.rules import Rule
from renshe.ingest.numbers import format_value

KEYS = ["doc_id", "region", "indicator_id", "period", "basis"]


def build_growth_rate(rule: Rule, inputs: CheckInputs) -> DerivedFrame:
    obs = inputs.observations  # selected in one step: a copy of the whole corpus first would double it
    obs = obs[(obs["indicator_id"] != "") & obs["indicator_id"].isin(_indicator_set(rule, inputs, "all"))
              & obs["measure"].isin(["actual", "change", "change_pct"])]
    obs = _with_a_rate(obs)
    figures = _groups(inputs, obs, [*KEYS, "measure"])
    rows = []
    for rate in _deduplicated_rates(figures):
        row = _growth_row(rule, rate, figures)
        if row is not None:
            rows.append(row)
    return _frame(rule, rows, GAP_EXPECTATIONS)


def _with_a_rate(obs):
    """Only the figures of a document, region, indicator and basis that states a rate in %:
    the rest cannot enter a check, and a corpus holds far more of them."""
    rates = obs[(obs["measure"] == "change_pct") & (obs["unit"] == "%")]
    scope = ["doc_id", "region", "indicator_id", "basis"]
    if rates.empty:
        return rates
    wanted = pd.MultiIndex.from_frame(rates[scope].drop_duplicates().astype(str))
    return obs[pd.MultiIndex.from_frame(obs[scope].astype(str)).isin(wanted)]


def _deduplicated_rates(figures: dict[tuple, list[dict]]) -> list[dict]:
    """Every stated rate in %, once per source line (a table and its text may both state it)."""
    rates = []
    for key, rows in figures.items():
        if key[-1] == "change_pct":
            rates.extend({(row["source"], row["value"]): row for row in rows if row["unit"] == "%"}.values())
    return sorted(rates, key=lambda row: row["order"])


def _beside(rows: list[dict], rate: dict, unit: str) -> dict | None:
    """Of the figures in `unit`, the one on the rate's own line (the same sentence), else the most precise."""
    rows = [row for row in rows if row["unit"] == unit]
    same_line = [row for row in rows if row["source"] == rate["source"]]
    return _most_precise(same_line or rows) if rows else None


def _previous_period(period: str) -> str | None:
    """The same period a year earlier: 2023 -> 2022, 2023-03 -> 2022-03, 2023-Q1 -> 2022-Q1;
    None for a plan period (2021-2025), which has no year-on-year rate."""
    return periods.year_before(period)


def _growth_row(rule: Rule, rate: dict, figures: dict[tuple, list[dict]]) -> dict | None:
    key = tuple(rate[k] for k in KEYS)
    actuals = figures.get((*key, "actual"), [])
    for unit in dict.fromkeys(row["unit"] for row in actuals):
        level = _beside(actuals, rate, unit)
        change = _beside(figures.get((*key, "change"), []), rate, unit)
        if change is not None:
            return _row(rule, rate, level, change, float(change["value"]), float(change["half_unit"]), "change")
        previous_period = _previous_period(rate["period"])
        before = figures.get((rate["doc_id"], rate["region"], rate["indicator_id"], previous_period, rate["basis"],
                              "actual"), []) if previous_period else []
        previous = _beside(before, rate, unit)
        if previous is not None:
            difference = float(level["value"] - previous["value"])
            return _row(rule, rate, level, previous, difference, float(level["half_unit"] + previous["half_unit"]),
                        "previous")
    return None


def _row(rule: Rule, rate: dict, level: dict, other: dict, change: float, change_half: float,
         how: str) -> dict | None:
    value = float(level["value"])
    before = value - change
    if before == 0:
        return None
    implied = 100.0 * change / before
    # how far 100·X / (V − X) moves when X and V move by their half-units (first-order)
    tolerance = float(rate["half_unit"] + 100.0 * (abs(value) * change_half + abs(change) * level["half_unit"])
                      / before ** 2)
    gap = implied - float(rate["value"])
    unit = level["unit"]
    given = (f"change {format_value(change, unit)} ({other['source']})" if how == "change"
             else f"{other['period']} {format_value(other['value'], unit)} ({other['source']})")
    return check_row(
        rule, [rate, level, other], indicator_id=rate["indicator_id"], regions=rate["region"], periods=rate["period"],
        level_pair=rate["level"], value_a=float(rate["value"]), unit_a="%", value_b=implied, unit_b="%",
        computed=implied, computed_kind="growth_rate", gap=gap, tolerance=tolerance,
        assessment="agrees" if abs(gap) <= tolerance else "disagrees",
        message=(f"{rate['indicator_id']} {rate['region']} {rate['period']}: stated growth {rate['value_raw']}% "
                 f"({rate['source']}) vs {format_value(value, unit)} and {given}: "
                 f"{format_value(change, unit)} / {format_value(before, unit)} = {implied:.3f}% "
                 f"(gap {gap:+.3f} points, tolerance ±{tolerance:.3f})"),
    )
