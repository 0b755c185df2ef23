"""Generated partials of the hand-written pages: findings, key figures, quality, data."""
from __future__ import annotations

import html
import shutil
from dataclasses import dataclass

import pandas as pd

from renshe.checks.changes import changes_partial  # the release log's page body
from renshe.paths import ProjectPaths
from renshe.publish.batch import executed_pages
from renshe.publish.site.assets import copy_assets
from renshe.publish.site.downloads import write_downloads
from renshe.publish.site.explorer import EXPLORER_DATA, explorer_partial, write_explorer_data
from renshe.publish.site.documents import copy_documents, documents_partial
from renshe.publish.site.validation_runs import REPORT_ZIP, validation_runs, write_report_zip


def _raw_html(markup: str) -> str:
    """A block Quarto passes through untouched and the built-in renderer inlines."""
    return "```{=html}\n" + markup.replace("\n\n", "\n") + "\n```\n"


def _page_entries(paths: ProjectPaths) -> list[dict]:
    import nbformat

    entries = []
    for page in executed_pages(paths.site / "pages"):
        meta = nbformat.read(page, as_version=4).metadata.get("renshe", {})
        entries.append({"file": page.name, **meta})
    return entries


def _link_list(entries: list[dict], empty: str) -> str:
    if not entries:
        return f"*{empty}*\n"
    items = "".join(f'<li><a href="pages/{html.escape(e["file"])}">{html.escape(e.get("title", e["file"]))}'
                    f"</a></li>" for e in entries)
    return _raw_html(f'<ul class="renshe-pages">{items}</ul>')


# what the site says where a kind of page has none, in a reader's words (a collection of bulletins
# has no plan; how to build the pages is the README's business, not the reader's)
NO_PAGES = {
    "plan": "这批文件中没有设定目标的规划。 None of these documents is a plan setting targets.",
    "region": "这批文件中没有可归属到地区的数字。 No figure of these documents could be placed in a region.",
    "indicator": "这批文件中没有数字对应到指标目录。 No figure of these documents matched an indicator of the codebook.",
}


def plans_partial(paths: ProjectPaths, entries: list[dict]) -> str:
    """Each plan page with how many of its targets are reached, on track, behind or not yet judged."""
    from renshe.publish import report

    plans = [e for e in entries if e.get("kind") == "plan"]
    if not plans:
        return f"*{NO_PAGES['plan']}*\n"
    data = report.load_report_data(paths.root)
    head = "".join(f"<th>{html.escape(report.STATUS_LABELS[s])}</th>" for s in report.STATUS_ORDER)
    rows = []
    for entry in plans:
        doc_id = (entry.get("parameters") or {}).get("doc_id", "")
        document = data.registry.document(doc_id)
        counts = report.status_counts(report.plan_progress(data, doc_id))
        cells = "".join(f'<td class="status-{s}">{counts[s]}</td>' for s in report.STATUS_ORDER)
        rows.append(f'<tr><td><a href="pages/{html.escape(entry["file"])}">{html.escape(document.title_zh)}</a><br>'
                    f'<span class="renshe-note">{html.escape(document.title_en)}</span></td>'
                    f"<td>{html.escape(document.region)}</td><td>{html.escape(document.reference_period)}</td>"
                    f"<td>{sum(counts.values())}</td>{cells}</tr>")
    return _raw_html('<div class="renshe-table-wrap"><table class="renshe-table"><thead><tr><th>规划 plan</th>'
                     f"<th>地区 region</th><th>时期 period</th><th>目标 targets</th>{head}</tr></thead>"
                     f'<tbody>{"".join(rows)}</tbody></table></div>')


def findings_partial(paths: ProjectPaths, home: "HomeFindings | None" = None) -> str:
    """The home page: the first screen (headline figures per level with their change, the plans
    chart), the statements worth reading first, then the collection in numbers."""
    from renshe.publish import report
    from renshe.publish.site.home import home_first_screen

    home = home or home_findings(paths)
    pages = {f"pages/{page.stem}.html" for page in executed_pages(paths.site / "pages")}
    data = report.load_report_data(paths.root)
    return (_raw_html(home_first_screen(data))
            + "\n## 主要发现 Key findings\n\n"
            + _raw_html(report.findings_html(home.statements, root="", pages=pages, data=data).markup)
            + "\n### 数据概况 The collection in numbers\n\n" + home.collection)


