"""Editions on the pages: the figures a later edition of a document revised.

The pages show the published figures only (the latest edition of each re-issued document:
`ReportData.observations`, filtered with checks.editions); the earlier edition's figures stay in
the downloads and the explorer, marked. Each figure the later edition printed differently (beyond
the printed precision of both, as the `editions` consistency check judges it) is marked on the
pages with the sentence the check writes: "revised in the edition of 2013-06-20: 19100万人 →
19010万人", in Chinese and English.
"""
from __future__ import annotations

import html

import pandas as pd

from renshe.checks.crosschecks.frames import half_unit
from renshe.publish.report.data import ReportData
from renshe.publish.report.display import HTMLBlock

KEYS = ["region", "indicator_id", "period", "measure", "unit", "basis"]
COLUMNS = [*KEYS, "before", "after", "date", "before_source", "after_source", "zh", "en"]


def revision_words(date: str, before: str, after: str) -> tuple[str, str]:
    """The revision as a reader reads it, in Chinese and in English."""
    return (f"在{date}的版本中修订：{before} → {after}", f"revised in the edition of {date}: {before} → {after}")


def _printed(row) -> str:
    return f"{row.value_raw}{row.unit_raw}"


def revised_figures(data: ReportData, region: str | None = None, indicator_id: str | None = None) -> pd.DataFrame:
    """Each published figure (of `region`, of `indicator_id`) its document's earlier edition printed
    otherwise: both figures as printed, the later edition's date, both source lines, the sentence."""
    replaced = data.replaced_by()
    earlier = data.superseded() if replaced else data.observations.iloc[:0]
    earlier = earlier[earlier["indicator_id"].astype(str) != ""]
    if region is not None:
        earlier = earlier[earlier["region"] == region]
    if indicator_id is not None:
        earlier = earlier[earlier["indicator_id"] == indicator_id]
    if earlier.empty:
        return pd.DataFrame(columns=COLUMNS)
    latest_docs = set(replaced.values())
    current = data.observations[data.observations["doc_id"].astype(str).isin(latest_docs)]
    later: dict[tuple, list] = {}
    for row in current.itertuples(index=False):
        later.setdefault((str(row.doc_id), *(str(getattr(row, k)) for k in KEYS)), []).append(row)
    rows, seen = [], set()
    for old in earlier.itertuples(index=False):
        latest = replaced[str(old.doc_id)]
        key = (latest, *(str(getattr(old, k)) for k in KEYS))
        news = later.get(key)
        if not news or key in seen:
            continue
        new = min(news, key=lambda r: half_unit(float(r.value), str(r.value_raw), str(r.unit_raw)))
        tolerance = max(half_unit(float(old.value), str(old.value_raw), str(old.unit_raw)),
                        half_unit(float(new.value), str(new.value_raw), str(new.unit_raw)))
        if abs(float(new.value) - float(old.value)) <= tolerance * (1 + 1e-9):
            continue  # the same figure, within the precision both print
        seen.add(key)
        entry = data.registry.document(latest)
        date = str(entry.published or entry.reference_period)
        zh, en = revision_words(date, _printed(old), _printed(new))
        rows.append({**{k: getattr(old, k) for k in KEYS}, "before": _printed(old), "after": _printed(new),
                     "date": date, "before_source": f"{old.doc_id}:{old.source_line}",
                     "after_source": f"{new.doc_id}:{new.source_line}", "zh": zh, "en": en})
    return pd.DataFrame(rows, columns=COLUMNS)


def revision_notes(data: ReportData, region: str | None = None, indicator_id: str | None = None) -> HTMLBlock | None:
    """The figures on this page a later edition revised, each in a sentence with its indicator,
    region and period; None when there is none (the page shows nothing)."""
    found = revised_figures(data, region, indicator_id)
    if found.empty:
        return None
    items = []
    for row in found.itertuples(index=False):
        subject_zh = f"{row.region}{data.indicator_name(row.indicator_id)}（{row.period}）"
        subject_en = f"{data.region_name_en(row.region)}, {data.indicator_name_en(row.indicator_id)} ({row.period})"
        items.append((f"{subject_zh}：{row.zh}。", f"{subject_en}: {row.en}."))
    markup = "".join(f'<li><span lang="zh-CN">{html.escape(zh)}</span><br><span lang="en" class="renshe-en">'
                     f"{html.escape(en)}</span></li>" for zh, en in items)
    heading = "更正后的数字 Figures a later edition revised"
    return HTMLBlock(f'<div class="renshe-revisions"><p><strong>{html.escape(heading)}</strong></p>'
                     f'<ul>{markup}</ul><p class="renshe-note">本页只显示最新版本的数字；早先版本的数字保留在数据下载中。 '
                     f"This page shows the latest edition's figures; the earlier edition's stay in the data "
                     f"downloads.</p></div>",
                     "\n".join(f"- {zh} / {en}" for zh, en in items))


def revision_marks(data: ReportData, frame: pd.DataFrame) -> list[str]:
    """For each row of `frame` (observations' KEYS columns), the revision sentence of its figure
    in both languages, or ''."""
    found = revised_figures(data)
    if found.empty or frame.empty:
        return [""] * len(frame)
    said = {tuple(str(v) for v in key): f"{zh} {en}" for key, zh, en in
            zip(found[KEYS].itertuples(index=False, name=None), found["zh"], found["en"])}
    return [said.get(tuple(str(v) for v in key), "") for key in frame[KEYS].itertuples(index=False, name=None)]
