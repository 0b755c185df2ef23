"""The year before, implied: a level printed with its change on the year before gives the
previous level (年末全国就业人员76704万人，比上年末增加284万人 → 2011: 76704 − 284 = 76420万人);
printed with a growth rate, the previous level within the printed precision (an interval).

These are derived figures, never printed ones: they are not observations. `implied_previous`
returns them as rows marked `derived` (how: `change` or `growth_rate`), each citing both source
lines; `renshe validate` writes them to data/clean/implied.csv, the cross-year checks compare
them with the previous period's printed level, and the report's series can draw them apart
from the printed values (`series`).
"""
from __future__ import annotations

import pandas as pd

from renshe import periods

KEYS = ["doc_id", "region", "indicator_id", "period", "basis", "unit"]
COLUMNS = ["region", "indicator_id", "period", "measure", "value", "low", "high", "unit", "derived", "how",
           "from_period", "doc_id", "sources", "source_text", "level_order", "other_order"]


def _precision(row: dict) -> tuple:
    return row["half_unit"], row["order"]


def _chooser(rows: list[dict]):
    """line -> of `rows`, the figure on that line (the level's sentence), else the most precise.
    Indexed by line once: a yearbook restating one figure thousands of times would otherwise scan
    every restatement for every level."""
    on_line: dict = {}
    for row in rows:
        on_line.setdefault(row["source"], []).append(row)
    best = {line: min(found, key=_precision) for line, found in on_line.items()}
    fallback = min(rows, key=_precision)
    return lambda line: best.get(line, fallback) if line is not None else fallback


def _rows(observations: pd.DataFrame) -> dict[tuple, dict[str, list[dict]]]:
    """{KEYS: {measure: rows}} of the documents' actuals, changes and rates (in %)."""
    obs = observations[observations["measure"].isin(["actual", "change", "change_pct"])
                       & (observations["indicator_id"].astype(str) != "")]
    # only the documents' figures that state a change or a rate can imply anything: a large corpus
    # holds far more levels without one, and each row read here becomes a Python dict
    scope = ["doc_id", "region", "indicator_id", "period", "basis"]
    stated = obs[obs["measure"] != "actual"][scope].drop_duplicates().astype(str)
    if stated.empty:
        return {}
    obs = obs[pd.MultiIndex.from_frame(obs[scope].astype(str)).isin(pd.MultiIndex.from_frame(stated))]
    columns = ["doc_id", "region", "indicator_id", "period", "basis", "unit", "measure", "value", "value_raw",
               "unit_raw", "half_unit", "order", "source", "source_text"]
    grouped: dict[tuple, dict[str, list[dict]]] = {}
    for values in zip(*(obs[c].tolist() for c in columns)):
        row = dict(zip(columns, values))
        if row["measure"] == "change_pct" and row["unit"] != "%":
            continue
        key = tuple(str(row[k]) for k in KEYS) if row["measure"] != "change_pct" else \
            tuple(str(row[k]) for k in KEYS[:-1])
        grouped.setdefault(key, {}).setdefault(row["measure"], []).append(row)
    return grouped


def implied_previous(observations: pd.DataFrame) -> pd.DataFrame:
    """The implied previous levels of `observations` (prepared: half_unit, order, source; see
    checks/crosschecks/frames.prepare). One row per level with a stated change, else with a
    stated growth rate: value (the midpoint), low and high (the interval the printed precision
    allows: a change gives value ± the two half-units)."""
    grouped = _rows(observations)
    out = []
    for key, measures in grouped.items():
        if len(key) != len(KEYS) or "actual" not in measures:
            continue
        previous = periods.year_before(key[3])
        if previous is None:
            continue
        changes = measures.get("change")
        rates = grouped.get(key[:-1], {}).get("change_pct")
        best_change = _chooser(changes) if changes else None
        best_rate = _chooser(rates) if rates else None
        for level in {row["source"]: row for row in measures["actual"]}.values():
            if changes:
                change = best_change(level["source"])
                value = float(level["value"]) - float(change["value"])
                half = float(level["half_unit"]) + float(change["half_unit"])
                low, high, how, other = value - half, value + half, "change", change
            elif rates:
                rate = best_rate(level["source"])
                r, hr = float(rate["value"]), float(rate["half_unit"])
                v, hv = float(level["value"]), float(level["half_unit"])
                if 100 + r - hr <= 0:
                    continue
                value = v / (1 + r / 100)
                low, high = (v - hv) / (1 + (r + hr) / 100), (v + hv) / (1 + (r - hr) / 100)
                how, other = "growth_rate", rate
            else:
                continue
            lines = dict.fromkeys([level["source"], other["source"]])
            quoted = {level["source"]: str(level["source_text"]).strip(), other["source"]: str(other["source_text"]).strip()}
            out.append({
                "region": key[1], "indicator_id": key[2], "period": previous, "measure": "actual",
                "value": value, "low": low, "high": high, "unit": key[5], "derived": True, "how": how,
                "from_period": key[3], "doc_id": key[0], "sources": "; ".join(lines),
                "source_text": " | ".join(f"[{line}] {quoted[line]}" for line in lines),
                "level_order": level["order"], "other_order": other["order"],
            })
    return pd.DataFrame(out, columns=COLUMNS)


def write_implied(observations: pd.DataFrame, target) -> pd.DataFrame:
    """data/clean/implied.csv: the derived previous levels (without the internal order columns)."""
    from renshe.outputs import write_csv

    frame = implied_previous(observations)
    write_csv(frame.drop(columns=["level_order", "other_order"]), target)
    return frame
