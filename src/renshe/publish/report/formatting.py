"""Figures and periods as a reader sees them: source-line excerpts, citations, period order."""
from __future__ import annotations

import re
import unicodedata

import pandas as pd

from renshe import periods

from renshe.ingest.numbers import SCALABLE_UNITS, format_value, trim_number
from renshe.publish.report.data import MEASURE_LABELS


EXCERPT_CONTEXT = 30  # characters kept on each side of the figure in a quoted source line
ELLIPSIS = "…"
CELL_SEPARATOR = " │ "  # a table row's tab-separated cells, as quoted
UNIT_NAMES_EN = {"人": "people", "人次": "person-times", "元": "yuan", "张": "cards", "家": "establishments",
                 "个": "units", "所": "institutions", "项": "items", "元/月": "yuan a month", "场": "events",
                 "件": "cases", "期": "sessions", "份": "copies", "次": "times", "户": "households", "名": "people"}


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


# The departments' own short name stands for the long one in a cited document's title
TITLE_ABBREVIATIONS = (("人力资源和社会保障", "人社"), ("人力资源社会保障", "人社"))


def short_title(title: str) -> str:
    """A document's title as a citation names it: '浙江省人力资源和社会保障事业发展“十四五”规划' ->
    '浙江省人社事业发展“十四五”规划'."""
    for long, short in TITLE_ABBREVIATIONS:
        title = title.replace(long, short)
    return title


def line_words(line, page: int = 0, lang: str = "zh") -> str:
    """One cited line in words: '第171行', on a PDF's page '第3页第171行' ('line 171', 'p. 3, line 171')."""
    if lang == "en":
        return f"p. {page}, line {line}" if page else f"line {line}"
    return f"第{page}页第{line}行" if page else f"第{line}行"


def citation(title: str, places: list[tuple[str, int]], lang: str = "zh") -> str:
    """A document and the lines cited in it, as a reader reads them: ('T', [('171', 0), ('155', 0)]) ->
    '《T》第171、155行' ('T, lines 171, 155'); lines on a PDF's pages: '《T》第3页第171行、第4页第190行'
    ('T, p. 3, line 171; p. 4, line 190'). Lines in the order given, each once."""
    groups: list[tuple[int, list[str]]] = []
    for line, page in dict.fromkeys((str(line), int(page or 0)) for line, page in places if str(line)):
        if groups and groups[-1][0] == page:
            groups[-1][1].append(line)
        else:
            groups.append((page, [line]))
    if lang == "en":
        parts = [(f"p. {page}, " if page else "") + ("line " if len(lines) == 1 else "lines ") + ", ".join(lines)
                 for page, lines in groups]
        return ", ".join([title, "; ".join(parts)] if parts else [title])
    parts = [(f"第{page}页" if page else "") + "第" + "、".join(lines) + "行" for page, lines in groups]
    return f"《{title}》" + "、".join(parts)


def cite(sources: str, title, page=lambda doc_id, line: 0, lang: str = "zh") -> str:
    """Citations 'doc:line' as checks.csv and the tables keep them ('a:161; a:155; b:3') in a reader's
    words, each document named once by its title (`title(doc_id)`), its lines after it, on their page
    where one is known (`page(doc_id, line)`): '《A》第161、155行；《B》第3行'. Text that is not a list of
    citations is returned as it is."""
    cited: dict[str, list[tuple[str, int]]] = {}
    for part in str(sources or "").split(";"):
        part = part.strip()
        if not part:
            continue
        doc_id, colon, line = part.rpartition(":")
        if not colon:
            doc_id, line = part, ""
        if not doc_id or (line and not line.isdigit()):
            return str(sources)
        cited.setdefault(doc_id, []).append((line, page(doc_id, line) if line else 0))
    return ("; " if lang == "en" else "；").join(citation(title(doc_id), places, lang) for doc_id, places in cited.items())


# a quoted line of checks.csv's source_text, after its citation: '[quzhou_14fyp:164] 招收博士后	8	10'
QUOTED_CITATION = re.compile(r"\[([^\[\]\s]+:\d+)\] ")


def quoted_lines(source_text: str, cite) -> str:
    """The lines a check quotes, each after its citation in a reader's words (`cite('doc:line')`):
    '[a:164] 招收博士后\t8' -> '《A》第164行：招收博士后 │ 8'."""
    return QUOTED_CITATION.sub(lambda match: cite(match.group(1)) + "：", quoted_line(source_text))


def period_sort_key(period: str) -> tuple[int, int, int, int]:
    """Order periods by their end (renshe.periods.sort_key): 2015 < 2016-2020 < 2020 < 2023-Q1 < 2023-03 < 2023."""
    return periods.sort_key(period)


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


def english_figure(value: float, unit: str, qualifier: str = "") -> str:
    """A figure for an English sentence: as the documents print it, with its size in English
    beside a 万 or 亿 figure: 46064600 人 -> '4606.46万人 (46.06 million people)', 4.6 % -> '4.6%',
    3725 人 -> '3,725 people'."""
    sign = {">=": "at least ", "<=": "at most ", ">": "over ", "<": "under ", "~": "about "}.get(qualifier or "", "")
    if unit == "%":
        return f"{sign}{trim_number(value)}%"
    printed = format_value(value, unit)
    name = UNIT_NAMES_EN.get(unit, unit)
    if unit in SCALABLE_UNITS and abs(value) >= 1e4:
        return f"{sign}{printed} ({_english_size(value)} {name})".replace("  ", " ")
    number = trim_number(value)
    if abs(value) >= 1e3 and "." not in number:
        number = f"{value:,.0f}"
    return f"{sign}{number} {name}".strip()


def _english_size(value: float) -> str:
    """The size of a figure in English words, to about four significant digits."""
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(value) >= size:
            return f"{trim_number(float(f'{value / size:.4g}'))} {word}"
    return f"{value:,.0f}"


def difference_text(difference: float, unit: str) -> tuple[str, str]:
    """A difference in words, Chinese and English: '106.46万人' / '1.0646 million people';
    between percentages, percentage points."""
    if unit == "%":
        points = trim_number(difference)
        return f"{points}个百分点", f"{points} percentage point{'' if points == '1' else 's'}"
    return format_value(difference, unit), english_figure(difference, unit)
