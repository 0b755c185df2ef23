"""The papermill notebook grid: which runs the site needs, and executing them in parallel.

`plan_runs` lists the runs (01_clean and 02_validate once each, 10_region for every region,
20_indicator for every headline indicator, 30_plan for every plan document); `run_notebooks` executes any list of runs on a
small process pool and returns one `RunResult` per run, so a caller (the build) can decide
which runs to skip. Executed notebooks land in site/pages/ for the site; a failed run's
notebook is kept in site/pages/failed/ for inspection and does not stop the others.
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import yaml

from renshe.paths import ProjectPaths
from renshe.publish.kernels import (KERNEL_NAME, PAGE_ASSETS, discard_worker_kernel,  # noqa: F401 (PAGE_ASSETS: read here)
                                    warm_kernel_engine, worker_kernel)

FAILED_FOLDER = "failed"
KIND_TITLES = {"clean": "数据清洗 Cleaning the documents", "validate": "数据核查 Data-quality checks"}


@dataclass(frozen=True)
class Run:
    """One notebook execution: which notebook, with which parameters, into which page."""

    notebook: str  # file name in notebooks/
    page: str  # file name in site/pages/
    kind: str  # clean | validate | region | indicator | plan
    title: str
    parameters: tuple[tuple[str, object], ...] = ()

    @property
    def name(self) -> str:
        return Path(self.page).stem

    @property
    def params(self) -> dict:
        return dict(self.parameters)


@dataclass
class RunResult:
    run: Run
    ok: bool
    output: Path
    seconds: float
    attempts: int = 1
    error: str = ""
    notebook: bytes | None = None  # the executed notebook, while on its way from a cluster worker


@dataclass
class BatchResult:
    results: list[RunResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[RunResult]:
        return [r for r in self.results if not r.ok]

    @property
    def succeeded(self) -> list[RunResult]:
        return [r for r in self.results if r.ok]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def format(self) -> str:
        lines = [f"notebooks: {len(self.succeeded)} of {len(self.results)} runs succeeded "
                 f"in {self.seconds:.1f} s"]
        for result in self.failed:
            lines.append(f"  FAILED {result.run.name} ({result.run.notebook} {result.run.params}): "
                         f"{result.error.strip().splitlines()[-1] if result.error.strip() else 'error'}")
            lines.append(f"         notebook kept at {result.output}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- planning


def region_page(region_code: str) -> str:
    return f"region-{region_code}.ipynb"


def indicator_page(indicator_id: str) -> str:
    return f"indicator-{indicator_id}.ipynb"


def plan_page(doc_id: str) -> str:
    return f"plan-{doc_id}.ipynb"


def plan_runs(paths: ProjectPaths, regions: list[str] | None = None,
              indicators: list[str] | None = None, pipeline: bool = True,
              plans: list[str] | None = None) -> list[Run]:
    """The grid: 01_clean, 02_validate (when those notebooks exist), every region, every headline
    indicator, every plan document (when notebooks/30_plan.ipynb exists).

    `regions` / `indicators` / `plans` narrow the grid (None: all of them; []: none).
    """
    from renshe.publish import report

    data = report.load_report_data(paths.root)
    runs: list[Run] = []
    if pipeline:
        for notebook, kind in (("01_clean.ipynb", "clean"), ("02_validate.ipynb", "validate")):
            if (paths.notebooks / notebook).is_file():
                runs.append(Run(notebook, notebook, kind, KIND_TITLES[kind]))
    codes = {r.name: r.code for r in data.registry.regions}
    observed_codes = data.observations.drop_duplicates("region").set_index("region")["region_code"]
    for region in (report.valid_regions(data) if regions is None else regions):
        code = codes.get(region) or str(observed_codes.get(region, "")) or region
        runs.append(Run("10_region.ipynb", region_page(code), "region", f"{region} · 地区报告 Region report",
                        (("region", region),)))
    for indicator_id in (report.headline_indicators(data) if indicators is None else indicators):
        title = f"{data.indicator_name(indicator_id)} · {data.indicator_name_en(indicator_id)}"
        runs.append(Run("20_indicator.ipynb", indicator_page(indicator_id), "indicator", title,
                        (("indicator_id", indicator_id),)))
    if (paths.notebooks / "30_plan.ipynb").is_file():
        for doc_id in (report.plan_documents(data) if plans is None else plans):
            title = f"{data.registry.document(doc_id).title_zh} · 规划进展 Plan progress"
            runs.append(Run("30_plan.ipynb", plan_page(doc_id), "plan", title, (("doc_id", doc_id),)))
    return runs


# --------------------------------------------------------------------------- kernel


def ensure_kernel(kernel_name: str = KERNEL_NAME) -> None:
    """Register this interpreter as the Jupyter kernel `kernel_name` if it is not yet known."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(kernel_name)
        return
    except NoSuchKernel:
        pass
    subprocess.run([sys.executable, "-m", "ipykernel", "install", "--sys-prefix", "--name", kernel_name,
                    "--display-name", f"Python ({kernel_name})"], check=True, capture_output=True)


