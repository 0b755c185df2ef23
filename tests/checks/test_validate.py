"""Validation on the five real documents, in a throw-away project copy: every rule type has
real instances with pinned results; a corrupted figure fails the right check; bad rules
files are refused naming the rule. Great Expectations runs once per project copy."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conftest import REPO_ROOT, copy_project, edit_raw_line, folder_state
from renshe.checks.validate import flagged, load_checks, run_validation
from renshe.cli import main
from renshe.ingest.codebook import load_codebook
from renshe.errors import RensheError
from renshe.ingest.extract import run_extract
from renshe.paths import ProjectPaths
from renshe.checks.rules import load_rules


def _validated_copy(root: Path):
    paths = ProjectPaths.at(root)
    run_extract(paths)
    return paths, run_validation(paths)


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("checks") / "project")
    paths, results = _validated_copy(root)
    return paths, results


@pytest.fixture(scope="module")
def checks(validated):
    return validated[1].checks


def _one(frame, **filters):
    for column, value in filters.items():
        frame = frame[frame[column] == value]
    assert len(frame) == 1, f"expected one check for {filters}, found {len(frame)}"
    return frame.iloc[0]


# --- every rule type on the real documents ------------------------------------------------

def test_every_rule_type_has_real_instances(checks):
    instances = checks[checks["computed_kind"] != "no_instance"]
    counts = instances["rule_type"].value_counts()
    for rule_type in ("schema", "sum_of_parts", "level_nesting", "consistency", "stated_ratio", "targets"):
        assert counts.get(rule_type, 0) >= 1, rule_type
    assert set(checks["status"]) <= {"pass", "fail", "warn"}
    assert (checks["sources"] != "").sum() >= 100  # every cross-check names its source lines


def test_shaoxing_districts_add_up_in_every_additive_column(checks):
    sums = checks[checks["rule_id"] == "shaoxing_districts_sum"]
    # 17 columns; the two rates (平台覆盖率, 帮扶率) do not add up; 东西部劳务协作 is text
    assert len(sums) == 15
    assert (sums["status"] == "pass").all()
    jobs = sums[sums["message"].str.startswith("城镇新增就业人数省标")].iloc[0]
    assert (jobs["value_a"], jobs["value_b"], jobs["gap"]) == (95000.0, 95000.0, 0.0)
    assert jobs["tolerance"] == 3.5  # six parts and the total, each ±0.5 as printed
    assert jobs["regions"].startswith("越城区+") and jobs["regions"].endswith("→绍兴市")
    assert "shaoxing_2023_action_plan:155" in jobs["sources"] and "shaoxing_2023_action_plan:161" in jobs["sources"]
    loans = sums[sums["message"].str.startswith("发放创业担保贷款金额")].iloc[0]
    assert loans["value_a"] == 1e8 and loans["tolerance"] == 35000.0  # 万元: ±0.5万元 × 7


def test_three_funds_and_pension_parts_add_up(checks):
    parts = checks[checks["rule_id"] == "codebook_parts"]
    revenue = _one(parts, indicator_id="three_funds_revenue")
    assert revenue["status"] == "pass"
    assert revenue["value_a"] == pytest.approx(4554.62e8) and revenue["value_b"] == pytest.approx(4554.62e8)
    assert revenue["tolerance"] == pytest.approx(4 * 0.005e8)  # four figures printed to 0.01 亿
    assert {"zhejiang_2023_bulletin:19", "zhejiang_2023_bulletin:23"} <= set(revenue["sources"].split("; "))
    pension = parts[(parts["indicator_id"] == "basic_pension_participants")]
    assert set(pension["status"]) == {"pass"} and len(pension) == 2  # the stock and its change
    change = pension[pension["message"].str.contains("(change)", regex=False)].iloc[0]
    assert change["value_a"] == pytest.approx(863900)  # 86.39 万 = 100.83 万 - 14.44 万


def test_quzhou_share_of_zhejiang_is_published(checks):
    nesting = checks[checks["rule_id"] == "city_within_province"]
    pension = _one(nesting, indicator_id="basic_pension_participants", periods="2020")
    assert (pension["status"], pension["assessment"]) == ("pass", "within its parent")
    assert pension["regions"] == "衢州市 / 浙江省"
    assert pension["computed"] == pytest.approx(100 * 202 / 4355) and round(pension["computed"], 1) == 4.6
    assert pension["level_pair"] == "city→province"
    assert pension["sources"] == "quzhou_14fyp:82; zhejiang_14fyp:65"
    share = _one(checks[checks["rule_id"] == "city_share_of_province"], indicator_id="basic_pension_participants",
                 periods="2020")
    # one city of Zhejiang and no population figures: the share is reported, not judged
    assert (share["status"], share["assessment"]) == ("pass", "no expected range")
    nation = checks[checks["rule_id"] == "province_share_of_nation"]
    insured = _one(nation, indicator_id="basic_pension_participants")
    assert insured["periods"] == "2023 / 2023-03"  # the rule allows a near month-end of the same year
    assert insured["computed"] == pytest.approx(100 * 4606.46e4 / 10.52e8)


def test_nesting_pairs_on_the_real_documents(checks):
    """One pairing rule (checks/pairing.py): the same period only for the hard rule (a part above
    its whole); a stock's near month-end of the same year only where a share rule allows it;
    never another year. The pairs of the five documents, pinned."""
    nesting = checks[checks["rule_type"] == "level_nesting"]
    pairs = {(row.rule_id, row.regions, row.periods) for row in nesting.itertuples() if row.regions}
    districts = ("越城区", "柯桥区", "上虞区", "诸暨市", "嵊州市", "新昌县")
    assert pairs == {
        ("city_within_province", "衢州市 / 浙江省", "2015"), ("city_within_province", "衢州市 / 浙江省", "2020"),
        *{("district_within_city", f"{district} / 绍兴市", "2023") for district in districts},
    }
    counts = nesting["rule_id"].value_counts()
    assert (counts["city_within_province"], counts["district_within_city"]) == (16, 6)
    # Zhejiang's year-end 2023 and the nation's March 2023 are not the same period: no hard check
    assert _one(nesting, rule_id="province_within_nation")["computed_kind"] == "no_instance"
    zhuji = _one(nesting, rule_id="district_within_city", regions="诸暨市 / 绍兴市")
    assert zhuji["indicator_id"] == "public_welfare_posts_placements" and zhuji["level_pair"] == "district→city"
    assert (zhuji["value_a"], zhuji["value_b"]) == (290.0, 750.0) and zhuji["status"] == "pass"
    assert zhuji["sources"] == "shaoxing_2023_action_plan:158; shaoxing_2023_action_plan:161"
    assert (nesting[nesting["regions"] != ""]["status"] == "pass").all()
    shares = checks[checks["rule_id"] == "district_share_of_city"]
    zhuji_share = _one(shares, regions="诸暨市 / 绍兴市")  # 38.67%, against its five siblings' 10.67%-13.33%
    assert (zhuji_share["status"], zhuji_share["assessment"]) == ("pass", "within expected range")
    assert "expected 3.56%-40.00%: the 5 other regions' shares of 绍兴市 (10.67%-13.33%) ÷/× 3" in zhuji_share["message"]


def test_same_figure_reported_twice_agrees_within_rounding(checks):
    twice = checks[checks["rule_id"] == "same_figure_twice"]
    skilled = _one(twice, indicator_id="highly_skilled_talent", regions="衢州市", periods="2020")
    assert skilled["status"] == "pass"  # 11.64 (表1 completion) vs 11.6 (表2 base)
    assert skilled["gap"] == pytest.approx(-400) and skilled["tolerance"] == pytest.approx(500)
    base = _one(twice, indicator_id="basic_pension_participants", regions="浙江省", periods="2020")
    assert base["status"] == "pass" and base["sources"] == "zhejiang_14fyp:65; zhejiang_14fyp:170"


def test_stated_ratios_match_their_parts(checks):
    share = _one(checks, rule_id="bulletin_highly_skilled_share")
    assert share["status"] == "pass" and share["value_a"] == 33.7
    assert share["computed"] == pytest.approx(100 * 426.5 / 1266)
    cards = _one(checks, rule_id="national_card_coverage")
    assert cards["status"] == "pass" and cards["computed_kind"] == "implied_base"
    assert cards["value_a"] == pytest.approx(7.64e8 / 0.541) and cards["value_b"] == pytest.approx(13.7e8 / 0.97)


def test_document_internal_disagreements_are_warnings(checks):
    """Inside one document: Quzhou's plan states 高技能人才占技能劳动者比例 31%左右 while its own
    table's 2025 targets (14万 of 40万) make 35%; Zhejiang's plan says 每年新增高技能人才20万人以上
    while its table takes them from 321.8万 to 400万, 78.2万 in five years, not 100万."""
    share = _one(checks, rule_id="stated_shares_vs_own_figures", regions="衢州市")
    assert (share["status"], share["severity"], share["assessment"]) == ("warn", "warning", "disagrees")
    assert (share["value_a"], share["value_b"], share["gap"]) == (31.0, 35.0, 4.0)
    assert share["tolerance"] == pytest.approx(0.5 + 100 * (5000 / 400000 + 140000 * 5000 / 400000 ** 2))
    assert share["sources"] == "quzhou_14fyp:135; quzhou_14fyp:168; quzhou_14fyp:167"
    assert share["indicator_id"] == "highly_skilled_share_of_skilled" and share["periods"] == "2025"
    bulletin = _one(checks, rule_id="stated_shares_vs_own_figures", regions="浙江省")
    assert bulletin["status"] == "pass" and bulletin["computed"] == pytest.approx(100 * 426.5 / 1266)

    per_year = checks[checks["rule_id"] == "per_year_targets_vs_table_change"]
    zhejiang = _one(per_year, regions="浙江省")
    assert (zhejiang["status"], zhejiang["assessment"]) == ("warn", "contradicts")
    assert (zhejiang["value_a"], zhejiang["value_b"]) == (pytest.approx(782000), 1000000.0)  # table change, 20万 × 5
    assert zhejiang["tolerance"] == pytest.approx(5000 + 500 + 5 * 5000)
    assert zhejiang["sources"] == "zhejiang_14fyp:320; zhejiang_14fyp:212; zhejiang_14fyp:213"
    quzhou = _one(per_year, regions="衢州市")  # 5000 a year × 5 = 2.5万 against 11.6万 -> 14万: within rounding of 14
    assert (quzhou["status"], quzhou["gap"], quzhou["tolerance"]) == ("pass", -1000.0, 5502.5)


def test_rules_waiting_for_documents_say_they_checked_nothing(checks):
    """No registered document states a growth rate beside its change, nor a national target for
    a year or period Zhejiang also targets: the rules stand for documents to come, and say so."""
    for rule_id in ("growth_rate_vs_change", "province_targets_within_nation"):
        note = _one(checks, rule_id=rule_id)
        assert (note["status"], note["computed_kind"]) == ("warn", "no_instance")
        assert "nothing was checked" in note["message"]


def test_targets_are_findings(checks):
    progress = checks[checks["rule_id"] == "target_progress"]
    missed = _one(progress, indicator_id="professional_technical_talent", regions="浙江省",
                  periods="2020 vs target 2020")
    assert (missed["status"], missed["severity"], missed["assessment"]) == ("warn", "warning", "behind")
    pension = _one(progress, indicator_id="basic_pension_participants", periods="2023 vs target 2025")
    assert pension["assessment"] == "achieved" and pension["status"] == "pass"
    pairs = checks[checks["rule_id"] == "cumulative_vs_per_year_targets"]
    postdoc = _one(pairs, indicator_id="postdoc_recruitment")
    assert postdoc["status"] == "pass" and postdoc["value_a"] == 5500 and postdoc["value_b"] == 5500
    training = _one(pairs, indicator_id="vocational_training", regions="衢州市")
    assert training["status"] == "warn" and "reads as a plan-period total" in training["message"]
    assert not (checks[checks["rule_type"] == "targets"]["severity"] == "error").any()


def test_outputs_gx_results_and_docs_without_cdn(validated):
    paths, results = validated
    assert (paths.clean / "checks.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    reread = load_checks(paths)
    assert len(reread) == len(results.checks) and results.failed_errors == int(
        ((reread["status"] == "fail") & (reread["severity"] == "error")).sum())
    assert (paths.clean / "gx_validation_results.json").is_file()
    pages = list((paths.clean / "data-docs").rglob("*.html"))
    assert any(p.name == "index.html" for p in pages) and len(pages) > 5
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert 'src="https://' not in html and 'href="https://cdn' not in html, page
    suites = list((paths.expectations / "gx" / "expectations").rglob("*.json"))
    assert {p.stem for p in suites} >= {"observations", "shaoxing_districts_sum", "city_within_province"}
    assert not flagged(results.checks, "error").empty or results.failed_errors == 0


def test_rerun_leaves_committed_suites_untouched(validated):
    paths, _ = validated
    gx_root = paths.expectations / "gx"
    committed = {k: v for k, v in folder_state(gx_root).items() if not k.startswith("uncommitted")}
    run_validation(paths)
    assert {k: v for k, v in folder_state(gx_root).items() if not k.startswith("uncommitted")} == committed


# --- a corrupted figure fails the right check --------------------------------------------

def _raw_hashes() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (REPO_ROOT / "data" / "raw").iterdir()}


def test_corrupted_district_value_fails_the_sum(project_copy):
    before = _raw_hashes()
    edit_raw_line(project_copy, "shaoxing_2023_action_plan", 155, "越城区\t22000", "越城区\t23000")
    paths, results = _validated_copy(project_copy)
    sums = results.checks[results.checks["rule_id"] == "shaoxing_districts_sum"]
    failed = sums[sums["status"] == "fail"]
    assert len(failed) == 1
    row = failed.iloc[0]
    assert row["indicator_id"] == "urban_new_jobs" and row["gap"] == 1000.0
    assert "越城区" in row["regions"] and row["regions"].endswith("→绍兴市")
    assert {"shaoxing_2023_action_plan:155", "shaoxing_2023_action_plan:161"} <= set(row["sources"].split("; "))
    assert "23000" in row["source_text"]
    assert main(["--root", str(project_copy), "validate", "--strict"]) == 1
    assert _raw_hashes() == before  # the real documents are untouched


def test_corrupted_fund_fails_the_three_fund_sum(project_copy):
    edit_raw_line(project_copy, "zhejiang_2023_bulletin", 23, "4319.20 亿元", "4319.80 亿元")
    _, results = _validated_copy(project_copy)
    parts = results.checks[results.checks["rule_id"] == "codebook_parts"]
    revenue = _one(parts, indicator_id="three_funds_revenue")
    assert revenue["status"] == "fail" and revenue["regions"] == "浙江省"
    assert revenue["gap"] == pytest.approx(0.6e8)
    assert {"zhejiang_2023_bulletin:19", "zhejiang_2023_bulletin:23"} <= set(revenue["sources"].split("; "))
    assert results.failed_errors >= 1
    assert _one(parts, indicator_id="three_funds_expenditure")["status"] == "pass"


# --- bad rules files ----------------------------------------------------------------------

GOOD_RULE = """rules:
  - id: ok
    type: consistency
