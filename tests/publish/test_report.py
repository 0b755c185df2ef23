"""report.py on the real documents: parameters, frames, formatting, charts and escaping."""
from __future__ import annotations

import html
import json

import pandas as pd
import pytest

from conftest import copy_project
from renshe.publish import report
from renshe.publish.report.display import SHOW_ROWS
from renshe.ingest.extract import run_extract
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
    # nothing close: a short list, not every region
    assert "valid regions: 全国, 浙江省, 绍兴市, 越城区, 柯桥区 and 5 more (see sources.yaml)" in message
    with pytest.raises(report.ParameterError) as caught:
        report.validate_region("衢洲市", data)
    assert "closest valid regions: 衢州市 (10 in all, see sources.yaml)" in str(caught.value)
    assert report.validate_region("衢州", data) == "衢州市"  # a short name is accepted


def test_unknown_indicator_stops_with_the_valid_list(data):
    assert report.validate_indicator("urban_new_jobs", data) == "urban_new_jobs"
    with pytest.raises(report.ParameterError) as caught:
        report.validate_indicator("martian_jobs", data)
    assert "unknown indicator_id 'martian_jobs'" in str(caught.value)
    assert "closest valid indicator ids: urban_new_jobs," in str(caught.value)
    assert str(caught.value).count(",") <= 5  # at most five ids, not the codebook
    with pytest.raises(report.ParameterError):
        report.validate_indicator("urban_new_job", data)  # an id has no short form
    with pytest.raises(report.ParameterError):
        report.validate_indicator(None, data)


def test_headline_indicators_are_codebook_ids_with_data(data):
    headline = report.headline_indicators(data)
    assert {"urban_new_jobs", "basic_pension_participants", "surveyed_unemployment_rate",
            "three_funds_revenue", "minimum_wage"} <= set(headline)
    assert set(headline) <= set(data.observations["indicator_id"])


def test_quzhou_indicator_table_shows_pension_202_and_target_204(data):
    table = report.region_indicator_table(data, "衢州市")
    name = data.indicator_name("basic_pension_participants")  # by name: no codebook id on the page
    assert "指标代码 id" not in table.columns
    actual = _row(table, **{"指标 indicator": name, "口径 measure": "实际 actual"})
    target = _row(table, **{"指标 indicator": name, "口径 measure": "目标 target"})
    assert actual["2020"] == "202万人" and actual["2015"] == "170.69万人"
    assert target["2025"] == "204万人" and target["2020"] == "178万人"
    assert actual["单位 unit"] == "人"


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


def test_zhejiang_share_of_the_nation_pairs_year_end_2023_with_end_of_march(data):
    """The issue: the region page said no indicator of 浙江省 was comparable with the nation,
    while the checks compared them; both now pair year-end 2023 with the briefing's March 2023."""
    shares = report.parent_shares(data, "浙江省")
    assert set(shares["上级 parent"]) == {"全国"} and set(shares["时期 period"]) == {"2023 / 2023-03"}
    assert set(shares["_indicator_id"]) == {"basic_pension_participants", "unemployment_insurance_participants",
                                            "work_injury_insurance_participants", "social_security_card_holders",
                                            "electronic_card_holders"}
    pension = _row(shares, _indicator_id="basic_pension_participants")
    assert (pension["地区值 value"], pension["上级值 parent value"]) == ("4606.46万人", "10.52亿人")
    assert pension["比重/差 share or gap"] == "4.38%"
    assert pension["来源 sources"] == "《2023年度浙江省人社事业发展统计公报》第23行；《人社部2023年一季度新闻发布会》第7行"  # titles, not ids
    # flows and rates are compared only over the same period: a year's new jobs are not a quarter's
    assert "urban_new_jobs" not in set(shares["_indicator_id"])
    assert "surveyed_unemployment_rate" not in set(shares["_indicator_id"])


