"""The grid and the extraction on a Dask distributed cluster: a local cluster of worker processes
(127.0.0.1 only) makes the same pages and the same data as this machine's pools."""
from __future__ import annotations

import shutil

import nbformat
import pandas as pd
import pytest

from conftest import copy_project
from renshe.build import run_build
from renshe.checks.validate import run_validation
from renshe.errors import RensheError
from renshe.ingest.extract import run_extract
from renshe.paths import ProjectPaths
from renshe.publish import batch, cluster

distributed = pytest.importorskip("distributed", reason="Dask is an optional extra: pip install -e .[dask]")


@pytest.fixture(scope="module")
def scheduler():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def validated(tmp_path_factory) -> ProjectPaths:
    paths = ProjectPaths.at(copy_project(tmp_path_factory.mktemp("dask") / "project"))
    run_extract(paths)
    run_validation(paths)
    return paths


def _content(page) -> tuple:
    """A page as the site shows it: its cells and outputs, its metadata without papermill's
    timings and paths."""
    book = nbformat.read(page, as_version=4)
    cells = [(c.cell_type, c.source, c.get("execution_count"), c.get("outputs")) for c in book.cells]
    return cells, {k: v for k, v in book.metadata.items() if k != "papermill"}


@pytest.mark.slow
def test_grid_on_a_local_dask_cluster_makes_the_pages_of_the_local_pool(validated, scheduler):
    runs = batch.plan_runs(validated, regions=["衢州市", "越城区", "火星市"], indicators=["urban_new_jobs"])
    pages = validated.site / "pages"
    shutil.rmtree(pages, ignore_errors=True)  # the copy's pages are the working tree's, if any
    local = batch.run_notebooks(validated, runs, jobs=2, progress=False)
    local_pages = {p.name: _content(p) for p in batch.executed_pages(pages)}
    local_failed = _content(pages / "failed" / "region-火星市.ipynb")
    shutil.rmtree(pages)

    remote = batch.run_notebooks(validated, runs, progress=False, scheduler=scheduler)
    assert [r.ok for r in remote.results] == [r.ok for r in local.results]
    assert [r.run.name for r in remote.failed] == ["region-火星市"]  # one failure does not stop the others
    assert "unknown region '火星市'" in remote.failed[0].error
    assert {p.name: _content(p) for p in batch.executed_pages(pages)} == local_pages
    assert _content(pages / "failed" / "region-火星市.ipynb") == local_failed
    assert set(local_pages) == {"01_clean.ipynb", "02_validate.ipynb", "region-330800.ipynb", "region-330602.ipynb",
                                "indicator-urban_new_jobs.ipynb", "plan-zhejiang_14fyp.ipynb",
                                "plan-quzhou_14fyp.ipynb", "plan-shaoxing_2023_action_plan.ipynb"}
    quzhou = nbformat.read(pages / "region-330800.ipynb", as_version=4)
    text = "".join(str(o.get("data", {})) for c in quzhou.cells for o in c.get("outputs", []))
    assert "202万人" in text and "《衢州市人社事业发展“十四五”规划》第157行" in text  # computed on a worker, from the project's data
    assert not list(pages.glob(".running-*"))


@pytest.mark.slow
def test_extraction_on_a_local_dask_cluster_writes_the_same_data(validated, scheduler, tmp_path):
    remote = run_extract(validated, out_dir=tmp_path / "remote", scheduler=scheduler)
    local = run_extract(validated, out_dir=tmp_path / "local")
    pd.testing.assert_frame_equal(remote.observations, local.observations)
    for name in ("observations.csv", "unparsed.csv", "unmapped.csv", "extract_summary.csv"):
        assert (tmp_path / "remote" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name
    quzhou = remote.observations[(remote.observations.doc_id == "quzhou_14fyp") & (remote.observations.source_line == 82)]
    assert sorted(quzhou.value) == [1706900.0, 1780000.0, 2020000.0]


def test_an_unreachable_scheduler_is_a_clear_error_and_nothing_is_built(project_copy, monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", "1s")
    paths = ProjectPaths.at(project_copy)
    monkeypatch.setenv(cluster.SCHEDULER_ENV, "tcp://127.0.0.1:9")
    with pytest.raises(RensheError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"):
        run_build(paths)
    assert not (paths.clean / "observations.parquet").exists()


def _sleep(seconds: float) -> float:
    import time

    time.sleep(seconds)
    return seconds


def test_a_stopped_build_cancels_its_tasks_on_the_cluster(scheduler):
    """What SIGTERM or Ctrl-C runs (lifecycle.progress.on_stop) while pages run on a cluster: the
    command's tasks, the running ones too, are cancelled on the scheduler and the client closed;
    after the block the action is gone."""
    import threading
    import time

    from renshe import lifecycle

    before = list(lifecycle.progress.on_stop)
    results, raised = cluster.completed(scheduler, _sleep, [(60,)] * 4), []

    def wait() -> None:  # blocks on the first result, as the build's grid does
        try:
            list(results)
        except Exception as exc:  # noqa: BLE001 - what the waiting build sees is asserted below
            raised.append(type(exc).__name__)

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    with distributed.Client(scheduler, set_as_default=False) as watcher:
        deadline = time.monotonic() + 30
        while watcher.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)) < 4:
            assert time.monotonic() < deadline, "the tasks never reached the scheduler"
            time.sleep(0.1)
        stop = [action for action in lifecycle.progress.on_stop if action not in before]
        assert len(stop) == 1
        stop[0]()  # as lifecycle._stopped calls it
        while watcher.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks)):
            assert time.monotonic() < deadline, "the tasks were not cancelled"
            time.sleep(0.1)
    thread.join(10)
    assert not thread.is_alive() and raised == ["FutureCancelledError"] and lifecycle.progress.on_stop == before
