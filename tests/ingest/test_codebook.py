"""The indicator codebook: loading checks, alias matching, and one id across levels."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from renshe.ingest.codebook import Codebook, load_codebook, normalize_phrase
from renshe.errors import RensheError
from renshe.ingest.extract import extract_all
from renshe.schema import OBSERVATION_COLUMNS, UNMAPPED_COLUMNS, observations_frame

REPO_ROOT = Path(__file__).resolve().parents[2]
CODEBOOK = REPO_ROOT / "data" / "codebook.yaml"

# The canonical ids other work (checks, notebooks) relies on.
CANONICAL = """urban_new_jobs surveyed_unemployment_rate registered_unemployment_rate basic_pension_participants
employee_pension_participants resident_pension_participants insured_employees pension_retirees
enterprise_pension_participants institution_pension_participants unemployment_insurance_participants
work_injury_insurance_participants pension_fund_revenue pension_fund_expenditure pension_fund_balance
unemployment_fund_revenue unemployment_fund_expenditure unemployment_fund_balance work_injury_fund_revenue
work_injury_fund_expenditure work_injury_fund_balance three_funds_revenue three_funds_expenditure
three_funds_balance pension_coverage_rate social_security_card_holders electronic_card_holders
electronic_card_coverage_rate talent_resources_total professional_technical_talent senior_title_talent
skilled_talent highly_skilled_talent new_skilled_talent new_highly_skilled_talent postdoc_recruitment
vocational_training dispute_mediation_success_rate arbitration_closure_rate labour_inspection_closure_rate
labour_contract_signing_rate minimum_wage entrepreneurship_loans entrepreneurship_supported
reemployment_of_unemployed hard_to_employ_placed youth_internship_participants internship_posts
gig_markets""".split()


@pytest.fixture(scope="module")
def codebook() -> Codebook:
    return load_codebook(CODEBOOK)


@pytest.fixture(scope="module")
def observations(real_documents, codebook) -> pd.DataFrame:
    """Every table and text observation of the five documents, ids assigned (nothing written)."""
    return extract_all(list(real_documents.values()), codebook).observations


def test_the_canonical_ids_are_defined(codebook):
    assert set(CANONICAL) <= set(codebook.ids())
    assert len(codebook.ids()) == len(set(codebook.ids()))


# The core indicators of national and provincial HRSS bulletins, statistical communiqués and
# five-year plans, with the unit each is measured in.
CORE = {
    "employed_persons": "人", "urban_employed_persons": "人", "migrant_workers": "人",
    "outgoing_migrant_workers": "人", "local_migrant_workers": "人", "registered_unemployed_persons": "人",
    "resident_population": "人", "urbanization_rate": "%", "per_capita_disposable_income": "元",
    "three_funds_revenue": "元", "three_funds_expenditure": "元", "three_funds_balance": "元",
    "pension_fund_revenue": "元", "employee_pension_fund_revenue": "元", "resident_pension_fund_balance": "元",
    "unemployment_fund_expenditure": "元", "work_injury_fund_balance": "元",
    "unemployment_benefit_average": "元/月", "unemployment_benefit_recipients_year_end": "人",
    "enterprise_annuity_firms": "家", "enterprise_annuity_participants": "人", "enterprise_annuity_fund_balance": "元",
    "working_age_schooling_years": "年", "pension_coverage_rate": "%", "medical_insurance_coverage_rate": "%",
    "maternity_insurance_participants": "人", "skilled_talent": "人", "highly_skilled_talent": "人",
    "social_security_card_holders": "人", "surveyed_unemployment_rate": "%", "rural_labour_transferred": "人",
}


def test_the_codebook_covers_the_core_indicators_of_the_field(codebook):
    assert {i: codebook.entry(i)["unit"] for i in CORE} == CORE
    assert codebook.parts("pension_fund_revenue") == ["employee_pension_fund_revenue", "resident_pension_fund_revenue"]
    assert codebook.parts("migrant_workers") == ["outgoing_migrant_workers", "local_migrant_workers"]
    assert codebook.parts("resident_population") == ["urban_resident_population", "rural_resident_population"]
    assert ("employed_persons", ["employed_persons_primary", "employed_persons_secondary",
                                 "employed_persons_tertiary"]) in codebook.relations()


def test_parts_are_additive_and_measured_like_their_total(codebook):
    for total, parts in codebook.relations():
        entry = codebook.entry(total)
        assert entry["additive"], total
        for part in parts:
            assert codebook.entry(part)["unit"] == entry["unit"] and codebook.is_additive(part), (total, part)


def test_headline_indicators_are_found_at_every_level(observations):
    """One id for the same indicator in the bulletin, the briefing and both plans."""
    docs = {i: set(group.doc_id) for i, group in observations.groupby("indicator_id")}
    all_four = {"zhejiang_2023_bulletin", "national_2023q1_briefing", "zhejiang_14fyp", "quzhou_14fyp"}
    for indicator in ("unemployment_insurance_participants", "work_injury_insurance_participants",
                      "basic_pension_participants", "social_security_card_holders"):
        assert docs[indicator] == all_four, indicator
    assert docs["urban_new_jobs"] == all_four | {"shaoxing_2023_action_plan"}
    assert docs["surveyed_unemployment_rate"] == all_four | {"shaoxing_2023_action_plan"}
    assert docs["vocational_training"] == {"zhejiang_2023_bulletin", "zhejiang_14fyp", "quzhou_14fyp"}
    assert docs["entrepreneurship_loans"] == {"zhejiang_2023_bulletin", "zhejiang_14fyp", "shaoxing_2023_action_plan"}
    assert docs["highly_skilled_talent"] == {"zhejiang_2023_bulletin", "zhejiang_14fyp", "quzhou_14fyp"}
    assert docs["three_funds_balance"] == {"zhejiang_2023_bulletin", "national_2023q1_briefing"}
    assert docs["electronic_card_holders"] == {"zhejiang_2023_bulletin", "national_2023q1_briefing"}


@pytest.mark.parametrize("doc_id, table_id, source_line, value, indicator", [
    ("zhejiang_2023_bulletin", "text", 33, 18859800, "unemployment_insurance_participants"),
    ("national_2023q1_briefing", "text", 7, 2.37e8, "unemployment_insurance_participants"),
    ("zhejiang_2023_bulletin", "text", 27, 25839900, "insured_employees"),
    ("zhejiang_2023_bulletin", "text", 47, 33.7, "highly_skilled_share_of_skilled"),
    ("zhejiang_2023_bulletin", "text", 47, 4265000, "highly_skilled_talent"),
    ("national_2023q1_briefing", "text", 7, 54.1, "electronic_card_coverage_rate"),
    ("quzhou_14fyp", "text", 135, 5000, "new_highly_skilled_talent"),
    ("zhejiang_14fyp", "text", 280, 2e9, "entrepreneurship_loans"),
    ("shaoxing_2023_action_plan", "districts", 161, 95000, "urban_new_jobs"),  # 城镇新增就业人数省标
    ("shaoxing_2023_action_plan", "districts", 161, 18, "gig_markets"),  # 零工市场/区县级
    ("quzhou_14fyp", "table1", 79, 252200, "urban_new_jobs"),  # 万人次, accepted with a note
    ("zhejiang_14fyp", "zhuanlan2", 253, 60650000, "social_security_card_holders"),  # 万张
])
def test_named_observations_get_their_id(observations, doc_id, table_id, source_line, value, indicator):
    rows = observations[(observations.doc_id == doc_id) & (observations.table_id == table_id)
                        & (observations.source_line == source_line)
                        & ((observations.value - value).abs() < 1e-6 * max(1, abs(value)))]
    assert set(rows.indicator_id) == {indicator}


def test_every_table_observation_is_mapped_and_the_text_mostly(observations):
    tables = observations[observations.table_id != "text"]
    assert (tables.indicator_id != "").all()
    text = observations[observations.table_id == "text"]
    mapped = text.groupby("doc_id")["indicator_id"].agg(lambda ids: int((ids != "").sum()))
    assert mapped.to_dict() == {"national_2023q1_briefing": 18, "quzhou_14fyp": 19, "shaoxing_2023_action_plan": 17,
                                "zhejiang_14fyp": 20, "zhejiang_2023_bulletin": 87}


def test_parts_add_up_in_the_bulletin(observations, codebook):
    """Each sum relation of the codebook holds on the bulletin's figures (actual and change)."""
    bulletin = observations[observations.doc_id == "zhejiang_2023_bulletin"]
    checked = 0
    for total, parts in codebook.relations():
        for measure in ("actual", "change"):
            values = bulletin[bulletin.measure == measure].groupby("indicator_id")["value"].first()
            if total in values and all(p in values for p in parts):
                assert sum(values[p] for p in parts) == pytest.approx(values[total], abs=1), (total, measure)
                checked += 1
    assert checked == 9  # three funds x3; basic pension, and both decompositions of employee pension, x2