def test_parent_shares_and_the_nesting_checks_pair_the_same_figures(data):
    """Every level-nesting check instance is a row of its region's parent shares, with the same
    parent, period label and share; and every parent-share row the rules cover is checked."""
    from renshe.checks.crosschecks import build_all
    from renshe.checks.crosschecks.frames import additive_stocks
    from renshe.checks.validate import _load_inputs

    _, inputs, rules = _load_inputs(data.paths, None)
    nesting = rules.of_type("share_of_parent")  # the shares the report shows are the share rules' pairs
    checked = pd.concat([derived.frame for derived in build_all(nesting, inputs)])
    assert len(checked) >= 20
    expected = {(row.regions, row.indicator_id, row.periods): f"{row.share:.2f}%" for row in checked.itertuples()}
    measures = {rule.get("child_level"): {report.MEASURE_LABELS[m] for m in rule.get("measures") or ["actual"]}
                for rule in nesting}
    level_of = {r.name: r.level for r in data.registry.regions}
    stocks = additive_stocks(inputs.codebook)
    shown: dict[tuple, set[str]] = {}
    for region in report.valid_regions(data):
        shares = report.parent_shares(data, region)
        if shares.empty:
            continue
        covered = shares[shares["_indicator_id"].isin(stocks)
                         & shares["口径 measure"].isin(measures.get(level_of[region], set()))]
        for _, row in covered.iterrows():
            key = (f"{row['地区 region']} / {row['上级 parent']}", row["_indicator_id"], row["时期 period"])
            shown.setdefault(key, set()).add(row["比重/差 share or gap"])
    assert set(shown) == set(expected)
    for key, share in expected.items():  # the report also shows a less precise second report of a figure
        assert share in shown[key], key
    assert shown[("衢州市 / 浙江省", "highly_skilled_talent", "2020")] == {"3.62%", "3.60%"}  # 11.64万 and 11.6万


def test_no_comparison_pairs_two_different_years(data):
    for region in report.valid_regions(data):
        shares = report.parent_shares(data, region)
        for label in shares.get("时期 period", []):
            years = {part.strip()[:4] for part in label.split(" / ")}
            assert len(years) == 1, (region, label)


def test_shaoxing_district_breakdown(data):
    breakdown = report.district_breakdown(data, "绍兴市")
    jobs = _row(breakdown, **{"指标 indicator": data.indicator_name("urban_new_jobs"), "时期 period": "2023"})
    assert jobs["越城区"] == "2.2万人" and jobs["新昌县"] == "6000人"
    assert jobs["绍兴市 合计 total"] == "9.5万人"
    assert report.district_breakdown(data, "衢州市").empty


def test_indicator_observations_quote_their_source(data):
    table = report.indicator_observations(data, "basic_pension_participants")
    quzhou = table[(table["地区 region"] == "衢州市") & (table["来源 source"] == "《衢州市人社事业发展“十四五”规划》第157行")]
    assert set(quzhou["数值 value"]) == {"202万人", "204万人"}
    assert quzhou["原文行 source text"].str.contains("基本养老保险参保人数").all()
    assert table["层级 level"].iloc[0] == "全国 national"


def test_indicator_definition_reads_as_words_with_the_printed_units(data):
    """The codebook entry in words: no field names, no ids, no JSON."""
    definition = report.indicator_definition(data, "urban_new_jobs")
    fields = dict(zip(definition["项目 item"], definition["内容 value"]))
    assert fields["名称 name"].startswith("城镇新增就业人数 · ")
    assert "Quzhou counts" in fields["另一单位 other unit: 人次"]  # the codebook notes Quzhou counts 万人次
    quzhou = data.registry.document("quzhou_14fyp").title_zh
    assert "万人次" in fields[f"《{quzhou}》所用单位 unit printed"]
    assert not any("urban_new_jobs" in str(v) or "{" in str(v) for v in list(fields) + list(fields.values()))
    balance = dict(zip(*report.indicator_definition(data, "three_funds_balance").to_dict("list").values()))
    assert balance["组成部分 made up of"] == "、".join(data.indicator_name(i) for i in (
        "pension_fund_balance", "unemployment_fund_balance", "work_injury_fund_balance"))


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


