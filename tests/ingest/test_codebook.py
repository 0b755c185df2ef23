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


def test_unmapped_lists_phrases_with_their_first_line(codebook):
    frame = observations_frame([_observation("累计访问量", "人次", 1.0, 16), _observation("累计访问量", "人次", 2.0, 7),
                                _observation("失业保险参保人数", "人", 3.0, 9)])
    assigned = codebook.assign(frame)
    assert list(assigned.indicator_id) == ["", "", "unemployment_insurance_participants"]
    unmapped = codebook.unmapped(assigned)
    assert list(unmapped.columns) == UNMAPPED_COLUMNS
    assert unmapped.to_dict("records") == [{"doc_id": "d", "table_id": "text", "indicator_zh": "累计访问量", "unit": "人次",
                                            "count": 2, "first_source_line": 7, "source_text": "line 7"}]


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
]


@pytest.mark.parametrize("text, message, line", BAD_CASES)
def test_bad_codebooks_fail_naming_the_entry_and_line(tmp_path, text, message, line):
    path = _write(tmp_path, text)
    with pytest.raises(RensheError, match=message) as error:
        load_codebook(path)
    assert error.value.path == str(path) and error.value.line == line


def test_a_missing_codebook_maps_nothing(tmp_path):
    codebook = load_codebook(tmp_path / "absent.yaml")
    assert codebook.ids() == [] and codebook.match("城镇新增就业", "人") == ""
