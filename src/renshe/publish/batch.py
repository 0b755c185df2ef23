"""The papermill notebook grid: which runs the site needs, and executing them in parallel.

`plan_runs` lists the runs (01_clean and 02_validate once each, 10_region for every region,
20_indicator for every headline indicator, 30_plan for every plan document); `run_notebooks` executes any list of runs on a
small process pool and returns one `RunResult` per run, so a caller (the build) can decide
which runs to skip. Executed notebooks land in site/pages/ for the site; a failed run's
notebook is kept in site/pages/failed/ for inspection and does not stop the others.
"""
from __future__ import annotations

import atexit
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from renshe.paths import ProjectPaths

KERNEL_NAME = "renshe"
FAILED_FOLDER = "failed"
# The executed pages sit in site/pages/; the bundled Vega scripts in site/assets/vega/.
PAGE_ASSETS = "../assets/vega"
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


def _finish_page(path: Path, run: Run) -> None:
    """Add the front matter and the run's identity to an executed notebook."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    notebook.cells.insert(0, _front_matter_cell(run))
    notebook.metadata["renshe"] = {"kind": run.kind, "title": run.title, "notebook": run.notebook,
                                   "parameters": run.params}
    nbformat.write(notebook, path)


def _is_retryable(error: BaseException) -> bool:
    """Kernel start-up failures (a zmq port taken between choosing and binding it) deserve a retry;
    an error raised by a cell does not: it would fail again."""
    from papermill.exceptions import PapermillExecutionError

    return not isinstance(error, PapermillExecutionError)


_worker_kernels: dict[tuple[str, str], object] = {}


def _reset_namespace(kernel_manager) -> None:
    """Clear the previous run's variables so a page cannot silently depend on another page."""
    client = kernel_manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        client.execute_interactive("get_ipython().run_line_magic('reset', '-f')", timeout=60,
                                   store_history=False, output_hook=lambda message: None)
    finally:
        client.stop_channels()


def worker_kernel(kernel_name: str, cwd: str):
    """This worker process's kernel, started on first use and reused by every later run.

    A kernel start plus the notebooks' imports (pandas, altair) cost more than most pages
    take to compute, so each worker pays them once per build instead of once per page.
    """
    from jupyter_client.manager import KernelManager

    key = (kernel_name, cwd)
    kernel_manager = _worker_kernels.get(key)
    if kernel_manager is not None and kernel_manager.is_alive():
        _reset_namespace(kernel_manager)
        return kernel_manager
    # ipc sockets in a private folder: no TCP port to race for between workers, and no
    # "running over TCP without encryption" warning on every kernel start
    socket_folder = tempfile.mkdtemp(prefix="renshe-kernel-")
    socket_prefix = os.path.join(socket_folder, "kernel")
    kernel_manager = KernelManager(kernel_name=kernel_name, transport="ipc", ip=socket_prefix)
    kernel_manager.start_kernel(cwd=cwd)
    atexit.register(shutil.rmtree, socket_folder, ignore_errors=True)  # runs after the shutdown below
    atexit.register(kernel_manager.shutdown_kernel, now=True)
    _worker_kernels[key] = kernel_manager
    return kernel_manager


def _discard_worker_kernel(kernel_name: str, cwd: str) -> None:
    kernel_manager = _worker_kernels.pop((kernel_name, cwd), None)
    if kernel_manager is not None:
        try:
            kernel_manager.shutdown_kernel(now=True)
        except Exception:  # noqa: BLE001 - a dead kernel is what we are discarding
            pass


def execute_run(root: str, run: Run, kernel_name: str = KERNEL_NAME, retries: int = 2,
                timeout: int = 600, reuse_kernel: bool = True) -> RunResult:
    """Execute one run with papermill into site/pages/<page>; never raises."""
    import papermill

    paths = ProjectPaths.at(root)
    pages = paths.site / "pages"
    pages.mkdir(parents=True, exist_ok=True)
    target = pages / run.page
    staging = pages / f".running-{os.getpid()}-{run.page}"  # papermill wants an .ipynb name
    # The kernel inherits this environment: charts point at the site's bundled scripts,
    # and the notebook reads this project even when it is a temporary copy.
    os.environ["RENSHE_CHART_ASSETS"] = PAGE_ASSETS
    os.environ["RENSHE_ROOT"] = str(paths.root)
    cwd = str(paths.notebooks)
    started = time.perf_counter()
    error = ""
    for attempt in range(1, retries + 2):
        try:
            kernel = {"km": worker_kernel(kernel_name, cwd)} if reuse_kernel else {}
            papermill.execute_notebook(
                str(paths.notebooks / run.notebook), str(staging), parameters=run.params,
                kernel_name=kernel_name, cwd=cwd, progress_bar=False,
                start_timeout=120, execution_timeout=timeout, **kernel,
            )
            _finish_page(staging, run)
            os.replace(staging, target)
            return RunResult(run, True, target, time.perf_counter() - started, attempt)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a result, not a crash
            error = "".join(traceback.format_exception_only(type(exc), exc))
            if _is_retryable(exc) and attempt <= retries:
                _discard_worker_kernel(kernel_name, cwd)  # start the retry on a fresh kernel
                time.sleep(0.5 * attempt)
                continue
            break
    failed = pages / FAILED_FOLDER / run.page
    failed.parent.mkdir(parents=True, exist_ok=True)
    if staging.exists():
        os.replace(staging, failed)
    target.unlink(missing_ok=True)  # a stale page from an earlier build must not be published
    return RunResult(run, False, failed, time.perf_counter() - started, attempt, error)


def run_notebooks(paths: ProjectPaths, runs: list[Run], jobs: int | None = None,
                  kernel_name: str = KERNEL_NAME, progress: bool = True, retries: int = 2) -> BatchResult:
    """Execute `runs` on `jobs` worker processes (default: the machine's cores); one result per run."""
    from tqdm import tqdm

    ensure_kernel(kernel_name)
    started = time.perf_counter()
    (paths.site / "pages" / FAILED_FOLDER).mkdir(parents=True, exist_ok=True)
    for run in runs:  # a rerun replaces an old failure
        (paths.site / "pages" / FAILED_FOLDER / run.page).unlink(missing_ok=True)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(runs) or 1))
    results: list[RunResult] = []
    bar = tqdm(total=len(runs), desc="notebooks", unit="run", disable=not progress, file=sys.stderr)
    # spawn: a fresh interpreter per worker, no forked threads or sockets from the parent
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = {pool.submit(execute_run, str(paths.root), run, kernel_name, retries): run for run in runs}
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            bar.set_postfix_str(f"{result.run.name} {'ok' if result.ok else 'FAILED'}")
            bar.update(1)
    bar.close()
    order = {run: index for index, run in enumerate(runs)}
    results.sort(key=lambda r: order[r.run])
    return BatchResult(results, time.perf_counter() - started)


def executed_pages(pages: Path) -> list[Path]:
    """The executed notebooks in `pages`, without a run still being written (.running-*)."""
    if not pages.is_dir():
        return []
    return sorted(p for p in pages.glob("*.ipynb") if not p.name.startswith("."))


def clear_pages(paths: ProjectPaths) -> None:
    """Remove every executed page (a full rebuild starts from nothing)."""
    shutil.rmtree(paths.site / "pages", ignore_errors=True)
