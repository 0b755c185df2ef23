"""The cross-checks between the unseen documents (tests/fixtures/unseen, added as a user adds
them: file + registry entry, no region entry) and the five registered ones."""
from __future__ import annotations

import pandas as pd
import pytest

import unseen_corpus
from renshe.checks.crosschecks import build_all
from renshe.checks.validate import _load_inputs
from renshe.paths import ProjectPaths


@pytest.fixture(scope="module")
def derived(tmp_path_factory) -> dict[str, pd.DataFrame]:
    root = unseen_corpus.make_project(tmp_path_factory.mktemp("unseen_checks") / "project",
                                      unseen_corpus.documents(None))
    result = unseen_corpus.run_extract(root)
    assert result.returncode == 0, result.stderr
    _, inputs, rules = _load_inputs(ProjectPaths.at(root), None)
    return {item.rule.id: item.frame for item in build_all(rules.rules, inputs)}


def _one(frame: pd.DataFrame, **match) -> pd.Series:
    for column, value in match.items():
        frame = frame[frame[column] == value]
    assert len(frame) == 1, match
    return frame.iloc[0]


def test_zhejiang_is_compared_with_the_nation_in_the_same_year(derived):
    """The national plan's 2020 figures meet Zhejiang's plan's 2020 base year; Zhejiang's 2020 is
    never paired with the national bulletin's 2021."""
    nation = derived["province_within_nation"]
    pension = _one(nation, regions="浙江省 / 全国", indicator_id="basic_pension_participants", periods="2020")
    assert pension["sources"] == "zhejiang_14fyp:65; national_14fyp_hrss:7"
    assert pension["computed"] == pytest.approx(100 * 4355e4 / 9.99e8)
    jiangsu = _one(nation, regions="江苏省 / 全国")
    assert (jiangsu["periods"], jiangsu["sources"]) == ("2021", "jiangsu_2021_bulletin:12; national_2021_bulletin:13")
    for label in nation["periods"]:
        assert len({part[:4] for part in label.split(" / ")}) == 1, label


def test_a_national_target_against_the_provinces(derived):
    targets = derived["province_targets_within_nation"]
    jobs = _one(targets, regions="浙江省 / 全国", indicator_id="urban_new_jobs")
    assert (jobs["periods"], jobs["share"]) == ("2021-2025", pytest.approx(10.0))  # 500万 of 5000万
    assert jobs["sources"] == "zhejiang_14fyp:154; national_14fyp_hrss:19"
    assert set(targets["regions"]) == {"浙江省 / 全国", "四川省 / 全国"}


def test_a_growth_rate_against_the_change_beside_it(derived):
    growth = derived["growth_rate_vs_change"]
    revenue = _one(growth, indicator_id="three_funds_revenue")  # 68205亿, +17538亿, 增长34.6%
    assert revenue["computed"] == pytest.approx(100 * 17538 / (68205 - 17538))
    assert (revenue["value_a"], revenue["assessment"]) == (34.6, "agrees")
    assert revenue["sources"] == "national_2021_bulletin:17"
    assert (growth["assessment"] == "agrees").all() and len(growth) >= 2


def test_the_county_communique_needs_no_region_entry_and_pairs_no_other_year(derived):
    """长兴县 (湖州市, which reports nothing) is in the tree; its 2022 figures meet no Zhejiang 2022
    figure, so nothing is compared with the province's 2020 or 2023."""
    nesting = derived["district_within_city"]
    assert not nesting["regions"].str.startswith("长兴县").any()
