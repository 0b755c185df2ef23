"""A build stopped at each step: SIGTERM stops it cleanly, `kill -9` leaves nothing running, and
either way the published outputs are all the previous build's (or, had it finished, all new).

Each build runs with a marker in its environment that every process it starts inherits (pool
workers, the validation process, kernels): after the stop, no process carrying the marker may
remain after a few seconds.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psutil
import pytest

from conftest import copy_project, edit_raw_line
from renshe.buildstate import library_fingerprint
from renshe.paths import ProjectPaths

LIBRARY = library_fingerprint()  # the library is an input of every step: edited meanwhile, all is due


def up_to_date(root: Path) -> bool:
    if library_fingerprint() != LIBRARY:
        pytest.skip("src/renshe changed while the tests ran; run them again")
    return run_cli(root, "status").stdout.startswith("up to date")

# The published files compared: the data, the checks and the site's home page.
PUBLISHED = ("data/clean/observations.csv", "data/clean/checks.csv", "site/_site/index.html")
# When to stop the build: the first line of its output that shows it is at that step (the step
# before it reported), or, for the extraction, the staging folder appearing.
STEPS = {
    "extract": None,
    "validate": "extract: ",
    "notebooks": "validate: ",
    "site": "notebooks: ",
}
MARKER = "RENSHE_KILL_TEST"
GONE_WITHIN = 10.0  # seconds the build's processes may take to end


def fingerprint(root: Path) -> tuple[str, ...]:
    return tuple(hashlib.sha256((root / name).read_bytes()).hexdigest() if (root / name).is_file() else "absent"
                 for name in PUBLISHED)


def marked_processes(marker: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(MARKER) == marker:
                found.append(process)
        except (psutil.Error, OSError):
            continue
    return found


def run_cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "renshe.cli", "--root", str(root), *args],
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("built") / "project")
    result = run_cli(root, "build")
    assert result.returncode == 0, result.stdout + result.stderr
    return root


class Build:
    """`renshe build --force` in the background, its output read line by line."""

    def __init__(self, root: Path):
        self.marker = uuid.uuid4().hex
        env = dict(os.environ, **{MARKER: self.marker})
        self.process = subprocess.Popen([sys.executable, "-m", "renshe.cli", "--root", str(root), "build", "--force"],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                        start_new_session=True)
        self.lines: list[str] = []
        self.errors: list[str] = []
        self._readers = [threading.Thread(target=self._read, args=(stream, into), daemon=True)
                         for stream, into in ((self.process.stdout, self.lines), (self.process.stderr, self.errors))]
        for reader in self._readers:
            reader.start()

    def _read(self, stream, into: list[str]) -> None:
        for line in stream:
            into.append(line)

    def wait_for(self, condition, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.process.poll() is None, "the build ended first:\n" + "".join(self.lines + self.errors)
            assert time.monotonic() < deadline, "the build never reached the step"
            time.sleep(0.02)

    def finish(self, timeout: float = 60) -> int:
        code = self.process.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout=10)
        return code


def at_step(build: Build, root: Path, step: str):
    line = STEPS[step]
    if line is None:
        return lambda: any((root / ".renshe-cache").glob("staging-*/clean")) or \
            any((root / ".renshe-cache").glob("staging-*/.clean.staging-*"))
    return lambda: any(text.startswith(line) for text in build.lines)


def no_process_left(marker: str) -> list[str]:
    deadline = time.monotonic() + GONE_WITHIN
    while time.monotonic() < deadline:
        left = marked_processes(marker)
        if not left:
            return []
        time.sleep(0.2)
    described = []
    for process in marked_processes(marker):
        try:
            described.append(f"{process.pid} {' '.join(process.cmdline())[:120]}")
        except psutil.Error:
            pass
    for process in marked_processes(marker):  # do not leave them to the next test
        try:
            process.kill()
        except psutil.Error:
            pass
    return described


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
@pytest.mark.parametrize("step", list(STEPS))
def test_a_stopped_build_leaves_no_process_and_the_previous_outputs(built, tmp_path, step, signum):
    root = Path(shutil.copytree(built, tmp_path / "project", symlinks=True))
    before = fingerprint(root)
    # a changed document: a build that published would change the data, the checks' sources and the pages
    edit_raw_line(root, "quzhou_14fyp", 164, "\t10\t", "\t12\t")
    build = Build(root)
    build.wait_for(at_step(build, root, step))
    os.kill(build.process.pid, signum)  # the build alone: its children must follow by themselves
    code = build.finish()

    assert no_process_left(build.marker) == []
    killed = fingerprint(root)
    if signum == signal.SIGTERM:
        assert code == -signal.SIGTERM or code == 128 + signal.SIGTERM, "".join(build.errors)
        stopped = [line for line in build.errors if line.startswith("renshe: stopped by SIGTERM")]
        assert len(stopped) == 1, "".join(build.errors)
        assert "left in place" in stopped[0] or "had been published" in stopped[0]
    else:
        assert code == -signal.SIGKILL

    # the next build cleans up what was left and publishes the new outputs whole
    result = run_cli(root, "build")
    assert result.returncode == 0, result.stdout + result.stderr
    after = fingerprint(root)
    assert after != before
    assert killed in (before, after)  # all of the previous outputs, or all new
    assert not list((root / ".renshe-cache").glob("staging-*"))
    assert up_to_date(root)


@pytest.mark.slow
def test_commands_alone_leave_a_consistent_published_state(built, tmp_path):
    """`renshe extract` keeps the checks and says what is due; `validate` then `site` publish the rest."""
    root = Path(shutil.copytree(built, tmp_path / "project", symlinks=True))
    paths = ProjectPaths.at(root)
    checks = (paths.clean / "checks.csv").read_bytes()
    data_docs = sorted(p.name for p in (paths.clean / "data-docs").rglob("*"))
    edit_raw_line(root, "quzhou_14fyp", 164, "\t10\t", "\t12\t")

    extracted = run_cli(root, "extract")
    assert extracted.returncode == 0, extracted.stderr
    assert (paths.clean / "checks.csv").read_bytes() == checks  # kept until validation runs
    assert sorted(p.name for p in (paths.clean / "data-docs").rglob("*")) == data_docs
    assert "now due: validate" in extracted.stdout
    status = run_cli(root, "status").stdout
    assert status.startswith("validate") and "notebooks" in status and "site" in status

    validated = run_cli(root, "validate")
    assert validated.returncode == 0, validated.stderr
    assert "now due: notebooks" in validated.stdout
    rendered = run_cli(root, "site")
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    assert "notebooks:" in rendered.stdout  # the pages that were due ran before the site
    assert up_to_date(root)
    assert run_cli(root, "build").stdout.count("(skipped") == 4  # nothing left to do
