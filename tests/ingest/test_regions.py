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

def test_tree_holds_every_division_of_china(registry):
    levels = Counter(region.level for region in registry.regions)
    assert (levels["national"], levels["province"]) == (1, 31)
    # the NBS list of 2023-06-30 (333 prefecture-level, about 2,840 county-level divisions) and
    # the abolished codes of scripts/regions/changes.yaml
    assert 330 <= levels["city"] <= 340 and 2800 <= levels["district"] <= 2900
    provinces = [r for r in registry.regions if r.level == "province"]
    assert {r.parent for r in provinces} == {"全国"} and registry.region("全国").code == "100000"
    assert (registry.region("新疆维吾尔自治区").code, registry.region("重庆市").code) == ("650000", "500000")
    zhejiang = [r for r in registry.regions if r.level == "city" and r.parent == "浙江省"]
    assert [r.code for r in zhejiang] == [f"33{n:02d}00" for n in range(1, 12)]
    in_force = [r for r in registry.regions if r.level == "district" and r.valid_in(2023)
                and ancestors(r.name, {x.name: x.parent for x in registry.regions})[-2:] == ["浙江省", "全国"]]
    assert Counter(r.parent for r in in_force) == {
        "杭州市": 13, "宁波市": 10, "温州市": 12, "嘉兴市": 7, "湖州市": 5, "绍兴市": 6,
        "金华市": 9, "衢州市": 6, "舟山市": 4, "台州市": 9, "丽水市": 9}


@pytest.mark.parametrize("name, code, level, parent, en", [
    ("昆明市", "530100", "city", "云南省", "Kunming"),
    ("城固县", "610722", "district", "汉中市", "Chenggu County"),
    ("汉中市", "610700", "city", "陕西省", "Hanzhong"),
    ("白山市", "220600", "city", "吉林省", "Baishan"),
    ("泾川县", "620821", "district", "平凉市", "Jingchuan County"),
    ("平凉市", "620800", "city", "甘肃省", "Pingliang"),
    ("柯城区", "330802", "district", "衢州市", "Kecheng District"),
    ("景宁畲族自治县", "331127", "district", "丽水市", "Jingning Autonomous County"),
    ("延边朝鲜族自治州", "222400", "city", "吉林省", "Yanbian Autonomous Prefecture"),
    ("东城区", "110101", "district", "北京市", "Dongcheng District"),  # a municipality's districts hang from it
    ("济源市", "419001", "district", "河南省", "Jiyuan"),  # a county-level city the province administers
    ("内蒙古自治区", "150000", "province", "全国", "Inner Mongolia"),
    ("西藏自治区", "540000", "province", "全国", "Tibet"),
    ("陕西省", "610000", "province", "全国", "Shaanxi"),
])
def test_hand_checked_codes_and_english_names(registry, name, code, level, parent, en):
    region = registry.region(name)
    assert (region.code, region.level, region.parent, region.en) == (code, level, parent, en)


def test_codes_created_and_abolished_carry_their_years(registry):
    linping = registry.region("临平区")
    assert (linping.code, linping.valid) == ("330113", (2021, None))
    assert linping.valid_in(2021) and not linping.valid_in(2020)
    xiacheng, jianggan = registry.region("下城区"), registry.region("江干区")
    assert (xiacheng.code, xiacheng.valid, jianggan.code) == ("330103", (None, 2021), "330104")
    assert xiacheng.valid_in(2019) and not xiacheng.valid_in(2022)
    assert registry.region("余杭区").valid is None  # the code went on, smaller
    laiwu = registry.region("莱芜市")
    assert (laiwu.code, laiwu.valid, laiwu.parent) == ("371200", (None, 2019), "山东省")
    assert registry.region("莱芜区").parent == "济南市" and registry.region("莱芜区").valid == (2019, None)
    assert registry.region("龙港市").valid == (2019, None)
    # 钢城区 moved from 莱芜市 to 济南市 with a new code: both codes, each named with its parent
    assert registry.region("济南市钢城区").code == "370117" and registry.region("莱芜市钢城区").code == "371203"


