"""Names as a reader reads them: a region's English name (the tree's `en` when it has one, else the
pinyin of its name without the administrative suffix, with District / County kept), and the
columns of the observations in words."""
from __future__ import annotations

from functools import lru_cache

# longest first: 自治县 before 县, 自治区 before 区
SUFFIXES = (("特别行政区", ""), ("维吾尔自治区", ""), ("壮族自治区", ""), ("回族自治区", ""), ("自治区", ""),
            ("自治州", " Prefecture"), ("自治县", " Autonomous County"), ("地区", " Prefecture"), ("省", ""),
            ("市", ""), ("区", " District"), ("县", " County"), ("旗", " Banner"), ("盟", " League"))
FIXED = {"全国": "China", "中国": "China"}
COLUMN_WORDS = {
    "doc_id": ("文件", "document"), "table_id": ("表格", "table"), "region": ("地区", "region"),
    "region_code": ("区划代码", "region code"), "level": ("层级", "level"), "indicator_id": ("指标", "indicator"),
    "indicator_zh": ("指标名称", "indicator name"), "period": ("时期", "period"), "measure": ("类别", "measure"),
    "qualifier": ("限定词", "qualifier"), "value": ("数值", "value"), "unit": ("单位", "unit"),
    "value_raw": ("原文数字", "figure as printed"), "unit_raw": ("原文单位", "unit as printed"),
    "source_line": ("来源行号", "source line"), "source_text": ("来源行", "line as printed"),
    "basis": ("口径", "basis"), "source_page": ("页码", "page"),
}


@lru_cache(maxsize=4096)
def pinyin_name(name: str) -> str:
    """衢州市 -> 'Quzhou', 柯桥区 -> 'Keqiao District', 新昌县 -> 'Xinchang County'."""
    if name in FIXED:
        return FIXED[name]
    stem, tail = name, ""
    for suffix, english in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            stem, tail = name[: -len(suffix)], english
            break
    try:
        from pypinyin import lazy_pinyin
    except ImportError:  # pypinyin is a dependency; without it the name stays as printed
        return name
    return "".join(lazy_pinyin(stem)).capitalize() + tail


def region_name_en(regions, name: str) -> str:
    """The English name of `name` among `regions` (the tree's entries): its `en`, else pinyin."""
    for region in regions:
        if region.name == name:
            english = getattr(region, "en", "") or ""
            if english:
                return english
            break
    return pinyin_name(name)
