"""`renshe build`: incremental, atomic, deterministic, accounted for.

One project copy is built once per module (`built`); every scenario works on its own
copy of that built project (shutil.copytree keeps the files' mtimes), changes one input
and runs the real `renshe build` in a subprocess. Which notebook runs a build executed is
read from its output ("notebooks executed: ...") and cross-checked with the pages' mtimes.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from conftest import PAUSE_PATCHES, copy_project, edit_raw_line, paused_cli_code
from renshe import build
from renshe.errors import RensheError
from renshe.paths import ProjectPaths

# Derived folders a copy of the working tree may carry; a build starts without them.
SITE_DERIVED = ("_site", "pages", "downloads", "data-docs", "assets")
# The data files two builds of the same inputs must write byte for byte (GX results and
# Data Docs carry run timestamps and ids: excluded).
CLEAN_DATA = ("observations.csv", "observations.parquet", "unparsed.csv", "unmapped.csv",
              "extract_summary.csv", "checks.csv")
DOWNLOADS = ("observations.csv", "observations.parquet", "observations.xlsx", "checks.csv", "checks.parquet",
             "checks.xlsx", "codebook.csv", "codebook.parquet", "codebook.xlsx", "datapackage.json")
REGION_PAGES = {"region-100000", "region-330000", "region-330600", "region-330602", "region-330603",
                "region-330604", "region-330624", "region-330681", "region-330683", "region-330800"}
SHAOXING_DISTRICT_PAGES = {"region-330602", "region-330603", "region-330604", "region-330624",
                           "region-330681", "region-330683"}


# --- helpers ------------------------------------------------------------------------------

@dataclass
class Built:
    root: Path
    output: str
    library: str  # build.library_fingerprint() of the source the module's build ran with

    @property
    def paths(self) -> ProjectPaths:
        return ProjectPaths.at(self.root)


def run_build(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "renshe.cli", "--root", str(root), "build", *args],
                          capture_output=True, text=True, timeout=900)


def same_library(built: Built) -> None:
    """The library's source is an input of every step: edited while these tests run (by a
    colleague in the same checkout), every page is rightly rebuilt and no scenario can
    show what it tests. That is a precondition failing, not the build."""
    if build.library_fingerprint() != built.library:
        pytest.skip("src/renshe changed while the build tests ran; run them again")


def executed(output: str) -> set[str]:
    """The notebook runs a build executed, as it reports them."""
    found = re.search(r"^notebooks executed: (.*)$", output, re.MULTILINE)
    return set(found.group(1).split(", ")) if found else set()


def step_line(output: str, step: str) -> str:
    return re.search(rf"^{step}: (.*)$", output, re.MULTILINE).group(1)


def summary_value(output: str, label: str) -> str:
    return re.search(rf"^  {label}\s+(.*)$", output, re.MULTILINE).group(1)


def stamps(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under `folder` with its mtime and size: what a no-op must not touch."""
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.stat().st_size)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def hashes(folder: Path, names: tuple[str, ...] | None = None) -> dict[str, str]:
    files = [folder / n for n in names] if names else [p for p in sorted(folder.rglob("*")) if p.is_file()]
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def page_names(paths: ProjectPaths) -> set[str]:
    return {p.stem for p in (paths.site / "pages").glob("*.ipynb") if not p.name.startswith(".")}


def page_stamps(paths: ProjectPaths) -> dict[str, int]:
    return {p.stem: p.stat().st_mtime_ns for p in (paths.site / "pages").glob("*.ipynb")
            if not p.name.startswith(".")}


def leftovers(paths: ProjectPaths) -> list[str]:
    """What a killed command left: its staging folder (renshe.publication), and older kinds of leftover."""
    folders = [paths.root / "data", paths.clean, paths.site, paths.site / "pages", paths.root / ".renshe-cache"]
    return sorted(str(p.relative_to(paths.root)) for folder in folders if folder.is_dir()
                  for p in folder.iterdir() if re.match(r"\.(.+\.(staging|old)-|running-)|staging-\d+$", p.name))


def add_cell(notebook: Path, source: str, after_text: str | None = None, kind: str = "code") -> None:
    """Insert a cell (after the first cell containing `after_text`, else at the end)."""
    book = nbformat.read(notebook, as_version=4)
    cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
    index = next((i + 1 for i, c in enumerate(book.cells) if after_text and after_text in c.source),
                 len(book.cells))
    book.cells.insert(index, cell)
    nbformat.write(book, notebook)


