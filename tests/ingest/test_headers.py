"""A table's header read by general rules (renshe.ingest.tables.headers, .detect): the seeds' plan
tables come out as their old hand-written layouts said, and so does any header in the same words."""
from __future__ import annotations

import pytest

from renshe.ingest.periods import plan_span, span_containing
from renshe.ingest.tables.detect import find_tables
from renshe.ingest.tables.headers import DocumentTime, indicator_name, infer_columns
from renshe.ingest.tables.layouts import Column

PLAN_2021 = DocumentTime("five_year_plan", 2021, 2025)
BULLETIN_2022 = DocumentTime("statistical_bulletin", 2022, 2022)


def _values(columns):
    return [(c.period, c.measure, c.cumulative_period, c.unit) for c in columns if c.role == "value"]


@pytest.mark.parametrize("numeral, span", [("三", (2016, 2020)), ("四", (2021, 2025)), ("二", (2011, 2015)),
                                           ("五", (2026, 2030))])
def test_plan_names(numeral, span):
    assert plan_span(numeral) == span


def test_span_of_a_year():
    assert [span_containing(y) for y in (2015, 2016, 2020, 2023)] == [(2011, 2015), (2016, 2020), (2016, 2020), (2021, 2025)]


def test_zhejiang_13th_plan_box_as_its_old_layout_said():
    columns = infer_columns(["指标", "2015年基数", "“十三五”规划目标", "2020年完成数"], PLAN_2021)
    assert columns[0].role == "label"
    assert _values(columns) == [("2015", "actual", "2011-2015", ""), ("2020", "target", "2016-2020", ""),
                                ("2020", "actual", "2016-2020", "")]


def test_a_column_without_a_time_word_carries_the_one_before():
    """Quzhou 表1: 完成数 after “十三五”目标 is what was achieved in the plan's last year."""
    columns = infer_columns(["指标名称", "2015年基数", "“十三五”目标", "完成数"], PLAN_2021)
    assert _values(columns)[1:] == [("2020", "target", "2016-2020", ""), ("2020", "actual", "2016-2020", "")]


def test_a_plan_year_without_a_word_is_a_target_an_earlier_one_an_actual():
    columns = infer_columns(["指标", "2020年", "2025年", "属性"], PLAN_2021)
    assert [c.role for c in columns] == ["label", "value", "value", "attribute"]
    assert _values(columns) == [("2020", "actual", "2016-2020", ""), ("2025", "target", "2021-2025", "")]


def test_bulletin_columns_growth_and_unit_columns():
    columns = infer_columns(["指标", "单位", "2022年", "比上年增长(%)"], BULLETIN_2022)
    assert [c.role for c in columns] == ["label", "unit", "value", "value"]
    assert _values(columns) == [("2022", "actual", "2021-2025", ""), ("2022", "change_pct", "2021-2025", "%")]


def test_region_tables_and_columns_named_apart():
    columns = infer_columns(["地区", "城镇居民/总量", "城镇居民/增长", "农村居民/总量", "农村居民/增长"], BULLETIN_2022)
    assert columns[0].role == "region"
    named = [(c.measure, c.names) for c in columns[1:]]
    assert named == [("actual", "城镇居民"), ("change_pct", "城镇居民"), ("actual", "农村居民"), ("change_pct", "农村居民")]
    assert indicator_name("可支配收入", columns[1]) == "城镇居民可支配收入"
    share = infer_columns(["指标", "年末数", "比重(%)"], BULLETIN_2022)
    assert [indicator_name("城镇", c) for c in share[1:]] == ["城镇", "城镇比重"]
    assert indicator_name("城镇", Column("2020年", period="2020", measure="actual")) == "城镇"


def test_seed_tables_are_found_by_their_layout(real_documents):
    """Without data/tables.yaml the detector finds the plans' indicator tables, not the table of
    contents (一、发展基础……\\t4) nor the prose."""
    quzhou = {f.spec.table_id: f for f in find_tables(real_documents["quzhou_14fyp"], set(), set())}
    assert {"table1", "table2"} <= set(quzhou)
    assert (quzhou["table1"].header_line, quzhou["table1"].spec.layout) == (77, "tab")
    assert all(f.header_line > 60 for f in quzhou.values())  # the contents at lines 19-60 are no table
    zhejiang = {f.spec.table_id: f for f in find_tables(real_documents["zhejiang_14fyp"], set(), set())}
    assert zhejiang["zhuanlan1"].spec.layout == "cell_lines" and zhejiang["zhuanlan1"].header_line == 10
    assert _values(zhejiang["zhuanlan2"].spec.columns) == [("2020", "actual", "2016-2020", ""),
                                                          ("2025", "target", "2021-2025", "")]
    assert find_tables(real_documents["zhejiang_2023_bulletin"], set(), set()) == []


