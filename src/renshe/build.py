"""`renshe build`: every step of the pipeline, each skipped when its inputs are unchanged.

A step's fingerprint is the sha256 of everything it reads (files, the library's own source,
its parameters). The fingerprints of the last successful run live in
.renshe-cache/state.json; a step whose fingerprint matches and whose outputs exist is
skipped. State is only recorded after a step succeeded, so a killed build simply redoes
the step next time, and each step writes its outputs atomically.

A no-op build must cost little more than starting Python: every skip decision is taken
from file bytes alone, so pandas, papermill, nbformat and Great Expectations are imported
only by a step that has work to do (nbformat alone costs 2 s to import).
"""
from __future__ import annotations

import csv
import multiprocessing
import sys
import time
from collections import Counter
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from renshe import lifecycle
from renshe.paths import ProjectPaths
from renshe.notebook_step import (  # noqa: F401 (renshe.commands reaches them through renshe.build)
    NOTEBOOK_DATA, DataSlices, GridOutcome, _configuration_files, _grid_is_current, notebooks_step,
)
from renshe.buildstate import (  # noqa: F401 (tests and tools reach them through renshe.build)
    LOCK_FILE, BuildState, Step, StepReport, build_lock, files_fingerprint, library_fingerprint,
    is_due, recover_interrupted_outputs, run_step, sha256_of, visible_files,
)

# Written by `renshe site` into site/ from data/clean and the package: outputs, not sources.
SITE_GENERATED = ("_site", "assets", "downloads", "data-docs", "pages/failed")


# --- the pipeline -----------------------------------------------------------------------

def _registry_files(paths: ProjectPaths) -> list[Path]:
    """The registry and every raw document it lists (a bad registry raises RensheError here)."""
    from renshe.ingest.documents import load_registry

    return [paths.registry, *(entry.path for entry in load_registry(paths).documents)]


def extract_step(paths: ProjectPaths, library: str, scheduler: str | None = None) -> Step:
    def action() -> str:
        from renshe.commands import large_documents, validation_outputs_kept
        from renshe.ingest.extract import run_extract

        with validation_outputs_kept(paths):  # kept until validation runs, not deleted
            output = run_extract(paths, scheduler=scheduler)
        for line in large_documents(paths, output.observations):
            print(line, flush=True)
        from_text = int((output.observations.table_id == "text").sum())
        return (f"{len(output.observations)} observations ({len(output.observations) - from_text} from tables, "
                f"{from_text} from text), {len(output.unparsed)} cells set aside, "
                f"{len(output.unmapped)} unmapped phrases")

    return Step(
        "extract",
        inputs=lambda: [library.encode(), *files_fingerprint(
            _configuration_files(paths) + _registry_files(paths), paths.root)],
        outputs=lambda: [paths.clean / "observations.parquet"],
        action=action,
    )


def _rule_files(paths: ProjectPaths) -> list[Path]:
    # expectations/gx/ is Great Expectations' store, rewritten from rules.yaml by every
    # validation: an output of this step, not an input.
    return visible_files(paths.expectations, skip=["gx"])


def validate_step(paths: ProjectPaths, library: str, validator: Executor | None = None) -> Step:
    """`validator`: a process that imported the validation while the build extracted, to run it in."""
    def action() -> str:
        if validator is not None:
            return validator.submit(validation_counts, str(paths.root)).result()
        return validation_counts(str(paths.root))

    return Step(
        "validate",
        inputs=lambda: [library.encode(), *files_fingerprint(
            [paths.clean / "observations.parquet", *_configuration_files(paths), *_registry_files(paths),
             *_rule_files(paths)], paths.root)],
        outputs=lambda: [paths.clean / "checks.csv"],
        action=action,
    )


def validation_counts(root: str) -> str:
    """`run_validation` of the project at `root`, as the build reports it."""
    from renshe.checks.validate import run_validation

    results = run_validation(ProjectPaths.at(root))
    counts = results.checks["status"].value_counts()
    changed = results.release.summary() if results.release is not None else None  # the release log's line
    return ", ".join(f"{counts.get(s, 0)} {s}" for s in ("pass", "fail", "warn")) + (f"\n{changed}" if changed else "")


