"""Editions and series on the pages, on the corpus across years (tests/fixtures/years/, described in
its corpus.yaml): national bulletins 2011-2013, the 2012 bulletin re-issued corrected (工伤保险
19100万人 → 19010万人, published 2013-06-20), 四川省 and 成都市 2022 with their populations.

The pages read the latest edition only; the downloads keep the earlier edition's rows, marked;
the charts draw each series with its printed and implied values apart."""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "checks"))
import years_corpus  # noqa: E402
from renshe.checks.validate import run_validation  # noqa: E402
from renshe.ingest.extract import run_extract  # noqa: E402
from renshe.paths import ProjectPaths  # noqa: E402
from renshe.publish import report  # noqa: E402
from renshe.publish.report.charts import site_chart_html  # noqa: E402
from renshe.publish.site.downloads import write_downloads  # noqa: E402
from renshe.publish.site.home import headline_cards  # noqa: E402

INJURY = "work_injury_insurance_participants"
SENTENCE_EN = "revised in the edition of 2013-06-20: 19100万人 → 19010万人"
SENTENCE_ZH = "在2013-06-20的版本中修订：19100万人 → 19010万人"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> report.ReportData:
    root = years_corpus.make_project(tmp_path_factory.mktemp("years-pages") / "project")
    paths = ProjectPaths.at(root)
    run_extract(paths)
    run_validation(paths)
    return report.load_report_data(root)


def _chart_rows(chart) -> list[dict]:
    return [row for rows in chart.to_dict()["datasets"].values() for row in rows]


# --- editions ------------------------------------------------------------------------------------


def test_pages_read_the_latest_edition_only(data):
    assert data.replaced_by() == {"national_2012_bulletin": "national_2012_bulletin_corrected"}
    assert "national_2012_bulletin" not in set(data.observations["doc_id"])
    assert "national_2012_bulletin" in set(data.every_observation["doc_id"])
    table = report.indicator_observations(data, INJURY)
    printed_2012 = table[(table["时期 period"] == "2012") & (table["口径 measure"] == report.MEASURE_LABELS["actual"])]
    assert printed_2012["原文 as printed"].tolist() == ["19010万人"]  # never the first edition's 19100万人
    chart = _chart_rows(report.indicator_chart(data, INJURY))
    assert 191000000.0 not in {row["value"] for row in chart}
    assert {row["source"] for row in chart if row["period"] == "2012" and row["kind"] == "printed"} == {
        "national_2012_bulletin_corrected:15"}
    # the home page's headline figures read the same data
    sources = [figure["source"] for card in headline_cards(data) for figure in card["figures"]]
    assert sources and not any(source.startswith("national_2012_bulletin:") for source in sources)


def test_downloads_keep_the_earlier_edition_marked(data, tmp_path):
    write_downloads(data.paths, tmp_path / "downloads")
    rows = pd.read_csv(tmp_path / "downloads" / "observations.csv", encoding="utf-8-sig", keep_default_na=False,
                       dtype={"value_raw": str})
    first = rows[(rows["doc_id"] == "national_2012_bulletin") & (rows["indicator_id"] == INJURY)
                 & (rows["measure"] == "actual")]
    assert first[["value", "value_raw", "superseded_by"]].values.tolist() == [
        [191000000.0, "19100", "national_2012_bulletin_corrected"]]
    assert set(rows.loc[rows["doc_id"] != "national_2012_bulletin", "superseded_by"]) == {""}
    assert len(rows) == len(data.every_observation)


def test_a_revised_figure_is_marked_with_both_values_and_the_date(data):
    revised = report.revised_figures(data)
    assert revised[["region", "indicator_id", "period", "before", "after", "date"]].values.tolist() == [
        ["全国", INJURY, "2012", "19100万人", "19010万人", "2013-06-20"]]
    notes = report.revision_notes(data, region="全国")
    assert SENTENCE_EN in notes.text and SENTENCE_ZH in notes.text
    assert report.revision_notes(data, region="四川省") is None  # nothing to say: nothing shown
    table = report.indicator_observations(data, INJURY)
    marked = table[table["修订 revised"] != ""]
    assert marked[["时期 period", "修订 revised"]].values.tolist() == [["2012", f"{SENTENCE_ZH} {SENTENCE_EN}"]]
    wide = report.region_indicator_table(data, "全国")
    assert "1.901亿人（已修订 revised）" in wide["2012"].tolist()
    chart = _chart_rows(report.indicator_chart(data, INJURY))
    assert [row["kind_label"] for row in chart if row["period"] == "2012" and row["kind"] == "printed"] == [
        f"印出 printed；{SENTENCE_ZH} {SENTENCE_EN}"]


def test_the_revision_checks_read_as_sentences(data):
    from renshe.publish.report.check_words import check_sentence

    checks = data.checks
    edition = checks[(checks["rule_id"] == "edition_revisions") & (checks["assessment"] == "revision")].iloc[0]
    zh, en = check_sentence(data, edition)
    assert SENTENCE_ZH in zh and SENTENCE_EN in en and "全国工伤保险参保人数（2012）" in zh
    later = checks[(checks["rule_id"] == "revisions_across_documents") & (checks["assessment"] == "revision")].iloc[0]
    zh, en = check_sentence(data, later)
    assert "后来的文件（2014-05-28）改印为 1268万人，原为 1266万人" in zh
    assert "revised by a later document (2014-05-28) from 1266万人" in en


