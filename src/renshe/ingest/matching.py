"""Matching a subject phrase to a codebook indicator by what it means, the unit a constraint.

Every alias is kept in two forms (phrases.normalize_phrase and Phrasing.canonical), and a
phrase is scored against each indicator; the best score decides:

=====================  =====  ==============================================================
evidence                score  example
=====================  =====  ==============================================================
same alias              1.00   参加失业保险人数
same once canonical     0.95   就业困难人员就业 = 就业困难人员实现就业 after removing 实现
implied head            0.90   失业保险 counted in 人 = 失业保险人数 = 失业保险参保人数;
                               第一产业就业人员占 (22.9%) = 第一产业就业人员占比
alias inside phrase     0.60+  全行业共有人力资源服务机构从业人员 holds 人力资源服务机构从业人员:
                               0.6 + 0.3 x the share of the phrase the alias covers, + 0.05
                               when it ends the phrase (a Chinese noun phrase ends in its head)
phrase inside alias     <0.65  参保率 is part of 基本养老保险参保率 and of 基本医疗保险参保率
similar characters      <0.60  difflib's ratio x 0.6
=====================  =====  ==============================================================

Only the first four can reach `Phrasing.threshold` (0.7); the others are suggestions. An
alias inside a phrase counts for less (0.6, a suggestion) when a sub-type word stands right
before it (城镇职工|基本养老保险基金支出 is not the basic pension fund's expenditure), when it
is one of two things joined by 和/及/、 (失业保险和工伤保险参保人数, 创业担保贷款及各类创业补贴),
when it is three characters or fewer (乡内|农民工), when it begins the phrase and covers less
than half of it (a modifier: 农村人口|劳务转移输出; not when a predicate follows it, as in
城镇登记失业率|保持在…), or, for a growth rate (change_pct, whose % says nothing of what
grows), when the phrase goes on after it.

The unit must be one the indicator measures in (its `unit` or `other_units`); a `change_pct`
is in % whatever the indicator counts, and a `change` of a rate is in 百分点. No id is given
when the best candidate is below the threshold, when two indicators score the same, or when
a longer name around the match is an indicator measured in another unit.
"""
from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass

from renshe.ingest.phrases import Phrasing, normalize_phrase

EXACT, CANONICAL, IMPLIED = 1.0, 0.95, 0.9
TIE = 0.005  # scores this close are equal
SUGGESTION_CAP = 0.6
SHORT_ALIAS = 3  # an alias this short inside a longer phrase is a weak clue (乡内|农民工)
CONJUNCTIONS = ("以及", "和", "及", "与", "、")
RATE_CHANGE_UNIT = "百分点"
RATE_POINTS = {"百分点": "%", "千分点": "‰"}  # the points that change a rate
# 参加工伤保险人数中农民工: a part (中) of a counted whole; the whole's name inside it is not its id
_PART_OF = ("人数中", "人口中", "人员中", "总量中", "总数中", "人中")


@dataclass(frozen=True)
class Alias:
    indicator_id: str
    text: str  # as written in the codebook
    key: str  # normalize_phrase(text)
    canonical: str
    notes: tuple[str, ...]  # what canonical changed


@dataclass(frozen=True)
class Candidate:
    indicator_id: str
    score: float
    reason: str
    unit_ok: bool
    span: tuple[str, int, int] = ("", 0, 0)  # (form, start, end) of the alias in the phrase


@dataclass(frozen=True)
class Match:
    """The id a phrase gets ('' if none), its score and reason, and the closest candidates."""

    indicator_id: str
    score: float
    reason: str
    candidates: tuple[Candidate, ...] = ()

    def suggestions(self, limit: int = 3) -> str:
        """'id 0.82: reason; id 0.61: reason' for unmapped.csv."""
        return "; ".join(f"{c.indicator_id} {c.score:.2f}: {c.reason}" for c in self.candidates[:limit])


