"""One pairing rule for a region's figures against its ancestors', used by the checks
(level nesting) and by the report (a region's share of its parent) alike, so both show the
same pairs.

Periods. A figure is compared with the parent's figure of the same period, never with
another year's. Where the parent has no figure of that period, a stock read at the same
month-end stands in (二季度末 `2023-Q2` = 6月末 `2023-06`, a year-end `2023` = `2023-12`), and
a near month-end of the same year only when the rule says so (`max_period_gap_months`, default
0: a year-end 2023 against the end of March 2023 needs 9); never for a flow, an amount or a
rate over a period (a year's new jobs are not comparable with a quarter's), never a plan
period, and never one year against another (2022 year-end against 2023-03 is not a pair,
whatever the gap). Such a pair is labelled with both periods ("2023 / 2023-03").

Regions. The parent is the nearest ancestor that has a comparable figure: a county is
compared with its province when its city reports nothing for that period, and the pair says
which ancestors it skipped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from renshe import periods

# The same period only, unless a rule allows a near month-end of the same year (a year-end
# stock against the end of March of the same year, 2023 / 2023-03, is 9 months apart).
DEFAULT_MAX_GAP_MONTHS = 0

def period_span(period: str) -> tuple[int, int]:
    """(first year, last year) of a period: '2021-2025' -> (2021, 2025); '2023-03' -> (2023, 2023)."""
    return periods.span_years(period)


def period_end_month(period: str) -> int:
    """Months since year 0 at the end of the period: stocks are read at that point."""
    return periods.end_month(period)


@dataclass(frozen=True)
class Pair:
    child_period: str
    parent: str  # the ancestor whose figure is compared
    parent_period: str
    skipped: tuple[str, ...] = ()  # nearer ancestors without a comparable figure

    @property
    def periods(self) -> str:
        return period_label(self.child_period, self.parent_period)


def period_label(child_period: str, parent_period: str) -> str:
    """'2023' for the same period, '2023 / 2023-03' for a near one."""
    return child_period if child_period == parent_period else f"{child_period} / {parent_period}"


def _is_point(period: str) -> bool:
    first, last = period_span(period)
    return first != 0 and first == last


def _year(period: str) -> int:
    return period_span(period)[0]


def near_periods_allowed(entry: dict | None) -> bool:
    """Whether an indicator (its codebook entry) may be paired with a near period: only a stock,
    read at a point in time (participants, card holders)."""
    return bool(entry) and entry.get("kind") == "stock"


def pair_periods(child_periods: Iterable[str], parent_periods: Iterable[str],
                 max_gap_months: int = DEFAULT_MAX_GAP_MONTHS, near: bool = True) -> dict[str, str]:
    """{child period: the parent period it is compared with}; unpaired periods are left out.
    `near`: whether a near period may stand in (see near_periods_allowed)."""
    children = list(dict.fromkeys(child_periods))
    parents = list(dict.fromkeys(parent_periods))
    child_years = {_year(period) for period in children if _is_point(period)}
    pairs: dict[str, str] = {}
    for child in children:
        if child in parents:
            pairs[child] = child
            continue
        stand_in = _near_period(child, parents, child_years, max_gap_months) if near else None
        if stand_in is not None:
            pairs[child] = stand_in
    return pairs


def _near_period(child: str, parents: list[str], child_years: set[int], max_gap_months: int) -> str | None:
    if not _is_point(child):
        return None  # a plan period (2021-2025) is only ever compared with the same plan period
    points = [period for period in parents if _is_point(period)]
    allowed = [period for period in points if _year(period) == _year(child)]  # never another year
    end = period_end_month(child)
    within = [period for period in allowed if abs(period_end_month(period) - end) <= max_gap_months]
    if not within:
        return None
    # nearest period end; of two equally near, the later
    return min(within, key=lambda period: (abs(period_end_month(period) - end), -period_end_month(period)))


def pair_with_ancestors(child_periods: Iterable[str], ancestors: list[tuple[str, Iterable[str]]],
                        max_gap_months: int = DEFAULT_MAX_GAP_MONTHS, near: bool = True) -> dict[str, Pair]:
    """{child period: Pair} against the nearest of `ancestors` ([(name, its periods)], nearest
    first) that has a comparable figure; the ancestors tried before it are `skipped`."""
    children = list(dict.fromkeys(child_periods))
    pairs: dict[str, Pair] = {}
    tried: list[str] = []
    for name, ancestor_periods in ancestors:
        for child, parent_period in pair_periods(children, ancestor_periods, max_gap_months, near).items():
            if child not in pairs:
                pairs[child] = Pair(child, name, parent_period, tuple(tried))
        tried.append(name)
    return pairs
