"""Target progress chooses, for every target, the actual it is judged by: the actual over the same
span for a plan-period target (else the latest annual one inside the span), the latest actual up
to the target's year for a target for a year, and the same plan's latest earlier actual as the
base. The builder does this with as-of joins over a whole corpus; here a plain reading of that
rule, one target at a time, is the oracle on random targets and actuals over many years."""
from __future__ import annotations

import random
import re

import pytest

from renshe.checks.crosschecks import CheckInputs, prepare
from renshe.checks.crosschecks.targets import _progress_checks
from renshe.checks.rules import Rule
from renshe.schema import observations_frame

RULE = Rule("target_progress", "targets", "warning", {"check": "progress", "indicators": "all"},
            path="rules.yaml", line=1)
REGIONS = {"浙江省": "province", "绍兴市": "city"}
INDICATORS = {"basic_pension_participants": "人", "urban_new_jobs": "人"}
DOCUMENTS = ["plan_a", "plan_b", "bulletin_a", "bulletin_b"]


def _period(rng: random.Random) -> tuple[str, str]:
    """A period and a basis as documents state them."""
    year = rng.randint(2008, 2028)  # plans run on past the figures: a span may hold no annual actual yet
    kind = rng.random()
    if kind < 0.45:
        return str(year), ""
    if kind < 0.6:
        return f"{year}-{rng.randint(1, 12):02d}", ""
    if kind < 0.7:
        return f"{year}-Q{rng.randint(1, 4)}", ""
    first = rng.choice([2006, 2011, 2016, 2021, 2026, 2031])
    return f"{first}-{first + 4}", rng.choice(["", "cumulative", "per_year"])


def _observations(seed: int) -> list[dict]:
    rng = random.Random(seed)
    records = []
    for line in range(1, 400):
        period, basis = _period(rng)
        measure = rng.choice(["target", "actual", "actual"])
        if measure == "actual" and basis == "per_year":
            basis = ""
        region = rng.choice(list(REGIONS))
        indicator = rng.choice(list(INDICATORS))
        decimals = rng.choice([0, 1, 2])
        value_raw = f"{rng.uniform(50, 500):.{decimals}f}"
        records.append({
            "doc_id": rng.choice(DOCUMENTS), "table_id": "text", "region": region, "region_code": "",
            "level": REGIONS[region], "indicator_id": indicator, "indicator_zh": indicator, "period": period,
            "measure": measure, "qualifier": rng.choice(["", ">="]) if measure == "target" else "",
            "value": float(value_raw) * 10000, "unit": INDICATORS[indicator], "value_raw": value_raw,
            "unit_raw": "万人", "source_line": line, "source_text": f"{region} {period} {value_raw}万人",
            "basis": basis})
    return records


def _chosen_by_the_rule(observations) -> dict[int, tuple[int, int]]:
    """Per target (its order): the order of the actual it is judged by and of its base (-1: none)."""
    rows = observations.to_dict("records")
    targets: dict[tuple, dict] = {}
    for row in rows:
        if row["measure"] == "target":
            key = tuple(row[k] for k in ("doc_id", "indicator_id", "region", "period", "basis", "unit"))
            if key not in targets or (row["half_unit"], row["order"]) < (targets[key]["half_unit"], targets[key]["order"]):
                targets[key] = row
    actuals = [row for row in rows if row["measure"] == "actual"]

    def latest(candidates: list[dict]) -> dict | None:
        return min(candidates, key=lambda a: (-a["end_month"], a["half_unit"], a["order"]), default=None)

    chosen = {}
    for target in targets.values():
        subject = [a for a in actuals if all(a[k] == target[k] for k in ("indicator_id", "region", "unit"))]
        base = None
        if target["basis"] in ("cumulative", "per_year"):
            same = [a for a in subject if a["period"] == target["period"] and a["basis"] == target["basis"]]
            if same:
                found = min(same, key=lambda a: (a["half_unit"], a["order"]))
            else:
                found = latest([a for a in subject if a["basis"] == "" and re.fullmatch(r"\d{4}", a["period"])
                                and target["first_year"] <= a["first_year"] <= a["last_year"] <= target["last_year"]])
        else:
            up_to = [a for a in subject if a["basis"] == "" and a["last_year"] <= target["last_year"]]
            found = latest(up_to)
            base = latest([a for a in up_to if a["doc_id"] == target["doc_id"] and a["last_year"] < target["last_year"]])
        if found is not None:
            chosen[target["order"]] = (found["order"], base["order"] if base else -1)
    return chosen


@pytest.mark.parametrize("seed", range(12))
def test_each_target_is_judged_by_the_actual_the_rule_names(seed):
    observations = prepare(observations_frame(_observations(seed)))
    inputs = CheckInputs(observations, {i: {"unit": u, "kind": "stock"} for i, u in INDICATORS.items()},
                         {"浙江省": None, "绍兴市": "浙江省"}, REGIONS)
    (target_orders, actual_orders, base_orders), columns = _progress_checks(RULE, inputs)
    built = {t: (a, b) for t, a, b in zip(target_orders.tolist(), actual_orders.tolist(), base_orders.tolist())}
    expected = _chosen_by_the_rule(observations)
    assert len(built) > 20  # the random corpus gives many judged targets
    for target, pair in built.items():  # every check compares what the rule names
        assert pair == expected[target], target
    # a target left out had nothing to compare, or nothing after its base (the builder's own judgement)
    assessments = set(columns["assessment"].tolist())
    assert assessments <= {"achieved", "on track", "behind"}
    left_out = set(expected) - set(built)
    assert len(left_out) < len(expected) / 2