"""


@pytest.fixture(scope="module")
def codebook_ids():
    return set(load_codebook(REPO_ROOT / "data" / "codebook.yaml").ids())


@pytest.mark.parametrize("rule, expected", [
    ("  - id: typo\n    type: sum_of_part\n", "rule 'typo': unknown rule type 'sum_of_part'"),
    ("  - id: ghost\n    type: level_nesting\n    child_level: city\n    parent_level: province\n"
     "    indicators: [pension_holders]\n", "rule 'ghost': unknown indicator id 'pension_holders'"),
    # a fixed band is not a rule about the data: shares are judged by share_of_parent's ranges from data
    ("  - id: band\n    type: level_nesting\n    child_level: city\n    parent_level: province\n"
     "    band: [1, 20]\n", "rule 'band': unknown key(s) band for type level_nesting"),
    ("  - id: scope\n    type: consistency\n    scope: everywhere\n", "rule 'scope': `scope` 'everywhere' is not one of"),
    ("  - id: years\n    type: cross_year\n    check: sideways\n", "rule 'years': `check` 'sideways' is not one of"),
    ("  - id: ratio\n    type: stated_ratio\n    numerator: {indicator: skilled_talent}\n"
     "    stated: {indicator: nonexistent_share}\n    denominator: {indicator: skilled_talent}\n",
     "rule 'ratio': unknown indicator id 'nonexistent_share'"),
    ("  - id: climb\n    type: level_nesting\n    child_level: district\n    parent_level: province\n"
     "    climb_to: [city]\n",
     "rule 'climb': climb_to: 'city' is not a level above parent_level 'province'"),
    ("  - id: upside_down\n    type: level_nesting\n    child_level: province\n    parent_level: city\n",
     "rule 'upside_down': parent_level 'city' is not above child_level 'province'"),
    ("  - id: months\n    type: share_of_parent\n    child_level: city\n    parent_level: province\n"
     "    max_period_gap_months: three\n", "rule 'months': max_period_gap_months 'three'"),
    ("  - id: shares\n    type: stated_ratio\n    shares: [{share: highly_skilled_share_of_skilled, "
     "numerator: highly_skilled_talent}]\n", "rule 'shares': malformed `shares` item"),
    ("  - id: shares_ghost\n    type: stated_ratio\n    shares: [{share: ghost_share, "
     "numerator: highly_skilled_talent, denominator: skilled_talent}]\n",
     "rule 'shares_ghost': unknown indicator id 'ghost_share'"),
    ("  - id: flows\n    type: targets\n    check: progress\n"
     "    flows: [{flow: new_highly_skilled_talent, stock: highly_skilled_talent}]\n",
     "rule 'flows': `flows` ({flow, stock} pairs) goes with check per_year_vs_change"),
    ("  - id: flowless\n    type: targets\n    check: per_year_vs_change\n",
     "rule 'flowless': `flows` ({flow, stock} pairs) goes with check per_year_vs_change"),
    ("  - id: growth\n    type: growth_rate\n    indicators: some\n",
     "rule 'growth': `indicators` must be 'all' or a list"),
])
def test_bad_rules_are_refused_naming_the_rule_and_line(tmp_path, codebook_ids, rule, expected):
    path = tmp_path / "rules.yaml"
    path.write_text(GOOD_RULE + rule, encoding="utf-8")
    with pytest.raises(RensheError) as caught:
        load_rules(path, indicator_ids=codebook_ids)
    assert expected in str(caught.value)
    assert f"{path}:4" in str(caught.value)  # the bad rule starts on line 4


def test_real_rules_file_loads(codebook_ids):
    rules = load_rules(REPO_ROOT / "expectations" / "rules.yaml", indicator_ids=codebook_ids)
    assert {r.type for r in rules.rules} == {"sum_of_parts", "level_nesting", "share_of_parent", "consistency",
                                             "stated_ratio", "targets", "growth_rate", "cross_year"}
    assert "band" not in (REPO_ROOT / "expectations" / "rules.yaml").read_text(encoding="utf-8").split("\nrules:")[1]


def test_bad_rules_file_fails_validate_without_output(project_copy, capsys):
    paths = ProjectPaths.at(project_copy)
    run_extract(paths)
    bad = project_copy / "bad_rules.yaml"
    bad.write_text(GOOD_RULE + "  - id: typo\n    type: nesting\n", encoding="utf-8")
    assert main(["--root", str(project_copy), "validate", "--rules", str(bad)]) == 2
    assert "unknown rule type 'nesting'" in capsys.readouterr().err
    assert not (paths.clean / "checks.csv").exists()


@pytest.mark.slow
def test_validate_notebook_runs_with_papermill(validated, tmp_path):
    """notebooks/02_validate.ipynb reads the copy's checks.csv and quotes the flagged checks' lines."""
    import papermill

    paths, _ = validated
    executed = tmp_path / "02_validate.out.ipynb"
    papermill.execute_notebook(
        str(paths.notebooks / "02_validate.ipynb"), str(executed), kernel_name="renshe",
        parameters={"severity_threshold": "warning"}, cwd=str(paths.notebooks), progress_bar=False)
    text = executed.read_text(encoding="utf-8")
    # the checks said in words (issue 24): no rule id on the page
    assert "target_progress" not in text and "#" + "1\"" not in text
    # a warning's source line, quoted after its document's title and line (no doc_id:line)
    assert "《衢州市人社事业发展“十四五”规划》第155行：3.职业技能培训人次" in text and "[quzhou_14fyp:155]" not in text
