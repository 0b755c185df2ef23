"""Shared fixtures: a throw-away copy of the project, and the real documents (read-only)."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

from renshe.ingest.documents import load_registry, read_document  # noqa: E402
from renshe.paths import ProjectPaths  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
# What a project run needs; data/clean and rendered or cached output are left behind.
PROJECT_FOLDERS = ("data", "expectations", "notebooks", "site")
_DERIVED = shutil.ignore_patterns("_site", ".quarto", "__pycache__", ".ipynb_checkpoints", "*.pyc")


def _ignore(folder: str, names: list[str]) -> set[str]:
    ignored = set(_DERIVED(folder, names))
    if Path(folder).resolve() == (REPO_ROOT / "data").resolve():
        ignored.add("clean")
    return ignored


def copy_project(target: Path) -> Path:
    """Copy data/ (without data/clean), expectations/, notebooks/, site/ into `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FOLDERS:
        source = REPO_ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=_ignore)
        else:
            (target / name).mkdir()
    return target


@pytest.fixture
def project_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the project; RENSHE_ROOT points at it so nothing touches the real one."""
    root = copy_project(tmp_path / "project")
    monkeypatch.setenv("RENSHE_ROOT", str(root))
    return root


@pytest.fixture
def project_paths(project_copy: Path) -> ProjectPaths:
    return ProjectPaths.at(project_copy)


def replace_raw(root: Path, doc_id: str, data: bytes, update_hash: bool = True) -> Path:
    """Overwrite data/raw/<doc_id>.txt in a project copy; by default re-pin its sha256 in
    the copy's registry, so the test reaches the step after the hash check."""
    paths = ProjectPaths.at(root)
    entry = load_registry(paths).document(doc_id)
    entry.path.write_bytes(data)
    if update_hash:
        registry_text = paths.registry.read_text(encoding="utf-8")
        new_hash = hashlib.sha256(data).hexdigest()
        paths.registry.write_text(registry_text.replace(entry.sha256, new_hash), encoding="utf-8")
    return entry.path


def edit_raw_line(root: Path, doc_id: str, line: int, old: str, new: str, update_hash: bool = True) -> Path:
    """Replace `old` by `new` on one 1-based line of a raw document in a project copy."""
    path = ProjectPaths.at(root).raw / f"{doc_id}.txt"
    lines = path.read_bytes().decode("utf-8").split("\n")
    assert old in lines[line - 1], f"{old!r} not on line {line}: {lines[line - 1]!r}"
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return replace_raw(root, doc_id, "\n".join(lines).encode("utf-8"), update_hash)


def folder_state(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes ({} when the folder does not exist)."""
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def real_documents():
    """The project's own raw documents, hash-checked, by doc_id (read-only)."""
    registry = load_registry(ProjectPaths.at(REPO_ROOT))
    return {entry.doc_id: read_document(entry) for entry in registry.documents}


# A child running the real `renshe <command>`, paused at a point a test chooses: `patch` is code
# that wraps a library function so that it calls pause() (touch <marker>, then sleep) there,
# and the test kills the child at that point.
_PAUSED_CLI = """
import sys, time
from pathlib import Path
def pause():
    Path(sys.argv[1]).touch()
    time.sleep(600)
{patch}
from renshe.cli import main
sys.exit(main(["--root", sys.argv[2], "{command}"]))
"""


def paused_cli_code(command: str, patch: str) -> str:
    """Python source for `python -c CODE <marker> <root>`: `renshe <command>` paused by `patch`."""
    return _PAUSED_CLI.replace("{command}", command).replace("{patch}", patch)


# Pause points for paused_cli_code: one step of the real `renshe <command>` is wrapped so that it
# stops at a known point (touches `<marker>`, then sleeps) and the test kills it there with
# SIGKILL. The swap is outputs._exchange (one atomic rename), or os.replace where the OS has none.
_SWAP_HOOKS = """
import renshe.outputs as outputs
real_replace = outputs.os.replace
def replace(source, target):
    touches_clean = "clean" in (Path(source).name, Path(target).name)
    if touches_clean and BEFORE:
        pause()
    real_replace(source, target)
    if touches_clean and not BEFORE:
        pause()
outputs.os.replace = replace
if hasattr(outputs, "_exchange"):
    real_exchange = outputs._exchange
    def exchange(source, target):
        if BEFORE:
            pause()
        done = real_exchange(source, target)
        if done and not BEFORE:
            pause()
        return done
    outputs._exchange = exchange
"""
PAUSE_PATCHES = {
    # after observations.parquet and observations.csv are in the staging folder
    "mid-write": """
import renshe.ingest.extract as extract
real = extract.put_file
written = []
def paused(staging, name, data, previous):
    real(staging, name, data, previous)
    written.append(name)
    if len(written) == 2:
        pause()
extract.put_file = paused
""",
    # every file written; killed just before the first rename that touches data/clean
    "before swap": "BEFORE = True" + _SWAP_HOOKS,
    # killed just after it (with two renames: data/clean moved aside, the new one not yet in place)
    "mid-swap": "BEFORE = False" + _SWAP_HOOKS,
}
