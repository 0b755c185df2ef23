"""Time words: the markers before a figure that set its period, basis and measure.

The markers are data (data/text_sections.yaml `period_markers`); a period they write is put in
`renshe.periods`' canonical form (1-6月 -> 2023-H1, 1-3月 -> 2023-Q1, 1-9月 -> 2023-01/09). A stock
at the end of a quarter or a half is the month form: 二季度末, 上半年末, 6月末 and 截至6月底 are all
2023-06. Relative years (去年, 上年, 今年, 前年, 年初) count from the document's anchor year
(anchor.anchor_year: the period it reports on, or for a news report or a briefing the year it
was published)."""
from __future__ import annotations

import re

from renshe.ingest.periods import PLAN_NAME, period_years, plan_span
from renshe.ingest.tables.headers import PLAN_KINDS
from renshe.ingest.text.config import Marker
from renshe.periods import canonical

# relative year words, counted from the document's anchor year (anchor.anchor_year)
_RELATIVE_YEARS = {"今年": 0, "本年": 0, "去年": -1, "上年": -1, "前年": -2, "明年": 1}
_NUMERALS = {"一": "1", "二": "2", "三": "3", "四": "4"}
_COMPARED_WITH = ("比", "较", "与", "同")


class TimeWords:
    """Mixin of DocumentReader: the configured time words (period markers)."""

    def _markers_in(self, text: str) -> list[Marker]:
        """The markers that can match somewhere in a paragraph, in their configured order. Only a
        pattern without lookarounds or anchors is left out for no match in the whole paragraph:
        it matches inside a sentence of the paragraph only if it matches in the paragraph."""
        return [marker for marker, context_free in zip(self.markers, self.context_free)
                if not context_free or marker.pattern.search(text)]

    def _marker_hits(self, text: str, lo: int, hi: int) -> list[tuple[int, int, Marker, re.Match]]:
        # a period after 比/较/与 is what a figure is compared with (比“十二五”时期增加, 与上年相比), not its own
        hits = [(m.start(), m.end(), marker, m)
                for marker in self.paragraph_markers for m in marker.pattern.finditer(text, lo, hi)
                if text[m.start() - 1:m.start()] not in _COMPARED_WITH]
        hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        kept, reach = [], -1
        for hit in hits:  # overlapping words: the longer one, earlier, wins (去年底 is not 年底)
            if hit[0] >= reach:
                kept.append(hit)
                reach = hit[1]
        return kept

    def _template(self, template: str, groups: dict[str, str]) -> str:
        values = {**self.values, **{k: v for k, v in groups.items() if v}}
        plan = PLAN_NAME.search(groups.get("plan") or "")
        if plan:  # “十三五” -> plan_first 2016, plan_last 2020
            values["plan_first"], values["plan_last"] = (str(year) for year in plan_span(plan.group(1)))
        # {y}: the printed year, else the year a relative word names, else the anchor year
        year = int(groups.get("y") or int(self.values["at_year"]) + _RELATIVE_YEARS.get(groups.get("rel") or "", 0))
        values["y"], values["y_before"] = str(year), str(year - 1)
        if groups.get("q"):  # 二季度 -> 2, its last month 6
            quarter = _NUMERALS.get(groups["q"], groups["q"])
            values["q"], values["q_last"] = quarter, str(3 * int(quarter))
        if groups.get("half"):
            values["half"] = "1" if groups["half"] == "上" else "2"
        text = template.format(**values)
        return canonical(text) or text  # 2023-01/06 -> 2023-H1: one form per period

    def time_at(self, hits, offset: int) -> tuple[str, str, str]:
        if self.default_period is None:
            self.default_period = self._template(self.scope.default_period, {})
        period = self.carried_period or self.default_period
        basis, measure = "", self.scope.measure
        for start, _, marker, match in hits:
            if start >= offset:
                break
            if marker.period is not None and not self._sums_named_span(marker, basis, period):
                period = self._template(marker.period, match.groupdict())
            if marker.basis is not None:
                basis = marker.basis
            if marker.measure is not None:
                measure = marker.measure
        return period, basis, self._past_is_actual(period, measure)

    @staticmethod
    def _sums_named_span(marker: Marker, basis: str, period: str) -> bool:
        """累计 after “十三五”时期 sums over that plan: a cumulative word keeps a span already named."""
        years = period_years(period)
        return marker.basis == "cumulative" and basis == "cumulative" and years is not None and years[0] < years[1]

    def _past_is_actual(self, period: str, measure: str) -> str:
        """A plan cannot set a target for a period that ended before its own began: a figure of
        “十三五”时期 or 2020年末 in a plan for 2021-2025 states what was achieved."""
        years = period_years(period)
        if measure == "target" and self.document.entry.doc_type in PLAN_KINDS and years \
                and years[1] < int(self.context.plan_start):
            return "actual"
        return measure
