"""Figures stated in running text, pinned to the real documents (renshe.ingest.text)."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from renshe.errors import RensheError
from renshe.ingest.text import (
    _OPENERS, Scope, Section, _depths, config_for, enclosures, extract_text_figures, load_text_config,
)
from renshe.schema import BASES, MEASURES, OBSERVATION_COLUMNS

# (source_line, value_raw, measure) -> indicator_zh, value, unit, period, qualifier, basis
BULLETIN = [
    (9, "116.32", "actual", "城镇新增就业人数", 1163200, "人", "2023", "", ""),
    (9, "48.83", "actual", "帮扶失业人员再就业", 488300, "人", "2023", "", ""),
    (9, "4.6", "actual", "城镇调查失业率", 4.6, "%", "2023", "", ""),
    (9, "488", "actual", "社保政策为企业和个人减负", 4.88e10, "元", "2023", "", ""),
    (11, "33", "actual", "认定首批省级示范零工市场", 33, "家", "2023", "", ""),  # after a page break
    (13, "42.5", "actual", "发放创业担保贷款", 4.25e9, "元", "2023", "", ""),
    (19, "4554.62", "actual", "基本养老、失业、工伤保险基金总收入", 455462000000, "元", "2023", "", ""),
    (19, "4943.02", "actual", "基本养老、失业、工伤保险基金总支出", 494302000000, "元", "2023", "", ""),
    (19, "2112.99", "actual", "基本养老、失业、工伤保险基金累计结余", 211299000000, "元", "2023", "", ""),
    (23, "4606.46", "actual", "参加基本养老保险人数", 46064600, "人", "2023", "", ""),
    (23, "86.39", "change", "参加基本养老保险人数", 863900, "人", "2023", "", ""),
    (23, "4728.08", "actual", "基本养老保险基金支出", 472808000000, "元", "2023", "", ""),
    (25, "3573.62", "actual", "参加城镇职工基本养老保险人数", 35736200, "人", "2023", "", ""),
    # "比上\n\n年末增加 100.83 万人": the sentence crosses a page break; the number is on line 27
    (27, "100.83", "change", "参加城镇职工基本养老保险人数", 1008300, "人", "2023", "", ""),
    (27, "2583.99", "actual", "参保职工", 25839900, "人", "2023", "", ""),
    (27, "989.63", "actual", "离退休人员", 9896300, "人", "2023", "", ""),
    (27, "58.71", "change", "参保职工", 587100, "人", "2023", "", ""),  # 分别比上年末增加 A 和 B
    (27, "42.12", "change", "离退休人员", 421200, "人", "2023", "", ""),
    (27, "96.36", "change", "企业职工基本养老保险参保人数", 963600, "人", "2023", "", ""),
    (27, "4.47", "change", "机关事业单位养老保险参保人数", 44700, "人", "2023", "", ""),
    (29, "1032.84", "actual", "城乡居民基本养老保险参保人数", 10328400, "人", "2023", "", ""),
    (29, "14.44", "change", "城乡居民基本养老保险参保人数", -144400, "人", "2023", "", ""),  # 减少
    (29, "16.06", "change", "领取基础养老金人数", 160600, "人", "2023", "", ""),
    (29, "200", "actual", "城乡居民基本养老保险省定基础养老金最低标准", 200, "元/月", "2023", "", ""),
    (29, "10", "change", "城乡居民基本养老保险省定基础养老金最低标准", 10, "元/月", "2023", "", ""),
    (33, "1885.98", "actual", "参加失业保险人数", 18859800, "人", "2023", "", ""),
    (33, "35.06", "change", "参加失业保险人数", 350600, "人", "2023", "", ""),
    (33, "99.50", "actual", "失业保险基金支出", 9950000000, "元", "2023", "", ""),
    (33, "107.03", "change", "失业保险金人均领取水平", 107.03, "元/月", "2023", "", ""),
    (37, "2792.39", "actual", "参加工伤保险人数", 27923900, "人", "2023", "", ""),
    (37, "25.65", "change", "参加工伤保险人数", 256500, "人", "2023", "", ""),
    (37, "59.56", "actual", "工伤保险基金累计结余", 5956000000, "元", "2023", "", ""),
    (43, "11267", "actual", "引进博士", 11267, "人", "2023", "", ""),  # "引进博\n\n士 11267 人"
    (43, "3725", "actual", "招收博士后", 3725, "人", "2023", "", ""),
    (47, "32.6", "actual", "技能人才总数占从业人员总量比重", 32.6, "%", "2023", "", ""),
    (47, "426.5", "actual", "高技能人才数总数", 4265000, "人", "2023", "", ""),
    (47, "33.7", "actual", "高技能人才数总数占技能人才总量比重", 33.7, "%", "2023", "", ""),
    (47, "35.9", "actual", "新增高技能人才", 359000, "人", "2023", "", ""),  # 新增技能人才…，其中高技能人才
    (47, "218.4", "actual", "开展职业技能培训", 2184000, "人次", "2023", "", ""),
    (49, "20.41", "actual", "技工院校全日制在校生", 204100, "人", "2023", "", ""),
    (55, "100", "actual", "工作人员聘用合同签订率", 100, "%", "2023", "~", ""),  # 近 100%
    (59, "2.3", "actual", "签订能级工资集体合同", 23000, "份", "2023", ">", ""),  # 2.3 万余份
    (59, "2280", "actual", "月最低工资标准最高档", 2280, "元/月", "2023", "", ""),
    (61, "5.3", "actual", "培训劳动关系协调员", 53000, "人次", "2023", "", ""),  # 5.3万人（次）
    (61, "11.2", "actual", "提供免费用工体检企业", 112000, "家", "2023", "", ""),  # 为11.2万家企业提供…: counts 企业
    # 为28.39万名劳动者解决工资等待遇21.99亿元: a count of workers, then the amount
    (63, "28.39", "actual", "解决工资等待遇劳动者", 283900, "人", "2023", "", ""),
    (63, "21.99", "actual", "解决工资等待遇金额", 2199000000, "元", "2023", "", ""),
    (63, "61.2", "actual", "涉及企业", 612000, "家", "2023", "", ""),  # 涉及61.2万家企业和326.7万名劳动者
    (63, "326.7", "actual", "涉及劳动者", 3267000, "人", "2023", "", ""),
    (65, "82.9", "actual", "劳动人事争议调解成功率", 82.9, "%", "2023", "", ""),
    (75, "7300", "actual", "社银合作网点", 7300, "个", "2023", ">", ""),  # 7300多个
    (75, "99", "actual", "一网通办率", 99, "%", "2023", ">=", ""),  # 99%以上
    (77, "6332", "actual", "社会保障卡持卡人数", 63320000, "人", "2023", "", ""),
    (77, "5048", "actual", "领用电子社会保障卡人数", 50480000, "人", "2023", "", ""),
]

# The briefing is in Traditional script; subjects come out in Simplified, units as printed.
BRIEFING = [
    (4, "297", "actual", "城镇新增就业", 2970000, "人", "2023-Q1", "", ""),  # 1-3月
    (4, "5.3", "actual", "城镇调查失业率", 5.3, "%", "2023-03", "", ""),  # 3月份
    (4, "1800", "target", "企业减负", 1.8e11, "元", "2023-2024", "", "per_year"),  # 至2024年底,预计年均
    (4, "420", "actual", "大中城市联合招聘春季专场提供岗位", 4200000, "人次", "2023-04", "", ""),  # 截至4月中旬
    (4, "3074", "actual", "脱贫人口务工规模", 30740000, "人", "2023-03", "", ""),  # 截至3月底
    (4, "261", "actual", "发放职业培训券", 2610000, "张", "2023-Q1", ">", ""),  # 一季度…超过
    (4, "350", "actual", "开展补贴性职业技能培训", 3500000, "人次", "2023-Q1", "", ""),
    (7, "10.52", "actual", "基本养老保险参保人数", 1.052e9, "人", "2023-03", "", ""),  # 分别为 A、B、C
    (7, "2.37", "actual", "失业保险参保人数", 2.37e8, "人", "2023-03", "", ""),
    (7, "2.89", "actual", "工伤保险参保人数", 2.89e8, "人", "2023-03", "", ""),
    (7, "2.04", "actual", "三项社会保险基金总收入", 2.04e12, "元", "2023-Q1", "", ""),
    (7, "1.7", "actual", "三项社会保险基金总支出", 1.7e12, "元", "2023-Q1", "", ""),
    (7, "7.75", "actual", "三项社会保险基金累计结余", 7.75e12, "元", "2023-03", "", ""),
    (7, "13.7", "actual", "社保卡持卡人数", 1.37e9, "人", "2023-03", "", ""),
    (7, "97", "actual", "社保卡持卡人数覆盖人口比例", 97, "%", "2023-03", "", ""),
    (7, "7.64", "actual", "电子社保卡领用人数", 7.64e8, "人", "2023-03", "", ""),
    (7, "54.1", "actual", "电子社保卡领用人数覆盖人口比例", 54.1, "%", "2023-03", "", ""),
    (7, "1.65", "actual", "基本养老保险基金投资运营规模", 1.65e12, "元", "2023-03", ">", ""),
    (7, "2.11", "actual", "职业年金基金投资运营规模", 2.11e12, "元", "2022", ">", ""),  # 截至去年底
    # 累计访问量 twice in one paragraph: each takes its sentence's topic
    (7, "47", "actual", "国家社会保险公共服务平台累计访问量", 4.7e9, "人次", "2023-03", ">", ""),
    (7, "31", "actual", "电子社保卡累计访问量", 3.1e9, "次", "2023-03", "", ""),
    (7, "1000", "actual", "电子社保卡已开通属地服务", 1000, "项", "2023-03", ">", ""),  # 87项…、1000余项…
    # 帮助3.4万家重点企业解决用工需求52万人次
    (4, "3.4", "actual", "累计帮助解决用工需求重点企业", 34000, "家", "2023-Q1", "", ""),
    (4, "52", "actual", "重点企业解决用工需求", 520000, "人次", "2023-Q1", "", ""),
    (16, "3077", "actual", "平台注册用户总数", 30770000, "人", "2023-Q1", ">", ""),
    (16, "32", "actual", "累计访问量", 3.2e9, "人次", "2023-Q1", "~", ""),  # 近32亿人次
]

PLANS = [
    ("zhejiang_14fyp", 134, "500", "target", "城镇新增就业", 5000000, "人", "2021-2025", ">=", "cumulative"),
    ("zhejiang_14fyp", 134, "5.5", "target", "城镇调查失业率", 5.5, "%", "2021-2025", "~", ""),
    ("zhejiang_14fyp", 136, "680", "target", "专业技术人才总量", 6800000, "人", "2025", "", ""),
    ("zhejiang_14fyp", 136, "1150", "target", "技能人才总量", 11500000, "人", "2025", "", ""),
    ("zhejiang_14fyp", 280, "20", "target", "发放创业担保贷款", 2e9, "元", "2021-2025", "", "per_year"),
    ("zhejiang_14fyp", 280, "3", "target", "扶持创业", 30000, "人", "2021-2025", "", "per_year"),
    ("zhejiang_14fyp", 280, "10", "target", "建成国家级示范基地", 10, "个", "2025", "", ""),
    ("zhejiang_14fyp", 313, "5500", "target", "招收博士后研究人员", 5500, "人", "2021-2025", "", "cumulative"),
    ("zhejiang_14fyp", 320, "20", "target", "新增高技能人才", 200000, "人", "2021-2025", ">=", "per_year"),
    ("quzhou_14fyp", 131, "2", "target", "城镇新增就业", 20000, "人次", "2021-2025", ">=", "per_year"),
    ("quzhou_14fyp", 131, "5.5", "target", "调查失业率", 5.5, "%", "2021-2025", "<=", ""),  # 分别控制在
    ("quzhou_14fyp", 131, "3.5", "target", "登记失业率", 3.5, "%", "2021-2025", "<=", ""),
    ("quzhou_14fyp", 135, "5000", "target", "新增高技能人才", 5000, "人", "2021-2025", "", "per_year"),
    ("quzhou_14fyp", 135, "26", "target", "技能劳动者占就业人员总量比例", 26, "%", "2025", "~", ""),
    ("quzhou_14fyp", 135, "100", "target", "年营业收入", 1e10, "元", "2025", ">", ""),  # 突破 100 亿元
    ("quzhou_14fyp", 211, "12000", "target", "开发公益性岗位", 12000, "个", "2021-2025", "", "cumulative"),
    ("shaoxing_2023_action_plan", 29, "9.5", "target", "城镇新增就业", 95000, "人", "2023", "", ""),
    ("shaoxing_2023_action_plan", 29, "5", "target", "城镇调查失业率", 5, "%", "2023", "<=", ""),
    ("shaoxing_2023_action_plan", 35, "6", "target", "新增市级创业孵化示范基地", 6, "家", "2023", ">=", ""),
    ("shaoxing_2023_action_plan", 35, "1", "target", "发放创业担保贷款", 1e8, "元", "2023", ">=", ""),
]


@pytest.fixture(scope="module")
def text_rows(real_documents):
    return {doc_id: extract_text_figures(doc) for doc_id, doc in real_documents.items()}


def _row(rows: list[dict], line: int, value_raw: str, measure: str, indicator_zh: str | None = None) -> dict:
    """The one row with this number on this line (the subject tells apart 近 100% … 近 100%)."""
    found = [r for r in rows if r["source_line"] == line and r["value_raw"] == value_raw and r["measure"] == measure]
    if len(found) > 1 and indicator_zh:
        found = [r for r in found if r["indicator_zh"] == indicator_zh]
    assert len(found) == 1, f"line {line} {value_raw} {measure}: {found}"
    return found[0]


def _check(row: dict, indicator_zh, value, unit, period, qualifier, basis) -> None:
    assert (row["indicator_zh"], row["unit"], row["period"], row["qualifier"], row["basis"]) == (
        indicator_zh, unit, period, qualifier, basis)
    assert row["value"] == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize("line, value_raw, measure, indicator_zh, value, unit, period, qualifier, basis", BULLETIN)
def test_bulletin_figures(text_rows, line, value_raw, measure, indicator_zh, value, unit, period, qualifier, basis):
    _check(_row(text_rows["zhejiang_2023_bulletin"], line, value_raw, measure, indicator_zh),
           indicator_zh, value, unit, period, qualifier, basis)


@pytest.mark.parametrize("line, value_raw, measure, indicator_zh, value, unit, period, qualifier, basis", BRIEFING)
def test_briefing_figures(text_rows, line, value_raw, measure, indicator_zh, value, unit, period, qualifier, basis):
    _check(_row(text_rows["national_2023q1_briefing"], line, value_raw, measure, indicator_zh),
           indicator_zh, value, unit, period, qualifier, basis)


@pytest.mark.parametrize("doc_id, line, value_raw, measure, indicator_zh, value, unit, period, qualifier, basis", PLANS)
def test_plan_figures(text_rows, doc_id, line, value_raw, measure, indicator_zh, value, unit, period, qualifier, basis):
    _check(_row(text_rows[doc_id], line, value_raw, measure, indicator_zh), indicator_zh, value, unit, period, qualifier, basis)


OBSERVATION_KEY = ("doc_id", "table_id", "region", "indicator_zh", "period", "measure", "basis", "source_line")


def test_no_two_text_figures_share_a_key(text_rows):
    """Each figure of the five documents is told apart by its subject (the checks' unique key)."""
    keys = Counter(tuple(r[k] for k in OBSERVATION_KEY) for rows in text_rows.values() for r in rows)
    assert sum(keys.values()) == 289
    assert [key for key, count in keys.items() if count > 1] == []


def test_a_count_before_its_noun_counts_the_noun(text_rows):
    """…but not a place (在48个渠道), a noun a clause describes (…的零工市场), or 人次 of a service."""
    bulletin = text_rows["zhejiang_2023_bulletin"]
    assert _row(bulletin, 77, "48", "actual")["indicator_zh"] == "电子社会保障卡在渠道提供服务"
    assert _row(bulletin, 15, "2068.39", "actual")["indicator_zh"] == "劳动者提供就业、择业和流动服务"
    assert _row(text_rows["shaoxing_2023_action_plan"], 33, "6", "target", "建设能够提供公益性服务的零工市场")
    craftsmen = [r["indicator_zh"] for r in text_rows["zhejiang_14fyp"] if r["source_line"] == 322]
    assert craftsmen == ["重点培育浙江大工匠", "重点培育浙江杰出工匠", "重点培育浙江工匠", "重点培育浙江青年工匠"]


def test_values_are_scaled_exactly(text_rows):
    """numbers.scale_value folds 亿 in decimal arithmetic: the printed figure, not 494302000000.00006."""
    bulletin = text_rows["zhejiang_2023_bulletin"]
    assert _row(bulletin, 19, "4943.02", "actual")["value"] == 494302000000.0
    assert _row(bulletin, 63, "21.99", "actual")["value"] == 2199000000.0


def test_every_change_in_the_bulletin_is_found(text_rows):
    """All eleven 比上年末/比上年 changes, with their signs (only 减少 14.44 is negative)."""
    changes = {(r["source_line"], r["value"]) for r in text_rows["zhejiang_2023_bulletin"] if r["measure"] == "change"}
    assert changes == {(23, 863900), (27, 1008300), (27, 587100), (27, 421200), (27, 963600), (27, 44700),
                       (29, -144400), (29, 160600), (29, 10), (33, 350600), (33, 107.03), (37, 256500)}


def test_counts_per_document(text_rows):
    counts = {doc_id: len(rows) for doc_id, rows in text_rows.items()}
    assert counts == {"zhejiang_2023_bulletin": 149, "national_2023q1_briefing": 47, "zhejiang_14fyp": 41,
                      "quzhou_14fyp": 35, "shaoxing_2023_action_plan": 17}


def test_printed_forms_are_kept(text_rows, real_documents):
    """value_raw and unit_raw as printed: 萬/億 in the Traditional briefing, a full-width １."""
    briefing = text_rows["national_2023q1_briefing"]
    assert _row(briefing, 4, "297", "actual")["unit_raw"] == "萬人"
    assert _row(briefing, 7, "2.04", "actual")["unit_raw"] == "萬億元"
    craftsmen = [r for r in text_rows["zhejiang_14fyp"] if r["source_line"] == 326]
    assert [(r["value_raw"], r["unit_raw"], r["value"], r["qualifier"]) for r in craftsmen] == [("１", "万名", 10000, ">=")]


def test_a_number_printed_twice_on_a_line_keeps_its_own_printing(text_rows):
    """The n-th 500 of the normalised line is the n-th 500 printed on the raw line, with its unit."""
    def printed(doc_id: str, line: int) -> list[tuple[str, str]]:
        return [(r["value_raw"], r["unit_raw"]) for r in text_rows[doc_id] if r["source_line"] == line]

    assert printed("zhejiang_14fyp", 134) == [("500", "万人"), ("5.5", "%"), ("500", "万人次")]
    assert printed("zhejiang_14fyp", 361) == [("10", "万家"), ("10", "万名"), ("1", "万家")]
    assert printed("quzhou_14fyp", 195)[:2] == [("5", "%"), ("5", "家")]


def test_reading_again_gives_the_same_rows(text_rows, real_documents):
    """Subject cleaners and other derived objects are shared through the configuration: a second
    reading, with every cache warm, must not differ from the first."""
    for doc_id in ("zhejiang_2023_bulletin", "national_2023q1_briefing", "quzhou_14fyp"):
        assert extract_text_figures(real_documents[doc_id]) == text_rows[doc_id]


def _enclosures_by_character(text: str) -> list[str]:
    stack: list[str] = []
    inside = []
    for char in text:
        if stack and char == _OPENERS[stack[-1]]:
            inside.append(stack.pop())
            continue
        if char in _OPENERS:
            stack.append(char)
        inside.append(stack[-1] if stack else "")
    return inside


def _depths_by_character(text: str) -> list[int]:
    depth, depths = 0, []
    for char in text:
        if char in _OPENERS:
            depth += 1
            depths.append(depth)
        elif char in _OPENERS.values() and depth:
            depths.append(depth)
            depth -= 1
        else:
            depths.append(depth)
    return depths


_BRACKETED_TEXT = st.text(alphabet="".join(_OPENERS) + "".join(_OPENERS.values()) + "ab1,。 ", max_size=60)


@given(_BRACKETED_TEXT)
def test_nesting_is_read_as_character_by_character(text):
    """enclosures and _depths jump from bracket to bracket; the result is the per-character walk's."""
    assert enclosures(text) == _enclosures_by_character(text)
    assert list(_depths(text)) == _depths_by_character(text)


def test_rows_keep_the_contract(text_rows, real_documents):
    period = re.compile(r"^\d{4}(-\d{2}|-Q[1-4]|-\d{4})?$")
    for doc_id, rows in text_rows.items():
        document = real_documents[doc_id]
        for row in rows:
            # source_page is the one column extract adds (from the line's origin, for every reader)
            assert list(row) == [c for c in OBSERVATION_COLUMNS if c != "source_page"]
            assert row["table_id"] == "text" and row["indicator_id"] == ""
            assert row["measure"] in MEASURES and row["basis"] in BASES and period.match(row["period"])
            assert row["source_text"] == document.raw_line(row["source_line"])
            assert row["value_raw"] in row["source_text"], row
            assert row["indicator_zh"], row
            assert row["region"] == document.entry.region and row["level"] == document.entry.level
        measures = {r["measure"] for r in rows}
        expected = {"actual", "change"} if doc_id == "zhejiang_2023_bulletin" else None
        if expected:
            assert measures == expected


def test_plans_state_targets_and_reports_state_actuals(text_rows):
    assert {r["measure"] for d in ("zhejiang_14fyp", "quzhou_14fyp", "shaoxing_2023_action_plan")
            for r in text_rows[d]} == {"target"}
    briefing = {r["measure"] for r in text_rows["national_2023q1_briefing"]}
    assert briefing == {"actual", "target"}  # the one target: 预计年均为企业减负1800亿元


def test_sections_limit_the_plans(text_rows):
    """Only the goal sections and the 专栏 boxes of the plans are read."""
    zhejiang = {r["source_line"] for r in text_rows["zhejiang_14fyp"]}
    assert zhejiang and all(134 <= n <= 139 or 272 <= n <= 411 for n in zhejiang)
    assert 344 not in zhejiang  # running text between boxes (到2025年 … 7000家) is not a box
    quzhou = {r["source_line"] for r in text_rows["quzhou_14fyp"]}
    assert quzhou and all(130 <= n <= 147 or 191 <= n <= 497 for n in quzhou)
    assert 305 not in quzhou  # body text between 专栏4 and 专栏5
    shaoxing = {r["source_line"] for r in text_rows["shaoxing_2023_action_plan"]}
    assert shaoxing == {29, 31, 33, 35}


# --- what is not a statistic -------------------------------------------------------------------


def _whole_document(real_documents, doc_id: str) -> list[dict]:
    """Read every line of a document, to show that names, dates and serials are never figures."""
    document = real_documents[doc_id]
    config = config_for(document)
    scope = replace(config.scopes[doc_id], sections=None)
    return extract_text_figures(document, replace(config, scopes={doc_id: scope}))


def test_serial_numbers_dates_and_ordinals_are_not_figures(real_documents):
    shaoxing = _whole_document(real_documents, "shaoxing_2023_action_plan")
    lines = {r["source_line"] for r in shaoxing}
    assert not lines & {5, 9, 17, 19, 149}  # 绍市人社发〔2023〕28号, titles with 2023年, 2023年4月18日
    assert not [r for r in shaoxing if r["value_raw"] in ("2023", "28", "2020")]
    assert [r["value_raw"] for r in shaoxing if r["source_line"] == 41] == ["9.5", "5"]  # not the ordinal 1.
    assert not [r for r in shaoxing if r["source_line"] == 85 and r["value_raw"] == "3"]  # 在 3 个月内
    quzhou = _whole_document(real_documents, "quzhou_14fyp")
    assert not [r for r in quzhou if r["source_line"] == 1]  # 衢发改发〔2021〕27号
    assert not [r for r in quzhou if r["source_line"] == 195 and r["value_raw"] == "2"]  # 每 2 年
    briefing = {r["source_line"] for r in extract_text_figures(real_documents["national_2023q1_briefing"])}
    assert not briefing & {1, 2}  # 4月24日, 2023年一季度


def test_names_and_slogans_are_not_figures(real_documents, text_rows):
    bulletin = text_rows["zhejiang_2023_bulletin"]
    assert not [r for r in bulletin if r["source_line"] in (3, 5)]  # title; “八八战略”实施 20 周年
    assert not [r for r in bulletin if r["value_raw"] == "1311"]  # “1311”服务
    assert [r["value_raw"] for r in bulletin if r["source_line"] == 69] == ["31"]  # not “9大…”“35项…”
    assert not [r for r in bulletin if r["source_line"] == 49 and r["value_raw"] in ("6", "12", "8", "81")]
    quzhou = _whole_document(real_documents, "quzhou_14fyp")
    assert not [r for r in quzhou if r["value_raw"] in ("115", "1433", "8090")]  # 115人才工程, “1433”, 8090
    assert not [r for r in quzhou if r["source_line"] in (467, 473, 475)]  # 1+3+N
    zhejiang = _whole_document(real_documents, "zhejiang_14fyp")
    assert not [r for r in zhejiang if r["value_raw"] == "112"]  # 112行业人才培训工作机制
    assert not [r for r in zhejiang if r["source_line"] in (273, 275, 277, 279)]  # 01 … 04 item headings


# --- configuration errors ------------------------------------------------------------------------


def test_a_section_that_is_not_found_names_the_file(real_documents):
    document = real_documents["zhejiang_14fyp"]
    config = config_for(document)
    missing = Section("（九）不存在的目标", re.compile(r"^\(九\)不存在"), None, False)
    broken = replace(config, scopes={"zhejiang_14fyp": replace(config.scopes["zhejiang_14fyp"], sections=(missing,))})
    with pytest.raises(RensheError, match="不存在的目标.*not found") as error:
        extract_text_figures(document, broken)
    assert error.value.path.endswith("text_sections.yaml")


@pytest.mark.parametrize("yaml_text, message", [
    ("documents:\n  zhejiang_14fyp:\n    measure: target\n    default_period: '{year}'\n"
     "    sections:\n      - {name: x, start: '(unclosed'}\n", "bad pattern"),
    ("documents:\n  zhejiang_14fyp:\n    measure: planned\n    default_period: '{year}'\n    sections: all\n",
     "measure"),
    ("period_markers:\n  - name: 每年\n    pattern: 每年\n    basis: yearly\n", "basis"),
    ("subjects:\n  unit_measures: [元, 金额]\n", "unit_measures"),
])
def test_bad_text_configuration(tmp_path, yaml_text, message):
    path = tmp_path / "text_sections.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    with pytest.raises(RensheError, match=message) as error:
        load_text_config(path)
    assert error.value.path == str(path) and error.value.line is not None


def test_a_document_without_a_text_scope_is_read_by_its_doc_type(real_documents):
    """A bulletin with no entry under `documents:` is read whole as its doc_type says (actuals of
    its year); with no default for its doc_type either, it yields nothing."""
    document = real_documents["zhejiang_2023_bulletin"]
    config = config_for(document)
    assert isinstance(config.scopes["zhejiang_2023_bulletin"], Scope)
    by_default = extract_text_figures(document, replace(config, scopes={}))
    jobs = [r for r in by_default if r["source_line"] == 9 and r["value_raw"] == "116.32"]
    assert [(r["indicator_zh"], r["value"], r["unit"], r["period"], r["measure"]) for r in jobs] == [
        ("城镇新增就业人数", 1163200, "人", "2023", "actual")]
    assert by_default == extract_text_figures(document)  # the bulletin's own entry reads it whole too
    assert extract_text_figures(document, replace(config, scopes={}, doc_type_defaults={})) == []


def _read_line(tmp_path, doc_type: str, reference_period: str, sentence: str) -> list[dict]:
    """One sentence as a registered document of `doc_type` read by the project's text rules."""
    from renshe.ingest.documents import Document, DocumentEntry

    raw = tmp_path / "data" / "raw" / "one.txt"
    raw.parent.mkdir(parents=True)
    raw.write_text(sentence + "\n", encoding="utf-8")
    entry = DocumentEntry("one", raw, "", "", "", "province", "某省", "110000", doc_type, None,
                          reference_period, "hans", "")
    config = load_text_config(Path(__file__).resolve().parents[2] / "data" / "text_sections.yaml")
    return extract_text_figures(Document(entry, [sentence]), config)


@pytest.mark.parametrize("sentence, expected", [
    # a bare direction word after a figure is its change; 个百分点 changes the rate before it
    ("年末城镇登记失业率为3.5%，比上年末回落0.3个百分点。",
     [("城镇登记失业率", "actual", 3.5, "%", ""), ("城镇登记失业率", "change", -0.3, "百分点", "")]),
    ("全年城镇新增就业45万人，比上年净增2万人，同比增长4.7%。",
     [("城镇新增就业", "actual", 450000, "人", ""), ("城镇新增就业", "change", 20000, "人", ""),
      ("城镇新增就业", "change_pct", 4.7, "%", "")]),
    # 低于 compares the actual with the control target: the target is 4.5%, not '<4.5%'
    ("年末城镇登记失业率为2.8%，低于4.5%的控制目标。",
     [("城镇登记失业率", "actual", 2.8, "%", ""), ("城镇登记失业率", "target", 4.5, "%", "")]),
    ("城镇登记失业率2.8%，控制在4.5%以内。",
     [("城镇登记失业率", "actual", 2.8, "%", ""), ("城镇登记失业率", "target", 4.5, "%", "<=")]),
])
def test_bulletin_change_and_target_words(tmp_path, sentence, expected):
    rows = _read_line(tmp_path, "statistical_bulletin", "2022", sentence)
    assert [(r["indicator_zh"], r["measure"], r["value"], r["unit"], r["qualifier"]) for r in rows] == expected
    assert {r["period"] for r in rows} == {"2022"}


def test_previous_plan_time_words_in_a_plan(tmp_path):
    rows = _read_line(tmp_path, "five_year_plan", "2026-2030",
                      "“十四五”时期，全省城镇新增就业累计达到520万人。到2030年，城镇调查失业率控制在5.5%以内。")
    assert [(r["measure"], r["period"], r["basis"], r["value"]) for r in rows] == [
        ("actual", "2021-2025", "cumulative", 5200000), ("target", "2030", "", 5.5)]


def test_a_title_never_joins_the_first_sentence(tmp_path):
    """A title without a full stop, as long as a cut sentence, is no part of the subject below it."""
    from renshe.ingest.documents import Document, DocumentEntry

    lines = ["2022年缙云县人力资源和社会保障事业发展统计公报", "", "全年城镇新增就业1.2万人。"]
    entry = DocumentEntry("one", tmp_path / "one.txt", "", "", "", "district", "缙云县", "331122",
                          "statistical_bulletin", None, "2022", "hans", "")
    config = load_text_config(Path(__file__).resolve().parents[2] / "data" / "text_sections.yaml")
    rows = extract_text_figures(Document(entry, lines), config)
    assert [(r["indicator_zh"], r["value"], r["source_line"]) for r in rows] == [("城镇新增就业", 12000, 3)]


def test_a_large_text_read_on_several_cores_gives_the_rows_one_process_gives(real_documents, monkeypatch):
    """Each seed read as a yearbook-sized text is (its paragraphs in runs, in forked workers):
    the same rows and set-aside figures, in the same order, as reading it in one process."""
    from renshe.ingest.text import parallel, read_text

    alone = {doc_id: read_text(doc) for doc_id, doc in real_documents.items()}
    monkeypatch.setattr(parallel, "PARALLEL_TEXT_CHARS", 0)
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)  # two workers, whatever runs the tests
    pools = []

    class Counted(parallel.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(kwargs["max_workers"])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(parallel, "ProcessPoolExecutor", Counted)
    for doc_id, doc in real_documents.items():
        result = read_text(doc)
        assert result.observations == alone[doc_id].observations and result.set_aside == alone[doc_id].set_aside
    assert sum(len(result.observations) for result in alone.values()) == 289  # the seeds' figures from text
    assert len(pools) == len(real_documents) and set(pools) == {2}  # each read in a pool
