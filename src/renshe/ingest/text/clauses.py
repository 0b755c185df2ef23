"""Sentences and clauses: where a figure's subject may be looked for."""
from __future__ import annotations

import re
from functools import lru_cache

from renshe.ingest.text.figures import Figure, _depths


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


def sentences(text: str, inside: list[str], breaks: tuple[int, ...] = ()) -> list[tuple[int, int]]:
    """Sentences end at 。;!? outside brackets and quotes, and at `breaks` (the end of a dateline
    such as 人民日报北京5月27日电(记者 白天亮), which no punctuation closes)."""
    spans = _spans(text, inside, "。;!?", 0, len(text))
    for cut in breaks:
        spans = [piece for a, b in spans for piece in ((a, cut), (cut, b)) if a < cut < b] + \
                [(a, b) for a, b in spans if not a < cut < b]
        spans.sort()
    return [(a, b) for a, b in spans if text[a:b].strip()]


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
