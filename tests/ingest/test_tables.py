"""Every table of the five documents, pinned to the values printed in data/raw/."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import edit_raw_line, folder_state, replace_raw
from renshe.ingest.documents import load_registry, read_document
from renshe.errors import RensheError, UnknownUnitError
from renshe.ingest.extract import run_extract
from renshe.paths import ProjectPaths
from renshe.schema import OBSERVATION_COLUMNS, observations_frame
from renshe.ingest.tables import clean_label, extract_tables, header_names, load_table_layouts

TABLE_IDS = {
    "zhejiang_14fyp": ["zhuanlan1", "zhuanlan2", "tasks"],
    "quzhou_14fyp": ["table1", "table2", "annex1", "annex2"],
    "shaoxing_2023_action_plan": ["districts"],
    "zhejiang_2023_bulletin": [],
    "national_2023q1_briefing": [],
}

# (doc_id, table_id): (numeric cells = observations, cells set aside, wide rows)
COUNTS = {
    ("zhejiang_14fyp", "zhuanlan1"): (47, 4, 22),
    ("zhejiang_14fyp", "zhuanlan2"): (32, 25, 25),
    ("zhejiang_14fyp", "tasks"): (0, 30, 16),
    ("quzhou_14fyp", "table1"): (39, 3, 18),
    ("quzhou_14fyp", "table2"): (33, 24, 25),
    ("quzhou_14fyp", "annex1"): (0, 56, 11),
    ("quzhou_14fyp", "annex2"): (0, 9, 3),
    ("shaoxing_2023_action_plan", "districts"): (119, 1, 7),
}


@pytest.fixture(scope="module")
def tables(real_documents):
    """{(doc_id, table_id): Table} for every document."""
    found = {}
    for doc_id, document in real_documents.items():
        for table in extract_tables(document):
            found[(doc_id, table.table_id)] = table
    return found


@pytest.fixture(scope="module")
def observations(tables):
    records = [record for table in tables.values() for record in table.observations]
    return observations_frame(records)


def cell(observations, table_id, indicator, period, measure, region=None):
    rows = observations[(observations.table_id == table_id) & (observations.indicator_zh == indicator)
                        & (observations.period == period) & (observations.measure == measure)]
    if region is not None:
        rows = rows[rows.region == region]
    assert len(rows) == 1, f"{table_id} {indicator} {period} {measure}: {len(rows)} rows"
    return rows.iloc[0]


# --- which tables, how many cells ---------------------------------------------------------

@pytest.mark.parametrize("doc_id", sorted(TABLE_IDS))
def test_every_document_yields_its_tables(real_documents, doc_id):
    tables = extract_tables(real_documents[doc_id])
    assert [t.table_id for t in tables] == TABLE_IDS[doc_id]
    assert all(t.doc_id == doc_id for t in tables)


@pytest.mark.parametrize("key", sorted(COUNTS))
def test_numeric_and_set_aside_cell_counts(tables, key):
    numeric, set_aside, wide_rows = COUNTS[key]
    table = tables[key]
    assert table.numeric_cells == numeric
    assert len(table.observations) == numeric
    assert len(table.unparsed) == set_aside
    assert len(table.wide) == wide_rows


def test_observations_follow_the_contract(observations):
    assert list(observations.columns) == OBSERVATION_COLUMNS
    assert len(observations) == 47 + 32 + 39 + 33 + 119
    assert (observations.indicator_id == "").all()  # the codebook fills it later
    assert set(observations.measure) == {"actual", "target"}
    assert set(observations.basis) == {"", "cumulative", "per_year"}
    assert observations.value.notna().all()
    assert not observations.indicator_zh.str.contains(r"^\d|[（(]万?人|其中", regex=True).any()


def test_source_text_is_the_raw_line(tables, real_documents):
    for (doc_id, _), table in tables.items():
        document = real_documents[doc_id]
        for record in table.observations:
            assert record["source_text"] == document.raw_line(record["source_line"])
            assert record["value_raw"] in document.normalized_lines[record["source_line"] - 1]
        for record in table.unparsed:
            assert record["source_text"] == document.raw_line(record["source_line"])


# --- named cells ------------------------------------------------------------------------------
# (table, indicator_zh, period, measure, region) -> (value, unit, qualifier, source_line, basis)
NAMED_CELLS = [
    # Zhejiang 专栏1 ("十三五": 2015 base, plan target, 2020 completion)
    ("zhuanlan1", "人才资源总量", "2015", "actual", None, 10_750_000, "人", "", 21, ""),
    ("zhuanlan1", "高技能人才总量", "2020", "actual", None, 3_218_000, "人", "", 38, ""),
    ("zhuanlan1", "人才贡献率", "2020", "target", None, 40, "%", ">", 42, ""),
    ("zhuanlan1", "城镇新增就业人数", "2011-2015", "actual", None, 5_150_000, "人", "", 51, "cumulative"),
    ("zhuanlan1", "城镇新增就业人数", "2016-2020", "target", None, 4_000_000, "人", "", 52, "cumulative"),
    ("zhuanlan1", "城镇新增就业人数", "2016-2020", "actual", None, 6_060_000, "人", "", 53, "cumulative"),
    ("zhuanlan1", "城镇登记失业率", "2020", "target", None, 3.5, "%", "<=", 57, ""),
    ("zhuanlan1", "基本养老保险参保人数", "2020", "actual", None, 43_550_000, "人", "", 65, ""),
    ("zhuanlan1", "基本医疗保险参保率", "2020", "actual", None, 99, "%", ">", 80, ""),
    ("zhuanlan1", "社会保障卡发卡数量", "2015", "actual", None, 46_770_000, "张", "", 93, ""),
    ("zhuanlan1", "企业劳动合同签订率", "2020", "actual", None, 99, "%", "", 110, ""),
    ("zhuanlan1", "调解结案所占比例", "2020", "actual", None, 78, "%", "", 120, ""),
    # Zhejiang 专栏2 ("十四五": 2020 base, 2025 target)
    ("zhuanlan2", "城镇新增就业人数", "2021-2025", "target", None, 5_000_000, "人", "", 154, "cumulative"),
    ("zhuanlan2", "城镇调查失业率", "2025", "target", None, 5.5, "%", "~", 159, ""),
    ("zhuanlan2", "职业技能培训人次", "2021-2025", "target", None, 5_000_000, "人次", "", 164, "cumulative"),
    ("zhuanlan2", "基本养老保险参保人数", "2025", "target", None, 45_000_000, "人", "", 171, ""),
    ("zhuanlan2", "专业技术人才总量（含在管理岗位的专技人才）", "2020", "actual", None, 6_100_000, "人", "", 187, ""),
    ("zhuanlan2", "高级职称人才数量", "2020", "actual", None, 453_000, "人", "", 192, ""),
    ("zhuanlan2", "博士后研究人员年招收数", "2020", "actual", None, 1612, "人", "", 202, ""),
    ("zhuanlan2", "高技能人才数量", "2025", "target", None, 4_000_000, "人", "", 213, ""),
    ("zhuanlan2", "新增取得高级工以上职业资格证书或职业技能等级证书人数", "2021-2025", "target", None,
     1_000_000, "人", "", 223, "cumulative"),
    ("zhuanlan2", "劳动保障监察举报投诉案件结案率", "2020", "actual", None, 100, "%", "", 239, ""),
    ("zhuanlan2", "社会保障卡持卡人数", "2025", "target", None, 62_650_000, "张", "", 254, ""),
    ("zhuanlan2", "申领电子社保卡人口覆盖率", "2025", "target", None, 70, "%", "", 259, ""),
    # Quzhou 表1 (城镇新增就业 is a five-year sum by the table's 备注)
    ("table1", "城镇新增就业", "2011-2015", "actual", None, 147_300, "人次", "", 79, "cumulative"),
    ("table1", "城镇新增就业", "2016-2020", "target", None, 100_000, "人次", "", 79, "cumulative"),
    ("table1", "城镇新增就业", "2016-2020", "actual", None, 252_200, "人次", "", 79, "cumulative"),
    ("table1", "城镇登记失业率", "2020", "target", None, 4, "%", "<", 80, ""),
    ("table1", "城镇登记失业率", "2020", "actual", None, 1.78, "%", "", 80, ""),
    ("table1", "基本养老保险参保人数", "2015", "actual", None, 1_706_900, "人", "", 82, ""),
    ("table1", "基本养老保险参保人数", "2020", "actual", None, 2_020_000, "人", "", 82, ""),
    ("table1", "社会保障卡发卡数量", "2020", "target", None, 2_610_000, "张", "", 86, ""),
    ("table1", "人才资源总量", "2015", "actual", None, 375_000, "人", "", 88, ""),
    ("table1", "高技能人才总量", "2020", "actual", None, 116_400, "人", "", 91, ""),
    ("table1", "企业劳动合同签订率", "2020", "target", None, 98, "%", ">=", 93, ""),
    ("table1", "劳动监察投诉举报案件结案率", "2020", "target", None, 97, "%", ">", 95, ""),
    # Quzhou 表2 (城镇新增就业人数 is 年均预期: a yearly target over 2021-2025)
    ("table2", "城镇新增就业人数", "2020", "actual", None, 20_000, "人次", "", 153, ""),
    ("table2", "城镇新增就业人数", "2021-2025", "target", None, 20_000, "人次", "", 153, "per_year"),
    ("table2", "城镇调查失业率", "2025", "target", None, 5.5, "%", "~", 154, ""),
    ("table2", "职业技能培训人次", "2025", "target", None, 200_000, "人次", "", 155, ""),
    ("table2", "基本养老保险参保人数", "2025", "target", None, 2_040_000, "人", "", 157, ""),
    ("table2", "专业技术人才总量", "2025", "target", None, 165_000, "人", "", 161, ""),
    ("table2", "高级职称人才数量", "2020", "actual", None, 10_200, "人", "", 162, ""),
    ("table2", "博士后研究人员年招收数", "2025", "target", None, 10, "人", "", 164, ""),
    ("table2", "技能人才总量", "2020", "actual", None, 370_000, "人", "", 167, ""),
    ("table2", "新增领取高级工以上职业资格证书或职业技能等级证书人数", "2025", "target", None,
     30_000, "人", "", 170, ""),
    ("table2", "社会保障卡持卡人数", "2020", "actual", None, 2_730_000, "张", "", 176, ""),
    ("table2", "申领电子社保卡人口覆盖率", "2025", "target", None, 80, "%", "", 177, ""),
    # Shaoxing district table (2023 targets; 万元 folded into 元)
    ("districts", "城镇新增就业人数省标", "2023", "target", "越城区", 22_000, "人", "", 155, ""),
    ("districts", "城镇新增就业人数省标", "2023", "target", "柯桥区", 25_000, "人", "", 156, ""),
    ("districts", "基层就业平台覆盖率", "2023", "target", "上虞区", 100, "%", "", 157, ""),
    ("districts", "就业见习/开发岗位数", "2023", "target", "诸暨市", 200, "个", "", 158, ""),
    ("districts", "就业见习/就业见习人数", "2023", "target", "嵊州市", 40, "人", "", 159, ""),
    ("districts", "就业困难人员实现就业", "2023", "target", "新昌县", 300, "人", "", 160, ""),
    ("districts", "公益性岗位/新开发任务数", "2023", "target", "上虞区", 150, "个", "", 157, ""),
    ("districts", "公益性岗位/累计安置任务数", "2023", "target", "诸暨市", 290, "人", "", 158, ""),
    ("districts", "创业孵化示范基地家数/区县级", "2023", "target", "嵊州市", 2, "家", "", 159, ""),
    ("districts", "发放创业担保贷款金额", "2023", "target", "越城区", 50_000_000, "元", "", 155, ""),
    ("districts", "发放创业担保贷款金额", "2023", "target", "诸暨市", 15_000_000, "元", "", 158, ""),
    ("districts", "创业扶持人数", "2023", "target", "越城区", 850, "人", "", 155, ""),
    ("districts", "创业带动就业人数", "2023", "target", "新昌县", 450, "人", "", 160, ""),
]


@pytest.mark.parametrize("table_id, indicator, period, measure, region, value, unit, qualifier, line, basis",
                         NAMED_CELLS, ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[3]}-{c[4] or ''}" for c in NAMED_CELLS])
def test_named_cell(observations, table_id, indicator, period, measure, region, value, unit, qualifier,
                    line, basis):
    row = cell(observations, table_id, indicator, period, measure, region)
    assert row.value == pytest.approx(value)
    assert (row.unit, row.qualifier, row.source_line, row.basis) == (unit, qualifier, line, basis)


def test_at_least_ten_named_cells_per_numeric_table():
    per_table = {}
    for named in NAMED_CELLS:
        per_table[named[0]] = per_table.get(named[0], 0) + 1
    assert per_table == {"zhuanlan1": 12, "zhuanlan2": 12, "table1": 12, "table2": 12, "districts": 13}


def test_raw_value_and_unit_as_printed(observations):
    row = cell(observations, "zhuanlan1", "城镇新增就业人数", "2016-2020", "actual")
    assert (row.value_raw, row.unit_raw) == ("606", "万人")
    row = cell(observations, "table2", "专业技术人才总量", "2025", "target")
    assert (row.value_raw, row.unit_raw) == ("16.50", "万人")
    row = cell(observations, "districts", "发放创业担保贷款金额", "2023", "target", "绍兴市")
    assert (row.value_raw, row.unit_raw) == ("10000", "万元")
    # a 其中 row without a unit of its own takes the unit of the row it belongs to
    row = cell(observations, "zhuanlan2", "高级职称人才数量", "2025", "target")
    assert (row.value_raw, row.unit_raw, row.value) == ("55", "万人", 550_000)


def test_regions_and_levels(observations):
    by_table = observations.groupby("table_id")
    assert set(by_table.get_group("zhuanlan1").region_code) == {"330000"}
    assert set(by_table.get_group("table2").level) == {"city"}
    districts = by_table.get_group("districts")
    codes = districts.drop_duplicates("region").set_index("region")[["region_code", "level"]]
    assert codes.to_dict("index") == {
        "越城区": {"region_code": "330602", "level": "district"},
        "柯桥区": {"region_code": "330603", "level": "district"},
        "上虞区": {"region_code": "330604", "level": "district"},
        "诸暨市": {"region_code": "330681", "level": "district"},
        "嵊州市": {"region_code": "330683", "level": "district"},
        "新昌县": {"region_code": "330624", "level": "district"},
        "绍兴市": {"region_code": "330600", "level": "city"},
    }
    assert set(districts.period) == {"2023"} and set(districts.measure) == {"target"}


# --- the total row ---------------------------------------------------------------------------

SHAOXING_TOTAL = [  # 总计, line 161, in printed column order
    ("城镇新增就业人数省标", 95000, "人"), ("基层就业平台覆盖率", 100, "%"), ("零工市场/区县级", 18, "家"),
    ("零工市场/公益性机构", 6, "家"), ("就业见习/开发岗位数", 1600, "个"), ("就业见习/就业见习人数", 600, "人"),
    ("五类重点群体帮扶率", 100, "%"), ("就业困难人员实现就业", 10000, "人"), ("公益性岗位/新开发任务数", 500, "个"),
    ("公益性岗位/累计安置任务数", 750, "人"), ("劳务品牌打造", 6, "个"), ("创业孵化示范基地家数/区县级", 16, "家"),
    ("创业孵化示范基地家数/市级", 6, "家"), ("发放创业担保贷款金额", 1e8, "元"), ("创业培训人数", 3000, "人"),
    ("创业扶持人数", 2200, "人"), ("创业带动就业人数", 6600, "人"),
]


def test_shaoxing_total_row(observations):
    total = observations[(observations.table_id == "districts") & (observations.region == "绍兴市")]
    assert set(total.source_line) == {161}
    assert list(zip(total.indicator_zh, total.value, total.unit)) == SHAOXING_TOTAL


def test_shaoxing_districts_add_up_to_the_total_where_the_table_is_additive(observations):
    districts = observations[observations.table_id == "districts"]
    sums = districts[districts.level == "district"].groupby("indicator_zh").value.sum()
    totals = districts[districts.level == "city"].set_index("indicator_zh").value
    counted = totals[totals.index.map(lambda name: not name.endswith("率"))]
    assert (sums[counted.index] == counted).all()


# --- what is set aside, and why -------------------------------------------------------------

def unparsed(tables, doc_id, table_id):
    return [(u["row_label"], u["column"], u["cell_text"], u["reason"], u["source_line"])
            for u in tables[(doc_id, table_id)].unparsed]


def test_zhuanlan1_ratios_and_missing_marker(tables):
    assert unparsed(tables, "zhejiang_14fyp", "zhuanlan1") == [
        ("高、中、初级专业技术人才比例", "2015年基数", "7:25:68", "ratio 7:25:68 (parts 7, 25, 68), kept as text", 31),
        ("高、中、初级专业技术人才比例", "“十三五”规划目标", "8:26:66", "ratio 8:26:66 (parts 8, 26, 66), kept as text", 32),
        ("高、中、初级专业技术人才比例", "2020年完成数", "7.4:28:64.6",
         "ratio 7.4:28:64.6 (parts 7.4, 28, 64.6), kept as text", 33),
        ("人才贡献率", "2020年完成数", "—", "missing marker '—': no figure printed", 43),
    ]


def test_quzhou_table1_ratios_with_spaces(tables):
    assert unparsed(tables, "quzhou_14fyp", "table1") == [
        ("高中初级专业技术人才比例", "2015年基数", "7: 26: 67", "ratio 7: 26: 67 (parts 7, 26, 67), kept as text", 90),
        ("高中初级专业技术人才比例", "“十三五”目标", "8: 27: 65", "ratio 8: 27: 65 (parts 8, 27, 65), kept as text", 90),
        ("高中初级专业技术人才比例", "完成数", "8: 27: 65", "ratio 8: 27: 65 (parts 8, 27, 65), kept as text", 90),
    ]


def test_attributes_and_missing_markers(tables):
    zhuanlan2 = unparsed(tables, "zhejiang_14fyp", "zhuanlan2")
    attributes = [u for u in zhuanlan2 if u[1] == "属性"]
    assert len(attributes) == 19 and {u[2] for u in attributes} == {"预期性"}
    assert attributes[0] == ("城镇新增就业人数", "属性", "预期性",
                             "attribute 预期性 (indicative target), not a figure", 155)
    missing = [u for u in zhuanlan2 if u[1] != "属性"]
    assert [u[4] for u in missing] == [153, 158, 163, 197, 217, 222]
    assert {u[3] for u in missing} == {"missing marker '—': no figure printed"}

    table2 = unparsed(tables, "quzhou_14fyp", "table2")
    assert table2[0] == ("城镇新增就业人数", "属性", "年均预期",
                         "attribute 年均预期 (indicative yearly average): the row's target is read per year "
                         "over the plan period", 153)
    missing = [(u[2], u[4]) for u in table2 if u[1] == "2020年基数"]
    assert missing == [("——", 154), ("——", 155), ("——", 163), ("—", 169), ("—", 170)]


def test_shaoxing_merged_text_cell(tables):
    assert unparsed(tables, "shaoxing_2023_action_plan", "districts") == [(
        "越城区", "东西部劳务协作", "不低于上年目标数且按对口当年下达目标执行",
        "text in a merged cell spanning the 东西部劳务协作 column (the other rows are empty): "
        "a target in words, not a figure", 155)]
    wide = tables[("shaoxing_2023_action_plan", "districts")].wide
    assert wide["东西部劳务协作"].tolist() == ["不低于上年目标数且按对口当年下达目标执行"] + [""] * 6


def test_text_tables_keep_every_cell(tables):
    tasks = unparsed(tables, "zhejiang_14fyp", "tasks")
    assert tasks[0] == ("人社数字化改革", "序号", "1", "ordinal (序号) of a list entry, not a statistic", 437)
    # a name broken over two lines is one cell, under its sub-section's own header
    assert tasks[4] == ("技能人才培育工程", "工程名称", "技能人才培育工程",
                        "text table (task/project list): text, not a figure", 448)
    assert [u[2] for u in tasks if u[1] == "序号"] == [str(n) for n in range(1, 11)]
    annex1 = unparsed(tables, "quzhou_14fyp", "annex1")
    assert [u[2] for u in annex1 if u[1] == "序号"] == [str(n) for n in range(1, 9)]
    assert annex1[1][:3] == ("人力资源服务产业园建设项目", "项目名称", "人力资源服务产业园建设项目")
    annex2 = unparsed(tables, "quzhou_14fyp", "annex2")
    assert [(u[0], u[1], u[4]) for u in annex2 if u[1] == "名称"] == [
        ("人社数改先锋项目", "名称", 548), ("人才培育引进项目", "名称", 549), ("赋能共同富裕项目", "名称", 550)]


# --- wide frames mirror the printed layout -----------------------------------------------------

def test_wide_frames(tables):
    zhuanlan1 = tables[("zhejiang_14fyp", "zhuanlan1")].wide
    assert list(zhuanlan1.columns) == ["source_line", "指标", "2015年基数", "“十三五”规划目标", "2020年完成数"]
    assert zhuanlan1.iloc[0].tolist() == [18, "一、人才队伍建设", "", "", ""]
    assert zhuanlan1.iloc[7].tolist() == [50, "6．城镇新增就业人数（万人）", "〔515〕", "〔400〕", "〔606〕"]
    assert zhuanlan1.iloc[17].tolist()[0] == 97  # the header printed again mid-table
    districts = tables[("shaoxing_2023_action_plan", "districts")].wide
    assert list(districts.columns[:6]) == ["source_line", "辖区", "城镇新增就业人数省标", "基层就业平台覆盖率",
                                           "零工市场/区县级", "零工市场/公益性机构"]
    assert districts.iloc[-1, :4].tolist() == [161, "总计", "95000", "100%"]
    table1 = tables[("quzhou_14fyp", "table1")].wide
    assert table1.iloc[0, 1] == "一、公共就业"  # <b> tags removed for display
    tasks = tables[("zhejiang_14fyp", "tasks")].wide
    assert list(tasks.columns) == ["source_line", "序号", "改革名称", "改革内容"]
    assert tasks.iloc[1].tolist() == [441, "人才培育工程", "", ""]


def test_titles(tables):
    assert tables[("zhejiang_14fyp", "zhuanlan1")].title == "专栏1 “十三五”时期主要指标"
    assert tables[("quzhou_14fyp", "table2")].title == "表 2 “十四五”全市人力资源和社会保障事业发展主要指标"


# --- pieces ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("1.人才资源总量(万人)", ("人才资源总量", "万人", False)),
    ("7.专业技术人才总量(万人)(含在管理岗位的专技人才)", ("专业技术人才总量（含在管理岗位的专技人才）", "万人", False)),
    ("8.其中:高级职称人才数量", ("高级职称人才数量", "", True)),
    ("其中:调解结案所占比例(%)", ("调解结案所占比例", "%", True)),
    ("3.高、中、初级专业技术人才比例", ("高、中、初级专业技术人才比例", "", False)),
    ("10.博士后研究人员年招收数(人)", ("博士后研究人员年招收数", "人", False)),
])
def test_clean_label(text, expected):
    assert clean_label(text) == expected


def test_every_table_spec_names_unique_columns():
    layouts = load_table_layouts(Path(__file__).resolve().parents[2] / "data" / "tables.yaml")
    assert {"zhejiang_14fyp", "quzhou_14fyp", "shaoxing_2023_action_plan"} <= set(layouts)
    for specs in layouts.values():
        for spec in specs:
            headers = [c.header for c in spec.columns if c.header]
            assert len(headers) == len(set(headers)), spec.table_id


def test_two_row_header_names():
    from renshe.ingest.tables import Cell, Row

    top = Row([Cell(t, t, 1) for t in ["辖区", "零工市场", "", "劳务品牌打造"]])
    sub = Row([Cell(t, t, 2) for t in ["", "区县级", "公益性机构", ""]])
    assert header_names([top, sub]) == ["辖区", "零工市场/区县级", "零工市场/公益性机构", "劳务品牌打造"]


# --- bad content: set aside with its reason, never a stop ---------------------------------------
# A document's content never stops the build for the others: a cell or row that cannot be read is
# set aside (unparsed.csv) with the reason, a table whose rows contradict its header is reported as
# not read with every figure in it set aside. Only invalid input as a whole stops it (below).

def _read(root, doc_id):
    return read_document(load_registry(ProjectPaths.at(root)).document(doc_id))


def _table(root, doc_id, table_id):
    return next(t for t in extract_tables(_read(root, doc_id)) if t.table_id == table_id)


def _aside_at(table, line):
    return [u for u in table.unparsed if u["source_line"] == line]


def test_tab_row_with_a_missing_cell_leaves_the_table_not_read(project_copy):
    edit_raw_line(project_copy, "quzhou_14fyp", 82, "\t178\t", "\t")
    tables = {t.table_id: t for t in extract_tables(_read(project_copy, "quzhou_14fyp"))}
    table1 = tables["table1"]
    assert "3 cells, the header has 4" in table1.not_read and not table1.observations
    assert {u["cell_text"] for u in _aside_at(table1, 82)} == {"170.69", "202"}
    assert all(u["reason"].startswith("table not read: ") for u in table1.unparsed)
    assert sum(len(_aside_at(table1, n)) for n in table1.lines) == len(table1.unparsed) > 40
    assert tables["table2"].observations and not tables["table2"].not_read  # the others are read


def test_cell_per_line_row_with_an_extra_cell_leaves_the_table_not_read(project_copy):
    edit_raw_line(project_copy, "zhejiang_14fyp", 64, "\t4100", "\t4100\n\t4200")
    table = _table(project_copy, "zhejiang_14fyp", "zhuanlan1")
    assert "5 cells" in table.not_read and not table.observations
    assert any(u["cell_text"] == "4200" for u in table.unparsed)


def test_unknown_unit_in_a_row_label_sets_the_row_aside(project_copy):
    edit_raw_line(project_copy, "quzhou_14fyp", 84, "（万人）", "（万头）")
    table = _table(project_copy, "quzhou_14fyp", "table1")
    aside = _aside_at(table, 84)
    assert aside and all("unknown unit in the row label" in u["reason"] and "万头" in u["reason"] for u in aside)
    assert not [o for o in table.observations if o["source_line"] == 84]
    assert len(table.observations) == COUNTS[("quzhou_14fyp", "table1")][0] - len(aside)


def test_unknown_unit_in_a_cell_sets_the_cell_aside(project_copy):
    edit_raw_line(project_copy, "shaoxing_2023_action_plan", 158, "\t1500\t", "\t1500头\t")
    table = _table(project_copy, "shaoxing_2023_action_plan", "districts")
    [aside] = [u for u in _aside_at(table, 158) if u["cell_text"] == "1500头"]
    assert aside["reason"].startswith("unknown unit") and "头" in aside["reason"]
    assert len(table.observations) == COUNTS[("shaoxing_2023_action_plan", "districts")][0] - 1


def test_a_header_repeated_differently_leaves_the_table_not_read(project_copy):
    # 表 2 prints its header again after a page (line 166); when the first one says 2030 and the
    # repeat 2025, the figures under the repeat cannot be filed under the first one's years
    edit_raw_line(project_copy, "quzhou_14fyp", 151, "2025年目标", "2030年目标")
    table = _table(project_copy, "quzhou_14fyp", "table2")
    assert "2030年目标" in table.not_read and "2025年目标" in table.not_read and not table.observations
    assert _aside_at(table, 167)


def test_a_changed_header_is_read_by_its_words(project_copy):
    """No layout pins 表 2's columns: a header that says 2030年目标 files its figures under 2030."""
    for line in (151, 166):
        edit_raw_line(project_copy, "quzhou_14fyp", line, "2025年目标", "2030年目标")
    table2 = next(t for t in extract_tables(_read(project_copy, "quzhou_14fyp")) if t.table_id == "table2")
    talent = [o for o in table2.observations if o["indicator_zh"] == "技能人才总量"]
    assert [(o["period"], o["measure"], o["value"], o["source_line"]) for o in talent] == [
        ("2020", "actual", 370000.0, 167), ("2030", "target", 400000.0, 167)]


