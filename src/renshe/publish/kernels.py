"""The kernel a notebook worker runs pages on: started once, warmed once, reset between pages.

A page costs little to compute; what costs is around it: starting a kernel and importing
pandas and Altair (seconds), connecting a client and waiting for the kernel to answer, and
loading the report data. So each worker (a process of the local pool, or a thread of a Dask
worker) keeps one kernel: started with the project's environment, warmed by importing the
report (whose data the first page loads and the kernel keeps, see report.data), and for each
page reset (`%reset -f`: a page cannot depend on another page's variables) and driven through
papermill by the same client, with the engine `warm_kernel_engine` registers: papermill's own
nbclient engine, given the worker's running kernel and client instead of starting its own.
"""
from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass

KERNEL_NAME = "renshe"
ENGINE_NAME = "renshe-warm-kernel"
# The site's pages load the bundled Vega scripts from site/assets/vega/.
PAGE_ASSETS = "../assets/vega"
# Run once in a new kernel: the imports every page makes (the report's data is loaded by the
# first page, and kept: report.load_report_data). A failure here is not a page's failure: the
# page's own cells run the same code and report it where it belongs.
WARM_UP = """
try:
    from renshe.publish import report as _report
    _report.setup_charts()
except Exception:
    pass
"""
# Between pages: what `%reset -f` does (no variable of one page is left for the next), in a new
# session, so that every page counts its cells from 1 whichever pages its worker ran before.
RESET = "get_ipython().reset(new_session=True)"
# A page's cells need no input history (not writing it spares each cell a database write) and
# no output cache (`_`, `Out`): without one, the reset between pages does not run a full garbage
# collection over pandas' and Altair's objects (50 ms a page; the interpreter still collects).
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False", "--InteractiveShell.cache_size=0"]


@dataclass
class WorkerKernel:
    manager: object  # jupyter_client KernelManager
    client: object  # its AsyncKernelClient, channels started
    socket_folder: str

    def alive(self) -> bool:
        return self.manager.is_alive()

    def run_quietly(self, code: str, timeout: int = 120) -> None:
        from jupyter_core.utils import run_sync

        run_sync(self.client.execute_interactive)(code, timeout=timeout, store_history=False,
                                                  output_hook=lambda message: None)

    def shutdown(self) -> None:
        try:
            self.client.stop_channels()
            self.manager.shutdown_kernel(now=True)
        except Exception:  # noqa: BLE001 - a kernel that already died is what we are discarding
            pass
        shutil.rmtree(self.socket_folder, ignore_errors=True)


_kernels: dict[tuple, WorkerKernel] = {}
_engine_registered = False


def _key(kernel_name: str, root: str) -> tuple:
    # a Dask worker runs tasks on several threads: each thread drives its own kernel; a kernel
    # reads the outputs of one build's staging folder (its environment says which), so a later
    # build on the same cluster worker starts its own
    from renshe.paths import STAGING_ENV

    return (kernel_name, root, os.getpid(), threading.get_ident(), os.environ.get(STAGING_ENV))


def kernel_environment(root: str) -> dict[str, str]:
    """What the kernel inherits: charts point at the site's bundled scripts, and the notebook
    reads this project even when it is a temporary copy."""
    return dict(os.environ, RENSHE_CHART_ASSETS=PAGE_ASSETS, RENSHE_ROOT=root)


def worker_kernel(kernel_name: str, root: str, cwd: str) -> WorkerKernel:
    """This worker's kernel for `root`: started and warmed on first use, reset on every later one."""
    key = _key(kernel_name, root)
    kernel = _kernels.get(key)
    if kernel is not None and kernel.alive():
        kernel.run_quietly(RESET)
        return kernel
    if kernel is not None:
        discard_worker_kernel(kernel_name, root)
    for other in [k for k in _kernels if k[:4] == key[:4]]:  # an earlier build's kernel on this thread
        _kernels.pop(other).shutdown()
    from jupyter_client.manager import KernelManager
    from jupyter_core.utils import run_sync

    # ipc sockets in a private folder: no TCP port to race for between workers, and no
    # "running over TCP without encryption" warning on every kernel start
    socket_folder = tempfile.mkdtemp(prefix="renshe-kernel-")
    manager = KernelManager(kernel_name=kernel_name, transport="ipc", ip=os.path.join(socket_folder, "kernel"))
    manager.start_kernel(cwd=cwd, env=kernel_environment(root), extra_arguments=KERNEL_ARGUMENTS)
    client = _client(manager)
    client.start_channels()
    run_sync(client.wait_for_ready)(timeout=120)
    kernel = WorkerKernel(manager, client, socket_folder)
    kernel.run_quietly(WARM_UP)
    kernel.run_quietly(RESET)
    _kernels[key] = kernel
    atexit.register(kernel.shutdown)
    return kernel


IOPUB_TIMEOUT = 120  # seconds to wait for a finished cell's output


def _client(manager):
    """An asynchronous client of `manager`'s kernel (nbclient's own kind: with a blocking one its
    timeouts cannot fire, and a lost message would hang the run), whose output channel queues
    every message: a page that displays thousands of outputs faster than they are read would
    otherwise lose some, the kernel's 'idle' among them."""
    import zmq
    import zmq.asyncio
    from jupyter_client.asynchronous import AsyncKernelClient

    context = zmq.asyncio.Context()
    context.setsockopt(zmq.RCVHWM, 0)  # no high-water mark: nothing dropped
    return AsyncKernelClient(**manager.get_connection_info(session=True), parent=manager, context=context)


def discard_worker_kernel(kernel_name: str, root: str) -> None:
    kernel = _kernels.pop(_key(kernel_name, root), None)
    if kernel is not None:
        kernel.shutdown()


def warm_kernel_engine() -> str:
    """The name of the papermill engine that runs a notebook on a WorkerKernel (registered on
    first use: papermill is imported by the step that runs notebooks, not by the build)."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    global _engine_registered
    if _engine_registered:
        return ENGINE_NAME

    class WarmKernelEngine(NBClientEngine):
        """papermill's nbclient engine on a running kernel: `worker_kernel=` the WorkerKernel."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            kernel = kwargs.pop("worker_kernel")
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            # a cell that displays a large table sends its output after it finished: nbclient's 4 s
            # wait for it (iopub_timeout) failed the data quality page of a 100x corpus
            final_kwargs = merge_kwargs(kwargs, timeout=execution_timeout, startup_timeout=start_timeout,
                                        iopub_timeout=IOPUB_TIMEOUT,
                                        kernel_name=kernel_name, log=logger, log_output=log_output,
                                        stdout_file=stdout_file, stderr_file=stderr_file)
            client = PapermillNotebookClient(nb_man, km=kernel.manager, **final_kwargs)
            client.kc = kernel.client  # connected and answering: no new client, no wait for the kernel
            return client.execute()

    papermill_engines.register(ENGINE_NAME, WarmKernelEngine)
    _engine_registered = True
    return ENGINE_NAME
