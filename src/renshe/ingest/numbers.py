"""Parsing the figures the documents print: a number, its scale word, its unit, its qualifier.

Input is normalised text (see documents.normalize_line): half-width digits, Simplified
script. The units and scale words are data (data/units.yaml: printed form -> canonical unit). The scale (万, 亿, 万亿) is folded into the value so that every value is in a
canonical unit: `116.32万人` is 1 163 200 persons, `2.04万亿元` is 2.04e12 yuan.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal
from dataclasses import dataclass
from functools import lru_cache

from pathlib import Path

from renshe.errors import RensheError, UnknownUnitError
from renshe.paths import find_root
from renshe.yamlfiles import list_item_lines, load_yaml

UNITS_FILE = Path("data") / "units.yaml"
# the repository's table, for a project folder that has none of its own
_PACKAGED_UNITS = Path(__file__).resolve().parents[3] / UNITS_FILE


@dataclass(frozen=True)
class UnitTable:
    """data/units.yaml: printed unit -> canonical unit, the scale words, and where a unit may stand."""

    scales: dict[str, float]
    base_units: dict[str, str]  # printed -> canonical
    declared_only: frozenset[str]  # printed units only a table's label or column declares
    word_starts: dict[str, str]  # printed unit -> characters that, after it, start a word instead
    scalable: frozenset[str]  # canonical units written back in 万/亿


def _unit_table_path() -> Path:
    """The project's data/units.yaml, else the repository's; neither: a clear error naming both."""
    try:
        candidate = find_root() / UNITS_FILE
    except FileNotFoundError:
        candidate = _PACKAGED_UNITS
    for path in (candidate, _PACKAGED_UNITS):
        if path.is_file():
            return path
    raise RensheError(f"no units table: neither {candidate} nor {_PACKAGED_UNITS} exists", candidate)


def load_unit_table(path: Path) -> UnitTable:
    """Read a units table; a malformed entry raises RensheError naming the file and line."""
    data, text = load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("units"), list):
        raise RensheError("a units table needs `scales:` and a `units:` list", path, 1)
    scales = {"": 1.0}
    for word, factor in (data.get("scales") or {}).items():
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or factor <= 0:
            raise RensheError(f"scale {word!r}: {factor!r} is not a positive number", path, _line(text, f"{word}:"))
        scales[str(word)] = float(factor)
    base, declared, starts, scalable = {}, set(), {}, set()
    for entry, line in zip(data["units"], list_item_lines(text, "units")):
        if not isinstance(entry, dict) or not entry.get("canonical") or not isinstance(entry.get("printed"), list) \
                or not entry["printed"]:
            raise RensheError("a unit needs `canonical` and a non-empty `printed` list", path, line)
        canonical = str(entry["canonical"])
        for printed in map(str, entry["printed"]):
            if printed in base and base[printed] != canonical:
                raise RensheError(f"unit {printed!r} printed for both {base[printed]!r} and {canonical!r}", path, line)
            base[printed] = canonical
            if entry.get("declared_only"):
                declared.add(printed)
            if entry.get("word_starts"):
                starts[printed] = str(entry["word_starts"])
        if entry.get("scalable"):
            scalable.add(canonical)
    return UnitTable(scales, base, frozenset(declared), starts, frozenset(scalable))


def _line(text: str, needle: str) -> int | None:
    return next((n for n, line in enumerate(text.splitlines(), start=1) if needle in line), None)


UNIT_TABLE = load_unit_table(_unit_table_path())
SCALES = UNIT_TABLE.scales
# Printed unit -> canonical unit. 名 and 位 count persons, so they fold into 人; a unit
# that merely names a different thing (人次 is visits, not persons) stays distinct.
BASE_UNITS = UNIT_TABLE.base_units
# Units only a table's label or column declares: after a number in running text they are a
# date or a duration (2023年, 3年), so the text reader never takes them for a unit.
DECLARED_ONLY_UNITS = UNIT_TABLE.declared_only

QUALIFIER_PREFIXES = {
    "≥": ">=", ">=": ">=", "不少于": ">=", "不低于": ">=", "至少": ">=", "达到": "",
    "≤": "<=", "<=": "<=", "不超过": "<=", "不高于": "<=", "控制在": "<=",
    ">": ">", "超过": ">", "突破": ">", "逾": ">",
    "<": "<", "低于": "<", "不足": "<",
    "近": "~", "约": "~", "大约": "~",
}
QUALIFIER_SUFFIXES = {
    "左右": "~", "上下": "~", "以上": ">=", "及以上": ">=", "以内": "<=", "以下": "<=",
    "余": ">", "多": ">",
}
QUALIFIERS = ("", ">=", "<=", ">", "<", "~")
MISSING_MARKERS = {"—", "——", "-", "--", "–", "/", "…"}

_NUMBER = r"[+-]?\d+(?:,\d{3})*(?:\.\d+)?"
_RATIO = re.compile(rf"^\s*{_NUMBER}(?:\s*:\s*{_NUMBER})+\s*$")
_CUMULATIVE = re.compile(r"^\s*[〔\[]\s*(.*?)\s*[〕\]]\s*$")
_DATE = re.compile(r"^(?:19|20)\d{2}年(?:\d{1,2}月)?(?:底|末|前|内)?$")  # 2025年, 2025年底: when, not how many years
_PLAIN = re.compile(rf"^(?P<number>{_NUMBER})\s*(?P<unit>\S*?)$")


@dataclass(frozen=True)
class Figure:
    """One parsed figure. `value` is in `unit` (canonical); `kind` says what it is."""

    kind: str  # number | ratio | missing
    value: float | None
    unit: str
    qualifier: str
    value_raw: str
    unit_raw: str
    cumulative: bool = False
    parts: tuple[float, ...] = ()

    @property
    def is_number(self) -> bool:
        return self.kind == "number"


class NotAFigure(ValueError):
    """The text is not a figure (a word, a sentence); the caller sets it aside with `reason`."""

    def __init__(self, reason: str, text: str):
        self.reason = reason
        self.text = text
        super().__init__(f"{reason}: {text!r}")


def to_float(number_text: str) -> float:
    return float(number_text.replace(",", ""))


def _longest_first(words) -> tuple[str, ...]:
    return tuple(sorted(words, key=len, reverse=True))


# sorted once: these are looked up for every cell and every figure of the text
_SCALES_LONGEST_FIRST = _longest_first(s for s in SCALES if s)
# public: the text extractor looks for the same qualifier words in front of a figure
PREFIXES_LONGEST_FIRST = _longest_first(QUALIFIER_PREFIXES)
_SUFFIXES_LONGEST_FIRST = _longest_first(QUALIFIER_SUFFIXES)


@lru_cache(maxsize=4096)  # a few dozen distinct units, looked up for every figure
def split_unit(unit_text: str) -> tuple[float, str]:
    """`万人次` -> (10000.0, '人次'); raises UnknownUnitError for a unit it does not know."""
    text = unit_text.strip().replace("（", "(").replace("）", ")").replace(" ", "")
    if text in BASE_UNITS:
        return 1.0, BASE_UNITS[text]
    for scale in _SCALES_LONGEST_FIRST:
        if text.startswith(scale):
            rest = text[len(scale):]
            if rest in BASE_UNITS:
                return SCALES[scale], BASE_UNITS[rest]
            if rest == "":
                return SCALES[scale], ""
    if text == "":
        return 1.0, ""
    raise UnknownUnitError(f"unknown unit {unit_text!r}; known units: {', '.join(sorted(set(BASE_UNITS)))}")


def strip_qualifier(text: str) -> tuple[str, str]:
    """Take a qualifier word off either end: '5.5左右' -> ('5.5', '~')."""
    body = text.strip()
    qualifier = ""
    # most text has no qualifier: one C-level startswith/endswith over the tuple first
    prefixes = PREFIXES_LONGEST_FIRST if body.startswith(PREFIXES_LONGEST_FIRST) else ()
    for prefix in prefixes:
        if body.startswith(prefix):
            qualifier = QUALIFIER_PREFIXES[prefix]
            body = body[len(prefix):].strip()
            break
    suffixes = _SUFFIXES_LONGEST_FIRST if body.endswith(_SUFFIXES_LONGEST_FIRST) else ()
    for suffix in suffixes:
        if body.endswith(suffix):
            qualifier = qualifier or QUALIFIER_SUFFIXES[suffix]
            body = body[: -len(suffix)].strip()
            break
    return body, qualifier


def scale_value(number_text: str, unit_text: str) -> tuple[float, str]:
    """Fold the scale word into the value: ('116.32', '万人') -> (1163200.0, '人')."""
    multiplier, unit = split_unit(unit_text)
    # decimal arithmetic: 4943.02 * 1e8 in floats is 494302000000.00006, not the printed figure
    value = Decimal(number_text.replace(",", "")) * Decimal(repr(multiplier))
    return float(value), unit


def parse_figure(text: str, unit_hint: str = "") -> Figure:
    """Parse one table cell or one quoted figure.

    `unit_hint` is the unit printed in the row or column header (e.g. '万人' from
    '基本养老保险参保人数（万人）'); a unit written in the cell itself wins.
    Raises NotAFigure for text that is not a figure, UnknownUnitError for an unknown unit.
    """
    raw = text.strip()
    if not raw:
        raise NotAFigure("empty cell", text)
    if raw in MISSING_MARKERS:
        return Figure("missing", None, "", "", raw, "")
    cumulative = False
    body = raw
    bracketed = _CUMULATIVE.match(body)
    if bracketed:
        cumulative = True
        body = bracketed.group(1)
    if _RATIO.match(body):
        parts = tuple(to_float(p) for p in re.split(r"\s*:\s*", body.strip()))
        return Figure("ratio", None, "", "", raw, "", cumulative, parts)
    body, qualifier = strip_qualifier(body)
    match = _PLAIN.match(body.replace(" ", ""))
    if not match:
        raise NotAFigure("text, not a number", raw)
    if _DATE.match(body.replace(" ", "")):
        raise NotAFigure("a year (a date or a deadline), not a figure", raw)
    unit_raw = match.group("unit") or unit_hint
    value, unit = scale_value(match.group("number"), unit_raw)
    return Figure("number", value, unit, qualifier, match.group("number"), unit_raw, cumulative)


CHANGE_DOWN_WORDS = ("减少", "下降", "降低", "减", "下降了", "回落", "净减")
# a growth rate stated as a rate (增长率为-3.2%): the printed sign is the sign
GROWTH_RATE_WORDS = ("增长率", "增幅", "增速", "增长速度")


def signed_change(direction_word: str, magnitude: float) -> float:
    """`减少 14.44` is a change of -14.44; 增加/增长/提高 keep the sign; 增长率为-3.2% is -3.2."""
    if direction_word in GROWTH_RATE_WORDS:
        return magnitude
    return -abs(magnitude) if direction_word in CHANGE_DOWN_WORDS else abs(magnitude)


# --- writing figures back the documents' way ----------------------------------------------

QUALIFIER_SIGNS = {"": "", ">=": "≥", "<=": "≤", ">": ">", "<": "<", "~": "约"}
# Units whose large values read better in 万 / 亿 (the documents' own way of writing them).
SCALABLE_UNITS = UNIT_TABLE.scalable


def _missing(value) -> bool:
    try:
        return value is None or math.isnan(float(value))
    except (TypeError, ValueError):  # pandas' NA, or text
        return True


def format_gap(value: float, unit: str) -> str:
    """A signed difference the same way: +50人, -2万人."""
    return ("+" if not _missing(value) and value > 0 else "") + format_value(value, unit)


def trim_number(number: float, decimals: int = 4) -> str:
    text = f"{number:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_value(value: float, unit: str, qualifier: str = "") -> str:
    """A figure as the documents write it: 2020000 人 -> '202万人', 2.04e12 元 -> '2.04万亿元', 5.5 % -> '5.5%'."""
    if _missing(value):
        return "—"
    sign = QUALIFIER_SIGNS.get(qualifier or "", qualifier or "")
    unit = unit or ""
    if unit in SCALABLE_UNITS and abs(value) >= 1e12:
        body = f"{trim_number(value / 1e12)}万亿{unit}"  # 2.04万亿元, as printed (not 20400亿元)
    elif unit in SCALABLE_UNITS and abs(value) >= 1e8:
        body = f"{trim_number(value / 1e8)}亿{unit}"
    elif unit in SCALABLE_UNITS and abs(value) >= 1e4:
        body = f"{trim_number(value / 1e4)}万{unit}"
    else:
        body = f"{trim_number(value)}{unit}"
    return f"{sign}{body}"
