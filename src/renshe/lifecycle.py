"""The processes a build starts, and how they end with it.

- Every process the build starts (extraction workers, the validation process, notebook workers
  and their kernels) watches its parent: the build sets RENSHE_WATCH_PARENT in its environment,
  every process that imports `renshe` with it set (and every process forked from one) runs a
  thread that ends the process when its parent is gone. A `kill -9` of the build so leaves no
  worker or kernel running for more than about a second per level (build -> worker -> kernel).
- SIGTERM and SIGINT of a command that publishes (`interruptible`) stop every descendant
  process (terminate, then kill after a grace period), print one line saying what was left in
  place, and exit 143 / 130. Leftover staging folders are removed by the next command.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator

WATCH_ENV = "RENSHE_WATCH_PARENT"
POLL_SECONDS = 0.5
_watching = False


def _watch(parent: int) -> None:
    while True:
        time.sleep(POLL_SECONDS)
        if os.getppid() != parent:  # re-parented: the process that started this one is gone
            os._exit(1)


def start_watchdog() -> None:
    """End this process when the process that started it dies (a daemon thread)."""
    global _watching
    parent = os.getppid()
    if parent <= 1:  # already orphaned: the parent died before this process got here
        os._exit(1)
    threading.Thread(target=_watch, args=(parent,), name="renshe-parent-watch", daemon=True).start()
    _watching = True


def watch_parent_if_asked() -> None:
    """Called when `renshe` is imported: a process of a build watches its parent."""
    if os.environ.get(WATCH_ENV) and not _watching:
        start_watchdog()


def _after_fork_in_child() -> None:
    global _watching
    _watching = False  # threads do not survive a fork
    try:  # a forked worker is stopped by its build, it does not stop others
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    except ValueError:  # forked from another thread than the main one
        pass
    if os.environ.get(WATCH_ENV):
        start_watchdog()


os.register_at_fork(after_in_child=_after_fork_in_child)


def descendants() -> list:
    """Every process this one started, and theirs (psutil.Process objects)."""
    import psutil

    try:
        return psutil.Process().children(recursive=True)
    except psutil.Error:
        return []


def stop_descendants(grace: float = 3.0) -> int:
    """Terminate every descendant process, kill those still alive after `grace` seconds;
    the number of processes stopped."""
    import psutil

    children = descendants()
    for child in children:
        try:
            child.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(children, timeout=grace)
    for child in alive:
        try:
            child.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=grace)
    return len(children)


class Progress:
    """What the command is doing, for the line printed when it is stopped."""

    step = "starting"
    published = False  # True once the new outputs were swapped in
    committing = False  # the swap is under way: a stop waits for its end
    pending: int | None = None  # a signal that came during the swap
    on_stop: list[Callable[[], None]] = []


progress = Progress()


def set_step(name: str) -> None:
    progress.step = name


@contextmanager
def children_watch_parent() -> Iterator[None]:
    """Processes started inside this block (and their children) end when their parent dies."""
    before = os.environ.get(WATCH_ENV)
    os.environ[WATCH_ENV] = "1"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(WATCH_ENV, None)
        else:
            os.environ[WATCH_ENV] = before


def _stopped(signum: int, frame) -> None:
    if progress.committing:
        progress.pending = signum
        return
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    name = signal.Signals(signum).name
    count = stop_descendants()
    for action in progress.on_stop:
        try:
            action()
        except Exception:  # noqa: BLE001 - stopping must not fail; the next command cleans up
            pass
    left = ("the new outputs had been published" if progress.published
            else "the previously published data and site are left in place, nothing of this run was published")
    print(f"renshe: stopped by {name} during {progress.step}: {count} process(es) it started were stopped; {left}",
          file=sys.stderr, flush=True)
    os._exit(128 + signum)


@contextmanager
def interruptible() -> Iterator[Progress]:
    """SIGTERM and SIGINT stop the command cleanly (see the module); outside the main thread, a no-op."""
    if threading.current_thread() is not threading.main_thread():
        yield progress
        return
    previous = {s: signal.signal(s, _stopped) for s in (signal.SIGTERM, signal.SIGINT)}
    progress.step, progress.published, progress.on_stop = "starting", False, []
    progress.committing, progress.pending = False, None
    try:
        with children_watch_parent():
            yield progress
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """SIGTERM and SIGINT wait until the block ends (the swap that publishes is not cut in two)."""
    progress.committing = True
    try:
        yield
    finally:
        progress.committing = False
        if progress.pending is not None:
            _stopped(progress.pending, None)
