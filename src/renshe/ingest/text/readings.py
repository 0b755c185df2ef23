"""What a sentence tells about its figures while it is read: the document's time context,
the readings so far and the words that make a figure a change, a share or a bound."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from renshe.ingest.numbers import QUALIFIER_PREFIXES
from renshe.ingest.text.figures import Figure


_CHANGE = re.compile(r"(?:(?:比|较)(?:上年末|上年底|上年同期|上年|去年末|去年底|去年同期|去年|同期"
                     r"|“?十[一二三四五六七八九]五”?(?:时期|期间|期末|末)?|(?:19|20)\d{2}年(?:末|底)?)|同比|环比)"
                     r"\s*(?P<word>增加|减少|增长|下降|提高|降低)(?!到|至)")
_PER_MONTH = ("每人每月", "每月")
_COUNTED_NOUN = re.compile(r"[\u4e00-\u9fff]+")  # 万名劳动者…: the noun starts right after the measure word
# a figure whose only words are a direction (，增长34.6%) is the change of the figure before it
_BARE_CHANGE = re.compile(r"^(?:同比|分别|共|合计)?(?P<word>增加|减少|增长|下降|提高|降低)了?$")
# what makes a match depend on the text around it: lookarounds, anchors, word boundaries
_ASSERTION = re.compile(r"\(\?<?[=!]|\^|\$|\\[bBAZ]")


@dataclass
class Context:
    year: int
    reference_period: str
    plan_start: str
    plan_end: str

    def values(self) -> dict[str, str]:
        return {"year": str(self.year), "year_before": str(self.year - 1),
                "reference_period": self.reference_period, "plan_start": self.plan_start,
                "plan_end": self.plan_end, "previous_start": str(int(self.plan_start) - 5),
                "previous_end": str(int(self.plan_start) - 1)}


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
