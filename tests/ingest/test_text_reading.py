"""Periods, units, signs and sentence ends as real documents print them (issue 20): each rule on
sentences in the documents' own style, read by the project's data/text_sections.yaml and units.yaml."""
from __future__ import annotations

from pathlib import Path

import pytest

from renshe.ingest.documents import Document, DocumentEntry
from renshe.ingest.text import load_text_config, read_text
from renshe.ingest.text.anchor import anchor_year, publication_date

CONFIG = Path(__file__).resolve().parents[2] / "data" / "text_sections.yaml"


def _document(tmp_path, lines: list[str], doc_type: str, reference_period: str, published: str | None = None):
    raw = tmp_path / "one.txt"
    raw.write_text("\n".join(lines) + "\n", encoding="utf-8")
    entry = DocumentEntry("one", raw, "", "", "", "province", "某省", "110000", doc_type, published,
                          reference_period, "hans", "")
    return Document(entry, lines)


def _read(tmp_path, lines, doc_type="statistical_bulletin", reference_period="2022", published=None):
    document = _document(tmp_path, lines, doc_type, reference_period, published)
    return read_text(document, load_text_config(CONFIG))


def _rows(tmp_path, lines, **kwargs) -> list[tuple]:
    return [(r["indicator_zh"], r["value"], r["unit"], r["period"], r["measure"], r["qualifier"])
            for r in _read(tmp_path, lines, **kwargs).observations]


# --- 1. periods ------------------------------------------------------------------------------

@pytest.mark.parametrize("sentence, period", [
    ("上半年，全省城镇新增就业52.6万人。", "2023-H1"),
    ("1-6月，全省城镇新增就业52.6万人。", "2023-H1"),
    ("1至6月，全省城镇新增就业52.6万人。", "2023-H1"),
    ("1—6月，全省城镇新增就业52.6万人。", "2023-H1"),
    ("前三季度，全省城镇新增就业52.6万人。", "2023-01/09"),
    ("1-9月，全省城镇新增就业52.6万人。", "2023-01/09"),
    ("1-3月，全省城镇新增就业52.6万人。", "2023-Q1"),
    ("二季度，全省城镇新增就业52.6万人。", "2023-Q2"),
    ("下半年，全省城镇新增就业52.6万人。", "2023-H2"),
    ("2022年1-9月，全省城镇新增就业52.6万人。", "2022-01/09"),
])
def test_flows_over_halves_quarters_and_months(tmp_path, sentence, period):
    rows = _rows(tmp_path, [sentence], doc_type="press_briefing", reference_period="2023-H1", published="2023-07-20")
    assert rows == [("城镇新增就业", 526000, "人", period, "actual", "")]


@pytest.mark.parametrize("sentence", [
    "6月末，全省基本养老保险参保人数6683.2万人。",
    "6月底，全省基本养老保险参保人数6683.2万人。",
    "截至6月底，全省基本养老保险参保人数6683.2万人。",
    "二季度末，全省基本养老保险参保人数6683.2万人。",
    "上半年末，全省基本养老保险参保人数6683.2万人。",
])
def test_a_stock_at_the_end_of_a_quarter_or_a_half_is_the_month_form(tmp_path, sentence):
    rows = _rows(tmp_path, [sentence], doc_type="press_briefing", reference_period="2023-H1", published="2023-07-20")
    assert rows == [("基本养老保险参保人数", 66832000, "人", "2023-06", "actual", "")]


def test_last_year_in_a_news_report_is_the_year_before_it_was_published(tmp_path):
    """A report published in May 2013 of the 2012 bulletin: 去年 is 2012, 今年一季度 2013-Q1."""
    lines = ["人民日报北京5月27日电（记者 白天亮）到去年底，我国就业人员76704万人。",
             "去年全国城镇新增就业1266万人。今年一季度，全国城镇新增就业328万人。"]
    rows = _rows(tmp_path, lines, doc_type="news_report", reference_period="2012", published="2013-05-28")
    assert rows == [("我国就业人员", 767040000, "人", "2012", "actual", ""),
                    ("城镇新增就业", 12660000, "人", "2012", "actual", ""),
                    ("城镇新增就业", 3280000, "人", "2013-Q1", "actual", "")]


