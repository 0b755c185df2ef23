"""A registry entry inferred from a document itself (for `renshe add`).

Every rule reads what a document prints about itself, the way an analyst registering it would:

- title: its first line (with the next when the first does not yet say what the document is:
  浙江省人力资源和社会保障事业发展 / “十四五”规划); a news report's headline.
- doc_type from the title and the opening lines: a news report (…社…电, 记者, 报道 in the first
  lines); 新闻发布会 a press briefing; 统计公报 a statistical communiqué when a statistics bureau
  issues it or it is the 国民经济和社会发展统计公报, else a statistical bulletin; 规划/纲要 a
  five-year plan; 方案/行动/计划 an action plan; 年鉴 or a title ending in 表 a yearbook table.
- issuer: the body printed in the opening or closing lines (…人力资源和社会保障厅/局, 人力资源社会
  保障部, …统计局, …人民政府, a news agency or paper for a report).
- region and level: the region the title names (the most specific, when it names a city and its
  county), else the issuer's; 人力资源社会保障部, 国家统计局 and 全国 are the nation.
- reference period (renshe.periods forms): “十四五” 2021-2025, 2023年一季度 2023-Q1, 上半年 2023-H1,
  1-9月 2023-01/09, 2023年 or 2023年度 2023.
- published: a full date printed in the opening or closing lines (2023年4月18日, 2023-04-18).
- script: hant when a share of the Chinese characters are Traditional (opencc changes them).

A field no rule can read is None: `renshe add` asks for it or names it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from renshe.ingest.documents import normalize_line, to_simplified
from renshe.ingest.periods import PLAN_NAME, plan_span
from renshe.ingest.regions import Region, ancestors, region_lookup
from renshe.periods import canonical, months_period, parse_period

HEAD_LINES, TAIL_LINES = 10, 8
# a space the conversion left between two Chinese characters (人力资源和社会保障 事业发展)
_CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff“”《》])\s+(?=[\u4e00-\u9fff“”《》\d])|(?<=\d)\s+(?=[\u4e00-\u9fff])")
_RULE = re.compile(r"^[-—=*_]{3,}$")
# a notice that issues the document: X关于印发《TITLE》的通知
_TRANSMITTAL = re.compile(r"^(?P<issuer>.+?)关于印发《(?P<title>[^》]+)》的?通知")
_DOC_WORDS = re.compile(r"公报|规划|纲要|方案|行动|计划|新闻发布会|年鉴|表$|报告|通知|意见|情况")
_NEWS = re.compile(r"(?:新华社|中新社|[\u4e00-\u9fff]{1,6}社)[\u4e00-\u9fff]{0,6}\d{1,2}月\d{1,2}日电|记者|报道|通讯员")
_AGENCY = re.compile(r"新华社|中新社|中国新闻社|人民日报|经济日报|光明日报|工人日报|[\u4e00-\u9fff]{2,8}(?:日报|晚报|新闻网|广播电视台|电视台)")
_ISSUER = re.compile(
    r"(?:[\u4e00-\u9fff]{2,12}?(?:人力资源和社会保障|人力资源社会保障)(?:厅|局|部)"
    r"|人力资源社会保障部|人力资源和社会保障部|国家统计局(?:[\u4e00-\u9fff]{2,6}调查总队)?"
    r"|[\u4e00-\u9fff]{2,12}?统计局|[\u4e00-\u9fff]{2,12}?人民政府(?:办公厅|办公室)?"
    r"|[\u4e00-\u9fff]{2,12}?发展和改革委员会)")
_ISSUER_LEAD = re.compile(r"^(?:\d{4}年\d{1,2}月\d{1,2}日|来源|发布|发布机构|发文机关|[:：\s])+")
_NATIONAL = ("人力资源社会保障部", "人社部", "人力资源和社会保障部", "国家统计局", "全国", "中华人民共和国")
_DATE = re.compile(r"((?:19|20)\d{2})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*(?:月|-|/|\.)\s*(\d{1,2})\s*日?")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_SPAN = re.compile(r"((?:19|20)\d{2})\s*(?:年)?\s*[-—–~至到]\s*((?:19|20)\d{2})\s*年")
_QUARTER = re.compile(r"(?:第)?([一二三四1-4])季度")
_MONTHS = re.compile(r"(\d{1,2})\s*[-—–~至到]\s*(\d{1,2})\s*月")
_MONTH = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月(?:份)?(?![\d日])")
_QUARTERS = "一二三四"
_DAY = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})日")
HANT_SHARE = 0.02  # a Simplified text has next to no character opencc's t2s changes; a Traditional one many


@dataclass
class Inferred:
    title: str | None = None
    issuer: str | None = None
    doc_type: str | None = None
    region: Region | None = None
    reference_period: str | None = None
    published: str | None = None
    script: str | None = None


def infer_entry(lines: list[str], regions: tuple[Region, ...]) -> Inferred:
    """What the document's own lines say about it (`lines`: its text lines as read)."""
    script = infer_script("\n".join(lines))
    text = [_CJK_SPACE.sub("", normalize_line(line, script).strip().strip("#").strip()) for line in lines]
    text = [line for line in text if line and not _RULE.match(line)]
    head, tail = text[:HEAD_LINES], text[-TAIL_LINES:]
    notice = next((found for line in head if (found := _TRANSMITTAL.search(line))), None)
    title = notice.group("title") if notice else infer_title(head)
    news = not notice and any(_NEWS.search(line) for line in head[1:HEAD_LINES])
    issuer = _bodies(notice.group("issuer")) if notice else infer_issuer(head, tail, news)
    year = _year_of(title or "", head)
    period = infer_period(title or "") or (infer_period(" ".join(head[1:3])) if news else None)
    return Inferred(
        title=title, issuer=issuer, doc_type=infer_doc_type(title or "", issuer or "", news),
        region=infer_region(title or "", issuer or "", regions, year),
        reference_period=period, published=infer_published(head, tail, period), script=script,
    )


