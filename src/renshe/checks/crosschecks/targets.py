"""Rule type targets: progress of actuals towards targets, cumulative against per-year targets,
and a region's targets inside its parent's.

Each check is built for every target at once, never by pairing a target with every figure of
its subject (a corpus across decades would make that a square in the years): the latest actual
up to a target's year is an as-of join on the period end (then the most precise report), the
same period or a parent's plan span an exact join."""
from __future__ import annotations

import numpy as np
import pandas as pd

from renshe.checks.crosschecks.columns import (OPERAND_COLUMNS, as_text, check_frame, choose, first_of_groups,
                                               most_precise_of_groups, operand, operands,
                                               same_categories, text, values_text)
from renshe.checks.crosschecks.frames import CheckInputs, DerivedFrame, GAP_EXPECTATIONS, _frame, _mapped
from renshe.checks.crosschecks.nesting import RANGE_EXPECTATIONS, _indicator_set, _parents_at_level, _share_rows
from renshe.checks.crosschecks.shares import expected_ranges
from renshe.checks.crosschecks.per_year import per_year_change_rows
from renshe.checks.rules import Rule


PACE_EXPECTATIONS = [("ExpectColumnValuesToBeBetween", {"column": "pace_in_tolerance", "min_value": -1.0})]
TARGET_KEYS = ["doc_id", "indicator_id", "region", "period", "basis", "unit"]


def build_targets(rule: Rule, inputs: CheckInputs) -> DerivedFrame:
    check = rule.get("check")
    if check == "progress":
        orders, columns = _progress_checks(rule, inputs)
        return check_frame(rule, inputs, orders, columns, PACE_EXPECTATIONS)
    if check == "cumulative_vs_per_year":
        orders, columns = _cumulative_checks(rule, inputs)
        return check_frame(rule, inputs, orders, columns, GAP_EXPECTATIONS)
    if check == "per_year_vs_change":
        return _frame(rule, per_year_change_rows(rule, inputs), GAP_EXPECTATIONS)
    pairs = _comparable_targets(rule, inputs)
    orders, columns = _share_rows(rule, inputs, pairs, (rule.get("parent_level"),), kind="target_share",
                                  ranges=expected_ranges(rule, inputs, pairs))
    return check_frame(rule, inputs, orders, columns, RANGE_EXPECTATIONS)


def _prefixed(frame: pd.DataFrame, prefix: str, to: str) -> pd.DataFrame:
    """The `group` and one operand's columns of `frame`, that operand renamed from `prefix` to `to`."""
    picked = frame[["group", *(prefix + column for column in OPERAND_COLUMNS)]]
    return picked.rename(columns={prefix + column: to + column for column in OPERAND_COLUMNS})


# --- progress: the latest actual against each target -------------------------------------

SAME_SPAN, PER_YEAR_PACE, LEVEL = 0, 1, 2  # how a target's expected value is read
SUBJECT = ["indicator_id", "region", "unit"]
# what a region's target and its parent's are paired on
CHOOSING = ["indicator_id", "unit", "period", "basis", "first_year", "last_year"]


