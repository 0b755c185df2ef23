"""`renshe build`: every step of the pipeline, each skipped when its inputs are unchanged.

A step's fingerprint is the sha256 of everything it reads (files, the library's own source,
its parameters). The fingerprints of the last successful run live in
.renshe-cache/state.json; a step whose fingerprint matches and whose outputs exist is
skipped. State is only recorded after a step succeeded, so a killed build simply redoes
the step next time, and each step writes its outputs atomically.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .paths import ProjectPaths

STATE_FILE = ".renshe-cache/state.json"


def sha256_of(chunks: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(len(chunk).to_bytes(8, "little"))
        digest.update(chunk)
    return digest.hexdigest()


def files_fingerprint(files: Iterable[Path], root: Path) -> list[bytes]:
    """Name and content of each file (a missing file counts, as 'absent')."""
    chunks = []
    for path in sorted({Path(p) for p in files}):
        relative = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        chunks.append(relative.encode())
        chunks.append(path.read_bytes() if path.is_file() else b"<absent>")
    return chunks


def library_files() -> list[Path]:
    package = Path(__file__).resolve().parent
    return sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def library_fingerprint() -> str:
    package = Path(__file__).resolve().parent
    return sha256_of(files_fingerprint(library_files(), package))


@dataclass
class BuildState:
    path: Path
    fingerprints: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, paths: ProjectPaths) -> "BuildState":
        path = paths.root / STATE_FILE
        try:
            return cls(path, json.loads(path.read_text()))
        except (FileNotFoundError, json.JSONDecodeError):
            return cls(path)

    def is_current(self, step: str, fingerprint: str) -> bool:
        return self.fingerprints.get(step) == fingerprint

    def record(self, step: str, fingerprint: str) -> None:
        self.fingerprints[step] = fingerprint
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_suffix(".tmp")
        temp.write_text(json.dumps(self.fingerprints, indent=1, sort_keys=True))
        os.replace(temp, self.path)

    def forget(self, prefix: str) -> None:
        self.fingerprints = {k: v for k, v in self.fingerprints.items() if not k.startswith(prefix)}


@dataclass
class StepReport:
    name: str
    ran: bool
    seconds: float
    detail: str = ""


@dataclass
class Step:
    name: str
    inputs: Callable[[], list[bytes]]
    outputs: Callable[[], list[Path]]
    action: Callable[[], str]


def run_step(step: Step, state: BuildState, force: bool) -> StepReport:
    started = time.perf_counter()
    fingerprint = sha256_of(step.inputs())
    outputs_present = all(p.exists() for p in step.outputs())
    if not force and outputs_present and state.is_current(step.name, fingerprint):
        return StepReport(step.name, False, time.perf_counter() - started, "unchanged")
    detail = step.action()
    state.record(step.name, fingerprint)
    return StepReport(step.name, True, time.perf_counter() - started, detail)


# --- the pipeline -----------------------------------------------------------------------

def _extract_inputs(paths: ProjectPaths) -> list[Path]:
    from .documents import load_registry

    registry = load_registry(paths)
    files = [paths.registry, paths.codebook, paths.root / "data" / "text_sections.yaml"]
    return files + [entry.path for entry in registry.documents]


def extract_step(paths: ProjectPaths, library: str) -> Step:
    def action() -> str:
        from .extract import run_extract

        output = run_extract(paths)
        from_text = int((output.observations.table_id == "text").sum())
        return (f"{len(output.observations)} observations ({len(output.observations) - from_text} from tables, "
                f"{from_text} from text), {len(output.unparsed)} cells set aside, "
                f"{len(output.unmapped)} unmapped phrases")

    return Step(
        "extract",
        inputs=lambda: [library.encode(), *files_fingerprint(_extract_inputs(paths), paths.root)],
        outputs=lambda: [paths.clean / "observations.parquet"],
        action=action,
    )


def _expectation_files(paths: ProjectPaths) -> list[Path]:
    return sorted(p for p in paths.expectations.rglob("*")
                  if p.is_file() and "uncommitted" not in p.parts)


def validate_step(paths: ProjectPaths, library: str) -> Step:
    def action() -> str:
        from .checks import run_validation

        results = run_validation(paths)
        counts = results.checks["status"].value_counts()
        return ", ".join(f"{counts.get(s, 0)} {s}" for s in ("pass", "fail", "warn"))

    return Step(
        "validate",
        inputs=lambda: [library.encode(), *files_fingerprint(
            [paths.clean / "observations.parquet", paths.codebook, *_expectation_files(paths)], paths.root)],
        outputs=lambda: [paths.clean / "checks.csv"],
        action=action,
    )


def _frame_bytes(frame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


@dataclass
class DataSlices:
    """The data each notebook run reads, so a run re-executes only when its slice changed."""

    observations: object
    checks: object
    parents: dict[str, str | None]

    @classmethod
    def load(cls, paths: ProjectPaths) -> "DataSlices":
        import pandas as pd

        from .documents import load_registry

        observations = pd.read_parquet(paths.clean / "observations.parquet")
        checks_path = paths.clean / "checks.csv"
        checks = pd.read_csv(checks_path, dtype=str).fillna("") if checks_path.is_file() else pd.DataFrame()
        parents = {r.name: r.parent for r in load_registry(paths).regions}
        return cls(observations, checks, parents)

    def _related_regions(self, region: str) -> set[str]:
        children = {name for name, parent in self.parents.items() if parent == region}
        return {region, self.parents.get(region) or "", *children} - {""}

    def _checks_mentioning(self, needle: str):
        if self.checks.empty:
            return self.checks
        mask = self.checks.apply(lambda row: row.astype(str).str.contains(needle, regex=False).any(), axis=1)
        return self.checks[mask]

    def fingerprint(self, parameters: dict) -> list[bytes]:
        obs = self.observations
        if "region" in parameters:
            region = str(parameters["region"])
            related = obs[obs.region.isin(self._related_regions(region))]
            return [_frame_bytes(related), _frame_bytes(self._checks_mentioning(region))]
        if "indicator_id" in parameters:
            indicator = str(parameters["indicator_id"])
            return [_frame_bytes(obs[obs.indicator_id == indicator]),
                    _frame_bytes(self._checks_mentioning(indicator))]
        return [_frame_bytes(obs), _frame_bytes(self.checks)]


def _page_fingerprint(run, slices: DataSlices, paths: ProjectPaths, library: str) -> str:
    notebook = paths.notebooks / run.notebook
    chunks = [library.encode(), notebook.read_bytes(), json.dumps(run.params, sort_keys=True,
                                                                   ensure_ascii=False).encode(),
              run.title.encode()]
    if run.kind == "clean":
        chunks += files_fingerprint(sorted((paths.clean / "tables").glob("*.csv"))
                                    + [paths.clean / "extract_summary.csv", paths.clean / "unparsed.csv"],
                                    paths.root)
    chunks += slices.fingerprint(run.params)
    return sha256_of(chunks)


def notebooks_step(paths: ProjectPaths, state: BuildState, library: str, force: bool,
                   jobs: int | None) -> tuple[StepReport, object]:
    """Execute only the runs whose notebook, parameters or data slice changed."""
    from .batch import BatchResult, plan_runs, run_notebooks

    started = time.perf_counter()
    runs = plan_runs(paths)
    slices = DataSlices.load(paths)
    pages = paths.site / "pages"
    fingerprints = {run: _page_fingerprint(run, slices, paths, library) for run in runs}
    stale = [run for run in runs
             if force or not (pages / run.page).is_file()
             or not state.is_current(f"page:{run.page}", fingerprints[run])]
    _remove_retired_pages(pages, {run.page for run in runs})
    if not stale:
        return StepReport("notebooks", False, time.perf_counter() - started,
                          f"all {len(runs)} pages unchanged"), BatchResult()
    batch = run_notebooks(paths, stale, jobs=jobs)
    for result in batch.results:
        if result.ok:
            state.record(f"page:{result.run.page}", fingerprints[result.run])
        else:
            state.forget(f"page:{result.run.page}")
    detail = (f"{len(batch.succeeded)} of {len(stale)} runs succeeded "
              f"({len(runs) - len(stale)} unchanged pages kept)")
    return StepReport("notebooks", True, time.perf_counter() - started, detail), batch


def _remove_retired_pages(pages: Path, planned: set[str]) -> None:
    """A region or indicator that left the data must not keep a stale page on the site."""
    if not pages.is_dir():
        return
    for page in pages.glob("*.ipynb"):
        if page.name not in planned:
            page.unlink()


def site_step(paths: ProjectPaths, library: str) -> Step:
    def inputs() -> list[bytes]:
        site_sources = [p for p in paths.site.rglob("*") if p.is_file()
                        and "_site" not in p.relative_to(paths.site).parts
                        and not p.relative_to(paths.site).parts[0].startswith(".")]
        data_files = [p for p in paths.clean.rglob("*") if p.is_file()]
        return [library.encode(), *files_fingerprint(site_sources + data_files + [paths.codebook], paths.root)]

    def action() -> str:
        from .site import render_site

        return render_site(paths)

    return Step("site", inputs=inputs, outputs=lambda: [paths.site / "_site" / "index.html"], action=action)


def build_summary(paths: ProjectPaths, reports: list[StepReport], batch) -> str:
    """The accounting printed at the end of every build, whatever ran."""
    import pandas as pd

    clean = paths.clean
    summary = pd.read_csv(clean / "extract_summary.csv")
    observations = pd.read_parquet(clean / "observations.parquet", columns=["table_id", "indicator_id"])
    unparsed = pd.read_csv(clean / "unparsed.csv")
    unmapped = pd.read_csv(clean / "unmapped.csv")
    checks_path = clean / "checks.csv"
    statuses = (pd.read_csv(checks_path, dtype=str)["status"].value_counts()
                if checks_path.is_file() else pd.Series(dtype=int))
    from_text = int((observations.table_id == "text").sum())
    table_count = int((summary.table_id != "text").sum())
    pages = paths.site / "pages"
    page_count = len(list(pages.glob("*.ipynb"))) if pages.is_dir() else 0
    lines = [
        "build summary",
        f"  documents      {summary.doc_id.nunique()}",
        f"  tables         {table_count}",
        f"  observations   {len(observations)} ({len(observations) - from_text} from tables, {from_text} from text)",
        f"  unparsed cells {len(unparsed)} (set aside with a reason, data/clean/unparsed.csv)",
        f"  unmapped       {len(unmapped)} phrases without an indicator id (data/clean/unmapped.csv)",
        "  checks         " + ", ".join(f"{int(statuses.get(s, 0))} {s}" for s in ("pass", "fail", "warn")),
        f"  notebook runs  {len(batch.succeeded)} succeeded, {len(batch.failed)} failed this build; "
        f"{page_count} pages on the site",
        "  steps          " + "; ".join(
            f"{r.name} {r.seconds:.1f} s{'' if r.ran else ' (skipped: ' + r.detail + ')'}" for r in reports),
    ]
    return "\n".join(lines)


def run_build(paths: ProjectPaths | None = None, force: bool = False, jobs: int | None = None) -> int:
    """The whole pipeline; returns the exit code (non-zero when a notebook run failed)."""
    paths = paths or ProjectPaths.at()
    started = time.perf_counter()
    state = BuildState.load(paths)
    library = library_fingerprint()
    reports = []
    for step in (extract_step(paths, library), validate_step(paths, library)):
        reports.append(run_step(step, state, force))
        print(f"{step.name}: {reports[-1].detail}", flush=True)
    notebooks_report, batch = notebooks_step(paths, state, library, force, jobs)
    reports.append(notebooks_report)
    print(f"notebooks: {notebooks_report.detail}", flush=True)
    if batch.results:
        print(batch.format(), flush=True)
    if batch.failed:  # the site must not be built on a partial grid; the old site stays
        state.forget("site")
    else:
        reports.append(run_step(site_step(paths, library), state, force))
        print(f"site: {reports[-1].detail}", flush=True)
    print(build_summary(paths, reports, batch))
    print(f"total {time.perf_counter() - started:.1f} s")
    return batch.exit_code