def _layers(spec):
    """Every single-view layer of a (possibly concatenated) chart spec."""
    return [value for key, value in _walk(spec) if key == "layer" for value in value if "mark" in value]


def _values(spec):
    return next(iter(spec["datasets"].values()))


def test_region_chart_has_chinese_title_english_subtitle_tooltips_and_distinct_targets(data):
    spec = report.region_chart(data, "衢州市").to_dict()
    assert spec["title"]["text"] == "衢州市：主要指标"
    assert "headline indicators" in spec["title"]["subtitle"][0]
    point_layer = next(layer for layer in _layers(spec) if layer["mark"]["type"] == "point")
    tooltip_fields = {t["field"] for t in point_layer["encoding"]["tooltip"]}
    assert {"display", "printed", "period", "cited", "line"} <= tooltip_fields and "source" not in tooltip_fields
    shape = point_layer["encoding"]["shape"]
    # printed and implied values circles (filled, hollow: the fill's condition), revised crosses, targets diamonds
    assert shape["field"] == "kind" and dict(zip(shape["scale"]["domain"], shape["scale"]["range"])) == {
        "printed": "circle", "change": "circle", "growth_rate": "circle", "revised": "cross", "target": "diamond"}
    assert point_layer["encoding"]["fill"]["condition"]["test"] == "(datum.kind === 'printed' && datum.measure === 'actual')"
    assert point_layer["encoding"]["x"]["type"] == "temporal"
    values = [v for d in spec["datasets"].values() for v in d]
    pension = [v for v in values if v["indicator_id"] == "basic_pension_participants" and v["period"] == "2025"]
    assert {(v["measure"], v["value"], v["display"], v["printed"], v["source"], v["cited"], v["middle"])
            for v in pension} == {("target", 2040000.0, "204万人", "204万人", "quzhou_14fyp:157",
                                   "《衢州市人社事业发展“十四五”规划》第157行", "2025-07-02")}


def test_renderer_site_mode_and_lab_mode(monkeypatch):
    spec = {"title": {"text": "图"}, "mark": "point"}
    monkeypatch.setenv(report.ASSETS_ENV, "../assets/vega")
    site_bundle = report._renderer(spec)
    assert set(site_bundle) == {"text/html", "text/plain"}
    monkeypatch.delenv(report.ASSETS_ENV)
    lab_bundle = report._renderer(spec)
    assert "application/vnd.vegalite.v5+json" in lab_bundle and "text/html" not in lab_bundle
    assert json.dumps(lab_bundle["application/vnd.vegalite.v5+json"])  # serialisable


# --- long source lines: an excerpt around the figure, the full line on hover ------------------


def test_excerpt_keeps_thirty_characters_each_side_of_the_figure():
    line = "甲" * 50 + "参保人数为202万人，" + "乙" * 50
    shown = report.excerpt(line, "202", "万人")
    assert shown == "…" + "甲" * 25 + "参保人数为202万人，" + "乙" * 29 + "…"
    assert report.excerpt("3.基本养老保险参保人数（万人）\t170.69", "170.69") == "3.基本养老保险参保人数（万人）\t170.69"


def test_excerpt_finds_the_whole_number_not_a_year_that_contains_it():
    line = "2020年" + "的" * 80 + "新增202万人" + "的" * 80
    shown = report.excerpt(line, "202", "万人")
    assert "202万人" in shown and not shown.startswith("2020")
    assert report.excerpt("x" * 200, "999") == "x" * 60 + "…"  # not found: the line's beginning


