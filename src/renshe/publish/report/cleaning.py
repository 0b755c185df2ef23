"""What the cleaning page (01_clean) shows: one line per document, then the tables as printed, at
most TABLE_PREVIEWS of them; a yearbook of thousands of tables is summed up, not printed whole."""
from __future__ import annotations

import html

import pandas as pd

from renshe.ingest.extract import ExtractOutput, document_accounts
from renshe.publish.report.display import HTMLBlock, table

# The cleaning page prints at most this many tables as printed; the figures of every table are in
# the explorer and the observations download, and the page says how many it did not print.
TABLE_PREVIEWS = 40
ASIDE_COLUMNS = {"row_label": "行 row", "column": "列 column", "cell_text": "单元格 cell", "reason": "原因 reason",
                 "source_line": "行号 line"}


def document_counts(output: ExtractOutput, titles: dict[str, str]) -> pd.DataFrame:
    """One row per document: its title, figures taken, figures set aside, tables read and not read."""
    accounts = document_accounts(output.summary.to_dict("records"), output.observations["doc_id"],
                                 output.unparsed["doc_id"])
    return pd.DataFrame([{"文件 document": titles.get(a.doc_id, a.doc_id), "取得 figures taken": a.taken,
                          "未采用 set aside": a.set_aside, "读出的表 tables read": a.tables_read,
                          "未读的表 tables not read": len(a.not_read)} for a in accounts])


def table_previews(output: ExtractOutput, limit: int = TABLE_PREVIEWS, root: str = "../") -> list[HTMLBlock]:
    """Each table as printed, folded behind one line (title and counts), with its cells set aside;
    the first `limit` tables, then a note of how many more there are and where their figures are."""
    unparsed = output.unparsed
    aside_of = {key: group for key, group in unparsed.groupby(["doc_id", "table_id"], sort=False)} if len(unparsed) else {}
    tables = [t for result in output.results for t in result.tables]
    blocks = []
    for found in tables[:limit]:
        aside = aside_of.get((found.doc_id, found.table_id), unparsed.iloc[:0])
        label = f"{found.title}: {found.numeric_cells} 个数字 figures, {len(aside)} 个未采用 set aside"
        blocks.append(table(found.wide.rename(columns={"source_line": "行号 line"}), summary=label, fold_over=0))
        if len(aside):
            blocks.append(table(aside[list(ASIDE_COLUMNS)].rename(columns=ASIDE_COLUMNS),
                                summary=f"{found.title}：未采用的单元格 cells set aside", fold_over=0))
    if len(tables) > limit:
        more = len(tables) - limit
        text = (f"另有 {more} 张表未在此列出（共 {len(tables)} 张）：它们的数字见数据浏览页和 observations.csv 下载。 "
                f"{more} more tables are not printed here ({len(tables)} in all): their figures are in the explorer "
                f"and the observations.csv download.")
        markup = html.escape(text)
        for name, href in (("数据浏览页", "explore.html"), ("observations.csv", "downloads/observations.csv"),
                           ("explorer", "explore.html")):
            markup = markup.replace(name, f'<a href="{root}{href}">{name}</a>', 1)
        blocks.append(HTMLBlock(f'<p class="renshe-note">{markup}</p>', text))
    return blocks