@dataclass
class HomeFindings:
    statements: list
    collection: str  # the collection in numbers, as markdown


def home_findings(paths: ProjectPaths) -> HomeFindings:
    """What the home page opens with, from the data alone (the links to pages are added after the notebooks ran)."""
    from renshe.publish import report

    data = report.load_report_data(paths.root)
    return HomeFindings(report.top_findings(report.all_findings(data), report.HOME_LIMITS), collection_partial(data))


def collection_partial(data) -> str:
    from renshe.publish import report

    obs = data.observations
    from_text = int((obs["table_id"] == "text").sum())
    lines = [
        f"- **{len(obs)}** 个数字 figures, **{obs['doc_id'].nunique()}** 份文件 documents "
        f"（表格 tables {len(obs) - from_text}，正文 running text {from_text}）; "
        f"**{int((obs['indicator_id'] != '').sum())}** 个归入 **{obs.loc[obs['indicator_id'] != '', 'indicator_id'].nunique()}** "
        f"个指标 matched to indicators.",
        f"- 地区 Regions: {html.escape('、'.join(sorted(set(obs['region']), key=report.valid_regions(data).index)))}.",
        f"- 数据质量 Data quality: {html.escape(_status_words(data.checks))}.",
    ]
    headline = key_figures(data)
    body = "\n".join(lines) + "\n\n"
    if not headline.empty:
        body += ("最新实际值（时期）：每个主要指标、每个地区。 Latest actual of each headline indicator by region "
                 "(period in brackets); hover a figure for its source line.\n\n") + _raw_html(
            report.table(headline, summary="各主要指标的最新值 Latest figures of the headline indicators").markup)
    return body


def key_figures(data) -> pd.DataFrame:
    """Each headline indicator's latest actual, one column per region above district level
    ('10.52亿人（2023-03）'); hovering a figure gives its source line."""
    from renshe.publish import report

    obs = data.observations
    headline = report.headline_indicators(data)
    actuals = obs[(obs["measure"] == "actual") & obs["indicator_id"].isin(headline) & (obs["basis"] == "")
                  & (obs["level"] != "district")]
    if actuals.empty:
        return pd.DataFrame()
    ranked = actuals.assign(_rank=actuals["level"].map(report.LEVEL_ORDER).fillna(9)).sort_values("_rank", kind="stable")
    regions = list(dict.fromkeys(ranked["region"]))
    rows = []
    for indicator_id in headline:
        own_unit = str(data.codebook_by_id.get(indicator_id, {}).get("unit", ""))
        of_indicator = actuals[actuals["indicator_id"] == indicator_id]
        # a row per unit: card counts (张) never stand in a row of card holders (人)
        for unit in sorted(set(of_indicator["unit"]), key=lambda u: u != own_unit):
            label = data.indicator_name(indicator_id) + ("" if unit == own_unit else f"（按{unit}计 counted in {unit}）")
            row = {"指标 indicator": label}
            for region in regions:
                latest = report.latest_row(report.with_display_columns(
                    of_indicator[(of_indicator["region"] == region) & (of_indicator["unit"] == unit)]))
                row[region] = "" if latest is None else f"{latest['display']}（{latest['period']}）"
                row[report.TITLE_PREFIX + region] = "" if latest is None else f"{data.cite(latest['source'])} {latest['source_text']}"
            if any(row[region] for region in regions):
                rows.append(row)
    return pd.DataFrame(rows)


def _checks_overview(checks: pd.DataFrame) -> pd.DataFrame:
    from renshe.publish import report

    return report.checks_overview(checks)