def test_matching_rules(codebook):
    assert codebook.match("基本养老保险参保人数", "人") == "basic_pension_participants"  # exact
    assert codebook.match("全行业共有人力资源服务机构从业人员", "人") == "hr_service_employees"  # longest contained
    assert codebook.match("城乡居民基本养老保险参保人数", "人") == "resident_pension_participants"
    assert codebook.match("專業技術人才總量（含在管理崗位的專技人才）", "人") == "professional_technical_talent"
    assert codebook.match("技工院校", "家") == ""  # the name fits, the unit does not: not equated
    assert codebook.match("技工院校", "所") == "technical_schools"
    assert codebook.match("城镇新增就业", "人次") == "urban_new_jobs"  # other_units, with a note
    assert codebook.match("参加失业保险人数", "%", "change_pct") == "unemployment_insurance_participants"
    assert codebook.match("不在码本里的说法", "人") == ""
    assert normalize_phrase("其中：零工市场/区县级") == "零工市场区县级"


def _observation(indicator_zh: str, unit: str, value: float, line: int) -> dict:
    row = {column: "" for column in OBSERVATION_COLUMNS}
    row.update(doc_id="d", table_id="text", indicator_zh=indicator_zh, unit=unit, measure="actual",
               value=value, source_line=line, source_text=f"line {line}", period="2023")
    return row


