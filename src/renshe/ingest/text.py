"""Figures stated in running text: one observation per figure, pointing at its raw line.

Which parts of a document are read, and how time words set a figure's period, is data
(data/text_sections.yaml). Reading goes paragraph -> sentence -> clause:

* a figure is a number with a unit (or a 万/亿 scale): `116.32 万人`, `近 100%`, `2.3 万余份`;
  numbers that are dates (2023年), ordinals (第2, 01 …), serial numbers (〔2023〕28号),
  inside quotes or book titles (“1311”服务, “35项攻坚举措”) or parts of a name (115人才工程,
  1+3+N) are not figures;
* its subject is the phrase around it in its clause, cleaned of time words and fillers; a count
  printed before its noun counts that noun (为28.39万名劳动者解决工资等待遇 -> 解决工资等待遇劳动者),
  and a subject stated twice in a paragraph takes its sentence's topic (电子社保卡累计访问量);
* 分别 lists map in order (基本养老、失业、工伤保险参保人数分别为 A、B、C), 其中 makes parts
  of the figure before it, 比上年末增加/减少 is a change of the figure before it, 占…的 X%
  a share of it, and a bare 基金支出 takes the topic of the figure before it.
"""
from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path


from renshe.ingest.documents import Document, Paragraph, normalize_line
from renshe.errors import RensheError
from renshe.yamlfiles import load_yaml
from renshe.ingest.numbers import (
    PREFIXES_LONGEST_FIRST, BASE_UNITS, QUALIFIER_PREFIXES, QUALIFIER_SUFFIXES, scale_value, signed_change,
)

TEXT_TABLE_ID = "text"
CONFIG_NAME = Path("data") / "text_sections.yaml"

# --- configuration ----------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    name: str
    start: re.Pattern
    end: re.Pattern | None
    repeat: bool


@dataclass(frozen=True)
class Scope:
    doc_id: str
    measure: str
    default_period: str
    sections: tuple[Section, ...] | None  # None: the whole document


@dataclass(frozen=True)
class Marker:
    name: str
    pattern: re.Pattern
    period: str | None
    basis: str | None
    measure: str | None
    doc_types: tuple[str, ...]
    carry: bool  # the period it sets holds for the rest of the paragraph (截至3月底, …)


