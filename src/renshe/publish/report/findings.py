"""Findings in sentences: what the data and the checks say, in Chinese and English, with figures
and their source lines, ranked by interest.

Every statement is generated from the observations and checks.csv, never written by hand:
- how each plan stands (targets reached, on track, behind) and which targets were reached
  before their year (plans.plan_progress, judged by the target-progress checks);
- every check that warned or failed;
- a region's share of its parent region for the additive indicators the nesting checks cover;
- whether a region's districts (or an indicator's parts) add up to its totals (sum-of-parts checks);
- whether figures printed in two places agree (consistency checks);
- what a region's or an indicator's series of whole years says (report.series: the latest value,
  the change over the span, how many years rose).
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import pandas as pd

from renshe.ingest.numbers import format_value, trim_number
from renshe.publish.report.check_words import check_sentence
from renshe.publish.report.data import ReportData
from renshe.publish.report.display import HTMLBlock, compact_sources, folded, most_important
from renshe.publish.report.formatting import difference_text, english_figure, line_words, period_sort_key
from renshe.publish.report.plans import (Figure, plan_documents, plans_setting_targets_for, plan_progress,
                                         previous_plan_review)

# How interesting each kind of statement is (higher first); ties keep the order of generation.
EXPLORER = "explore.html"
SCORES = {"plan": 110, "fail": 100, "warn": 90, "more_checks": 90, "behind": 90, "early": 70, "pace": 60, "series": 55,
          "sums": 50, "agreement": 45, "share": 40}
# At most this many failing or warning checks are told one by one (failures first, each rule in
# turn: display.most_important); the rest are one statement, counted by kind, with a link to them.
FLAGGED_TOLD = 30


@dataclass
class Finding:
    kind: str  # a key of SCORES
    zh: str
    en: str
    sources: list[str] = field(default_factory=list)  # doc_id:line, or a doc_id for the whole document
    regions: tuple[str, ...] = ()
    link: str = ""  # a page of the site (relative to its root) that says more
    link_text: str = ""

    @property
    def score(self) -> int:
        return SCORES[self.kind]


def _en(figure: Figure, unit: str) -> str:
    return english_figure(figure.value, unit)


# ----------------------------------------------------------------------------- plans


def _mid_sentence(name: str) -> str:
    """'Urban new jobs' -> 'urban new jobs' inside an English sentence (acronyms stay)."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def plan_findings(data: ReportData, region: str | None = None) -> list[Finding]:
    """Per plan: how its targets stand; then each target behind or missed, each reached before its
    year, each yearly target met and each cumulative target ahead of its yearly pace."""
    from renshe.publish.batch import plan_page

    # the codebook's order is its editors' order of importance: headline indicators first
    order = {entry["id"]: (not entry.get("headline"), i) for i, entry in enumerate(data.codebook)}
    findings = []
    for doc_id in plans_setting_targets_for(data, region) if region else plan_documents(data):
        rows = plan_progress(data, doc_id)
        # the previous plan's targets (its review) are told one by one, never in this plan's summary
        review = previous_plan_review(data, doc_id)
        if region:
            rows = [row for row in rows if row["region"] == region]
            review = [row for row in review if row["region"] == region]
        if not rows and not review:
            continue
        link = "pages/" + plan_page(doc_id).replace(".ipynb", ".html")
        if rows:
            findings.append(_plan_summary(data.registry.document(doc_id), rows, link))
        told: set[tuple] = set()  # the same target printed as 2025 and as 2021-2025: tell it once
        for row in sorted((r for r in rows + review if r["latest"] is not None),
                          key=lambda r: order.get(r["indicator_id"], (True, len(order)))):
            finding = _target_finding(row, link)
            key = (row["region"], row["indicator_id"] or row["indicator"], finding.kind if finding else "")
            if finding and key not in told:
                told.add(key)
                findings.append(finding)
    return findings