def test_the_publication_date_comes_from_a_printed_date_or_a_dateline(tmp_path):
    config = load_text_config(CONFIG)
    dateline = _document(tmp_path, ["新华社北京6月5日电(记者 姜琳)去年末全国就业人员77471万人。"], "news_report", "2019")
    assert str(publication_date(dateline, config)) == "2020-06-05" and anchor_year(dateline, config) == 2020
    printed = _document(tmp_path, ["2013年5月27日", "去年全国城镇新增就业1266万人。"], "news_report", "2012")
    assert str(publication_date(printed, config)) == "2013-05-27"
    half = _document(tmp_path, ["本报讯(记者 李明)7月20日，省人社厅通报上半年情况。"], "news_report", "2023-H1")
    assert str(publication_date(half, config)) == "2023-07-20"
    # a bulletin counts from the year it reports on, whatever its date
    bulletin = _document(tmp_path, ["2023年5月27日"], "statistical_bulletin", "2022", "2023-05-27")
    assert anchor_year(bulletin, config) == 2022
    rows = _rows(tmp_path, ["新华社北京6月5日电(记者 姜琳)去年末全国就业人员77471万人。"],
                 doc_type="news_report", reference_period="2019")
    assert rows == [("就业人员", 774710000, "人", "2019", "actual", "")]


def test_a_period_compared_with_is_not_the_figures_own(tmp_path):
    rows = _rows(tmp_path, ["与上年相比，全年城镇新增就业增加5万人，年末参保人数120万人。"])
    assert [(r[0], r[3], r[4]) for r in rows] == [("城镇新增就业", "2022", "change"), ("参保人数", "2022", "actual")]


def test_same_period_last_year_and_year_so_far(tmp_path):
    lines = ["今年以来，全省累计发放稳岗返还资金15.8亿元。去年同期，全省城镇新增就业106.8万人。"]
    rows = _rows(tmp_path, lines, doc_type="news_report", reference_period="2022-01/09", published="2022-10-26")
    assert [(r[0], r[3]) for r in rows] == [("累计发放稳岗返还资金", "2022-01/09"), ("城镇新增就业", "2021-01/09")]


# --- 2. units ----------------------------------------------------------------------------------

def test_units_of_official_statistics(tmp_path):
    lines = ["年末全市民用汽车拥有量15.73万辆，其中私人汽车14.26万辆。全年粮食总产量4.21万吨，房屋竣工面积365.8万平方米。"
             "年末移动电话用户312.5万户。全年发生道路交通事故312起。全年空气质量优良天数为329天。"
             "全年人口出生率为6.55‰，人口自然增长率为-2.26‰，比上年下降1.05个千分点。全年发放社会保障卡8.2万张。"]
    rows = _rows(tmp_path, lines, doc_type="statistical_communique")
    assert rows == [
        ("民用汽车拥有量", 157300, "辆", "2022", "actual", ""), ("私人汽车", 142600, "辆", "2022", "actual", ""),
        ("粮食总产量", 42100, "吨", "2022", "actual", ""), ("房屋竣工面积", 3658000, "平方米", "2022", "actual", ""),
        ("移动电话用户", 3125000, "户", "2022", "actual", ""), ("发生道路交通事故", 312, "起", "2022", "actual", ""),
        ("空气质量优良天数", 329, "天", "2022", "actual", ""), ("人口出生率", 6.55, "‰", "2022", "actual", ""),
        ("人口自然增长率", -2.26, "‰", "2022", "actual", ""), ("人口自然增长率", -1.05, "千分点", "2022", "change", ""),
        ("发放社会保障卡", 82000, "张", "2022", "actual", "")]


def test_persons_implied_by_the_noun_after_a_scale(tmp_path):
    rows = _rows(tmp_path, ["全国社会保障卡持卡人数达到13.7亿人，电子社保卡领用3.5亿持卡人。"])
    assert [(r[1], r[2]) for r in rows] == [(1.37e9, "人"), (3.5e8, "人")]


def test_a_figure_whose_unit_cannot_be_decided_is_set_aside(tmp_path):
    read = _read(tmp_path, ["全年天然气消费量12.3万立方米，城镇新增就业1.2万人。"])
    assert [(r["indicator_zh"], r["unit"]) for r in read.observations] == [("城镇新增就业", "人")]
    assert [(r["cell_text"], r["reason"][:8]) for r in read.set_aside] == [("12.3万", "no unit:")]


# --- 3. signs and measures ------------------------------------------------------------------------

