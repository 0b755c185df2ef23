"""What the explorer's source view shows around a figure: the document's lines (the printed line with
its neighbours) and, for a figure read from a table, the cell's table title, row label, column
header and unit, taken from the table as printed (data/clean/tables/<doc_id>__<table_id>.csv).

The lines come from data/clean/text/<doc_id>.txt (the lines as read, for every format) when the
extraction wrote it, else from the raw file of a .txt document; a document without either has no
line view, only its cited line (each observation quotes it)."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from renshe.outputs import atomic_write_bytes
from renshe.paths import ProjectPaths

LINES_FOLDER = "lines"  # under site/assets/
LINES_VARIABLE = "RENSHE_LINES"
TARGET_WORDS = ("目标", "规划", "预期", "标")
ACTUAL_WORDS = ("完成", "基数", "实际", "实现")


def document_lines(paths: ProjectPaths, doc_id: str, raw: Path) -> list[str] | None:
    """The document's lines, numbered as the observations' source_line (1-based)."""
    text_file = paths.clean / "text" / f"{doc_id}.txt"
    if text_file.is_file():
        return text_file.read_text(encoding="utf-8").split("\n")
    if raw.suffix.lower() == ".txt" and raw.is_file():
        return raw.read_text(encoding="utf-8-sig").split("\n")
    return None


def write_line_scripts(paths: ProjectPaths, documents, target: Path) -> dict[str, str]:
    """assets/lines/<doc_id>.js for each document with lines; {doc_id: script path in the site}."""
    target.mkdir(parents=True, exist_ok=True)
    written = {}
    for entry in documents:
        lines = document_lines(paths, entry.doc_id, entry.path)
        if lines is None:
            continue
        text = json.dumps(lines, ensure_ascii=False, separators=(",", ":"))
        text = text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        script = f"(window.{LINES_VARIABLE} = window.{LINES_VARIABLE} || {{}})[{json.dumps(entry.doc_id)}] = {text};\n"
        atomic_write_bytes(target / f"{entry.doc_id}.js", script.encode("utf-8"))
        written[entry.doc_id] = f"assets/{LINES_FOLDER}/{entry.doc_id}.js"
    return written


def _tables(paths: ProjectPaths) -> tuple[dict, dict]:
    """{(doc_id, table_id): the table as printed}, {(doc_id, table_id): its title}."""
    folder = paths.clean / "tables"
    tables = {}
    if folder.is_dir():
        for path in sorted(folder.glob("*__*.csv")):
            doc_id, _, table_id = path.stem.partition("__")
            tables[(doc_id, table_id)] = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    titles = {}
    summary = paths.clean / "extract_summary.csv"
    if summary.is_file():
        frame = pd.read_csv(summary, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        titles = {(d, t): title for d, t, title in zip(frame["doc_id"], frame["table_id"], frame["title"])}
    return tables, titles


def _column_score(header: str, period: str, measure: str) -> int:
    score = 0
    year = period[-4:]
    if year.isdigit() and year in header:
        score += 2
    words = TARGET_WORDS if measure == "target" else ACTUAL_WORDS if measure == "actual" else ()
    if any(word in header for word in words):
        score += 1
    return score


def cell_context(table: pd.DataFrame, title: str, line: int, value_raw: str, unit_raw: str,
                 period: str, measure: str) -> dict | None:
    """The printed cell of a figure: its table's title, row label, column header and unit; None
    when the row or the cell cannot be found (the view then shows the line alone)."""
    if "source_line" not in table.columns or not value_raw:
        return None
    cells = [c for c in table.columns if c != "source_line"]
    number = re.compile(rf"(?<![\d.]){re.escape(value_raw)}(?![\d.]*\d)")
    lines = pd.to_numeric(table["source_line"], errors="coerce")
    rows = table[lines == line]
    if not rows.empty:
        row = rows.iloc[0]
        matches = [c for c in cells if number.search(str(row[c]))]
    else:
        # a table printed one cell per line (a Word dump): the row starts at its label's line and
        # the figure's line is its cell's place in the row
        before = lines[lines < line]
        if before.empty:
            return None
        row = table.loc[before.idxmax()]
        offset = line - int(before.max())
        matches = [cells[offset]] if 0 < offset < len(cells) and number.search(str(row[cells[offset]])) else []
    if not matches:
        return None
    column = max(matches, key=lambda c: _column_score(str(c), period, measure))
    label = next((str(row[c]) for c in cells if str(row[c]).strip() and not number.search(str(row[c]))
                  and not re.fullmatch(r"[\d.\s]+", str(row[c]))), "")
    header = re.sub(r"\.\d+$", "", str(column))  # pandas numbers repeated headers: 目标.1
    unit = re.search(r"[（(]([^（）()]*)[）)]\s*$", label)
    return {"table": title, "row": label, "column": header, "cell": str(row[column]),
            "unit": unit.group(1) if unit else unit_raw}


def cell_contexts(paths: ProjectPaths, observations: pd.DataFrame) -> list[dict | None]:
    """Each observation's printed cell (None for a figure of the running text), in row order."""
    tables, titles = _tables(paths)
    contexts = []
    for doc_id, table_id, line, value_raw, unit_raw, period, measure in zip(
            observations["doc_id"], observations["table_id"], observations["source_line"],
            observations["value_raw"], observations["unit_raw"], observations["period"], observations["measure"]):
        table = tables.get((doc_id, table_id)) if table_id != "text" else None
        contexts.append(None if table is None else cell_context(
            table, titles.get((doc_id, table_id), table_id), int(line), str(value_raw), str(unit_raw),
            str(period), str(measure)))
    return contexts