def test_unknown_district_sets_its_row_aside(project_copy):
    edit_raw_line(project_copy, "shaoxing_2023_action_plan", 160, "新昌县", "新城区")
    table = _table(project_copy, "shaoxing_2023_action_plan", "districts")
    aside = _aside_at(table, 160)
    assert aside and all("'新城区' is not a region" in u["reason"] for u in aside)
    assert not [o for o in table.observations if o["source_line"] == 160]


BAD_CONTENT = {
    "wrong cell count": ("quzhou_14fyp", 82, "\t178\t", "\t", "table not read"),
    "unknown unit": ("quzhou_14fyp", 84, "（万人）", "（万头）", "unknown unit"),
    "wrong cell count, one cell per line": ("zhejiang_14fyp", 64, "\t4100", "\t4100\n\t4200", "table not read"),
}


@pytest.mark.parametrize("case", sorted(BAD_CONTENT))
def test_bad_content_never_stops_the_extraction(project_copy, case):
    doc_id, line, old, new, reason = BAD_CONTENT[case]
    paths = ProjectPaths.at(project_copy)
    edit_raw_line(project_copy, doc_id, line, old, new)
    output = run_extract(paths)
    assert set(output.observations.doc_id) == set(TABLE_IDS)  # every document published
    aside = output.unparsed[(output.unparsed.doc_id == doc_id) & output.unparsed.reason.str.startswith(reason)]
    assert len(aside) and (paths.clean / "unparsed.csv").is_file()