def _progress_checks(rule: Rule, inputs: CheckInputs) -> tuple[list, dict]:
    obs = _mapped(operands(inputs))
    obs = obs[obs["indicator_id"].isin(_indicator_set(rule, inputs, "all"))]
    targets = most_precise_of_groups(obs[obs["measure"] == "target"], TARGET_KEYS)
    actuals = operand(obs[obs["measure"] == "actual"].dropna(subset=SUBJECT), "a_")
    targets = targets.assign(subject=_subject_codes(targets, ""))
    actuals = actuals.assign(a_subject=_subject_codes(actuals, "a_"))
    spans = targets["basis"].isin(["cumulative", "per_year"])
    annual = actuals["a_basis"].eq("") & actuals["a_period"].astype("string").str.fullmatch(r"\d{4}")
    # a cumulative or per-year target: the actual over the same span, else the latest annual one in the span
    same = _same_span(targets[spans], actuals)
    spanning = targets[spans & ~targets["group"].isin(same["group"])]
    annual_latest = _latest_until(spanning, actuals[annual], spanning["last_year"] * 12 + 12)
    annual_latest = annual_latest[annual_latest["a_end_month"] >= annual_latest["first_year"] * 12 + 12]
    # a target for a year: the latest actual up to then, and the same plan's latest before it as the base
    levels, plain = targets[~spans], actuals[actuals["a_basis"].eq("")]
    level_latest = _latest_until(levels, plain, levels["last_year"] * 12 + 12)
    base = _latest_until(levels, plain, levels["last_year"] * 12, by_document=True)

    def chosen(frame: pd.DataFrame, to: str) -> pd.DataFrame:
        return _prefixed(frame[["group", "a_order"]].merge(actuals, on="a_order"), "a_", to)

    latest = pd.concat([chosen(same, "a_").assign(how=SAME_SPAN),
                        chosen(annual_latest, "a_").assign(how=PER_YEAR_PACE),
                        chosen(level_latest, "a_").assign(how=LEVEL)])
    checks = targets.drop(columns="subject").merge(latest, on="group").merge(chosen(base, "b_"), on="group",
                                                                             how="left")
    checks = checks.sort_values("group", kind="stable").reset_index(drop=True)
    expected, how, keep = _expected_by_now(rule, checks)
    checks, expected, how = checks[keep].reset_index(drop=True), expected[keep], how[keep]
    return ([checks["order"], checks["a_order"], checks["b_order"].fillna(-1).astype("int64")],
            _progress_columns(rule, checks, expected, how))


def _subject_codes(frame: pd.DataFrame, prefix: str) -> np.ndarray:
    """One integer per (indicator, region, unit): both sides' columns share the operands' categories."""
    code = np.zeros(len(frame), dtype=np.int64)
    for column in SUBJECT:
        values = frame[prefix + column]
        code = code * (len(values.cat.categories) + 1) + values.cat.codes.to_numpy(dtype=np.int64)
    return code


def _same_span(targets: pd.DataFrame, actuals: pd.DataFrame) -> pd.DataFrame:
    """Per target: the most precise actual of its subject over the same period and basis."""
    pairs = targets[["group", "subject", "period", "basis"]].merge(
        actuals[["a_subject", "a_period", "a_basis", "a_half_unit", "a_order"]],
        left_on=["subject", "period", "basis"], right_on=["a_subject", "a_period", "a_basis"])
    return first_of_groups(pairs, "group", ["a_half_unit", "a_order"])


def _latest_until(targets: pd.DataFrame, actuals: pd.DataFrame, until: pd.Series,
                  by_document: bool = False) -> pd.DataFrame:
    """Per target: of its subject's actuals (of its own document, `by_document`) ending at or before
    `until` (a month count), the latest, then the most precise; in the order of the groups.

    An as-of join, not every pair: a subject reported across decades would otherwise pair each
    target with every year. A period's end month falls in its last year, so ending by the end of a
    year is the same as a last year up to it."""
    by = ["subject", "doc"] if by_document else ["subject"]
    left = targets[["group", "first_year"]].assign(
        subject=targets["subject"].to_numpy(), doc=targets["doc_id"].cat.codes.to_numpy(dtype=np.int64),
        until=until.to_numpy(dtype=np.int64))
    right = actuals[["a_end_month", "a_half_unit", "a_order"]].assign(
        subject=actuals["a_subject"].to_numpy(), doc=actuals["a_doc_id"].cat.codes.to_numpy(dtype=np.int64),
        a_end_month=actuals["a_end_month"].to_numpy(dtype=np.int64))
    # of the reports ending in one month, the most precise (then the first in document order)
    right = right.sort_values([*by, "a_end_month", "a_half_unit", "a_order"], kind="stable")
    right = right.drop_duplicates([*by, "a_end_month"]).sort_values("a_end_month", kind="stable")
    matched = pd.merge_asof(left.sort_values("until", kind="stable"), right[[*by, "a_end_month", "a_order"]],
                            left_on="until", right_on="a_end_month", by=by, direction="backward")
    matched = matched.dropna(subset=["a_order"]).astype({"a_order": "int64", "a_end_month": "int64"})
    return matched.sort_values("group", kind="stable")[["group", "first_year", "a_end_month", "a_order"]]