def test_national_briefing_paragraph_is_quoted_as_an_excerpt_with_the_full_line_as_title(data):
    table = report.indicator_observations(data, "basic_pension_participants")
    national = _row(table, **{"地区 region": "全国", "来源 source": "《人社部2023年一季度新闻发布会》第7行"})
    full = national["_title:原文行 source text"]
    shown = national["原文行 source text"]
    assert len(full) > 600 and "10.52億人" in full  # a whole paragraph on one line (Traditional script)
    assert shown.startswith("…") and shown.endswith("…") and "10.52億人" in shown
    assert len(shown) <= 2 * report.EXCERPT_CONTEXT + len("10.52億人") + 2
    assert shown.strip("…") in full
    markup = report.table(table).markup
    assert f'title="{html.escape(full, quote=True)}"' in markup
    # a table row is quoted with its cells separated, without a leading separator
    province = table[table["来源 source"] == "《浙江省人社事业发展“十四五”规划》第63行"]["原文行 source text"].iloc[0]
    assert province == "3684"


def test_table_escapes_titles_marks_figures_nowrap_and_says_yes_no():
    frame = pd.DataFrame({"数值 value": ["170.69万人", "≥98%"], "原文 text": ["<b>短</b>", "…x…"],
                          "_title:原文 text": ["<b>短</b>", '<script>alert("1")</script>'],
                          "headline": [True, False]})
    markup = report.table(frame).markup
    assert '<td class="renshe-nowrap">170.69万人</td>' in markup and '<td class="renshe-nowrap">≥98%</td>' in markup
    assert 'title="&lt;script&gt;alert(&quot;1&quot;)&lt;/script&gt;"' in markup
    assert "<script>" not in markup and "<b>" not in markup and "_title" not in markup
    assert "是 yes" in markup and "否 no" in markup and "True" not in markup
    assert "是 yes" in report.table(frame).text


def test_codebook_booleans_read_yes_or_no(data):
    definition = report.indicator_definition(data, "basic_pension_participants")
    fields = dict(zip(definition["项目 item"], definition["内容 value"]))
    assert fields["下级地区可加总 regions add up"].startswith("是")


def test_checks_display_keeps_what_a_reader_needs_and_quotes_sources_on_hover():
    checks = pd.DataFrame({"check_id": ["c#1"], "rule_type": ["level_nesting"], "status": ["warn"],
                           "value_a": ["1.0"], "message": ["衢州市 is 0.91% of 浙江省"],
                           "sources": ["quzhou_14fyp:164"], "source_text": ["[quzhou_14fyp:164] 招收博士后\t8\t10"]})
    shown = report.checks_display(checks)
    assert list(shown.columns) == ["check_id", "rule_type", "status", "message", "sources", "_title:sources"]
    assert shown["_title:sources"].iloc[0] == "[quzhou_14fyp:164] 招收博士后 │ 8 │ 10"
    assert '<td class="status-warn">warn</td>' in report.table(shown).markup


def test_compact_sources_names_each_document_once():
    assert report.compact_sources("shaoxing_2023_action_plan:161; shaoxing_2023_action_plan:155; "
                                  "zhejiang_14fyp:154") == "shaoxing_2023_action_plan:161, 155; zhejiang_14fyp:154"
    assert report.compact_sources("quzhou_14fyp:82") == "quzhou_14fyp:82"


def test_a_citation_names_the_document_by_its_title_and_the_page_and_line_in_the_readers_language():
    titles = {"a": "浙江省人力资源和社会保障事业发展“十四五”规划", "b": "Zhejiang bulletin"}.get
    pages = {("b", "12"): 3, ("b", "13"): 3, ("b", "40"): 4}
    page = lambda doc_id, line: pages.get((doc_id, line), 0)  # noqa: E731
    title = lambda doc_id: report.short_title(titles(doc_id))  # noqa: E731
    assert report.short_title(titles("a")) == "浙江省人社事业发展“十四五”规划"
    assert report.cite("a:161; a:155; b:12; b:13; b:40; a:161", title, page) == \
        "《浙江省人社事业发展“十四五”规划》第161、155行；《Zhejiang bulletin》第3页第12、13行、第4页第40行"
    assert report.cite("b:12; b:40", title, page, lang="en") == "Zhejiang bulletin, p. 3, line 12; p. 4, line 40"
    assert report.cite("a", title) == "《浙江省人社事业发展“十四五”规划》"  # a document without a line
    assert report.cite("不是来源 not a citation: x", title) == "不是来源 not a citation: x"
    assert report.line_words("171") == "第171行" and report.line_words(171, 3, "en") == "p. 3, line 171"
    from renshe.publish.report.formatting import quoted_lines  # a check's quoted lines, on hovering its sources

    assert quoted_lines("[a:164] 招收博士后\t8\t10 | [b:12] 〔500〕", lambda c: report.cite(c, title, page)) == \
        "《浙江省人社事业发展“十四五”规划》第164行：招收博士后 │ 8 │ 10 | 《Zhejiang bulletin》第3页第12行：〔500〕"
    assert report.compact_sources("see the notes") == "see the notes"


