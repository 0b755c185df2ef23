"""Targets check per_year_vs_change: a plan's per-year target for a flow against the change its
own table plans for the stock that flow adds to.

A plan that says "每年新增高技能人才20万人以上" and whose indicator table plans 高技能人才 from
321.8万 (2020) to 400万 (2025) states the same five years twice: 20万 × 5 must be about the
table's change, 78.2万. `flows` in the rule pairs each flow with its stock
({flow: new_highly_skilled_talent, stock: highly_skilled_talent}).

The tolerance is the printed precision of the three figures (the per-year target counted once
per year). A per-year target stated as a minimum (以上, ≥) is met by any larger change, and
one stated as a maximum by any smaller.
"""
from __future__ import annotations

from renshe.checks.crosschecks.frames import CheckInputs, _groups, _most_precise, check_row
from renshe.checks.rules import Rule
from renshe.ingest.numbers import format_gap, format_value


def per_year_change_rows(rule: Rule, inputs: CheckInputs) -> list[dict]:
    obs = inputs.observations
    rows = []
    for pair in rule.get("flows"):
        figures = obs[obs["indicator_id"].isin([pair["flow"], pair["stock"]])]  # one step: never a copy of the corpus
        # only the plans stating a per-year target for the flow: their figures are read row by row
        stating = (figures["indicator_id"] == pair["flow"]) & (figures["basis"] == "per_year")
        figures = figures[figures["doc_id"].isin(figures.loc[stating & (figures["measure"] == "target"), "doc_id"])]
        by_period = _groups(inputs, figures, ["doc_id", "region", "indicator_id", "measure", "basis", "period"])
        for key, per_year in by_period.items():
            if key[2] != pair["flow"] or key[3:5] != ("target", "per_year"):
                continue
            row = _change_row(rule, _most_precise(per_year), pair["stock"], by_period)
            if row is not None:
                rows.append(row)
    return rows


def _change_row(rule: Rule, per_year: dict, stock: str, by_period: dict[tuple, list[dict]]) -> dict | None:
    first, last = int(per_year["first_year"]), int(per_year["last_year"])
    if last <= first:
        return None
    doc, region, unit = per_year["doc_id"], per_year["region"], per_year["unit"]
    base = [r for r in by_period.get((doc, region, stock, "actual", "", str(first - 1)), []) if r["unit"] == unit]
    target = [r for r in by_period.get((doc, region, stock, "target", "", str(last)), []) if r["unit"] == unit]
    if not base or not target:
        return None
    target = _most_precise(target)
    # the base year as the same table prints it (a plan also reports it in its review of the last plan)
    base = _most_precise([r for r in base if r["table_id"] == target["table_id"]] or base)
    years = last - first + 1
    planned = float(target["value"] - base["value"])
    implied = float(per_year["value"]) * years
    tolerance = float(base["half_unit"] + target["half_unit"] + years * per_year["half_unit"]) or 1e-9
    gap = planned - implied
    beyond = _beyond_qualifier(gap, per_year["qualifier"])
    return check_row(
        rule, [per_year, base, target], indicator_id=per_year["indicator_id"], regions=region,
        periods=f"{per_year['period']} (per year) / {base['period']}→{target['period']} ({stock})",
        level_pair=per_year["level"], value_a=planned, unit_a=unit, value_b=implied, unit_b=unit,
        computed=implied, computed_kind="per_year_x_years", gap=gap, tolerance=tolerance,
        assessment="consistent" if abs(beyond) <= tolerance else "contradicts",
        gap_in_tolerance=beyond / (tolerance * (1 + 1e-9)),
        message=(f"{per_year['indicator_id']} {region}: per-year target {per_year['qualifier']}"
                 f"{format_value(per_year['value'], unit)} × {years} = {format_value(implied, unit)}; the plan's table takes "
                 f"{stock} from {format_value(base['value'], unit)} ({base['period']}) to "
                 f"{format_value(target['value'], unit)} ({target['period']}), a change of "
                 f"{format_value(planned, unit)} (gap {format_gap(gap, unit)}, tolerance ±{format_value(tolerance, unit)})"),
    )


def _beyond_qualifier(gap: float, qualifier: str) -> float:
    """The part of the gap a qualified target does not allow: a minimum (≥) allows any excess,
    a maximum (≤) any shortfall."""
    if qualifier in (">=", ">"):
        return min(gap, 0.0)
    if qualifier in ("<=", "<"):
        return max(gap, 0.0)
    return gap