def _bodies(text: str) -> str:
    """衢州市发展和改革委员会 衢州市人力资源和社会保障局 -> the bodies joined with 、."""
    found = [match.group() for match in _ISSUER.finditer(text)]
    return "、".join(found) if found else text


def infer_script(text: str) -> str:
    chinese = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not chinese:
        return "hans"
    sample = "".join(chinese[:20000])
    changed = sum(a != b for a, b in zip(sample, to_simplified(sample)))
    return "hant" if changed / len(sample) > HANT_SHARE else "hans"


def infer_title(head: list[str]) -> str | None:
    head = [line for line in head if not line.endswith("文件")]  # a red header names the issuer
    if not head:
        return None
    first = head[0]
    if not _DOC_WORDS.search(first) and len(head) > 1 and _DOC_WORDS.search(head[1]) and len(head[1]) <= 40:
        first += head[1]  # a title printed on two lines
    # a sentence (…。) is the text's start, not a title: a title names the document and stops
    return first if len(first) <= 80 and not first.endswith(("。", "；", "!", "?", ";")) else None


def infer_issuer(head: list[str], tail: list[str], news: bool) -> str | None:
    if news:
        for line in head:
            found = _AGENCY.search(line)
            if found:
                return found.group()
    for line in [*head[1:], *reversed(tail), *head[:1]]:
        found = _ISSUER.search(_ISSUER_LEAD.sub("", line))
        if found:
            return found.group()
    return None


# a headline in which somebody releases a document (人社部发布2023年度…统计公报) is a report of it
_RELEASES = re.compile(r"(?:发布|公布|披露|出炉|解读)[^，,。]*(?:公报|报告|数据|规划|方案)")


def infer_doc_type(title: str, issuer: str, news: bool) -> str | None:
    if news or _RELEASES.search(title):
        return "news_report"
    if "新闻发布会" in title:
        return "press_briefing"
    if "统计公报" in title or title.endswith("公报"):
        communique = "国民经济和社会发展统计公报" in title or issuer.endswith("统计局") or "调查总队" in issuer
        return "statistical_communique" if communique else "statistical_bulletin"
    if "年鉴" in title or re.search(r"表(?:\([^()]*\))?$", title):
        return "yearbook_table"
    if "规划" in title or "纲要" in title:
        return "five_year_plan"
    if re.search(r"方案|行动|计划", title):
        return "action_plan"
    return None