# --- charts: one panel per level, numbers in 万 / 亿 -------------------------------------------


def _walk(spec):
    if isinstance(spec, dict):
        for key, value in spec.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from _walk(value)


def test_periods_have_their_place_in_time():
    from datetime import date

    assert report.period_dates("2023-Q1") == (date(2023, 1, 1), date(2023, 3, 31))
    assert report.period_dates("2023-03") == (date(2023, 3, 1), date(2023, 3, 31))
    assert report.period_dates("2023") == (date(2023, 1, 1), date(2023, 12, 31))
    assert report.period_dates("2016-2020") == (date(2016, 1, 1), date(2020, 12, 31))
    assert report.period_dates("十四五") is None


def test_pension_chart_is_one_panel_on_a_log_scale_with_every_level_in_its_place(data):
    spec = report.indicator_chart(data, "basic_pension_participants").to_dict()
    assert "facet" not in spec and "vconcat" not in spec  # one unit: one panel
    y = next(layer for layer in _layers(spec) if layer["mark"]["type"] == "point")["encoding"]["y"]
    assert y["scale"]["type"] == "log" and "对数刻度 log scale" in y["axis"]["title"]
    assert 1e9 in y["axis"]["values"] and 2e6 in y["axis"]["values"]
    national = [v for v in _values(spec) if v["region"] == "全国"]
    assert [(v["value"], v["display"], v["period"], v["middle"]) for v in national] == [
        (1052000000.0, "10.52亿人", "2023-03", "2023-03-16")]
    label_exprs = [value["labelExpr"] for key, value in _walk(spec) if key == "axis" and "labelExpr" in value]
    assert label_exprs and all("亿" in e and "万" in e for e in label_exprs)


def test_cumulative_and_plan_periods_are_spans_and_units_get_their_own_panel(data):
    spec = report.indicator_chart(data, "urban_new_jobs").to_dict()
    # a panel per unit (人, and 人次: Quzhou counts person-times) and basis: five-year totals, whole
    # years and a quarter never share an axis
    titles = [panel["title"]["text"] for panel in spec["vconcat"]]
    assert sorted(titles) == sorted(["单位 unit: 人 · 全年 whole years", "单位 unit: 人 · 多年合计 multi-year totals",
                                     "单位 unit: 人次 · 多年合计 multi-year totals", "单位 unit: 人次 · 全年 whole years",
                                     "单位 unit: 人 · 季度 quarters"])
    for panel in spec["vconcat"]:
        drawn = spec["datasets"][panel["data"]["name"]]
        assert len({v["group"] for v in drawn}) == 1 and len({v["unit"] for v in drawn}) == 1
    rule = next(layer for layer in _layers(spec) if layer["mark"]["type"] == "rule")
    assert rule["encoding"]["x"]["field"] == "start" and rule["encoding"]["x2"]["field"] == "end"
    values = [v for d in spec["datasets"].values() for v in d]
    plan = [v for v in values if v["region"] == "浙江省" and v["period"] == "2021-2025" and v["unit"] == "人"]
    assert {(v["start"], v["end"], v["span"], v["measure"], v["display"]) for v in plan} >= {
        ("2021-01-01", "2025-12-31", True, "target", "≥500万人")}
    past = [v for v in values if v["region"] == "浙江省" and v["period"] == "2016-2020" and v["measure"] == "actual"]
    assert [(v["display"], v["basis"]) for v in past] == [("606万人", "cumulative")]