def test_unmapped_lists_phrases_with_their_first_line_why_and_suggestions(codebook):
    frame = observations_frame([_observation("累计访问量", "人次", 1.0, 16), _observation("累计访问量", "人次", 2.0, 7),
                                _observation("失业保险参保人数", "人", 3.0, 9), _observation("参保率", "%", 91.0, 7)])
    assigned = codebook.assign(frame)
    assert list(assigned.indicator_id) == ["", "", "unemployment_insurance_participants", ""]
    unmapped = codebook.unmapped(assigned)
    assert list(unmapped.columns) == UNMAPPED_COLUMNS
    records = unmapped.set_index("indicator_zh").to_dict("index")
    assert records["累计访问量"] == {"doc_id": "d", "table_id": "text", "unit": "人次", "count": 2,
                                     "first_source_line": 7, "source_text": "line 7",
                                     "why": "no alias comes close", "suggestions": ""}
    # 参保率 is part of two coverage rates: both are suggested, with the same score, neither given
    rate = records["参保率"]
    assert rate["why"].startswith("best is ") and rate["why"].endswith("below 0.70")
    assert rate["suggestions"].count("0.48: the phrase is part of alias") == 2
    assert "pension_coverage_rate" in rate["suggestions"] and "medical_insurance_coverage_rate" in rate["suggestions"]


# --- matching by meaning --------------------------------------------------------------------------

