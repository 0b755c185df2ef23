"""Reliability of `renshe extract` (issue 6): bad input fails with file and line and leaves
the previous outputs exactly as they were; two runs give byte-identical files; a run killed
part-way leaves the previous outputs intact and the next run completes.

Every case runs on a copy of a project that already holds a good data/clean (extracted once
per module), so "no partial output" is checked against real previous outputs.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import PAUSE_PATCHES, copy_project, edit_raw_line, folder_state, paused_cli_code, replace_raw
from renshe import cli
from renshe.paths import ProjectPaths

DATA_FILES = ("observations.csv", "observations.parquet", "unparsed.csv", "unmapped.csv", "extract_summary.csv")


def run_cli(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "renshe.cli", "--root", str(root), *args],
                          capture_output=True, text=True, timeout=600, env=env)


def file_hashes(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in folder_state(folder).items()}


def leftovers(paths: ProjectPaths) -> list[str]:
    """Staging or retired copies of data/clean (atomic_directory's .clean.staging-*, .clean.old-*) and
    a command's staging folder (renshe.publication)."""
    return sorted([p.name for p in paths.clean.parent.glob(".clean.*")]
                  + [p.name for p in (paths.root / ".renshe-cache").glob("staging-*")])


@pytest.fixture(scope="module")
def extracted_template(tmp_path_factory) -> Path:
    """A project copy with a good data/clean, made once; tests copy it."""
    root = copy_project(tmp_path_factory.mktemp("template") / "project")
    result = run_cli(root, "extract")
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def previous(extracted_template, tmp_path, monkeypatch) -> ProjectPaths:
    """A private copy of the extracted project: data/clean holds the previous good run."""
    root = tmp_path / "project"
    shutil.copytree(extracted_template, root)
    monkeypatch.setenv("RENSHE_ROOT", str(root))
    paths = ProjectPaths.at(root)
    assert len(pd.read_parquet(paths.clean / "observations.parquet")) > 270
    return paths


# --- bad input: file and line, nothing written ---------------------------------------------

def _delete_raw_line(root: Path, doc_id: str, line: int, expected: str) -> Path:
    path = ProjectPaths.at(root).raw / f"{doc_id}.txt"
    lines = path.read_bytes().decode("utf-8").split("\n")
    assert lines[line - 1] == expected, lines[line - 1]
    del lines[line - 1]
    return replace_raw(root, doc_id, "\n".join(lines).encode("utf-8"))


def _gbk_document(root: Path) -> tuple[Path, int]:
    # the whole file saved as GBK (hash re-pinned, so the decoding is what fails); lines 1-2
    # are blank, line 3 "# 衢州市…" is the first with Chinese characters
    path = ProjectPaths.at(root).raw / "quzhou_14fyp.txt"
    replace_raw(root, "quzhou_14fyp", path.read_bytes().decode("utf-8").encode("gbk"))
    return path, 3


def _empty_document(root: Path) -> tuple[Path, int]:
    return replace_raw(root, "zhejiang_2023_bulletin", b""), 1


def _blank_document(root: Path) -> tuple[Path, int]:
    return replace_raw(root, "zhejiang_2023_bulletin", b"\n\n  \n\t\n"), 1


def _quzhou_header_without_attribute(root: Path) -> tuple[Path, int]:
    # 表2's header "指标  2020年基数  2025年目标  属性" printed without its last column
    return edit_raw_line(root, "quzhou_14fyp", 151, "\t属性", ""), 151


def _zhuanlan_header_without_attribute(root: Path) -> tuple[Path, int]:
    # 专栏2's header is one cell per line (lines 143-148); the 属性 cell is dropped, the rows keep 4 cells
    return _delete_raw_line(root, "zhejiang_14fyp", 148, "\t属  性"), 143


def _registry_line(paths: ProjectPaths, needle: str, occurrence: int = 1) -> int:
    hits = [n for n, line in enumerate(paths.registry.read_text(encoding="utf-8").splitlines(), start=1)
            if needle in line]
    return hits[occurrence - 1]


def _duplicated_registry_id(root: Path) -> tuple[Path, int]:
    paths = ProjectPaths.at(root)
    text = paths.registry.read_text(encoding="utf-8")
    paths.registry.write_text(text.replace("doc_id: quzhou_14fyp", "doc_id: zhejiang_14fyp"), encoding="utf-8")
    return paths.registry, _registry_line(paths, "doc_id: zhejiang_14fyp", occurrence=2)


def _registry_entry_outside_raw(root: Path) -> tuple[Path, int]:
    paths = ProjectPaths.at(root)
    text = paths.registry.read_text(encoding="utf-8")
    paths.registry.write_text(text.replace("file: data/raw/national_2023q1_briefing.txt",
                                           "file: ../../etc/passwd"), encoding="utf-8")
    return paths.registry, _registry_line(paths, "file: ../../etc/passwd")


BAD_INPUTS = {
    "document in GBK": (_gbk_document, "not UTF-8"),
    "empty document": (_empty_document, "document zhejiang_2023_bulletin is empty"),
    "document of blank lines": (_blank_document, "document zhejiang_2023_bulletin is empty"),
    "duplicated registry id": (_duplicated_registry_id, "duplicated doc_id 'zhejiang_14fyp' (first registered at line"),
    "registry entry outside data/raw": (_registry_entry_outside_raw,
                                        "file '../../etc/passwd' is outside data/raw/"),
}


def assert_bad_input_reported(previous: ProjectPaths, case: str, capsys) -> None:
    """`renshe extract` on the bad input exits 2 naming file and line, and data/clean stays as it was."""
    make_bad, message = BAD_INPUTS[case]
    before = folder_state(previous.clean)
    path, line = make_bad(previous.root)
    assert cli.main(["--root", str(previous.root), "extract"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(f"renshe: error: {path}:{line}: "), error
    assert message in error
    assert folder_state(previous.clean) == before
    assert leftovers(previous) == []


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_names_file_and_line_and_keeps_previous_outputs(previous, case, capsys):
    assert_bad_input_reported(previous, case, capsys)


# --- bad content: reported, set aside, the outputs written -----------------------------------

BAD_TABLES = {
    "table header lost a column (tab rows)": (_quzhou_header_without_attribute, "quzhou_14fyp", "table2",
                                              "table at line 151: the header has 3 cells, its rows 4"),
    "table header lost a column (one cell per line)": (_zhuanlan_header_without_attribute, "zhejiang_14fyp",
                                                       "zhuanlan2", "table at line 143: the header has 3 cells, its rows 4"),
}


@pytest.mark.parametrize("case", list(BAD_TABLES))
def test_a_table_that_cannot_be_read_is_reported_not_a_stop(previous, case, capsys):
    """A document's content never stops the extraction: the table is reported as not read (a
    warning, exit 1 only with --strict), every figure in it set aside with the reason."""
    make_bad, doc_id, table_id, message = BAD_TABLES[case]
    make_bad(previous.root)
    assert cli.main(["--root", str(previous.root), "extract"]) == 0
    captured = capsys.readouterr()
    assert f"warning: {doc_id}: 1 table(s) not read" in captured.err and message in captured.err
    unparsed = pd.read_csv(previous.clean / "unparsed.csv", dtype=str, keep_default_na=False)
    aside = unparsed[(unparsed.doc_id == doc_id) & (unparsed.table_id == table_id)]
    assert len(aside) > 10 and set(aside.reason) == {f"table not read: {message}"}
    observations = pd.read_parquet(previous.clean / "observations.parquet")
    assert not len(observations[(observations.doc_id == doc_id) & (observations.table_id == table_id)])
    assert set(observations.doc_id) >= {"zhejiang_2023_bulletin", "quzhou_14fyp", "zhejiang_14fyp"}
    assert cli.main(["--root", str(previous.root), "extract", "--strict"]) == 1


@pytest.mark.parametrize("case", ["document in GBK", "duplicated registry id"])
def test_bad_input_without_previous_outputs_writes_nothing(project_copy, case, capsys):
    paths = ProjectPaths.at(project_copy)
    make_bad, message = BAD_INPUTS[case]
    path, line = make_bad(project_copy)
    assert cli.main(["--root", str(project_copy), "extract"]) == 2
    assert f"{path}:{line}: " in capsys.readouterr().err
    assert not paths.clean.exists()
    assert leftovers(paths) == []


def test_gbk_message_says_how_to_fix(previous, capsys):
    _gbk_document(previous.root)
    cli.main(["--root", str(previous.root), "extract"])
    assert "iconv -f GBK -t UTF-8" in capsys.readouterr().err


def test_registry_outside_raw_by_absolute_path_and_symlink(previous):
    """An absolute path, and a link inside data/raw/ that points out of it, are refused too."""
    from renshe.ingest.documents import load_registry
    from renshe.errors import RensheError

    text = previous.registry.read_text(encoding="utf-8")
    previous.registry.write_text(text.replace("file: data/raw/national_2023q1_briefing.txt",
                                              "file: /etc/hostname"), encoding="utf-8")
    with pytest.raises(RensheError, match="outside data/raw/") as caught:
        load_registry(previous)
    assert caught.value.line == _registry_line(previous, "file: /etc/hostname")
    (previous.raw / "link.txt").symlink_to("/etc/hostname")
    previous.registry.write_text(text.replace("file: data/raw/national_2023q1_briefing.txt",
                                              "file: data/raw/link.txt"), encoding="utf-8")
    with pytest.raises(RensheError, match="outside data/raw/"):
        load_registry(previous)


# --- determinism ------------------------------------------------------------------------------

def test_two_runs_give_byte_identical_files(extracted_template, tmp_path):
    """Two fresh copies, extracted by separate processes with different hash seeds."""
    hashes = []
    for seed in ("1", "2"):
        root = copy_project(tmp_path / f"run-{seed}")
        result = run_cli(root, "extract", env=dict(os.environ, PYTHONHASHSEED=seed))
        assert result.returncode == 0, result.stderr
        hashes.append(file_hashes(ProjectPaths.at(root).clean))
    first, second = hashes
    assert set(DATA_FILES) <= set(first)
    assert len([name for name in first if name.startswith("tables")]) == 8
    assert first == second
    # and the same bytes as the module's earlier run in yet another folder
    assert file_hashes(ProjectPaths.at(extracted_template).clean) == first


def test_the_process_pool_writes_the_same_bytes(extracted_template, tmp_path, monkeypatch):
    """A large corpus is extracted on a process pool; forced on here for the five documents,
    it must give the serial run's files byte for byte."""
    from renshe.ingest import extract

    monkeypatch.setattr(extract, "PARALLEL_MIN_BYTES", 0)
    root = copy_project(tmp_path / "pooled")
    output = extract.run_extract(ProjectPaths.at(root))
    assert len(output.results) == 5 and len(output.observations) > 500
    assert file_hashes(ProjectPaths.at(root).clean) == file_hashes(ProjectPaths.at(extracted_template).clean)


@pytest.mark.parametrize("case", ["document in GBK", "empty document", "document of blank lines"])
def test_bad_input_found_by_a_pool_worker_names_file_and_line(previous, case, monkeypatch, capsys):
    """The error crosses the process boundary with its file and line."""
    from renshe.ingest import extract

    monkeypatch.setattr(extract, "PARALLEL_MIN_BYTES", 0)
    assert_bad_input_reported(previous, case, capsys)


# --- killed part-way ----------------------------------------------------------------------------




def _start_paused_extract(root: Path, marker: Path, where: str) -> subprocess.Popen:
    code = paused_cli_code("extract", PAUSE_PATCHES[where])
    return subprocess.Popen([sys.executable, "-c", code, str(marker), str(root)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for(condition, process: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            raise AssertionError(f"extract ended before the pause point: {process.stderr.read().decode()}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("extract never reached the pause point")
        time.sleep(0.01)


@pytest.mark.parametrize("where", ["mid-write", "before swap", "mid-swap"])
def test_killed_extract_keeps_previous_outputs_and_next_run_completes(previous, tmp_path, where):
    before = file_hashes(previous.clean)
    # a changed document, so a completed run would change data/clean
    edit_raw_line(previous.root, "shaoxing_2023_action_plan", 161, "95000", "96000")
    marker = tmp_path / "paused"
    process = _start_paused_extract(previous.root, marker, where)
    # the command works in its staging folder (renshe.publication), its extraction in a folder beside clean/ there
    staged = ".renshe-cache/staging-*/.clean.staging-*"
    _wait_for(lambda: marker.exists() and any(previous.root.glob(staged)), process)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=60) == -signal.SIGKILL
    killed = file_hashes(previous.clean)
    staging = list(previous.root.glob(staged))
    assert staging and any(staging[0].iterdir())  # the killed run had written into its staging folder

    result = run_cli(previous.root, "extract")
    assert result.returncode == 0, result.stderr
    after = file_hashes(previous.clean)
    assert set(after) == set(before) and after != before
    # killed before the publication's swap (each of these points is): the previous outputs, intact
    assert killed == before
    frame = pd.read_parquet(previous.clean / "observations.parquet")
    total = frame[(frame.table_id == "districts") & (frame.region == "绍兴市")
                  & (frame.indicator_zh == "城镇新增就业人数省标")]
    assert total.value.tolist() == [96000.0]
    # the stale staging folder is hidden (dot-named) and never read: harmless for readers
    assert not any(p.name.startswith(".clean") for p in previous.clean.rglob("*"))


def test_next_run_removes_staging_folders_of_killed_runs(previous, tmp_path):
    marker = tmp_path / "paused"
    process = _start_paused_extract(previous.root, marker, "before swap")
    _wait_for(marker.exists, process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    assert run_cli(previous.root, "extract").returncode == 0
    assert leftovers(previous) == []


def test_rules_file_that_is_not_yaml_names_the_line_and_keeps_previous_checks(previous):
    """A rules file broken mid-edit: `renshe validate` names the file and line and the last
    good checks.csv (and everything else in data/clean) stays as it was."""
    assert run_cli(previous.root, "validate").returncode == 0
    before = file_hashes(previous.clean)
    rules = previous.root / "expectations" / "rules.yaml"
    lines = rules.read_text(encoding="utf-8").splitlines()
    broken_line = len(lines) + 1
    rules.write_text("\n".join(lines) + "\n  - id: [unclosed\n", encoding="utf-8")
    result = run_cli(previous.root, "validate")
    assert result.returncode == 2
    assert f"{rules}:{broken_line}" in result.stderr and "not valid YAML" in result.stderr
    assert file_hashes(previous.clean) == before