def test_prose_indented_with_tabs_is_no_table(tmp_path):
    """Word dumps indent paragraphs with a tab; consecutive indented sentences are not a header."""
    from renshe.ingest.documents import Document, DocumentEntry

    lines = ["", "\t全年城镇新增就业45万人，比上年增加2万人。", "\t年末城镇登记失业率为2.8%。", "",
             "\t全年发放创业担保贷款12亿元。", "\t帮扶就业困难人员就业3万人。", ""]
    entry = DocumentEntry("one", tmp_path / "one.txt", "", "", "", "province", "某省", "110000",
                          "statistical_bulletin", None, "2022", "hans", "")
    assert find_tables(Document(entry, lines), set(), set()) == []


def _one_document(tmp_path, lines: list[str], doc_type: str = "statistical_bulletin", period: str = "2022"):
    from renshe.ingest.documents import Document, DocumentEntry

    entry = DocumentEntry("one", tmp_path / "one.txt", "", "", "", "province", "某省", "110000",
                          doc_type, None, period, "hans", "")
    return Document(entry, lines)


def test_a_table_with_one_row_per_year(tmp_path):
    """年份 | 城镇新增就业（万人） | 增长（%）: each row's year is its period, the header names the indicator."""
    from renshe.ingest.tables import extract_tables

    lines = ["表2  2020—2022年城镇新增就业", "", "年份\t城镇新增就业（万人）\t比上年增长（%）",
             "2020年\t120.5\t-3.1", "2021年\t131.2\t8.9", "2022年\t128.0\t-2.4", "", "注：数据为年度数。"]
    (table,) = extract_tables(_one_document(tmp_path, lines))
    rows = [(o["indicator_zh"], o["period"], o["measure"], o["value"], o["unit"], o["source_line"])
            for o in table.observations]
    assert rows[:2] == [("城镇新增就业", "2020", "actual", 1205000.0, "人", 4),
                        ("城镇新增就业", "2020", "change_pct", -3.1, "%", 4)]
    assert [r[1] for r in rows] == ["2020", "2020", "2021", "2021", "2022", "2022"]
    assert table.table_id == "table2"


def test_a_group_over_years_keeps_its_unit_and_names_nothing_by_its_years():
    """城镇新增就业（万人） merged over 2021年末 | 2022 (a yearbook prints bare years): each column is
    its year's, in the group's unit; the years and 年末 name nothing of their own."""
    from renshe.ingest.tables.headers import header_names_something, value_column

    column = value_column("城镇新增就业(万人)/2021年末", BULLETIN_2022, None)
    assert (column.period, column.measure, column.unit) == ("2021", "actual", "万人")
    assert value_column("城镇新增就业(万人)/2022", BULLETIN_2022, None).unit == "万人"
    assert not any(header_names_something(h) for h in ("2021年末", "2022年底", "2022", "绝对数", "比上年增长(%)"))


@pytest.mark.parametrize("header", [
    ["指标\t2022\t2022\t2021", "指标\t绝对数\t比上年增长（%）\t2021"],  # Word/HTML/PDF: merged cells repeated
    ["指标\t2022\t\t2021", "\t绝对数\t比上年增长（%）\t"],  # a text file: each merged cell printed once
])
def test_a_merged_two_row_header_with_bare_years(tmp_path, header):
    """指标 and 2021 merged down both header rows are one header cell each; 2022 merged across is the
    year over 绝对数 | 比上年增长（%）."""
    from renshe.ingest.tables import extract_tables

    lines = ["表1  城镇新增就业", "单位：万人", *header, "城镇新增就业\t125.3\t-9.3\t138.1"]
    (table,) = extract_tables(_one_document(tmp_path, lines))
    assert not table.not_read
    rows = sorted((o["indicator_zh"], o["period"], o["measure"], o["value"], o["unit"]) for o in table.observations)
    assert rows == [("城镇新增就业", "2021", "actual", 1381000.0, "人"),
                    ("城镇新增就业", "2022", "actual", 1253000.0, "人"),
                    ("城镇新增就业", "2022", "change_pct", -9.3, "%")]
