"""The period vocabulary: every period an observation may have, in one canonical form each.

Documents print time in many ways (2023年, 一季度, 上半年, 1-9月, 6月末, 二季度末, “十四五”,
2016-2020年); an observation's `period` is one of these canonical forms:

| form        | example      | meaning                                                           |
|-------------|--------------|-------------------------------------------------------------------|
| year        | `2023`       | the calendar year (a flow over it, or a stock at its end)         |
| half        | `2023-H1`    | January-June (`H2`: July-December)                                |
| quarter     | `2023-Q1`    | a calendar quarter (a flow over it, or a stock at its end)        |
| month       | `2023-06`    | one month (a flow in it, or a stock at its end: 6月末, 6月底)      |
| months      | `2023-01/09` | consecutive months of one year, first/last (1-9月 cumulative)     |
| span        | `2021-2025`  | several whole years: a plan period, a five-year total             |

`canonical()` writes a period in its one form: months that make a quarter, a half or the
year are written as that (1-3月 = `2023-Q1`, 1-6月 = `2023-H1`, 1-12月 = `2023`), and a
span of one year is the year. Which periods are the same point in time (for a stock read at
a period's end) is `same_end()`: 二季度末 (`2023-Q2`), 上半年末 (`2023-H1`) and 6月末
(`2023-06`) all end in June 2023.

This module is the only place that parses a period; ingest, the checks and the site ask it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

KINDS = ("year", "half", "quarter", "month", "months", "span")

# the schema's pattern: any canonical form (canonical() decides the one form among them)
PERIOD_PATTERN = r"^\d{4}(?:-\d{2}(?:/\d{2})?|-Q[1-4]|-H[12]|-\d{4})?$"

_FORMS = re.compile(
    r"^(?P<year>\d{4})(?:"
    r"-(?P<span_end>\d{4})"
    r"|-(?P<month>\d{2})(?:/(?P<month_end>\d{2}))?"
    r"|-Q(?P<quarter>[1-4])"
    r"|-H(?P<half>[12])"
    r")?$"
)


@dataclass(frozen=True)
class Period:
    """A parsed period: its kind and the first and last month it covers."""

    kind: str
    first_year: int
    first_month: int  # 1-12
    last_year: int
    last_month: int  # 1-12

    @property
    def text(self) -> str:
        """The canonical form."""
        if self.kind == "span":
            return f"{self.first_year}-{self.last_year}" if self.last_year != self.first_year else str(self.first_year)
        if self.kind == "year":
            return str(self.first_year)
        if self.kind == "half":
            return f"{self.first_year}-H{1 if self.first_month == 1 else 2}"
        if self.kind == "quarter":
            return f"{self.first_year}-Q{(self.first_month - 1) // 3 + 1}"
        if self.kind == "month":
            return f"{self.first_year}-{self.first_month:02d}"
        return f"{self.first_year}-{self.first_month:02d}/{self.last_month:02d}"

    @property
    def start(self) -> date:
        return date(self.first_year, self.first_month, 1)

    @property
    def end(self) -> date:
        """The last day of the period."""
        following = date(self.last_year + 1, 1, 1) if self.last_month == 12 else date(self.last_year, self.last_month + 1, 1)
        return following - timedelta(days=1)

    @property
    def end_month(self) -> int:
        """Months since year 0 at the end of the period (year * 12 + month): stocks are read there."""
        return self.last_year * 12 + self.last_month

    @property
    def months(self) -> int:
        """How many months the period covers."""
        return (self.last_year - self.first_year) * 12 + self.last_month - self.first_month + 1

    @property
    def is_point_year(self) -> bool:
        """Within one calendar year (every kind but a span of several years)."""
        return self.first_year == self.last_year

    def shifted(self, years: int) -> "Period":
        """The same period `years` later (negative: earlier)."""
        return Period(self.kind, self.first_year + years, self.first_month, self.last_year + years, self.last_month)


def _from_months(year: int, first: int, last: int) -> Period:
    """Months first..last of `year`, as the coarsest named kind that is exactly them."""
    if first == 1 and last == 12:
        return Period("year", year, 1, year, 12)
    if first == last:
        return Period("month", year, first, year, last)
    if last - first == 5 and first in (1, 7):
        return Period("half", year, first, year, last)
    if last - first == 2 and first in (1, 4, 7, 10):
        return Period("quarter", year, first, year, last)
    return Period("months", year, first, year, last)


@lru_cache(maxsize=4096)
def parse_period(text: object) -> Period | None:
    """A period in any canonical (or non-canonical but well-formed) form; None if it is not one.

    '2023' '2023-H1' '2023-Q1' '2023-06' '2023-01/09' '2021-2025'; '2023-01/06' parses as the
    half '2023-H1', '2023-2023' as the year."""
    match = _FORMS.match(str(text).strip())
    if not match:
        return None
    year = int(match["year"])
    if match["span_end"]:
        end = int(match["span_end"])
        if end < year:
            return None
        return Period("year", year, 1, year, 12) if end == year else Period("span", year, 1, end, 12)
    if match["quarter"]:
        first = 3 * int(match["quarter"]) - 2
        return Period("quarter", year, first, year, first + 2)
    if match["half"]:
        first = 1 if match["half"] == "1" else 7
        return Period("half", year, first, year, first + 5)
    if match["month"]:
        first = int(match["month"])
        last = int(match["month_end"]) if match["month_end"] else first
        if not 1 <= first <= last <= 12:
            return None
        if match["month_end"]:
            return _from_months(year, first, last)
        return Period("month", year, first, year, first)
    return Period("year", year, 1, year, 12)


def canonical(text: object) -> str | None:
    """The one canonical form of a period ('2023-01/06' -> '2023-H1'); None if it is not a period."""
    period = parse_period(text)
    return period.text if period else None


def months_period(year: int, first_month: int, last_month: int) -> str:
    """The canonical form of months first..last of a year: (2023, 1, 9) -> '2023-01/09', (2023, 1, 3) -> '2023-Q1'."""
    return _from_months(year, first_month, last_month).text


def span_years(text: object) -> tuple[int, int]:
    """(first year, last year) of a period; (0, 0) if it is not one."""
    period = parse_period(text)
    return (period.first_year, period.last_year) if period else (0, 0)


def end_month(text: object) -> int:
    """Months since year 0 at the period's end; 0 if it is not a period."""
    period = parse_period(text)
    return period.end_month if period else 0


