"""HTML tables of the report pages: escaped cells, figures kept whole, long ids breakable."""
from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

from renshe.ingest.numbers import trim_number as _trim
from renshe.publish.report.comparisons import checks_involving
from renshe.publish.report.data import ReportData
from renshe.publish.report.formatting import quoted_line, quoted_lines


class HTMLBlock:
    """A piece of already-escaped HTML that notebooks display (text/html plus plain text)."""

    def __init__(self, markup: str, text: str):
        self.markup = markup
        self.text = text

    def _repr_html_(self) -> str:
        return self.markup

    def __repr__(self) -> str:
        return self.text


def note(message: str) -> HTMLBlock:
    return HTMLBlock(f'<p class="renshe-note">{html.escape(message)}</p>', message)


# A hidden column "_title:<column>" holds the hover text (title attribute) of <column>'s cells:
# the full source line behind an excerpt, the quoted lines behind a check's sources.
TITLE_PREFIX = "_title:"
# Cells that must not break inside: figures with their unit (170.69万人, ≥98%, 2280元/月),
# with their period (297万人（2023-Q1）), periods (2023-Q1) and citations (quzhou_14fyp:157).
_FIGURE = r"[≥≤<>约~+-]?\d[\d.,]*[^\s\d（]{0,6}(?: \(%\)|（[\w-]+）)?"
NOWRAP_CELL = re.compile(rf"^(?:{_FIGURE}(?: / {_FIGURE})*|\d{{4}}(?:-\w{{2,4}})?|[\w.-]+:\d+)$")
LONG_CELL = 50  # characters: longer cells are prose (messages, quoted lines)
FLAGGED_STATUSES = {"fail": "status-fail", "warn": "status-warn", "未通过 failed": "status-fail", "警告 warning": "status-warn"}
BOOLEAN_TEXT = {True: "是 yes", False: "否 no"}


def cell_text(value) -> str:
    """A cell as a reader sees it: booleans in words, missing as —, floats without trailing zeros."""
    if isinstance(value, (bool, np.bool_)):
        return BOOLEAN_TEXT[bool(value)]
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return "—"
    if isinstance(value, (float, np.floating)):
        return _trim(float(value))
    return str(value)


# Long ids (new_professional_qualification_holders, unique:doc_id+table_id+region+...) may
# break after _ + : /; unbroken they would widen a table past the page.
LONG_TOKEN = re.compile(r"[\w#:+./-]{20,}")
TOKEN_BREAK = re.compile(r"([_+:/])(?=.)")


def _breakable(escaped: str) -> str:
    return LONG_TOKEN.sub(lambda match: TOKEN_BREAK.sub(r"\1<wbr>", match.group(0)), escaped)


def _cell_html(text: str, title: str | None, column: str) -> str:
    classes = []
    nowrap = bool(NOWRAP_CELL.match(text))
    if nowrap:
        classes.append("renshe-nowrap")
    elif len(text) > LONG_CELL:
        classes.append("renshe-long")  # a sentence keeps a readable width beside narrow id columns
    if ("status" in column or "result" in column) and text in FLAGGED_STATUSES:
        classes.append(FLAGGED_STATUSES[text])
    attributes = f' class="{" ".join(classes)}"' if classes else ""
    if title and title != "—" and title != text:
        attributes += f' title="{html.escape(title, quote=True)}"'
        text_html = f'<span class="renshe-quote">{html.escape(text)}</span>'
    else:
        text_html = html.escape(text)
    return f"<td{attributes}>{text_html if nowrap else _breakable(text_html)}</td>"