def test_the_cross_year_checks_read_as_sentences_with_both_years(data):
    """The deliberate inconsistency (2013's unemployment insurance less its stated change against
    the 2012 bulletin's level) and the exact agreement of employed persons 2012 → 2011, in words."""
    from renshe.publish.report.check_words import check_sentence

    checks = data.checks
    implied = checks[checks["computed_kind"] == "implied_previous_change"]
    failed = implied[implied["status"] == "fail"]
    assert len(failed) == 1
    zh, en = check_sentence(data, failed.iloc[0])
    assert zh == ("全国失业保险参保人数：2013年的数字减去所报增量，推算出2012年为 1.5125亿人；"
                  "2012年印出的是 1.5225亿人，相差100万人，超出舍入所能解释的范围。")
    assert "the 2013 figure less its stated change gives 1.5125亿人" in en and "more than rounding explains" in en
    employed = implied[(implied["indicator_id"] == "employed_persons") & (implied["periods"] == "2012 → 2011")]
    zh, en = check_sentence(data, employed.iloc[0])
    assert "推算出2011年为 7.642亿人；2011年印出的是 7.642亿人，完全一致" in zh and "is exactly the same" in en
    rate = checks[(checks["computed_kind"] == "growth_rate") & (checks["periods"] == "2012 → 2013")].iloc[0]
    zh, en = check_sentence(data, rate)
    assert "（2012–2013）：所报增长率 5.9%，由两年的数字算得 5.89%，相差0.0138个百分点，在舍入范围内" in zh
    assert all(" 对 " not in check_sentence(data, row)[0] and "against" not in check_sentence(data, row)[1]
               for _, row in implied.iterrows())


# --- series --------------------------------------------------------------------------------------


def test_the_chart_draws_printed_and_implied_values_apart(data):
    chart = report.indicator_chart(data, "employed_persons")
    rows = _chart_rows(chart)
    drawn = sorted((row["period"], row["kind"], row["value"], row["source"], row["on_line"]) for row in rows)
    assert drawn == [
        ("2010", "change", 761050000.0, "national_2011_bulletin:5", True),  # 76420万 − 315万: no document prints 2010
        ("2011", "change", 764200000.0, "national_2012_bulletin_corrected:5", False),  # 76704万 − 284万
        ("2011", "printed", 764200000.0, "national_2011_bulletin:5", True),
        ("2012", "change", 767040000.0, "national_2013_bulletin:5", False),  # 76977万 − 273万
        ("2012", "printed", 767040000.0, "national_2012_bulletin_corrected:5", True),
        ("2013", "printed", 769770000.0, "national_2013_bulletin:5", True)]
    labels = {row["kind"]: row["kind_label"] for row in rows}
    assert labels == {"printed": "印出 printed",
                      "change": "由次年所报变化推算 implied from the next year's stated change"}
    spec = chart.to_dict()
    html = site_chart_html(spec, "../assets/vega")
    assert "implied from the next year&#x27;s stated change" in html and "印出 printed" in html
    # one panel: levels at a point in time, printed and implied on one axis
    assert "vconcat" not in spec and {row["group"] for row in rows} == {"时点 at a point in time"}


def test_a_later_documents_other_figure_is_a_cross_off_the_line(data):
    rows = _chart_rows(report.indicator_chart(data, "urban_new_jobs"))
    jobs_2012 = sorted((row["kind"], row["value"], row["on_line"], row["kind_label"]) for row in rows
                       if row["region"] == "全国" and row["period"] == "2012")
    assert jobs_2012 == [
        ("printed", 12680000.0, True, "印出 printed"),
        ("revised", 12660000.0, False, "被后来的文件改印为 1268万人 revised by a later document to 1268万人")]


def test_the_series_is_told_in_words(data):
    said = report.indicator_findings(data, "employed_persons").text
    assert ("全国就业人员：2010–2013年共 4 年的数值，2013年为 7.6977亿人，比2010年增加872万人（1.1%）；"
            "3 次年度变化中 3 次上升、0 次下降；其中 1 年的数值由次年所报的增量或增速推算，并非印出。") in said
    assert "4 years from 2010 to 2013; 7.6977亿人 (769.8 million people) in 2013, up 872万人" in said
    region = report.region_findings(data, "全国").text
    assert "全国城镇登记失业率：2011–2013年共 3 年的数值，2013年为 4.05%，比2011年减少0.05个百分点" in region
    # two years are no series: 四川省 prints 2022 only
    assert "年共" not in report.region_findings(data, "四川省").text


def test_the_share_column_says_the_range_the_data_give(data):
    shares = report.parent_shares(data, "成都市")
    pension = shares[shares["_indicator_id"] == "employee_pension_participants"].iloc[0]
    # 成都 holds 2126.8万 of 四川's 8374万 people (25.40%): expected 25.40% ÷ 3 to × 3
    assert pension["检查区间 check band"] == ("预期 8.47%–76.19%（按其人口占上级的比重） "
                                          "expected 8.47%–76.19% (from its share of the parent's population)")
    assert pension["检查结果 check status"] == "pass"


def test_a_collection_without_a_plan_says_so_in_a_readers_words(data):
    """National and provincial bulletins, no plan: the site's plans list says what the documents are,
    not a command to run."""
    from renshe.publish.site.partials import plans_partial

    assert report.plan_documents(data) == []
    text = plans_partial(data.paths, [{"kind": "region", "page": "region-100000.html"}])
    assert text == "*这批文件中没有设定目标的规划。 None of these documents is a plan setting targets.*\n"