def set_rule_severity(root: Path, rule_id: str, old: str, new: str) -> None:
    rules = ProjectPaths.at(root).rules
    text = rules.read_text(encoding="utf-8")
    start = text.index(f"- id: {rule_id}\n")
    at = text.index(f"severity: {old}", start)
    rules.write_text(text[:at] + f"severity: {new}" + text[at + len(f"severity: {old}"):], encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    """The project, built once from nothing by `renshe build`."""
    root = copy_project(tmp_path_factory.mktemp("built") / "project")
    for name in SITE_DERIVED:
        shutil.rmtree(root / "site" / name, ignore_errors=True)
    shutil.rmtree(root / "expectations" / "gx" / "uncommitted", ignore_errors=True)
    library = build.library_fingerprint()
    result = run_build(root)
    assert result.returncode == 0, result.stdout + result.stderr
    return Built(root, result.stdout, library)


@pytest.fixture
def copy(built: Built, tmp_path: Path) -> ProjectPaths:
    """A private copy of the built project (mtimes kept, so a build there starts as a no-op)."""
    same_library(built)
    return ProjectPaths.at(shutil.copytree(built.root, tmp_path / "project", symlinks=True))


@pytest.fixture
def rebuild(built: Built):
    """`renshe build` in a project copy, skipping the test if the library changed meanwhile."""
    def run(root: Path, *args: str) -> subprocess.CompletedProcess:
        result = run_build(root, *args)
        same_library(built)
        return result
    return run


def planned_pages(paths: ProjectPaths) -> set[str]:
    from renshe.publish.batch import plan_runs

    return {run.name for run in plan_runs(paths)}


# --- the first build and its accounting ---------------------------------------------------

@pytest.mark.slow
def test_first_build_runs_every_step_and_every_page(built):
    paths = built.paths
    planned = planned_pages(paths)
    assert {"01_clean", "02_validate"} | REGION_PAGES <= planned
    assert {"indicator-urban_new_jobs", "indicator-postdoc_recruitment", "indicator-minimum_wage"} <= planned
    assert executed(built.output) == planned == page_names(paths)
    assert (paths.site / "_site" / "index.html").is_file()
    assert build.BuildState.load(paths).keys("page:") and not leftovers(paths)
    steps = summary_value(built.output, "steps")
    assert "skipped" not in steps
    for step in ("extract", "validate", "notebooks", "site"):
        assert re.search(rf"\b{step} \d+\.\d s\b", steps), steps


@pytest.mark.slow
def test_summary_accounts_for_the_real_numbers(built):
    clean = built.paths.clean
    observations = pd.read_parquet(clean / "observations.parquet")
    from_text = int((observations.table_id == "text").sum())
    extract_summary = pd.read_csv(clean / "extract_summary.csv", encoding="utf-8-sig")
    checks = pd.read_csv(clean / "checks.csv", encoding="utf-8-sig", keep_default_na=False)
    status = checks.status.value_counts()
    pages = len(page_names(built.paths))

    assert summary_value(built.output, "documents") == "5"
    assert summary_value(built.output, "tables") == "8" == str(int((extract_summary.table_id != "text").sum()))
    assert summary_value(built.output, "observations") == \
        f"{len(observations)} ({len(observations) - from_text} from tables, {from_text} from text)"
    assert len(observations) > 500 and from_text > 250  # the five documents, tables and text
    unparsed = len(pd.read_csv(clean / "unparsed.csv", encoding="utf-8-sig"))
    unmapped = len(pd.read_csv(clean / "unmapped.csv", encoding="utf-8-sig"))
    assert summary_value(built.output, "unparsed cells").startswith(f"{unparsed} (")
    assert summary_value(built.output, "unmapped").startswith(f"{unmapped} phrases")
    assert unparsed > 100 and unmapped > 0
    assert summary_value(built.output, "checks") == \
        f"{status.get('pass', 0)} pass, {status.get('fail', 0)} fail, {status.get('warn', 0)} warn"
    assert status.get("pass", 0) > 200
    assert summary_value(built.output, "notebook runs") == \
        f"{pages} succeeded, 0 failed this build; {pages} pages on the site"
    # the step lines say the same as the summary
    assert step_line(built.output, "validate") == \
        f"{status.get('pass', 0)} pass, {status.get('fail', 0)} fail, {status.get('warn', 0)} warn"
    assert step_line(built.output, "extract").startswith(f"{len(observations)} observations")


# --- no-op ----------------------------------------------------------------------------------

@pytest.mark.slow
def test_noop_rebuild_does_no_work(copy, rebuild):
    before = {folder: stamps(copy.root / folder) for folder in ("data", "site", "expectations", ".renshe-cache")}
    started = time.perf_counter()
    result = rebuild(copy.root)
    seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stdout + result.stderr
    for step in ("extract", "validate", "site"):
        assert step_line(result.stdout, step) == "unchanged"
    assert re.fullmatch(r"all \d+ pages unchanged", step_line(result.stdout, "notebooks"))
    assert executed(result.stdout) == set()
    assert summary_value(result.stdout, "notebook runs").startswith("0 succeeded, 0 failed")
    assert summary_value(result.stdout, "steps").count("skipped") == 4
    after = {folder: stamps(copy.root / folder) for folder in before}
    assert after == before  # not one file written, touched or removed (state.json included)
    print(f"no-op rebuild: {seconds:.2f} s")  # reported by the benchmark, not asserted


@pytest.mark.slow
def test_noop_rebuild_imports_no_heavy_library(copy):
    """What keeps a no-op fast: its decisions need file bytes, not pandas, nbformat or GX."""
    code = ("import sys\nfrom renshe.build import run_build\nfrom renshe.paths import ProjectPaths\n"
            f"code = run_build(ProjectPaths.at({str(copy.root)!r}))\n"
            "heavy = ['pandas', 'pyarrow', 'nbformat', 'papermill', 'great_expectations', 'altair']\n"
            "print('HEAVY', [m for m in heavy if m in sys.modules])\nsys.exit(code)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stdout


# --- one changed input ------------------------------------------------------------------------

@pytest.mark.slow
def test_changed_document_reruns_only_what_reads_it(copy, rebuild):
    """衢州's 2025 target for postdoc recruitment, 10 -> 12 (quzhou_14fyp line 164)."""
    before = page_stamps(copy)
    edit_raw_line(copy.root, "quzhou_14fyp", 164, "\t10\t", "\t12\t")
    result = rebuild(copy.root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert step_line(result.stdout, "extract").endswith("unmapped phrases")  # ran
    assert step_line(result.stdout, "validate") != "unchanged"
    # the city's page, its province's (which shows its cities), the indicator's page, the
    # cleaning page (every observation), the checks page (the city-vs-province target check)
    # and the city's plan (the target is one of its own)
    rerun = {"01_clean", "02_validate", "region-330800", "region-330000", "indicator-postdoc_recruitment",
             "plan-quzhou_14fyp"}
    assert executed(result.stdout) == rerun
    after = page_stamps(copy)
    assert {page for page in after if after[page] != before[page]} == rerun
    assert SHAOXING_DISTRICT_PAGES | {"region-330600", "region-100000", "indicator-urban_new_jobs"} <= \
        {page for page in after if after[page] == before[page]}
    assert step_line(result.stdout, "site").startswith("rendered")

    observations = pd.read_parquet(copy.clean / "observations.parquet")
    target = observations[(observations.doc_id == "quzhou_14fyp") & (observations.source_line == 164)
                          & (observations.measure == "target")]
    assert target[["indicator_id", "period", "value"]].values.tolist() == [["postdoc_recruitment", "2025", 12.0]]
    page = (copy.site / "pages" / "indicator-postdoc_recruitment.ipynb").read_text(encoding="utf-8")
    assert "《衢州市人社事业发展“十四五”规划》第164行" in page

    again = rebuild(copy.root)  # and the build after it has nothing left to do
    assert executed(again.stdout) == set() and step_line(again.stdout, "site") == "unchanged"


@pytest.mark.slow
def test_an_added_document_reruns_and_rerenders_only_the_pages_whose_data_it_changes(copy, rebuild):
    """Next year's Shaoxing action plan registered (its file and entry, as `renshe add` writes them):
    the registry and the checks' numbering change for every page; the pages of regions and plans
    it says nothing about neither run nor render again."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from corpus import add_next_year

    before = page_stamps(copy)
    site_before = {name: (copy.site / "_site" / "pages" / f"{name}.html").stat().st_ino for name in before}
    doc_id = add_next_year(copy.root, "shaoxing_2023_action_plan")
    result = rebuild(copy.root)
    assert result.returncode == 0, result.stdout + result.stderr
    ran = executed(result.stdout)
    assert {"region-330600", f"plan-{doc_id}", "01_clean", "02_validate"} <= ran
    untouched = {"region-100000", "region-330800", "plan-quzhou_14fyp", "indicator-minimum_wage"}
    assert not untouched & ran, ran
    after = page_stamps(copy)
    assert all(after[page] == before[page] for page in untouched)
    # their HTML is the previous site's, not rendered again
    assert all((copy.site / "_site" / "pages" / f"{name}.html").stat().st_ino == site_before[name]
               for name in untouched)
    assert (copy.site / "_site" / "pages" / "region-330600.html").stat().st_ino != site_before["region-330600"]


def test_a_bad_rule_stops_a_forced_build_in_its_validation_process_naming_the_file_and_line(copy, rebuild):
    """A forced (or changed-corpus) build validates in a process started while it extracted: an
    error there reaches the user as it would from `renshe validate`, and nothing later runs."""
    rules = copy.root / "expectations" / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8") + "  - {id: broken, type: no_such_type}\n", encoding="utf-8")
    line = len(rules.read_text(encoding="utf-8").splitlines())
    result = rebuild(copy.root, "--force")
    assert result.returncode != 0
    assert f"rules.yaml:{line}: rule 'broken': unknown rule type 'no_such_type'" in result.stdout + result.stderr
    assert "notebooks:" not in result.stdout


@pytest.mark.slow
def test_changed_rule_reruns_validation_and_the_pages_showing_its_checks(copy, rebuild):
    """national_card_coverage: severity error -> warning (one check row, about 全国)."""
    checks_before = pd.read_csv(copy.clean / "checks.csv", encoding="utf-8-sig", keep_default_na=False)
    clean_data_before = hashes(copy.clean, CLEAN_DATA[:-1])
    set_rule_severity(copy.root, "national_card_coverage", "error", "warning")
    result = rebuild(copy.root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert step_line(result.stdout, "extract") == "unchanged"
    assert step_line(result.stdout, "validate") != "unchanged"
    assert executed(result.stdout) == {"02_validate", "region-100000", "indicator-electronic_card_holders",
                                       "indicator-social_security_card_holders"}
    assert hashes(copy.clean, CLEAN_DATA[:-1]) == clean_data_before  # extraction's outputs untouched
    checks = pd.read_csv(copy.clean / "checks.csv", encoding="utf-8-sig", keep_default_na=False)
    changed = checks.set_index("check_id").severity.compare(checks_before.set_index("check_id").severity)
    assert changed.index.tolist() == ["national_card_coverage#1"]
    assert changed.values.tolist() == [["warning", "error"]]


@pytest.fixture(scope="module")
def forced(built: Built, tmp_path_factory) -> tuple[ProjectPaths, dict, subprocess.CompletedProcess]:
    """A copy of the built project rebuilt with --force (and its page mtimes before)."""
    same_library(built)
    paths = ProjectPaths.at(shutil.copytree(built.root, tmp_path_factory.mktemp("forced") / "project",
                                            symlinks=True))
    before = page_stamps(paths)
    result = run_build(paths.root, "--force")
    same_library(built)
    return paths, before, result


@pytest.mark.slow
def test_force_rebuilds_everything_byte_identically(built, forced):
    copy, before, result = forced
    assert result.returncode == 0, result.stdout + result.stderr
    assert "skipped" not in summary_value(result.stdout, "steps")
    assert executed(result.stdout) == set(before) == planned_pages(copy)
    after = page_stamps(copy)
    assert all(after[page] != before[page] for page in before)
    # determinism: same inputs, same bytes (the module's first build vs this forced one, a
    # whole build later: the Excel files' clock readings must not leak in)
    assert hashes(copy.clean, CLEAN_DATA) == hashes(built.paths.clean, CLEAN_DATA)
    assert hashes(copy.clean / "tables") == hashes(built.paths.clean / "tables")
    assert len(hashes(copy.clean / "tables")) == 8
    assert hashes(copy.site / "downloads", DOWNLOADS) == hashes(built.paths.site / "downloads", DOWNLOADS)
    suites = copy.expectations / "gx" / "expectations"
    assert hashes(suites) == hashes(built.paths.expectations / "gx" / "expectations")


# --- a failing notebook run -------------------------------------------------------------------

@pytest.mark.slow
def test_failing_run_is_reported_kept_and_does_not_stop_the_others(copy, rebuild):
    site_before = hashes(copy.site / "_site")
    before = page_stamps(copy)
    add_cell(copy.notebooks / "20_indicator.ipynb",
             'if indicator_id == "minimum_wage":\n    raise RuntimeError("corrupted by test_build")',
             after_text="validate_indicator")
    result = rebuild(copy.root)
    assert result.returncode == 1
    indicator_pages = {page for page in before if page.startswith("indicator-")}
    assert executed(result.stdout) == indicator_pages
    assert "FAILED indicator-minimum_wage" in result.stdout
    assert "RuntimeError: corrupted by test_build" in result.stdout
    ok = len(indicator_pages) - 1
    assert summary_value(result.stdout, "notebook runs").startswith(f"{ok} succeeded, 1 failed this build")
    failed = copy.site / "pages" / "failed" / "indicator-minimum_wage.ipynb"
    assert "corrupted by test_build" in failed.read_text(encoding="utf-8")
    # one publication per build: with a run failed, nothing of it is published (the pages that
    # succeeded neither: they would not match the site), the previous pages and site stay
    assert page_stamps(copy) == before
    assert "previous site is kept" in step_line(result.stdout, "site")
    assert "published: nothing" in result.stdout
    assert hashes(copy.site / "_site") == site_before
    assert leftovers(copy) == []


# --- killed half-way --------------------------------------------------------------------------



def _start(command: list[str]) -> subprocess.Popen:
    # its own session, so the test can kill it with its worker processes
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)


def _kill_when(condition, process: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, f"the build ended first:\n{process.stdout.read().decode()}"
        assert time.monotonic() < deadline, "the build never reached the point to kill it at"
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    assert process.wait(timeout=60) == -signal.SIGKILL


@pytest.mark.slow
@pytest.mark.parametrize("where", ["mid-write", "before swap"])
def test_build_killed_during_extraction_keeps_previous_outputs(copy, tmp_path, where, rebuild):
    clean_before, site_before = hashes(copy.clean), hashes(copy.site / "_site")
    state_before = build.BuildState.load(copy).fingerprints
    edit_raw_line(copy.root, "quzhou_14fyp", 164, "\t10\t", "\t12\t")  # a completed build would change data/clean
    marker = tmp_path / "paused"
    process = _start([sys.executable, "-c", paused_cli_code("build", PAUSE_PATCHES[where]), str(marker), str(copy.root)])
    _kill_when(marker.exists, process)

    assert leftovers(copy)  # the killed build's staging folder
    assert hashes(copy.clean) == clean_before
    assert hashes(copy.site / "_site") == site_before
    assert build.BuildState.load(copy).fingerprints == state_before  # the state is published with the outputs

    result = rebuild(copy.root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^an earlier command was interrupted: removed its unpublished outputs "
                     r"\(\.renshe-cache/staging-\d+\)", result.stdout, re.M)
    assert leftovers(copy) == []
    assert executed(result.stdout) == {"01_clean", "02_validate", "region-330800", "region-330000",
                                       "indicator-postdoc_recruitment", "plan-quzhou_14fyp"}
    observations = pd.read_parquet(copy.clean / "observations.parquet")
    assert 12.0 in observations[(observations.doc_id == "quzhou_14fyp") & (observations.source_line == 164)].value.values


@pytest.mark.slow
def test_build_killed_during_notebook_runs_keeps_outputs_and_next_build_completes(copy, rebuild):
    clean_before, site_before = hashes(copy.clean), hashes(copy.site / "_site")
    state_before = build.BuildState.load(copy).fingerprints
    add_cell(copy.notebooks / "10_region.ipynb", "Region pages: edited by test_build.", kind="markdown")
    pages = copy.site / "pages"
    process = _start([sys.executable, "-m", "renshe.cli", "--root", str(copy.root), "build"])
    _kill_when(lambda: any((copy.root / ".renshe-cache").glob("staging-*/site/pages/.running-*")), process)

    assert hashes(copy.clean) == clean_before  # extraction and validation had nothing to do
    assert hashes(copy.site / "_site") == site_before
    assert build.BuildState.load(copy).fingerprints == state_before
    assert not list(pages.glob(".*"))  # the page being run was in the staging folder

    result = rebuild(copy.root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert executed(result.stdout) == REGION_PAGES  # every region page, nothing else
    assert re.search(r"^an earlier command was interrupted: removed its unpublished outputs", result.stdout, re.M)
    assert leftovers(copy) == [] and not list(pages.glob(".*"))
    assert step_line(result.stdout, "site").startswith("rendered")
    assert "edited by test_build" in (pages / "region-330800.ipynb").read_text(encoding="utf-8")
    assert "edited by test_build" in (copy.site / "_site" / "pages" / "region-330800.html").read_text(encoding="utf-8")
    assert executed(rebuild(copy.root).stdout) == set()


# --- the machinery, without a build -----------------------------------------------------------

def test_leftovers_of_a_killed_build_are_removed_or_restored(tmp_path):
    paths = ProjectPaths.at(tmp_path)
    files = {
        "data/.clean.staging-abc123/observations.csv": "new, incomplete",
        "data/.clean.old-4242/observations.csv": "previous, complete",
        "data/clean.yaml.bak": "not ours",
        "site/._site.staging-x1/index.html": "half",
        "site/_site/index.html": "the site",
        "site/.gitignore": "/_site/",
        "site/pages/.running-77-region-330800.ipynb": "{}",
        "site/pages/region-330800.ipynb": "{}",
        "site/pages/failed/.running-78-indicator-minimum_wage.ipynb": "{}",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "data" / "codebook.yaml").write_text("")
    done = build.recover_interrupted_outputs(paths)
    assert "restored data/clean" in done
    assert (paths.clean / "observations.csv").read_text() == "previous, complete"
    remaining = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert remaining == ["data/clean.yaml.bak", "data/clean/observations.csv", "data/codebook.yaml",
                         "site/.gitignore", "site/_site/index.html", "site/pages/region-330800.ipynb"]


def test_temporary_files_of_an_atomic_write_are_removed(tmp_path):
    clean = tmp_path / "data" / "clean"
    clean.mkdir(parents=True)
    (clean / "checks.csv").write_text("kept")
    (clean / ".checks.csv.k3j_x9q2").write_text("half")
    (clean / ".gitkeep").write_text("")
    build.recover_interrupted_outputs(ProjectPaths.at(tmp_path))
    assert sorted(p.name for p in clean.iterdir()) == [".gitkeep", "checks.csv"]


def test_a_second_build_of_the_same_project_is_refused(tmp_path):
    paths = ProjectPaths.at(tmp_path)
    with build.build_lock(paths):
        with pytest.raises(RensheError, match="another `renshe build` is running") as error:
            build.run_build(paths)
        assert str(paths.root / build.LOCK_FILE) in str(error.value)
    with build.build_lock(paths):  # released when the holder is done
        pass


def test_state_is_recorded_only_after_a_step_succeeded(tmp_path):
    paths = ProjectPaths.at(tmp_path)
    state = build.BuildState.load(paths)
    state.record("extract", "old")

    def fails() -> str:
        raise RensheError("bad input", tmp_path / "data" / "sources.yaml", 3)

    step = build.Step("extract", inputs=lambda: [b"new"], outputs=lambda: [], action=fails)
    with pytest.raises(RensheError):
        build.run_step(step, state, force=False)
    assert "extract" not in build.BuildState.load(paths).fingerprints  # the old fingerprint is gone too
    ok = build.Step("extract", inputs=lambda: [b"new"], outputs=lambda: [], action=lambda: "done")
    assert build.run_step(ok, state, force=False).ran
    assert not build.run_step(ok, build.BuildState.load(paths), force=False).ran
    assert build.run_step(ok, build.BuildState.load(paths), force=True).ran
