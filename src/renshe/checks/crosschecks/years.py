"""Rule type cross_year: a corpus of several years checks itself.

* check implied_previous: the previous level a document implies (its level minus its stated
  change on the year before, or its level over 1 + its growth rate: checks/implied.py) against
  the level the previous period's documents print, same region, indicator, basis and unit
  (periods.year_before). Tolerance: the implied interval's half-width plus the printed
  figure's half-unit. A disagreement is a stated change its two levels contradict.
* check growth_vs_levels: a stated growth rate (in %) against the document's own level and
  the level another document prints for the year before: 100·(V − P) / P within the rate's
  half-unit plus how far the ratio moves within the two levels' half-units.

Each previous level is taken once per document that prints it (its most precise report).
"""
from __future__ import annotations

import pandas as pd

from renshe import periods
from renshe.checks.crosschecks.frames import (FLOAT_SLACK, GAP_EXPECTATIONS, CheckInputs, DerivedFrame, _frame,
                                              _most_precise, check_row)
from renshe.checks.crosschecks.nesting import _indicator_set
from renshe.checks.implied import implied_previous
from renshe.checks.rules import Rule
from renshe.ingest.numbers import format_gap, format_value

SUBJECT = ["region", "indicator_id", "period", "basis", "unit"]


def _printed_levels(inputs: CheckInputs, indicators: set[str], wanted: set[tuple]) -> dict[tuple, dict[str, dict]]:
    """{(region, indicator, period, basis, unit): {doc_id: its most precise printed actual}}, for
    the (region, indicator, period) of `wanted` only (each row read becomes a Python dict)."""
    obs = inputs.observations
    obs = obs[(obs["measure"] == "actual") & obs["indicator_id"].isin(indicators)]
    if not wanted:
        return {}
    keys = pd.MultiIndex.from_frame(obs[["region", "indicator_id", "period"]].astype(str))
    obs = obs[keys.isin(pd.MultiIndex.from_tuples(sorted(wanted)))]
    found: dict[tuple, dict[str, list[dict]]] = {}
    for row in inputs.records(obs):
        key = tuple(str(row[k]) for k in SUBJECT)
        found.setdefault(key, {}).setdefault(str(row["doc_id"]), []).append(row)
    return {key: {doc: _most_precise(rows) for doc, rows in docs.items()} for key, docs in found.items()}


def _as_printed(value: float, like: dict, extra_decimals: int = 0) -> str:
    """`value` in the unit and precision `like` (a printed figure) was printed in: 151250000 人
    like '15225' '万人' -> '15125万人'."""
    raw = str(like["value_raw"]).replace(",", "")
    try:
        printed = float(raw)
    except ValueError:
        return format_value(value, like["unit"])
    scale = float(like["value"]) / printed if printed else 1.0
    decimals = len(raw.split(".")[1]) if "." in raw else 0
    return f"{value / scale:.{decimals + extra_decimals}f}{like['unit_raw']}"


def _records_by_order(inputs: CheckInputs, orders: list[int]) -> dict[int, dict]:
    frame = inputs.observations
    return {row["order"]: row for row in inputs.records(frame[frame["order"].isin(orders)])}


def build_cross_year(rule: Rule, inputs: CheckInputs) -> DerivedFrame:
    indicators = _indicator_set(rule, inputs, "all")
    obs = inputs.observations
    scope = obs[obs["indicator_id"].isin(indicators)]
    if rule.get("check") == "implied_previous":
        implied = implied_previous(scope)
        wanted = set(zip(implied["region"], implied["indicator_id"], implied["period"]))
        rows = _implied_rows(rule, inputs, implied, _printed_levels(inputs, indicators, wanted))
    else:
        rates = scope[(scope["measure"] == "change_pct") & (scope["unit"] == "%")]
        wanted = {(str(r), str(i), before) for r, i, p in zip(rates["region"], rates["indicator_id"], rates["period"])
                  if (before := periods.year_before(str(p))) is not None}
        rows = _growth_rows(rule, inputs, scope, _printed_levels(inputs, indicators, wanted))
    return _frame(rule, rows, GAP_EXPECTATIONS)