def test_a_shared_name_is_qualified_and_a_shared_short_name_is_no_alias(registry):
    lookup = registry.region_lookup
    assert registry.region("北京市朝阳区").code == "110105" and registry.region("长春市朝阳区").code == "220104"
    assert "朝阳区" not in lookup and "朝阳" not in lookup  # 朝阳区 x2, 朝阳市, 朝阳县
    gulou = [r for r in registry.regions if r.local_name == "鼓楼区"]
    assert len(gulou) >= 4 and "鼓楼区" not in lookup and "鼓楼" not in lookup
    assert registry.region("昆明").name == "昆明市" and registry.region("城固").name == "城固县"
    assert registry.region("柯城").name == "柯城区" and registry.region("泾川").name == "泾川县"
    # the provinces keep their conventional short names; 吉林市 and 海南藏族自治州 do not take them
    assert registry.region("吉林").name == "吉林省" and registry.region("海南").name == "海南省"
    # a successor keeps the short name of the code it replaced
    assert registry.region("富阳").name == "富阳区" and registry.region("绍兴").name == "绍兴市"


def test_a_bare_shared_name_resolves_inside_its_parent(registry):
    from renshe.ingest.regions import scoped_lookup
    changchun = scoped_lookup(registry.regions, "长春市")
    assert changchun["朝阳区"].code == "220104" and changchun["朝阳"].code == "220104"
    assert scoped_lookup(registry.regions, "北京市")["朝阳区"].code == "110105"
    assert scoped_lookup(registry.regions, "福建省")["鼓楼区"].code == "350102"
    assert "鼓楼区" not in scoped_lookup(registry.regions, "全国")  # four of them: none


def test_every_division_climbs_to_the_nation_through_codes_that_nest(registry):
    parent_of = {r.name: r.parent for r in registry.regions}
    by_name = {r.name: r for r in registry.regions}
    for region in registry.regions:
        chain = ancestors(region.name, parent_of)
        if region.level == "national":
            assert chain == []
            continue
        assert chain[-1] == "全国", region.name
        province = by_name[chain[-2]] if len(chain) >= 2 else region
        assert province.level == "province" and region.code[:2] == province.code[:2], region.name
        assert region.en, region.name