@pytest.mark.parametrize("phrase, unit, measure, region, indicator", [
    # the phrasings the codebook missed (issue 12): none of them is an alias
    ("帮扶困难人员就业", "人", "actual", "全国", "hard_to_employ_placed"),
    ("就业困难人员就业", "人", "actual", "全国", "hard_to_employ_placed"),
    ("失业人员实现再就业", "人", "actual", "全国", "reemployment_of_unemployed"),
    ("三项社会保险基金收入合计", "元", "actual", "全国", "three_funds_revenue"),
    ("三项社会保险基金支出合计", "元", "actual", "全国", "three_funds_expenditure"),
    ("基本养老保险基金累计结存", "元", "actual", "全国", "pension_fund_balance"),
    ("失业保险金月人均水平", "元/月", "actual", "全国", "unemployment_benefit_average"),
    ("社会保障卡持卡人数覆盖人口比例", "%", "actual", "全国", "social_security_card_coverage_rate"),
    ("技能劳动者总量", "人", "actual", "全国", "skilled_talent"),
    # region words and the document's own place name, script, numbering
    ("全省城镇新增就业", "人", "actual", "浙江省", "urban_new_jobs"),
    ("衢州市城镇新增就业", "人", "actual", "衢州市", "urban_new_jobs"),
    ("3.參加工傷保險人數（萬人）", "人", "actual", "", "work_injury_insurance_participants"),
    # a head the unit names, a share stated with 占, a table of schemes in persons
    ("享受工伤保险待遇", "人", "actual", "全国", "work_injury_beneficiaries"),
    ("第一产业就业人员占", "%", "actual", "全国", "employed_share_primary"),
    ("失业保险", "人", "actual", "长兴县", "unemployment_insurance_participants"),
    ("企业职工基本养老保险", "%", "change_pct", "长兴县", "enterprise_pension_participants"),
    # the new entries of the field's core indicators, by their usual names
    ("城镇职工基本养老保险基金支出", "元", "actual", "全国", "employee_pension_fund_expenditure"),
    ("农民工总量", "人", "actual", "全国", "migrant_workers"),
    ("外出农民工", "%", "change_pct", "全国", "outgoing_migrant_workers"),
    ("年末常住人口", "人", "actual", "浙江省", "resident_population"),
    ("建立企业年金的企业", "户", "actual", "全国", "enterprise_annuity_firms"),  # other_units: 万户
    ("劳动年龄人口平均受教育年限", "年", "target", "浙江省", "working_age_schooling_years"),
    ("全年认定（视同）工伤", "人", "actual", "全国", "work_injury_recognised"),
    ("全年共处理劳动人事争议案件", "件", "actual", "全国", "labour_disputes_handled"),
])
def test_phrases_are_matched_by_meaning(codebook, phrase, unit, measure, region, indicator):
    assert codebook.match(phrase, unit, measure, region) == indicator


def test_a_match_says_why(codebook):
    found = codebook.match_detail("帮扶困难人员就业", "人")
    assert (found.indicator_id, found.score) == ("hard_to_employ_placed", 0.95)
    assert found.reason == "alias 帮扶困难人员实现就业 after reading 人员 as 人, removing 实现; unit 人 matches"
    assert codebook.match_detail("衢州市城镇新增就业", "人", "actual", "衢州市").reason == (
        "alias 城镇新增就业 after removing the region 衢州市; unit 人 matches")


@pytest.mark.parametrize("phrase, unit, measure, indicator", [
    ("城镇登记失业率", "百分点", "change", "registered_unemployment_rate"),  # a rate changes in points
    ("参加失业保险人数", "%", "change_pct", "unemployment_insurance_participants"),  # growth of a count
    ("城镇新增就业", "人", "change", "urban_new_jobs"),
    ("参加失业保险人数", "百分点", "change", ""),  # a count does not change in points
    ("城镇登记失业率", "人", "actual", ""),
    ("技工院校", "家", "actual", ""),  # the name fits, the unit does not
])
def test_the_unit_is_a_constraint(codebook, phrase, unit, measure, indicator):
    assert codebook.match(phrase, unit, measure) == indicator


@pytest.mark.parametrize("phrase, unit, why, listed", [
    # two indicators equally: neither is given, both are listed
    ("参保率", "%", "below 0.70", {"pension_coverage_rate", "medical_insurance_coverage_rate"}),
    ("招收博士后总量", "人", "matches postdoc_recruitment, postdoc_total_recruited equally",
     {"postdoc_recruitment", "postdoc_total_recruited"}),
    ("失业保险和工伤保险参保人数", "人", "below 0.70",
     {"work_injury_insurance_participants", "unemployment_insurance_participants"}),
    # a sub-type word before the name, a short name inside a longer phrase, a name that only modifies
    ("县内农民工", "人", "below 0.70", {"migrant_workers"}),
    ("高校毕业生就业人数", "人", "below 0.70", {"employed_persons"}),
    # the words name a count of persons, the figure is money
    ("领取失业保险金人员代缴基本医疗保险费", "元", "does not fit (it measures in 人)",
     {"unemployment_benefit_recipients_year_end"}),
])
def test_no_silent_guess(codebook, phrase, unit, why, listed):
    found = codebook.match_detail(phrase, unit)
    assert found.indicator_id == "" and found.reason.endswith(why)
    assert listed <= {candidate.indicator_id for candidate in found.candidates}