def _cross_checks_first(checks: pd.DataFrame) -> pd.DataFrame:
    """The cross-checks a reader comes for, then the schema checks (one per column and expectation)."""
    if "rule_type" not in checks.columns:
        return checks
    schema = checks["rule_type"].astype(str) == "schema"
    return pd.concat([checks[~schema], checks[schema]])


def _status_words(checks: pd.DataFrame | None) -> str:
    from renshe.publish import report

    return report.status_words(checks)


CHECKS_DOWNLOAD = "downloads/checks.csv"  # from the site's root, where the hand-written pages are


def quality_partial(paths: ProjectPaths) -> str:
    from renshe.publish import report

    checks = report.load_checks(paths)
    data = report.load_report_data(paths.root) if checks is not None else None
    parts = [f"**{html.escape(_status_words(checks))}**\n"]
    if (paths.site / "pages" / "02_validate.ipynb").is_file():
        parts.append("按核查类别的汇总和上下级比重 Summary by kind of check and the shares between levels: "
                     "[核查页 the validation page](pages/02_validate.ipynb).\n")
    runs = validation_runs(paths)
    if not runs.empty:
        parts.append("### 验证运行 The validation runs\n")
        parts.append("每条规则是一组检验项，逐行检验核查表。严重程度为“警告”的规则未满足时记为**警告**："
                     "数字之间不一致，值得核对，但数据照常发布；严重程度为“错误”的规则未满足时记为**未通过**。"
                     "验证工具本身把每个未满足的检验项都记为“failed”，本站按规则的严重程度报告。\n\n"
                     "*Each rule is a set of tests run over the rows of its checks. A rule of warning severity that is "
                     "not met is a **warning**: the figures disagree and are worth a look, but the data are published; "
                     "a rule of error severity that is not met has **failed**. The validation tool itself records every "
                     "unmet test as failed; the site reports it by the rule's severity.*\n")
        parts.append(_raw_html(report.table(runs, fold_over=None).markup))
    if (paths.site / "downloads" / REPORT_ZIP).is_file():
        parts.append(f"The validation tool's own report (HTML pages and results as it wrote them; its tables need "
                     f"jQuery and Bootstrap from the internet): [{REPORT_ZIP}](downloads/{REPORT_ZIP}).\n")
    if checks is not None and not checks.empty:
        nothing = checks[checks["computed_kind"] == "no_instance"] if "computed_kind" in checks.columns else checks.iloc[:0]
        checks = checks.drop(nothing.index)
        parts.append("### 按核查类别 By kind of check\n")
        parts.append(_raw_html(report.table(_checks_overview(checks)).markup))
        if "status" in checks.columns:
            flagged = checks[checks["status"].isin(["fail", "warn"])]
            parts.append("### 未通过与警告 Failures and warnings\n")
            parts.append(_raw_html(report.checks_block(flagged, data, fold_over=None, download=CHECKS_DOWNLOAD,
                                                       empty_message="没有。 None: every check passed.").markup))
        if not nothing.empty:
            parts.append("### 没有找到数字的规则 Rules that found nothing to check\n")
            parts.append("下列规则在现有文件中没有找到可以比较的数字，因此没有核查任何内容；加入相关文件后会自动核查。 "
                         "*These rules found no figures to compare in the documents so far, so they checked nothing; "
                         "they will as soon as documents with such figures are added.*\n")
            rules = _rule_descriptions(paths)
            parts.extend(f"- {html.escape(rules.get(rule_id, report.RULE_TYPE_WORDS.get(rule_type, rule_type)))}"
                         for rule_id, rule_type in zip(nothing["rule_id"], nothing["rule_type"]))
            parts.append("")
        parts.append("### 全部核查 Every check\n")
        parts.append("先列跨文件、跨层级的核查，再列观测值结构的核查；把鼠标停在来源上可读到引用的原文行。 "
                     "*Cross-checks first, then the observations' structure; hover a source to read the quoted lines.*\n")
        parts.append(_raw_html(report.checks_block(_cross_checks_first(checks), data, download=CHECKS_DOWNLOAD,
                                                   summary="全部核查 Every check").markup))
        parts.append("完整的核查表（两个数值、单位、容差和引用的原文行） The full table, with both values, units, "
                     "tolerances and quoted source lines: [checks.csv](downloads/checks.csv).\n")
    return "\n".join(parts)