@pytest.mark.parametrize("sentence, expected", [
    ("全年发生生产安全事故36起，死亡人数、受伤人数分别下降10.7%、33.3%。",
     [("发生生产安全事故", 36, "起", "2022", "actual", ""), ("死亡人数", -10.7, "%", "2022", "change_pct", ""),
      ("受伤人数", -33.3, "%", "2022", "change_pct", "")]),
    ("死亡人数、受伤人数分别比上年下降10.7%、33.3%。",
     [("死亡人数", -10.7, "%", "2022", "change_pct", ""), ("受伤人数", -33.3, "%", "2022", "change_pct", "")]),
    # 及 inside 涉及 joins nothing: two subjects, two figures
    ("查处欠薪案件数、涉及劳动者人数分别下降18.2%、23.5%。",
     [("查处欠薪案件数", -18.2, "%", "2022", "change_pct", ""), ("涉及劳动者人数", -23.5, "%", "2022", "change_pct", "")]),
    ("全年技能人才培训补贴支出下降4.3%。",
     [("技能人才培训补贴支出", -4.3, "%", "2022", "change_pct", "")]),
    ("全年人力资源服务业营业收入386.5亿元，增长率为27.7%。",
     [("人力资源服务业营业收入", 3.865e10, "元", "2022", "actual", ""),
      ("人力资源服务业营业收入", 27.7, "%", "2022", "change_pct", "")]),
    ("全年人力资源服务业营业收入增速为-3.2%。",
     [("人力资源服务业营业收入", -3.2, "%", "2022", "change_pct", "")]),
    ("年末城镇调查失业率为5.4%，比一季度末回落0.3个百分点。",
     [("城镇调查失业率", 5.4, "%", "2022", "actual", ""), ("城镇调查失业率", -0.3, "百分点", "2022", "change", "")]),
    # 控制在 after its subject reports the outcome; a target only with target words
    ("年末城镇登记失业率控制在2.97%。", [("城镇登记失业率", 2.97, "%", "2022", "actual", "<=")]),
    ("年末城镇登记失业率力争控制在4.5%以内。", [("城镇登记失业率", 4.5, "%", "2022", "target", "<=")]),
])
def test_sign_and_measure_from_the_words(tmp_path, sentence, expected):
    assert _rows(tmp_path, [sentence]) == expected


# --- 6. headlines, datelines, bylines and captions end a sentence -----------------------------------

def test_headlines_datelines_bylines_and_captions_end_a_sentence(tmp_path):
    lines = ["人社部:2019年末城镇登记失业率为3.62%", "",
             "新华社北京6月5日电(记者 姜琳)人力资源和社会保障部发布的公报显示，去年末全国就业人员77471万人。",
             "表1 2015-2019年城镇新增就业人数",
             "全省现有人力资源服务机构1268家。",
             "图为某地人社服务大厅 记者 王鹏摄",
             "年末城镇登记失业人数为945万人。"]
    rows = _rows(tmp_path, lines, doc_type="news_report", reference_period="2019")
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("城镇登记失业率", 3.62, "2019"), ("就业人员", 774710000, "2019"),
        ("现有人力资源服务机构", 1268, "2019"), ("城镇登记失业人数", 9450000, "2019")]


# --- 4. indicators: scope and kind agree, or no id -------------------------------------------------

@pytest.mark.parametrize("phrase, unit, measure, expected", [
    ("户籍城镇人口", "人", "actual", "registered_population_urban"),
    ("常住人口中城镇人口", "人", "actual", "urban_resident_population"),
    ("户籍总城镇人口", "人", "actual", ""),  # 户籍 is not 常住: never urban_resident_population
    ("参加工伤保险人数中农民工", "人", "actual", "migrant_work_injury_participants"),
    ("参加失业保险的农民工", "人", "actual", "migrant_unemployment_insurance_participants"),
    ("参加基本养老保险的农民工人数", "人", "actual", "migrant_pension_participants"),
    ("户籍总人口中男性", "人", "actual", "registered_population_male"),  # the part, not the whole
    ("常住人口中男性", "人", "actual", ""),  # a part with no entry of its own: not the whole's id
    ("新增农村劳动力转移就业", "人", "actual", "rural_labour_transferred_new"),
    ("新增失业保险参保人数", "人", "actual", ""),  # an increase (新增) is not the stock of participants
    ("农村劳动力转移就业规模", "人", "actual", "rural_labour_transferred"),
    ("发放社会保障卡", "张", "actual", "social_security_cards_issued"),
    ("社会保障卡持卡人数", "人", "actual", "social_security_card_holders"),
    ("人口自然增长率", "千分点", "change", "natural_growth_rate"),
    ("参保职工", "人", "actual", "insured_employees"),
    ("失业保险参保职工", "人", "actual", ""),  # the written scope says the pension scheme
    ("基本养老保险参保人数新增", "人", "target", ""),  # a target for an increase is not the level
])
def test_an_id_only_when_scope_and_kind_agree(phrase, unit, measure, expected):
    from renshe.ingest.codebook import load_codebook
    codebook = load_codebook(Path(__file__).resolve().parents[2] / "data" / "codebook.yaml")
    assert codebook.match(phrase, unit, measure) == expected, codebook.match_detail(phrase, unit, measure)