def _import_validation() -> None:
    import renshe.checks.validate
    import great_expectations  # noqa: F401 - the seconds this process is started ahead for


def _start_validator(due: bool) -> Executor | None:
    """A process that imports the validation and Great Expectations (two seconds) while the build
    extracts, when the extraction is due (a changed corpus is validated again): those seconds
    leave the path to the notebooks."""
    if not due:
        return None
    executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_import_validation)
    executor.submit(int)  # a worker starts with its first task: start it now
    return executor


def _stop(executor: Executor | None) -> None:
    if executor is not None:
        executor.shutdown(wait=True)


def site_step(paths: ProjectPaths, library: str, data_outputs: SiteDataAhead | None = None) -> Step:
    """`data_outputs`: the site's inputs made from the data alone, being made while the notebooks ran."""
    def inputs() -> list[bytes]:
        pages = paths.site / "pages"
        sources = [p for p in visible_files(paths.site, skip=SITE_GENERATED)
                   if not (p.parent == pages and p.name.startswith("_"))]  # partials it writes
        return [library.encode(), *files_fingerprint(
            sources + visible_files(paths.clean) + [paths.codebook, paths.registry], paths.root)]

    def action() -> str:
        from renshe.publish.site import render_site

        report = render_site(paths, data_outputs=data_outputs.result() if data_outputs else None)
        return report.replace(str(paths.site), str(paths.published.site))  # where it is published

    return Step("site", inputs=inputs, outputs=lambda: [paths.site / "_site" / "index.html"], action=action)


# --- accounting ---------------------------------------------------------------------------

def _csv_rows(path: Path) -> list[dict]:
    """A data/clean CSV as dicts (the csv module: pandas is not needed to count rows)."""
    if not path.is_file():
        return []
    # a check citing every figure of a large corpus (a schema rule failing in hundreds of documents)
    # holds a field far above the csv module's default limit of 128 KiB
    csv.field_size_limit(max(csv.field_size_limit(), path.stat().st_size))
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def build_summary(paths: ProjectPaths, reports: list[StepReport], grid) -> str:
    """The accounting printed at the end of every build, whatever ran."""
    clean = paths.clean
    summary = _csv_rows(clean / "extract_summary.csv")
    origins = Counter("text" if row["table_id"] == "text" else "table"
                      for row in _csv_rows(clean / "observations.csv"))
    statuses = Counter(row["status"] for row in _csv_rows(clean / "checks.csv"))
    observations = origins["text"] + origins["table"]
    pages = paths.site / "pages"
    from renshe.publish.batch import executed_pages

    page_count = len(executed_pages(pages))
    lines = [
        "build summary",
        f"  documents      {len({row['doc_id'] for row in summary})}",
        f"  tables         {sum(row['table_id'] != 'text' for row in summary)}",
        f"  observations   {observations} ({origins['table']} from tables, {origins['text']} from text)",
        f"  unparsed cells {len(_csv_rows(clean / 'unparsed.csv'))} (set aside with a reason, data/clean/unparsed.csv)",
        f"  unmapped       {len(_csv_rows(clean / 'unmapped.csv'))} phrases without an indicator id "
        f"(data/clean/unmapped.csv)",
        "  checks         " + ", ".join(f"{statuses[s]} {s}" for s in ("pass", "fail", "warn")),
        f"  notebook runs  {len(grid.succeeded)} succeeded, {len(grid.failed)} failed this build; "
        f"{page_count} pages on the site",
        "  steps          " + "; ".join(
            f"{r.name} {r.seconds:.1f} s{'' if r.ran else ' (skipped: ' + r.detail + ')'}" for r in reports),
    ]
    from renshe.ingest.extract import document_report

    documents, warnings = document_report(clean)
    return "\n".join(lines + ["documents"] + [f"  {line}" for line in documents] + warnings)


