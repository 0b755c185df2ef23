"""The period vocabulary (renshe.periods): one canonical form each, and which periods end together."""
from datetime import date

import pytest

from renshe import periods


@pytest.mark.parametrize("text, canonical, kind", [
    ("2023", "2023", "year"), ("2023-H1", "2023-H1", "half"), ("2023-Q2", "2023-Q2", "quarter"),
    ("2023-06", "2023-06", "month"), ("2023-01/09", "2023-01/09", "months"),
    ("2023-01/06", "2023-H1", "half"), ("2023-01/03", "2023-Q1", "quarter"), ("2023-01/12", "2023", "year"),
    ("2023-07/12", "2023-H2", "half"), ("2023-04/06", "2023-Q2", "quarter"), ("2021-2025", "2021-2025", "span"),
    ("2023-2023", "2023", "year"),
])
def test_canonical_forms(text, canonical, kind):
    period = periods.parse_period(text)
    assert period.text == canonical and period.kind == kind
    assert periods.canonical(text) == canonical


@pytest.mark.parametrize("text", ["", "2023-13", "2023-Q5", "2023-09/03", "2025-2021", "二〇二三", "2023-H3"])
def test_not_periods(text):
    assert periods.parse_period(text) is None and periods.canonical(text) is None


def test_same_end_and_dates():
    assert periods.same_end("2023-Q2", "2023-06") and periods.same_end("2023-H1", "2023-06")
    assert not periods.same_end("2023-Q2", "2023-09")
    assert periods.dates("2023-01/09") == (date(2023, 1, 1), date(2023, 9, 30))
    assert periods.dates("2016-2020") == (date(2016, 1, 1), date(2020, 12, 31))
    assert periods.months_period(2023, 1, 6) == "2023-H1"
    assert periods.year_before("2023-01/09") == "2022-01/09" and periods.year_before("2021-2025") is None


def test_sort_order():
    texts = ["2023", "2023-09", "2023-01/09", "2023-03", "2023-Q1", "2020", "2016-2020", "2015"]
    assert sorted(texts, key=periods.sort_key) == ["2015", "2016-2020", "2020", "2023-Q1", "2023-03",
                                                   "2023-01/09", "2023-09", "2023"]
