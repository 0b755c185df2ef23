"""Rule type sum_of_parts: a total against the sum of its parts (a table's districts, the codebook's parts)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from renshe.checks.crosschecks.columns import (OPERAND_COLUMNS, check_frame, choose, gaps_text, numbered, operands,
                                               text, values_text)
from renshe.checks.crosschecks.frames import CheckInputs, DerivedFrame, GAP_EXPECTATIONS, _frame, _is_additive, check_row
from renshe.checks.rules import Rule
from renshe.ingest.numbers import format_gap, format_value


def build_sum_of_parts(rule: Rule, inputs: CheckInputs) -> DerivedFrame:
    if rule.get("table") is not None:  # one printed table: a few rows
        return _frame(rule, _table_sums(rule, inputs), GAP_EXPECTATIONS)
    orders, columns = _relation_sums(rule, inputs)
    return check_frame(rule, inputs, orders, columns, GAP_EXPECTATIONS)


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


def _relation_sums(rule: Rule, inputs: CheckInputs) -> tuple[list, dict]:
    """Every codebook (or rule) relation, for every document, region, period and measure that
    reports the total and all its parts: the parts' sum against the total."""
    relations = rule.get("relations")
    if relations == "codebook":
        pairs = codebook_relations(inputs.codebook)
    else:
        pairs = [(r["total"], list(r["parts"])) for r in relations]
    measures = rule.get("measures") or ["actual", "change"]
    same_document = rule.get("same_document", True)
    keys = (["doc_id"] if same_document else []) + ["region", "period", "measure", "basis", "unit"]
    obs = operands(inputs)
    sums = [_relation_sum(obs[obs["indicator_id"].isin([total_id, *part_ids]) & obs["measure"].isin(measures)],
                          keys, total_id, part_ids) for total_id, part_ids in pairs]
    sums = pd.concat(sums, ignore_index=True) if sums else pd.DataFrame()
    widest = max((len(part_ids) for _, part_ids in pairs), default=0)
    orders = [sums["order"]] + [sums[f"part{n}_order"].fillna(-1).astype("int64") for n in range(widest)] \
        if len(sums) else []
    return orders, _sum_columns(sums) if len(sums) else {}


def _relation_sum(wanted: pd.DataFrame, keys: list[str], total_id: str, part_ids: list[str]) -> pd.DataFrame:
    """One row per group of `keys` holding the total and every part (the most precise report of
    each), groups in order of first appearance: the total's columns, each part's order, the sums."""
    grouped = numbered(wanted[OPERAND_COLUMNS], keys)
    best = grouped.sort_values(["group", "indicator_id", "half_unit", "order"], kind="stable") \
        .drop_duplicates(["group", "indicator_id"]).set_index("group")
    total = best[best["indicator_id"] == total_id]
    parts = [best[best["indicator_id"] == part_id] for part_id in part_ids]
    complete = total.index
    for part in parts:
        complete = complete.intersection(part.index, sort=False)
    complete = complete.sort_values()
    total = total.loc[complete]
    parts_sum = np.zeros(len(complete))
    parts_half_units = np.zeros(len(complete))
    columns = {}
    for number, part in enumerate(parts):  # added in turn, as sum() adds them
        part = part.loc[complete]
        parts_sum = parts_sum + part["value"].to_numpy()
        parts_half_units = parts_half_units + part["half_unit"].to_numpy()
        columns[f"part{number}_order"] = part["order"].to_numpy()
    return total.reset_index(drop=True).assign(
        total_id=total_id, parts_label=" + ".join(part_ids), parts_sum=parts_sum,
        parts_half_units=parts_half_units, first_part_unit=parts[0].loc[complete, "unit"].to_numpy(), **columns)


def _sum_columns(sums: pd.DataFrame) -> dict:
    total, parts_sum = sums["value"].to_numpy(), sums["parts_sum"].to_numpy()
    tolerance = sums["half_unit"].to_numpy() + sums["parts_half_units"].to_numpy()
    gap = parts_sum - total
    unit = sums["unit"]
    return dict(
        indicator_id=sums["total_id"], regions=sums["region"], periods=sums["period"],
        level_pair=text(sums["level"], " parts→total"), value_a=total, unit_a=unit, value_b=parts_sum,
        unit_b=sums["first_part_unit"], computed=parts_sum, computed_kind="sum", gap=gap, tolerance=tolerance,
        assessment=choose(np.abs(gap) <= tolerance, "adds up", "does not add up"),
        message=text(sums["total_id"], " (", sums["measure"], ") = ", sums["parts_label"], ": parts sum to ",
                     values_text(parts_sum, unit), ", total printed ", values_text(total, unit), " (gap ",
                     gaps_text(gap, unit), ", tolerance ±", values_text(tolerance, unit), ")"),
    )
