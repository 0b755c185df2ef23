"""Rule type share_of_parent: a region's share of its parent, judged against a range the data give.

A share is plausibility, not a contradiction: it warns, and its expected range is never a
constant tuned to one province (成都 holds well over a third of 四川's insured workers; 广东 holds
over a tenth of the nation's). The range comes from, in this order:

1. population: where the corpus prints both regions' population (the rule's
   `population_indicator`, default resident_population) for the child's year, or else the
   nearest year both print, the expected share is the region's share of its parent's
   population, widened by `range_factor` (default 3) both ways: a region with a quarter of the
   people may hold from a twelfth to three quarters of the insured, never more than all;
2. siblings: else the other regions of the same parent, indicator, measure and period (at
   least `min_siblings`, default 4): from the smallest of their shares ÷ `range_factor` to the
   largest × `range_factor` (a relative width: shares of a dozen cities span an order of
   magnitude, and a region is judged only against its own siblings);
3. else no range: the share is reported and not judged.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from renshe.checks.crosschecks.columns import as_text, check_frame, operands
from renshe.checks.crosschecks.frames import CheckInputs, DerivedFrame
from renshe.checks.crosschecks.nesting import RANGE_EXPECTATIONS, _share_rows, rule_pairs
from renshe.checks.rules import Rule, climb_levels

DEFAULT_POPULATION = "resident_population"
DEFAULT_FACTOR = 3.0
DEFAULT_MIN_SIBLINGS = 4


def _population(inputs: CheckInputs, indicator: str) -> dict[str, dict[int, float]]:
    """{region: {year: population}}: the most precise printed actual of each region and year."""
    obs = operands(inputs)
    obs = obs[(obs["indicator_id"] == indicator) & (obs["measure"] == "actual") & (obs["basis"] == "")
              & (obs["first_year"] == obs["last_year"]) & (obs["first_year"] > 0)]
    found: dict[str, dict[int, tuple[float, float]]] = {}
    for region, year, value, half in zip(as_text(obs["region"]), obs["first_year"], obs["value"], obs["half_unit"]):
        years = found.setdefault(region, {})
        if int(year) not in years or half < years[int(year)][1]:
            years[int(year)] = (float(value), float(half))
    return {region: {year: value for year, (value, _) in years.items()} for region, years in found.items()}


def _population_share(population: dict[str, dict[int, float]], child: str, parent: str, year: int) -> float | None:
    mine, theirs = population.get(child, {}), population.get(parent, {})
    common = [y for y in mine if y in theirs and theirs[y]]
    if not common:
        return None
    nearest = min(common, key=lambda y: (abs(y - year), -y))
    return 100.0 * mine[nearest] / theirs[nearest]


def expected_ranges(rule: Rule, inputs: CheckInputs, pairs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lower, upper, basis) of each pair's share: see the module's description; NaN: no range."""
    factor = float(rule.get("range_factor", DEFAULT_FACTOR))
    min_siblings = int(rule.get("min_siblings", DEFAULT_MIN_SIBLINGS))
    population = _population(inputs, str(rule.get("population_indicator", DEFAULT_POPULATION)))
    child, parent = pairs["value"].to_numpy(dtype=float), pairs["parent_value"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = np.where(parent != 0, 100.0 * child / parent, np.nan)
    regions, parents = as_text(pairs["region"]).tolist(), as_text(pairs["parent_region"]).tolist()
    years = pairs["first_year"].astype(int).tolist()
    lower, upper = np.full(len(pairs), np.nan), np.full(len(pairs), np.nan)
    basis = np.full(len(pairs), "", dtype=object)
    # siblings: the same parent, indicator, measure, unit and parent period
    keys = list(zip(parents, as_text(pairs["indicator_id"]).tolist(), as_text(pairs["measure"]).tolist(),
                    as_text(pairs["unit"]).tolist(), as_text(pairs["parent_period"]).tolist()))
    groups: dict[tuple, list[int]] = {}
    for position, key in enumerate(keys):
        groups.setdefault(key, []).append(position)
    for position in range(len(pairs)):
        pop_share = _population_share(population, regions[position], parents[position], years[position]) \
            if population else None
        if pop_share is not None:
            lower[position], upper[position] = pop_share / factor, min(100.0, pop_share * factor)
            basis[position] = f"{pop_share:.2f}% of {parents[position]}'s population, ÷/× {factor:g}"
            continue
        others = [shares[p] for p in groups[keys[position]] if p != position and shares[p] > 0]
        if len(others) >= min_siblings:
            lower[position], upper[position] = min(others) / factor, min(100.0, max(others) * factor)
            basis[position] = (f"the {len(others)} other regions' shares of {parents[position]} "
                               f"({min(others):.2f}%-{max(others):.2f}%) ÷/× {factor:g}")
    return lower, upper, basis


def build_share_of_parent(rule: Rule, inputs: CheckInputs) -> DerivedFrame:
    pairs = rule_pairs(rule, inputs)
    ranges = expected_ranges(rule, inputs, pairs)
    orders, columns = _share_rows(rule, inputs, pairs, tuple(climb_levels(rule)), ranges=ranges)
    return check_frame(rule, inputs, orders, columns, RANGE_EXPECTATIONS)