def test_rate_chart_keeps_every_level_on_one_linear_axis(data):
    spec = report.indicator_chart(data, "surveyed_unemployment_rate").to_dict()
    assert "vconcat" not in spec
    y = next(layer for layer in _layers(spec) if layer["mark"]["type"] == "point")["encoding"]["y"]
    assert y["axis"]["title"] == "% percent" and y["scale"].get("type") != "log"


def test_chinese_number_axis_labels_match_format_value():
    import vl_convert

    values = [1052000000, 46064600, 2020000, 5.5, 0]
    spec = {"data": {"values": [{"v": v} for v in values]}, "mark": "text",
            "transform": [{"calculate": report.CHINESE_NUMBER_EXPR.replace("datum.value", "datum.v"), "as": "label"}],
            "encoding": {"text": {"field": "label"}}}
    svg = vl_convert.vegalite_to_svg(spec, vl_version="6.4")
    for label in ("10.52亿", "4606.46万", "202万", "5.5"):
        assert label in svg


def test_region_chart_draws_only_indicators_with_a_trend(data):
    spec = report.region_chart(data, "衢州市").to_dict()
    assert spec["columns"] == 3  # small panels, three to a row
    titles = [panel["title"]["text"] for panel in spec["concat"]]
    values = [v for d in spec["datasets"].values() for v in d]
    periods: dict[str, set] = {}
    for value in values:
        periods.setdefault(value["indicator"], set()).add(value["period"])
    assert set(titles) == set(periods) and all(len(found) >= 2 for found in periods.values())
    order = [entry["id"] for entry in data.codebook]
    panel_ids = [next(v["indicator_id"] for v in values if v["indicator"] == title) for title in titles]
    assert panel_ids == sorted(panel_ids, key=order.index)  # codebook order, as in the table above
    assert "basic_pension_participants" in panel_ids
    shaoxing = report.region_chart(data, "绍兴市")  # every figure is a 2023 target
    assert isinstance(shaoxing, report.HTMLBlock) and "two or more periods" in shaoxing.text


def test_chart_colours_run_from_the_nation_down_and_fill_matches_stroke(data):
    spec = report.indicator_chart(data, "urban_new_jobs").to_dict()
    point = next(layer for layer in _layers(spec) if layer["mark"]["type"] == "point")
    order = point["encoding"]["color"]["sort"]
    assert order[:2] == ["全国", "浙江省"] and order.index("绍兴市") < order.index("越城区")
    assert point["encoding"]["fill"]["condition"]["sort"] == order


def test_district_chart_only_compares_two_or_more_districts(data):
    assert report.district_chart(data, "全国") is None  # one province below the nation: nothing to compare
    spec = report.district_chart(data, "绍兴市").to_dict()
    values = _values(spec)
    assert {v["region"] for v in values} == {"越城区", "柯桥区", "上虞区", "新昌县", "诸暨市", "嵊州市"}


def test_district_chart_fits_the_page_width_a_panel_per_indicator_titled_in_text(data):
    """From 360 px up: a panel per indicator, each as wide as its box and carrying only its own rows;
    its title as text above the drawing, where a long one wraps."""
    from renshe.publish.report.charts import _panels, site_chart_html

    spec = report.district_chart(data, "绍兴市").to_dict()
    panels = _panels(spec)
    indicators = {row["indicator"] for rows in spec["datasets"].values() for row in rows}
    assert len(panels) == len(indicators) >= 10 and "facet" not in json.dumps(spec)
    assert all(panel["width"] == "container" and len(panel["datasets"]) == 1 for panel in panels)
    jobs = next(p for p in panels if p["title"]["text"] == "城镇新增就业人数 · 2023 (人)")
    assert {row["region"] for rows in jobs["datasets"].values() for row in rows} == {
        "越城区", "柯桥区", "上虞区", "新昌县", "诸暨市", "嵊州市"}
    markup = site_chart_html(spec, "../assets/vega")
    assert '<p class="renshe-panel-title">城镇新增就业人数 · 2023 (人)</p>' in markup
    assert markup.count('class="renshe-chart"') == len(panels) and '"anchor"' not in markup  # no title drawn in a panel