def test_the_generated_tree_is_what_the_script_writes(tmp_path):
    """The committed file comes from scripts/regions/build_regions.py: its naming rules, run on
    a small source in the package's layout, give the entries the committed file holds."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("build_regions", REPO_ROOT / "scripts" / "regions" / "build_regions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    source = tmp_path / "dist"
    source.mkdir()
    (source / "provinces.csv").write_text('code,name\n22,"吉林省"\n53,"云南省"\n', encoding="utf-8")
    (source / "cities.csv").write_text('code,name,provinceCode\n2201,"长春市",22\n2202,"吉林市",22\n'
                                       '2224,"延边朝鲜族自治州",22\n5301,"昆明市",53\n', encoding="utf-8")
    (source / "areas.csv").write_text(
        'code,name,cityCode,provinceCode\n220104,"朝阳区",2201,22\n220171,"长春经济技术开发区",2201,22\n'
        '220202,"昌邑区",2202,22\n222401,"延吉市",2224,22\n530102,"五华区",5301,53\n'
        '530103,"朝阳区",5301,53\n', encoding="utf-8")
    regions = module.read_source(source)
    import yaml
    module.name_regions(regions, yaml.safe_load(module.CHANGES.read_text(encoding="utf-8")))
    by_code = {r["code"]: r for r in regions}
    assert "220171" not in by_code  # a development zone: the NBS's statistics code, not a division
    assert by_code["220104"]["name"] == "长春市朝阳区" and by_code["220104"]["aliases"] == []
    assert by_code["220200"]["aliases"] == []  # 吉林 is the province's
    assert (by_code["222400"]["aliases"], by_code["222400"]["en"]) == (["延边"], "Yanbian Autonomous Prefecture")
    assert (by_code["530100"]["aliases"], by_code["530100"]["en"]) == (["昆明"], "Kunming")
    committed = {r.code: r for r in load_registry(ProjectPaths.at(REPO_ROOT)).regions}
    for code in ("220104", "222400", "530100"):  # (五华 is shared with 五华县 in the whole list)
        assert (committed[code].name, list(committed[code].aliases), committed[code].en) == (
            by_code[code]["name"], by_code[code]["aliases"], by_code[code]["en"])


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


def test_abolished_hangzhou_districts_are_kept_with_their_last_year(registry):
    assert {registry.region(n).valid[1] for n in ("下城区", "江干区")} == {2021}
    assert registry.region("玉环县").valid == (None, 2017) and registry.region("绍兴县").valid == (None, 2013)


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
        "regions: []", "regions:\n  - {name: 成都高新技术产业开发区, code: \"510171\", level: district, parent: 成都市, "
                       "aliases: [成都高新区], en: Chengdu Hi-tech Zone}\n")
    project_paths.registry.write_text(text, encoding="utf-8")
    registry = load_registry(project_paths)
    assert registry.region("成都高新区").name == "成都高新技术产业开发区"
    assert ancestors("成都高新技术产业开发区", {r.name: r.parent for r in registry.regions}) == ["成都市", "四川省", "全国"]


# --- conflicts are errors naming the file and line ----------------------------------------------

@pytest.mark.parametrize("entry, message", [
    ('{name: 绍兴市, code: "330600", level: city, parent: 浙江省}', "'绍兴市' is already the name at regions.yaml:"),
    ('{name: 天府新区, code: "330600", level: city, parent: 四川省}', "code 330600 is already 绍兴市 at regions.yaml:"),
    ('{name: 柯城镇, code: "330802001", level: district, parent: 柯城区}', "code '330802001' is not six digits"),
    ('{name: 天府新区, code: "510190", level: city, parent: 四川省, aliases: [柯城]}',
     "'柯城' is already the alias of 柯城区 at regions.yaml:"),
    ('{name: 天府新区直管区, code: "510191", level: district, parent: 天府新区}', "parent '天府新区' is not a region"),
    ('{name: 天府新区, code: "510190", level: city, parent: 直管区}', "parent '直管区' is not a region"),
    ('{name: 天府新区, code: "510190", level: province, parent: 四川省}', "parent 四川省 is a province, not a level above"),
    ('{name: 丽水经开区, code: "330890", level: district, parent: 丽水市}', "does not start with 3311, the digits of its parent 丽水市"),
    ('{name: 天府新区, code: "510190", level: town, parent: 四川省}', "level 'town' is not one of"),
    ('{name: 天府新区, code: "510190", level: city, parent: 四川省, short: 天府}', "unknown key(s) short"),
    ('{name: 天府新区, code: "510190", level: city, parent: 四川省, valid: [2014]}', "valid must be [first_year, last_year]"),
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
    tree.write_text(tree.read_text(encoding="utf-8").replace("aliases: [缙云], en", "aliases: [缙云, en"), encoding="utf-8")
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


def test_a_city_outside_zhejiang_needs_no_region_entry(project_paths):
    _add_document(project_paths, "guangyuan_2020", "2020年广元市统计公报\n",
                  "    level: city\n    region: 广元市")
    assert load_registry(project_paths).document("guangyuan_2020").region_code == "510800"


@pytest.mark.parametrize("fields", [
    "    level: city\n    region: 火星市\n    region_code: \"999900\"",  # a made-up code used to pass
    "    level: city\n    region: 火星市",
])
def test_a_region_outside_the_tree_is_refused_unless_declared(project_paths, fields):
    _add_document(project_paths, "mars_2023", "2023年火星市统计公报\n", fields)
    with pytest.raises(RensheError, match="region 火星市 is not in the region tree.*declared under `regions:`"):
        load_registry(project_paths)
    text = project_paths.registry.read_text(encoding="utf-8").replace(
        "regions: []", "regions:\n  - {name: 火星市, code: \"999900\", level: city, parent: 浙江省}\n")
    project_paths.registry.write_text(text, encoding="utf-8")
    with pytest.raises(RensheError, match="does not start with 33"):  # a declared region must nest too
        load_registry(project_paths)
