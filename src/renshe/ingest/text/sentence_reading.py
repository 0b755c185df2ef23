"""Reading a sentence: clause by clause, each figure with its subject, change words,
分别 lists and 其中 parts."""
from __future__ import annotations

from dataclasses import replace

from renshe.ingest.text.clauses import clauses
from renshe.ingest.text.figures import Figure, _prefix_qualifier
from renshe.ingest.text.readings import Reading, SentenceState, _BARE_CHANGE, _CHANGE, _COUNTED_NOUN, _PER_MONTH, _qualifier_in_window
from renshe.ingest.text.subjects import _SHARE_OF, distribute, merge_overlap, part_of


class SentenceReading:
    """Mixin of DocumentReader: sentences -> readings (figure, subject, period, measure)."""

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
        change = _CHANGE.search(left) or _BARE_CHANGE.match(left.strip(" ,，、;；:：\t"))
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
        else:
            state.last_rate = reading
        state.last_subject = reading.subject

    def _change(self, figure, word, period, basis, state: SentenceState, of: Reading | None = None) -> Reading:
        if figure.unit == "百分点":  # points change a rate
            of = of if of is not None and of.figure.unit == "%" else state.last_rate
        of = of or (state.actual[-1] if state.actual else None)
        subject = of.subject if of else ""
        # 增长/减少 5.9% of a count or an amount is a growth rate; of a rate, points are printed instead
        pct = figure.unit == "%" and (of is None or of.figure.unit != "%")
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