def run_build(paths: ProjectPaths | None = None, force: bool = False, jobs: int | None = None,
              scheduler: str | None = None, strict: bool = False) -> int:
    """The whole pipeline; returns the exit code (non-zero when a notebook run failed, and with
    `strict` when a document has a table not read or nothing taken).

    Built in a staging folder and published in one swap at the end (renshe.publication): a build
    that fails or is stopped publishes nothing. `scheduler` (or $RENSHE_SCHEDULER): a Dask
    scheduler's address; the per-document extraction and the notebook runs go to its cluster
    (publish.cluster) instead of this machine's pools.
    """
    from renshe.publication import publishing
    from renshe.publish.cluster import scheduler_address

    published = (paths or ProjectPaths.at()).published
    scheduler = scheduler_address(scheduler)
    started = time.perf_counter()
    library = library_fingerprint()
    with lifecycle.interruptible():
        if not force and not due_steps(published, library):
            return _nothing_due(published, started)
        with publishing(published) as publication:
            paths = publication.paths
            reports, grid = _build_steps(paths, BuildState.load(paths), library, force, jobs, scheduler)
            if grid.failed:
                publication.discard("a notebook run failed", keep=("pages/failed",))
            print(build_summary(paths, reports, grid))
        print("published: nothing (the previous data and site are kept; the failed runs are in "
              "site/pages/failed/)" if grid.failed else "published: data/clean, site/pages and site/_site")
    print(f"total {time.perf_counter() - started:.1f} s")
    if strict:
        from renshe.ingest.extract import document_report

        warnings = document_report(paths.clean)[1]
        if warnings:
            print(f"--strict: {len(warnings)} document warning(s)", file=sys.stderr)
            return 1
    return 1 if grid.failed else 0


def _nothing_due(paths: ProjectPaths, started: float) -> int:
    """A build with nothing to do: the published outputs' summary, nothing written."""
    with build_lock(paths):
        from renshe.publication import recover

        for line in recover(paths):
            print(f"an earlier command was interrupted: {line}", flush=True)
    reports = [StepReport(name, False, 0.0, "unchanged") for name in ("extract", "validate")]
    reports += [StepReport("notebooks", False, 0.0, f"all {len(BuildState.load(paths).keys('page:'))} pages unchanged"),
                StepReport("site", False, 0.0, "unchanged")]
    for report in reports:
        print(f"{report.name}: {report.detail}", flush=True)
    print(build_summary(paths, reports, GridOutcome()))
    print(f"total {time.perf_counter() - started:.1f} s")
    return 0


def due_steps(paths: ProjectPaths, library: str | None = None, force: bool = False) -> list[tuple[str, str]]:
    """The steps a build would run on the published outputs, each with why (`renshe status`)."""
    library = library or library_fingerprint()
    state = BuildState.load(paths)
    due: list[tuple[str, str]] = []

    def why(step: Step, upstream: str) -> str | None:
        if force:
            return "forced"
        missing = [p for p in step.outputs() if not p.exists()]
        if missing:
            return f"{missing[0].relative_to(paths.root)} is missing"
        if step.name not in state.fingerprints:
            return "it has not run since its inputs last changed" + (f" ({upstream})" if upstream else "")
        if not state.is_current(step.name, sha256_of(step.inputs())):
            return "its inputs changed since it last ran" + (f" ({upstream})" if upstream else "")
        return None

    for step, upstream in ((extract_step(paths, library), "documents, data/*.yaml or the library"),
                           (validate_step(paths, library), "observations, rules, data/*.yaml or the library")):
        reason = why(step, upstream)
        if reason:
            due.append((step.name, reason))
    if not _grid_is_current(paths, state, library, force):
        due.append(("notebooks", "the data, checks, notebooks or the library changed since the pages were run"
                    if state.keys("page:") else "no page has been run"))
    reason = why(site_step(paths, library), "pages, data/clean, site sources or the library")
    if reason or due:
        due.append(("site", reason or "an earlier step is due"))
    return due


