"""Lines of running text a document prints twice, word for word.

A sentence printed again later in the same document (a web page's summary repeated above its
body, a section pasted twice, an edition appended to itself) states nothing new: its figures are
taken where it is first printed, and those on the repeat are set aside naming that line, never
published twice. Only sentences count: a short line (a heading 一、就业, a year 2020年, a unit
line, a table's cell printed one per line) legitimately recurs, and a table's rows repeat short
values as a matter of course (they are not running text: the tables' lines are skipped).
"""
from __future__ import annotations

# the shortest line counted as a sentence: a figure with its subject (城镇新增就业116.32万人 is 12)
MIN_SENTENCE_CHARS = 12


def repeated_lines(lines: list[str], skip_lines: set[int] | frozenset[int] = frozenset()) -> dict[int, int]:
    """{line number: the earlier line it repeats word for word} for the lines (1-based) that hold a
    figure, are at least MIN_SENTENCE_CHARS long and are not in `skip_lines` (the tables)."""
    first: dict[str, int] = {}
    repeats: dict[int, int] = {}
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if number in skip_lines or len(text) < MIN_SENTENCE_CHARS or not any(c.isdigit() for c in text):
            continue
        if text in first:
            repeats[number] = first[text]
        else:
            first[text] = number
    return repeats


def set_aside_repeats(rows: list[dict], repeats: dict[int, int]) -> tuple[list[dict], list[dict]]:
    """(the rows not on a repeated line, an unparsed.csv row for each figure on one)."""
    if not repeats:
        return rows, []
    kept, aside = [], []
    for row in rows:
        first = repeats.get(int(row["source_line"]))
        if first is None:
            kept.append(row)
            continue
        aside.append({"doc_id": row["doc_id"], "table_id": row["table_id"], "region": row["region"],
                      "row_label": row["indicator_zh"], "column": "", "cell_text": row["value_raw"] + row["unit_raw"],
                      "reason": f"repeated line: the same words as line {first}, whose figures are taken",
                      "source_line": row["source_line"], "source_text": row["source_text"]})
    return kept, aside
