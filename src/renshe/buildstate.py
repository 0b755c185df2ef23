"""What `renshe build` remembers between runs: fingerprints of each step's inputs, the state
file, the build lock, and the recovery of a killed build's leftovers.

A step's fingerprint is the sha256 of everything it reads (files, the library's own source,
its parameters). The fingerprints of the last successful run live in
.renshe-cache/state.json; a step whose fingerprint matches and whose outputs exist is skipped.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from renshe.errors import RensheError
from renshe.paths import ProjectPaths

CACHE_DIR = ".renshe-cache"
STATE_FILE = f"{CACHE_DIR}/state.json"
LOCK_FILE = f"{CACHE_DIR}/build.lock"
# The leftovers of a killed step: outputs.atomic_directory's staging and retired folders,
# outputs.atomic_write_bytes' temporary files, batch.execute_run's page being executed.
_LEFTOVER = re.compile(r"^\.(?P<target>.+?)\.(?:staging-|old-)|^\.running-\d+-"
                       r"|^\.(?P<file>.+\.(?:csv|json|parquet|ipynb|md|html|yml))\.\w{8}$")


def sha256_of(chunks: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(len(chunk).to_bytes(8, "little"))
        digest.update(chunk)
    return digest.hexdigest()


# A staging folder's outputs are named as where they are published (renshe.publication), so
# a fingerprint taken while building equals the one taken of the published outputs.
_STAGED = re.compile(r"^\.renshe-cache/staging-\d+/(?:(clean)|site)(?=/|$)")


def published_name(relative: str) -> str:
    """`relative` (to the project root), with a staging folder's path as its published one."""
    return _STAGED.sub(lambda m: "data/clean" if m.group(1) else "site", relative)


def files_fingerprint(files: Iterable[Path], root: Path) -> list[bytes]:
    """Name and content of each file (a missing file counts, as 'absent')."""
    named = {(published_name(str(path.relative_to(root))) if path.is_relative_to(root) else str(path)): path
             for path in {Path(p) for p in files}}
    chunks = []
    for relative in sorted(named):
        path = named[relative]
        chunks.append(relative.encode())
        chunks.append(path.read_bytes() if path.is_file() else b"<absent>")
    return chunks


def visible_files(folder: Path, skip: Iterable[str] = ()) -> list[Path]:
    """Files under `folder`, without dot-named entries (staging, caches) and the `skip` subfolders."""
    skipped = [folder / name for name in skip]
    found = []
    for path in folder.rglob("*") if folder.is_dir() else ():
        relative = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts) \
                and not any(path.is_relative_to(s) for s in skipped):
            found.append(path)
    return sorted(found)


def library_files() -> list[Path]:
    package = Path(__file__).resolve().parent
    return sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def library_fingerprint() -> str:
    package = Path(__file__).resolve().parent
    return sha256_of(files_fingerprint(library_files(), package))


@dataclass
class BuildState:
    path: Path
    fingerprints: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, paths: ProjectPaths) -> "BuildState":
        path = paths.state_file
        try:
            return cls(path, json.loads(path.read_text()))
        except (FileNotFoundError, json.JSONDecodeError):
            return cls(path)

    def is_current(self, step: str, fingerprint: str) -> bool:
        return self.fingerprints.get(step) == fingerprint

    def record(self, step: str, fingerprint: str) -> None:
        self.fingerprints[step] = fingerprint
        self._save()

    def forget(self, prefix: str) -> None:
        self.fingerprints = {k: v for k, v in self.fingerprints.items() if not k.startswith(prefix)}
        self._save()

    def keys(self, prefix: str) -> list[str]:
        return [key[len(prefix):] for key in self.fingerprints if key.startswith(prefix)]

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_suffix(".tmp")
        temp.write_text(json.dumps(self.fingerprints, indent=1, sort_keys=True))
        os.replace(temp, self.path)


@dataclass
class StepReport:
    name: str
    ran: bool
    seconds: float
    detail: str = ""


@dataclass
class Step:
    name: str
    inputs: Callable[[], list[bytes]]
    outputs: Callable[[], list[Path]]
    action: Callable[[], str]


def is_due(step: Step, state: BuildState, force: bool, fingerprint: str | None = None) -> bool:
    """Whether `step` has work to do: forced, an output missing, or its inputs changed."""
    fingerprint = fingerprint or sha256_of(step.inputs())
    return force or not all(p.exists() for p in step.outputs()) or not state.is_current(step.name, fingerprint)


def run_step(step: Step, state: BuildState, force: bool) -> StepReport:
    started = time.perf_counter()
    fingerprint = sha256_of(step.inputs())
    if not is_due(step, state, force, fingerprint):
        return StepReport(step.name, False, time.perf_counter() - started, "unchanged")
    state.forget(step.name)  # killed half-way, the step must run again next time
    detail = step.action()
    state.record(step.name, fingerprint)
    return StepReport(step.name, True, time.perf_counter() - started, detail)


# --- one build at a time; what a killed build left behind ---------------------------------

@contextmanager
def build_lock(paths: ProjectPaths) -> Iterator[None]:
    """Hold .renshe-cache/build.lock for the build (the kernel drops it when the process dies)."""
    lock_path = paths.root / LOCK_FILE
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a") as handle:  # "a": the lock file is never truncated or touched
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RensheError("another `renshe build` is running in this project", lock_path) from None
        yield


def recover_interrupted_outputs(paths: ProjectPaths) -> list[str]:
    """Put back an output a killed swap had moved aside, and remove every other leftover.

    outputs.atomic_directory retires the old folder before moving the new one in; a build
    killed between the two renames leaves only `.<name>.old-<pid>`: the previous outputs,
    complete, which go back in place. Staging folders, temporary files and half-executed
    pages are incomplete by definition and are deleted. Only called under the build lock.
    """
    done = []
    folders = [paths.root / "data", paths.clean, paths.site, paths.site / "pages",
               paths.site / "pages" / "failed"]
    for folder in folders:
        for leftover in sorted(folder.iterdir()) if folder.is_dir() else ():
            match = _LEFTOVER.match(leftover.name)
            if not match:
                continue
            target = folder / (match["target"] or "")
            if match["target"] and ".old-" in leftover.name and not target.exists():
                os.replace(leftover, target)
                done.append(f"restored {target.relative_to(paths.root)}")
            elif leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
                done.append(f"removed {leftover.relative_to(paths.root)}")
            else:
                leftover.unlink(missing_ok=True)
                done.append(f"removed {leftover.relative_to(paths.root)}")
    return done