def infer_region(title: str, issuer: str, regions: tuple[Region, ...], year: int | None) -> Region | None:
    """The most specific region the title names (else the issuer); None when it names two
    regions neither of which is inside the other."""
    lookup = region_lookup(regions)
    parent_of = {region.name: region.parent for region in regions}
    for text in (title, issuer):
        if any(word in text for word in _NATIONAL) and not _named(text, lookup, year, full_only=True):
            return lookup.get("全国")
        for full_only in (True, False):
            found = _named(text, lookup, year, full_only)
            if found:
                deepest = max(found, key=lambda r: len(ancestors(r.name, parent_of)))
                chain = {deepest.name, *ancestors(deepest.name, parent_of)}
                return deepest if all(r.name in chain for r in found) else None
    return None


def _named(text: str, lookup: dict[str, Region], year: int | None, full_only: bool) -> list[Region]:
    """The regions whose name (or, unless full_only, short name) the text holds, longest first,
    each place in the text read once."""
    labels = [label for label, region in lookup.items()
              if (not full_only or label == region.name) and len(label) >= 2 and label in text]
    taken: list[tuple[int, int]] = []
    found: list[Region] = []
    for label in sorted(labels, key=len, reverse=True):
        for match in re.finditer(re.escape(label), text):
            span = (match.start(), match.end())
            if any(a < span[1] and span[0] < b for a, b in taken):
                continue
            region = lookup[label]
            if year is not None and not region.valid_in(year):
                continue
            taken.append(span)
            if region not in found:
                found.append(region)
    return found


def infer_period(title: str) -> str | None:
    plan = PLAN_NAME.search(title)
    if plan:
        start, end = plan_span(plan.group(1))
        return f"{start}-{end}"
    span = _SPAN.search(title)
    if span and int(span.group(1)) < int(span.group(2)):
        return canonical(f"{span.group(1)}-{span.group(2)}")
    year_match = _YEAR.search(title)
    if not year_match:
        return None
    year = int(year_match.group(1))
    rest = title[year_match.end():]
    quarter = _QUARTER.search(rest)
    if quarter:
        number = quarter.group(1)
        number = _QUARTERS.index(number) + 1 if number in _QUARTERS else int(number)
        return canonical(f"{year}-Q{number}")
    if "上半年" in rest:
        return canonical(f"{year}-H1")
    if "下半年" in rest:
        return canonical(f"{year}-H2")
    months = _MONTHS.search(rest)
    if months and 1 <= int(months.group(1)) <= int(months.group(2)) <= 12:
        return months_period(year, int(months.group(1)), int(months.group(2)))
    month = _MONTH.search(title)
    if month and 1 <= int(month.group(2)) <= 12:
        return canonical(f"{year}-{int(month.group(2)):02d}")
    return canonical(str(year))


def infer_published(head: list[str], tail: list[str], period: str | None = None) -> str | None:
    """A full date in the opening or closing lines; else a month and day opening the first lines
    (4月24日,…举行…新闻发布会; 新华社北京1月20日电) in the year the period ends or the next."""
    for line in [*head[1:], *reversed(tail)]:
        found = _DATE.search(line)
        if found:
            year, month, day = (int(x) for x in found.groups())
            if 1 <= month <= 12 and 1 <= day <= 31:
                return f"{year:04d}-{month:02d}-{day:02d}"
    if period:
        for line in head[:3]:
            found = _DAY.search(line)
            parsed = parse_period(period)
            if found and parsed and 1 <= int(found.group(1)) <= 12 and 1 <= int(found.group(2)) <= 31:
                month, day = int(found.group(1)), int(found.group(2))
                # published after the period it reports on: 4月24日 after 2023-Q1 is 2023; 1月20日 after 2023 is 2024
                year = parsed.last_year if month > parsed.last_month else parsed.last_year + 1
                return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def _year_of(title: str, head: list[str]) -> int | None:
    period = infer_period(title)
    if period:
        return int(period[:4])
    for line in head:
        found = _YEAR.search(line)
        if found:
            return int(found.group(1))
    return None
