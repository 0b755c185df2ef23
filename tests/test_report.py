"""report.py on the real documents: parameters, frames, formatting, charts and escaping."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import copy_project
from renshe import report
from renshe.extract import run_extract
from renshe.paths import ProjectPaths


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> report.ReportData:
    root = copy_project(tmp_path_factory.mktemp("report") / "project")
    paths = ProjectPaths.at(root)
    run_extract(paths)
    return report.load_report_data(root)


def _row(frame: pd.DataFrame, **match) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for column, value in match.items():
        mask &= frame[column] == value
    rows = frame[mask]
    assert len(rows) == 1, (match, rows)
    return rows.iloc[0]


@pytest.mark.parametrize("value, unit, qualifier, shown", [
    (2020000.0, "人", "", "202万人"),
    (1163200.0, "人", "", "116.32万人"),
    (4250000000.0, "元", "", "42.5亿元"),
    (5.5, "%", "~", "约5.5%"),
    (5.5, "%", "<=", "≤5.5%"),
    (2280.0, "元/月", "", "2280元/月"),
    (8.0, "人", "", "8人"),
    (-15000.0, "人", "", "-1.5万人"),
])
def test_format_value_writes_figures_as_the_documents_do(value, unit, qualifier, shown):
    assert report.format_value(value, unit, qualifier) == shown


def test_periods_sort_by_their_end():
    assert report.sorted_periods(["2023", "2016-2020", "2023-03", "2015", "2023-Q1", "2020", "2021-2025"]) == [
        "2015", "2016-2020", "2020", "2023-Q1", "2023-03", "2023", "2021-2025"]


def test_valid_regions_cover_the_registry_and_the_districts(data):
    regions = report.valid_regions(data)
    for name in ("全国", "浙江省", "绍兴市", "衢州市", "越城区", "柯桥区", "上虞区", "新昌县", "诸暨市", "嵊州市"):
        assert name in regions
    assert report.validate_region("越城区", data) == "越城区"


def test_unknown_region_stops_with_the_valid_list(data):
    with pytest.raises(report.ParameterError) as caught:
        report.validate_region("火星市", data)
    message = str(caught.value)
    assert "unknown region '火星市'" in message
    assert "valid regions: 全国, 浙江省, 绍兴市" in message and "衢州市" in message


def test_unknown_indicator_stops_with_the_valid_list(data):
    assert report.validate_indicator("urban_new_jobs", data) == "urban_new_jobs"
    with pytest.raises(report.ParameterError) as caught:
        report.validate_indicator("martian_jobs", data)
    assert "unknown indicator_id 'martian_jobs'" in str(caught.value)
    assert "urban_new_jobs" in str(caught.value) and "basic_pension_participants" in str(caught.value)
    with pytest.raises(report.ParameterError):
        report.validate_indicator(None, data)


def test_headline_indicators_are_codebook_ids_with_data(data):
    headline = report.headline_indicators(data)
    assert {"urban_new_jobs", "basic_pension_participants", "surveyed_unemployment_rate",
            "three_funds_revenue", "minimum_wage"} <= set(headline)
    assert set(headline) <= set(data.observations["indicator_id"])


def test_quzhou_indicator_table_shows_pension_202_and_target_204(data):
    table = report.region_indicator_table(data, "衢州市")
    actual = _row(table, **{"指标代码 id": "basic_pension_participants", "口径 measure": "实际 actual"})
    target = _row(table, **{"指标代码 id": "basic_pension_participants", "口径 measure": "目标 target"})
    assert actual["2020"] == "202万人" and actual["2015"] == "170.69万人"
    assert target["2025"] == "204万人" and target["2020"] == "178万人"
    assert actual["单位 unit"] == "人"


def test_quzhou_target_progress(data):
    progress = report.target_progress(data, "衢州市")
    pension_2025 = _row(progress, **{"_indicator_id": "basic_pension_participants", "来源 source": "quzhou_14fyp:157"})
    assert pension_2025["基期 base period"] == "2020" and pension_2025["基期值 base"] == "202万人"
    assert pension_2025["目标 target"] == "204万人" and pension_2025["进展 progress"] == "0%"
    pension_2020 = _row(progress, **{"_indicator_id": "basic_pension_participants", "来源 source": "quzhou_14fyp:82"})
    assert pension_2020["基期值 base"] == "170.69万人" and pension_2020["最新实际 latest actual"] == "202万人"
    assert pension_2020["状态 status"] == "已实现 achieved"
    unemployment = _row(progress, **{"_indicator_id": "registered_unemployment_rate", "来源 source": "quzhou_14fyp:80"})
    assert unemployment["目标 target"] == "<4%" and unemployment["状态 status"] == "已实现 achieved"


def test_quzhou_share_of_zhejiang_pension_participants(data):
    shares = report.parent_shares(data, "衢州市")
    row = _row(shares, **{"_indicator_id": "basic_pension_participants", "时期 period": "2020",
                          "口径 measure": "实际 actual"})
    assert row["上级 parent"] == "浙江省" and row["上级值 parent value"] == "4355万人"
    assert row["比重/差 share or gap"] == "4.64%"
    assert row["检查区间 check band"] == "no checks yet"  # checks.csv absent in this copy
    rate = _row(shares, **{"_indicator_id": "registered_unemployment_rate", "时期 period": "2020",
                           "口径 measure": "实际 actual"})
    assert rate["比较 comparison"] == "差 gap" and rate["比重/差 share or gap"] == "-1.01 (%)"


def test_shaoxing_district_breakdown(data):
    breakdown = report.district_breakdown(data, "绍兴市")
    jobs = _row(breakdown, **{"指标 indicator": data.indicator_name("urban_new_jobs"), "时期 period": "2023"})
    assert jobs["越城区"] == "2.2万人" and jobs["新昌县"] == "6000人"
    assert jobs["绍兴市 合计 total"] == "9.5万人"
    assert report.district_breakdown(data, "衢州市").empty


def test_indicator_observations_quote_their_source(data):
    table = report.indicator_observations(data, "basic_pension_participants")
    quzhou = table[(table["地区 region"] == "衢州市") & (table["来源 source"] == "quzhou_14fyp:157")]
    assert set(quzhou["数值 value"]) == {"202万人", "204万人"}
    assert quzhou["原文行 source text"].str.contains("基本养老保险参保人数").all()
    assert table["层级 level"].iloc[0] == "全国 national"


def test_indicator_definition_lists_codebook_fields_and_printed_units(data):
    definition = report.indicator_definition(data, "urban_new_jobs")
    fields = dict(zip(definition["字段 field"], definition["内容 value"]))
    assert fields["id"] == "urban_new_jobs" and fields["name_zh"] == "城镇新增就业人数"
    assert "人次" in fields["other_units"]  # the codebook notes Quzhou counts 万人次
    assert "万人次" in fields["原文单位 units printed in quzhou_14fyp"]


def test_cross_level_comparison_for_urban_new_jobs(data):
    comparison = report.cross_level_comparison(data, "urban_new_jobs")
    row = _row(comparison, **{"地区 region": "越城区", "时期 period": "2023"})
    assert row["上级 parent"] == "绍兴市" and row["比重/差 share or gap"] == "23.16%"


def test_table_escapes_document_text_and_hides_helper_columns():
    frame = pd.DataFrame({"原文 text": ["<b>一、公共就业</b>", "<script>alert(1)</script>"], "_hidden": [1, 2]})
    markup = report.table(frame).markup
    assert "&lt;b&gt;一、公共就业&lt;/b&gt;" in markup and "&lt;script&gt;" in markup
    assert "<script>" not in markup and "<b>" not in markup and "_hidden" not in markup
    assert "no checks yet" in report.table(None).markup


def test_checks_table_says_no_checks_yet_only_when_the_file_is_absent(data, tmp_path):
    assert "no checks yet" in report.checks_table(data, region="衢州市").markup
    with_empty = report.ReportData(data.paths, data.observations, data.registry, data.codebook,
                                   pd.DataFrame(columns=["check_id", "regions", "status"]))
    markup = report.checks_table(with_empty, region="衢州市").markup
    assert "no checks yet" not in markup and "No checks involve" in markup


def test_chart_html_embeds_spec_safely_and_loads_bundled_vega():
    spec = {"data": {"values": [{"source_text": "</script><script>alert(1)</script> <b>x</b> & y"}]}}
    markup = report.chart_html(spec, "../assets/vega")
    assert markup.count("</script>") == 1  # only the tag's own end
    assert "\\u003c/script\\u003e" in markup and "\\u0026" in markup
    assert '"../assets/vega/vega-bundle.js"' in markup
    assert "http" not in markup


def test_region_chart_has_chinese_title_english_subtitle_tooltips_and_distinct_targets(data):
    spec = report.region_chart(data, "衢州市").to_dict()
    assert spec["title"]["text"] == "衢州市：主要指标"
    assert "headline indicators" in spec["title"]["subtitle"][0]
    layers = spec["spec"]["layer"]
    point_layer = next(layer for layer in layers if layer["mark"]["type"] == "point")
    tooltip_fields = {t["field"] for t in point_layer["encoding"]["tooltip"]}
    assert {"display", "unit", "period", "source"} <= tooltip_fields
    assert point_layer["encoding"]["shape"]["scale"]["range"] == ["circle", "diamond"]
    values = next(iter(spec["datasets"].values()))
    pension = [v for v in values if v["indicator_id"] == "basic_pension_participants" and v["period"] == "2025"]
    assert pension == [dict(pension[0], measure="target", value=2040000.0, display="204万人",
                            source="quzhou_14fyp:157")]


def test_renderer_site_mode_and_lab_mode(monkeypatch):
    spec = {"title": {"text": "图"}, "mark": "point"}
    monkeypatch.setenv(report.ASSETS_ENV, "../assets/vega")
    site_bundle = report._renderer(spec)
    assert set(site_bundle) == {"text/html", "text/plain"}
    monkeypatch.delenv(report.ASSETS_ENV)
    lab_bundle = report._renderer(spec)
    assert "application/vnd.vegalite.v5+json" in lab_bundle and "text/html" not in lab_bundle
    assert json.dumps(lab_bundle["application/vnd.vegalite.v5+json"])  # serialisable