def _plan_summary(entry, rows: list[dict], link: str) -> Finding:
    judged = [row for row in rows if row["latest"] is not None]
    counts = {status: sum(row["status"] == status for row in judged) for status in ("reached", "on_track", "behind")}
    waiting = len(rows) - len(judged)
    if not judged:
        zh = f"{entry.title_zh}：{len(rows)} 个目标都还没有可比的实际值（文件中只有目标）。"
        en = f"{entry.title_en}: none of its {len(rows)} targets has a comparable actual yet (the documents give only targets)."
    else:
        years = "、".join(sorted({row["target"].period[-4:] for row in judged}))
        zh = (f"{entry.title_zh}：{len(judged)} 个可判断的目标（目标年份 {years}）中，{counts['reached']} 个已达到，"
              f"{counts['on_track']} 个按进度，{counts['behind']} 个落后；另有 {waiting} 个目标尚无可比实际值。")
        en = (f"{entry.title_en}: of {len(judged)} targets that can be judged (target years {years.replace('、', ', ')}), "
              f"{counts['reached']} are reached, {counts['on_track']} on track and {counts['behind']} behind; "
              f"{waiting} more have no comparable actual yet.")
    return Finding("plan", zh, en, [entry.doc_id], (entry.region,), link, "规划进展 plan progress")


def _target_finding(row: dict, link: str) -> Finding | None:
    """The statement about one target worth telling, if any."""
    latest, target, unit, name = row["latest"], row["target"], row["unit"], row["indicator"]
    sources = [target.source, latest.source]
    gap_zh, gap_en = difference_text(abs(latest.value - row["goal"]), unit)
    region, name_en = row["region"], _mid_sentence(row.get("indicator_en", name))
    region_en = row.get("region_en", region)

    def finding(kind: str, zh: str, en: str) -> Finding:
        if not row.get("own", True):  # a target of the previous plan, from this plan's review of it
            zh, en = "上一规划期末，" + zh, "At the end of the previous plan, " + en
        return Finding(kind, zh, en, sources, (region,), link, "规划进展 plan progress")

    if row["status"] == "behind":
        if latest.period == target.period:
            return finding("behind", f"{region}{name}未达到{target.period}年目标 {target.display}：实际 {latest.display}（差 {gap_zh}）。",
                           f"{region_en} missed its {target.period} target for {name_en}, {_en(target, unit)}: "
                           f"{_en(latest, unit)}, {gap_en} short.")
        return finding("behind", f"{region}{name}落后于进度：{latest.period}年 {latest.display}，{target.period}年目标 "
                                 f"{target.display}（{row['label_zh']}）。",
                       f"{region_en} is behind on {name_en}: {_en(latest, unit)} in {latest.period} against the "
                       f"{target.period} target of {_en(target, unit)}: {row['label_en']}.")
    if row["goal_kind"] == "per_year_pace" and latest.value >= row["goal"]:
        pace_zh, pace_en = format_value(row["goal"], unit), english_figure(row["goal"], unit)
        return finding("pace", f"{region}{latest.period}年{name} {latest.display}，高于完成{target.period}年累计目标 "
                               f"{target.display} 所需的年均 {pace_zh}（超出 {gap_zh}）。",
                       f"{region_en}'s {name_en} stood at {_en(latest, unit)} in {latest.period}, above the yearly pace "
                       f"of {pace_en} that the {target.period} total of {_en(target, unit)} needs, by {gap_en}.")
    if row["basis"] == "per_year" and row["status"] == "reached":
        return finding("pace", f"{region}{latest.period}年{name} {latest.display}，达到{target.period}年每年 {target.display} "
                               f"的目标（超出 {gap_zh}）。",
                       f"{region_en}'s {name_en} stood at {_en(latest, unit)} in {latest.period}, meeting the "
                       f"{target.period} target of {_en(target, unit)} a year, by {gap_en}.")
    if row["early"]:
        verb_zh, verb_en, by_zh = ("低于", "already below", "低") if row["ceiling"] else ("已超过", "already above", "超出")
        return finding("early", f"{region}{latest.period}年{name} {latest.display}，{verb_zh}{target.period}年目标 "
                                f"{target.display}（{by_zh} {gap_zh}）。",
                       f"{region_en}'s {name_en} stood at {_en(latest, unit)} in {latest.period}, {verb_en} the "
                       f"{target.period} target of {_en(target, unit)}, by {gap_en}.")
    return None


