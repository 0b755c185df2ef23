"""Documents -> data/clean: tables and running text into one tidy, traceable dataset.

Outputs (all written to a temporary folder and swapped in only when every document
succeeded, so a failure leaves the previous outputs untouched):
  observations.parquet, observations.csv (UTF-8 with BOM), unparsed.csv, unmapped.csv,
  tables/<doc_id>__<table_id>.csv (the wide layouts), extract_summary.csv,
  text/<doc_id>.txt (each document's lines as read: the lines `source_line` counts, for every
  format), left_out.csv (the furniture each reader recognised and did not read, with the reason)
"""
from __future__ import annotations

import csv
import gc
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, TypeVar

from renshe.ingest import tables, text as narrative
from renshe.ingest.codebook import Codebook, load_codebook
from renshe.ingest.documents import Document, DocumentEntry, load_registry, read_document
from renshe.outputs import atomic_directory, csv_bytes, put_file, table_csv_bytes
from renshe.paths import ProjectPaths
from renshe.schema import UNMAPPED_COLUMNS, Table, observations_frame, unparsed_frame

if TYPE_CHECKING:  # imported where frames are built, after the workers have forked (_map_documents)
    import pandas as pd

T = TypeVar("T")


@dataclass
class DocumentResult:
    doc_id: str
    tables: list[Table]
    text_observations: list[dict]
    text_set_aside: list[dict] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # the document's lines as read
    left_out: list[dict] = field(default_factory=list)

    def table_rows(self) -> list[dict]:
        rows = []
        for table in self.tables:
            rows.append({
                "doc_id": self.doc_id, "table_id": table.table_id, "title": table.title,
                "numeric_cells": table.numeric_cells,
                "observations": len(table.observations), "set_aside": len(table.unparsed),
                "not_read": table.not_read,
            })
        return rows


def extract_document(document: Document) -> DocumentResult:
    found_tables = tables.extract_tables(document)
    table_lines = {line for table in found_tables for line in table.lines}
    text = narrative.read_text(document, skip_lines=table_lines)
    for records in [table.observations for table in found_tables] + [text.observations]:
        _add_pages(document, records)
    left_out = [{"doc_id": document.doc_id, "page": item.origin.page, "where": item.origin.describe(),
                 "reason": item.reason, "text": item.text} for item in document.left_out]
    return DocumentResult(document.doc_id, found_tables, text.observations, text.set_aside,
                          document.raw_lines, left_out)


def _add_pages(document: Document, records: list[dict]) -> None:
    """Each observation's `source_page`: the page its line was printed on (0 without pages). The
    one place provenance to the page is filled, for tables and running text alike."""
    for record in records:
        record["source_page"] = document.page(int(record["source_line"]))


def read_and_extract(entry: DocumentEntry) -> DocumentResult:
    return extract_document(read_document(entry))


@dataclass
class ExtractOutput:
    observations: pd.DataFrame
    unparsed: pd.DataFrame
    unmapped: pd.DataFrame
    summary: pd.DataFrame
    results: list[DocumentResult]


# Below this much text a process pool costs more than it saves (the five documents are 420 kB).
PARALLEL_MIN_BYTES = 2_000_000


def _map_documents(function: Callable[[T], DocumentResult], items: list[T], size: int,
                   jobs: int | None = None, meanwhile: Callable[[], None] = lambda: None,
                   scheduler: str | None = None) -> list[DocumentResult]:
    """`function` over `items` in order, on a process pool when there is enough text to repay it
    (or, given a Dask scheduler's address, on its cluster: publish.cluster); `meanwhile` runs in
    this process while the workers work."""
    if scheduler:
        from renshe.publish.cluster import mapped

        meanwhile()
        return mapped(scheduler, function, items)
    jobs = jobs or os.cpu_count() or 1
    if jobs < 2 or len(items) < 2 or size < PARALLEL_MIN_BYTES:
        meanwhile()
        return [function(item) for item in items]
    # fork: the workers inherit the imported library and the loaded configuration. Frozen, the
    # inherited objects are not scanned (nor their pages copied) by the workers' collector, which
    # is switched off anyway: a worker lives for one extraction and makes little cyclic garbage
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        chunk = max(1, len(items) // (jobs * 8))
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=gc.disable) as pool:
            pending = pool.map(function, items, chunksize=chunk)
            meanwhile()
            return list(pending)
    finally:
        gc.unfreeze()


