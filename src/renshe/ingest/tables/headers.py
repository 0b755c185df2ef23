"""What a printed header cell says about its column, by general rules (no per-document layout).

An expert reads a statistics table's header the same way whoever printed it:

* a first column headed 指标 / 项目 / 名称 holds the row labels; one headed 辖区 / 地区 / 县（市、区）
  holds regions; 单位 holds each row's unit, 属性 the target's attribute, 序号 an ordinal;
* a year (2020年) names the period; a five-year plan's name (“十三五”) names the plan's last year,
  and the plan's span is the period of its cumulative (〔 〕) figures;
* 基数 / 完成 / 实际 make an actual, 目标 / 规划 / 预期 a target; 增长 / 增速 (%) a growth rate and
  增减 / 增加 a change; with none of these words, a plan's years from its own period on are targets
  and earlier years actuals, and a bulletin's figures are actuals;
* a header without a time word carries on the period of the value column before it
  (完成数 after “十三五”目标 is the plan's last year, actual);
* a unit in brackets (万人) is the column's unit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from renshe.ingest.periods import PLAN_NAME, plan_span, span_containing
from renshe.ingest.tables.layouts import Column
from renshe.periods import span_years

LABEL_HEADERS = ("指标", "指标名称", "主要指标", "项目", "项目名称", "名称", "类别", "分类", "类型", "内容")
REGION_HEADERS = ("辖区", "地区", "区域", "地区名称", "区县", "县市区", "县(市、区)", "县(市,区)", "县(市区)",
                  "市(州)", "市州", "设区市", "城市", "各地", "行政区")
PERIOD_HEADERS = ("年份", "年度", "时间", "年", "年末")
UNIT_HEADERS = ("单位", "计量单位")
ATTRIBUTE_HEADERS = ("属性", "指标属性", "性质", "指标性质", "目标属性")
ORDINAL_HEADERS = ("序号", "编号")
TEXT_HEADERS = ("备注", "说明", "主要内容", "主要举措", "责任单位", "牵头单位", "实施步骤", "依托平台",
                "依托机制", "预期目标", "完成时限", "时间安排")
PLAN_KINDS = ("five_year_plan", "action_plan")

_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_BRACKET_UNIT = re.compile(r"\(([^()]{1,6})\)\s*$")
_TARGET_WORDS = ("目标", "规划", "预期", "计划", "预计", "力争")
_ACTUAL_WORDS = ("基数", "完成", "实际", "现状", "基期", "实绩", "实现值", "现值")
_CHANGE_PCT = re.compile(r"增长|增速|增幅|下降|同比|环比")
_CHANGE = re.compile(r"增减|增加|净增|比上年")


@dataclass(frozen=True)
class DocumentTime:
    """The document's own period, against which a header's years are read."""

    doc_type: str
    start: int  # first year of the reference period (2021 for 2021-2025, 2022 for 2022)
    end: int
    # the period a table's title names (表1 2023年1-9月各区城镇新增就业: 2023-01/09), for the columns
    # whose header names none; '' when the title names no period within one year
    title_period: str = ""

    @property
    def is_plan(self) -> bool:
        return self.doc_type in PLAN_KINDS

    @classmethod
    def of(cls, entry) -> "DocumentTime":
        years = [int(y) for y in _YEAR.findall(entry.reference_period)] or [entry.year]
        return cls(entry.doc_type, years[0], years[-1])


def header_key(text: str) -> str:
    return re.sub(r"\s+", "", text)


def role_of(header: str, position: int) -> str:
    key = header_key(header)
    if key in ORDINAL_HEADERS:
        return "ordinal"
    if key in UNIT_HEADERS:
        return "unit"
    if key in ATTRIBUTE_HEADERS:
        return "attribute"
    if position == 0 and key in REGION_HEADERS:
        return "region"
    if position == 0 and key in PERIOD_HEADERS:
        return "period"
    if position <= 1 and key in LABEL_HEADERS:
        return "label"
    if key in TEXT_HEADERS:
        return "text"
    return "value"


def _bracket_unit(key: str) -> str:
    """The unit in brackets at the end of the header, or of the group over it (城镇新增就业（万人）/2021年)."""
    for part in reversed(key.split("/")):
        match = _BRACKET_UNIT.search(part)
        if match:
            return match.group(1)
    return ""


def _measure(key: str, period_end: int | None, time: DocumentTime) -> str:
    if _CHANGE_PCT.search(key):
        return "change_pct"
    if _CHANGE.search(key):
        return "change"
    if any(word in key for word in _TARGET_WORDS):
        return "target"
    if any(word in key for word in _ACTUAL_WORDS):
        return "actual"
    if time.is_plan and period_end is not None and period_end < time.start:
        return "actual"  # a plan cannot set a target for a year already past
    return "target" if time.is_plan else "actual"


def value_column(header: str, time: DocumentTime, before: Column | None) -> Column:
    """A value column from its header; `before` is the value column printed before it."""
    key = header_key(header)
    plan = PLAN_NAME.search(key)
    year = _YEAR.search(key)
    unit = _bracket_unit(key)
    if year:
        value_year = int(year.group(1))
        start, end = plan_span(plan.group(1)) if plan else span_containing(value_year)
        period = str(value_year)
    elif plan:
        start, end = plan_span(plan.group(1))
        period, value_year = str(end), end
    elif before is not None:
        period, value_year = before.period, span_years(before.period)[1]
        start, end = (int(y) for y in before.cumulative_period.split("-"))
    elif time.title_period:
        value_year = span_years(time.title_period)[1]
        period = time.title_period
        start, end = span_containing(value_year)
    else:
        value_year = time.end
        period = str(time.end) if time.start == time.end else f"{time.start}-{time.end}"
        start, end = span_containing(value_year) if time.start == time.end else (time.start, time.end)
    measure = _measure(key, value_year, time)
    if measure == "change_pct" and not unit:
        unit = "%"
    return Column(header_key(header), "value", period, measure, f"{start}-{end}", unit)


# words of a header that say when or how a figure is, not what it counts
_NOT_A_NAME = re.compile(r"“?十[一二三四五六七八九]五”?|(?:19|20)\d{2}(?:年(?:末|底|度)?)?|年末|年底|全年|规划|目标值?|基数|完成数?|"
                         r"实际|预期|预计|计划|增长|增速|增幅|增减|比上年|同比|总量|绝对数|数值|数量|值|数|\([^()]*\)")
_SHARE_WORDS = ("比重", "占比", "比例", "构成", "结构")
TOTAL_WORDS = ("合计", "总计", "总量", "全部", "总体", "小计")


def _names(header: str) -> str:
    """What a header names besides time and measure: '城镇居民/总量' -> '城镇居民', '比重(%)' -> '比重'."""
    return "".join(_NOT_A_NAME.sub("", part) for part in header_key(header).split("/"))


def header_names_something(header: str) -> bool:
    return bool(_names(header))


def _named_apart(columns: list[Column]) -> list[Column]:
    """Columns that share a period and a measure (城镇居民/总量, 农村居民/总量) count different things:
    each takes what its header names, to be joined to the row label."""
    seen: dict[tuple[str, str], int] = {}
    for column in columns:
        if column.role == "value":
            seen[(column.period, column.measure)] = seen.get((column.period, column.measure), 0) + 1
    return [replace(column, names=_names(column.header))
            if column.role == "value" and seen[(column.period, column.measure)] > 1 else column
            for column in columns]


def indicator_name(label: str, column: Column, rows_are_parts: bool = False) -> str:
    """The row label with what the column's header names: a share after it; a group before it
    (城镇居民 + 可支配收入); after it when the rows are the parts of a total the table prints
    (第一产业 + 就业人员, and the 合计 row is 就业人员 itself)."""
    if not column.names:
        return label
    if column.names.endswith(_SHARE_WORDS):
        return label + column.names
    if rows_are_parts:
        return column.names if label in TOTAL_WORDS else label + column.names
    return column.names + label


def infer_columns(headers: list[str], time: DocumentTime) -> tuple[Column, ...]:
    """One column per printed header cell, in order. Two label columns side by side (类别 | 指标):
    the first groups the rows (就业, 社会保障), often printed on its group's first row only; the
    second holds the row labels."""
    columns = list(_columns(headers, time))
    if len(columns) > 1 and columns[0].role == "label" and columns[1].role == "label":
        columns[0] = replace(columns[0], role="category")
    return tuple(_named_apart(columns))


def _columns(headers: list[str], time: DocumentTime) -> tuple[Column, ...]:
    columns: list[Column] = []
    before: Column | None = None
    for position, header in enumerate(headers):
        role = role_of(header, position)
        if role == "value" and position == 0:
            role = "label"  # an unnamed or unusual first column holds the row labels
        if role != "value":
            columns.append(Column(header_key(header), role))
            continue
        column = value_column(header, time, before)
        columns.append(column)
        before = column
    return tuple(columns)
