"""Subjects: the phrase a figure is about, cleaned of time words and fillers."""
from __future__ import annotations

import re

from renshe.ingest.numbers import PREFIXES_LONGEST_FIRST
from renshe.ingest.text.config import TextConfig
from renshe.ingest.text.figures import _SPACES


_BRACKETED_NOTE = re.compile(r"\([^()\d]*\)")
_QUOTES = re.compile(r"[“”\"'‘’《》「」]")
_SHARE_OF = re.compile(r"^占(?P<whole>.+?)(?:的)?(?:比重|比例)?$")


_CLEANED_LIMIT = 200_000  # phrases remembered per cleaner, so a long run's memory stays bounded


class SubjectCleaner:
    """Phrase around a figure -> its subject: notes, quotes, time words and fillers removed."""

    def __init__(self, config: TextConfig, markers: list[re.Pattern]):
        self.config = config
        self.markers = markers
        self.cleaned: dict[str, str] = {}  # the same phrases recur in every document of a kind
        self.leading = tuple(config.strip_leading)
        self.trailing = tuple(config.strip_trailing) + tuple(w for w in PREFIXES_LONGEST_FIRST if w)

    def __call__(self, phrase: str) -> str:
        cleaned = self.cleaned.get(phrase)
        if cleaned is None:
            if len(self.cleaned) >= _CLEANED_LIMIT:
                self.cleaned.clear()
            cleaned = self.cleaned[phrase] = self._clean(phrase)
        return cleaned

    def _clean(self, phrase: str) -> str:
        text = _BRACKETED_NOTE.sub("", phrase)
        text = _QUOTES.sub("", text)
        for marker in self.markers:
            text = marker.sub("", text)
        text = _SPACES.sub("", text).strip(",:;、")
        for _ in range(6):  # words come off one at a time: 年末全省共有… -> 全省共有… -> 共有… -> …
            before = text
            text = self._strip(text)
            if text == before:
                break
        return text

    def _strip(self, text: str) -> str:
        # one C-level startswith/endswith over all the words first: most texts keep every word
        if text.startswith(self.leading):
            for word in self.leading:
                if text.startswith(word) and len(text) > len(word):
                    return text[len(word):]
        if text.endswith(self.trailing):  # strip_trailing words, then qualifier words
            for word in self.trailing:
                if text.endswith(word) and len(text) > len(word):
                    return text[: -len(word)]
        return text


# the items of a 分别 list: 基本养老、失业、工伤保险参保人数; 失业保险和工伤保险参保人数
# (以及 is one conjunction; 及 in 涉及, 和 in 和谐 are inside a word, not between items)
_LIST_SEPARATORS = re.compile(r"以及|、|与|和(?!谐)|(?<!涉)及(?!时)")


def distribute(items: list[str], tails: tuple[str, ...]) -> list[str]:
    """基本养老、失业、工伤保险参保人数 -> each item with the tail its last item carries."""
    last = items[-1]
    tail = next((t for t in tails if last.endswith(t) and len(last) > len(t)), "")
    # an item with a head of its own (查处欠薪案件数、涉及劳动者人数) keeps it
    return [item if (not tail or item.endswith(tail) or item.endswith(tail[-1])) else merge_overlap(item, tail)
            for item in items[:-1]] + [last]


def merge_overlap(topic: str, subject: str) -> str:
    """基本养老保险基金 + 基金支出 -> 基本养老保险基金支出."""
    for k in range(min(len(topic), len(subject)), 0, -1):
        if topic.endswith(subject[:k]):
            return topic + subject[k:]
    return topic + subject


# the heads of a counted whole whose 其中 parts are named by another noun (参加工伤保险人数, 其中农民工)
_COUNTED_WHOLES = ("人数", "人口", "人员", "总量", "总数")


def part_of(parent: str, child: str, groups: tuple[str, ...] = (), scopes: tuple[str, ...] = ()) -> str:
    """其中: 新增技能人才 / 高技能人才 -> 新增高技能人才 (the parent's qualifier carries over);
    户籍总人口 / 城镇人口 -> 户籍城镇人口 (总 says the whole, not the part's scope); a part named by a
    group word (`groups`: 农民工, 男性 — alone they would name the whole group) keeps the whole it is
    taken from: 参加工伤保险人数 / 农民工 -> 参加工伤保险人数中农民工."""
    common = 0
    while common < min(len(parent), len(child)) and parent[-1 - common] == child[-1 - common]:
        common += 1
    if common < 2:
        whole = parent.endswith(_COUNTED_WHOLES) and child.startswith(groups) if groups else False
        if whole and "中" not in parent:
            return f"{parent}中{child}"
        # 城镇职工基本养老保险基金总收入, 其中各级财政补助基本养老保险基金: a part naming the scheme
        # without its scope is of the parent's scheme (城镇职工各级财政补助基本养老保险基金)
        scope = next((w for w in scopes if w in parent), "")
        if scope and "保险" in child and not any(w in child for w in scopes):
            return scope + child
        return child
    prefix = parent[: len(parent) - common].removesuffix("总")
    head = child[: len(child) - common]
    return child if not prefix or prefix in head or head.startswith(prefix) else prefix + child
