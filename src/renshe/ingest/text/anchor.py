"""The year a document's relative time words count from (去年, 今年, 上年, 前年).

A bulletin, a communiqué or a plan speaks from the period it reports on: in Zhejiang's 2023
bulletin 上年 is 2022. A news report or a press briefing speaks from the day it was published:
"到去年底，我国就业人员76704万人" in a report published in May 2013 of the 2012 bulletin is the end
of 2012. Which doc_types count from their publication is `anchor_to_publication` in
data/text_sections.yaml; the publication date is, in this order,

1. the registry's `published` (2013-05-28, 2013-05 or 2013);
2. a full date printed in the document's first lines (2013年5月27日);
3. a dateline's month and day (人民日报北京5月27日电, 本报讯(记者 …)10月25日): a report is
   published after the period it reports on ends, so it is the first such day after that end
   (5月27日 after the year 2012 is 2013-05-27; 7月20日 after 2023-H1 is 2023-07-20);

and without any of them the document counts from the period it reports on.
"""
from __future__ import annotations

import re
from datetime import date

from renshe.ingest.documents import Document
from renshe.ingest.text.config import TextConfig
from renshe.periods import parse_period

_PUBLISHED = re.compile(r"^\s*(?P<y>(?:19|20)\d{2})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?")


def anchor_year(document: Document, config: TextConfig) -> int:
    """The year 今年 names in this document (去年 is the year before)."""
    entry = document.entry
    if entry.doc_type not in config.anchor_to_publication:
        return entry.year
    published = publication_date(document, config)
    return published.year if published else _reference_end(entry.reference_period, entry.year).year


def publication_date(document: Document, config: TextConfig) -> date | None:
    """When the document was published: the registry's date, else one printed in its first lines."""
    entry = document.entry
    if entry.published:
        match = _PUBLISHED.match(str(entry.published))
        if match:
            return date(int(match["y"]), int(match["month"] or 1), int(match["day"] or 1))
    lines = document.normalized_lines[: config.publication_lines]
    end = _reference_end(entry.reference_period, entry.year)
    for pattern in config.publication_dates:
        for line in lines:
            found = pattern.search(line)
            if not found:
                continue
            groups = found.groupdict()
            month, day = int(groups.get("month") or 1), int(groups.get("day") or 1)
            if not (1 <= month <= 12 and 1 <= day <= 31):
                continue
            if groups.get("y"):
                return _safe_date(int(groups["y"]), month, day)
            # a dateline: the first such day after the period the document reports on ends
            year = end.year if (month, day) > (end.month, end.day) else end.year + 1
            return _safe_date(year, month, day)
    return None


def _reference_end(reference_period: str, year: int) -> date:
    period = parse_period(reference_period)
    return period.end if period else date(year, 12, 31)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
