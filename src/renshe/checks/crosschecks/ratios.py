"""Rule type stated_ratio: a share stated in a document against the ratio of its parts."""
from __future__ import annotations

from typing import Callable

import pandas as pd

from renshe.checks.crosschecks.frames import CheckInputs, DerivedFrame, GAP_EXPECTATIONS, _frame, _groups, _most_precise, check_row
from renshe.checks.rules import Rule
from renshe.ingest.numbers import format_value


def select(inputs: CheckInputs, selector: dict, where: dict | None = None,
           anchor: pd.Series | None = None) -> pd.Series | None:
    """The one observation a rule's selector names (the first in document order)."""
    obs = inputs.observations
    merged = {**(where or {}), **selector}
    mask = pd.Series(True, index=obs.index)
    for key, value in merged.items():
        if key == "indicator":
            mask &= obs["indicator_id"] == str(value)
        elif key == "indicator_zh":
            mask &= obs["indicator_zh"].str.contains(str(value), regex=False)
        elif key == "near":
            continue
        else:
            mask &= obs[key] == str(value)
    found = obs[mask]
    if merged.get("near") == "numerator" and anchor is not None:
        found = found[(found["doc_id"] == anchor["doc_id"]) & (found["source_line"] == anchor["source_line"])]
        found = found[[_after(anchor, row) for _, row in found.iterrows()]] if len(found) else found
    if found.empty:
        return None
    return found.sort_values("order").iloc[0]


def _after(anchor: pd.Series, row: pd.Series) -> bool:
    """Does `row`'s figure stand after `anchor`'s on their common line?"""
    text = str(anchor["source_text"])
    start = text.find(str(anchor["value_raw"]))
    return start >= 0 and text.find(str(row["value_raw"]), start + len(str(anchor["value_raw"]))) >= 0


def build_stated_ratio(rule: Rule, inputs: CheckInputs) -> DerivedFrame:
    if rule.get("shares") is not None:
        return _frame(rule, _document_share_rows(rule, inputs), GAP_EXPECTATIONS)
    where = rule.get("where") or {}
    numerator = select(inputs, rule.get("numerator"), where)
    stated = select(inputs, rule.get("stated"), where, anchor=numerator) if numerator is not None else None
    if rule.get("denominator") is not None:
        denominator = select(inputs, rule.get("denominator"), where)
        operands = {"numerator": numerator, "denominator": denominator, "stated": stated}
        build: Callable = _ratio_row
    else:
        other = rule.get("same_base_as")
        other_numerator = select(inputs, other["numerator"], where)
        other_stated = (select(inputs, other["stated"], where, anchor=other_numerator)
                        if other_numerator is not None else None)
        operands = {"numerator": numerator, "stated": stated, "same_base_as.numerator": other_numerator,
                    "same_base_as.stated": other_stated}
        build = _same_base_row
    missing = [name for name, row in operands.items() if row is None]
    if missing:
        return _frame(rule, [], GAP_EXPECTATIONS, [f"no observation matched {', '.join(missing)}"])
    return _frame(rule, [build(rule, *operands.values())], GAP_EXPECTATIONS)


def _document_share_rows(rule: Rule, inputs: CheckInputs) -> list[dict]:
    """Every share a document states (`shares`: {share, numerator, denominator}) against the ratio
    of the same document's figures for the same region, period, measure and basis: a plan's text
    against its own table's targets, a bulletin's stated share against its totals."""
    keys = ["doc_id", "region", "period", "measure", "basis"]
    rows = []
    for item in rule.get("shares"):
        wanted = inputs.observations[inputs.observations["indicator_id"].isin(list(item.values()))]
        groups = _groups(inputs, wanted, [*keys, "indicator_id"])
        for key, stated_rows in groups.items():
            if key[-1] != item["share"]:
                continue
            numerators = groups.get((*key[:-1], item["numerator"]), [])
            denominators = groups.get((*key[:-1], item["denominator"]), [])
            units = {row["unit"] for row in numerators} & {row["unit"] for row in denominators}
            for unit in sorted(units):
                numerator = _most_precise([row for row in numerators if row["unit"] == unit])
                denominator = _most_precise([row for row in denominators if row["unit"] == unit])
                for stated in {row["source"]: row for row in stated_rows if row["unit"] == "%"}.values():
                    rows.append(_ratio_row(rule, numerator, denominator, stated, about=item["share"]))
    return rows


def _ratio_row(rule: Rule, numerator: pd.Series, denominator: pd.Series, stated: pd.Series,
               about: str = "") -> dict:
    """`about`: the share's own indicator id, which then names the row and starts its message."""
    a, b = float(numerator["value"]), float(denominator["value"])
    share = 100.0 * a / b
    # error of a/b from the printed precision of both, plus the stated share's own rounding
    tolerance = float(stated["half_unit"] + 100.0 * (numerator["half_unit"] / b + a * denominator["half_unit"] / b ** 2))
    gap = share - float(stated["value"])
    return check_row(
        rule, [stated, numerator, denominator],
        indicator_id=about or numerator["indicator_id"] or numerator["indicator_zh"],
        regions=numerator["region"], periods=numerator["period"], level_pair=f"{numerator['level']}",
        value_a=float(stated["value"]), unit_a="%", value_b=share, unit_b="%", computed=share,
        computed_kind="share", gap=gap, tolerance=tolerance,
        assessment="agrees" if abs(gap) <= tolerance else "disagrees",
        message=((f"{about} {stated['region']} {stated['period']} ({stated['measure']}): " if about else "")
                 + f"stated {stated['value_raw']}% vs {numerator['indicator_id'] or numerator['indicator_zh']} "
                 f"{numerator['value_raw']}{numerator['unit_raw']} / {denominator['indicator_id'] or denominator['indicator_zh']} "
                 f"{denominator['value_raw']}{denominator['unit_raw']} = {share:.3f}% (gap {gap:+.3f} points, "
                 f"tolerance ±{tolerance:.3f})"),
    )


def _implied_base(numerator: pd.Series, stated: pd.Series) -> tuple[float, float]:
    base = float(numerator["value"]) / (float(stated["value"]) / 100.0)
    relative_error = numerator["half_unit"] / numerator["value"] + stated["half_unit"] / stated["value"]
    return base, float(base * relative_error)


def _same_base_row(rule: Rule, numerator: pd.Series, stated: pd.Series, other: pd.Series,
                   other_stated: pd.Series) -> dict:
    base_a, error_a = _implied_base(numerator, stated)
    base_b, error_b = _implied_base(other, other_stated)
    gap = base_b - base_a
    tolerance = error_a + error_b
    return check_row(
        rule, [numerator, stated, other, other_stated],
        indicator_id=f"{numerator['indicator_id'] or numerator['indicator_zh']} / {other['indicator_id'] or other['indicator_zh']}",
        regions=numerator["region"], periods=numerator["period"], level_pair=f"{numerator['level']}",
        value_a=base_a, unit_a=numerator["unit"], value_b=base_b, unit_b=other["unit"], computed=gap,
        computed_kind="implied_base", gap=gap, tolerance=tolerance,
        assessment="agrees" if abs(gap) <= tolerance else "disagrees",
        message=(f"{numerator['value_raw']}{numerator['unit_raw']} at {stated['value_raw']}% implies a base of "
                 f"{format_value(base_a, numerator['unit'])}; {other['value_raw']}{other['unit_raw']} at "
                 f"{other_stated['value_raw']}% implies {format_value(base_b, other['unit'])} (gap {format_value(gap, other['unit'])}, "
                 f"tolerance ±{format_value(tolerance, other['unit'])})"),
    )
