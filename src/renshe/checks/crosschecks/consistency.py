"""Rule type consistency: the same figure reported twice, by `scope`:

* same_document (default): printed twice in one document (a plan's base-year column and its
  previous plan's completion column; a target in the text and in the table) — disagreeing, the
  document contradicts itself (the rule's severity, error);
* across_documents: printed by two documents — a later document (checks/editions.py: by
  `published`, else by period) printing another figure revises the earlier one: the assessment
  is `revision`, with both sources, never a contradiction;
* editions: an earlier edition's figure against the edition that superseded it: `revised in the
  edition of <published>: A → B`.
Agreement is within rounding of the less precise figure."""
from __future__ import annotations

from functools import cmp_to_key

import numpy as np

from renshe.checks.crosschecks.columns import (OPERAND_COLUMNS, check_frame, choose, first_of_groups, gaps_text,
                                               most_precise_of_groups, numbered, operand, operands, text,
                                               values_text)
from renshe.checks.crosschecks.frames import (FLOAT_SLACK, GAP_EXPECTATIONS, CheckInputs, DerivedFrame, _frame, _mapped,
                                              _most_precise, check_row)
from renshe.checks.editions import document_order, is_later, superseded_by
from renshe.ingest.numbers import format_gap, format_value
from renshe.checks.crosschecks.nesting import _indicator_set
from renshe.checks.rules import Rule


KEYS = ["indicator_id", "region", "period", "measure", "basis", "unit"]


def build_consistency(rule: Rule, inputs: CheckInputs) -> DerivedFrame:
    scope = rule.get("scope", "same_document")
    if scope == "editions":
        return build_editions(rule, inputs)
    obs = _mapped(operands(inputs))
    obs = obs[obs["indicator_id"].isin(_indicator_set(rule, inputs, "all"))
              & obs["measure"].isin(rule.get("measures") or ["actual", "target"])]
    if scope == "across_documents":
        return _across_documents(rule, inputs, obs)
    keys = ["doc_id", *KEYS]
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


def _across_documents(rule: Rule, inputs: CheckInputs, obs) -> DerivedFrame:
    """Each document's most precise report of a figure against the next document's, in date order."""
    order = document_order(inputs.documents.values())
    best = most_precise_of_groups(obs, ["doc_id", *KEYS])
    best = best[best.duplicated(KEYS, keep=False)]  # printed by two documents or more
    rows = []
    for _, reports in best.groupby(KEYS, sort=False, observed=True):
        if len(reports) < 2:
            continue
        records = inputs.records(reports)
        records.sort(key=cmp_to_key(lambda a, b: 1 if is_later(order, str(a["doc_id"]), str(b["doc_id"]))
                                    else -1 if is_later(order, str(b["doc_id"]), str(a["doc_id"])) else 0))
        for earlier, later in zip(records, records[1:]):
            rows.append(_revision_row(rule, inputs, earlier, later, "revision"))
    return _frame(rule, rows, GAP_EXPECTATIONS)


def build_editions(rule: Rule, inputs: CheckInputs) -> DerivedFrame:
    """Each figure of an earlier edition against the same figure of the edition that replaced it."""
    earlier = inputs.superseded
    if earlier is None or earlier.empty:
        return _frame(rule, [], GAP_EXPECTATIONS)
    latest = superseded_by(inputs.documents.values())
    wanted = set(_indicator_set(rule, inputs, "all"))
    current = inputs.observations
    current = current[current["doc_id"].astype(str).isin(set(latest.values()))]
    by_key: dict[tuple, list[dict]] = {}
    for row in inputs.records(current.dropna(subset=KEYS)):
        by_key.setdefault((str(row["doc_id"]), *(row[k] for k in KEYS)), []).append(row)
    rows = []
    old_rows: dict[tuple, list[dict]] = {}
    for _, row in earlier.dropna(subset=KEYS).iterrows():
        if row["indicator_id"] == "" or row["indicator_id"] not in wanted:
            continue
        old_rows.setdefault((latest[str(row["doc_id"])], *(row[k] for k in KEYS)), []).append(row.to_dict())
    for key, olds in old_rows.items():
        news = by_key.get(key)
        if news:
            rows.append(_revision_row(rule, inputs, _most_precise(olds), _most_precise(news), "edition"))
    return _frame(rule, rows, GAP_EXPECTATIONS)


def _revision_row(rule: Rule, inputs: CheckInputs, earlier: dict, later: dict, how: str) -> dict:
    tolerance = max(float(earlier["half_unit"]), float(later["half_unit"]))
    gap = float(later["value"]) - float(earlier["value"])
    agrees = abs(gap) <= tolerance * (1 + FLOAT_SLACK)
    unit = earlier["unit"]
    entry = inputs.documents.get(str(later["doc_id"]))
    date = getattr(entry, "published", None) or getattr(entry, "reference_period", "") or str(later["doc_id"])
    before = f"{earlier['value_raw']}{earlier['unit_raw']}"
    after = f"{later['value_raw']}{later['unit_raw']}"
    subject = f"{earlier['indicator_id']} ({earlier['measure']}) {earlier['region']} {earlier['period']}"
    if how == "edition":
        said = (f"revised in the edition of {date}: {before} → {after}" if not agrees
                else f"unchanged in the edition of {date}: {after}")
    else:
        said = (f"revised by {later['doc_id']} ({date}): {before} ({earlier['source']}) → {after} "
                f"({later['source']})" if not agrees
                else f"printed alike by {earlier['doc_id']} and {later['doc_id']}: {after}")
    return check_row(rule, [earlier, later], indicator_id=earlier["indicator_id"], regions=earlier["region"],
                     periods=earlier["period"], level_pair=f"{earlier['doc_id']}→{later['doc_id']}",
                     value_a=float(earlier["value"]), unit_a=unit, value_b=float(later["value"]),
                     unit_b=later["unit"], computed=gap, computed_kind="revision", gap=gap, tolerance=tolerance,
                     assessment="agrees" if agrees else "revision",
                     message=f"{subject} {said}; gap {format_gap(gap, unit)}, tolerance ±{format_value(tolerance, unit)}")
