"""`make bench`: what the pipeline costs as the corpus grows, and against the naive baseline.

1. Cost curves. The corpus at 1x, 10x and 100x (corpus.make_corpus_project: documents, regions
   and observations grown together); each stage (extract, validate, notebooks, site) runs as
   a process of its own, timed, with the peak memory of its largest process; the exponent of
   time against corpus size is fitted per stage (the log-log slope: 1 is linear).
   The notebook grid runs in full at every scale up to --full-grid (default 100: every page of
   the 100x corpus, about 1,250). Above it the grid is estimated from a sample, labelled as
   such: every page whose content grows with the corpus (01_clean, 02_validate, the nation,
   every indicator) runs in full, with --sample of the region and plan pages (each shows one
   region or plan: bounded); the sample's mean run time stands for the pages not run, shared
   by the workers (see estimate_grid).
2. Validation of 1,000,000 observations: the extracted 100x corpus replicated
   (corpus.make_validation_project), `renshe validate` timed, with its peak memory.
3. A cold `renshe build` of the real project against the naive baseline (the papermill CLI
   one notebook after another, then rendering), in the same run, and a no-op rebuild.
4. PDF extraction: a corpus of at least --pdf-pages generated text-layer pages (pdf_corpus: the
   format fixtures printed again and again) read (renshe.ingest.formats) and extracted, one
   document after another in one process: pages per CPU-second (= per second per core) and its
   peak memory.
5. One large document (corpus.make_large_document_project, 20 MB by default, --large-mb): the
   real project plus a yearbook-sized bulletin; each step timed with its peak memory (target:
   the whole build under 5 minutes and 4 GB). A step that runs past --large-timeout is stopped
   and reported as such.
6. Adding one document (`--only add`, at --add-scale, default 100): a cold `renshe build` of the
   grown corpus, then one more document registered (next year's bulletin of one province copy,
   corpus.add_next_year: its file in data/raw/ and its registry entry, as `renshe add` writes
   them) and `renshe build` again: both times, the ratio (target: at most 5% of the cold build)
   and what the rebuild ran (its step lines: which pages were due).

Nothing here asserts a time: it reports.

    .venv/bin/python benchmarks/run.py [--scales 1,10,100] [--repeat 1] [--only curves,million,builds,pdf,large,add]
"""
from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import platform
import random
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

from corpus import (add_next_year, copy_project, make_corpus_project, make_large_document_project,  # noqa: E402
                    make_validation_project, region_tree)
from pdf_corpus import MEASURE as PDF_MEASURE, make_pdf_corpus  # noqa: E402

BIN = Path(sys.executable).parent
RENSHE = str(BIN / "renshe")
STAGES = ("extract", "validate", "notebooks", "site")
MILLION = 1_000_000
# The notebook grid of a project (every page, or the runs named in argv[2:]), as `renshe build` runs it.
GRID = """
import json, sys
from renshe import lifecycle
from renshe.paths import ProjectPaths
from renshe.publish.batch import plan_runs, run_notebooks
paths = ProjectPaths.at(sys.argv[1])
runs = plan_runs(paths)
if len(sys.argv) > 2:
    runs = [run for run in runs if run.name in set(sys.argv[2].split(","))]
with lifecycle.interruptible():  # stopped (a step past its time), its workers and kernels stop with it
    lifecycle.set_step("notebooks")
    result = run_notebooks(paths, runs, progress=False)
for failure in result.failed:  # named first: the report of a failed stage quotes the end of the output
    print(f"FAILED {failure.run.name}: {failure.error[-1500:]}", file=sys.stderr)
print(json.dumps({"runs": len(runs), "failed": [r.run.name for r in result.failed],
                  "seconds": {r.run.name: r.seconds for r in result.results}}))
sys.exit(result.exit_code)
"""


@dataclass
class Sample:
    seconds: float
    peak_mb: float
    output: str = ""
    estimated: bool = False


@dataclass
class Measurement:
    name: str
    target: str = ""
    samples: list[Sample] = field(default_factory=list)
    extra: str = ""

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def peak(self) -> float:
        return max(s.peak_mb for s in self.samples)

    def row(self) -> str:
        times = [s.seconds for s in self.samples]
        return (f"| {self.name} | {self.median:.2f} | {min(times):.2f}-{max(times):.2f} | {self.peak:.0f} | "
                f"{self.target} | {self.extra} |")