def table_html(frame: pd.DataFrame) -> str:
    """An HTML table of the visible columns; every header, cell and title is escaped."""
    visible = [c for c in frame.columns if not str(c).startswith("_")]
    # each column read once as a list: a cell read from a frame costs more than writing it
    values = [frame[c].tolist() for c in visible]
    titles = [frame[TITLE_PREFIX + str(c)].tolist() if TITLE_PREFIX + str(c) in frame.columns else None
              for c in visible]
    names = [str(c) for c in visible]
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in visible)
    rows = []
    for i in range(len(frame)):
        cells = "".join(_cell_html(cell_text(column[i]), cell_text(title[i]) if title is not None else None, name)
                        for column, title, name in zip(values, titles, names))
        rows.append(f"<tr>{cells}</tr>")
    return (f'<table class="renshe-table"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


# Tables longer than this fold: the page shows the summary line, the reader opens the rest.
FOLD_ROWS = 12


def folded(markup: str, summary: str, open_: bool = False) -> str:
    """Markup inside <details>: one summary line, the content on demand (no script needed)."""
    return (f'<details class="renshe-fold"{" open" if open_ else ""}><summary>{html.escape(summary)}</summary>'
            f"{markup}</details>")


# A page shows at most this many rows of a table: a national corpus has tens of thousands of
# checks, which no reader scrolls and which would make a page of megabytes. The rest is in the
# downloads and the explorer, and the table says so.
SHOW_ROWS = 1000
TEXT_ROWS = 50


def table(frame: pd.DataFrame | None, empty_message: str = "无数据 No data.",
          missing_message: str = "no checks yet", fold_over: int | None = FOLD_ROWS,
          summary: str = "", show_rows: int = SHOW_ROWS, total: int | None = None,
          cut_note: tuple[str, str] | None = None) -> HTMLBlock:
    """A DataFrame as an escaped HTML table without the index and without helper (_) columns;
    more than `fold_over` rows fold behind a summary line (None: never); past `show_rows` rows
    only the first are shown, with a note of how many there are. `total`: how many rows the table
    has in all when `frame` is already a selection of them; `cut_note`: what the note then says,
    (text, escaped HTML with its links)."""
    if frame is None:
        return note(missing_message)
    if frame.empty:
        return note(empty_message)
    total = max(total or 0, len(frame))
    frame = frame.head(show_rows)
    visible = frame[[c for c in frame.columns if not str(c).startswith("_")]]
    # the plain text (a text-only front end, the CLI) pads every row to the widest cell: its first
    # rows are enough there, the HTML holds them all
    text = visible.head(TEXT_ROWS).map(cell_text).to_string(index=False)
    if len(frame) > TEXT_ROWS:
        text += f"\n… {len(frame) - TEXT_ROWS} more rows in the HTML view"
    markup = f'<div class="renshe-table-wrap">{table_html(frame)}</div>'
    if total > len(frame):
        cut = (f"显示前 {len(frame)} 行，共 {total} 行；全部见“数据下载”页的 CSV。 "
               f"Showing the first {len(frame)} of {total} rows; every row is in the data downloads.")
        cut, cut_html = cut_note or (cut, html.escape(cut))
        markup += f'<p class="renshe-note">{cut_html}</p>'
        text += "\n" + cut
    if fold_over is not None and total > fold_over:
        label = summary or "表格"
        markup = folded(markup, f"{label}：{total} 行，点击展开 · {total} rows, click to open")
    return HTMLBlock(markup, text)


CHECK_COLUMNS = ["check_id", "rule_type", "status", "indicator_id", "regions", "periods",
                 "message", "sources"]


def compact_sources(sources: str) -> str:
    """'a:161; a:155; b:3' -> 'a:161, 155; b:3': each document named once, its lines in order given."""
    lines: dict[str, list[str]] = {}
    for citation in str(sources).split(";"):
        doc_id, _, line = citation.strip().rpartition(":")
        if not doc_id:
            return str(sources)  # not a list of doc_id:line citations: leave it as written
        lines.setdefault(doc_id, []).append(line)
    return "; ".join(f"{doc_id}:{', '.join(numbers)}" for doc_id, numbers in lines.items())


def checks_display(checks: pd.DataFrame, data: ReportData | None = None) -> pd.DataFrame:
    """The checks as a reader reads them: what was compared and found in words (names, figures as
    printed, gaps as a reader says them), the result, the sources; the quoted source lines show on
    hovering the sources. Without `data` (no names to give), the columns of checks.csv a reader needs."""
    if data is not None and "computed_kind" in checks.columns:
        from renshe.publish.report.check_words import checks_in_words

        words = checks_in_words(data, checks)
        shown = words[["核查 check", "结果 result"]].copy()
        shown["来源 sources"] = words["sources"].map(lambda text: data.cite(text) if text else "")
        shown[TITLE_PREFIX + "来源 sources"] = words["_source_text"].astype(str).map(
            lambda text: quoted_lines(text, data.cite))
        return shown
    columns = [c for c in CHECK_COLUMNS if c in checks.columns] or list(checks.columns)
    shown = checks[columns].copy()
    if "sources" in shown.columns:
        shown["sources"] = shown["sources"].map(lambda text: compact_sources(text) if text else text)
    if "sources" in shown.columns and "source_text" in checks.columns:
        shown[TITLE_PREFIX + "sources"] = checks["source_text"].astype(str).map(quoted_line)
    return shown


# A page lists at most this many checks in words: the most important (most_important), then says
# how many there are by kind and result and links to checks.csv, which holds every one.
SHOW_CHECKS = SHOW_ROWS
STATUS_RANK = {"fail": 0, "warn": 1}


def most_important(checks: pd.DataFrame, limit: int) -> pd.DataFrame:
    """At most `limit` checks: all of them, in their order, when there are no more; else failed
    first, then warnings, then the rest, and within a result each rule's first check before any
    rule's second (a rule failing thousands of times does not hide the others), in checks.csv's
    order otherwise."""
    if len(checks) <= limit:
        return checks
    status = checks["status"].astype(str) if "status" in checks.columns else pd.Series("", index=checks.index)
    rank = status.map(STATUS_RANK).fillna(len(STATUS_RANK)).to_numpy()
    rule = checks["rule_id"].astype(str) if "rule_id" in checks.columns else pd.Series("", index=checks.index)
    nth = pd.DataFrame({"status": status.to_numpy(), "rule": rule.to_numpy()}).groupby(["status", "rule"]).cumcount()
    order = np.lexsort((np.arange(len(checks)), nth.to_numpy(), rank))
    return checks.iloc[order[:limit]]


def checks_block(checks: pd.DataFrame, data: ReportData | None, summary: str = "", fold_over: int | None = FOLD_ROWS,
                 empty_message: str = "无数据 No data.", download: str = "../downloads/checks.csv",
                 limit: int = SHOW_CHECKS) -> HTMLBlock:
    """Checks as a reader's table whose cost stays bounded: only the `limit` most important are put
    in words; when there are more, the counts by kind and result of all of them come first and the
    note links to `download` (checks.csv, every check with both values and its sources)."""
    shown = most_important(checks, limit)
    if len(shown) == len(checks):
        return table(checks_display(checks, data), empty_message=empty_message, fold_over=fold_over, summary=summary)
    from renshe.publish.report.check_words import checks_overview

    text = (f"显示最重要的 {len(shown)} 项核查（先列未通过，再列警告，每条规则轮流），共 {len(checks)} 项；"
            f"全部见 checks.csv。 Showing the {len(shown)} most important of {len(checks)} checks (failures first, "
            f"then warnings, each rule in turn); every check is in checks.csv.")
    link = f'<a href="{html.escape(download, quote=True)}">checks.csv</a>'
    cut_html = html.escape(text).replace("checks.csv", link)
    counts = table(checks_overview(checks), fold_over=None)
    listed = table(checks_display(shown, data), fold_over=fold_over, summary=summary, total=len(checks),
                   cut_note=(text, cut_html))
    return HTMLBlock(counts.markup + listed.markup, counts.text + "\n" + listed.text)


def checks_table(data: ReportData, region: str | None = None, indicator_id: str | None = None) -> HTMLBlock:
    found = checks_involving(data, region=region, indicator_id=indicator_id)
    if found is None:
        return note("no checks yet: data/clean/checks.csv does not exist (run `renshe validate`).")
    return checks_block(found, data, empty_message="没有涉及此项的检查。 No checks involve this page.",
                        summary="相关核查 Checks involving this page")