# ----------------------------------------------------------------------------- checks


REGION_SEPARATORS = re.compile(r"\s*(?:/|\+|→)\s*")


def _checks(data: ReportData, region: str | None) -> pd.DataFrame:
    checks = data.checks
    if checks is None or checks.empty or "rule_type" not in checks.columns:
        return pd.DataFrame()  # no checks yet: the generators below have nothing to say
    if region:  # each distinct `regions` text split once, not once per check
        regions = checks["regions"].astype(str)
        naming = [text for text in regions.unique() if region in REGION_SEPARATORS.split(text)]
        checks = checks[regions.isin(naming).to_numpy()]
    return checks


def _citations(sources: str) -> list[str]:
    return [c.strip() for c in str(sources).split(";") if c.strip()]


def _figure_text(value: str, unit: str) -> tuple[str, str]:
    """A check's figure as the documents write it; ('', '') for a check that compared none (a rule
    that matched nothing is a warning without figures)."""
    if value is None or str(value).strip() in ("", "nan"):
        return "", ""
    number = float(value)
    return format_value(number, unit), english_figure(number, unit)


def flagged_check_findings(data: ReportData, region: str | None = None) -> list[Finding]:
    """Every check that warned or failed (a progress check says it as 'behind' in plan_findings)."""
    checks = _checks(data, region)
    if checks.empty:
        return []
    # a progress check is told as a target behind (plan_findings); a rule that found nothing to
    # check is said on the data-quality page, not as a finding
    flagged = checks[checks["status"].isin(["fail", "warn"])
                     & ~checks["computed_kind"].isin(["expected_by_now", "no_instance"])]
    told = most_important(flagged, FLAGGED_TOLD)
    findings = []
    for _, check in told.iterrows():
        zh, en = check_sentence(data, check)
        status_zh, status_en = ("核查未通过", "Check failed") if check["status"] == "fail" else ("核查警告", "Check warning")
        regions = tuple(r for r in REGION_SEPARATORS.split(str(check["regions"])) if r)
        findings.append(Finding("fail" if check["status"] == "fail" else "warn", f"{status_zh}：{zh}",
                                f"{status_en}: {en}", _citations(check["sources"]), regions,
                                "quality.html", "数据质量 data quality"))
    if len(told) < len(flagged):
        findings.append(_more_checks(flagged.drop(told.index), region))
    return findings


def _more_checks(rest: pd.DataFrame, region: str | None) -> Finding:
    """The failing and warning checks not told one by one, counted by kind of check and result."""
    from renshe.publish.report.check_words import RULE_TYPE_WORDS

    counts = rest.groupby(["rule_type", "status"], sort=False).size().sort_values(ascending=False, kind="stable")
    parts_zh, parts_en = [], []
    for (rule_type, status), count in counts.items():
        zh_words, _, en_words = RULE_TYPE_WORDS.get(rule_type, "其他核查 other checks").partition(" ")
        parts_zh.append(f"{zh_words} {count} 项{'未通过' if status == 'fail' else '警告'}")
        parts_en.append(f"{en_words}: {count} {'failed' if status == 'fail' else 'warned'}")
    failed, warned = int((rest["status"] == "fail").sum()), int((rest["status"] == "warn").sum())
    where_zh, where_en = (f"涉及{region}的", f" involving {region}") if region else ("", "")
    zh = (f"另有{where_zh} {failed} 项核查未通过、{warned} 项警告（{'；'.join(parts_zh)}），"
          f"全部列在数据质量页和 checks.csv 下载中。")
    en = (f"{failed} more checks{where_en} failed and {warned} warned ({'; '.join(parts_en)}); every one is on "
          f"the data-quality page and in the checks.csv download.")
    return Finding("more_checks", zh, en, [], (region,) if region else (), "quality.html", "数据质量 data quality")


