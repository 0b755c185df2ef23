"""The one pairing rule (checks/pairing.py) and the level-nesting check that climbs to the
nearest ancestor with a figure, on small observation frames over the real region tree, and
through the pipeline with a county document added the README's way."""
from __future__ import annotations

import hashlib

import pytest

from conftest import REPO_ROOT
from renshe.checks.crosschecks import CheckInputs, build_all, prepare
from renshe.checks.crosschecks.nesting import build_level_nesting
from renshe.checks.pairing import Pair, pair_periods, pair_with_ancestors
from renshe.checks.rules import Rule
from renshe.checks.validate import _load_inputs
from renshe.ingest.documents import load_registry
from renshe.ingest.extract import run_extract
from renshe.paths import ProjectPaths
from renshe.publish import report
from renshe.schema import observations_frame


# --- periods --------------------------------------------------------------------------------

@pytest.mark.parametrize("children, parents, gap, expected", [
    (["2023"], ["2023"], 9, {"2023": "2023"}),
    (["2023"], ["2023-03"], 9, {"2023": "2023-03"}),  # a year-end stock against end of March
    (["2023"], ["2023-Q1"], 9, {"2023": "2023-Q1"}),
    (["2023"], ["2023-03"], 6, {}),  # outside the rule's band
    (["2020"], ["2021"], 9, {}),  # a different year's year-end is not a near period
    (["2020"], ["2021"], 12, {}),  # ...whatever the rule's band: never one year against another
    (["2020", "2021"], ["2021"], 12, {"2021": "2021"}),  # the child reports 2021 itself: 2020 is left alone
    (["2023"], ["2023-03"], 0, {}),  # the default: the same period only
    (["2023-Q2"], ["2023-06"], 0, {"2023-Q2": "2023-06"}),  # a stock at the same month-end (二季度末 = 6月末)
    (["2023-03"], ["2022", "2023"], 9, {"2023-03": "2023"}),  # the same year wins over the nearer 2022
    (["2023-03"], ["2022", "2023"], 6, {}),  # same year out of band: never fall back to another year
    (["2022"], ["2023-03"], 9, {}),  # a 2022 year-end is never paired with March 2023
    (["2021-2025"], ["2025", "2021"], 12, {}),  # a plan period pairs only with the same plan period
    (["2021-2025", "2025"], ["2021-2025", "2025"], 9, {"2021-2025": "2021-2025", "2025": "2025"}),
])
def test_pair_periods(children, parents, gap, expected):
    assert pair_periods(children, parents, gap) == expected


def test_pair_with_ancestors_climbs_and_says_what_it_skipped():
    pairs = pair_with_ancestors(["2020", "2023"], [("丽水市", ["2020"]), ("浙江省", ["2020", "2023"]), ("全国", ["2023"])])
    assert pairs == {"2020": Pair("2020", "丽水市", "2020"), "2023": Pair("2023", "浙江省", "2023", ("丽水市",))}
    assert pairs["2023"].periods == "2023"
    near = pair_with_ancestors(["2023"], [("浙江省", []), ("全国", ["2023-03"])], max_gap_months=9)
    assert near["2023"].periods == "2023 / 2023-03" and near["2023"].skipped == ("浙江省",)
    assert pair_with_ancestors(["2023"], [("丽水市", []), ("浙江省", ["2021"])]) == {}


# --- level nesting on the real region tree ------------------------------------------------------

@pytest.fixture(scope="module")
def tree():
    registry = load_registry(ProjectPaths.at(REPO_ROOT))
    return {r.name: r.parent for r in registry.regions}, {r.name: r.level for r in registry.regions}


def _obs(doc_id, region, level, period, value, value_raw, unit_raw="万人", line=1):
    return {"doc_id": doc_id, "table_id": "text", "region": region, "region_code": "", "level": level,
            "indicator_id": "basic_pension_participants", "indicator_zh": "参加基本养老保险人数", "period": period,
            "measure": "actual", "qualifier": "", "value": value, "unit": "人", "value_raw": value_raw,
            "unit_raw": unit_raw, "source_line": line, "source_text": f"{region} {value_raw}{unit_raw}", "basis": ""}


def _inputs(tree, records):
    codebook = {"basic_pension_participants": {"unit": "人", "kind": "stock", "additive": True}}
    return CheckInputs(prepare(observations_frame(records)), codebook, tree[0], tree[1])