def _signs(rule: Rule, targets: pd.DataFrame) -> np.ndarray:
    """-1 where lower is better (the rule says so, or the target is a ceiling), else +1."""
    lower = targets["indicator_id"].isin(rule.get("lower_is_better") or []) | targets["qualifier"].isin(["<=", "<"])
    return np.where(lower.to_numpy(), -1.0, 1.0)


def _expected_by_now(rule: Rule, checks: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The value each target expects by its latest actual, how it was read, and which targets can be judged."""
    sign = _signs(rule, checks)
    target, latest, base = (checks[column].to_numpy(dtype=float) for column in ("value", "a_value", "b_value"))
    first, last = checks["first_year"].to_numpy(), checks["last_year"].to_numpy()
    how_kind = checks["how"].to_numpy()
    per_year = np.where(checks["basis"].to_numpy() == "cumulative", target / (last - first + 1), target)
    has_base = checks["b_order"].notna().to_numpy()
    latest_end, base_end = checks["a_end_month"].to_numpy(dtype=float), checks["b_end_month"].to_numpy(dtype=float)
    latest_last = checks["a_last_year"].to_numpy()
    reached = sign * (latest - target) >= -np.maximum(checks["a_half_unit"], checks["half_unit"]).to_numpy()
    is_level = how_kind == LEVEL
    # nothing reported after the base year; or before the target year with no base year to draw the line from
    unjudged = is_level & ((has_base & (latest_end <= base_end)) | (~has_base & (latest_last < last) & ~reached))
    on_line = is_level & has_base & (latest_last < last)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = (latest_end - base_end) / (last * 12 + 12 - base_end)
        line = base + (target - base) * fraction
    expected = np.select([how_kind == PER_YEAR_PACE, on_line], [per_year, line], target)
    how = choose(how_kind == SAME_SPAN, "over the same period",
                 choose(how_kind == PER_YEAR_PACE, "against the per-year pace",
                        choose(on_line, text("on the straight line from ", as_text(checks["b_period"]).fillna("")),
                               "at the target year")))
    return expected, how, ~unjudged


def _progress_columns(rule: Rule, checks: pd.DataFrame, expected: np.ndarray, how: np.ndarray) -> dict:
    sign = _signs(rule, checks)
    target, latest = checks["value"].to_numpy(), checks["a_value"].to_numpy()
    tolerance = np.maximum(checks["a_half_unit"], checks["half_unit"]).to_numpy()
    tolerance = np.where(tolerance == 0, 1e-9, tolerance)
    pace_gap = sign * (latest - expected)
    achieved = sign * (latest - target) >= -tolerance
    assessment = choose(achieved, "achieved", choose(pace_gap >= -tolerance, "on track", "behind"))
    basis = checks["basis"]
    return dict(
        indicator_id=checks["indicator_id"], regions=checks["region"],
        periods=text(checks["a_period"], " vs target ", checks["period"]), level_pair=checks["level"],
        value_a=latest, unit_a=checks["a_unit"], value_b=target, unit_b=checks["unit"], computed=expected,
        computed_kind="expected_by_now", gap=pace_gap, tolerance=tolerance, assessment=assessment,
        pace_in_tolerance=pace_gap / tolerance,
        message=text(checks["indicator_id"], " ", checks["region"], ": latest actual ", checks["a_period"], " ",
                     values_text(latest, checks["a_unit"]), " vs target ", checks["period"], " ", checks["qualifier"],
                     values_text(target, checks["unit"]),
                     choose((basis != "").to_numpy(), text(" (", basis, ")"), ""), "; expected ",
                     values_text(expected, checks["unit"]), " ", how, " (",
                     choose(sign < 0, "lower", "higher"), " is better): ", assessment),
    )


# --- cumulative against per-year targets -------------------------------------------------

DESCRIBE_BASIS = {"cumulative": "cumulative", "per_year": "per-year", "": "final-year"}


def _cumulative_checks(rule: Rule, inputs: CheckInputs) -> tuple[list, dict]:
    """A plan's targets for one flow stated two ways: a five-year total, a per-year rate, and the
    rate for the plan's last year (a 年招收数 column): each pair must agree (× years)."""
    obs = _mapped(operands(inputs))
    targets = obs[(obs["measure"] == "target") & obs["indicator_id"].isin(_indicator_set(rule, inputs, "all"))]
    cumulative = most_precise_of_groups(targets[targets["basis"] == "cumulative"], TARGET_KEYS)
    per_year = most_precise_of_groups(targets[targets["basis"] == "per_year"], TARGET_KEYS)
    flows = {i for i, e in inputs.codebook.items() if e.get("kind") == "flow"}
    final_year = most_precise_of_groups(targets[(targets["basis"] == "") & targets["indicator_id"].isin(flows)
                                                & (targets["first_year"] == targets["last_year"])], TARGET_KEYS)
    # a cumulative total against the per-year rates, then the final-year figures, of its subject
    yearly = pd.concat([per_year.assign(list=0), final_year.assign(list=1)])
    totals = _by_subject(cumulative, yearly)
    totals = totals[(totals["first_year"] <= totals["y_first_year"]) & (totals["y_first_year"] <= totals["last_year"])
                    & ((totals["y_basis"] == "per_year") | ((totals["y_doc_id"] == totals["doc_id"])
                                                            & (totals["y_last_year"] == totals["last_year"])))]
    totals = totals.sort_values(["group", "y_list", "y_group"], kind="stable")
    # a per-year rate against the same plan's final-year figure
    rates = _by_subject(per_year, final_year)
    rates = rates[(rates["y_doc_id"] == rates["doc_id"]) & (rates["y_last_year"] == rates["last_year"])]
    rates = rates.sort_values(["group", "y_group"], kind="stable")
    pairs = pd.concat([totals, rates], ignore_index=True)
    return [pairs["order"], pairs["y_order"]], _years_columns(pairs)


def _by_subject(totals: pd.DataFrame, yearly: pd.DataFrame) -> pd.DataFrame:
    """Every (total, yearly) of one subject: pairs are only ever formed within one."""
    return totals.merge(yearly.add_prefix("y_"), left_on=SUBJECT, right_on=[f"y_{k}" for k in SUBJECT])


def _years_columns(pairs: pd.DataFrame) -> dict:
    """A total is a cumulative target (compared with yearly × years) or a per-year one (with yearly)."""
    plan_years = (pairs["last_year"] - pairs["first_year"] + 1).to_numpy(dtype=np.int64)
    years = np.where(pairs["basis"].to_numpy() == "cumulative", plan_years, 1)
    total, yearly = pairs["value"].to_numpy(), pairs["y_value"].to_numpy()
    implied = yearly * years
    tolerance = pairs["half_unit"].to_numpy() + years * pairs["y_half_unit"].to_numpy()
    gap = implied - total
    plan_total = (years == 1) & (np.abs(gap) > tolerance) & np.isclose(yearly, total * plan_years, rtol=0.01)
    note = choose(plan_total, text("; the ", pairs["y_period"], " figure equals the per-year target × ",
                                   plan_years.astype(str), ": it reads as a plan-period total"), "")
    describe, describe_yearly = pairs["basis"].map(DESCRIBE_BASIS), pairs["y_basis"].map(DESCRIBE_BASIS)
    times = choose(years > 1, text(" × ", years.astype(str), " = ", values_text(implied, pairs["y_unit"])), "")
    return dict(
        indicator_id=pairs["indicator_id"], regions=pairs["region"],
        periods=text(pairs["period"], " (", describe, ") / ", pairs["y_period"], " (", describe_yearly, ")"),
        level_pair=pairs["level"], value_a=total, unit_a=pairs["unit"], value_b=implied, unit_b=pairs["y_unit"],
        computed=implied, computed_kind=choose(years > 1, "per_year_x_years", "per_year"), gap=gap,
        tolerance=tolerance, assessment=choose(np.abs(gap) <= tolerance, "consistent", "contradicts"),
        message=text(pairs["indicator_id"], " ", pairs["region"], ": ", describe, " target ", pairs["period"], " ",
                     pairs["qualifier"], values_text(total, pairs["unit"]), " vs ", describe_yearly, " target ",
                     pairs["y_period"], " ", pairs["y_qualifier"], values_text(yearly, pairs["y_unit"]), times, note),
    )


# --- a region's targets inside its parent's ------------------------------------------------

def _comparable_targets(rule: Rule, inputs: CheckInputs) -> pd.DataFrame:
    """City targets against the province's: same year and basis, or the province's yearly rate of
    a plan period (a cumulative target read per year). One row per child target, as nesting_pairs."""
    obs = _mapped(operands(inputs))
    indicators = _indicator_set(rule, inputs, "additive_stocks")
    targets = obs[(obs["measure"] == "target") & obs["indicator_id"].isin(indicators)]
    keys = ["indicator_id", "region", "period", "basis", "unit"]
    children = most_precise_of_groups(targets[targets["level"] == rule.get("child_level")], keys)
    subject = ["region", "indicator_id", "unit"]
    parents = targets[targets["level"] == rule.get("parent_level")].dropna(subset=subject)
    ancestors = _parents_at_level(inputs, children["region"], rule.get("parent_level"))
    children = children.assign(ancestor=same_categories(ancestors, children["region"]))
    parents = operand(parents, "parent_")

    def whole(frame: pd.DataFrame) -> pd.DataFrame:
        return children.merge(frame[["group", "parent_order"]], on="group").merge(parents, on="parent_order")

    def paired(frame: pd.DataFrame, parent_frame: pd.DataFrame, on: list[str]) -> pd.DataFrame:
        """`frame`'s targets with their parent's of the same `on`, on the columns that choose a
        parent only (the chosen one's other columns are looked up after)."""
        return frame[["group", "ancestor", *CHOOSING]].merge(
            parent_frame[[f"parent_{k}" for k in ("region", *CHOOSING, "half_unit", "order")]],
            left_on=["ancestor", *on], right_on=["parent_region", *(f"parent_{k}" for k in on)])

    # the same year and basis: an exact join (a corpus across decades would pair every year with every year)
    same = paired(children, parents, ["indicator_id", "unit", "period", "basis"])
    same = whole(first_of_groups(same, "group", ["parent_half_unit", "parent_order"]))
    # a one-year child target against the parent's plan-period target, read per year
    one_year = children[~children["group"].isin(same["group"]) & (children["basis"] == "")
                        & (children["first_year"] == children["last_year"])]
    spanning = paired(one_year, parents[parents["parent_basis"].isin(["per_year", "cumulative"])],
                      ["indicator_id", "unit"])
    spanning = spanning[(spanning["parent_first_year"] <= spanning["first_year"])
                        & (spanning["parent_last_year"] >= spanning["last_year"])]
    spanning = whole(first_of_groups(spanning, "group", ["parent_half_unit", "parent_order"]))
    cumulative = (spanning["parent_basis"] == "cumulative").to_numpy()
    years = (spanning["parent_last_year"] - spanning["parent_first_year"] + 1).to_numpy(dtype=np.int64)
    spanning = spanning.assign(
        parent_value=np.where(cumulative, spanning["parent_value"].to_numpy() / years, spanning["parent_value"]),
        parent_period=choose(cumulative, text(spanning["parent_period"], " ÷ ", years.astype(str)),
                             spanning["parent_period"]))
    return pd.concat([same, spanning]).sort_values("group", kind="stable").reset_index(drop=True)