def test_a_warning_without_figures_is_a_finding_in_words(tmp_path):
    """A rule that matched nothing warns with no figures: the home page says so, it does not crash."""
    from renshe.checks.validate import run_validation
    from renshe.publish.report.findings import flagged_check_findings

    paths = ProjectPaths.at(copy_project(tmp_path / "project"))
    run_extract(paths)
    run_validation(paths)
    data = report.load_report_data(paths.root)
    texts = [finding.zh for finding in flagged_check_findings(data)]
    # a rule that found nothing to check is not a finding: the data-quality page says it in words
    assert texts and not any("matched no observations" in text for text in texts)
    nothing = data.checks[data.checks["rule_id"] == "province_targets_within_nation"].iloc[0]
    assert report.check_sentence(data, nothing)[0] == "这条规则在数据中没有找到可以核查的数字，因此没有核查任何内容。"


def test_a_table_shows_its_first_thousand_rows_and_says_how_many_there_are():
    """A national corpus has tens of thousands of checks: a page shows the first SHOW_ROWS and
    points to the downloads for the rest, in the markup and in the text alike."""
    frame = pd.DataFrame({"check_id": [f"rule#{n}" for n in range(1, 1006)], "status": "pass"})
    block = report.table(frame, summary="全部核查 Every check")
    assert block.markup.count("<tr>") == 1 + SHOW_ROWS  # the header and the rows shown
    assert "rule#1000<" in block.markup and "rule#1001<" not in block.markup
    assert "Showing the first 1000 of 1005 rows" in block.markup and "1005 rows, click to open" in block.markup
    assert "共 1005 行" in repr(block)
    small = report.table(frame.head(20))
    assert small.markup.count("<tr>") == 21 and "Showing the first" not in small.markup


def test_time_charts_are_vega_lite_checked_against_the_schema_and_open_in_altair(data, monkeypatch):
    import altair as alt
    import jsonschema

    chart = report.region_chart(data, "衢州市")
    spec = chart.to_dict()  # checked against the Vega-Lite schema, as Altair checks its charts
    assert spec["$schema"] == alt.SCHEMA_URL and len(spec["concat"]) >= 2
    assert chart.to_altair().to_dict() == spec  # the same chart as an Altair object, to build on
    with pytest.raises(jsonschema.ValidationError):
        report.VegaLiteChart({"concat": [{"mark": "no such mark"}]}).to_dict()
    monkeypatch.setenv("RENSHE_CHART_ASSETS", "../assets/vega")
    report.setup_charts()
    bundle = chart._repr_mimebundle_()
    assert "vegaEmbed" in bundle["text/html"] and "衢州市：主要指标" in bundle["text/html"]
    assert bundle["text/plain"] == "<chart: 衢州市：主要指标>"