def share_findings(data: ReportData, region: str | None = None) -> list[Finding]:
    """A region's share of its parent in the latest period the nesting checks cover (the one
    before in brackets), for the additive indicators those checks compare."""
    from renshe.publish.batch import region_page

    checks = _checks(data, region)
    if checks.empty:
        return []
    shares = checks[(checks["rule_type"] == "level_nesting") & (checks["computed_kind"] == "share")]
    findings = []
    for regions, pair in shares.groupby("regions", sort=False):
        child, _, parent = str(regions).partition(" / ")
        if region and child != region:
            continue  # on the parent's page its children's shares are theirs to tell
        periods = sorted(pair["periods"].unique(), key=lambda p: period_sort_key(str(p).split(" / ")[0]), reverse=True)
        latest = pair[pair["periods"] == periods[0]]
        before = pair[pair["periods"] == periods[1]].set_index("indicator_id")["computed"] if len(periods) > 1 else {}
        parts_zh, parts_en = [], []
        for _, check in latest.iterrows():
            share = trim_number(float(check["computed"]), 2)
            earlier = (f"（{periods[1]}年 {trim_number(float(before[check['indicator_id']]), 2)}%）"
                       if check["indicator_id"] in before else "")
            earlier_en = f" ({periods[1]}: {trim_number(float(before[check['indicator_id']]), 2)}%)" if earlier else ""
            parts_zh.append(f"{data.indicator_name(check['indicator_id'])} {share}%{earlier}")
            parts_en.append(f"{_mid_sentence(data.indicator_name_en(check['indicator_id']))} {share}%{earlier_en}")
        code = next((r.code for r in data.registry.regions if r.name == child), "")
        findings.append(Finding(
            "share", f"{child}占{parent}的比重（{periods[0]}）：" + "，".join(parts_zh) + "。",
            f"{data.region_name_en(child)}'s share of {data.region_name_en(parent)} ({periods[0]}): " + "; ".join(parts_en) + ".",
            [c for _, check in latest.iterrows() for c in _citations(check["sources"])], (child, parent),
            f"pages/{region_page(code).replace('.ipynb', '.html')}" if code else "", "地区 region"))
    return findings


def sum_findings(data: ReportData, region: str | None = None) -> list[Finding]:
    """Whether the parts add up to the printed totals: a city's districts, or an indicator's parts
    (employees + residents = all insured), one statement per rule and total."""
    checks = _checks(data, region)
    if checks.empty:
        return []
    sums = checks[checks["rule_type"] == "sum_of_parts"]
    findings = []
    for (_rule, regions), group in sums.groupby(["rule_id", "regions"], sort=False):
        passed = group[group["status"] == "pass"]
        example = (passed if len(passed) else group).iloc[0]
        total_zh, total_en = _figure_text(example["value_b"], example["unit_b"])
        name, name_en = data.indicator_name(example["indicator_id"]), data.indicator_name_en(example["indicator_id"])
        all_zh, all_en = ("全部", "all") if len(passed) == len(group) else (f"其中 {len(passed)} 项", f"{len(passed)} of the")
        parts, arrow, total = str(regions).partition("→")
        if arrow:
            count = len(parts.split("+"))
            zh = f"{total}：{count} 个区县 {len(group)} 项数字之和{all_zh}等于全市合计（如{name}合计 {total_zh}）。"
            en = (f"{data.region_name_en(total)}: the sums of its {count} districts' figures equal the city's totals for {all_en} {len(group)} "
                  f"items (e.g. {_mid_sentence(name_en)}, {total_en} in all).")
        else:
            total = str(regions)
            zh = f"{total}：{len(group)} 个合计数与其分项之和{all_zh}一致（如{name} {total_zh}）。"
            en = (f"{data.region_name_en(total)}: {all_en} {len(group)} printed totals equal the sums of their parts "
                  f"(e.g. {_mid_sentence(name_en)}, {total_en}).")
        findings.append(Finding("sums", zh, en, _citations(example["sources"]), (total,), "quality.html",
                                "数据质量 data quality"))
    return findings