def same_end(a: object, b: object) -> bool:
    """Whether two periods end in the same month: a stock read at their end is read at one point
    (二季度末 '2023-Q2', '2023-H1' and 6月末 '2023-06')."""
    first, second = parse_period(a), parse_period(b)
    return first is not None and second is not None and first.end_month == second.end_month


def dates(text: object) -> tuple[date, date] | None:
    """First and last day of a period; None if it is not one."""
    period = parse_period(text)
    return (period.start, period.end) if period else None


def sort_key(text: object) -> tuple[int, int, int, int]:
    """Order periods by their end, a longer period first among those ending together:
    2015 < 2016-2020 < 2020 < 2023-Q1 < 2023-03 < 2023-01/09 < 2023-09 < 2023; unknown text last."""
    period = parse_period(text)
    if period is None:
        return (9999, 99, 0, 0)
    if period.kind == "span":
        return (period.last_year, 0, 0, period.first_year)
    if period.kind == "year":
        return (period.last_year, 13, 0, 0)
    # within a year: by end month; among those ending together the longer one first
    return (period.last_year, period.last_month, 1, -period.months)


def year_before(text: object) -> str | None:
    """The same period a year earlier (2023 -> 2022, 2023-03 -> 2022-03, 2023-01/09 -> 2022-01/09);
    None for a span of several years (a plan period has no year-on-year change)."""
    period = parse_period(text)
    if period is None or period.kind == "span":
        return None
    return period.shifted(-1).text
