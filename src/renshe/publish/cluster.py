"""Work sent to a Dask distributed cluster: `renshe build --scheduler tcp://HOST:PORT` (or the
RENSHE_SCHEDULER environment variable) runs the per-document extraction and the notebook
grid there instead of on this machine's process pool.

Dask is an optional extra (`pip install -e .[dask]`), imported only when a scheduler is given.
Each task is one library call (`ingest.extract.read_and_extract` of a document,
`publish.batch.execute_run` of a page); what a worker needs is what the call reads: the
project folder at the same path (shared, or a copy kept in step), the `renshe` package and
the `renshe` Jupyter kernel. Pages come back to the client, which writes them.
"""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from typing import Callable, Iterator, Sequence

from renshe.errors import RensheError

SCHEDULER_ENV = "RENSHE_SCHEDULER"
CONNECT_TIMEOUT = "5s"  # a scheduler that does not answer in this time is reported unreachable
_ADDRESS = re.compile(r"(?P<protocol>tcp|tls)://(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(?P<port>\d{1,5})/?")


def check_address(address: str) -> str:
    """`address` if it is a scheduler address (tcp://HOST:PORT or tls://HOST:PORT), else a one-line error."""
    match = _ADDRESS.fullmatch(address.strip())
    if not match or not 0 < int(match["port"]) < 65536:
        raise RensheError(f"{address!r} is not a Dask scheduler address; give tcp://HOST:PORT "
                          "(as `dask scheduler` prints it, e.g. tcp://10.0.0.5:8786)")
    return address.strip()


def scheduler_address(option: str | None = None) -> str | None:
    """The scheduler to use: the option, else $RENSHE_SCHEDULER, else none (the local pool);
    an address that is not one is refused at once."""
    address = option or os.environ.get(SCHEDULER_ENV) or None
    return check_address(address) if address else None


@contextmanager
def connected(address: str) -> Iterator[object]:
    """A Dask client of the scheduler at `address`, closed afterwards."""
    try:
        from distributed import Client
    except ImportError:
        raise RensheError(f"a scheduler was given ({address}) but Dask is not installed: "
                          "pip install -e .[dask]") from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise RensheError(f"cannot reach the Dask scheduler at {address} ({reason}); start it "
                          "(`dask scheduler`) or check the address") from None
    try:
        yield client
    finally:
        client.close()


CANCEL_TIMEOUT = 5  # seconds a stopped build waits for the scheduler to drop its tasks


@contextmanager
def cancelled_on_stop(client, futures: list) -> Iterator[list]:
    """While the block runs, a SIGTERM or Ctrl-C of the command (renshe.lifecycle) cancels
    `futures` on the cluster, running ones included, and closes the client: a stopped build
    leaves no task of its own on the workers."""
    from renshe import lifecycle

    def cancel() -> None:
        try:
            client.cancel(futures, force=True, reason="the renshe command was stopped")
        finally:
            client.close(timeout=CANCEL_TIMEOUT)

    lifecycle.progress.on_stop.append(cancel)
    try:
        yield futures
    finally:
        if cancel in lifecycle.progress.on_stop:
            lifecycle.progress.on_stop.remove(cancel)


def completed(address: str, function: Callable, calls: Sequence[tuple]) -> Iterator:
    """`function(*args)` for every args of `calls` on the cluster, results as they complete."""
    from distributed import as_completed

    with connected(address) as client:
        # pure=False: two calls with equal arguments are two runs (a page re-executed), not one
        futures = [client.submit(function, *args, pure=False) for args in calls]
        with cancelled_on_stop(client, futures):
            for future in as_completed(futures, loop=client.loop):
                yield future.result()


def mapped(address: str, function: Callable, items: Sequence) -> list:
    """`function(item)` for every item on the cluster, results in the items' order (a task's
    exception is raised here, as it would be locally)."""
    with connected(address) as client:
        with cancelled_on_stop(client, client.map(function, items, pure=False)) as futures:
            return client.gather(futures)
