"""Rule type consistency: the same figure reported twice (two documents, or twice in one)."""
from __future__ import annotations

import numpy as np

from renshe.checks.crosschecks.columns import (OPERAND_COLUMNS, check_frame, choose, first_of_groups, gaps_text,
                                               numbered, operand, operands, text, values_text)
from renshe.checks.crosschecks.frames import CheckInputs, DerivedFrame, GAP_EXPECTATIONS, _mapped
from renshe.checks.crosschecks.nesting import _indicator_set
from renshe.checks.rules import Rule


def build_consistency(rule: Rule, inputs: CheckInputs) -> DerivedFrame:
    obs = _mapped(operands(inputs))
    obs = obs[obs["indicator_id"].isin(_indicator_set(rule, inputs, "all"))
              & obs["measure"].isin(rule.get("measures") or ["actual", "target"])]
    keys = ["indicator_id", "region", "period", "measure", "basis", "unit"]
    # one report per source line (the first); only figures reported more than once are compared
    obs = obs.dropna(subset=keys).drop_duplicates([*keys, "source"])  # source: doc_id:line
    obs = numbered(obs[obs.duplicated(keys, keep=False)][OPERAND_COLUMNS], keys)
    # each other report of a figure against its most precise one, in document order
    reference = first_of_groups(obs, "group", ["half_unit", "order"])
    others = obs[~obs["order"].isin(reference["order"])]
    pairs = operand(reference, "first_").assign(group=reference["group"].to_numpy()).merge(others, on="group")
    pairs = pairs.sort_values(["group", "order"], kind="stable").reset_index(drop=True)
    return check_frame(rule, inputs, [pairs["first_order"], pairs["order"]], _consistency_columns(pairs),
                       GAP_EXPECTATIONS)


def _consistency_columns(pairs) -> dict:
    first_value, second_value = pairs["first_value"].to_numpy(), pairs["value"].to_numpy()
    tolerance = np.maximum(pairs["first_half_unit"].to_numpy(), pairs["half_unit"].to_numpy())  # the less precise
    gap = second_value - first_value
    where = choose((pairs["first_doc_id"] == pairs["doc_id"]).to_numpy(), "tables", "documents")
    unit = pairs["first_unit"]
    return dict(
        indicator_id=pairs["first_indicator_id"], regions=pairs["first_region"], periods=pairs["first_period"],
        level_pair=text(pairs["first_level"], "=", pairs["level"]), value_a=first_value, unit_a=unit,
        value_b=second_value, unit_b=pairs["unit"], computed=gap, computed_kind="gap", gap=gap, tolerance=tolerance,
        assessment=choose(np.abs(gap) <= tolerance, "agrees", "disagrees"),
        message=text(pairs["first_indicator_id"], " (", pairs["first_measure"], ") ", pairs["first_region"], " ",
                     pairs["first_period"], " reported twice across ", where, ": ", pairs["first_value_raw"], " ",
                     pairs["first_unit_raw"], " (", pairs["first_source"], ") vs ", pairs["value_raw"], " ",
                     pairs["unit_raw"], " (", pairs["source"], "); gap ", gaps_text(gap, unit), ", tolerance ±",
                     values_text(tolerance, unit)),
    )
