"""Inputs refused with one line each (what is wrong, what to do), no traceback, nothing changed."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import copy_project
from renshe.errors import RensheError
from renshe.yamlfiles import load_yaml


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "renshe.cli", *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd)


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.mark.parametrize("args, expected", [
    (["build", "--jobs", "0"], "0 is below 1"),
    (["build", "--jobs", "-3"], "-3 is below 1"),
    (["build", "--scheduler", "nonsense"], "'nonsense' is not a Dask scheduler address; give tcp://HOST:PORT"),
    (["build", "--scheduler", "tcp://host"], "is not a Dask scheduler address"),
    (["--root", "/nonexistent", "build"], "--root /nonexistent: no such folder"),
])
def test_nonsensical_options_are_one_line(tmp_path, args, expected):
    result = run(tmp_path, *args)
    assert result.returncode == 2
    assert expected in one_line(result)


def test_outside_a_project_is_one_line(tmp_path):
    result = run(tmp_path, "status")
    assert result.returncode == 2
    assert "not inside a renshe project" in one_line(result)
    assert "Traceback" in run(tmp_path, "--debug", "status").stderr  # --debug shows it


def test_a_key_given_twice_in_a_registry_entry_names_both_lines(tmp_path):
    root = copy_project(tmp_path / "project")
    registry = root / "data" / "sources.yaml"
    lines = registry.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if line.strip().startswith("- doc_id:"))
    indent = lines[first].index("doc_id")
    lines.insert(first + 1, " " * indent + "doc_id: renamed_by_mistake")
    registry.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(root, "extract")
    assert result.returncode == 2
    line = one_line(result)
    assert f"{registry}:{first + 2}: key 'doc_id' given twice: at {registry}:{first + 1}" in line
    assert not (root / "data" / "clean" / "observations.csv").exists()  # nothing written


@pytest.mark.parametrize("text, lines", [
    ("a: 1\nb: 2\na: 3\n", (1, 3)),
    ("items:\n  - id: x\n    unit: 人\n    unit: 万人\n", (3, 4)),
])
def test_duplicate_keys_in_any_yaml_file(tmp_path, text, lines):
    path = tmp_path / "any.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RensheError) as error:
        load_yaml(path)
    assert error.value.line == lines[1] and f"{path}:{lines[0]}" in str(error.value)


def test_merge_keys_are_not_duplicates(tmp_path):
    path = tmp_path / "merge.yaml"
    path.write_text("base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\n", encoding="utf-8")
    assert load_yaml(path)[0]["use"] == {"x": 1, "y": 2}