def agreement_findings(data: ReportData, region: str | None = None) -> list[Finding]:
    """Figures printed twice (two tables, a table and the text, two documents): do they agree?"""
    checks = _checks(data, region)
    if checks.empty:
        return []
    twice = checks[checks["rule_type"] == "consistency"]
    if twice.empty:
        return []
    agreeing = twice[twice["status"] == "pass"]
    example = (agreeing if len(agreeing) else twice).iloc[0]
    figure_zh, figure_en = _figure_text(example["value_a"], example["unit_a"])
    where_zh, where_en = (f"{region}：", f"{data.region_name_en(region)}: ") if region else ("", "")
    rest_zh = "。" if len(agreeing) == len(twice) else f"，{len(twice) - len(agreeing)} 个不一致（见上）。"
    rest_en = "." if len(agreeing) == len(twice) else f"; {len(twice) - len(agreeing)} do not (above)."
    return [Finding(
        "agreement",
        f"{where_zh}{len(twice)} 个在文件中出现两次的数字中，{len(agreeing)} 个前后一致（如{example['regions']}"
        f"{data.indicator_name(example['indicator_id'])} {example['periods']}年 {figure_zh}，两处相同）{rest_zh}",
        f"{where_en}{'o' if region else 'O'}f {len(twice)} figures printed twice, {len(agreeing)} agree (e.g. {data.region_name_en(example['regions'])}'s "
        f"{_mid_sentence(data.indicator_name_en(example['indicator_id']))} in {example['periods']}, {figure_en} both "
        f"times){rest_en}",
        _citations(example["sources"]), (region,) if region else (), "quality.html", "数据质量 data quality")]


# ----------------------------------------------------------------------------- all of them


def series_statements(data: ReportData, region: str | None = None, indicator_id: str | None = None,
                      limit: int | None = None) -> list[Finding]:
    """What each series of whole years of the region (or of the indicator, every region) says."""
    from renshe.publish.report.series import series_findings

    return [Finding("series", zh, en, sources, (region,) if region else ())
            for zh, en, sources in series_findings(data, region, indicator_id, limit)]


def all_findings(data: ReportData, region: str | None = None) -> list[Finding]:
    """Every statement about the region (None: the whole collection), most interesting first. A
    region's series are told on its page (the collection's would be one per region and indicator)."""
    found = (flagged_check_findings(data, region) + plan_findings(data, region) + sum_findings(data, region)
             + agreement_findings(data, region) + share_findings(data, region)
             + (series_statements(data, region) if region else []))
    return sorted(found, key=lambda f: -f.score)


def top_findings(found: list[Finding], limits: dict[str, int]) -> list[Finding]:
    """The first `limits[kind]` statements of each kind (kinds without a limit: all), in rank order."""
    taken: dict[str, int] = {}
    kept = []
    for finding in found:
        taken[finding.kind] = taken.get(finding.kind, 0) + 1
        if taken[finding.kind] <= limits.get(finding.kind, len(found)):
            kept.append(finding)
    return kept