def test_non_utf8_document(project_copy):
    paths = ProjectPaths.at(project_copy)
    path = paths.raw / "quzhou_14fyp.txt"
    lines = path.read_bytes().split(b"\n")
    lines[81] = lines[81].decode("utf-8").encode("gbk")  # line 82 saved as GBK
    replace_raw(project_copy, "quzhou_14fyp", b"\n".join(lines))
    with pytest.raises(RensheError) as caught:
        run_extract(paths)
    assert f"{path}:82" in str(caught.value) and "not UTF-8" in str(caught.value)
    assert not paths.clean.exists()


def test_changed_document_fails_its_hash_check(project_copy):
    paths = ProjectPaths.at(project_copy)
    run_extract(paths, doc_ids=["shaoxing_2023_action_plan"])
    before = folder_state(paths.clean)
    path = edit_raw_line(project_copy, "shaoxing_2023_action_plan", 161, "95000", "96000", update_hash=False)
    with pytest.raises(RensheError) as caught:
        run_extract(paths)
    message = str(caught.value)
    assert str(path) in message and "changed: sha256" in message and "sources.yaml" in message
    assert folder_state(paths.clean) == before


def test_a_malformed_table_layout_names_file_and_line(project_copy):
    layouts = project_copy / "data" / "tables.yaml"
    text = layouts.read_text(encoding="utf-8")
    layouts.write_text(text.replace("{header: 名称, role: text}", "{header: 名称, role: texts}", 1),
                       encoding="utf-8")
    with pytest.raises(RensheError) as caught:
        load_table_layouts(layouts)
    bad_table_line = text[: text.index("table_id: annex2")].count("\n") + 1
    assert caught.value.path == str(layouts) and caught.value.line == bad_table_line
    assert "annex2" in str(caught.value) and "texts" in str(caught.value)