DISTRICT_RULE = Rule("district_within_city", "level_nesting", "error", {
    "child_level": "district", "parent_level": "city", "climb_to": ["province"],
    "indicators": "additive_stocks"}, path="rules.yaml", line=1)


def test_a_county_climbs_to_its_province_when_its_city_has_no_figure(tree):
    records = [
        _obs("jinyun_2023", "缙云县", "district", "2023", 301200.0, "30.12"),
        _obs("lishui_2021", "丽水市", "city", "2021", 2105000.0, "210.5"),  # another year: not comparable
        _obs("zhejiang_2023_bulletin", "浙江省", "province", "2023", 46064600.0, "4606.46", line=23),
    ]
    frame = build_level_nesting(DISTRICT_RULE, _inputs(tree, records)).frame
    assert len(frame) == 1
    row = frame.iloc[0]
    assert (row["regions"], row["periods"]) == ("缙云县 / 浙江省", "2023")
    assert row["level_pair"] == "district→province (skipped city 丽水市)"
    assert row["computed"] == pytest.approx(100 * 30.12 / 4606.46) and row["assessment"] == "within its parent"
    assert row["headroom"] == pytest.approx(46064600 - 301200 + 50 + 50)  # parent − child + both half-units
    assert "丽水市 has no comparable figure" in row["message"] and "band" not in row["message"]
    assert row["sources"] == "jinyun_2023:1; zhejiang_2023_bulletin:23"


def test_a_county_stays_with_its_city_when_the_city_has_the_figure(tree):
    records = [
        _obs("jinyun_2023", "缙云县", "district", "2023", 301200.0, "30.12"),
        _obs("lishui_2023", "丽水市", "city", "2023", 2105000.0, "210.5"),
        _obs("zhejiang_2023_bulletin", "浙江省", "province", "2023", 46064600.0, "4606.46", line=23),
    ]
    row = build_level_nesting(DISTRICT_RULE, _inputs(tree, records)).frame.iloc[0]
    assert (row["regions"], row["level_pair"]) == ("缙云县 / 丽水市", "district→city")


def test_nesting_never_pairs_a_different_year_when_the_same_year_exists(tree):
    """The issue's case: 浙江省 2020 was compared with 全国 2021 although each side had its own year."""
    records = [
        _obs("zhejiang_14fyp", "浙江省", "province", "2020", 43550000.0, "4355"),
        _obs("zhejiang_2023_bulletin", "浙江省", "province", "2021", 44500000.0, "4450"),
        _obs("national_2021_bulletin", "全国", "national", "2021", 1.0291e9, "102871", "万人"),
    ]
    rule = Rule("province_within_nation", "level_nesting", "error", {
        "child_level": "province", "parent_level": "national", "max_period_gap_months": 12})
    frame = build_level_nesting(rule, _inputs(tree, records)).frame
    assert list(frame["periods"]) == ["2021"]


# A county bulletin added the README's way, with no region entry and no region code. Its text
# is written for this test in the bulletin's own phrasing (its figure is illustrative, not
# published); the province's figure is the real Zhejiang bulletin's.
JINYUN = ("2023年缙云县人力资源和社会保障事业发展统计公报\n\n二、社会保险\n\n（一）养老保险\n\n"
          "年末全县参加基本养老保险人数为 30.12 万人，比上年末增加 0.52 万人。\n")


def test_a_county_document_is_compared_with_its_province_by_checks_and_page_alike(project_paths):
    (project_paths.raw / "jinyun_2023.txt").write_text(JINYUN, encoding="utf-8")
    entry = f"""  - doc_id: jinyun_2023
    file: data/raw/jinyun_2023.txt
    title: {{zh: 2023年缙云县人力资源和社会保障事业发展统计公报, en: Jinyun HRSS bulletin 2023}}
    issuer: 缙云县人力资源和社会保障局
    level: district
    region: 缙云县
    doc_type: statistical_bulletin
    reference_period: "2023"
    script: hans
    layout: zhejiang_2023_bulletin
    sha256: {hashlib.sha256(JINYUN.encode()).hexdigest()}

regions:"""
    registry = project_paths.registry.read_text(encoding="utf-8")
    project_paths.registry.write_text(registry.replace("\nregions:", "\n" + entry, 1), encoding="utf-8")
    run_extract(project_paths)
    _, inputs, rules = _load_inputs(project_paths, None)
    nesting = [d for d in build_all(rules.of_type("level_nesting"), inputs) if d.rule.id == "district_within_city"]
    frame = nesting[0].frame
    row = frame[frame["regions"].str.startswith("缙云县")].iloc[0]
    assert (row["regions"], row["periods"]) == ("缙云县 / 浙江省", "2023")
    assert row["level_pair"] == "district→province (skipped city 丽水市)"
    assert row["computed"] == pytest.approx(100 * 30.12 / 4606.46)
    assert row["sources"] == "jinyun_2023:7; zhejiang_2023_bulletin:23"

    data = report.load_report_data(project_paths.root)
    assert "缙云县" in report.valid_regions(data)
    share = report.parent_shares(data, "缙云县").iloc[0]
    assert (share["上级 parent"], share["跳过 skipped"], share["时期 period"]) == ("浙江省", "丽水市", "2023")
    assert share["比重/差 share or gap"] == f"{row['computed']:.2f}%" == "0.65%"


