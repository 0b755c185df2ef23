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
import fcntl
import hashlib
import json
import os
import re
import shutil
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from renshe.errors import RensheError
from renshe.paths import ProjectPaths

CACHE_DIR = ".renshe-cache"
STATE_FILE = f"{CACHE_DIR}/state.json"
LOCK_FILE = f"{CACHE_DIR}/build.lock"
# Written by `renshe site` into site/ from data/clean and the package: outputs, not sources.
SITE_GENERATED = ("_site", "assets", "downloads", "data-docs", "pages/failed")
# What the notebooks read from data/clean (GX results and Data Docs carry run timestamps).
NOTEBOOK_DATA = ("observations.parquet", "checks.csv", "extract_summary.csv", "unparsed.csv", "unmapped.csv")
# The leftovers of a killed step: outputs.atomic_directory's staging and retired folders,
# outputs.atomic_write_bytes' temporary files, batch.execute_run's page being executed.
_LEFTOVER = re.compile(r"^\.(?P<target>.+?)\.(?:staging-|old-)|^\.running-\d+-"
                       r"|^\.(?P<file>.+\.(?:csv|json|parquet|ipynb|md|html|yml))\.\w{8}$")


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


def _visible_files(folder: Path, skip: Iterable[str] = ()) -> list[Path]:
    """Files under `folder`, without dot-named entries (staging, caches) and the `skip` subfolders."""
    skipped = [folder / name for name in skip]
    found = []
    for path in folder.rglob("*") if folder.is_dir() else ():
        relative = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts) \
                and not any(path.is_relative_to(s) for s in skipped):
            found.append(path)
    return sorted(found)


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
        self._save()

    def forget(self, prefix: str) -> None:
        self.fingerprints = {k: v for k, v in self.fingerprints.items() if not k.startswith(prefix)}
        self._save()

    def keys(self, prefix: str) -> list[str]:
        return [key[len(prefix):] for key in self.fingerprints if key.startswith(prefix)]

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_suffix(".tmp")
        temp.write_text(json.dumps(self.fingerprints, indent=1, sort_keys=True))
        os.replace(temp, self.path)


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
    state.forget(step.name)  # killed half-way, the step must run again next time
    detail = step.action()
    state.record(step.name, fingerprint)
    return StepReport(step.name, True, time.perf_counter() - started, detail)


# --- one build at a time; what a killed build left behind ---------------------------------

@contextmanager
def build_lock(paths: ProjectPaths) -> Iterator[None]:
    """Hold .renshe-cache/build.lock for the build (the kernel drops it when the process dies)."""
    lock_path = paths.root / LOCK_FILE
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as handle:  # "a": the lock file is never truncated or touched
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RensheError("another `renshe build` is running in this project", lock_path) from None
        yield


def recover_interrupted_outputs(paths: ProjectPaths) -> list[str]:
    """Put back an output a killed swap had moved aside, and remove every other leftover.

    outputs.atomic_directory retires the old folder before moving the new one in; a build
    killed between the two renames leaves only `.<name>.old-<pid>`: the previous outputs,
    complete, which go back in place. Staging folders, temporary files and half-executed
    pages are incomplete by definition and are deleted. Only called under the build lock.
    """
    done = []
    folders = [paths.root / "data", paths.clean, paths.site, paths.site / "pages",
               paths.site / "pages" / "failed"]
    for folder in folders:
        for leftover in sorted(folder.iterdir()) if folder.is_dir() else ():
            match = _LEFTOVER.match(leftover.name)
            if not match:
                continue
            target = folder / (match["target"] or "")
            if match["target"] and ".old-" in leftover.name and not target.exists():
                os.replace(leftover, target)
                done.append(f"restored {target.relative_to(paths.root)}")
            elif leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
                done.append(f"removed {leftover.relative_to(paths.root)}")
            else:
                leftover.unlink(missing_ok=True)
                done.append(f"removed {leftover.relative_to(paths.root)}")
    return done


# --- the pipeline -----------------------------------------------------------------------

def _registry_files(paths: ProjectPaths) -> list[Path]:
    """The registry and every raw document it lists (a bad registry raises RensheError here)."""
    from renshe.ingest.documents import load_registry

    return [paths.registry, *(entry.path for entry in load_registry(paths).documents)]


def _configuration_files(paths: ProjectPaths) -> list[Path]:
    """data/*.yaml: registry, codebook, text sections and whatever an analyst adds beside them."""
    return sorted((paths.root / "data").glob("*.yaml"))


def extract_step(paths: ProjectPaths, library: str) -> Step:
    def action() -> str:
        from renshe.ingest.extract import run_extract

        output = run_extract(paths)
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
    return _visible_files(paths.expectations, skip=["gx"])