def _source_links(sources: list[str], root: str, data: ReportData | None = None) -> str:
    """'doc:161; doc:155' as one label per document and one link per line, each opening the
    explorer on the observations of that line (the line itself quoted in full). With `data`, in a
    reader's words: the document's title, then '第161行', '第155行' (the page where one is known)."""
    by_document: dict[str, list[str]] = {}
    for citation in dict.fromkeys(sources):
        doc_id, _, line = citation.rpartition(":") if ":" in citation else (citation, "", "")
        by_document.setdefault(doc_id, []).append(line)
    parts = []
    for doc_id, lines in by_document.items():
        doc = html.escape(doc_id)
        label = html.escape(f"《{data.source_title(doc_id)}》") if data is not None else doc
        if lines == [""]:
            parts.append(f'<a href="{root}{EXPLORER}#doc={doc}">{label}</a>')
            continue
        words = {line: line_words(line, data.source_page(doc_id, line)) if data is not None else line for line in lines}
        links = ("、" if data is not None else ", ").join(
            f'<a href="{root}{EXPLORER}#source={doc}:{html.escape(line)}">{html.escape(words[line])}</a>'
            for line in lines if line)
        parts.append(f"{label}{links}" if data is not None else f"{doc}:{links}")
    return ("；" if data is not None else "; ").join(parts)


def findings_html(found: list[Finding], root: str = "../", empty: str = "没有可报告的发现。 Nothing to report.",
                  pages: set[str] | None = None, data: ReportData | None = None,
                  shown: int | None = None) -> HTMLBlock:
    """The statements as a list: Chinese, English below it, the sources (linked to the explorer) and
    a link to the page that says more (only to `pages`, relative to the site root, when given).
    Everything from the documents is escaped. With `data`, sources are named by their documents'
    titles (as a reader reads them), else by their ids. With `shown`, the statements past the first
    `shown` (the list is in rank order) are folded, the list numbered on."""
    if not found:
        return HTMLBlock(f'<p class="renshe-note">{html.escape(empty)}</p>', empty)
    items = []
    for finding in found:
        linked = finding.link and (pages is None or finding.link in pages or "/" not in finding.link)
        more = (f' <a class="renshe-more" href="{root}{html.escape(finding.link)}">→ {html.escape(finding.link_text)}</a>'
                if linked else "")
        sources = (f'<span class="renshe-sources">来源 sources: {_source_links(finding.sources, root, data)}</span>'
                   if finding.sources else "")
        items.append(f'<li class="renshe-finding renshe-finding-{finding.kind}"><span lang="zh-CN">'
                     f'{html.escape(finding.zh)}</span><br><span lang="en" class="renshe-en">{html.escape(finding.en)}'
                     f"</span><br>{sources}{more}</li>")
    cited = data.cite if data is not None else compact_sources
    text = "\n".join(f"- {f.zh} / {f.en} [{cited('; '.join(f.sources))}]" for f in found)
    markup = f'<ol class="renshe-findings">{"".join(items[:shown])}</ol>'
    if shown is not None and len(items) > shown:
        rest = len(items) - shown
        markup += folded(f'<ol class="renshe-findings" start="{shown + 1}">{"".join(items[shown:])}</ol>',
                         f"另有 {rest} 条发现 {rest} more findings")
    return HTMLBlock(markup, text)


REGION_LIMITS = {"early": 6, "pace": 4, "series": 6}
REGION_SHOWN = 8  # a region page opens with its 8 most important statements; the rest are folded
INDICATOR_SERIES = 8  # the series an indicator page tells in words (the chart draws every one)
HOME_LIMITS = {"early": 2, "pace": 1, "share": 2, "sums": 2}


def region_findings(data: ReportData, region: str) -> HTMLBlock:
    """The region page's opening statements (the plan pages list every target)."""
    return findings_html(top_findings(all_findings(data, region), REGION_LIMITS), root="../", data=data,
                         shown=REGION_SHOWN,
                         empty=f"{region}：没有可报告的发现（没有规划目标、比重或核查涉及该地区）。 "
                               f"Nothing to report for {data.region_name_en(region)}: no plan target, share or check involves it.")


def indicator_findings(data: ReportData, indicator_id: str) -> HTMLBlock:
    """The indicator page's statements: what its longest series say, the nation's first."""
    found = series_statements(data, indicator_id=indicator_id, limit=INDICATOR_SERIES)
    return findings_html(found, root="../", data=data,
                         empty="没有跨三年以上的序列可以概括，数值见下图和表。 No series spans three years or more; "
                               "the chart and table below give every value.")
