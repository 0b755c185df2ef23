"""What a subject phrase says, in the form aliases are compared in.

Two forms of a phrase (a table's row label, or the subject of a figure in running text):

* `normalize_phrase`: the phrase as printed, folded: NFKC, Simplified script (OpenCC, as
  for the documents), bracketed notes, quotes, slashes and spaces removed, a leading 其中
  dropped. Aliases are unique in this form (the codebook refuses an alias claimed twice).
* `Phrasing.canonical`: the folded phrase without what does not change the indicator it
  names: a leading number (1. 一、), the region the figure is about (全国, 全省, the
  document's own place name), verbs and particles (参加, 实现, 的, 合计 ...), and with one
  word for each set of variants (人员 and 人数 -> 人, 结存 -> 结余 ...). The word lists are
  data: the `phrasing:` section of data/codebook.yaml, which an analyst extends.

`canonical` also says what it changed ("removing 实现"), so a match can give its reason.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

_NOTE_IN_BRACKETS = re.compile(r"\([^()]*\)")
_DROPPED = re.compile(r"[\s“”\"'‘’《》「」/·:]")
# a list's numbering in front of a phrase: 1. 2、 一、 ①; never 第一 (第一产业 is a word)
_NUMBERING = re.compile(r"^(?:\d{1,2}[.、]|[一二三四五六七八九十]{1,3}、|[\u2460-\u2473])")
# the suffixes a region's short name drops (浙江省 -> 浙江, 长兴县 -> 长兴)
_REGION_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "自治州", "自治县",
                    "省", "市", "县", "区", "州", "盟", "旗")


@lru_cache(maxsize=8192)
def normalize_phrase(text: str) -> str:
    """The form aliases and phrases are compared in: 专业技术人才总量（含…）-> 专业技术人才总量."""
    from renshe.ingest.documents import to_simplified

    folded = to_simplified(unicodedata.normalize("NFKC", str(text)))
    folded = _DROPPED.sub("", _NOTE_IN_BRACKETS.sub("", folded))
    return folded.removeprefix("其中")


@lru_cache(maxsize=512)
def region_names(region: str) -> tuple[str, ...]:
    """A region's name and its short form, longest first: 浙江省 -> (浙江省, 浙江)."""
    name = normalize_phrase(region)
    if not name:
        return ()
    for suffix in _REGION_SUFFIXES:
        short = name.removesuffix(suffix)
        if short != name and len(short) >= 2:
            return (name, short)
    return (name,)


def _alternation(words) -> re.Pattern | None:
    ordered = sorted({w for w in words if w}, key=len, reverse=True)
    return re.compile("|".join(map(re.escape, ordered))) if ordered else None


