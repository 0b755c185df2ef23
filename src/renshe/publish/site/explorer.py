"""The explorer page: every observation in the browser, to filter, sort and download as CSV.

No server and no CDN: the observations ship as one script (site/assets/observations.js, which
works from file:// too, where a fetched JSON file would not), read by the packaged
assets/explorer.js (plain JavaScript). Each source line is stored once and the rows point at it,
so 10 000 observations quoting long paragraphs stay a few megabytes.
"""
from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

from renshe.outputs import atomic_write_bytes
from renshe.publish.site.downloads import OBSERVATION_FIELDS, superseded_words, with_superseded_by

EXPLORER_DATA = "observations.js"  # in site/assets/
EXPLORER_SCRIPT = "explorer.js"  # packaged in renshe/publish/assets/
DATA_VARIABLE = "RENSHE_OBSERVATIONS"


def _json_cell(value):
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return value


def explorer_payload(observations: pd.DataFrame, indicator_names: dict[str, str],
                     document_titles: dict[str, str]) -> dict:
    """The observations as the explorer reads them: the download's columns in order, one list per
    row, source lines stored once ('texts'), plus each figure as the site prints it and the names
    the filters show."""
    from renshe.ingest.numbers import format_value

    fields = [name for name in OBSERVATION_FIELDS if name in observations.columns]
    texts: dict[str, int] = {}
    rows = []
    text_column = fields.index("source_text")
    for record in observations[fields].itertuples(index=False, name=None):
        row = [_json_cell(value) for value in record]
        row[text_column] = texts.setdefault(str(row[text_column] or ""), len(texts))
        rows.append(row)
    display = [format_value(v, u, q) for v, u, q in
               zip(observations["value"], observations["unit"], observations["qualifier"])]
    # the CSV download writes these as pandas does (2020000.0), so it reads like observations.csv
    floats = [name for name in fields if pd.api.types.is_float_dtype(observations[name])]
    return {"fields": fields, "floats": floats, "rows": rows, "texts": list(texts), "display": display,
            "indicators": indicator_names, "documents": document_titles}


def explorer_script(payload: dict) -> str:
    """The payload as a classic script assigning one global (JSON is valid JavaScript)."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    # nothing in the data can end a <script> element or start a comment if the file is ever inlined
    text = text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.{DATA_VARIABLE} = {text};\n"


def write_explorer_data(data, target: Path, files: dict[str, str] | None = None) -> int:
    """Write site/assets/observations.js from the report data, and each document's lines
    (assets/lines/<doc_id>.js, loaded when the source view opens); returns the number of rows.
    `files`: each document's file as published, in the site's downloads."""
    from renshe.publish.site.source_context import LINES_FOLDER, cell_contexts, write_line_scripts

    names = {entry["id"]: f"{data.indicator_name(entry['id'])} · {data.indicator_name_en(entry['id'])}"
             for entry in data.codebook}
    titles = {d.doc_id: f"{d.title_zh} · {d.title_en}" for d in data.registry.documents}
    for earlier, latest in data.replaced_by().items():  # an earlier edition stays, marked as replaced
        titles[earlier] += " " + superseded_words(data.registry.document(latest))
    every = with_superseded_by(data.every_observation, data.replaced_by())
    payload = explorer_payload(every, names, titles)
    payload["cites"] = {d.doc_id: data.source_title(d.doc_id) for d in data.registry.documents}
    payload["context"] = cell_contexts(data.paths, every)
    payload["lineScripts"] = write_line_scripts(data.paths, data.registry.documents, target.parent / LINES_FOLDER)
    payload["files"] = dict(files or {})
    payload["pdf"] = [d.doc_id for d in data.registry.documents if d.path.suffix.lower() == ".pdf"]
    atomic_write_bytes(target, explorer_script(payload).encode("utf-8"))
    return len(payload["rows"])


def explorer_partial(rows: int) -> str:
    """The page's body: a container the script fills, and the two scripts (page-relative)."""
    message = html.escape(f"正在载入 {rows} 条观测值… Loading {rows} observations… "
                          "(the explorer needs JavaScript; the same data: downloads/observations.csv)")
    markup = (f'<div id="renshe-explorer" class="renshe-explorer"><p class="renshe-note">{message}</p></div>\n'
              f'<script src="assets/{EXPLORER_DATA}"></script>\n'
              f'<script src="assets/{EXPLORER_SCRIPT}"></script>')
    return "```{=html}\n" + markup + "\n```\n"
