"""Sub-regions named in running text (ingest/text/places.py): a figure is credited to the city
or county its clause opens with, a 分别 list pairs places and figures, and what cannot be
credited with confidence is set aside with the reason. Documents in the test's own words."""
from __future__ import annotations

import hashlib

import pytest

from renshe.ingest.documents import load_documents
from renshe.ingest.text.reader import read_text

SICHUAN = """2023年四川省人力资源和社会保障事业发展统计公报

一、就业
全年城镇新增就业105.8万人。其中，成都市城镇新增就业27.4万人，城镇登记失业率3.2%。绵阳市城镇新增就业6.1万人。
德阳市、宜宾市城镇新增就业分别为4.2万人和5.3万人。
成都、绵阳两市共帮扶困难人员就业3.5万人。
杭州市城镇新增就业30.1万人。
南充市、天府市城镇新增就业分别为4.4万人和1.2万人。
成都、绵阳、德阳帮扶就业困难人员就业分别为3万人和4万人。
全省参加成都大运会志愿服务的高校学生2.1万人。
"""

HANZHONG = """2023年汉中市人力资源和社会保障事业发展统计公报

全市城镇新增就业3.1万人。城固县城镇新增就业0.52万人，洋县城镇新增就业0.31万人。
"""


def _register(paths, doc_id: str, text: str, region: str, level: str) -> None:
    (paths.raw / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    entry = f"""  - doc_id: {doc_id}
    file: data/raw/{doc_id}.txt
    title: {doc_id}
    issuer: test
    level: {level}
    region: {region}
    doc_type: statistical_bulletin
    reference_period: "2023"
    script: hans
    sha256: {hashlib.sha256(text.encode()).hexdigest()}

regions:"""
    registry = paths.registry.read_text(encoding="utf-8")
    paths.registry.write_text(registry.replace("\nregions:", "\n" + entry, 1), encoding="utf-8")


@pytest.fixture
def sichuan(project_paths):
    _register(project_paths, "sichuan_2023", SICHUAN, "四川省", "province")
    return read_text(load_documents(project_paths, ["sichuan_2023"])[0])


def _rows(figures):
    return {(o["region"], o["region_code"], o["level"], o["indicator_zh"], o["value"]) for o in figures.observations}


def test_a_clause_opening_with_a_city_credits_its_figures_to_that_city(sichuan):
    rows = _rows(sichuan)
    assert ("四川省", "510000", "province", "城镇新增就业", 1058000) in rows
    assert ("成都市", "510100", "city", "城镇新增就业", 274000) in rows
    # the next clause of the sentence is about 成都市 too
    assert ("成都市", "510100", "city", "城镇登记失业率", 3.2) in rows
    assert ("绵阳市", "510700", "city", "城镇新增就业", 61000) in rows


def test_a_respectively_list_pairs_places_and_figures(sichuan):
    rows = _rows(sichuan)
    assert ("德阳市", "510600", "city", "城镇新增就业", 42000) in rows
    assert ("宜宾市", "511500", "city", "城镇新增就业", 53000) in rows


def test_conservative_a_list_without_respectively_or_a_name_inside_a_phrase_is_the_documents(sichuan):
    rows = {(o["region"], o["value"]) for o in sichuan.observations}
    assert ("四川省", 35000) in rows  # 成都、绵阳两市共…: one figure for both
    assert ("四川省", 21000) in rows  # 成都大运会: a place name inside a phrase


def test_what_cannot_be_credited_is_set_aside_with_the_reason(sichuan):
    reasons = {o["cell_text"]: o["reason"] for o in sichuan.set_aside}
    assert "about 杭州市, which is not within 四川省" in reasons["30.1万人"]
    assert "names 天府市, which is not a region of the region tree" in reasons["1.2万人"]
    assert "分别 lists 3 places (成都、绵阳、德阳) and 2 figures" in reasons["3万人"]
    published = {o["value"] for o in sichuan.observations}
    assert not {301000, 12000, 30000, 40000} & published
    # the known place of a list with an unknown one keeps its figure
    assert ("南充市", "511300", "city", "城镇新增就业", 44000) in _rows(sichuan)


def test_a_county_in_a_citys_report_is_credited_to_the_county(project_paths):
    _register(project_paths, "hanzhong_2023", HANZHONG, "汉中市", "city")
    rows = _rows(read_text(load_documents(project_paths, ["hanzhong_2023"])[0]))
    assert ("汉中市", "610700", "city", "城镇新增就业", 31000) in rows
    assert ("城固县", "610722", "district", "城镇新增就业", 5200) in rows
    assert ("洋县", "610723", "district", "城镇新增就业", 3100) in rows


def test_a_bare_name_two_divisions_share_is_read_inside_the_documents_region(project_paths):
    text = "2023年长春市统计公报\n\n朝阳区城镇新增就业1.9万人。\n"
    _register(project_paths, "changchun_2023", text, "长春市", "city")
    rows = _rows(read_text(load_documents(project_paths, ["changchun_2023"])[0]))
    assert ("长春市朝阳区", "220104", "district", "城镇新增就业", 19000) in rows


def test_a_region_per_row_table_reads_a_shared_bare_name_inside_the_documents_region(project_paths):
    from renshe.ingest.tables import extract_tables

    text = ("2023年长春市人力资源和社会保障事业发展统计公报\n\n表1 各城区城镇新增就业\n"
            "地区\t城镇新增就业（万人）\t城镇登记失业率（%）\n朝阳区\t1.9\t2.8\n南关区\t1.2\t3.1\n")
    _register(project_paths, "changchun_table_2023", text, "长春市", "city")
    document = load_documents(project_paths, ["changchun_table_2023"])[0]
    rows = {(o["region"], o["region_code"], o["level"], o["value"]) for t in extract_tables(document)
            for o in t.observations}
    assert {("长春市朝阳区", "220104", "district", 19000), ("南关区", "220102", "district", 12000)} <= rows


def test_a_district_in_a_citys_plan_is_credited_its_target(project_paths):
    text = ("衢州市就业促进“十四五”规划\n\n到2025年，全市城镇新增就业15万人。柯城区城镇新增就业3.5万人，"
            "江山市城镇新增就业2.6万人。\n")
    (project_paths.raw / "quzhou_jobs_plan.txt").write_text(text, encoding="utf-8")
    entry = f"""  - doc_id: quzhou_jobs_plan
    file: data/raw/quzhou_jobs_plan.txt
    title: 衢州市就业促进“十四五”规划
    issuer: test
    level: city
    region: 衢州市
    doc_type: five_year_plan
    reference_period: "2021-2025"
    script: hans
    sha256: {hashlib.sha256(text.encode()).hexdigest()}

regions:"""
    registry = project_paths.registry.read_text(encoding="utf-8")
    project_paths.registry.write_text(registry.replace("\nregions:", "\n" + entry, 1), encoding="utf-8")
    figures = read_text(load_documents(project_paths, ["quzhou_jobs_plan"])[0])
    rows = {(o["region"], o["region_code"], o["measure"], o["value"]) for o in figures.observations}
    assert {("衢州市", "330800", "target", 150000), ("柯城区", "330802", "target", 35000),
            ("江山市", "330881", "target", 26000)} <= rows