@dataclass(frozen=True)
class TextConfig:
    path: Path
    scopes: dict[str, Scope]
    markers: tuple[Marker, ...]
    skip_clauses: tuple[re.Pattern, ...]
    formula: re.Pattern | None
    item_heading: re.Pattern | None
    strip_leading: tuple[str, ...]
    strip_trailing: tuple[str, ...]
    distributive_tails: tuple[str, ...]
    inherit_topic: frozenset[str]
    topic_measures: tuple[str, ...]
    person_words: tuple[str, ...]
    per_month_subjects: tuple[str, ...]
    counted_units: frozenset[str] = frozenset()
    predicate_verbs: tuple[str, ...] = ()
    unit_measures: dict[str, str] = field(default_factory=dict)
    topic_ends: tuple[str, ...] = ()
    place_words: tuple[str, ...] = ()
    # objects derived from this configuration (subject cleaners), built once and reused by
    # every document read with it; not part of the configuration's value
    derived: dict = field(default_factory=dict, compare=False, repr=False)


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def _compile(pattern: str, path: Path, text: str, where: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise RensheError(f"{where}: bad pattern {pattern!r}: {exc}", path,
                          _line_of(text, pattern.strip("'\""))) from exc


def _scope(doc_id: str, raw: dict, path: Path, text: str) -> Scope:
    line = _line_of(text, f"{doc_id}:")
    if not isinstance(raw, dict) or raw.get("measure") not in ("actual", "target") or not raw.get("default_period"):
        raise RensheError(f"text scope {doc_id}: needs measure (actual|target) and default_period", path, line)
    sections = raw.get("sections")
    if sections == "all":
        return Scope(doc_id, raw["measure"], str(raw["default_period"]), None)
    if not isinstance(sections, list) or not sections:
        raise RensheError(f"text scope {doc_id}: sections must be `all` or a list", path, line)
    parsed = []
    for section in sections:
        name = str(section.get("name", "?"))
        if not section.get("start"):
            raise RensheError(f"text scope {doc_id}, section {name}: no start pattern", path, line)
        where = f"text scope {doc_id}, section {name}"
        end = _compile(section["end"], path, text, where) if section.get("end") else None
        parsed.append(Section(name, _compile(section["start"], path, text, where), end,
                              bool(section.get("repeat", False))))
    return Scope(doc_id, raw["measure"], str(raw["default_period"]), tuple(parsed))


def _marker(raw: dict, path: Path, text: str) -> Marker:
    name = str(raw.get("name", "?"))
    if not raw.get("pattern"):
        raise RensheError(f"period marker {name}: no pattern", path, _line_of(text, f"name: {name}"))
    basis = raw.get("basis")
    if basis is not None and basis not in ("", "cumulative", "per_year"):
        raise RensheError(f"period marker {name}: basis {basis!r} is not '', cumulative or per_year",
                          path, _line_of(text, f"name: {name}"))
    return Marker(name, _compile(raw["pattern"], path, text, f"period marker {name}"),
                  raw.get("period"), basis, raw.get("measure"), tuple(raw.get("doc_types") or ()),
                  bool(raw.get("carry", False)))


def _words(raw: dict, key: str) -> tuple[str, ...]:
    # longest first, so 分别为 is taken before 为
    return tuple(sorted((str(w) for w in raw.get(key) or ()), key=len, reverse=True))


def load_text_config(path: Path) -> TextConfig:
    """Read data/text_sections.yaml; a malformed entry raises RensheError naming it."""
    path = Path(path)
    return _load_text_config(path, path.stat().st_mtime_ns)  # re-read when the file is edited


@lru_cache(maxsize=8)
def _load_text_config(path: Path, _mtime_ns: int) -> TextConfig:
    data, text = load_yaml(path)
    scopes = {doc_id: _scope(doc_id, raw, path, text) for doc_id, raw in (data.get("documents") or {}).items()}
    markers = tuple(_marker(raw, path, text) for raw in data.get("period_markers") or ())
    skips = tuple(_compile(p, path, text, "skip_clauses") for p in data.get("skip_clauses") or ())
    subjects = data.get("subjects") or {}
    heading = _compile(data["item_heading"], path, text, "item_heading") if data.get("item_heading") else None
    formula = _compile(data["formula"], path, text, "formula") if data.get("formula") else None
    return TextConfig(
        path, scopes, markers, skips, formula, heading, _words(subjects, "strip_leading"), _words(subjects, "strip_trailing"),
        _words(subjects, "distributive_tails"), frozenset(_words(subjects, "inherit_topic")),
        _words(subjects, "topic_measures"), _words(subjects, "person_words"),
        _words(subjects, "per_month_subjects"), frozenset(_words(subjects, "counted_units")),
        _words(subjects, "predicate_verbs"), _unit_measures(subjects, path, text), _words(subjects, "topic_ends"),
        _words(subjects, "place_words"),
    )


def _unit_measures(subjects: dict, path: Path, text: str) -> dict[str, str]:
    raw = subjects.get("unit_measures") or {}
    if not isinstance(raw, dict):
        raise RensheError("subjects.unit_measures must map a unit to a word (元: 金额)", path,
                          _line_of(text, "unit_measures"))
    return {str(unit): str(word) for unit, word in raw.items()}


def config_for(document: Document) -> TextConfig:
    """The text configuration of the project the document's raw file belongs to."""
    for folder in document.path.parents:
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return load_text_config(candidate)
    raise RensheError(f"no {CONFIG_NAME} in any folder above the document", document.path)


# --- where to read ------------------------------------------------------------------------


def section_ranges(document: Document, scope: Scope, config_path: Path) -> list[tuple[str, int, int]]:
    """(section name, first line, last line) of every section, 1-based and inclusive."""
    lines = document.normalized_lines
    if scope.sections is None:
        return [("all", 1, len(lines))]
    ranges = []
    for section in scope.sections:
        starts = [n for n, line in enumerate(lines, start=1) if section.start.search(line)]
        if not starts:
            raise RensheError(f"text scope {scope.doc_id}: section {section.name!r} not found in "
                              f"{document.path.name} (pattern {section.start.pattern!r})",
                              config_path, _line_of(config_path.read_text(encoding="utf-8"), section.name))
        for start in starts if section.repeat else starts[:1]:
            end = next((n for n in range(start + 1, len(lines) + 1)
                        if section.end and section.end.search(lines[n - 1])), len(lines) + 1)
            ranges.append((section.name, start + 1, end - 1))
    return ranges


def scoped_paragraphs(document: Document, ranges: list[tuple[str, int, int]],
                      item_heading: re.Pattern | None = None) -> list[Paragraph]:
    """Paragraphs that begin inside a section (a paragraph cut by a page break stays whole)."""
    in_sections = {n for _, lo, hi in ranges for n in range(lo, hi + 1)}
    paragraphs = [p for p in document.paragraphs() if p.first_line in in_sections]
    if item_heading is None:
        return paragraphs
    lines = document.normalized_lines
    return [piece for p in paragraphs for piece in split_at_headings(p, lines, item_heading)]


def split_at_headings(paragraph: Paragraph, lines: list[str], heading: re.Pattern) -> list[Paragraph]:
    """An item heading is a paragraph of its own, even when documents.join_paragraphs ran it on."""
    at_heading = [i for i, n in enumerate(paragraph.lines) if heading.search(lines[n - 1])]
    cuts = sorted({c for i in at_heading for c in (i, i + 1) if 0 < c < len(paragraph.lines)})
    if not cuts:  # most paragraphs: one piece, the paragraph itself
        return [paragraph]
    pieces = []
    for a, b in zip([0, *cuts], [*cuts, len(paragraph.lines)]):
        offset = paragraph.starts[a]
        end = paragraph.starts[b] if b < len(paragraph.lines) else len(paragraph.text)
        pieces.append(Paragraph(paragraph.text[offset:end], [s - offset for s in paragraph.starts[a:b]],
                                paragraph.lines[a:b]))
    return pieces


# --- finding figures ------------------------------------------------------------------------

_UNITS = sorted({u.replace("(", "\\(").replace(")", "\\)") for u in BASE_UNITS}
                | {re.escape(u) for u in ("元/月",)}, key=len, reverse=True)
# 余/多 stand between scale and unit (2.3万余份, 7300多个); after a unit they start a word (多渠道)
_SUFFIXES = ("及以上", "左右", "以上", "以内", "以下")
_FIGURE = re.compile(
    r"(?<![\d.])(?P<number>\d+(?:\.\d+)?)"
    r"(?P<unit_text>\s*(?P<scale>万亿|亿|万)?\s*(?P<approx>余|多)?\s*(?P<unit>" + "|".join(_UNITS) + r")?)"
    r"(?P<suffix>\s*(?:" + "|".join(_SUFFIXES) + r"))?"
)
# A unit followed by these characters is the start of a word, not a unit (115人才工程, 3个月).
_NOT_A_UNIT = {"人": "才员口数均", "个": "月", "期": "间末", "名": "单", "项": "目", "家": "庭",
               "场": "馆", "次": "数"}
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
    if text.endswith(("第", "+", "-", "~", "—"), 0, _end_before(text, start)) or text[end:end + 1] in ("+", "-"):
        return False
    if start == 0 and _LIST_ORDINAL.match(text):
        return False  # a list ordinal such as "01 高校毕业生…"
    if not match.group("unit"):
        if not match.group("scale") or _DATE_AFTER.match(text, match.end("number")):
            return False
    unit = match.group("unit") or ""
    following = text[end:end + 1]
    return not (unit and following and following in _NOT_A_UNIT.get(unit, ""))


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
        figures.append(Figure(
            match.start("number"), end, match.group("number"),
            _SPACES.sub("", match.group("unit_text")), match.group("scale") or "",
            match.group("unit") or "", qualifier,
        ))
    return figures


# --- sentences and clauses -----------------------------------------------------------------


@lru_cache(maxsize=8)
def _stop_pattern(stops: str) -> re.Pattern:
    return re.compile("[" + re.escape(stops) + "]")


def _spans(text: str, inside: list[str], stops: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Split text[lo:hi] at top-level stop characters (not inside quotes or brackets)."""
    spans, start = [], lo
    for stop in _stop_pattern(stops).finditer(text, lo, hi):
        i = stop.start()
        if inside[i] == "" and not (text[i] == "," and _between_digits(text, i)):
            spans.append((start, i))
            start = i + 1
    spans.append((start, hi))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _between_digits(text: str, i: int) -> bool:
    return 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()


def sentences(text: str, inside: list[str]) -> list[tuple[int, int]]:
    return _spans(text, inside, "。;!?", 0, len(text))


def clauses(text: str, inside: list[str], sentence: tuple[int, int], figures: list[Figure]) -> list[tuple[int, int]]:
    """Clauses of a sentence; a bracket holding figures (其中 … ) is a clause of its own."""
    lo, hi = sentence
    depths = _depths(text)
    cuts = []
    for a, b in _spans(text, inside, ",:", lo, hi):
        cuts.extend(_split_brackets(text, depths, a, b, figures))
    return cuts


def _split_brackets(text: str, depths: list[int], a: int, b: int, figures: list[Figure]) -> list[tuple[int, int]]:
    pieces, start, i = [], a, a
    while i < b:
        if text[i] == "(" and depths[i] == 1:
            close = next((j for j in range(i + 1, b) if text[j] == ")" and depths[j] == 1), None)
            if close is not None and any(i < f.start < close for f in figures):
                pieces.extend([(start, i), (i + 1, close)])
                start, i = close + 1, close + 1
                continue
        i += 1
    pieces.append((start, b))
    return [(x, y) for x, y in pieces if text[x:y].strip()]


# --- subjects -------------------------------------------------------------------------------

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


def distribute(items: list[str], tails: tuple[str, ...]) -> list[str]:
    """基本养老、失业、工伤保险参保人数 -> each item with the tail its last item carries."""
    last = items[-1]
    tail = next((t for t in tails if last.endswith(t) and len(last) > len(t)), "")
    return [item if (not tail or item.endswith(tail)) else merge_overlap(item, tail) for item in items[:-1]] + [last]


def merge_overlap(topic: str, subject: str) -> str:
    """基本养老保险基金 + 基金支出 -> 基本养老保险基金支出."""
    for k in range(min(len(topic), len(subject)), 0, -1):
        if topic.endswith(subject[:k]):
            return topic + subject[k:]
    return topic + subject


def part_of(parent: str, child: str) -> str:
    """其中: 新增技能人才 / 高技能人才 -> 新增高技能人才 (the parent's qualifier carries over)."""
    common = 0
    while common < min(len(parent), len(child)) and parent[-1 - common] == child[-1 - common]:
        common += 1
    if common < 2:
        return child
    prefix = parent[: len(parent) - common]
    head = child[: len(child) - common]
    return child if not prefix or prefix in head or head.startswith(prefix) else prefix + child


# --- reading one document ----------------------------------------------------------------------

_CHANGE = re.compile(r"(?:(?:比|较)(?:上年末|上年底|上年同期|上年|去年末|去年底|去年同期|去年|同期)|同比|环比)"
                     r"\s*(?P<word>增加|减少|增长|下降|提高|降低)")
_PER_MONTH = ("每人每月", "每月")
_COUNTED_NOUN = re.compile(r"[\u4e00-\u9fff]+")  # 万名劳动者…: the noun starts right after the measure word
_CHANGE_PCT_WORDS = ("增长", "下降")
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
                "plan_end": self.plan_end}


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


class DocumentReader:
    def __init__(self, document: Document, config: TextConfig, scope: Scope):
        self.document = document
        self.config = config
        self.scope = scope
        entry = document.entry
        span = entry.reference_period.split("-")
        plan = span if len(span) == 2 and all(s.isdigit() and len(s) == 4 for s in span) else [str(entry.year)] * 2
        self.context = Context(entry.year, entry.reference_period, plan[0], plan[1])
        chosen = tuple(i for i, m in enumerate(config.markers) if not m.doc_types or entry.doc_type in m.doc_types)
        self.markers = [config.markers[i] for i in chosen]
        self.clean = self._cleaner(config, chosen)
        self.context_free = [not _ASSERTION.search(m.pattern.pattern) for m in self.markers]
        self.paragraph_markers = self.markers  # narrowed to those present, paragraph by paragraph
        self.values = self.context.values()
        self.default_period: str | None = None  # the scope's default period, filled in when first asked
        self.carried_period = ""  # set by a carrying marker, reset at each paragraph
        self.line_numbers: dict[int, tuple] = {}  # _numbers_on, by line

    @staticmethod
    def _cleaner(config: TextConfig, chosen: tuple[int, ...]) -> SubjectCleaner:
        """One cleaner per configuration and choice of markers, shared by the documents that use it."""
        key = ("cleaner", chosen)
        if key not in config.derived:
            config.derived[key] = SubjectCleaner(config, [config.markers[i].pattern for i in chosen])
        return config.derived[key]

    # -- time words
    def _markers_in(self, text: str) -> list[Marker]:
        """The markers that can match somewhere in a paragraph, in their configured order. Only a
        pattern without lookarounds or anchors is left out for no match in the whole paragraph:
        it matches inside a sentence of the paragraph only if it matches in the paragraph."""
        return [marker for marker, context_free in zip(self.markers, self.context_free)
                if not context_free or marker.pattern.search(text)]

    def _marker_hits(self, text: str, lo: int, hi: int) -> list[tuple[int, int, Marker, re.Match]]:
        hits = [(m.start(), m.end(), marker, m)
                for marker in self.paragraph_markers for m in marker.pattern.finditer(text, lo, hi)]
        hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        kept, reach = [], -1
        for hit in hits:  # overlapping words: the longer one, earlier, wins (去年底 is not 年底)
            if hit[0] >= reach:
                kept.append(hit)
                reach = hit[1]
        return kept

    def _template(self, template: str, groups: dict[str, str]) -> str:
        values = {**self.values, **{k: v for k, v in groups.items() if v}}
        return template.format(**values)

    def time_at(self, hits, offset: int) -> tuple[str, str, str]:
        if self.default_period is None:
            self.default_period = self._template(self.scope.default_period, {})
        period = self.carried_period or self.default_period
        basis, measure = "", self.scope.measure
        for start, _, marker, match in hits:
            if start >= offset:
                break
            if marker.period is not None:
                period = self._template(marker.period, match.groupdict())
            if marker.basis is not None:
                basis = marker.basis
            if marker.measure is not None:
                measure = marker.measure
        return period, basis, measure

    # -- sentences
    def read_sentence(self, text: str, inside: list[str], span: tuple[int, int],
                      figures: list[Figure]) -> list[Reading]:
        hits = self._marker_hits(text, span[0], span[1])
        state = SentenceState()
        readings = self._read_clauses(text, inside, span, figures, hits, state)
        for _, _, marker, match in hits:
            if marker.carry and marker.period is not None:
                self.carried_period = self._template(marker.period, match.groupdict())
        return readings

    def _read_clauses(self, text, inside, span, figures, hits, state) -> list[Reading]:
        readings: list[Reading] = []
        if not figures:
            return []
        for clause in clauses(text, inside, span, figures):
            in_clause = [f for f in figures if clause[0] <= f.start < clause[1]]
            if not in_clause or any(p.search(text, clause[0], clause[1]) for p in self.config.skip_clauses):
                continue
            readings.extend(self.read_clause(text, inside, clause, in_clause, hits, state))
        return readings

    def read_clause(self, text, inside, clause, figures, hits, state: SentenceState) -> list[Reading]:
        lo, hi = clause
        head = text[lo:figures[0].start]
        self._track_parts(text, clause, head, state)
        if "分别" in head:
            return self._respectively(text, clause, figures, hits, state)
        readings = []
        windows = self._windows(text, inside, clause, figures)
        for figure, (left, right) in zip(figures, windows):
            readings.append(self._reading(figure, left, right, hits, state))
        return readings

    @staticmethod
    def _track_parts(text: str, clause: tuple[int, int], head: str, state: SentenceState) -> None:
        """其中 opens a list of parts of the last figure; it ends with its bracket, a change or 分别."""
        lo, hi = clause
        in_bracket = text[lo - 1:lo] == "("
        if text[lo:hi].lstrip().startswith("其中"):
            state.parent = state.actual[-1] if state.actual else None
            state.parent_in_bracket = in_bracket
        elif state.parent is not None and (
                state.parent_in_bracket != in_bracket or "分别" in head or _CHANGE.search(head)):
            state.parent = None

    def _windows(self, text, inside, clause, figures) -> list[tuple[str, str]]:
        """The words left and right of each figure; text between two figures is cut at 和/、."""
        lo, hi = clause
        bounds = [lo] + [f for fig in figures for f in (fig.start, fig.end)] + [hi]
        gaps = [(bounds[2 * i], bounds[2 * i + 1]) for i in range(len(figures) + 1)]
        lefts, rights = [""] * len(figures), [""] * len(figures)
        shared = [False] * len(figures)  # the words after figure i are also the words before figure i+1
        for i, (a, b) in enumerate(gaps):
            gap = text[a:b]
            if i == 0:
                lefts[0] = gap
            elif i == len(figures):
                rights[-1] = gap
            else:
                cut = self._separator(text, inside, a, b, inside[lo])
                rights[i - 1] = gap if cut is None else text[a:cut]
                lefts[i] = gap if cut is None else text[cut:b]
                shared[i - 1] = cut is None
        lefts[0] = self._strip_prefix_qualifier(text, lo, figures[0])
        self._share_verb(figures, lefts, rights)
        self._counted_nouns(figures, lefts, rights, shared)
        return list(zip(lefts, rights))

    def _share_verb(self, figures: list[Figure], lefts: list[str], rights: list[str]) -> None:
        """涉及61.2万家企业和326.7万名劳动者: counts listed after one verb each take it (涉及劳动者)."""
        for i in range(1, len(figures)):
            listed = not self.clean(lefts[i]).strip("、和及与")
            if listed and self._counts_a_noun(figures[i - 1], rights[i - 1]) and self._counts_a_noun(figures[i], rights[i]):
                lefts[i] = lefts[i - 1]

    def _counts_a_noun(self, figure: Figure, right: str) -> bool:
        return figure.unit in self.config.counted_units and bool(_COUNTED_NOUN.match(right.strip()))

    def _counted_nouns(self, figures: list[Figure], lefts: list[str], rights: list[str], shared: list[bool]) -> None:
        """为28.39万名劳动者解决工资等待遇21.99亿元: a count printed before its noun counts that noun,
        and the predicate after the noun says which ones (解决工资等待遇劳动者). A figure that shares
        the predicate is named by it and by what its unit measures (解决工资等待遇金额)."""
        for i, figure in enumerate(figures):
            split = self._noun_and_predicate(figure, rights[i])
            if split is None or lefts[i].rstrip().endswith(self.config.place_words):
                continue
            noun, predicate = split
            lefts[i], rights[i] = lefts[i] + predicate, noun
            if shared[i] and figures[i + 1].unit in self.config.unit_measures:
                lefts[i + 1] = predicate + self.config.unit_measures[figures[i + 1].unit]

    def _noun_and_predicate(self, figure: Figure, right: str) -> tuple[str, str] | None:
        """万名劳动者解决工资等待遇 -> (劳动者, 解决工资等待遇); None when no noun follows the count."""
        words = right.strip()
        if not self._counts_a_noun(figure, words):
            return None
        starts = [words.find(verb) for verb in self.config.predicate_verbs if words.find(verb) > 0]
        if not starts:
            return None
        noun, predicate = words[:min(starts)], words[min(starts):]
        if "的" in predicate:  # 6家能够提供公益性服务的零工市场: a clause describing the noun that ends it
            return None
        return noun, predicate

    @staticmethod
    def _strip_prefix_qualifier(text: str, lo: int, figure: Figure) -> str:
        _, start = _prefix_qualifier(text, figure.start)
        return text[lo:max(lo, start)]

    @staticmethod
    def _separator(text: str, inside: list[str], a: int, b: int, level: str) -> int | None:
        for i in range(b - 1, a - 1, -1):
            if inside[i] == level and text[i] in "、和及与":
                return i
        return None

    def _reading(self, figure, left, right, hits, state: SentenceState) -> Reading:
        period, basis, measure = self.time_at(hits, figure.start)
        change = _CHANGE.search(left)
        if change:
            return self._change(figure, change.group("word"), period, basis, state)
        figure, left = _qualifier_in_window(figure, left)
        subject = self._subject(left, right, state)
        per_month = figure.unit == "元" and (left.rstrip().endswith(_PER_MONTH) or any(
            word in subject for word in self.config.per_month_subjects))
        reading = Reading(figure, subject, period, basis, measure, unit_override="元/月" if per_month else "")
        self._remember(reading, state)
        return reading

    def _subject(self, left: str, right: str, state: SentenceState) -> str:
        left_clean, right_clean = self.clean(left), self.clean(right)
        share = _SHARE_OF.match(left_clean)
        if share and state.last_subject:
            return f"{state.last_subject}占{share.group('whole')}比重"
        if left_clean.endswith("覆盖") and right_clean.startswith("人口") and state.last_subject:
            return f"{state.last_subject}覆盖人口比例"
        subject = self.clean(left + right) if left_clean and right_clean else (left_clean or right_clean)
        if subject in self.config.inherit_topic and state.last_subject:
            subject = merge_overlap(self._topic(state.last_subject), subject)
        if state.parent is not None:
            subject = part_of(state.parent.subject, subject)
        return subject

    def _topic(self, subject: str) -> str:
        for word in self.config.topic_measures:  # longest first: 总收入 before 收入
            if subject.endswith(word) and len(subject) > len(word):
                return subject[: -len(word)]
        return subject

    def _remember(self, reading: Reading, state: SentenceState) -> None:
        if reading.figure.unit != "%":
            state.actual.append(reading)
        state.last_subject = reading.subject

    def _change(self, figure, word, period, basis, state: SentenceState, of: Reading | None = None) -> Reading:
        of = of or (state.actual[-1] if state.actual else None)
        subject = of.subject if of else ""
        pct = figure.unit == "%" and word in _CHANGE_PCT_WORDS and (of is None or of.figure.unit != "%")
        # 比上年增加 10 元 of a 每人每月 200 元 figure is a change in 元/月 too
        unit = of.unit_override if of and figure.unit == of.figure.unit else ""
        return Reading(figure, subject, period, basis, "change_pct" if pct else "change", word, unit)

    def _respectively(self, text, clause, figures, hits, state: SentenceState) -> list[Reading]:
        """分别: a list of subjects before it, or the figures just read, take the figures in order."""
        lo, _ = clause
        head = text[lo:figures[0].start]
        before, after = head.split("分别", 1)
        change = _CHANGE.search(after)
        period, basis, measure = self.time_at(hits, figures[0].start)
        if change:
            targets = state.actual[-len(figures):]
            targets = [None] * (len(figures) - len(targets)) + targets
            return [self._change(f, change.group("word"), period, basis, state, of)
                    for f, of in zip(figures, targets)]
        items = [self.clean(i) for i in self.clean(before).split("、") if self.clean(i)]
        if len(items) == len(figures):
            subjects = distribute(items, self.config.distributive_tails)
        else:
            subjects = [self.clean(before)] * len(figures)
        qualifier = self._shared_qualifier(after, figures)
        readings = []
        for figure, subject in zip(figures, subjects):
            figure = replace(figure, qualifier=figure.qualifier or qualifier)
            reading = Reading(figure, subject, *self.time_at(hits, figure.start))
            self._remember(reading, state)
            readings.append(reading)
        return readings

    @staticmethod
    def _shared_qualifier(after: str, figures: list[Figure]) -> str:
        """控制在 A、B以下: the bound printed once holds for every figure of the list."""
        verb, _ = _prefix_qualifier(after.rstrip(), len(after.rstrip()))
        return verb or figures[-1].qualifier

    # -- rows
    def rows(self, paragraph: Paragraph) -> list[dict]:
        text = paragraph.text
        self.carried_period = ""
        if not _DIGITS.search(text):  # no number, no figure
            return []
        inside = enclosures(text)
        figures = self._not_in_formula(text, find_figures(text, inside))
        if not figures:
            return []
        self.paragraph_markers = self._markers_in(text)
        rows, spans = [], []
        for span in sentences(text, inside):
            if span[0] > figures[-1].start:
                break  # time words after the last figure set nothing that is read
            in_sentence = [f for f in figures if span[0] <= f.start < span[1]]
            for reading in self.read_sentence(text, inside, span, in_sentence):
                rows.append(self.row(paragraph, reading))
                spans.append(span)
        self._qualify_repeats(text, inside, rows, spans)
        return rows

    def _qualify_repeats(self, text: str, inside: list[str], rows: list[dict], spans: list[tuple[int, int]]) -> None:
        """A subject stated twice in a paragraph for the same period and measure (平台…累计访问量47亿人次,
        电子社保卡…累计访问量31亿次) names two things: each takes its sentence's topic."""
        def key(row: dict) -> tuple:
            return row["indicator_zh"], row["period"], row["measure"], row["basis"]

        counts = Counter(key(row) for row in rows)
        for row, span in zip(rows, spans):
            if counts[key(row)] > 1:
                topic = self.sentence_topic(text, inside, span)
                if topic and not row["indicator_zh"].startswith(topic):
                    row["indicator_zh"] = merge_overlap(topic, row["indicator_zh"])

    def sentence_topic(self, text: str, inside: list[str], span: tuple[int, int]) -> str:
        """The words a sentence opens with, up to its predicate: 电子社保卡已开通… -> 电子社保卡."""
        first = _spans(text, inside, ",:", *span)[0]
        opening = self.clean(text[first[0]:first[1]])
        ends = [opening.find(word) for word in self.config.topic_ends if opening.find(word) > 0]
        return opening[:min(ends)] if ends else ""

    def _not_in_formula(self, text: str, figures: list[Figure]) -> list[Figure]:
        """“1+3+N”的…体系：1个…应用；3个重点应用 — the counts spell out the name's formula."""
        if self.config.formula is None:
            return figures
        terms = {t for m in self.config.formula.finditer(text) for t in _DIGITS.findall(m.group())}
        return [f for f in figures if not (f.value_raw in terms and f.unit == "个" and not f.scale)]

    def row(self, paragraph: Paragraph, reading: Reading) -> dict:
        figure = reading.figure
        entry = self.document.entry
        value, unit = scale_value(figure.value_raw, figure.scale + figure.unit)
        unit = reading.unit_override or self._unit(unit, figure, reading.subject)
        if reading.measure in ("change", "change_pct"):
            value = signed_change(reading.change_word, value)
        basis = "" if unit == "%" else reading.basis
        line = paragraph.line_at(figure.start)
        value_raw, unit_raw = self._printed(paragraph, figure, line)
        return {
            "doc_id": entry.doc_id, "table_id": TEXT_TABLE_ID, "region": entry.region,
            "region_code": entry.region_code, "level": entry.level, "indicator_id": "",
            "indicator_zh": reading.subject, "period": reading.period, "measure": reading.measure,
            "qualifier": figure.qualifier, "value": value, "unit": unit, "value_raw": value_raw,
            "unit_raw": unit_raw, "source_line": line, "source_text": self.document.raw_line(line),
            "basis": basis,
        }

    def _unit(self, unit: str, figure: Figure, subject: str) -> str:
        if unit == "" and any(word in subject for word in self.config.person_words):
            return "人"  # 680万 专业技术人才: a scale printed alone counts persons
        return unit

    def _printed(self, paragraph: Paragraph, figure: Figure, line: int) -> tuple[str, str]:
        """The number and unit as printed on the raw line (full-width digits, 萬, …)."""
        index = paragraph.lines.index(line)
        local = figure.start - paragraph.starts[index]
        standalone, printed = self._numbers_on(line)
        # the figure is the n-th standalone occurrence of its number on the line (a figure's
        # number is never preceded by a digit or a point, so no number before it runs into it) …
        occurrence = bisect.bisect_left(standalone.get(figure.value_raw, ()), local)
        # … and it is printed as the n-th raw number that folds to it
        candidates = printed.get(figure.value_raw, ())
        if occurrence < len(candidates):
            match = candidates[occurrence]
            return match.group(), self._printed_unit(match.string, match.end(), figure.unit_raw)
        return figure.value_raw, figure.unit_raw

    def _numbers_on(self, line: int) -> tuple[dict[str, list[int]], dict[str, list[re.Match]]]:
        """The numbers of one line, read once: where each standalone number starts in the
        normalised line (stripped, as in its paragraph) and each raw number, by folded text."""
        numbers = self.line_numbers.get(line)
        if numbers is None:
            standalone: dict[str, list[int]] = {}
            for number in _STANDALONE_NUMBER.finditer(self.document.normalized_lines[line - 1].strip()):
                standalone.setdefault(number.group(), []).append(number.start())
            printed: dict[str, list[re.Match]] = {}
            for match in _PRINTED_NUMBER.finditer(self.document.raw_line(line)):
                printed.setdefault(_folded_number(match.group()), []).append(match)
            numbers = self.line_numbers[line] = (standalone, printed)
        return numbers

    def _printed_unit(self, raw: str, at: int, unit_raw: str) -> str:
        taken, i = "", at
        while i < len(raw) and len(taken) < len(unit_raw):
            if not raw[i].isspace():
                taken += raw[i]
            i += 1
        return taken if _folded(taken, self.document.entry.script) == unit_raw else unit_raw


@lru_cache(maxsize=4096)  # a few dozen distinct units, each folded once
def _folded(printed: str, script: str) -> str:
    return normalize_line(printed, script)


def _folded_number(printed: str) -> str:
    # ASCII digits and points are their own folding; only full-width ones go through it
    return printed if printed.isascii() else _folded(printed, "hans")


def extract_text_figures(document: Document, config: TextConfig | None = None) -> list[dict]:
    """Every figure stated in the document's configured text sections, as observation rows."""
    config = config or config_for(document)
    # a document printed like a registered one (its registry `layout`) reads the same sections
    layout = getattr(document.entry, "layout", "") or document.doc_id
    scope = config.scopes.get(layout)
    if scope is None:
        return []
    reader = DocumentReader(document, config, scope)
    ranges = section_ranges(document, scope, config.path)
    paragraphs = scoped_paragraphs(document, ranges, config.item_heading)
    return [row for paragraph in paragraphs for row in reader.rows(paragraph)]
