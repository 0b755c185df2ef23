"""Rule type consistency: the same figure reported twice (two documents, or twice in one)."""
from __future__ import annotations

from renshe.checks.crosschecks.frames import CheckInputs, DerivedFrame, GAP_EXPECTATIONS, _frame, _groups, _mapped, _most_precise, check_row
from renshe.checks.crosschecks.nesting import _indicator_set
from renshe.checks.rules import Rule
from renshe.ingest.numbers import format_gap, format_value


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
