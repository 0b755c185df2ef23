"""The data downloads: CSV, Excel (byte-identical across builds) and a Frictionless datapackage."""
from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd

from renshe.outputs import atomic_directory, csv_bytes
from renshe.paths import ProjectPaths


WORKBOOK_EPOCH = datetime(2000, 1, 1)
CORE_DATES = re.compile(r"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")

OBSERVATION_FIELDS = {
    "doc_id": "source document id (data/sources.yaml)",
    "table_id": "table within the document, or 'text' for a figure stated in running text",
    "region": "region the figure describes", "region_code": "GB/T 2260 code (100000 for the nation)",
    "level": "national, province, city or district", "indicator_id": "codebook id ('' if not in the codebook)",
    "indicator_zh": "the indicator as the document names it", "period": "YYYY, YYYY-MM, YYYY-Qn or YYYY-YYYY",
    "measure": "actual, target, change or change_pct", "qualifier": "'', >=, <=, >, < or ~ (about)",
    "value": "value in the canonical unit (万 and 亿 folded in)", "unit": "canonical unit",
    "value_raw": "the number as printed", "unit_raw": "the unit as printed",
    "source_line": "1-based line of the document as read (data/clean/text/<doc_id>.txt)", "source_text": "that line, verbatim",
    "source_page": "the PDF page of that line (0 for a format without pages)",
    "basis": "'' (point in time), cumulative or per_year",
    "superseded_by": "'' for a published figure; for a figure of an earlier edition of a re-issued document, "
                     "the doc_id of the edition that replaced it (its figures are the published ones)",
}


def with_superseded_by(observations: pd.DataFrame, replaced: dict[str, str]) -> pd.DataFrame:
    """The observations with `superseded_by`: the latest edition replacing a row's document, else ''."""
    return observations.assign(superseded_by=observations["doc_id"].astype(str).map(replaced).astype("string")
                               .fillna(""))


def superseded_words(latest) -> str:
    """'（已被2013-06-20的版本取代 replaced by the edition of 2013-06-20）' for the registry entry `latest`."""
    date = latest.published or latest.reference_period
    return f"（已被{date}的版本取代 replaced by the edition of {date}）"



def codebook_frame(entries: list[dict]) -> pd.DataFrame:
    """The codebook flattened to one row per indicator (lists joined with '; ')."""
    rows = []
    for entry in entries:
        row = {}
        for key, value in entry.items():
            if isinstance(value, (list, tuple)):
                value = "; ".join(json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else str(v)
                                  for v in value)
            elif isinstance(value, dict):
                value = json.dumps(value, ensure_ascii=False)
            row[key] = "" if value is None else value
        rows.append(row)
    return pd.DataFrame(rows).astype("string") if rows else pd.DataFrame({"id": pd.Series(dtype="string")})


def _field_type(dtype) -> str:
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    return "string"


def _excel_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Strip the control characters (page breaks) openpyxl refuses in a cell."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    frame = frame.copy()
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].astype("string").str.replace(ILLEGAL_CHARACTERS_RE, "", regex=True)
    return frame


def workbook_stamp(paths: ProjectPaths) -> datetime:
    """The date the Excel downloads carry: the newest publication date in the registry.

    A function of the inputs, not of the clock, so two builds of the same data give the same bytes."""
    from renshe.ingest.documents import load_registry

    dates = [entry.published for entry in load_registry(paths).documents if entry.published]
    stamps = []
    for text in dates:
        try:
            stamps.append(datetime.fromisoformat(str(text)[:10]))
        except ValueError:
            continue  # a free-text date ("2023年4月") does not pin the stamp
    return max(stamps, default=WORKBOOK_EPOCH)


def normalise_xlsx(data: bytes, stamp: datetime) -> bytes:
    """An .xlsx with every clock reading replaced by `stamp`.

    openpyxl writes the time of saving into docProps/core.xml (created, modified) and into
    every zip entry; here the properties are rewritten and the zip rebuilt with fixed entry
    times and attributes, in sorted order ([Content_Types].xml first, as Office writes it)."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = {info.filename: source.read(info) for info in source.infolist()}
    if "docProps/core.xml" in entries:
        iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        core = entries["docProps/core.xml"].decode("utf-8")
        entries["docProps/core.xml"] = CORE_DATES.sub(lambda m: f"{m.group(1)}{iso}{m.group(3)}", core).encode("utf-8")
    from renshe.publish.site.xlsx import zip_entries

    return zip_entries(entries, stamp)


def excel_bytes(frame: pd.DataFrame, sheet_name: str, stamp: datetime) -> bytes:
    """One sheet as .xlsx bytes, identical for identical data (publish.site.xlsx: the few XML parts
    of a workbook written directly; openpyxl's writers made an object per cell, minutes for the
    rows of a yearbook-sized document). It reads back as the CSV does, with a bold header row."""
    from renshe.publish.site.xlsx import workbook_bytes

    safe = _excel_safe(frame)
    rows = zip(*(safe[column].tolist() for column in safe.columns))
    clean = ([None if value is None or value is pd.NA or value != value else value for value in row] for row in rows)
    return workbook_bytes(sheet_name, [str(name) for name in safe.columns], clean, stamp)


def _resource(name: str, frame: pd.DataFrame, title: str, descriptions: dict[str, str]) -> dict:
    return {
        "name": name, "title": title, "path": f"{name}.csv", "profile": "tabular-data-resource",
        "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
        "dialect": {"delimiter": ",", "header": True},
        "schema": {
            "fields": [{"name": str(c), "type": _field_type(frame[c].dtype),
                        **({"description": descriptions[c]} if c in descriptions else {})}
                       for c in frame.columns],
            "missingValues": [""],
        },
        "alternates": {"excel": f"{name}.xlsx", "parquet": f"{name}.parquet"},
    }


def download_tables(paths: ProjectPaths) -> dict[str, tuple[pd.DataFrame, str]]:
    from renshe import load_observations
    from renshe.publish.report import load_checks, load_codebook_entries

    from renshe.checks.editions import superseded_by
    from renshe.ingest.documents import load_registry

    observations = with_superseded_by(load_observations(paths.root), superseded_by(load_registry(paths).documents))
    tables = {"observations": (observations, "Observations: one row per figure; an earlier edition's figures "
                                             "are kept, marked in superseded_by")}
    checks = load_checks(paths)
    if checks is not None:
        tables["checks"] = (checks, "Checks: one row per check instance")
    tables["codebook"] = (codebook_frame(load_codebook_entries(paths.codebook)), "Indicator codebook")
    return tables


def write_downloads(paths: ProjectPaths, target: Path) -> dict[str, pd.DataFrame]:
    """observations / checks / codebook as CSV (UTF-8 BOM), Excel, Parquet, plus datapackage.json."""
    tables = download_tables(paths)
    stamp = workbook_stamp(paths)
    package = {"profile": "tabular-data-package", "name": "renshe",
               "title": "renshe: Chinese labour and social-security documents as tidy observations",
               "resources": []}
    with atomic_directory(target) as staging:
        staging.chmod(0o755)
        for name, (frame, title) in tables.items():
            (staging / f"{name}.csv").write_bytes(csv_bytes(frame))
            (staging / f"{name}.xlsx").write_bytes(excel_bytes(frame, name, stamp))
            frame.to_parquet(staging / f"{name}.parquet", index=False)
            package["resources"].append(_resource(name, frame, title, OBSERVATION_FIELDS
                                                  if name == "observations" else {}))
        (staging / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=2) + "\n",
                                                  encoding="utf-8")
    return {name: frame for name, (frame, _title) in tables.items()}