def test_a_page_of_thousands_of_checks_puts_the_most_important_in_words_and_counts_them_all():
    """Failures first, each rule in turn (a rule failing 600 times does not hide one failing 3
    times), then warnings, then passes; only those shown are put in words; the counts by kind and
    result of every check come first and the note links to checks.csv."""
    rows = ([("a", "consistency", "pass")] * 1500 + [("a", "consistency", "fail")] * 600
            + [("b", "sum_of_parts", "fail")] * 3 + [("c", "level_nesting", "warn")] * 2)
    checks = pd.DataFrame(rows, columns=["rule_id", "rule_type", "status"])
    checks.insert(0, "check_id", [f"{rule}#{n}" for n, (rule, _, _) in enumerate(rows)])
    chosen = report.most_important(checks, 1000)
    assert chosen["check_id"].tolist()[:5] == ["a#1500", "b#2100", "a#1501", "b#2101", "a#1502"]
    assert chosen["status"].value_counts().to_dict() == {"fail": 603, "pass": 395, "warn": 2}
    assert report.most_important(checks.head(50), 1000) is not None and report.most_important(
        checks.head(50), 1000)["check_id"].tolist() == checks.head(50)["check_id"].tolist()  # few: as they are
    block = report.checks_block(checks, None, summary="全部核查 Every check")
    assert "Showing the 1000 most important of 2105 checks" in block.markup
    assert '<a href="../downloads/checks.csv">checks.csv</a>' in block.markup
    counts_table, listed = block.markup.split("</table>", 1)
    assert "印了两次的数字 figures printed twice" in counts_table and ">1500<" in counts_table and ">600<" in counts_table
    assert listed.count("<tr>") == 1 + 1000 and "a#1500<" in listed and "a#0<" in listed and "a#400<" not in listed
    small = report.checks_block(checks.head(20), None)
    assert "most important" not in small.markup and small.markup.count("<table") == 1


def test_a_chart_draws_at_most_three_figures_of_a_series_at_one_period(data):
    """A document restating Zhejiang's 2023 urban new jobs 10 times with other digits: the chart
    reads the first three of that period, draws the series' one (the bulletin's 116.32万人) and says
    how many more the explorer holds; the seeds themselves never print more than two."""
    from dataclasses import replace

    obs = data.observations
    first = obs[(obs["region"] == "浙江省") & (obs["indicator_id"] == "urban_new_jobs") & (obs["period"] == "2023")]
    assert first["value"].tolist() == [1163200.0]
    restated = pd.concat([first.assign(value=1163200.0 + n, source_line=1000 + n) for n in range(10)])
    grown = replace(data, observations=pd.concat([obs, restated], ignore_index=True), shared={})
    coded = grown.observations[grown.observations["indicator_id"] != ""]
    drawn, more = report.few_per_point(coded)
    assert more == 8 and len(drawn) == len(coded) - 8
    spec = report.indicator_chart(grown, "urban_new_jobs").to_dict()
    values = [row for rows in spec["datasets"].values() for row in rows
              if row["region"] == "浙江省" and row["period"] == "2023"]
    # the chart draws the series: one printed figure of the document a period (the bulletin's 116.32万人);
    # the 10 others (8 past the three a period, 2 more the series leaves out) are counted
    assert sorted(row["value"] for row in values) == [1163200.0]
    assert any("10 more figures printed for the same period are not drawn" in line
               for line in spec["title"]["subtitle"])
    assert report.few_per_point(obs[obs["indicator_id"] != ""])[1] == 0


def test_the_cleaning_page_has_a_line_per_document_and_prints_a_bounded_number_of_tables(data):
    from renshe.ingest.extract import load_extract_output

    output = load_extract_output(data.paths.clean)
    titles = {d.doc_id: d.title_zh for d in data.registry.documents}
    counts = report.document_counts(output, titles).set_index("文件 document")
    assert counts.loc["浙江省人力资源和社会保障事业发展“十四五”规划"].tolist() == [120, 59, 3, 0]
    assert counts["取得 figures taken"].sum() == len(output.observations) == 559
    every = report.table_previews(output)  # the seeds' eight tables, each with its cells set aside if any
    assert report.TABLE_PREVIEWS == 40 and sum("个未采用 set aside：" in b.markup for b in every) == 8
    two = report.table_previews(output, limit=2)
    assert sum("个未采用 set aside：" in b.markup for b in two) == 2
    assert two[-1].text.startswith("另有 6 张表未在此列出（共 8 张）")
    assert '<a href="../explore.html">explorer</a>' in two[-1].markup
    assert '<a href="../downloads/observations.csv">observations.csv</a>' in two[-1].markup
