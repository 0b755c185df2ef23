"""Readings -> observation rows, with the figure as printed on its raw line."""
from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import replace
from functools import lru_cache

from renshe.ingest.documents import Paragraph, normalize_line
from renshe.ingest.numbers import scale_value, signed_change
from renshe.ingest.text.clauses import _spans, clauses, sentences
from renshe.ingest.text.config import TEXT_TABLE_ID
from renshe.ingest.text.figures import Figure, _DIGITS, _PRINTED_NUMBER, _STANDALONE_NUMBER, enclosures, find_figures
from renshe.ingest.text.places import strip_places
from renshe.ingest.text.readings import Reading
from renshe.ingest.text.subjects import merge_overlap


class Rows:
    """Mixin of DocumentReader: a paragraph's readings as observation rows."""

    def rows(self, paragraph: Paragraph) -> list[dict]:
        text = paragraph.text
        self.carried_period = ""
        self.paragraph_topic = ""
        if not _DIGITS.search(text):  # no number, no figure
            return []
        inside = enclosures(text)
        figures = self._not_in_formula(text, find_figures(text, inside))
        if not figures:
            return []
        self.paragraph_markers = self._markers_in(text)
        rows, spans = [], []
        for span in sentences(text, inside, self._breaks(paragraph)):
            if span[0] > figures[-1].start:
                break  # time words after the last figure set nothing that is read
            in_sentence = [f for f in figures if span[0] <= f.start < span[1]]
            places = self._places_in(text, inside, span, in_sentence)
            for reading in self.read_sentence(text, inside, span, in_sentence):
                reading = self._doubted(reading)
                place = places.get(reading.figure.start)
                if place is not None and place.doubt and not reading.doubt:
                    reading = replace(reading, doubt=place.doubt)
                if reading.doubt:
                    self.set_aside.append(self.aside(paragraph, reading))
                    continue
                row = self.row(paragraph, reading)
                if not row["unit"]:  # 4.21万 with no unit the words decide: never published unitless
                    self.set_aside.append(self.aside(paragraph, replace(
                        reading, doubt="no unit: a scale printed without a unit data/units.yaml knows, "
                                       "and the words do not say it counts persons")))
                    continue
                rows.append(self._credited(row, place, places))
                spans.append(span)
        self._qualify_repeats(text, inside, rows, spans)
        return rows

    def _places_in(self, text: str, inside: list[str], span: tuple[int, int], figures: list[Figure]) -> dict:
        """The sub-region each figure of the sentence is about (text/places.py), by figure start."""
        if self.places is None or not figures:
            return {}
        return self.places.credit(text, clauses(text, inside, span, figures), [f.start for f in figures])

    def _credited(self, row: dict, place, places: dict) -> dict:
        if place is not None and place.region is not None:
            subject = (self.clean(place.subject) if place.subject else "") or \
                strip_places(row["indicator_zh"], list(places.values()))
            row.update(region=place.region.name, region_code=place.region.code, level=place.region.level,
                       indicator_zh=subject)
        return row

    def _breaks(self, paragraph: Paragraph) -> tuple[int, ...]:
        """Where a dateline or a byline at the start of a line ends (data/text_sections.yaml
        `sentence_breaks`): the sentence ends there though no punctuation closes it."""
        cuts = []
        for start in paragraph.starts:
            for pattern in self.config.sentence_breaks:
                found = pattern.match(paragraph.text, start)
                if found and found.end() > start:
                    cuts.append(found.end())
                    break
        return tuple(cuts)

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

    @staticmethod
    def _doubted(reading: Reading) -> Reading:
        """A figure with nothing to name it, or a change with no figure before it to change."""
        if reading.doubt:
            return reading
        if not reading.subject.strip():
            return replace(reading, doubt="no subject: the words around the figure name nothing it counts")
        if "指标" in reading.subject and reading.figure.unit in ("项", "个"):
            return replace(reading, doubt="counts the document's own indicators (指标…项), not a statistic")
        return reading

    def aside(self, paragraph: Paragraph, reading: Reading) -> dict:
        """The unparsed.csv row of a figure set aside."""
        line = paragraph.line_at(reading.figure.start)
        value_raw, unit_raw = self._printed(paragraph, reading.figure, line)
        entry = self.document.entry
        return {"doc_id": entry.doc_id, "table_id": TEXT_TABLE_ID, "region": entry.region,
                "row_label": reading.subject, "column": "", "cell_text": value_raw + unit_raw,
                "reason": reading.doubt, "source_line": line, "source_text": self.document.raw_line(line)}

    def distinct(self, rows: list[dict]) -> tuple[list[dict], list[dict]]:
        """Rows that the schema can tell apart; a second figure on one line with the same subject,
        period, measure and basis as another cannot be published beside it: it is set aside."""
        seen: dict[tuple, dict] = {}
        kept = []
        for row in rows:
            key = (row["region"], row["indicator_zh"], row["period"], row["measure"], row["basis"], row["source_line"])
            if key in seen:
                first = seen[key]
                self.set_aside.append({
                    "doc_id": row["doc_id"], "table_id": TEXT_TABLE_ID, "region": row["region"],
                    "row_label": row["indicator_zh"], "column": "", "cell_text": row["value_raw"] + row["unit_raw"],
                    "reason": f"same subject, period and measure as {first['value_raw']}{first['unit_raw']} on this "
                              "line: cannot tell which is which", "source_line": row["source_line"],
                    "source_text": row["source_text"]})
                continue
            seen[key] = row
            kept.append(row)
        return kept, self.set_aside

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
        region, region_code, level = self.place_of(paragraph, reading)
        return {
            "doc_id": entry.doc_id, "table_id": TEXT_TABLE_ID, "region": region,
            "region_code": region_code, "level": level, "indicator_id": "",
            "indicator_zh": reading.subject, "period": reading.period, "measure": reading.measure,
            "qualifier": figure.qualifier, "value": value, "unit": unit, "value_raw": value_raw,
            "unit_raw": unit_raw, "source_line": line, "source_text": self.document.raw_line(line),
            "basis": basis,
        }

    def place_of(self, paragraph: Paragraph, reading: Reading) -> tuple[str, str, str]:
        """(region, region_code, level) a figure is about: the document's region. The hook where a
        reader of sub-region names in the text (ingest/text/places.py) says a figure is a county's."""
        entry = self.document.entry
        return entry.region, entry.region_code, entry.level

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