@dataclass(frozen=True)
class Phrasing:
    """The word lists of the codebook's `phrasing:` section (all optional)."""

    region_words: tuple[str, ...] = ()  # 全国 全省 ...: where, not what
    drop: tuple[str, ...] = ()  # verbs and particles removed wherever they stand
    drop_at_edges: tuple[str, ...] = ()  # single characters removed only at the start or end (共, 为)
    same: tuple[tuple[str, str], ...] = ()  # variant -> the one word it is read as
    subtypes: tuple[str, ...] = ()  # words that, in front of a name, name a part of it (城镇职工 ...)
    predicates: tuple[str, ...] = ()  # words that, after a name, begin what is said of it (保持在 ...)
    implied_heads: tuple[tuple[str, str], ...] = ()  # a phrase ending in the key means key+head
    unit_heads: tuple[tuple[str, str], ...] = ()  # a phrase counted in the unit may leave out this head
    threshold: float = 0.7  # below this score a phrase stays unmapped
    # groups of words naming scopes that exclude each other (户籍 | 常住): a phrase naming one never
    # gets an indicator whose names say another
    exclusive_scopes: tuple[tuple[str, ...], ...] = ()
    # words that make a phrase a flow over the period (新增): never an id of a stock that lacks them
    flow_words: tuple[str, ...] = ()
    _patterns: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self):
        self._patterns.update(
            region=_alternation(self.region_words), drop=_alternation(self.drop),
            same=_alternation(word for word, _ in self.same), same_map=dict(self.same),
            edges=tuple(sorted(self.drop_at_edges, key=len, reverse=True)),
        )

    def canonical(self, text: str, region: str = "") -> tuple[str, tuple[str, ...]]:
        """(canonical form, what was changed) of an already normalised phrase or alias."""
        return _canonical(self, normalize_phrase(text), region)

    def implied(self, text: str, unit: str, measure: str = "actual") -> list[str]:
        """The phrase completed with the head it leaves out: 第一产业就业人员占 -> …占比 (a
        phrase ending in 占), 享受工伤保险待遇 in 人 -> 享受工伤保险待遇人数 (the unit names it;
        a change_pct in % may be the growth of any of them)."""
        completed = [text + head for ending, head in self.implied_heads
                     if text.endswith(ending) and len(text) > len(ending)]
        completed += [text + head for unit_name, head in self.unit_heads
                      if (unit == unit_name or measure == "change_pct") and not text.endswith(head)]
        return completed

    def predicate_after(self, text: str) -> bool:
        """Whether `text` begins with a predicate word: 城镇登记失业率|保持在…之间 names the rate."""
        return text.startswith(self.predicates) if self.predicates else False

    def scope_conflict(self, phrase: str, names: str) -> str:
        """The scope the phrase names against the one an indicator's names say ('' if none):
        户籍总城镇人口 against 城镇常住人口 -> '户籍, not 常住'."""
        for group in self.exclusive_scopes:
            said = [w for w in group if w in phrase]
            theirs = [w for w in group if w in names]
            if said and theirs and not set(said) & set(theirs):
                return f"{'/'.join(said)}, not {'/'.join(theirs)}"
        return ""

    def flow_word(self, phrase: str) -> str:
        """The flow word a phrase holds ('' if none): 新增农村劳动力转移就业 counts the year's new ones."""
        return next((w for w in self.flow_words if w in phrase), "")

    def subtype_before(self, text: str) -> str:
        """The sub-type word `text` ends with ('' if none): 城镇职工 in 城镇职工|基本养老保险基金支出."""
        return next((word for word in sorted(self.subtypes, key=len, reverse=True) if text.endswith(word)), "")


@lru_cache(maxsize=16384)
def _canonical(phrasing: Phrasing, text: str, region: str) -> tuple[str, tuple[str, ...]]:
    notes: list[str] = []
    patterns = phrasing._patterns
    numbered = _NUMBERING.match(text)
    if numbered and len(text) > numbered.end():
        text = text[numbered.end():]
    for name in region_names(region):
        if name in text and len(text) > len(name):
            text = text.replace(name, "")
            notes.append(f"removing the region {name}")
            break
    text = _remove(text, patterns["region"], notes)
    text = _remove(text, patterns["drop"], notes)
    text = _trim_edges(text, patterns["edges"], notes)
    if patterns["same"] is not None:
        read_as = {found: patterns["same_map"][found] for found in patterns["same"].findall(text)}
        replaced = patterns["same"].sub(lambda found: read_as[found.group()], text)
        if replaced:  # a phrase that is only a variant word (人数) keeps it
            text = replaced
            notes.extend(f"reading {old} as {new}" if new else f"removing {old}" for old, new in read_as.items())
    return text, tuple(dict.fromkeys(notes))


def _remove(text: str, pattern: re.Pattern | None, notes: list[str]) -> str:
    if pattern is None:
        return text
    removed = pattern.findall(text)
    kept = pattern.sub("", text)
    if not removed or not kept:  # a phrase made only of such words is left as it is
        return text
    notes.extend(f"removing {word}" for word in dict.fromkeys(removed))
    return kept


def _trim_edges(text: str, words: tuple[str, ...], notes: list[str]) -> str:
    changed = True
    while changed and len(text) > 1:
        changed = False
        for word in words:
            if text.startswith(word) and len(text) > len(word) + 1:
                text, changed = text[len(word):], True
            elif text.endswith(word) and len(text) > len(word) + 1:
                text, changed = text[:-len(word)], True
            else:
                continue
            notes.append(f"removing {word}")
            break
    return text
