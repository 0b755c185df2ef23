"""Rule type sum_of_parts: a total against the sum of its parts (a table's districts, the codebook's parts)."""
from __future__ import annotations

import pandas as pd

from renshe.checks.crosschecks.frames import CheckInputs, DerivedFrame, GAP_EXPECTATIONS, _frame, _is_additive, check_row, most_precise
from renshe.checks.rules import Rule
from renshe.ingest.numbers import format_gap, format_value


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