def _build_steps(paths: ProjectPaths, state: BuildState, library: str, force: bool, jobs: int | None,
                 scheduler: str | None) -> tuple[list[StepReport], object]:
    """extract, validate, notebooks, site on `paths` (the staging folder)."""
    extract = extract_step(paths, library, scheduler)
    lifecycle.set_step("extract")
    validator = _start_validator(is_due(extract, state, force))
    try:
        reports = [run_step(extract, state, force)]
        print(f"extract: {reports[-1].detail}", flush=True)
        lifecycle.set_step("validate")
        with _pool_ahead(paths, state, library, force, jobs, scheduler) as pool:
            try:
                reports.append(run_step(validate_step(paths, library, validator), state, force))
            finally:
                _stop(validator)  # its memory is not held through the notebooks
            print(f"validate: {reports[-1].detail}", flush=True)
            lifecycle.set_step("notebooks")
            with _site_data_ahead(paths, due=pool is not None) as site_data:
                notebooks_report, grid = notebooks_step(paths, state, library, force, jobs, scheduler, pool,
                                                         planned=site_data.start if site_data else None)
            if pool is not None:
                pool.begin_close()  # its workers and kernels stop while the site renders
            reports.append(notebooks_report)
            lifecycle.set_step("site")
            reports += _site_after(paths, library, state, force, notebooks_report, grid, site_data)
    finally:
        _stop(validator)
    lifecycle.set_step("publishing")
    return reports, grid


def _site_after(paths: ProjectPaths, library: str, state: BuildState, force: bool, notebooks_report: StepReport,
                grid, site_data: SiteDataAhead | None) -> list[StepReport]:
    """The notebooks' report, then the site, unless a notebook run failed."""
    print(f"notebooks: {notebooks_report.detail}", flush=True)
    if grid.results:
        print("notebooks executed: " + ", ".join(r.run.name for r in grid.results), flush=True)
        print(grid.format(), flush=True)
    if grid.failed:  # the site must not be built on a partial grid; the old site stays
        state.forget("site")
        print("site: not rendered, a notebook run failed; the previous site is kept", flush=True)
        return []
    report = run_step(site_step(paths, library, site_data), state, force)
    print(f"site: {report.detail}", flush=True)
    return [report]


class SiteDataAhead:
    """The site's inputs made from the data alone (downloads, explorer data, findings), made in a
    thread of this process while the notebooks run: it only waits on its workers meanwhile, and
    those seconds came after the grid before. Started when the grid's pages are planned (`start`),
    not before: the planning holds every page's data slice, and the two together made the largest
    process of a yearbook-sized build (4.1 GB). `result` starts it if nothing did."""

    def __init__(self, executor: ThreadPoolExecutor, paths: ProjectPaths):
        self.executor, self.paths, self.future = executor, paths, None

    def start(self) -> None:
        if self.future is None:
            from renshe.publish.site import prepare_data_outputs

            self.future = self.executor.submit(prepare_data_outputs, self.paths)

    def result(self):
        self.start()
        return self.future.result()


@contextmanager
def _site_data_ahead(paths: ProjectPaths, due: bool) -> Iterator[SiteDataAhead | None]:
    """Only for a grid that runs (a no-op build stays a fraction of a second); leaving waits for it."""
    if not due:
        yield None
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="site-data") as executor:
        executor.submit(_import_site_renderer)
        yield SiteDataAhead(executor, paths)


def _import_site_renderer() -> None:
    """nbconvert, imported while the notebooks run rather than when the site is rendered."""
    import nbconvert.exporters.html  # noqa: F401


@contextmanager
def _pool_ahead(paths: ProjectPaths, state: BuildState, library: str, force: bool, jobs: int | None,
                scheduler: str | None) -> Iterator[object]:
    """The local notebook pool, started while the build validates when the grid looks due: its
    kernels start and import the report meanwhile (seconds a page would otherwise wait). Not
    for a grid that is current (a no-op build stays a fraction of a second) or a cluster's."""
    if scheduler or _grid_is_current(paths, state, library, force):
        yield None
        return
    from renshe.publish.batch import NotebookPool

    with NotebookPool(paths, jobs) as pool:
        yield pool
