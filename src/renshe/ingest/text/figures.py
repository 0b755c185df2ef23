"""Finding the figures in a sentence: a number with a unit or a scale, not a date, an ordinal,
a serial number or part of a name; and the brackets and quotes that enclose it."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from renshe.ingest.numbers import (BASE_UNITS, DECLARED_ONLY_UNITS, PREFIXES_LONGEST_FIRST, QUALIFIER_PREFIXES,
                                   QUALIFIER_SUFFIXES, UNIT_TABLE)


# every printed unit of data/units.yaml that may follow a number in running text, longest first
_UNITS = sorted((re.escape(u) for u in BASE_UNITS if u not in DECLARED_ONLY_UNITS), key=len, reverse=True)
# 余/多 stand between scale and unit (2.3万余份, 7300多个); after a unit they start a word (多渠道)
_SUFFIXES = ("及以上", "左右", "以上", "以内", "以下")
_FIGURE = re.compile(
    r"(?<![\d.])(?P<number>\d+(?:\.\d+)?)"
    r"(?P<unit_text>\s*(?P<scale>万亿|亿|万)?\s*(?P<approx>余|多)?\s*(?P<unit>" + "|".join(_UNITS) + r")?)"
    r"(?P<suffix>\s*(?:" + "|".join(_SUFFIXES) + r"))?"
)
# A unit followed by these characters is the start of a word, not a unit (115人才工程, 3个月).
_NOT_A_UNIT = UNIT_TABLE.word_starts
_OPENERS = {"“": "”", "《": "》", "〔": "〕", "【": "】", "「": "」", "(": ")"}
_DATE_AFTER = re.compile(r"\s*(?:年|月|日|周岁|岁|号|届|倍|小时|天|周)")
_LIST_ORDINAL = re.compile(r"0\d\s")
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"\d+")
# a number with no digit or point either side, as _FIGURE finds it, and a number as printed
_STANDALONE_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])")
_PRINTED_NUMBER = re.compile(r"[\d０-９]+(?:[.．][\d０-９]+)?")


@dataclass
class Figure:
    start: int  # offset of the number in the paragraph text
    end: int  # offset just after the unit (and suffix qualifier)
    value_raw: str
    unit_raw: str  # scale + unit as they stand in the normalised text, spaces removed
    scale: str
    unit: str  # printed unit without scale ('' when only a scale was printed)
    qualifier: str


_CLOSERS = frozenset(_OPENERS.values())
# only these characters change the nesting; the text between two of them is walked over at once
_BRACKET_CHAR = re.compile("[" + re.escape("".join(_OPENERS) + "".join(_CLOSERS)) + "]")


def enclosures(text: str) -> list[str]:
    """For each character, the innermost bracket or quote it stands in ('' at top level).
    A bracket or quote character itself counts as inside its own pair."""
    stack: list[str] = []
    inside: list[str] = []
    done = 0
    for found in _BRACKET_CHAR.finditer(text):
        at, char = found.start(), found.group()
        inside.extend([stack[-1] if stack else ""] * (at - done))
        if stack and char == _OPENERS[stack[-1]]:
            inside.append(stack.pop())
        else:
            if char in _OPENERS:
                stack.append(char)
            inside.append(stack[-1] if stack else "")
        done = at + 1
    inside.extend([stack[-1] if stack else ""] * (len(text) - done))
    return inside


@lru_cache(maxsize=4)  # asked once per sentence, always of the paragraph being read
def _depths(text: str) -> tuple[int, ...]:
    """For each character, how many brackets or quotes it stands in (its own pair included)."""
    depth, depths, done = 0, [], 0
    for found in _BRACKET_CHAR.finditer(text):
        at, char = found.start(), found.group()
        depths.extend([depth] * (at - done))
        if char in _OPENERS:
            depth += 1
            depths.append(depth)
        elif depth:  # a closer
            depths.append(depth)
            depth -= 1
        else:
            depths.append(depth)
        done = at + 1
    depths.extend([depth] * (len(text) - done))
    return tuple(depths)


def _end_before(text: str, start: int) -> int:
    """Where text[:start].rstrip() ends, without copying the text."""
    while start and text[start - 1].isspace():
        start -= 1
    return start


def _prefix_qualifier(text: str, start: int) -> tuple[str, int]:
    """A qualifier word right before the number: ('>', where it starts) or ('', start)."""
    end = _end_before(text, start)
    if not text.endswith(PREFIXES_LONGEST_FIRST, 0, end):  # most figures have none
        return "", start
    for word in PREFIXES_LONGEST_FIRST:
        if text.endswith(word, 0, end):
            return QUALIFIER_PREFIXES[word], end - len(word)
    return "", start


def _is_statistic(text: str, match: re.Match, inside: list[str]) -> bool:
    """Reject dates, ordinals, serial numbers, quoted names and formula parts."""
    start, end = match.start("number"), match.end("unit_text")
    if inside[start] in ("“", "《", "〔", "【", "「"):
        return False
    if _signed(text, start):
        start -= 1
    elif text.endswith(("第", "+", "-", "~", "—"), 0, _end_before(text, start)) or text[end:end + 1] in ("+", "-"):
        return False
    if start == 0 and _LIST_ORDINAL.match(text):
        return False  # a list ordinal such as "01 高校毕业生…"
    if not match.group("unit"):
        if not match.group("scale") or _DATE_AFTER.match(text, match.end("number")):
            return False
    unit = match.group("unit") or ""
    following = text[end:end + 1]
    return not (unit and following and following in _NOT_A_UNIT.get(unit, ""))


def _signed(text: str, start: int) -> bool:
    """为-2.26‰: a minus sign right after a word (not after a digit, as in 1-3月) is the figure's sign."""
    return start >= 2 and text[start - 1] == "-" and "\u4e00" <= text[start - 2] <= "\u9fff"


def find_figures(text: str, inside: list[str]) -> list[Figure]:
    figures = []
    for match in _FIGURE.finditer(text):
        if not _is_statistic(text, match, inside):
            continue
        qualifier, _ = _prefix_qualifier(text, match.start())
        suffix = (match.group("suffix") or "").strip()
        if match.group("approx"):
            qualifier = QUALIFIER_SUFFIXES[match.group("approx")]
        if suffix:  # 控制在5.5%左右 is about 5.5%: the word after the figure is the more precise
            qualifier = QUALIFIER_SUFFIXES[suffix]
        end = match.end("suffix") if suffix else match.end("unit_text")
        signed = _signed(text, match.start("number"))
        figures.append(Figure(
            match.start("number") - signed, end, "-" * signed + match.group("number"),
            _SPACES.sub("", match.group("unit_text")), match.group("scale") or "",
            match.group("unit") or "", qualifier,
        ))
    return figures