# --------------------------------------------------------------------------- executing


def _front_matter_cell(run: Run):
    """A raw cell Quarto reads as the page's front matter (title; code hidden)."""
    import nbformat

    front = {"title": run.title, "echo": False, "warning": False}
    cell = nbformat.v4.new_raw_cell("---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---")
    cell["id"] = "front-matter"
    return cell


def _page_bytes(notebook, run: Run, target: Path) -> bytes:
    """An executed notebook as its page: the front matter and the run's identity added."""
    import nbformat

    notebook.cells.insert(0, _front_matter_cell(run))
    notebook.metadata["renshe"] = {"kind": run.kind, "title": run.title, "notebook": run.notebook,
                                   "parameters": run.params}
    notebook.metadata.setdefault("papermill", {})["output_path"] = str(target)
    return nbformat.writes(notebook).encode("utf-8")


def _is_retryable(error: BaseException) -> bool:
    """Kernel start-up failures (a kernel that died, a socket not yet there) deserve a retry;
    an error raised by a cell does not: it would fail again."""
    from papermill.exceptions import PapermillExecutionError

    return not isinstance(error, PapermillExecutionError)


def execute_run(root: str, run: Run, kernel_name: str = KERNEL_NAME, retries: int = 2,
                timeout: int = 600, write: bool = True, staging: str | None = None) -> RunResult:
    """Execute one run with papermill on this worker's kernel (kernels.worker_kernel); never raises.

    `write`: the page lands in site/pages/ (a failed run's notebook in site/pages/failed/),
    written by this process. Otherwise it comes back in the result for the caller to write:
    a cluster worker's files need not be the client's.
    """
    import papermill

    if staging:  # a cluster worker: the build's staging folder (renshe.publication), on the shared project
        from renshe.paths import STAGING_ENV

        os.environ[STAGING_ENV] = staging
    paths = ProjectPaths.at(root)
    pages = paths.site / "pages"
    pages.mkdir(parents=True, exist_ok=True)
    target = pages / run.page
    # papermill wants an .ipynb name; in pages/ the file marks a page being executed (the next
    # build removes one a killed build left behind)
    folder = pages if write else Path(tempfile.mkdtemp(prefix="renshe-run-"))
    staging = folder / f".running-{os.getpid()}-{threading.get_ident()}-{run.page}"
    cwd = str(paths.notebooks)
    started = time.perf_counter()
    error = ""
    try:
        for attempt in range(1, retries + 2):
            try:
                staging.write_bytes(b"")
                kernel = worker_kernel(kernel_name, str(paths.root), cwd)
                notebook = papermill.execute_notebook(
                    str(paths.notebooks / run.notebook), str(staging), parameters=run.params,
                    kernel_name=kernel_name, cwd=cwd, progress_bar=False, start_timeout=120,
                    execution_timeout=timeout, request_save_on_cell_execute=False, engine_name=warm_kernel_engine(),
                    worker_kernel=kernel)
                return _finished(run, pages, staging, _page_bytes(notebook, run, target), True, started, attempt,
                                 "", write)
            except Exception as exc:  # noqa: BLE001 - every failure becomes a result, not a crash
                error = "".join(traceback.format_exception_only(type(exc), exc))
                if _is_retryable(exc) and attempt <= retries:
                    discard_worker_kernel(kernel_name, str(paths.root))  # the retry starts a fresh kernel
                    time.sleep(0.5 * attempt)
                    continue
                break
        data = staging.read_bytes() if staging.is_file() else b""
        return _finished(run, pages, staging, data, False, started, attempt, error, write)
    finally:
        staging.unlink(missing_ok=True)
        if not write:
            shutil.rmtree(folder, ignore_errors=True)


def _finished(run: Run, pages: Path, staging: Path, data: bytes, ok: bool, started: float, attempt: int,
              error: str, write: bool) -> RunResult:
    output = pages / run.page if ok else pages / FAILED_FOLDER / run.page
    result = RunResult(run, ok, output, time.perf_counter() - started, attempt, error)
    if write:
        store_page(pages, result, data, staging)
    else:
        result.notebook = data
    return result


def store_page(pages: Path, result: RunResult, data: bytes, staging: Path | None = None) -> None:
    """Put an executed run where the site looks: site/pages/<page>, or site/pages/failed/<page>
    (and no stale page of an earlier build), written whole or not at all."""
    staging = staging or pages / f".running-{os.getpid()}-{threading.get_ident()}-{result.run.page}"
    result.output.parent.mkdir(parents=True, exist_ok=True)
    if data:
        staging.write_bytes(data)
        os.replace(staging, result.output)
    if not result.ok:
        (pages / result.run.page).unlink(missing_ok=True)  # a stale page from an earlier build must not be published


