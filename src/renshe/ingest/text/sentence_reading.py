"""Reading a sentence: clause by clause, each figure with its subject, change words,
分别 lists and 其中 parts."""
from __future__ import annotations

from dataclasses import replace

from renshe.ingest.text.clauses import clauses
from renshe.ingest.text.figures import Figure, _prefix_qualifier
from renshe.ingest.numbers import BASE_UNITS, GROWTH_RATE_WORDS
from renshe.ingest.periods import period_years
from renshe.ingest.tables.headers import PLAN_KINDS
from renshe.ingest.text.readings import _TARGET_INTENT, POINT_UNITS, RATE_UNITS, _LIST_CHANGE, _STATED_CHANGE, _RANGE_AFTER, Reading, SentenceState, _BARE_CHANGE, _CHANGE, _COMPARED, _FROM, _TARGET_WORDS, _TARGET_AFTER, _TARGET_BEFORE, _TO, _COUNTED_NOUN, _PER_MONTH, _qualifier_in_window
from renshe.ingest.text.subjects import _LIST_SEPARATORS, _SHARE_OF, distribute, merge_overlap, part_of


class SentenceReading:
    """Mixin of DocumentReader: sentences -> readings (figure, subject, period, measure)."""

    def read_sentence(self, text: str, inside: list[str], span: tuple[int, int],
                      figures: list[Figure]) -> list[Reading]:
        hits = self._marker_hits(text, span[0], span[1])
        # the topic carries over a sentence end (…基金收入合计68205亿元…；基金支出合计62687亿元)
        state = SentenceState(last_subject=self.paragraph_topic)
        readings = self._read_clauses(text, inside, span, figures, hits, state)
        self.paragraph_topic = state.last_subject
        for start, _, marker, match in hits:
            opens = not text[span[0]:start].strip(" ,，:：、")
            if marker.carry and marker.period is not None and (marker.carry is True or opens):
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
        if len(figures) == 2 and head.rstrip().endswith(_FROM) and _TO.match(text[figures[0].end:figures[1].start]):
            return self._from_to(head.rstrip()[:-1], figures, hits, state)
        readings = []
        windows = self._windows(text, inside, clause, figures)
        starts = [lo] + [figure.end for figure in figures[:-1]]
        for figure, (left, right), start in zip(figures, windows, starts):
            topic = state.last_subject
            reading = self._reading(figure, left, right, hits, state)
            readings.append(self._bulletin_target(reading, text[start:figure.start], right, topic, state, text[lo:hi]))
        return self._ranges(text, figures, readings)

    def _bulletin_target(self, reading: Reading, printed_left: str, right: str, topic: str,
                         state: SentenceState, clause: str = "") -> Reading:
        """In a bulletin, a bound the authorities set (低于5%的控制目标, 控制在4.0%以内的目标, 力争控制在…)
        is a target of the figure's subject, or of the figure before it when the bound names none.
        A bare 控制在4.0%以内 after the outcome (城镇登记失业率3.47%，控制在4.0%以内) is the bound it was
        kept within: a target too. 控制在 after its subject in a report of outcomes (城镇登记失业率控制在
        2.97%) states the year's outcome: an actual, bounded (≤) by the word."""
        if self.document.entry.doc_type in PLAN_KINDS or reading.measure != "actual":
            return reading
        bound = _TARGET_BEFORE.search(printed_left)
        names_subject = bound is not None and self.clean(printed_left[:bound.start()])
        if not (_TARGET_AFTER.match(right) or (bound and (_TARGET_INTENT.search(clause) or not names_subject))):
            return reading
        names_itself = _TARGET_WORDS.sub("", reading.subject).strip()  # 控制目标 alone names no indicator
        subject = reading.subject if names_itself else topic
        state.last_subject = subject or state.last_subject
        figure = reading.figure
        if _TARGET_AFTER.match(right) and printed_left.rstrip().endswith(_COMPARED):
            figure = replace(figure, qualifier="")
        return replace(reading, figure=figure, measure="target", subject=subject)

    @staticmethod
    def _ranges(text: str, figures: list[Figure], readings: list[Reading]) -> list[Reading]:
        """3.6%—4.24%: the two bounds of a range are set aside, neither is the figure."""
        for i, figure in enumerate(figures):
            bound = _RANGE_AFTER.match(text, figure.end)
            if bound:
                doubt = f"a range ({text[figure.start:bound.end()]}): two bounds, not one figure"
                readings[i] = replace(readings[i], doubt=doubt)
                if i + 1 < len(figures) and figures[i + 1].start < bound.end():
                    readings[i + 1] = replace(readings[i + 1], doubt=doubt)
        return readings

    def _from_to(self, subject_words: str, figures: list[Figure], hits, state: SentenceState) -> list[Reading]:
        """由 A 增至 B over a named period: A is the value the period started from (the year
        before it), B the value at its end; without a span, A's year is unknown and it is set aside."""
        subject = self.clean(subject_words)
        period, basis, measure = self.time_at(hits, figures[0].start)
        years = period_years(period)
        before = Reading(figures[0], subject, str(years[0] - 1) if years else period, "", "actual")
        if not years or years[0] == years[1]:
            before = replace(before, doubt="the value a change started from (由…增至), in a year the text does not name")
        after = Reading(figures[1], subject, str(years[1]) if years else period, "",
                        self._past_is_actual(str(years[1]) if years else period, measure))
        self._remember(after, state)
        return [before, after]

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
        change = _CHANGE.search(left) or _BARE_CHANGE.match(left.strip(" ,，、;；:：\t"))
        if change:
            return self._change(figure, change.group("word"), period, basis, state)
        figure, left = _qualifier_in_window(figure, left)
        stated = self._stated_change(figure, left, period, basis, measure, state)
        if stated is not None:
            return stated
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
        if subject in self.config.strip_leading or subject in self.config.strip_trailing:
            subject = state.last_subject  # …回落，2020年末为5.2%: a clause with only a verb keeps the topic
        if subject in self.config.inherit_topic and state.last_subject:
            subject = merge_overlap(self._topic(state.last_subject), subject)
        if state.parent is not None:
            subject = part_of(state.parent.subject, subject, self.config.group_words, self.config.scope_words)
        return subject

    def _stated_change(self, figure, left, period, basis, measure, state: SentenceState) -> Reading | None:
        """The words before a figure in a report of outcomes say it is a change of the subject before
        them: 支出下降4.3% (-4.3% of 支出), 营业收入增长率为27.7% (change_pct of 营业收入); a bare
        增长率为 takes the figure before it. Plans state targets, not changes: left as they were."""
        if measure != "actual":
            return None
        stated = _STATED_CHANGE.search(self.clean(left))
        if stated is None:
            return None
        base, word = self.clean(stated.string[:stated.start()]), stated.group("word")
        if not base:
            return self._change(figure, word, period, basis, state)
        if state.parent is not None:
            base = part_of(state.parent.subject, base, self.config.group_words, self.config.scope_words)
        pct = figure.unit == "%" and (word in GROWTH_RATE_WORDS or not base.endswith("率"))
        return Reading(figure, base, period, basis, "change_pct" if pct else "change", word)

    def _topic(self, subject: str) -> str:
        for word in self.config.topic_measures:  # longest first: 总收入 before 收入
            if subject.endswith(word) and len(subject) > len(word):
                return subject[: -len(word)]
        return subject

    def _remember(self, reading: Reading, state: SentenceState) -> None:
        if reading.figure.unit not in RATE_UNITS:
            state.actual.append(reading)
        else:
            state.last_rate = reading
        if reading.subject.strip():  # a figure that names nothing leaves the topic as it was
            state.last_subject = reading.subject

    def _change(self, figure, word, period, basis, state: SentenceState, of: Reading | None = None) -> Reading:
        if BASE_UNITS.get(figure.unit) in POINT_UNITS:  # points change a rate
            of = of if of is not None and of.figure.unit in RATE_UNITS else state.last_rate
        of = of or (state.actual[-1] if state.actual else None)
        subject = of.subject if of else ""
        doubt = "" if of else f"a change ({word}) with no figure before it that it changes"
        # 增长/减少 5.9% of a count or an amount is a growth rate; of a rate, points are printed instead
        pct = figure.unit == "%" and (of is None or of.figure.unit != "%")
        # 比上年增加 10 元 of a 每人每月 200 元 figure is a change in 元/月 too
        unit = of.unit_override if of and figure.unit == of.figure.unit else ""
        return Reading(figure, subject, period, basis, "change_pct" if pct else "change", word, unit, doubt)

    def _respectively(self, text, clause, figures, hits, state: SentenceState) -> list[Reading]:
        """分别: a list of subjects before it, or the figures just read, take the figures in order."""
        lo, _ = clause
        head = text[lo:figures[0].start]
        before, after = head.split("分别", 1)
        change = _CHANGE.search(after) or _LIST_CHANGE.match(self.clean(after))
        period, basis, measure = self.time_at(hits, figures[0].start)
        listed = [self.clean(i) for i in _LIST_SEPARATORS.split(self.clean(before)) if self.clean(i)]
        if change and len(listed) == len(figures) > 1:
            # 死亡人数、受伤人数分别下降10.7%、33.3%: each subject listed changes by its figure
            readings = []
            for figure, subject in zip(figures, distribute(listed, self.config.distributive_tails)):
                pct = figure.unit == "%" and not subject.endswith("率")
                readings.append(Reading(figure, subject, *self.time_at(hits, figure.start)[:2],
                                        "change_pct" if pct else "change", change.group("word")))
            return readings
        if change:
            targets = state.actual[-len(figures):]
            targets = [None] * (len(figures) - len(targets)) + targets
            return [self._change(f, change.group("word"), period, basis, state, of)
                    for f, of in zip(figures, targets)]
        items = [self.clean(i) for i in _LIST_SEPARATORS.split(self.clean(before)) if self.clean(i)]
        named = self._named_after(text, lo + len(before) + len("分别"), figures)
        if len(items) == len(figures):
            subjects = distribute(items, self.config.distributive_tails)
        elif named:  # 人数分别为城镇549人和农村5819人: each figure's own word after 分别
            subjects = [merge_overlap(self.clean(before), word) for word in named]
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

    def _named_after(self, text: str, start: int, figures: list[Figure]) -> list[str] | None:
        """The word printed before each figure of a 分别 list (为城镇549人和农村5819人), when every
        figure has one; None otherwise."""
        words, lo = [], start
        for figure in figures:
            word = self.clean(_LIST_SEPARATORS.sub("", text[lo:figure.start]))
            if not word:
                return None
            words.append(word)
            lo = figure.end
        return words

    @staticmethod
    def _shared_qualifier(after: str, figures: list[Figure]) -> str:
        """控制在 A、B以下: the bound printed once holds for every figure of the list."""
        verb, _ = _prefix_qualifier(after.rstrip(), len(after.rstrip()))
        return verb or figures[-1].qualifier