# --- the column-wise nesting against the pairing rule, case by case -------------------------------

def _reference_pairs(inputs, indicators, child_level, parent_levels, gap):
    """What checks/pairing.py says, one child at a time: {(child region, period, indicator):
    (parent region, parent period, skipped ancestors, parent value)}."""
    from renshe.checks.pairing import near_periods_allowed
    from renshe.ingest.regions import ancestors

    obs = inputs.observations
    obs = obs[obs["indicator_id"].isin(indicators) & (obs["measure"] == "actual")]
    expected = {}
    children = obs[obs["level"] == child_level]
    for (region, indicator), rows in children.groupby(["region", "indicator_id"], sort=False):
        chain = [a for a in ancestors(region, inputs.region_parent) if inputs.region_level.get(a) in parent_levels]
        parents = {a: obs[(obs["region"] == a) & (obs["indicator_id"] == indicator)] for a in chain}
        pairs = pair_with_ancestors(rows["period"], [(a, list(parents[a]["period"])) for a in chain], gap,
                                    near_periods_allowed(inputs.codebook.get(indicator)))
        for period, pair in pairs.items():
            candidates = parents[pair.parent]
            candidates = candidates[candidates["period"] == pair.parent_period]
            best = candidates.sort_values(["half_unit", "order"], kind="stable").iloc[0]
            expected[(region, period, indicator)] = (pair.parent, pair.parent_period, pair.skipped, best["value"])
    return expected


@pytest.mark.parametrize("seed", range(12))
def test_nesting_pairs_follow_the_pairing_rule(tree, seed):
    """Random reports over one chain of the real tree (a county, its city, its province, the
    nation), stocks and flows, years, months, quarters and plan periods, several reports of one
    figure at different precisions: the column-wise pairs are the rule's, pair for pair."""
    import random

    from renshe.checks.crosschecks.nesting import nesting_pairs

    rng = random.Random(seed)
    regions = [("缙云县", "district"), ("青田县", "district"), ("丽水市", "city"), ("浙江省", "province"),
               ("全国", "national")]
    periods = ["2021", "2022", "2023", "2023-03", "2023-06", "2023-Q1", "2022-12", "2024-03", "2021-2025"]
    records = []
    for line in range(1, 60):
        region, level = rng.choice(regions)
        value_raw = f"{rng.randint(1, 9999)}.{rng.randint(0, 99)}" if rng.random() < 0.5 else str(rng.randint(1, 9999))
        record = _obs(f"doc{rng.randint(1, 4)}", region, level, rng.choice(periods), float(value_raw) * 1e4,
                      value_raw, line=line)
        if rng.random() < 0.3:
            record["indicator_id"] = "new_jobs"  # a flow: never paired with a near period
        records.append(record)
    codebook = {"basic_pension_participants": {"unit": "人", "kind": "stock", "additive": True},
                "new_jobs": {"unit": "人", "kind": "flow", "additive": True}}
    inputs = CheckInputs(prepare(observations_frame(records)), codebook, tree[0], tree[1])
    levels, gap = ["city", "province"], rng.choice([6, 9, 12])
    indicators = {"basic_pension_participants", "new_jobs"}
    pairs = nesting_pairs(inputs, indicators, ["actual"], "district", levels, gap)
    got = {}
    for row in pairs.itertuples(index=False):
        skipped = tuple(a for a in ["丽水市", "浙江省"][:row.rank])
        got[(row.region, row.period, row.indicator_id)] = (row.parent_region, row.parent_period, skipped,
                                                           row.parent_value)
    assert got == _reference_pairs(inputs, indicators, "district", levels, gap)
    assert len(pairs) == len(got)  # one pair per child report
