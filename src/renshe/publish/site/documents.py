"""The documents page: each registered document with its issuer, publication date, level, type and
format, how many figures were taken from it and how many set aside, and a link to the file as
published (copied into the site's downloads; a PDF opens at its first page)."""
from __future__ import annotations

import html
import shutil
from pathlib import Path

import pandas as pd

from renshe.paths import ProjectPaths

DOCUMENTS_FOLDER = "documents"  # under the site's downloads/
DOC_TYPE_WORDS = {
    "statistical_bulletin": "统计公报 statistical bulletin", "statistical_communique": "统计公报 statistical communiqué",
    "five_year_plan": "五年规划 five-year plan", "action_plan": "行动方案 action plan",
    "press_briefing": "新闻发布会 press briefing", "news_report": "新闻报道 news report",
    "yearbook_table": "年鉴表格 yearbook table",
}
LEVEL_WORDS = {"national": "全国 national", "province": "省 province", "city": "市 city", "district": "区县 district"}
FORMAT_WORDS = {".txt": "文本 text", ".pdf": "PDF", ".docx": "Word", ".doc": "Word", ".html": "网页 HTML", ".htm": "网页 HTML"}


def copy_documents(paths: ProjectPaths, downloads: Path) -> dict[str, str]:
    """Each registered document's file into downloads/documents/; {doc_id: its path in the site}."""
    from renshe.ingest.documents import load_registry

    target = downloads / DOCUMENTS_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    copied = {}
    for entry in load_registry(paths).documents:
        if entry.path.is_file():
            shutil.copyfile(entry.path, target / entry.path.name)
            copied[entry.doc_id] = f"downloads/{DOCUMENTS_FOLDER}/{entry.path.name}"
    return copied


def _counts(frame: pd.DataFrame | None) -> dict[str, int]:
    if frame is None or frame.empty or "doc_id" not in frame.columns:
        return {}
    return frame["doc_id"].value_counts().to_dict()


def documents_partial(paths: ProjectPaths, links: dict[str, str]) -> str:
    from renshe.publish import report

    data = report.load_report_data(paths.root)
    taken = _counts(data.observations)
    unparsed_path = paths.clean / "unparsed.csv"
    aside = _counts(pd.read_csv(unparsed_path, dtype=str, encoding="utf-8-sig")) if unparsed_path.is_file() else {}
    rows = []
    for entry in data.registry.documents:
        suffix = entry.path.suffix.lower()
        link = links.get(entry.doc_id, "")
        if link and suffix == ".pdf":
            link += "#page=1"
        file_cell = (f'<a href="{html.escape(link)}">{html.escape(entry.path.name)}</a>' if link else "—")
        explore = f'<a href="explore.html#doc={html.escape(entry.doc_id)}">查看数字 its figures</a>'
        rows.append(
            f"<tr><td>{html.escape(entry.title_zh)}<br><span class=\"renshe-note\">{html.escape(entry.title_en)}</span></td>"
            f"<td>{html.escape(entry.issuer)}</td><td>{html.escape(entry.published or '未注明 not stated')}</td>"
            f"<td>{html.escape(LEVEL_WORDS.get(entry.level, entry.level))} · {html.escape(entry.region)}</td>"
            f"<td>{html.escape(DOC_TYPE_WORDS.get(entry.doc_type, entry.doc_type))}</td>"
            f"<td>{html.escape(FORMAT_WORDS.get(suffix, suffix.lstrip('.')))}</td>"
            f"<td>{taken.get(entry.doc_id, 0)}</td><td>{aside.get(entry.doc_id, 0)}</td>"
            f"<td>{file_cell}<br>{explore}</td></tr>")
    head = "".join(f"<th>{label}</th>" for label in (
        "文件 document", "发布机关 issuer", "发布日期 published", "层级 level", "类型 type", "格式 format",
        "采用的数字 figures taken", "未采用 set aside", "原文 as published"))
    return ('```{=html}\n<div class="renshe-table-wrap"><table class="renshe-table renshe-documents">'
            f'<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>\n```\n')