def test_no_silent_guess_of_what_a_growth_rate_or_a_joint_figure_counts(codebook):
    # a growth rate's % fits any indicator: the name must end the phrase
    found = codebook.match_detail("领取失业保险金人员代缴基本医疗保险费", "%", "change_pct")
    assert found.indicator_id == "" and "the phrase goes on (代缴基本医疗保险费)" in found.candidates[0].reason
    assert codebook.match("领取失业保险金人数", "%", "change_pct") == "unemployment_benefit_recipients_year_end"
    # one figure for two things joined by 和/及
    found = codebook.match_detail("创业担保贷款和创业补贴", "元")
    assert found.indicator_id == "" and "joins it with 和创业补贴" in found.candidates[0].reason


def test_a_running_total_is_not_the_years_flow(codebook):
    assert codebook.match("累计共有取得各类专业技术人员资格证书", "人") == "professional_qualification_holders_total"
    assert codebook.match("取得各类专业技术人员资格证书", "人") == "new_professional_qualification_holders"


def test_why_a_weak_candidate_is_weak(codebook):
    reasons = {c.indicator_id: c.reason for c in codebook.match_detail("县内农民工", "人").candidates}
    assert "but 县内 before it names a part of it" in reasons["migrant_workers"]
    reasons = {c.indicator_id: c.reason for c in codebook.match_detail("失业保险和工伤保险参保人数", "人").candidates}
    assert "joins it with unemployment_insurance_participants" in reasons["work_injury_insurance_participants"]


def test_a_name_that_begins_a_longer_phrase_only_modifies_it(tmp_path):
    codebook = load_codebook(_write(tmp_path, GOOD.replace("aliases: [甲人数]", "aliases: [甲人数, 农村人口]")))
    found = codebook.match_detail("农村人口劳务转移输出", "人")
    assert found.indicator_id == ""
    assert "but it only begins the phrase (a modifier of 劳务转移输出?)" in found.candidates[0].reason
    assert codebook.match("年末农村人口", "人") == "alpha_participants"
    # what follows is said of it (a predicate the phrasing lists): the name is the subject
    with_predicates = load_codebook(_write(tmp_path, "phrasing:\n  predicates: [保持]\n" + GOOD.replace(
        "aliases: [甲人数]", "aliases: [甲人数, 农村人口]")))
    assert with_predicates.match("农村人口保持稳定在", "人") == "alpha_participants"
    assert codebook.match("农村人口保持稳定在", "人") == ""


def test_the_seed_phrases_found_inside_longer_subjects_keep_their_ids(codebook):
    """The subjects the text reader finds in the five documents, mapped by an alias inside them."""
    assert codebook.match("重点建设与浙江建设全球先进制造业基地相匹配的全国一流技师学院", "所", "target",
                          "浙江省") == "first_class_technician_colleges"
    assert codebook.match("提供免费用工体检企业", "家", "actual", "浙江省") == "labour_checkups"
    assert codebook.match("重点培育浙江工匠", "人", "target", "浙江省") == "zhejiang_craftsmen"
    assert codebook.match("高水平专业群建设加快推进", "个", "actual", "浙江省") == "high_level_specialty_clusters"


def test_helpers_for_checks_and_the_site(codebook):
    assert codebook.entry("basic_pension_participants")["parts"] == ["employee_pension_participants",
                                                                    "resident_pension_participants"]
    assert codebook.parts("three_funds_revenue") == ["pension_fund_revenue", "unemployment_fund_revenue",
                                                     "work_injury_fund_revenue"]
    assert ("employee_pension_participants", ["enterprise_pension_participants",
                                              "institution_pension_participants"]) in codebook.relations()
    assert codebook.is_additive("unemployment_insurance_participants")
    assert not codebook.is_additive("surveyed_unemployment_rate")
    assert "张" in codebook.entry("social_security_card_holders")["other_units"]
    frame = codebook.to_frame()
    assert len(frame) == len(codebook.ids()) and frame.id.is_unique
    row = frame.set_index("id").loc["urban_new_jobs"]
    assert row.unit == "人" and row.other_units.startswith("人次: Quzhou") and row.kind == "flow"
    with pytest.raises(RensheError, match="unknown indicator id"):
        codebook.entry("no_such_indicator")


# --- bad input --------------------------------------------------------------------------------