def run_measured(command: list[str], cwd: Path, timeout: float | None = None) -> Sample:
    """Run `command`; its wall time and the peak RSS of it and its waited-for descendants (the
    largest process: ru_maxrss of a child counts the descendants it waited for). Past `timeout`
    seconds it is stopped (SIGTERM: it stops what it started) and TimeoutError raised."""
    env = dict(os.environ, GX_ANALYTICS_ENABLED="False", PYTHONHASHSEED="0")
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=stdout, stderr=stderr)
        stopped = False
        while True:  # os.wait4 reaps it with its resource usage; Popen.wait would reap it first
            pid, status, usage = os.wait4(process.pid, os.WNOHANG if timeout is not None else 0)
            if pid:
                break
            if not stopped and time.perf_counter() - started >= timeout:
                process.terminate()
                stopped = True
            time.sleep(0.2)
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        seconds = time.perf_counter() - started
        if stopped:
            raise TimeoutError(f"stopped after {seconds:.0f} s (peak {usage.ru_maxrss / 1024:.0f} MB)")
        stdout.seek(0)
        stderr.seek(0)
        output, errors = stdout.read().decode("utf-8", "replace"), stderr.read().decode("utf-8", "replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{errors[-3000:]}\n{output[-2000:]}")
    return Sample(seconds, usage.ru_maxrss / 1024, output)


def in_fresh_process(function, *args):
    """`function(*args)` in a new interpreter, so that this one stays small (ru_maxrss of the
    processes it starts would otherwise include it)."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def fresh_project(workdir: Path, name: str) -> Path:
    target = workdir / name
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    return copy_project(ROOT, target)


def corpus_project(workdir: Path, scale: int) -> tuple[Path, int]:
    target = workdir / f"corpus-{scale}x"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    return target, in_fresh_process(make_corpus_project, ROOT, target, scale)


# --- 1. cost curves -----------------------------------------------------------------------------

# The site alone (`renshe site` would first run the notebook pages that are due, timed here on their own).
SITE = """
import sys
from renshe.paths import ProjectPaths
from renshe.publish.site import render_site
print(render_site(ProjectPaths.at(sys.argv[1])))
"""


def stage_command(stage: str, project: Path, runs: list[str] | None = None) -> list[str]:
    if stage == "notebooks":
        return [sys.executable, "-c", GRID, str(project), *([",".join(runs)] if runs else [])]
    if stage == "site":
        return [sys.executable, "-c", SITE, str(project)]
    return [RENSHE, "--root", str(project), stage]


def planned_runs(project: Path) -> list[tuple[str, str, dict]]:
    """(name, kind, parameters) of every run of the project's grid."""
    code = ("import json, sys; from renshe.paths import ProjectPaths; from renshe.publish.batch import plan_runs; "
            "print(json.dumps([(r.name, r.kind, r.params) for r in plan_runs(ProjectPaths.at(sys.argv[1]))]))")
    import json

    return [tuple(run) for run in json.loads(subprocess.run([sys.executable, "-c", code, str(project)], check=True,
                                                            capture_output=True, text=True).stdout)]


def estimate_grid(project: Path, sample_size: int, seed: int = 14) -> Sample:
    """The grid's time estimated from a sample (see the module's docstring): measured in full,
    every page whose content grows with the corpus; of the region pages below the nation,
    `sample_size` at random. Worker-seconds = the full set's run times + the sample's mean run
    time x all such pages; the estimate is the measured wall time of the sample run plus the
    unsampled pages' share of the workers."""
    import json

    runs = planned_runs(project)
    registry = _region_levels(project)
    growing = [name for name, kind, params in runs
               if kind in ("clean", "validate", "indicator") or registry.get(params.get("region")) == "national"]
    bounded = [name for name, kind, params in runs if name not in set(growing)]
    sample = random.Random(seed).sample(bounded, min(sample_size, len(bounded)))
    measured = run_measured(stage_command("notebooks", project, growing + sample), project)
    seconds = json.loads(measured.output.strip().splitlines()[-1])["seconds"]
    mean_bounded = statistics.mean(seconds[name] for name in sample) if sample else 0.0
    workers = os.cpu_count() or 1
    unsampled = (len(bounded) - len(sample)) * mean_bounded / workers
    return Sample(measured.seconds + unsampled, measured.peak_mb,
                  f"{len(growing)} growing pages + {len(sample)} of {len(bounded)} region pages measured "
                  f"({measured.seconds:.0f} s), mean region page {mean_bounded:.2f} s", estimated=True)


