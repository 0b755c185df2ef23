"""The region tree (data/regions.yaml) and the registry's own regions: real codes, short
names, a document that needs no region entry, and every conflict named with its file and line."""
from __future__ import annotations

import hashlib
from collections import Counter

import pytest

from conftest import REPO_ROOT, edit_raw_line
from renshe.errors import RensheError
from renshe.ingest.documents import load_documents, load_registry
from renshe.ingest.regions import ancestors
from renshe.ingest.tables import extract_tables
from renshe.paths import ProjectPaths


@pytest.fixture(scope="module")
def registry():
    return load_registry(ProjectPaths.at(REPO_ROOT))


def _line_of(path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


# --- the shipped tree -------------------------------------------------------------------------

def test_tree_holds_the_nation_the_provinces_and_zhejiang_down_to_its_counties(registry):
    levels = Counter(region.level for region in registry.regions)
    assert levels == {"national": 1, "province": 31, "city": 11, "district": 90}
    provinces = [r for r in registry.regions if r.level == "province"]
    assert {r.parent for r in provinces} == {"全国"} and registry.region("全国").code == "100000"
    assert (registry.region("新疆维吾尔自治区").code, registry.region("重庆市").code) == ("650000", "500000")
    cities = [r for r in registry.regions if r.level == "city"]
    assert {r.parent for r in cities} == {"浙江省"}
    assert [r.code for r in cities] == [f"33{n:02d}00" for n in range(1, 12)]
    counties = Counter(r.parent for r in registry.regions if r.level == "district")
    assert counties == {"杭州市": 13, "宁波市": 10, "温州市": 12, "嘉兴市": 7, "湖州市": 5, "绍兴市": 6,
                        "金华市": 9, "衢州市": 6, "舟山市": 4, "台州市": 9, "丽水市": 9}


@pytest.mark.parametrize("name, code, parent", [
    ("上城区", "330102", "杭州市"), ("临平区", "330113", "杭州市"), ("钱塘区", "330114", "杭州市"),
    ("龙港市", "330383", "温州市"), ("玉环市", "331083", "台州市"), ("缙云县", "331122", "丽水市"),
    ("景宁畲族自治县", "331127", "丽水市"), ("柯城区", "330802", "衢州市"), ("江山市", "330881", "衢州市"),
    # the Shaoxing districts of the action plan's table keep the names and codes the registry had
    ("越城区", "330602", "绍兴市"), ("柯桥区", "330603", "绍兴市"), ("上虞区", "330604", "绍兴市"),
    ("新昌县", "330624", "绍兴市"), ("诸暨市", "330681", "绍兴市"), ("嵊州市", "330683", "绍兴市"),
])
def test_county_codes_and_parents(registry, name, code, parent):
    region = registry.region(name)
    assert (region.code, region.level, region.parent) == (code, "district", parent)


def test_abolished_hangzhou_districts_are_not_in_the_tree(registry):
    names = set(registry.region_names())
    assert not {"下城区", "江干区", "玉环县", "绍兴县"} & names


def test_short_names_resolve_to_the_full_region(registry):
    assert registry.region("柯城").name == "柯城区" and registry.region("浙江").name == "浙江省"
    assert registry.region("景宁").code == "331127"
    assert "全省" not in registry.region_lookup  # a table's total row, not a region


def test_ancestors_climb_to_the_nation(registry):
    parent_of = {r.name: r.parent for r in registry.regions}
    assert ancestors("缙云县", parent_of) == ["丽水市", "浙江省", "全国"]
    assert ancestors("全国", parent_of) == []


# --- documents and tables need no region entries ------------------------------------------------

def _add_document(paths: ProjectPaths, doc_id: str, text: str, fields: str) -> None:
    (paths.raw / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    entry = f"""  - doc_id: {doc_id}
    file: data/raw/{doc_id}.txt
    title: {{zh: {doc_id}, en: {doc_id}}}
    issuer: test
{fields}
    doc_type: statistical_bulletin
    reference_period: "2023"
    script: hans
    sha256: {hashlib.sha256(text.encode()).hexdigest()}

regions:"""
    registry = paths.registry.read_text(encoding="utf-8")
    paths.registry.write_text(registry.replace("\nregions:", "\n" + entry, 1), encoding="utf-8")


def test_a_county_document_needs_no_region_entry_nor_code(project_paths):
    _add_document(project_paths, "jinyun_2023", "2023年缙云县人力资源和社会保障事业发展统计公报\n",
                  "    level: district\n    region: 缙云县")
    entry = load_registry(project_paths).document("jinyun_2023")
    assert (entry.region, entry.region_code) == ("缙云县", "331122")


def test_a_document_named_by_a_short_name_gets_the_full_name(project_paths):
    _add_document(project_paths, "kecheng_2023", "2023年柯城区统计公报\n",
                  "    level: district\n    region: 柯城\n    region_code: \"330802\"")
    entry = load_registry(project_paths).document("kecheng_2023")
    assert (entry.region, entry.region_code) == ("柯城区", "330802")


def test_a_table_row_printed_with_a_short_name_is_that_region(project_paths):
    edit_raw_line(project_paths.root, "shaoxing_2023_action_plan", 158, "诸暨市\t", "诸暨\t")
    document = load_documents(project_paths, ["shaoxing_2023_action_plan"])[0]
    table = next(t for t in extract_tables(document) if t.table_id == "districts")
    rows = [o for o in table.observations if o["source_line"] == 158]
    assert rows and {(o["region"], o["region_code"], o["level"]) for o in rows} == {("诸暨市", "330681", "district")}


def test_an_analyst_adds_regions_the_tree_lacks(project_paths):
    text = project_paths.registry.read_text(encoding="utf-8").replace(
        "regions: []", "regions:\n  - {name: 成都市, code: \"510100\", level: city, parent: 四川省, aliases: [成都]}\n"
                       "  - {name: 武侯区, code: \"510107\", level: district, parent: 成都市}\n")
    project_paths.registry.write_text(text, encoding="utf-8")
    registry = load_registry(project_paths)
    assert registry.region("成都").name == "成都市"
    assert ancestors("武侯区", {r.name: r.parent for r in registry.regions}) == ["成都市", "四川省", "全国"]


# --- conflicts are errors naming the file and line ----------------------------------------------

@pytest.mark.parametrize("entry, message", [
    ('{name: 绍兴市, code: "330600", level: city, parent: 浙江省}', "'绍兴市' is already the name at regions.yaml:"),
    ('{name: 成都市, code: "330600", level: city, parent: 四川省}', "code 330600 is already 绍兴市 at regions.yaml:"),
    ('{name: 柯城镇, code: "330802001", level: district, parent: 柯城区}', "code '330802001' is not six digits"),
    ('{name: 成都市, code: "510100", level: city, parent: 四川省, aliases: [柯城]}',
     "'柯城' is already the alias of 柯城区 at regions.yaml:"),
    ('{name: 武侯区, code: "510107", level: district, parent: 成都市}', "parent '成都市' is not a region"),
    ('{name: 成都市, code: "510100", level: city, parent: 武侯区}', "parent '武侯区' is not a region"),
    ('{name: 成都市, code: "510100", level: province, parent: 四川省}', "parent 四川省 is a province, not a level above"),
    ('{name: 新城区, code: "330890", level: district, parent: 丽水市}', "does not start with 3311, the digits of its parent 丽水市"),
    ('{name: 成都市, code: "510100", level: town, parent: 四川省}', "level 'town' is not one of"),
    ('{name: 成都市, code: "510100", level: city, parent: 四川省, short: 成都}', "unknown key(s) short"),
])
def test_registry_region_conflicts_name_the_line(project_paths, entry, message):
    text = project_paths.registry.read_text(encoding="utf-8").replace("regions: []", f"regions:\n  - {entry}\n")
    project_paths.registry.write_text(text, encoding="utf-8")
    with pytest.raises(RensheError) as caught:
        load_registry(project_paths)
    assert message in str(caught.value)
    assert caught.value.path == str(project_paths.registry)
    assert caught.value.line == _line_of(project_paths.registry, entry)


def test_a_duplicated_code_inside_the_tree_names_its_line(project_paths):
    tree = project_paths.regions
    tree.write_text(tree.read_text(encoding="utf-8").replace('{name: 缙云县, code: "331122"',
                                                               '{name: 缙云县, code: "331121"'), encoding="utf-8")
    with pytest.raises(RensheError) as caught:
        load_registry(project_paths)
    assert "region 缙云县: code 331121 is already 青田县 at regions.yaml:" in str(caught.value)
    assert (caught.value.path, caught.value.line) == (str(tree), _line_of(tree, "name: 缙云县"))


def test_a_broken_tree_file_names_its_line(project_paths):
    tree = project_paths.regions
    tree.write_text(tree.read_text(encoding="utf-8").replace("aliases: [缙云]}", "aliases: [缙云}"), encoding="utf-8")
    with pytest.raises(RensheError) as caught:
        load_registry(project_paths)
    assert "not valid YAML" in str(caught.value) and caught.value.path == str(tree)


@pytest.mark.parametrize("old, new, message, offset", [
    ('    region: 衢州市\n    region_code: "330800"', '    region: 衢州市\n    region_code: "330900"',
     "region_code 330900 conflicts with 衢州市 = 330800", +1),
    ("    level: city\n    region: 衢州市", "    level: province\n    region: 衢州市",
     "level province conflicts with 衢州市, a city", -1),
])
def test_a_document_contradicting_the_tree_names_its_line(project_paths, old, new, message, offset):
    text = project_paths.registry.read_text(encoding="utf-8")
    assert old in text
    project_paths.registry.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RensheError) as caught:
        load_registry(project_paths)
    assert message in str(caught.value)
    assert caught.value.line == _line_of(project_paths.registry, "region: 衢州市") + offset  # the field's line


def test_an_unknown_region_still_needs_its_code(project_paths):
    _add_document(project_paths, "guangyuan_2020", "2020年广元市统计公报\n",
                  "    level: city\n    region: 广元市")
    with pytest.raises(RensheError, match="lacks region_code: 广元市 is not in data/regions.yaml"):
        load_registry(project_paths)