class Matcher:
    def __init__(self, entries: list[dict], phrasing: Phrasing):
        self.phrasing = phrasing
        self.units = {e["id"]: (e["unit"], tuple(e["other_units"])) for e in entries}
        self.kinds = {e["id"]: e["kind"] for e in entries}
        # every name of an indicator, folded: the scope words they hold (户籍, 常住, 新增 ...)
        self.names = {e["id"]: "|".join(normalize_phrase(t) for t in [e["name_zh"], *e["aliases"]]) for e in entries}
        # ... and its written scope, which says what the names leave implicit (参保职工: of the pension scheme)
        # (the words before its dash: `scope: 常住 — …`)
        self.scopes = {e["id"]: self.names[e["id"]] + "|" + normalize_phrase(str(e.get("scope") or "").split("—")[0])
                       for e in entries}
        self.aliases: list[Alias] = []
        for entry in entries:
            for text in dict.fromkeys([entry["name_zh"], *entry["aliases"]]):
                key = normalize_phrase(text)
                canonical, notes = phrasing.canonical(key)
                self.aliases.append(Alias(entry["id"], text, key, canonical, notes))
        self.by_key = {a.key: a for a in self.aliases}
        self._forms = {"key": [(a.key, a) for a in self.aliases], "canonical": [(a.canonical, a) for a in self.aliases]}
        self.by_canonical: dict[str, list[Alias]] = {}
        for alias in self.aliases:
            self.by_canonical.setdefault(alias.canonical, []).append(alias)
        # character -> canonical aliases holding it: the few worth difflib's comparison
        # (lists in codebook order, not sets: the suggestions must not depend on string hashing)
        self._by_character: dict[str, list[str]] = {}
        for key in dict.fromkeys(a.canonical for a in self.aliases):
            for character in dict.fromkeys(key):
                self._by_character.setdefault(character, []).append(key)

    # -- units
    def unit_fit(self, indicator_id: str, unit: str, measure: str) -> tuple[bool, str]:
        main, others = self.units[indicator_id]
        if measure == "change_pct" and unit == "%":
            return True, "a change_pct in % fits any unit"
        if measure == "change" and RATE_POINTS.get(unit) == main:
            return True, f"a change in {unit} of a rate in {main}"
        if unit == main:
            return True, f"unit {unit} matches"
        if unit in others:
            return True, f"unit {unit} is one of its other units"
        return False, f"unit {unit or '(none)'} does not fit (it measures in {main})"

    # -- the match
    def match(self, phrase: str, unit: str = "", measure: str = "actual", region: str = "",
              suggest: bool = False) -> Match:
        """`suggest`: below the threshold, add the suggestions only (phrase inside an alias,
        similar characters); they never change the id, and cost most of the time."""
        key = normalize_phrase(phrase)
        if not key:
            return Match("", 0.0, "empty phrase")
        canonical, notes = self.phrasing.canonical(key, region)
        found = self._exact(key, canonical, notes) or self._implied(key, unit, measure, region)
        found = found or self._contained(key, canonical, notes, measure)
        best = _best_per_indicator(found)
        if suggest and (not best or max(c.score for c in best) < self.phrasing.threshold):
            best = _best_per_indicator(best + self._partial(canonical))
        ranked = sorted((self._in_scope(self._with_unit(c, unit, measure), key) for c in best), key=_rank)
        return _decide(ranked, self.phrasing.threshold, unit)

    def _in_scope(self, candidate: Candidate, key: str) -> Candidate:
        """Precision before recall: a phrase whose scope (户籍 vs 常住, 城镇职工 vs 城乡居民) or kind (a
        新增 flow against a stock) differs from the indicator's is only a suggestion for it."""
        names = self.names[candidate.indicator_id]
        why = self.phrasing.scope_conflict(key, self.scopes[candidate.indicator_id])
        if why:
            why = f"but the phrase says {why}"
        else:
            flow = self.phrasing.flow_word(key)
            if flow and self.kinds[candidate.indicator_id] == "stock" and flow not in names:
                why = f"but {flow} counts a flow over the period and it is a stock"
        if not why or candidate.score <= SUGGESTION_CAP:
            return candidate
        return Candidate(candidate.indicator_id, SUGGESTION_CAP, f"{candidate.reason}, {why}", candidate.unit_ok,
                         candidate.span)

    def _with_unit(self, candidate: Candidate, unit: str, measure: str) -> Candidate:
        fits, why = self.unit_fit(candidate.indicator_id, unit, measure)
        score = candidate.score if fits else round(candidate.score / 2, 3)
        return Candidate(candidate.indicator_id, score, f"{candidate.reason}; {why}", fits, candidate.span)

    def _exact(self, key: str, canonical: str, notes: tuple[str, ...]) -> list[Candidate]:
        if key in self.by_key:
            alias = self.by_key[key]
            return [Candidate(alias.indicator_id, EXACT, f"alias {alias.text}", True, ("key", 0, len(key)))]
        return [Candidate(a.indicator_id, CANONICAL, _reason(a, notes), True, ("canonical", 0, len(canonical)))
                for a in self.by_canonical.get(canonical, [])]

    def _implied(self, key: str, unit: str, measure: str, region: str) -> list[Candidate]:
        found = []
        for completed in self.phrasing.implied(key, unit, measure):
            canonical, notes = self.phrasing.canonical(completed, region)
            how = f"{key} in {unit} read as {completed}"
            found += [Candidate(a.indicator_id, IMPLIED, f"{how}: " + _reason(a, notes), True,
                                ("canonical", 0, len(canonical)))
                      for a in self.by_canonical.get(canonical, [])]
        return found

    def _contained(self, key: str, canonical: str, notes: tuple[str, ...], measure: str) -> list[Candidate]:
        spans = []
        for form, phrase in (("key", key), ("canonical", canonical)):
            # one pass in a comprehension: this runs for every distinct phrase of every document
            inside = [(text, a) for text, a in self._forms[form] if text in phrase and len(text) < len(phrase)]
            for alias_text, alias in inside:
                start = phrase.rfind(alias_text)
                spans.append((form, start, start + len(alias_text), alias, phrase))
        # an alias inside a longer alias found at the same place is part of that name
        spans = [s for s in spans if not any(o is not s and o[0] == s[0] and o[1] <= s[1] and s[2] <= o[2]
                                             and o[2] - o[1] > s[2] - s[1] for o in spans)]
        return [self._score_contained(form, start, end, alias, phrase, notes, measure)
                for form, start, end, alias, phrase in spans]

    def _score_contained(self, form, start, end, alias, phrase, notes, measure) -> Candidate:
        length = end - start
        score = 0.6 + 0.3 * length / len(phrase) + (0.05 if end == len(phrase) else 0.0)
        shown = alias.key if form == "key" else alias.canonical
        reason = f"alias {alias.text} inside {phrase!r}"
        if form == "canonical" and (notes or alias.notes):
            reason += " after " + ", ".join(dict.fromkeys(notes + alias.notes))
        weak = ""
        subtype = self.phrasing.subtype_before(phrase[:start])
        part = next((p for p in _PART_OF if p in phrase), "")
        if part:
            weak = f"but the phrase names a part ({part[:-1]}中…) of what it counts: only a name of the part maps it"
        elif subtype:
            weak = f"but {subtype} before it names a part of it"
        elif length <= SHORT_ALIAS:
            weak = f"but {shown} is short"
        elif start == 0 and length < len(phrase) / 2 and not self.phrasing.predicate_after(phrase[end:]):
            weak = f"but it only begins the phrase (a modifier of {phrase[end:]}?)"
        elif phrase[end:].startswith(CONJUNCTIONS):
            weak = f"but the phrase joins it with {phrase[end:]}"
        elif measure == "change_pct" and end < len(phrase):
            weak = f"but a growth rate's unit does not say what grows, and the phrase goes on ({phrase[end:]})"
        else:
            other = self._coordinated(phrase[:start], shown, alias.indicator_id)
            if other:
                weak = f"but the phrase joins it with {other}"
        if weak:
            score, reason = min(score, SUGGESTION_CAP), f"{reason}, {weak}"
        return Candidate(alias.indicator_id, round(min(score, 0.89), 3), reason, True, (form, start, end))

    def _coordinated(self, before: str, shown: str, indicator_id: str) -> str:
        """Another indicator named by 'A和' + the alias's head (失业保险和|工伤保险参保人数)."""
        conjunction = next((c for c in CONJUNCTIONS if before.endswith(c)), "")
        if not conjunction:
            return ""
        left = before[: -len(conjunction)]
        for c in CONJUNCTIONS:
            left = left.rsplit(c, 1)[-1]
        for cut in range(1, len(shown)):
            other = self.by_canonical.get(left + shown[cut:]) or ([self.by_key[left + shown[cut:]]]
                                                                  if left + shown[cut:] in self.by_key else [])
            names = {a.indicator_id for a in other} - {indicator_id}
            if left and names:
                return ", ".join(sorted(names))
        return f"{left}{conjunction}" if left else ""

    def _partial(self, canonical: str) -> list[Candidate]:
        """Suggestions only: the phrase inside an alias, or similar characters."""
        found = []
        for alias in self.aliases:
            if len(canonical) >= 2 and canonical in alias.canonical and canonical != alias.canonical:
                share = len(canonical) / len(alias.canonical)
                found.append(Candidate(alias.indicator_id, round(0.4 + 0.24 * share, 3),
                                       f"the phrase is part of alias {alias.text}", True))
        for close in difflib.get_close_matches(canonical, self._sharing_characters(canonical), n=5, cutoff=0.5):
            ratio = difflib.SequenceMatcher(None, canonical, close).ratio()
            for alias in self.by_canonical[close]:
                found.append(Candidate(alias.indicator_id, round(SUGGESTION_CAP * ratio, 3),
                                       f"similar to alias {alias.text} ({ratio:.0%} of characters)", True))
        return found

    def _sharing_characters(self, canonical: str, keep: int = 25) -> list[str]:
        """The aliases sharing most characters with the phrase (difflib then ranks only these)."""
        shared = Counter(key for character in dict.fromkeys(canonical) for key in self._by_character.get(character, ()))
        return [key for key, _ in shared.most_common(keep)]