def _region_levels(project: Path) -> dict[str, str]:
    """{name: level} of every region the project knows (data/regions.yaml and the registry's)."""
    return {region["name"]: region["level"] for region in region_tree(project)}


def bench_curves(workdir: Path, scales: list[int], repeat: int, full_grid: int, sample: int) -> dict:
    """{stage: {scale: Measurement}} and what each scale's corpus holds."""
    curves: dict[str, dict[int, Measurement]] = {stage: {} for stage in STAGES}
    sizes = {}
    for scale in scales:
        project, size = corpus_project(workdir, scale)
        for stage in STAGES:
            measurement = curves[stage][scale] = Measurement(f"{stage} {scale}x")
            for _ in range(repeat):
                if stage == "notebooks" and scale > full_grid:
                    measurement.samples.append(estimate_grid(project, sample))
                else:
                    measurement.samples.append(run_measured(stage_command(stage, project), project))
        sizes[scale] = _corpus_size(project, size)
        print(f"  {scale}x: " + ", ".join(f"{stage} {curves[stage][scale].median:.1f} s" for stage in STAGES),
              file=sys.stderr, flush=True)
    return {"curves": curves, "sizes": sizes}


def _corpus_size(project: Path, size: int) -> dict:
    import pandas as pd

    observations = pd.read_parquet(project / "data" / "clean" / "observations.parquet", columns=["doc_id", "region"])
    return {"documents": observations.doc_id.nunique(), "regions": observations.region.nunique(),
            "observations": len(observations), "megabytes": size / 1e6, "runs": len(planned_runs(project))}


def exponent(points: dict[int, float]) -> float:
    """The least-squares slope of log(time) against log(scale)."""
    xs = [math.log(scale) for scale in points]
    ys = [math.log(max(value, 1e-9)) for value in points.values()]
    mean_x, mean_y = statistics.mean(xs), statistics.mean(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)


def curves_table(result: dict) -> list[str]:
    curves, sizes = result["curves"], result["sizes"]
    scales = sorted(sizes)
    lines = ["| stage | " + " | ".join(f"{s}x s" for s in scales) + " | exponent | "
             + " | ".join(f"{s}x peak MB" for s in scales) + " |",
             "|---|" + "---|" * (2 * len(scales) + 1)]
    for stage in STAGES:
        row = curves[stage]
        times = " | ".join(f"{row[s].median:.1f}" + (" (est.)" if row[s].samples[0].estimated else "")
                           for s in scales)
        slope = f"{exponent({s: row[s].median for s in scales}):.2f}" if len(scales) > 1 else "—"
        peaks = " | ".join(f"{row[s].peak:.0f}" for s in scales)
        lines.append(f"| {stage} | {times} | {slope} | {peaks} |")
    lines.append("")
    lines.append("| corpus | " + " | ".join(f"{s}x" for s in scales) + " |")
    lines.append("|---|" + "---|" * len(scales))
    for key, label in (("documents", "documents"), ("megabytes", "text MB"), ("regions", "regions"),
                       ("observations", "observations"), ("runs", "notebook runs")):
        lines.append(f"| {label} | " + " | ".join(f"{sizes[s][key]:.1f}" if key == "megabytes" else
                                                   f"{sizes[s][key]}" for s in scales) + " |")
    notes = [row.samples[0].output for stage_rows in curves.values() for row in stage_rows.values()
             if row.samples[0].estimated]
    lines += [f"(est.) notebooks: {note}" for note in notes]
    return lines


# --- 2. a million observations --------------------------------------------------------------------

def bench_million(workdir: Path, repeat: int) -> Measurement:
    source = workdir / "corpus-100x"
    if not (source / "data" / "clean" / "observations.parquet").is_file():
        source, _ = corpus_project(workdir, 100)
        run_measured(stage_command("extract", source), source)
    project = workdir / "million"
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir()
    rows = in_fresh_process(make_validation_project, source, project, MILLION)
    result = Measurement("validate, 1 000 000 observations", "< 60 s; peak < 2 GB")
    for _ in range(repeat):
        result.samples.append(run_measured(stage_command("validate", project), project))
    checks = sum(1 for _ in open(project / "data" / "clean" / "checks.csv", encoding="utf-8-sig")) - 1
    result.extra = f"{rows} rows, {checks} checks"
    return result


