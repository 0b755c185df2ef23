"""The notebook step of `renshe build`: each page re-runs only when what it reads changed.

A page's fingerprint is its notebook, its parameters, the library, the codebook, the registry as
a page may show it, and its slice of the data (DataSlices); the grid as a whole is current when
everything any page reads is unchanged and every recorded page is in place.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from renshe.buildstate import BuildState, StepReport, files_fingerprint, sha256_of, visible_files
from renshe.ingest.regions import ancestors
from renshe.paths import ProjectPaths

# What the notebooks read from data/clean (GX results and Data Docs carry run timestamps).
NOTEBOOK_DATA = ("observations.parquet", "checks.csv", "extract_summary.csv", "unparsed.csv", "unmapped.csv")


def _configuration_files(paths: ProjectPaths) -> list[Path]:
    """data/*.yaml: registry, codebook, text sections and whatever an analyst adds beside them."""
    return sorted((paths.root / "data").glob("*.yaml"))


def _frame_bytes(frame) -> bytes:
    """A frame's content as bytes to fingerprint: its columns and dtypes, then pandas' 64-bit hash
    of each row's values (vectorised: writing the rows out as CSV cost a yearbook-sized document's
    grid a minute and a half for 35 pages)."""
    import pandas as pd

    header = json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()], ensure_ascii=False).encode()
    return header + pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes()


@dataclass
class DataSlices:
    """The data each notebook run reads, so a run re-executes only when its slice changed.

    A slice may be larger than what the page shows (a needless re-run), never smaller
    (a stale page): a region page reads its own, its parent's and its children's
    observations and every check naming it; an indicator page that indicator's
    observations and every check naming it (report.checks_involving matches the same text); a
    plan page what report.plans.plan_inputs says it reads. Each page's slice is looked up, not
    searched for: the observations are grouped by region and the checks indexed by the regions
    they name once (publish.mentions), so the grid's fingerprints cost the data once, not once
    per page.
    """

    observations: object
    checks: object
    check_text: object  # each check row as one string, to find the rows naming a term
    parents: dict[str, str | None]
    registry: bytes  # what a page may show of the registry: regions and document descriptions
    rows_of_region: dict = field(default_factory=dict)  # region -> positions of its observations
    children: dict = field(default_factory=dict)  # region -> its children in the registry
    checks_naming: dict = field(default_factory=dict)  # region -> positions of the checks naming it

    @classmethod
    def load(cls, paths: ProjectPaths) -> "DataSlices":
        import pandas as pd

        from renshe.ingest.documents import load_registry
        from renshe.publish.mentions import names_index

        observations = pd.read_parquet(paths.clean / "observations.parquet")
        checks_path = paths.clean / "checks.csv"
        checks = (pd.read_csv(checks_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
                  if checks_path.is_file() else pd.DataFrame())
        # each check as one string, joined column by column (a row-wise join costs ~0.3 ms a check)
        check_text = (pd.Series([" | ".join(row) for row in zip(*(checks[c].tolist() for c in checks.columns))],
                                index=checks.index) if len(checks) else pd.Series(dtype=str))
        registry = load_registry(paths)
        parents = {r.name: r.parent for r in registry.regions}
        children: dict[str | None, list[str]] = {}
        for name, parent in parents.items():
            children.setdefault(parent, []).append(name)
        regions = set(parents) | set(observations["region"].unique())
        return cls(observations, checks, check_text, parents, _registry_bytes(registry),
                   observations.groupby("region", sort=False).indices, children,
                   names_index(check_text.tolist(), regions))

    def _related_regions(self, region: str) -> set[str]:
        # every ancestor, not only the parent: a share climbs to the nearest one with the figure
        return {region, *ancestors(region, self.parents), *self.children.get(region, [])}

    def _checks_mentioning(self, needle: str):
        if self.checks.empty:
            return self.checks
        if needle in self.checks_naming or needle in self.rows_of_region or needle in self.parents:
            return self.checks.iloc[self.checks_naming.get(needle, [])]  # indexed: every region is
        return self.checks[self.check_text.str.contains(needle, regex=False)]

    def fingerprint(self, kind: str, parameters: dict) -> list[bytes]:
        """The page's data slice and the part of the registry it may show: the regions, and the
        documents its observations and checks come from (a document added elsewhere in the corpus
        re-runs only the pages whose data it changes)."""
        obs = self.observations
        if "region" in parameters:
            region = str(parameters["region"])
            rows = [self.rows_of_region.get(name, []) for name in self._related_regions(region)]
            related = obs.iloc[sorted(position for positions in rows for position in positions)]
            frames = [related, self._checks_mentioning(region)]
        elif "indicator_id" in parameters:
            indicator = str(parameters["indicator_id"])
            frames = [obs[obs.indicator_id == indicator], self._checks_mentioning(indicator)]
        elif "doc_id" in parameters:  # a plan page
            from renshe.publish.report.plans import plan_inputs

            frames = list(plan_inputs(obs, self.checks, str(parameters["doc_id"])))
        elif kind == "validate":
            return [self.registry, _frame_bytes(self.checks)]
        else:
            return [self.registry, _frame_bytes(obs)]
        documents = {str(parameters.get("doc_id", ""))}
        for frame in frames:
            if "doc_id" in frame.columns:
                documents.update(frame["doc_id"].astype(str).unique())
            if "sources" in frame.columns:  # a check cites its documents' lines: doc_id:line
                documents.update(_CITED.findall(" ".join(frame["sources"].astype(str))))
        return [self.registry_of(documents), *(_frame_bytes(_without_numbering(frame)) for frame in frames)]

    def registry_of(self, documents: set[str]) -> bytes:
        """The registry's regions and the entries of `documents` (any edition they supersede or
        that supersedes them included, with the documents naming them)."""
        entries, regions = json.loads(self.registry)
        chosen = {d for d in documents if d}
        chosen |= {e["doc_id"] for e in entries if e.get("supersedes") in chosen or e["doc_id"] in chosen}
        chosen |= {e.get("supersedes") for e in entries if e["doc_id"] in chosen} - {None, "None"}
        return json.dumps([[e for e in entries if e["doc_id"] in chosen], regions], ensure_ascii=False,
                          sort_keys=True).encode()


_CITED = re.compile(r"([A-Za-z0-9_\-~]+):\d+")


def _without_numbering(frame):
    """A page's checks without their ids (`rule#N`: numbered in the order the validation found
    them, so a figure added anywhere renumbers the checks after it; no page shows them)."""
    return frame.drop(columns=["check_id"]) if "check_id" in frame.columns else frame


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
              run.title.encode(), *files_fingerprint([paths.codebook], paths.root)]
    if run.kind == "clean":
        chunks += files_fingerprint(visible_files(paths.clean / "tables")
                                    + [paths.clean / name for name in NOTEBOOK_DATA if name != "checks.csv"],
                                    paths.root)
    chunks += slices.fingerprint(run.kind, run.params)
    return sha256_of(chunks)


def _grid_inputs(paths: ProjectPaths, library: str) -> list[bytes]:
    """Everything any notebook run (or the plan of runs) reads: when unchanged and every
    page of the last grid is in place, the grid is current without planning it."""
    return [library.encode(), *files_fingerprint(
        visible_files(paths.notebooks) + _configuration_files(paths)
        + [paths.clean / name for name in NOTEBOOK_DATA] + visible_files(paths.clean / "tables"), paths.root)]


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


def _grid_is_current(paths: ProjectPaths, state: BuildState, library: str, force: bool) -> bool:
    recorded_pages = state.keys("page:")
    return not force and bool(recorded_pages) and \
        state.is_current("notebooks", sha256_of(_grid_inputs(paths, library))) and \
        all((paths.site / "pages" / page).is_file() for page in recorded_pages)


def notebooks_step(paths: ProjectPaths, state: BuildState, library: str, force: bool, jobs: int | None,
                   scheduler: str | None = None, pool=None, planned=None) -> tuple[StepReport, object]:
    """Execute only the runs whose notebook, parameters or data slice changed (on `pool`, a
    NotebookPool started ahead, or on the Dask cluster at `scheduler`); `planned` is called once the
    pages are planned and their data slices released (the build starts the site's data then)."""
    started = time.perf_counter()
    pages = paths.site / "pages"
    grid = sha256_of(_grid_inputs(paths, library))
    recorded_pages = state.keys("page:")
    if _grid_is_current(paths, state, library, force):
        return StepReport("notebooks", False, time.perf_counter() - started,
                          f"all {len(recorded_pages)} pages unchanged"), GridOutcome()
    state.forget("notebooks")

    from renshe.publish.batch import plan_runs, run_notebooks

    runs = plan_runs(paths)
    slices = DataSlices.load(paths)
    fingerprints = {run: _page_fingerprint(run, slices, paths, library) for run in runs}
    del slices  # the data and checks it holds are not kept through the pages (a yearbook's: a GB)
    if planned is not None:
        planned()
    stale = [run for run in runs
             if force or not (pages / run.page).is_file()
             or not state.is_current(f"page:{run.page}", fingerprints[run])]
    _remove_retired_pages(pages, {run.page for run in runs}, state)
    batch = run_notebooks(paths, stale, jobs=jobs, scheduler=scheduler, pool=pool) if stale else GridOutcome()
    for result in batch.results:
        if result.ok:
            state.record(f"page:{result.run.page}", fingerprints[result.run])
        else:
            state.forget(f"page:{result.run.page}")
    if not batch.failed:
        state.record("notebooks", grid)
    detail = (f"{len(batch.succeeded)} of {len(stale)} runs succeeded "
              f"({len(runs) - len(stale)} unchanged pages kept)" + (f" on the Dask cluster at {scheduler}"
                                                                    if scheduler and stale else ""))
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
