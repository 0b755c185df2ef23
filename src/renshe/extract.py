"""Documents -> data/clean: tables and running text into one tidy, traceable dataset.

Outputs (all written to a temporary folder and swapped in only when every document
succeeded, so a failure leaves the previous outputs untouched):
  observations.parquet, observations.csv (UTF-8 with BOM), unparsed.csv, unmapped.csv,
  tables/<doc_id>__<table_id>.csv (the wide layouts), extract_summary.csv
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import narrative, tables
from .codebook import Codebook, load_codebook
from .documents import Document, load_registry, read_document
from .outputs import atomic_directory, text_table_csv_bytes, write_csv
from .paths import ProjectPaths
from .schema import UNMAPPED_COLUMNS, observations_frame, unparsed_frame


@dataclass
class DocumentResult:
    doc_id: str
    tables: list
    text_observations: list[dict]

    def table_rows(self) -> list[dict]:
        rows = []
        for table in self.tables:
            rows.append({
                "doc_id": self.doc_id, "table_id": table.table_id, "title": table.title,
                "numeric_cells": table.numeric_cells,
                "observations": len(table.observations), "set_aside": len(table.unparsed),
            })
        return rows


def extract_document(document: Document) -> DocumentResult:
    found_tables = tables.extract_tables(document)
    text_observations = narrative.extract_text_figures(document)
    return DocumentResult(document.doc_id, found_tables, text_observations)


@dataclass
class ExtractOutput:
    observations: pd.DataFrame
    unparsed: pd.DataFrame
    unmapped: pd.DataFrame
    summary: pd.DataFrame
    results: list[DocumentResult]


# Below this much text a process pool costs more than it saves (the five documents are 170 kB).
PARALLEL_MIN_BYTES = 2_000_000


def _extract_documents(documents: list[Document], jobs: int | None = None) -> list[DocumentResult]:
    size = sum(len(line) for document in documents for line in document.raw_lines)
    jobs = jobs or os.cpu_count() or 1
    if jobs < 2 or len(documents) < 2 or size < PARALLEL_MIN_BYTES:
        return [extract_document(document) for document in documents]
    # fork: the workers inherit the imported library and the loaded configuration
    context = multiprocessing.get_context("fork")
    chunk = max(1, len(documents) // (jobs * 4))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        return list(pool.map(extract_document, documents, chunksize=chunk))


def extract_all(documents: list[Document], codebook: Codebook, jobs: int | None = None) -> ExtractOutput:
    results = _extract_documents(documents, jobs)
    records: list[dict] = []
    unparsed: list[dict] = []
    for result in results:
        for table in result.tables:
            records.extend(table.observations)
            unparsed.extend(table.unparsed)
        records.extend(result.text_observations)
    observations = codebook.assign(observations_frame(records))
    unmapped = codebook.unmapped(observations).reindex(columns=UNMAPPED_COLUMNS)
    summary = _summary(results, observations)
    return ExtractOutput(observations, unparsed_frame(unparsed), unmapped, summary, results)


def _summary(results: list[DocumentResult], observations: pd.DataFrame) -> pd.DataFrame:
    from_text = observations[observations.table_id == "text"]
    emitted = from_text.groupby("doc_id").size()
    mapped = (from_text.indicator_id != "").groupby(from_text.doc_id).sum()
    rows = []
    for result in results:
        rows.extend(result.table_rows())
        count = int(emitted.get(result.doc_id, 0))
        rows.append({
            "doc_id": result.doc_id, "table_id": "text", "title": "running text",
            "numeric_cells": count, "observations": count, "set_aside": 0,
            "mapped": int(mapped.get(result.doc_id, 0)),
        })
    summary = pd.DataFrame(rows)
    if "mapped" not in summary:
        summary["mapped"] = pd.NA
    return summary


def write_outputs(output: ExtractOutput, target: Path) -> None:
    with atomic_directory(target) as staging:
        output.observations.to_parquet(staging / "observations.parquet", index=False)
        write_csv(output.observations, staging / "observations.csv")
        write_csv(output.unparsed, staging / "unparsed.csv")
        write_csv(output.unmapped, staging / "unmapped.csv")
        write_csv(output.summary, staging / "extract_summary.csv")
        tables_dir = staging / "tables"
        tables_dir.mkdir()
        for result in output.results:
            for table in result.tables:  # the staging folder is the atomic unit: plain writes suffice
                (tables_dir / f"{result.doc_id}__{table.table_id}.csv").write_bytes(text_table_csv_bytes(table.wide))


def run_extract(paths: ProjectPaths | None = None, doc_ids: list[str] | None = None,
                out_dir: Path | None = None) -> ExtractOutput:
    """Read every registered document (or `doc_ids`), extract, and write data/clean."""
    paths = paths or ProjectPaths.at()
    registry = load_registry(paths)
    entries = [registry.document(d) for d in doc_ids] if doc_ids else list(registry.documents)
    documents = [read_document(entry) for entry in entries]
    codebook = load_codebook(paths.codebook)
    output = extract_all(documents, codebook)
    write_outputs(output, out_dir or paths.clean)
    return output


def format_summary(summary: pd.DataFrame) -> str:
    """The per-document, per-table report `renshe extract` prints."""
    lines = [f"{'document':28} {'table':14} {'cells':>6} {'observations':>13} {'set aside':>10} {'mapped':>7}"]
    for row in summary.itertuples(index=False):
        mapped = "" if pd.isna(row.mapped) else str(int(row.mapped))
        lines.append(f"{row.doc_id:28} {row.table_id:14} {row.numeric_cells:>6} {row.observations:>13} "
                     f"{row.set_aside:>10} {mapped:>7}")
    totals = summary[["observations", "set_aside"]].sum()
    lines.append(f"total: {int(totals.observations)} observations, {int(totals.set_aside)} cells set aside")
    return "\n".join(lines)


def load_extract_output(folder: Path) -> ExtractOutput:
    """Read back what `write_outputs` wrote, so notebooks show the build's data without re-extracting."""
    from .schema import Table, coerce_observations

    folder = Path(folder)
    if not (folder / "observations.parquet").is_file():
        raise FileNotFoundError(f"{folder} holds no extraction output; run `renshe extract` first")
    summary = pd.read_csv(folder / "extract_summary.csv", dtype={"doc_id": str, "table_id": str})
    results = []
    for doc_id in summary.doc_id.unique():
        found = []
        for row in summary[(summary.doc_id == doc_id) & (summary.table_id != "text")].itertuples(index=False):
            wide = pd.read_csv(folder / "tables" / f"{doc_id}__{row.table_id}.csv", dtype=str, keep_default_na=False)
            found.append(Table(doc_id, row.table_id, row.title, wide, numeric_cells=int(row.numeric_cells)))
        results.append(DocumentResult(doc_id, found, []))
    return ExtractOutput(
        observations=coerce_observations(pd.read_parquet(folder / "observations.parquet")),
        unparsed=pd.read_csv(folder / "unparsed.csv", dtype=str, keep_default_na=False),
        unmapped=pd.read_csv(folder / "unmapped.csv", dtype=str, keep_default_na=False),
        summary=summary, results=results,
    )