# --- 3. a cold build against the naive baseline ---------------------------------------------------

def baseline_commands(project: Path) -> list[list[str]]:
    """The same notebook grid as `renshe build`, one papermill CLI call after another, then the site."""
    commands = []
    for name, kind, params in planned_runs(project):
        notebook = {"clean": "01_clean", "validate": "02_validate", "region": "10_region",
                    "indicator": "20_indicator", "plan": "30_plan"}[kind]
        command = [str(BIN / "papermill"), str(project / "notebooks" / f"{notebook}.ipynb"),
                   str(project / "site" / "pages" / f"{name}.ipynb"), "-k", "renshe", "--cwd",
                   str(project / "notebooks")]
        for key, value in params.items():
            command += ["-p", key, str(value)]
        commands.append(command)
    commands.append([RENSHE, "--root", str(project), "site"])
    return commands


def bench_builds(workdir: Path, repeat: int) -> list[Measurement]:
    cold = Measurement("cold full build (`renshe build`)", "<= 0.10 x baseline")
    noop = Measurement("no-op rebuild", "< 3 s")
    base = Measurement("baseline: papermill CLI one by one + render", "(reference)")
    for number in range(repeat):  # the two alternate, so that a busy spell of the machine hits both
        project = fresh_project(workdir, f"build-{number}")
        cold.samples.append(run_measured([RENSHE, "--root", str(project), "build"], project))
        noop.samples.append(run_measured([RENSHE, "--root", str(project), "build"], project))
        project = fresh_project(workdir, f"baseline-{number}")
        run_measured(stage_command("extract", project), project)  # the same inputs: data extracted and checked
        run_measured(stage_command("validate", project), project)
        (project / "site" / "pages").mkdir(parents=True, exist_ok=True)
        samples = [run_measured(command, project) for command in baseline_commands(project)]
        base.samples.append(Sample(sum(s.seconds for s in samples), max(s.peak_mb for s in samples)))
    cold.extra = f"{cold.median / base.median:.3f} x baseline"
    return [cold, noop, base]


def bench_pdf(workdir: Path, repeat: int, pages: int) -> list[Measurement]:
    """PDF reading and extraction of a generated corpus, on one core."""
    import json

    project = fresh_project(workdir, "pdf")  # the documents' configuration is found above them
    files = make_pdf_corpus(project / "data" / "raw" / "pdf", pages=pages)
    read = Measurement("PDF read (renshe.ingest.formats), pages/s/core", ">= 20 pages/s/core")
    whole = Measurement("PDF read + extract, pages/s/core", "")
    for _ in range(repeat):
        sample = run_measured([sys.executable, "-c", PDF_MEASURE, *map(str, files)], project)
        found = json.loads(sample.output.strip().splitlines()[-1])
        read.samples.append(Sample(found["pages"] / found["read_cpu"], sample.peak_mb))
        whole.samples.append(Sample(found["pages"] / (found["read_cpu"] + found["extract_cpu"]), sample.peak_mb))
        note = (f"{found['pages']:.0f} pages in {found['documents']} documents, {found['observations']} "
                f"observations; wall {found['wall']:.1f} s")
        read.extra = whole.extra = note
    return [read, whole]


# --- 4. one large document -----------------------------------------------------------------------