GOOD = """indicators:
  - id: alpha_participants
    name_zh: 甲参保人数
    name_en: Alpha
    aliases: [甲人数]
    unit: 人
    kind: stock
    additive: true
    parts: [beta_participants]
  - id: beta_participants
    name_zh: 乙参保人数
    name_en: Beta
    unit: 人
    kind: stock
    additive: true
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_small_codebook_loads(tmp_path):
    codebook = load_codebook(_write(tmp_path, GOOD))
    assert codebook.ids() == ["alpha_participants", "beta_participants"]
    assert codebook.match("甲人数", "人") == "alpha_participants"


BAD_CASES = [
    # an alias claimed by two entries
    (GOOD.replace("name_zh: 乙参保人数", "name_zh: 乙参保人数\n    aliases: [甲人数]"),
     r"codebook entry beta_participants: alias '甲人数' is already claimed by entry alpha_participants", 10),
    # the same alias once normalised (full-width, a bracketed note)
    (GOOD.replace("name_zh: 乙参保人数", "name_zh: 乙参保人数\n    aliases: [甲人数（注）]"),
     r"beta_participants: alias '甲人数（注）' is already claimed by entry alpha_participants", 10),
    (GOOD.replace("unit: 人\n    kind: stock\n    additive: true\n    parts", "unit: 人头\n    kind: stock\n"
                  "    additive: true\n    parts"), r"alpha_participants: unknown unit '人头'", 2),
    (GOOD.replace("aliases: [甲人数]", "aliases: [甲人数]\n    other_units: {万张: note}"),
     r"alpha_participants: unknown unit '万张'", 2),
    (GOOD.replace("kind: stock", "kind: level", 1), r"alpha_participants: unknown kind 'level'", 2),
    (GOOD.replace("parts: [beta_participants]", "parts: [gamma_participants]"),
     r"alpha_participants: relation names unknown id 'gamma_participants'", 2),
    (GOOD.replace("aliases: [甲人数]", "aliases: [甲人数]\n    equivalents: [delta]"),
     r"alpha_participants: relation names unknown id 'delta'", 2),
    (GOOD.replace("    name_en: Beta\n", ""), r"beta_participants: lacks name_en", 10),
    (GOOD.replace("    name_en: Beta\n", "    name_en: Beta\n    alias: [乙]\n"), r"beta_participants: unknown field\(s\) alias", 10),
    (GOOD.replace("id: beta_participants", "id: alpha_participants"), r"alpha_participants: duplicated id", 10),
    (GOOD.replace("additive: true\n    parts", "additive: yes please\n    parts"),
     r"alpha_participants: additive must be true or false", 2),
    ("indicators: {a: 1}\n", r"needs a list under `indicators:`", 1),
    ("phrasing: [参加]\n" + GOOD, r"`phrasing:` must be a mapping", 1),
    ("# comment\nphrasing:\n  drop: 参加\n" + GOOD, r"phrasing: drop must be a list of words", 2),
    ("phrasing:\n  same: [人员]\n" + GOOD, r"phrasing: same must map a word to a word", 1),
    ("phrasing:\n  threshold: 1.5\n" + GOOD, r"phrasing: threshold must be a number in \(0, 1\], not 1.5", 1),
    ("phrasing:\n  stop_words: [的]\n" + GOOD, r"phrasing: unknown field\(s\) stop_words", 1),
]


@pytest.mark.parametrize("text, message, line", BAD_CASES)
def test_bad_codebooks_fail_naming_the_entry_and_line(tmp_path, text, message, line):
    path = _write(tmp_path, text)
    with pytest.raises(RensheError, match=message) as error:
        load_codebook(path)
    assert error.value.path == str(path) and error.value.line == line


def test_phrasing_is_data_an_analyst_extends(tmp_path):
    """Without a `phrasing:` section only aliases match; each list widens what matches."""
    plain = load_codebook(_write(tmp_path, GOOD))
    assert plain.match("全省参加甲人员", "人") == ""
    extended = load_codebook(_write(tmp_path, "phrasing:\n  region_words: [全省]\n  drop: [参加]\n"
                                              "  same: {人员: 人数}\n" + GOOD))
    found = extended.match_detail("全省参加甲人员", "人")
    assert found.indicator_id == "alpha_participants"
    assert found.reason == "alias 甲人数 after removing 全省, removing 参加, reading 人员 as 人数; unit 人 matches"


def test_a_missing_codebook_maps_nothing(tmp_path):
    codebook = load_codebook(tmp_path / "absent.yaml")
    assert codebook.ids() == [] and codebook.match("城镇新增就业", "人") == ""
