"""What a sentence tells about its figures while it is read: the document's time context,
the readings so far and the words that make a figure a change, a share or a bound."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from renshe.ingest.numbers import QUALIFIER_PREFIXES
from renshe.ingest.text.figures import Figure
from renshe.periods import canonical, year_before


_CHANGE = re.compile(r"(?:(?:比|较)(?:上年末|上年底|上年同期|上年|去年末|去年底|去年同期|去年|同期"
                     r"|“?十[一二三四五六七八九]五”?(?:时期|期间|期末|末)?|(?:19|20)\d{2}年(?:末|底)?"
                     r"|(?:第)?[一二三四]季度(?:末|底)?|上半年(?:末|底)?|\d{1,2}月(?:末|底)?|年初|上月(?:末|底)?|上季度(?:末)?)"
                     r"|同比|环比)"
                     r"\s*(?P<word>净增|净减|增加|减少|增长|下降|提高|降低|上升|回落|增|减)(?!到|至|为)")
_PER_MONTH = ("每人每月", "每月")
# a rate, and the points that change it
RATE_UNITS = frozenset({"%", "‰"})
POINT_UNITS = frozenset({"百分点", "千分点"})
_DIRECTIONS = r"净增|净减|增加|减少|增长|下降|提高|降低|上升|回落"
# 分别下降 / 分别比上年增长: a list of figures that are changes
_LIST_CHANGE = re.compile(rf"^(?:同比|环比)?(?P<word>{_DIRECTIONS})了?$")
# 支出下降 / 营业收入增长率为: the subject before the words, and how it changed
# (人口自然增长率, 机械增长率 are rates of their own, not the growth of something before them)
_STATED_CHANGE = re.compile(rf"(?<!自然)(?<!机械)(?P<word>增长率|增幅|增速|增长速度|{_DIRECTIONS})了?$")
_COUNTED_NOUN = re.compile(r"[\u4e00-\u9fff]+")  # 万名劳动者…: the noun starts right after the measure word
# a figure whose only words are a direction (，增长34.6%) is the change of the figure before it
_BARE_CHANGE = re.compile(r"^(?:同比|分别|共|合计)?(?P<word>净增|净减|增加|减少|增长|下降|提高|降低|上升|回落)了?$")
# 3.6%—4.24%: two bounds of a range, not two figures
_RANGE_AFTER = re.compile(r"\s*(?:—{1,2}|-|–|~|至|到)\s*\d+(?:\.\d+)?%?")
# in a bulletin a bound the authorities set (控制在4.0%以内, 低于5%的控制目标) is a target
_TARGET_BEFORE = re.compile(r"控制在|调控在")
# ... only with words that say it is an aim: without them 控制在 reports the outcome (an actual, ≤)
_TARGET_INTENT = re.compile(r"目标|力争|预期|计划|确保|要求")
# 低于5%的控制目标: 低于 compares the actual with the target; it does not bound the target
_COMPARED = ("低于", "高于", "超过", "优于", "好于", "不超过", "未超过")
_TARGET_WORDS = re.compile(r"(?:年度)?(?:控制|调控|预期)?目标(?:值)?|的")
_TARGET_AFTER = re.compile(r"^\s*(?:以内|以下)?\s*的?(?:年度)?(?:控制|调控|预期)?目标")
# 由1.3亿人增至2亿人: the value at the start of the period named, and at its end
_FROM = ("由", "从")
_TO = re.compile(r"^\s*(?:增|增加|增长|提高|上升|扩大|下降|降|降低|减少|回落)(?:至|到)\s*$")
# what makes a match depend on the text around it: lookarounds, anchors, word boundaries
_ASSERTION = re.compile(r"\(\?<?[=!]|\^|\$|\\[bBAZ]")


@dataclass
class Context:
    year: int
    reference_period: str
    plan_start: str
    plan_end: str
    at_year: int = 0  # the year 今年 names (anchor.anchor_year); 0: the document's own year

    def values(self) -> dict[str, str]:
        at_year = self.at_year or self.year
        same_before = year_before(canonical(self.reference_period) or self.reference_period)
        return {"year": str(self.year), "year_before": str(self.year - 1),
                "reference_period": canonical(self.reference_period) or self.reference_period,
                "plan_start": self.plan_start,
                "plan_end": self.plan_end, "previous_start": str(int(self.plan_start) - 5),
                "previous_end": str(int(self.plan_start) - 1),
                "at_year": str(at_year), "at_year_before": str(at_year - 1),
                "same_period_year_before": same_before or str(self.year - 1)}


@dataclass
class Reading:
    """What is known about a figure once its sentence has been read."""

    figure: Figure
    subject: str
    period: str
    basis: str
    measure: str
    change_word: str = ""
    unit_override: str = ""
    doubt: str = ""  # why the figure cannot be published as read: it is set aside with this reason


@dataclass
class SentenceState:
    actual: list[Reading] = field(default_factory=list)  # stock/flow figures so far, for 比上年 and 分别
    last_subject: str = ""
    last_rate: "Reading | None" = None  # the last figure in %, which a change in 百分点 qualifies
    parent: Reading | None = None  # the figure a 其中 clause breaks down
    parent_in_bracket: bool = False  # (其中 …) ends with its bracket


_WINDOW_QUALIFIERS = sorted((w for w in QUALIFIER_PREFIXES if len(w) >= 2 and QUALIFIER_PREFIXES[w]),
                            key=len, reverse=True)


def _qualifier_in_window(figure: Figure, left: str) -> tuple[Figure, str]:
    """至少建设 6 家: a bound word a few words before the figure still bounds it."""
    if figure.qualifier:
        return figure, left
    for word in _WINDOW_QUALIFIERS:
        if word in left:
            return replace(figure, qualifier=QUALIFIER_PREFIXES[word]), left.replace(word, "", 1)
    return figure, left