def _implied_rows(rule: Rule, inputs: CheckInputs, implied: pd.DataFrame, printed: dict) -> list[dict]:
    rows = []
    read = _records_by_order(inputs, [*implied["level_order"], *implied["other_order"]])
    for item in implied.itertuples(index=False):
        level, other = read[item.level_order], read[item.other_order]
        key = (item.region, item.indicator_id, item.period, str(level["basis"]), item.unit)
        for doc_id, before in printed.get(key, {}).items():
            if before["source"] in (level["source"], other["source"]):
                continue  # the level's own sentence is not a second report
            half_width = (item.high - item.low) / 2
            tolerance = half_width + float(before["half_unit"])
            gap = float(before["value"]) - item.value
            agrees = abs(gap) <= tolerance * (1 + FLOAT_SLACK)
            unit = item.unit
            stated = (f"{level['value_raw']}{level['unit_raw']} {'minus its stated change ' + str(other['value_raw']) + str(other['unit_raw']) if item.how == 'change' else 'over its growth rate ' + str(other['value_raw']) + '%'}")
            rows.append(check_row(
                rule, [level, other, before], indicator_id=item.indicator_id, regions=item.region,
                periods=f"{item.from_period} → {item.period}", level_pair=f"{item.doc_id}→{doc_id}",
                value_a=item.value, unit_a=unit, value_b=float(before["value"]), unit_b=before["unit"],
                computed=item.value, computed_kind=f"implied_previous_{item.how}", gap=gap, tolerance=tolerance,
                assessment="agrees" if agrees else "disagrees",
                message=(f"{item.indicator_id} {item.region} {item.period}: {item.doc_id} {item.from_period} {stated} "
                         f"implies {_as_printed(item.value, level, 1)} ({_as_printed(item.low, level, 1)}–"
                         f"{_as_printed(item.high, level, 1)}) for {item.period}; {doc_id} prints "
                         f"{before['value_raw']}{before['unit_raw']} ({before['source']}); gap {format_gap(gap, unit)}, "
                         f"tolerance ±{format_value(tolerance, unit)}"
                         + ("" if agrees else " — the stated change and the two levels contradict each other")),
            ))
    return rows


def _growth_rows(rule: Rule, inputs: CheckInputs, scope: pd.DataFrame, printed: dict) -> list[dict]:
    """A rate stated beside a level, against another document's level of the year before."""
    rows = []
    rates = scope[(scope["measure"] == "change_pct") & (scope["unit"] == "%")]
    if rates.empty:
        return rows
    levels = scope[(scope["measure"] == "actual") & scope["doc_id"].isin(rates["doc_id"].unique())]
    by_doc: dict[tuple, list[dict]] = {}
    for row in inputs.records(levels):
        by_doc.setdefault((str(row["doc_id"]), str(row["region"]), str(row["indicator_id"]), str(row["period"]),
                           str(row["basis"])), []).append(row)
    for rate in {(r["source"], r["value"]): r for r in inputs.records(rates)}.values():
        previous = periods.year_before(str(rate["period"]))
        candidates = by_doc.get((str(rate["doc_id"]), str(rate["region"]), str(rate["indicator_id"]),
                                 str(rate["period"]), str(rate["basis"])))
        if previous is None or not candidates:
            continue
        same_line = [row for row in candidates if row["source"] == rate["source"]]
        level = _most_precise(same_line or candidates)
        key = (str(rate["region"]), str(rate["indicator_id"]), previous, str(rate["basis"]), str(level["unit"]))
        for doc_id, before in printed.get(key, {}).items():
            if doc_id == str(rate["doc_id"]):
                continue  # inside one document: the growth_rate rule's
            v, p = float(level["value"]), float(before["value"])
            if p == 0:
                continue
            implied = 100.0 * (v - p) / p
            tolerance = float(rate["half_unit"]) + 100.0 * (float(level["half_unit"]) * abs(p)
                                                            + abs(v) * float(before["half_unit"])) / p ** 2
            gap = implied - float(rate["value"])
            agrees = abs(gap) <= tolerance * (1 + FLOAT_SLACK)
            unit = level["unit"]
            rows.append(check_row(
                rule, [rate, level, before], indicator_id=rate["indicator_id"], regions=rate["region"],
                periods=f"{previous} → {rate['period']}", level_pair=f"{doc_id}→{rate['doc_id']}",
                value_a=float(rate["value"]), unit_a="%", value_b=implied, unit_b="%", computed=implied,
                computed_kind="growth_rate", gap=gap, tolerance=tolerance,
                assessment="agrees" if agrees else "disagrees",
                message=(f"{rate['indicator_id']} {rate['region']} {rate['period']}: stated growth {rate['value_raw']}% "
                         f"({rate['source']}) vs {format_value(v, unit)} ({level['source']}) over {previous} "
                         f"{format_value(p, unit)} ({before['source']}): {implied:.3f}% "
                         f"(gap {gap:+.3f} points, tolerance ±{tolerance:.3f})"),
            ))
    return rows