def validate_step(paths: ProjectPaths, library: str) -> Step:
    def action() -> str:
        from renshe.checks.validate import run_validation

        results = run_validation(paths)
        counts = results.checks["status"].value_counts()
        return ", ".join(f"{counts.get(s, 0)} {s}" for s in ("pass", "fail", "warn"))

    return Step(
        "validate",
        inputs=lambda: [library.encode(), *files_fingerprint(
            [paths.clean / "observations.parquet", *_configuration_files(paths), *_registry_files(paths),
             *_rule_files(paths)], paths.root)],
        outputs=lambda: [paths.clean / "checks.csv"],
        action=action,
    )


def _frame_bytes(frame) -> bytes:
    return frame.to_csv(index=False).encode("utf-8")


@dataclass
class DataSlices:
    """The data each notebook run reads, so a run re-executes only when its slice changed.

    A slice may be larger than what the page shows (a needless re-run), never smaller
    (a stale page): a region page reads its own, its parent's and its children's
    observations and every check naming it; an indicator page that indicator's
    observations and every check naming it (report.checks_involving matches the same text).
    """

    observations: object
    checks: object
    check_text: object  # each check row as one string, to find the rows naming a term
    parents: dict[str, str | None]
    registry: bytes  # what a page may show of the registry: regions and document descriptions

    @classmethod
    def load(cls, paths: ProjectPaths) -> "DataSlices":
        import pandas as pd

        from renshe.ingest.documents import load_registry

        observations = pd.read_parquet(paths.clean / "observations.parquet")
        checks_path = paths.clean / "checks.csv"
        checks = (pd.read_csv(checks_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
                  if checks_path.is_file() else pd.DataFrame())
        check_text = checks.agg(" | ".join, axis=1) if len(checks) else pd.Series(dtype=str)
        registry = load_registry(paths)
        parents = {r.name: r.parent for r in registry.regions}
        return cls(observations, checks, check_text, parents, _registry_bytes(registry))

    def _related_regions(self, region: str) -> set[str]:
        children = {name for name, parent in self.parents.items() if parent == region}
        return {region, self.parents.get(region) or "", *children} - {""}

    def _checks_mentioning(self, needle: str):
        if self.checks.empty:
            return self.checks
        return self.checks[self.check_text.str.contains(needle, regex=False)]

    def fingerprint(self, kind: str, parameters: dict) -> list[bytes]:
        obs = self.observations
        if "region" in parameters:
            region = str(parameters["region"])
            related = obs[obs.region.isin(self._related_regions(region))]
            return [_frame_bytes(related), _frame_bytes(self._checks_mentioning(region))]
        if "indicator_id" in parameters:
            indicator = str(parameters["indicator_id"])
            return [_frame_bytes(obs[obs.indicator_id == indicator]),
                    _frame_bytes(self._checks_mentioning(indicator))]
        if kind == "validate":
            return [_frame_bytes(self.checks)]
        return [_frame_bytes(obs)]


def _registry_bytes(registry) -> bytes:
    """The registry without the documents' sha256 pins, which change with every edited
    document: the document's own figures reach a page through its data slice."""
    from dataclasses import asdict

    documents = [{k: str(v) for k, v in asdict(e).items() if k not in ("sha256", "path")}
                 for e in registry.documents]
    regions = [asdict(r) for r in registry.regions]
    return json.dumps([documents, regions], ensure_ascii=False, sort_keys=True).encode()


def _page_fingerprint(run, slices: DataSlices, paths: ProjectPaths, library: str) -> str:
    notebook = paths.notebooks / run.notebook
    chunks = [library.encode(), notebook.read_bytes(), json.dumps(run.params, sort_keys=True,
                                                                   ensure_ascii=False).encode(),
              run.title.encode(), slices.registry, *files_fingerprint([paths.codebook], paths.root)]
    if run.kind == "clean":
        chunks += files_fingerprint(_visible_files(paths.clean / "tables")
                                    + [paths.clean / name for name in NOTEBOOK_DATA if name != "checks.csv"],
                                    paths.root)
    chunks += slices.fingerprint(run.kind, run.params)
    return sha256_of(chunks)


def _grid_inputs(paths: ProjectPaths, library: str) -> list[bytes]:
    """Everything any notebook run (or the plan of runs) reads: when unchanged and every
    page of the last grid is in place, the grid is current without planning it."""
    return [library.encode(), *files_fingerprint(
        _visible_files(paths.notebooks) + _configuration_files(paths)
        + [paths.clean / name for name in NOTEBOOK_DATA] + _visible_files(paths.clean / "tables"), paths.root)]


@dataclass
class GridOutcome:
    """What the notebook step did: the batch's results, or none when it was skipped."""

    results: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def succeeded(self) -> list:
        return [r for r in self.results if r.ok]

    @property
    def failed(self) -> list:
        return [r for r in self.results if not r.ok]


def notebooks_step(paths: ProjectPaths, state: BuildState, library: str, force: bool,
                   jobs: int | None) -> tuple[StepReport, object]:
    """Execute only the runs whose notebook, parameters or data slice changed."""
    started = time.perf_counter()
    pages = paths.site / "pages"
    grid = sha256_of(_grid_inputs(paths, library))
    recorded_pages = state.keys("page:")
    if not force and recorded_pages and state.is_current("notebooks", grid) \
            and all((pages / page).is_file() for page in recorded_pages):
        return StepReport("notebooks", False, time.perf_counter() - started,
                          f"all {len(recorded_pages)} pages unchanged"), GridOutcome()
    state.forget("notebooks")

    from renshe.publish.batch import plan_runs, run_notebooks

    runs = plan_runs(paths)
    slices = DataSlices.load(paths)
    fingerprints = {run: _page_fingerprint(run, slices, paths, library) for run in runs}
    stale = [run for run in runs
             if force or not (pages / run.page).is_file()
             or not state.is_current(f"page:{run.page}", fingerprints[run])]
    _remove_retired_pages(pages, {run.page for run in runs}, state)
    batch = run_notebooks(paths, stale, jobs=jobs) if stale else GridOutcome()
    for result in batch.results:
        if result.ok:
            state.record(f"page:{result.run.page}", fingerprints[result.run])
        else:
            state.forget(f"page:{result.run.page}")
    if not batch.failed:
        state.record("notebooks", grid)
    detail = (f"{len(batch.succeeded)} of {len(stale)} runs succeeded "
              f"({len(runs) - len(stale)} unchanged pages kept)")
    return StepReport("notebooks", bool(stale), time.perf_counter() - started, detail), batch


def _remove_retired_pages(pages: Path, planned: set[str], state: BuildState) -> None:
    """A region or indicator that left the data must not keep a stale page on the site."""
    if not pages.is_dir():
        return
    from renshe.publish.batch import executed_pages

    for page in executed_pages(pages):
        if page.name not in planned:
            page.unlink()
    for page in state.keys("page:"):
        if page not in planned:
            state.forget(f"page:{page}")


def site_step(paths: ProjectPaths, library: str) -> Step:
    def inputs() -> list[bytes]:
        pages = paths.site / "pages"
        sources = [p for p in _visible_files(paths.site, skip=SITE_GENERATED)
                   if not (p.parent == pages and p.name.startswith("_"))]  # partials it writes
        return [library.encode(), *files_fingerprint(
            sources + _visible_files(paths.clean) + [paths.codebook, paths.registry], paths.root)]

    def action() -> str:
        from renshe.publish.site import render_site

        return render_site(paths)

    return Step("site", inputs=inputs, outputs=lambda: [paths.site / "_site" / "index.html"], action=action)


# --- accounting ---------------------------------------------------------------------------

def _csv_rows(path: Path) -> list[dict]:
    """A data/clean CSV as dicts (the csv module: pandas is not needed to count rows)."""
    if not path.is_file():
        return []
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
    return "\n".join(lines)


def run_build(paths: ProjectPaths | None = None, force: bool = False, jobs: int | None = None) -> int:
    """The whole pipeline; returns the exit code (non-zero when a notebook run failed)."""
    paths = paths or ProjectPaths.at()
    started = time.perf_counter()
    with build_lock(paths):
        for line in recover_interrupted_outputs(paths):
            print(f"an earlier build was interrupted: {line}", flush=True)
        state = BuildState.load(paths)
        library = library_fingerprint()
        reports = []
        for step in (extract_step(paths, library), validate_step(paths, library)):
            reports.append(run_step(step, state, force))
            print(f"{step.name}: {reports[-1].detail}", flush=True)
        notebooks_report, grid = notebooks_step(paths, state, library, force, jobs)
        reports.append(notebooks_report)
        print(f"notebooks: {notebooks_report.detail}", flush=True)
        if grid.results:
            print("notebooks executed: " + ", ".join(r.run.name for r in grid.results), flush=True)
            print(grid.format(), flush=True)
        if grid.failed:  # the site must not be built on a partial grid; the old site stays
            state.forget("site")
            print("site: not rendered, a notebook run failed; the previous site is kept", flush=True)
        else:
            reports.append(run_step(site_step(paths, library), state, force))
            print(f"site: {reports[-1].detail}", flush=True)
        print(build_summary(paths, reports, grid))
    print(f"total {time.perf_counter() - started:.1f} s")
    return 1 if grid.failed else 0
