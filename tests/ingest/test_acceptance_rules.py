"""The general rules the acceptance documents showed were missing (tests/test_acceptance.py)."""
from __future__ import annotations

from renshe.ingest.infer import infer_doc_type
from renshe.ingest.tables.columns import spaced_tokens
from renshe.ingest.tables.detect import _titled
from renshe.ingest.tables.headers import DocumentTime, value_column


def test_two_characters_spread_over_a_label_column_are_one_word():
    assert [t.text for t in spaced_tokens("地  区        城镇新增就业      城镇登记失业率")[0]] == \
        ["地区", "城镇新增就业", "城镇登记失业率"]
    assert [t.text for t in spaced_tokens("全  省           59.08              2.87")[0]] == ["全省", "59.08", "2.87"]
    # a lone character after a longer cell (a unit column's 人) stays a cell of its own
    assert [t.text for t in spaced_tokens("从业人员  人  1234")[0]] == ["从业人员", "人", "1234"]


def test_a_tables_title_gives_its_period_to_columns_that_name_none():
    time = DocumentTime("press_briefing", 2023, 2023)
    titled = _titled(time, "表1  2023年1-9月各区（市）城镇新增就业")
    assert titled.title_period == "2023-01/09"
    column = value_column("城镇新增就业", titled, None)
    assert (column.period, column.measure) == ("2023-01/09", "actual")
    growth = value_column("同比增长（%）", titled, column)
    assert (growth.period, growth.measure, growth.unit) == ("2023-01/09", "change_pct", "%")
    # a plan span in the title is not a period within a year: the document's time stays
    assert _titled(DocumentTime("five_year_plan", 2021, 2025), "表1 “十四五”主要指标").title_period == ""
    assert value_column("城镇新增就业", time, None).period == "2023"


def test_a_headline_releasing_a_document_is_a_news_report():
    assert infer_doc_type("人社部发布2023年度人力资源和社会保障事业发展统计公报", "", False) == "news_report"
    assert infer_doc_type("2023年度人力资源和社会保障事业发展统计公报", "人力资源和社会保障部", False) == \
        "statistical_bulletin"