def bench_large(workdir: Path, megabytes: float, timeout: float) -> list[str]:
    project = workdir / "large"
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir(parents=True)
    size = in_fresh_process(make_large_document_project, ROOT, project, megabytes)
    lines = [f"one large document ({size / 1024 / 1024:.1f} MB) added to the real project; "
             "seconds and peak MB of each step's largest process",
             "| step | s | peak MB | notes |", "|---|---|---|---|"]
    total, peak = 0.0, 0.0
    for stage in STAGES:
        try:
            sample = run_measured(stage_command(stage, project), project, timeout)
        except (TimeoutError, RuntimeError) as exc:
            lines.append(f"| {stage} | - | - | {str(exc).splitlines()[0][:200]} |")
            lines.append(f"(the steps after {stage} were not run)")
            return lines
        total, peak = total + sample.seconds, max(peak, sample.peak_mb)
        note = ""
        if stage == "extract":
            note = next((line for line in sample.output.splitlines() if line.startswith("total:")), "")
        elif stage == "validate":
            note = next((line for line in sample.output.splitlines() if line.startswith("total:")), "")
        lines.append(f"| {stage} | {sample.seconds:.1f} | {sample.peak_mb:.0f} | {note} |")
        print(lines[-1], file=sys.stderr, flush=True)  # as it goes: a long run shows its steps
    lines.append(f"| the steps one by one (sum) | {total:.1f} | {peak:.0f} | |")
    # the build as a user runs it (`renshe build` of a fresh copy: work beside work, one swap)
    fresh = workdir / "large-build"
    shutil.rmtree(fresh, ignore_errors=True)
    fresh.mkdir(parents=True)
    in_fresh_process(make_large_document_project, ROOT, fresh, megabytes)
    try:
        sample = run_measured([RENSHE, "--root", str(fresh), "build"], fresh, timeout * len(STAGES))
    except (TimeoutError, RuntimeError) as exc:
        lines.append(f"| `renshe build` | - | - | {str(exc).splitlines()[0][:200]} |")
        return lines
    steps = next((line.strip() for line in sample.output.splitlines() if line.strip().startswith("steps")), "")
    lines.append(f"| `renshe build` (cold) | {sample.seconds:.1f} | {sample.peak_mb:.0f} | "
                 f"target < 300 s, < 4096 MB; {steps} |")
    return lines


# --- 5. one document added to a built corpus -----------------------------------------------------

def bench_add(workdir: Path, scale: int) -> list[str]:
    project, _ = corpus_project(workdir, scale)
    cold = run_measured([RENSHE, "--root", str(project), "build"], project)
    print(f"  cold build {scale}x: {cold.seconds:.1f} s", file=sys.stderr, flush=True)
    base = "zhejiang_2023_bulletin" + (f"_{scale // 2:03d}" if scale > 1 else "")
    doc_id = add_next_year(project, base)
    added = run_measured([RENSHE, "--root", str(project), "build"], project)
    steps = [line.strip() for line in added.output.splitlines()
             if line.strip().startswith(("extract", "validate", "notebooks:", "site", "steps", "total"))]
    return [f"one document added to the {scale}x corpus ({doc_id}: next year's bulletin of one province copy)",
            "| build | s | peak MB | notes |", "|---|---|---|---|",
            f"| cold `renshe build` | {cold.seconds:.1f} | {cold.peak_mb:.0f} | |",
            f"| `renshe build` after adding it | {added.seconds:.1f} | {added.peak_mb:.0f} | "
            f"{added.seconds / cold.seconds:.1%} of the cold build (target <= 5%) |",
            "what the rebuild ran:", *(f"    {line}" for line in steps)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--only", default="curves,million,builds,pdf,large,add")
    parser.add_argument("--pdf-pages", type=int, default=240, help="pages of the generated PDF corpus")
    parser.add_argument("--large-mb", type=float, default=20, help="size of the large document (MB)")
    parser.add_argument("--large-timeout", type=float, default=900, help="seconds a step of the large build may take")
    parser.add_argument("--full-grid", type=int, default=100, help="largest scale whose whole grid is run")
    parser.add_argument("--sample", type=int, default=40, help="region pages sampled above --full-grid")
    parser.add_argument("--add-scale", type=int, default=100, help="corpus scale of the one-document rebuild")
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    load = os.getloadavg()[0]
    scales = [int(s) for s in args.scales.split(",")]
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="renshe-bench-") as temp:
        workdir = Path(temp)
        if "curves" in wanted:
            lines += ["cost curves (seconds per stage; exponent: slope of log time against log size)"]
            lines += curves_table(bench_curves(workdir, scales, args.repeat, args.full_grid, args.sample)) + [""]
        if "add" in wanted:
            lines += bench_add(workdir, args.add_scale) + [""]
        if "large" in wanted:
            lines += bench_large(workdir, args.large_mb, args.large_timeout) + [""]
        targets = []
        if "million" in wanted:
            targets.append(bench_million(workdir, args.repeat))
        if "builds" in wanted:
            targets += bench_builds(workdir, args.repeat)
        if "pdf" in wanted:
            targets += bench_pdf(workdir, args.repeat, args.pdf_pages)
        if targets:
            lines += ["| measurement | median s (pages/s for PDF) | min-max | peak MB | target | notes |",
                      "|---|---|---|---|---|---|"]
            lines += [m.row() for m in targets]
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{args.repeat} run(s) each; load average at the start: {load:.1f}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