def _reason(alias: Alias, notes: tuple[str, ...]) -> str:
    changes = ", ".join(dict.fromkeys(notes + alias.notes))
    return f"alias {alias.text}" + (f" after {changes}" if changes else "")


def _rank(candidate: Candidate) -> tuple:
    # higher score first; among equals the match ending later (the head of the phrase)
    return (-candidate.score, -candidate.span[2], candidate.indicator_id)


def _best_per_indicator(candidates: list[Candidate]) -> list[Candidate]:
    best: dict[str, Candidate] = {}
    for candidate in candidates:
        if candidate.indicator_id not in best or _rank(candidate) < _rank(best[candidate.indicator_id]):
            best[candidate.indicator_id] = candidate
    return list(best.values())


def _decide(ranked: list[Candidate], threshold: float, unit: str) -> Match:
    candidates = tuple(ranked)
    fitting = [c for c in ranked if c.unit_ok]
    if not fitting:
        if not ranked:
            return Match("", 0.0, "no alias comes close", candidates)
        closest = ranked[0]
        return Match("", 0.0, f"closest is {closest.indicator_id} ({closest.reason.split('; ')[0]}), but its "
                              f"{closest.reason.rsplit('; ', 1)[-1]}", candidates)
    top = fitting[0]
    if top.score < threshold:
        return Match("", top.score, f"best is {top.indicator_id} at {top.score:.2f}, below {threshold:.2f}", candidates)
    rivals = [c.indicator_id for c in fitting[1:] if top.score - c.score < TIE and c.span[2] == top.span[2]]
    if rivals:
        return Match("", top.score, f"matches {', '.join([top.indicator_id, *rivals])} equally", candidates)
    around = [c for c in ranked if not c.unit_ok and 2 * c.score > top.score and _encloses(c.span, top.span)]
    if around:
        return Match("", top.score, f"the phrase names {around[0].indicator_id}, which "
                                    f"{around[0].reason.rsplit('; ', 1)[-1].removeprefix(f'unit {unit} ')}", candidates)
    return Match(top.indicator_id, top.score, top.reason, candidates)


def _encloses(outer: tuple[str, int, int], inner: tuple[str, int, int]) -> bool:
    return (outer[0] == inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2]
            and outer[2] - outer[1] > inner[2] - inner[1])
