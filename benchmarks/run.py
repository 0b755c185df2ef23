"""`make bench`: time the build against its targets and against the naive papermill baseline.

Each measurement runs as a child process, several times; the table shows the median and
min-max wall time and the peak resident memory of the process tree's largest process
(ru_maxrss of the waited-for children). Nothing here asserts a time: it reports.

    .venv/bin/python benchmarks/run.py [--repeat 3] [--only extract,validate,build,noop,baseline]
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from corpus import copy_project, make_corpus_project, make_validation_project  # noqa: E402

BIN = Path(sys.executable).parent
RENSHE = str(BIN / "renshe")


@dataclass
class Sample:
    seconds: float
    peak_mb: float


@dataclass
class Measurement:
    name: str
    target: str
    samples: list[Sample] = field(default_factory=list)
    extra: str = ""

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    def row(self) -> str:
        times = [s.seconds for s in self.samples]
        peak = max(s.peak_mb for s in self.samples)
        return (f"| {self.name} | {self.median:.2f} | {min(times):.2f}-{max(times):.2f} | {peak:.0f} | "
                f"{self.target} | {self.extra} |")


def run_measured(command: list[str], cwd: Path) -> Sample:
    """Run `command`, return its wall time and the peak RSS of it and its waited children."""
    env = dict(os.environ, GX_ANALYTICS_ENABLED="False", PYTHONHASHSEED="0")
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    stderr = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{stderr[-2000:]}")
    return Sample(seconds, usage.ru_maxrss / 1024)


def in_fresh_process(function, *args):
    """`function(*args)` in a new interpreter. A process starts with the memory of the one that
    starts it, and ru_maxrss counts it: kept free of pandas and large frames, this process
    does not inflate the peak memory of what it measures."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def fresh_project(workdir: Path, name: str) -> Path:
    target = workdir / name
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    return copy_project(ROOT, target)


def bench_extract(workdir: Path, repeat: int) -> tuple[Measurement, Measurement]:
    """The 100x corpus extracted into an empty data/clean (a first run), and again over its own
    previous outputs (an analyst's re-run: unchanged files are reused, not rewritten)."""
    project = workdir / "corpus"
    project.mkdir()
    size = make_corpus_project(ROOT, project, copies=100)
    first = Measurement("extract, 100x corpus, first run", ">= 5 MB/s")
    again = Measurement("extract, 100x corpus, re-run", ">= 5 MB/s")
    command = [RENSHE, "--root", str(project), "extract"]
    for _ in range(repeat):
        shutil.rmtree(project / "data" / "clean", ignore_errors=True)
        first.samples.append(run_measured(command, project))
        again.samples.append(run_measured(command, project))
    for measurement in (first, again):
        measurement.extra = f"{size / 1e6:.1f} MB, {size / 1e6 / measurement.median:.1f} MB/s"
    return first, again


def bench_validate(workdir: Path, repeat: int) -> Measurement:
    source = fresh_project(workdir, "validate-source")
    run_measured([RENSHE, "--root", str(source), "extract"], source)
    project = workdir / "validate"
    project.mkdir()
    rows = in_fresh_process(make_validation_project, source, project, 100_000)
    result = Measurement("validate, 100 000 observations", "< 20 s", extra=f"{rows} rows")
    for _ in range(repeat):
        result.samples.append(run_measured([RENSHE, "--root", str(project), "validate"], project))
    return result


def bench_builds(workdir: Path, repeat: int) -> tuple[Measurement, Measurement]:
    cold = Measurement("cold full build (renshe build)", "<= 1/2 baseline; peak < 1 GB")
    noop = Measurement("no-op rebuild", "< 3 s")
    for number in range(repeat):
        project = fresh_project(workdir, f"build-{number}")
        cold.samples.append(run_measured([RENSHE, "--root", str(project), "build"], project))
        noop.samples.append(run_measured([RENSHE, "--root", str(project), "build"], project))
    return cold, noop


def baseline_commands(project: Path) -> list[list[str]]:
    """The same notebook grid as `renshe build`, one papermill CLI call after another, then the site."""
    from renshe.publish.batch import plan_runs
    from renshe.paths import ProjectPaths

    paths = ProjectPaths.at(project)
    commands = []
    for run in plan_runs(paths):
        command = [str(BIN / "papermill"), str(paths.notebooks / run.notebook), str(paths.site / "pages" / run.page),
                   "-k", "renshe", "--cwd", str(paths.notebooks)]
        for key, value in run.params.items():
            command += ["-p", key, str(value)]
        commands.append(command)
    commands.append([RENSHE, "--root", str(project), "site"])
    return commands


def bench_baseline(workdir: Path, repeat: int) -> Measurement:
    result = Measurement("baseline: papermill CLI one by one + render", "(reference)")
    for number in range(repeat):
        project = fresh_project(workdir, f"baseline-{number}")
        # the baseline starts from the same inputs: extracted and validated data
        run_measured([RENSHE, "--root", str(project), "extract"], project)
        run_measured([RENSHE, "--root", str(project), "validate"], project)
        total, peak = 0.0, 0.0
        for command in baseline_commands(project):
            (project / "site" / "pages").mkdir(parents=True, exist_ok=True)
            sample = run_measured(command, project)
            total += sample.seconds
            peak = max(peak, sample.peak_mb)
        result.samples.append(Sample(total, peak))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="extract,validate,build,baseline")
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    measurements: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="renshe-bench-") as temp:
        workdir = Path(temp)
        if "extract" in wanted:
            measurements.extend(bench_extract(workdir, args.repeat))
        if "validate" in wanted:
            measurements.append(bench_validate(workdir, args.repeat))
        if "build" in wanted:
            measurements.extend(bench_builds(workdir, args.repeat))
        if "baseline" in wanted:
            measurements.append(bench_baseline(workdir, args.repeat))
    by_name = {m.name: m for m in measurements}
    cold = by_name.get("cold full build (renshe build)")
    base = by_name.get("baseline: papermill CLI one by one + render")
    if cold and base:
        cold.extra = f"{cold.median / base.median:.2f} x baseline"
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{args.repeat} runs each")
    print("| measurement | median s | min-max s | peak MB | target | notes |")
    print("|---|---|---|---|---|---|")
    for measurement in measurements:
        print(measurement.row())
    return 0


if __name__ == "__main__":
    sys.exit(main())
