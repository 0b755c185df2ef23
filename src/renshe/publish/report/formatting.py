"""Figures and periods as a reader sees them: source-line excerpts, period order."""
from __future__ import annotations

import re
import unicodedata

import pandas as pd

from renshe.ingest.numbers import format_value
from renshe.publish.report.data import MEASURE_LABELS


EXCERPT_CONTEXT = 30  # characters kept on each side of the figure in a quoted source line
ELLIPSIS = "…"
CELL_SEPARATOR = " │ "  # a table row's tab-separated cells, as quoted


def _figure_position(text: str, value_raw: str, unit_raw: str = "") -> tuple[int, int] | None:
    """Where the printed figure stands in the line: first where it is followed by its unit,
    else its first occurrence as a whole number (202 is not found inside 2020)."""
    if not value_raw:
        return None
    # full-width digits (the briefing) fold to ASCII one character for one, positions kept
    folded = unicodedata.normalize("NFKC", text)
    haystack = folded if len(folded) == len(text) else text
    number = rf"(?<![\d.]){re.escape(value_raw)}(?![\d.]\d|\d)"
    for pattern in ((number + re.escape(unit_raw)) if unit_raw else None, number):
        found = re.search(pattern, haystack) if pattern else None
        if found:
            return found.start(), found.end()
    return None


def excerpt(text: str, value_raw: str = "", unit_raw: str = "", context: int = EXCERPT_CONTEXT) -> str:
    """The part of a long source line around its figure: `context` characters each side, … where cut.

    Short lines come back whole; a line where the figure cannot be found gives its beginning."""
    text = "" if text is None else str(text)
    if len(text) <= 2 * context + max(len(value_raw) + len(unit_raw), 10):
        return text
    position = _figure_position(text, value_raw, unit_raw)
    start, end = (max(0, position[0] - context), min(len(text), position[1] + context)) if position \
        else (0, 2 * context)
    return (ELLIPSIS if start > 0 else "") + text[start:end] + (ELLIPSIS if end < len(text) else "")


def quoted_line(source_text: str) -> str:
    """A source line as quoted on the site: a table row's tabs shown as cell separators."""
    return str(source_text).strip("\t").replace("\t", CELL_SEPARATOR)


def period_sort_key(period: str) -> tuple[int, int, int]:
    """Order periods by their end: 2015 < 2016-2020 < 2020 < 2023-Q1 < 2023-03 < 2023."""
    text = str(period)
    span = re.fullmatch(r"(\d{4})-(\d{4})", text)
    if span:
        return int(span.group(2)), 0, int(span.group(1))
    quarter = re.fullmatch(r"(\d{4})-Q([1-4])", text)
    if quarter:
        return int(quarter.group(1)), int(quarter.group(2)) * 3, 1
    month = re.fullmatch(r"(\d{4})-(\d{2})", text)
    if month:
        return int(month.group(1)), int(month.group(2)), 2
    year = re.fullmatch(r"\d{4}", text)
    return (int(text), 13, 0) if year else (9999, 99, 0)


def period_rank(periods: pd.Series) -> pd.Series:
    """Integer rank of each period in time order (sortable with any dtype backend)."""
    order = {period: rank for rank, period in enumerate(sorted_periods(periods))}
    return periods.astype(str).map(order).astype("int64")


def latest_row(frame: pd.DataFrame) -> pd.Series | None:
    """The row with the latest period, or None for an empty frame."""
    if frame.empty:
        return None
    return frame.iloc[int(period_rank(frame["period"]).to_numpy().argmax())]


def period_end_year(period: str) -> int:
    return period_sort_key(period)[0]


def sorted_periods(periods) -> list[str]:
    return sorted({str(p) for p in periods}, key=period_sort_key)


def with_display_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Add `display` ('≥204万人'), `source` ('quzhou_14fyp:157') and `measure_label`."""
    frame = frame.copy()
    frame["display"] = [format_value(v, u, q) for v, u, q in
                        zip(frame["value"], frame["unit"], frame["qualifier"])]
    frame["source"] = frame["doc_id"].astype(str) + ":" + frame["source_line"].astype(str)
    frame["measure_label"] = frame["measure"].map(MEASURE_LABELS).fillna(frame["measure"])
    return frame