def run_notebooks(paths: ProjectPaths, runs: list[Run], jobs: int | None = None,
                  kernel_name: str = KERNEL_NAME, progress: bool = True, retries: int = 2,
                  scheduler: str | None = None, pool: NotebookPool | None = None) -> BatchResult:
    """Execute `runs` on `pool` (or a NotebookPool of `jobs` workers, default: the machine's
    cores), or on the Dask cluster at `scheduler` (see publish.cluster); one result per run."""
    from tqdm import tqdm

    ensure_kernel(kernel_name)
    started = time.perf_counter()
    pages = paths.site / "pages"
    (pages / FAILED_FOLDER).mkdir(parents=True, exist_ok=True)
    for run in runs:  # a rerun replaces an old failure
        (pages / FAILED_FOLDER / run.page).unlink(missing_ok=True)
    results: list[RunResult] = []
    bar = tqdm(total=len(runs), desc="notebooks", unit="run", disable=not progress, file=sys.stderr)
    for result in (_on_cluster(paths, runs, kernel_name, retries, scheduler) if scheduler
                   else _on_local_pool(paths, runs, jobs, kernel_name, retries, pool)):
        results.append(result)
        bar.set_postfix_str(f"{result.run.name} {'ok' if result.ok else 'FAILED'}")
        bar.update(1)
    bar.close()
    order = {run: index for index, run in enumerate(runs)}
    results.sort(key=lambda r: order[r.run])
    return BatchResult(results, time.perf_counter() - started)


class NotebookPool:
    """This machine's notebook workers: spawned processes (a fresh interpreter each, no forked
    threads or sockets), one kernel each. Each worker starts and warms its kernel as soon as
    the pool starts, so a pool started ahead of the grid (`renshe build` starts it before
    validating) has its kernels ready when the first page comes."""

    def __init__(self, paths: ProjectPaths, jobs: int | None = None, kernel_name: str = KERNEL_NAME):
        ensure_kernel(kernel_name)
        self.size = max(1, jobs or os.cpu_count() or 1)
        self.executor = ProcessPoolExecutor(max_workers=self.size, mp_context=multiprocessing.get_context("spawn"))
        for _ in range(self.size):
            self.executor.submit(warm_worker, str(paths.root), kernel_name)

    def begin_close(self) -> None:
        """Let the workers (and their kernels) stop in the background; `close` waits for them."""
        self.executor.shutdown(wait=False)

    def close(self) -> None:
        self.executor.shutdown(wait=True)

    def __enter__(self) -> "NotebookPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def warm_worker(root: str, kernel_name: str = KERNEL_NAME) -> None:
    """Start this worker's kernel now, and import what running a page imports here (papermill,
    nbformat); a kernel that will not start fails the worker's first run instead."""
    try:
        warm_kernel_engine()
        worker_kernel(kernel_name, root, str(ProjectPaths.at(root).notebooks))
    except Exception:  # noqa: BLE001 - reported, with retries, by the run that needs the kernel
        pass


def _on_local_pool(paths: ProjectPaths, runs: list[Run], jobs: int | None, kernel_name: str,
                   retries: int, pool: NotebookPool | None) -> Iterator[RunResult]:
    own = pool is None
    pool = pool or NotebookPool(paths, min(jobs or os.cpu_count() or 1, len(runs) or 1), kernel_name)
    try:
        futures = [pool.executor.submit(execute_run, str(paths.root), run, kernel_name, retries) for run in runs]
        for future in as_completed(futures):
            yield future.result()
    finally:
        if own:
            pool.close()


def _on_cluster(paths: ProjectPaths, runs: list[Run], kernel_name: str, retries: int,
                scheduler: str) -> Iterator[RunResult]:
    """Each run a task on the cluster; the executed notebook comes back and is written here."""
    from renshe.publish.cluster import completed

    pages = paths.site / "pages"
    staging = str(paths.outputs) if paths.outputs else None
    for result in completed(scheduler, execute_run, [(str(paths.root), run, kernel_name, retries, 600, False, staging)
                                                    for run in runs]):
        store_page(pages, result, result.notebook or b"")
        result.notebook = None
        yield result


def executed_pages(pages: Path) -> list[Path]:
    """The executed notebooks in `pages`, without a run still being written (.running-*)."""
    if not pages.is_dir():
        return []
    return sorted(p for p in pages.glob("*.ipynb") if not p.name.startswith("."))


def clear_pages(paths: ProjectPaths) -> None:
    """Remove every executed page (a full rebuild starts from nothing)."""
    shutil.rmtree(paths.site / "pages", ignore_errors=True)