def _raw_size(entries: list[DocumentEntry]) -> int:
    return sum(entry.path.stat().st_size for entry in entries if entry.path.is_file())


def extract_all(documents: list[Document], codebook: Codebook, jobs: int | None = None) -> ExtractOutput:
    size = _raw_size([document.entry for document in documents])
    return collect(_map_documents(extract_document, documents, size, jobs), codebook)


def collect(results: list[DocumentResult], codebook: Codebook) -> ExtractOutput:
    """The documents' results as one dataset: observations with their codebook ids, cells set
    aside, unmapped phrases and the per-table counts."""
    records: list[dict] = []
    unparsed: list[dict] = []
    for result in results:
        for table in result.tables:
            records.extend(table.observations)
            unparsed.extend(table.unparsed)
        records.extend(result.text_observations)
        unparsed.extend(result.text_set_aside)
    observations = codebook.assign(observations_frame(records))
    unmapped = codebook.unmapped(observations).reindex(columns=UNMAPPED_COLUMNS)
    summary = _summary(results, observations)
    return ExtractOutput(observations, unparsed_frame(unparsed), unmapped, summary, results)


def _summary(results: list[DocumentResult], observations: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    from_text = observations.loc[observations.table_id == "text", ["doc_id", "indicator_id"]]
    emitted = from_text.groupby("doc_id").size()
    mapped = (from_text.indicator_id != "").groupby(from_text.doc_id).sum()
    rows = []
    for result in results:
        rows.extend(result.table_rows())
        count = int(emitted.get(result.doc_id, 0))
        rows.append({
            "doc_id": result.doc_id, "table_id": "text", "title": "running text",
            "numeric_cells": count, "observations": count, "set_aside": len(result.text_set_aside),
            "mapped": int(mapped.get(result.doc_id, 0)),
        })
    summary = pd.DataFrame(rows)
    if "mapped" not in summary:
        summary["mapped"] = pd.NA
    if "not_read" not in summary:
        summary["not_read"] = ""
    summary["not_read"] = summary["not_read"].fillna("")
    return summary


def write_outputs(output: ExtractOutput, target: Path) -> None:
    target = Path(target)
    files = {
        "observations.parquet": output.observations.to_parquet(None, index=False),
        "observations.csv": csv_bytes(output.observations),
        "unparsed.csv": csv_bytes(output.unparsed),
        "unmapped.csv": csv_bytes(output.unmapped),
        "extract_summary.csv": csv_bytes(output.summary),
    }
    left_out = [row for result in output.results for row in result.left_out]
    files["left_out.csv"] = _left_out_bytes(left_out)
    for result in output.results:
        for table in result.tables:
            if table.not_read:
                continue  # nothing read: its figures are in unparsed.csv, the reason in extract_summary.csv
            files[f"tables/{result.doc_id}__{table.table_id}.csv"] = table_csv_bytes(table.columns, table.rows)
        if result.lines:
            files[f"text/{result.doc_id}.txt"] = ("\n".join(result.lines) + "\n").encode("utf-8")
    with atomic_directory(target) as staging:
        (staging / "tables").mkdir()
        (staging / "text").mkdir()
        for name, data in files.items():  # the staging folder is the atomic unit: plain writes suffice
            put_file(staging, name, data, previous=target)


LEFT_OUT_COLUMNS = ["doc_id", "page", "where", "reason", "text"]


def _left_out_bytes(rows: list[dict]) -> bytes:
    import pandas as pd

    return csv_bytes(pd.DataFrame.from_records(rows, columns=LEFT_OUT_COLUMNS))


def run_extract(paths: ProjectPaths | None = None, doc_ids: list[str] | None = None,
                out_dir: Path | None = None, scheduler: str | None = None) -> ExtractOutput:
    """Read every registered document (or `doc_ids`), extract, and write data/clean; each
    document on the Dask cluster at `scheduler` when one is given."""
    paths = paths or ProjectPaths.at()
    registry = load_registry(paths)
    entries = [registry.document(d) for d in doc_ids] if doc_ids else list(registry.documents)
    codebook = load_codebook(paths.codebook)
    with _collector_paused():
        # each worker reads its own documents: shipping read documents to the pool cost more than reading them
        results = _map_documents(read_and_extract, entries, _raw_size(entries), meanwhile=_import_writers,
                                 scheduler=scheduler)
        output = collect(results, codebook)
        write_outputs(output, out_dir or paths.clean)
    return output


def _import_writers() -> None:
    """pandas and pyarrow, which `collect` and `write_outputs` need, imported while the workers
    extract: the parent would otherwise wait idle, then spend 0.4 s importing them."""
    import pandas  # noqa: F401
    import pyarrow.parquet  # noqa: F401


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Extraction makes millions of small objects that live until it ends and form no cycles
    worth finding; the cyclic collector's passes over them cost a tenth of the run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def format_summary(summary: pd.DataFrame) -> str:
    """The per-document, per-table report `renshe extract` prints."""
    import pandas as pd

    lines = [f"{'document':28} {'table':14} {'cells':>6} {'observations':>13} {'set aside':>10} {'mapped':>7}"]
    for row in summary.itertuples(index=False):
        mapped = "" if pd.isna(row.mapped) else str(int(row.mapped))
        lines.append(f"{row.doc_id:28} {row.table_id:14} {row.numeric_cells:>6} {row.observations:>13} "
                     f"{row.set_aside:>10} {mapped:>7}")
    totals = summary[["observations", "set_aside"]].sum()
    lines.append(f"total: {int(totals.observations)} observations, {int(totals.set_aside)} cells set aside")
    return "\n".join(lines)


_REASON_DETAIL = re.compile(r"\([^()]*\)|'[^']*'|“[^”]*”|[0-9][0-9.:,]*[^\s,;:()]*")


def reason_kind(reason: str) -> str:
    """A set-aside reason without its particulars: 'ratio 7:25:68 (parts 7, 25, 68), kept as text'
    -> 'ratio, kept as text', so the summary can count reasons of one kind together."""
    if reason.startswith(("table not read", "no unit", "unknown unit")):
        return reason.split(":")[0]
    kind = _REASON_DETAIL.sub("", reason.split(":")[0] if reason.startswith(("missing marker",)) else reason)
    return re.sub(r"\s+([,;:])", r"\1", re.sub(r"\s{2,}", " ", kind)).strip(" ,;:")


def format_documents(output: ExtractOutput) -> str:
    """Per document: how many figures became observations, how many were set aside, and why."""
    lines = []
    accounts = {account.doc_id: account for account in document_accounts(
        output.summary.to_dict("records"), output.observations.doc_id, output.unparsed.doc_id)}
    for doc_id, account in accounts.items():
        aside = output.unparsed[output.unparsed.doc_id == doc_id]
        lines.append(account.line())
        kinds = aside.reason.map(reason_kind).value_counts()
        lines.extend(f"    {count:>4}  {kind}" for kind, count in kinds.items())
    return "\n".join(lines)


@dataclass
class DocumentAccount:
    """What became of one document: figures taken and set aside, tables read and not read."""

    doc_id: str
    taken: int = 0
    set_aside: int = 0
    tables_read: int = 0
    not_read: list[tuple[str, str]] = field(default_factory=list)  # (table_id, why)

    def line(self) -> str:
        return (f"{self.doc_id}: {self.taken} figures taken, {self.set_aside} set aside, "
                f"{self.tables_read} tables read, {len(self.not_read)} not read")

    def warning(self) -> str:
        """'' for a document read whole; else what an analyst should look at."""
        if self.not_read:
            why = "; ".join(f"{table_id}: {reason}" for table_id, reason in self.not_read[:3])
            more = f" (and {len(self.not_read) - 3} more)" if len(self.not_read) > 3 else ""
            return (f"warning: {self.doc_id}: {len(self.not_read)} table(s) not read, their figures set aside "
                    f"(unparsed.csv): {why}{more}")
        if not self.taken:
            return f"warning: {self.doc_id}: nothing taken ({self.set_aside} figures set aside, see unparsed.csv)"
        return ""


def document_accounts(summary_rows: list[dict], observation_docs, unparsed_docs) -> list[DocumentAccount]:
    """One account per document of extract_summary's rows (dicts, as pandas or the csv module give
    them), from the doc_id of every observation and of every cell set aside."""
    from collections import Counter

    taken, aside = Counter(observation_docs), Counter(unparsed_docs)
    accounts: dict[str, DocumentAccount] = {}
    for row in summary_rows:
        doc_id = row["doc_id"]
        account = accounts.setdefault(doc_id, DocumentAccount(doc_id, taken[doc_id], aside[doc_id]))
        if row["table_id"] == "text":
            continue
        reason = row.get("not_read")
        if isinstance(reason, str) and reason:
            account.not_read.append((row["table_id"], reason))
        else:
            account.tables_read += 1
    return list(accounts.values())


def document_report(clean: Path) -> tuple[list[str], list[str]]:
    """(a line per document, the warnings) from the files `renshe extract` wrote to `clean`."""
    def rows(name: str) -> list[dict]:
        path = Path(clean) / name
        if not path.is_file():
            return []
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return list(csv.DictReader(handle))

    accounts = document_accounts(rows("extract_summary.csv"), (r["doc_id"] for r in rows("observations.csv")),
                                 (r["doc_id"] for r in rows("unparsed.csv")))
    return [a.line() for a in accounts], [a.warning() for a in accounts if a.warning()]


def load_extract_output(folder: Path) -> ExtractOutput:
    """Read back what `write_outputs` wrote, so notebooks show the build's data without re-extracting."""
    import pandas as pd

    from renshe.schema import coerce_observations

    folder = Path(folder)
    if not (folder / "observations.parquet").is_file():
        raise FileNotFoundError(f"{folder} holds no extraction output; run `renshe extract` first")
    summary = pd.read_csv(folder / "extract_summary.csv", dtype={"doc_id": str, "table_id": str})
    results = []
    for doc_id in summary.doc_id.unique():
        found = []
        for row in summary[(summary.doc_id == doc_id) & (summary.table_id != "text")].itertuples(index=False):
            columns, rows = _read_table_csv(folder / "tables" / f"{doc_id}__{row.table_id}.csv")
            not_read = getattr(row, "not_read", "")
            not_read = not_read if isinstance(not_read, str) else ""
            if not_read:
                found.append(Table(doc_id, row.table_id, row.title, ["source_line"], [], not_read=not_read))
                continue
            found.append(Table(doc_id, row.table_id, row.title, columns, rows, numeric_cells=int(row.numeric_cells)))
        results.append(DocumentResult(doc_id, found, []))
    return ExtractOutput(
        observations=coerce_observations(pd.read_parquet(folder / "observations.parquet")),
        unparsed=pd.read_csv(folder / "unparsed.csv", dtype=str, keep_default_na=False),
        unmapped=pd.read_csv(folder / "unmapped.csv", dtype=str, keep_default_na=False),
        summary=summary, results=results,
    )


def _read_table_csv(path: Path) -> tuple[list[str], list[tuple]]:
    """A wide table as `table_csv_bytes` wrote it: header, then rows led by their source line."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        columns, *rows = csv.reader(handle)
    return columns, [(int(line), *cells) for line, *cells in rows]
