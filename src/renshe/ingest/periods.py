"""Periods as documents name them: five-year plans (“十三五” is 2016-2020) and the plan period a
year belongs to. Used by the table headers and by the time words of running text."""
from __future__ import annotations

import re

PLAN_NAME = re.compile(r"十([一二三四五六七八九])五")
_NUMERALS = "一二三四五六七八九"
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def plan_span(numeral: str) -> tuple[int, int]:
    """'三' (“十三五”) -> (2016, 2020): the plans run in five-year steps since the third (1966-1970)."""
    number = 10 + _NUMERALS.index(numeral) + 1
    start = 1966 + 5 * (number - 3)
    return start, start + 4


def span_containing(year: int) -> tuple[int, int]:
    """The five-year plan period a year belongs to (2015 -> 2011-2015, 2025 -> 2021-2025)."""
    start = 1966 + 5 * ((year - 1966) // 5)
    return start, start + 4


def period_years(period: str) -> tuple[int, int] | None:
    """'2016-2020' -> (2016, 2020), '2023-Q1' or '2023-03' -> (2023, 2023); None without a year."""
    years = [int(y) for y in _YEAR.findall(period)]
    return (years[0], years[-1]) if years else None
