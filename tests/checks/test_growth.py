"""Rule type growth_rate: a stated growth rate against the change stated beside it (or the same
document's figure a year earlier), on small observation frames and on the real bulletin."""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import copy_project
from renshe.checks.crosschecks import CheckInputs, prepare
from renshe.checks.crosschecks.growth import build_growth_rate
from renshe.checks.rules import Rule
from renshe.ingest.extract import run_extract
from renshe.paths import ProjectPaths
from renshe.schema import coerce_observations, observations_frame

RULE = Rule("growth_rate_vs_change", "growth_rate", "warning", {"indicators": "all"}, path="rules.yaml", line=1)
# 2021 national HRSS bulletin: 三项社会保险基金收入合计68205亿元，比上年增加17538亿元，增长34.6%；
# 基金支出合计62687亿元，比上年增加4687亿元，增长8.1%。
LINE = "全年三项社会保险基金收入合计68205亿元，比上年增加17538亿元，增长34.6%；基金支出合计62687亿元，比上年增加4687亿元，增长8.1%。"


def _figure(indicator, measure, value, value_raw, unit="元", unit_raw="亿元", period="2021", line=12, doc="national_2021"):
    return {"doc_id": doc, "table_id": "text", "region": "全国", "region_code": "100000", "level": "national",
            "indicator_id": indicator, "indicator_zh": indicator, "period": period, "measure": measure,
            "qualifier": "", "value": value, "unit": unit, "value_raw": value_raw, "unit_raw": unit_raw,
            "source_line": line, "source_text": LINE, "basis": ""}


def _frame(records) -> pd.DataFrame:
    return build_growth_rate(RULE, CheckInputs(prepare(observations_frame(records)), {}, {}, {})).frame


def _funds(revenue_rate="34.6"):
    return [
        _figure("three_funds_revenue", "actual", 68205e8, "68205"),
        _figure("three_funds_revenue", "change", 17538e8, "17538"),
        _figure("three_funds_revenue", "change_pct", float(revenue_rate), revenue_rate, "%", "%"),
        _figure("three_funds_expenditure", "actual", 62687e8, "62687"),
        _figure("three_funds_expenditure", "change", 4687e8, "4687"),
        _figure("three_funds_expenditure", "change_pct", 8.1, "8.1", "%", "%"),
    ]


def test_a_stated_growth_rate_agrees_with_its_change():
    frame = _frame(_funds())
    assert list(frame["indicator_id"]) == ["three_funds_revenue", "three_funds_expenditure"]
    revenue = frame.iloc[0]
    assert revenue["computed"] == pytest.approx(100 * 17538 / (68205 - 17538))  # 34.614%
    assert revenue["value_a"] == 34.6 and revenue["assessment"] == "agrees"
    # the rate's last digit (±0.05) plus what ±0.5亿 on both amounts moves the ratio
    assert revenue["tolerance"] == pytest.approx(0.05 + 100 * (68205 * 0.5 + 17538 * 0.5) / (68205 - 17538) ** 2)
    assert revenue["sources"] == "national_2021:12" and revenue["computed_kind"] == "growth_rate"
    expenditure = frame.iloc[1]
    assert expenditure["computed"] == pytest.approx(100 * 4687 / 58000) and expenditure["assessment"] == "agrees"
    assert abs(frame["gap_in_tolerance"]).max() <= 1


def test_a_growth_rate_that_does_not_follow_from_its_change_disagrees():
    revenue = _frame(_funds(revenue_rate="36.4")).iloc[0]
    assert revenue["assessment"] == "disagrees" and revenue["gap"] == pytest.approx(34.614 - 36.4, abs=1e-3)
    assert "stated growth 36.4%" in revenue["message"] and "1.7538万亿元 / 5.0667万亿元" in revenue["message"]


def test_without_a_stated_change_the_previous_year_of_the_same_document_gives_the_level():
    records = [_figure("three_funds_revenue", "actual", 68205e8, "68205", line=20),
               _figure("three_funds_revenue", "actual", 50667e8, "50667", period="2020", line=20),
               _figure("three_funds_revenue", "change_pct", 34.6, "34.6", "%", "%", line=20)]
    row = _frame(records).iloc[0]
    assert row["computed"] == pytest.approx(100 * 17538 / 50667) and row["assessment"] == "agrees"
    assert "and 2020 5.0667万亿元 (national_2021:20)" in row["message"]
    # another document's 2020 figure is not this document's previous level
    records[1] = _figure("three_funds_revenue", "actual", 50667e8, "50667", period="2020", doc="national_2020")
    assert _frame(records).empty


def test_a_rate_change_in_points_is_not_a_growth_rate():
    records = [_figure("surveyed_unemployment_rate", "actual", 5.1, "5.1", "%", "%"),
               _figure("surveyed_unemployment_rate", "change", -0.1, "0.1", "百分点", "个百分点"),
               _figure("surveyed_unemployment_rate", "change_pct", -1.9, "1.9", "%", "%")]
    assert _frame(records).empty  # the change is in points, the level in %: no level to divide by


@pytest.fixture(scope="module")
def bulletin(tmp_path_factory) -> pd.DataFrame:
    root = copy_project(tmp_path_factory.mktemp("growth") / "project")
    run_extract(ProjectPaths.at(root))
    return pd.read_parquet(root / "data" / "clean" / "observations.parquet")


def test_the_real_bulletin_states_changes_but_no_growth_rate_yet(bulletin):
    inputs = CheckInputs(prepare(coerce_observations(bulletin)), {}, {}, {})
    assert len(bulletin[bulletin["measure"] == "change"]) == 12
    assert build_growth_rate(RULE, inputs).frame.empty


@pytest.mark.parametrize("rate, assessment", [("1.91", "agrees"), ("2.1", "disagrees")])
def test_a_rate_read_on_the_bulletins_pension_line_is_checked_against_its_change(bulletin, rate, assessment):
    """Line 23: 参加基本养老保险人数为 4606.46 万人，比上年末增加 86.39 万人 (+1.91%). The rate is
    added here as the text reader will emit it for "增长 Y%" (measure change_pct, unit %)."""
    line = bulletin[(bulletin["doc_id"] == "zhejiang_2023_bulletin") & (bulletin["source_line"] == 23)
                    & (bulletin["indicator_id"] == "basic_pension_participants")]
    assert set(line["measure"]) == {"actual", "change"}
    stated = line.iloc[[0]].assign(measure="change_pct", value=float(rate), value_raw=rate, unit="%", unit_raw="%")
    observations = coerce_observations(pd.concat([bulletin, stated], ignore_index=True))
    row = build_growth_rate(RULE, CheckInputs(prepare(observations), {}, {}, {})).frame.iloc[0]
    assert row["computed"] == pytest.approx(100 * 86.39 / (4606.46 - 86.39))  # 1.911%
    assert row["assessment"] == assessment and row["sources"] == "zhejiang_2023_bulletin:23"