def _rule_descriptions(paths: ProjectPaths) -> dict[str, str]:
    from renshe.checks.rules import load_rules

    if not paths.rules.is_file():
        return {}
    return {rule.id: " ".join(rule.description.split()) for rule in load_rules(paths.rules).rules if rule.description}


def data_partial(paths: ProjectPaths, tables: dict[str, pd.DataFrame]) -> str:
    rows = []
    for name, frame in tables.items():
        links = " · ".join(f'<a href="downloads/{name}.{ext}">{label}</a>'
                           for ext, label in (("csv", "CSV"), ("xlsx", "Excel"), ("parquet", "Parquet")))
        rows.append(f"<tr><td>{html.escape(name)}</td><td>{len(frame)}</td><td>{len(frame.columns)}</td>"
                    f"<td>{links}</td></tr>")
    if "checks" not in tables:
        rows.append('<tr><td>checks</td><td colspan="3">no checks yet (`renshe validate` has not been run)'
                    "</td></tr>")
    table = ('<table class="renshe-table"><thead><tr><th>表 table</th><th>行 rows</th><th>列 columns</th>'
             f'<th>下载 download</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')
    text = _raw_html(table)
    text += '\nThe columns of every table: [datapackage.json](downloads/datapackage.json) (Frictionless Data Package).\n'
    if (paths.site / "pages" / "01_clean.ipynb").is_file():
        text += "\nEach table as cleaned, with its counts: [the cleaning notebook](pages/01_clean.ipynb).\n"
    return text


@dataclass
class DataOutputs:
    """What `prepare_data_outputs` wrote, for the partials made after the pages."""
    tables: dict
    explored: object
    home: HomeFindings
    documents: dict  # {doc_id: the file as published, in the site's downloads}


def prepare_data_outputs(paths: ProjectPaths) -> DataOutputs:
    """The site's inputs made from the data alone (assets, downloads, data docs, the explorer's
    data, the home page's findings): `renshe build` makes them while the notebooks run."""
    from renshe.publish import report

    site = paths.site
    copy_assets(site / "assets")
    tables = write_downloads(paths, site / "downloads")
    # the validation library's HTML report needs scripts from the internet: a download, and its
    # content on the data-quality page (validation_runs)
    shutil.rmtree(site / "data-docs", ignore_errors=True)
    write_report_zip(paths, site / "downloads")
    documents = copy_documents(paths, site / "downloads")
    explored = write_explorer_data(report.load_report_data(paths.root), site / "assets" / EXPLORER_DATA, documents)
    return DataOutputs(tables, explored, home_findings(paths), documents)


def prepare_site(paths: ProjectPaths, data_outputs: DataOutputs | None = None) -> None:
    """Write every generated input of the Quarto project (partials, downloads, data docs, assets,
    the explorer's data); `data_outputs`: those made from the data alone, already written."""
    pages = paths.site / "pages"
    pages.mkdir(parents=True, exist_ok=True)
    data_outputs = data_outputs or prepare_data_outputs(paths)
    entries = _page_entries(paths)
    partials = {
        "_explore.md": explorer_partial(data_outputs.explored),
        "_regions.md": _link_list([e for e in entries if e.get("kind") == "region"],
                                  NO_PAGES["region"]),
        "_indicators.md": _link_list([e for e in entries if e.get("kind") == "indicator"],
                                     NO_PAGES["indicator"]),
        "_plans.md": plans_partial(paths, entries),
        "_findings.md": findings_partial(paths, data_outputs.home),
        "_quality.md": quality_partial(paths),
        "_data.md": data_partial(paths, data_outputs.tables),
        "_changes.md": changes_partial(paths),
        "_documents.md": documents_partial(paths, data_outputs.documents),
    }
    for name, text in partials.items():
        (pages / name).write_text(text, encoding="utf-8")