def test_a_part_named_by_a_group_word_keeps_its_whole(tmp_path):
    lines = ["年末参加工伤保险人数9.86万人，其中农民工1.24万人。年末户籍总人口106.52万人，其中城镇人口41.37万人，男性53.1万人。"]
    rows = _rows(tmp_path, lines, doc_type="statistical_communique")
    assert [r[0] for r in rows] == ["参加工伤保险人数", "参加工伤保险人数中农民工", "户籍总人口", "户籍城镇人口",
                                    "户籍总人口中男性"]


def test_a_part_naming_a_scheme_takes_its_wholes_scope(tmp_path):
    lines = ["全年城镇职工基本养老保险基金总收入612.3亿元，其中征缴收入233.5亿元，各级财政补助基本养老保险基金271.6亿元。"]
    read = _read(tmp_path, lines)
    assert [r["indicator_zh"] for r in read.observations] == [
        "城镇职工基本养老保险基金总收入", "城镇职工基本养老保险基金征缴收入", "城镇职工各级财政补助基本养老保险基金"]


def test_a_malformed_exclusive_scopes_list_names_the_file(tmp_path):
    from renshe.errors import RensheError
    from renshe.ingest.codebook import load_codebook
    source = (Path(__file__).resolve().parents[2] / "data" / "codebook.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "codebook.yaml"
    broken.write_text(source.replace("    - [户籍, 常住]\n", "    - 户籍\n"), encoding="utf-8")
    with pytest.raises(RensheError, match="exclusive_scopes") as caught:
        load_codebook(broken)
    assert "codebook.yaml" in str(caught.value)


# --- repeated lines ----------------------------------------------------------------------------

BULLETIN = Path(__file__).resolve().parents[2] / "data" / "raw" / "zhejiang_2023_bulletin.txt"


def test_a_sentence_printed_twice_gives_its_figures_once_and_sets_the_repeat_aside(tmp_path):
    """Zhejiang's 2023 bulletin as a web page copies it: its pension paragraph (line 23) printed
    again at the end, word for word. Its figures are taken once, at line 23; the repeat's five
    are set aside naming line 23; the bulletin's other figures are read as before. Short lines
    that recur (the section heading 一、就业创业 printed twice) are not sentences and stay."""
    lines = BULLETIN.read_text(encoding="utf-8").split("\n")
    once = _read(tmp_path, lines, reference_period="2023")
    twice_lines = [*lines, "", lines[22], "", "一、就业创业"]
    assert lines[22].startswith("年末全省参加基本养老保险人数为 4606.46 万人")
    twice = _read(tmp_path, twice_lines, reference_period="2023")
    assert twice.observations == once.observations
    repeat = len(twice_lines) - 2
    aside = [row for row in twice.set_aside if row["source_line"] == repeat]
    assert [row["cell_text"] for row in aside] == ["4606.46万人", "86.39万人", "4319.20亿元", "4728.08亿元", "1887.79亿元"]
    assert {row["reason"] for row in aside} == {"repeated line: the same words as line 23, whose figures are taken"}
    assert len(twice.set_aside) == len(once.set_aside) + 5


def test_repeated_lines_are_sentences_outside_the_tables():
    from renshe.ingest.text.repeats import repeated_lines

    lines = ["全年城镇新增就业116.32万人。", "2020年", "一、就业", "2020年", "全年城镇新增就业116.32万人。",
             "城镇新增就业\t116.32", "城镇新增就业\t116.32", "  全年城镇新增就业116.32万人。  "]
    assert repeated_lines(lines) == {5: 1, 7: 6, 8: 1}
    assert repeated_lines(lines, skip_lines={6, 7}) == {5: 1, 8: 1}
