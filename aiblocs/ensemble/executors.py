"""Executors: run tasks locally (in-process or a process pool) or on a Dask cluster.

Each run is a pure function of its parameters and seed, so results are bit-identical whatever
the executor or the number of workers; only the order in which runs finish differs (the
storage sorts rows on load). Dask is optional (``pip install aiblocs[dist]``) and imported
only when asked for.
"""

from __future__ import annotations

import importlib
import numbers
import os
import socket
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from typing import Any
from urllib.parse import urlsplit

from aiblocs.ensemble.workers import init_worker, sigint_deferred
from aiblocs.model.memory import check_memory

PRELOAD = "aiblocs.ensemble.tasks"  # imported once in every worker (the model and the tasks)


def _run_chunk(fn: Callable, items: list[Any], args: tuple) -> list[Any]:
    """Run ``fn`` over a chunk of items on one worker."""
    return [fn(item, *args) for item in items]


def default_workers() -> int:
    """Number of usable cores."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def max_workers() -> int:
    """Most worker processes allowed: four per usable core (CPU-bound runs gain nothing more)."""
    return 4 * default_workers()


def check_workers(n: Any, option: str = "workers") -> int:
    """``n`` as a worker count in [1, :func:`max_workers`]; ValueError naming ``option``."""
    hi = max_workers()
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 1 <= n <= hi:
        raise ValueError(
            f"{option} must be a whole number in [1, {hi}] (4 x the {default_workers()} usable "
            f"cores), got {n!r}"
        )
    return int(n)


def check_scheduler(address: Any, timeout: float = 5.0) -> str:
    """A reachable Dask scheduler address (``tcp://host:port``); ValueError naming --scheduler.

    The scheduler is contacted (TCP connect, ``timeout`` seconds) so that a wrong address fails
    in seconds, before any results folder is created.
    """
    text = address if isinstance(address, str) else ""
    url = urlsplit(text if "://" in text else f"tcp://{text}")
    try:
        port = url.port
    except ValueError:
        port = None
    if not text.strip() or url.scheme not in ("tcp", "tls") or not url.hostname or not port:
        raise ValueError(
            f"--scheduler must be a Dask scheduler address like tcp://host:8786, got {address!r}"
        )
    try:
        socket.create_connection((url.hostname, port), timeout=timeout).close()
    except OSError as e:
        reason = "timed out" if isinstance(e, TimeoutError) else (e.strerror or str(e))
        raise ValueError(
            f"--scheduler {text}: cannot reach a scheduler there ({reason}, waited up to "
            f"{timeout:g} s); start one with `dask scheduler` or use --workers"
        ) from None
    return text


def probe_scheduler(address: str, timeout: float = 5.0) -> None:
    """Check that a Dask scheduler with workers answers at ``address`` within ``timeout`` s.

    Raises ValueError naming --scheduler otherwise (a port that answers but speaks another
    protocol included), so a wrong address fails before anything runs or any folder is made.
    """
    import asyncio

    from distributed.core import rpc

    async def identity() -> dict:
        r = rpc(address, timeout=timeout, connection_args={})
        try:
            return await asyncio.wait_for(r.identity(), timeout)
        finally:
            await r.close_rpc()

    try:
        info = asyncio.run(identity())
    except Exception as e:  # a failed handshake surfaces as many exception types
        reason = " ".join(str(e).split())[:160] or type(e).__name__
        raise ValueError(
            f"--scheduler {address}: no Dask scheduler answered within {timeout:g} s ({reason})"
        ) from None
    if not isinstance(info, dict) or info.get("type") != "Scheduler":
        raise ValueError(f"--scheduler {address} answered, but is not a Dask scheduler")
    if not info.get("n_workers", 1):
        raise ValueError(
            f"--scheduler {address} has no workers; start some with `dask worker {address}`"
        )


WORKER_DIED = (
    "a worker process ended abruptly. If this runs from a script, put the script's code under "
    '`if __name__ == "__main__":` (worker processes re-import the script, and a script that '
    "starts an ensemble at import starts it again in every worker); otherwise a worker ran out "
    "of memory or was killed: finished runs are kept, rerun the same command to resume"
)


def refuse_in_worker() -> None:
    """Refuse to start an executor inside a worker that is re-importing the user's script."""
    import multiprocessing as mp

    if mp.parent_process() is not None and "__mp_main__" in sys.modules:
        raise RuntimeError(
            "aiblocs: an ensemble was started while a worker process imported the main script; "
            'put the script\'s code under `if __name__ == "__main__":`'
        )


class LocalExecutor:
    """Process pool with ``workers`` processes (``workers=1`` runs in this process)."""

    def __init__(self, workers: int | None = None) -> None:
        refuse_in_worker()
        workers = default_workers() if workers is None else check_workers(workers)
        self.workers = workers
        self.name = f"local process pool, {workers} worker(s)"
        self._pool = None  # started on first use and kept for later batches (calibration)

    def _get_pool(self):
        if self._pool is None:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            if "forkserver" in mp.get_all_start_methods():
                ctx = mp.get_context("forkserver")  # safe with threads; imports the model once
                ctx.set_forkserver_preload([PRELOAD])
            else:
                ctx = mp.get_context()
            with sigint_deferred():  # the forkserver and its workers start with SIGINT blocked
                if ctx.get_start_method() == "forkserver":
                    from multiprocessing import forkserver

                    forkserver.ensure_running()
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=ctx,
                    initializer=init_worker,  # exit with this process; leave Ctrl+C to it
                    initargs=(os.getpid(),),
                )
        return self._pool

    def check_memory(self, n_adopters: int, degree: int) -> None:
        """Refuse (ValueError) if ``workers`` models of this size would not fit in memory."""
        check_memory(n_adopters, degree, self.workers)

    def map_unordered(self, fn: Callable, items: Iterable[Any], *args: Any) -> Iterator[Any]:
        """Yield ``fn(item, *args)`` for every item, in completion order."""
        from concurrent.futures import as_completed

        items = list(items)
        if self.workers == 1 or len(items) <= 1:
            for item in items:
                yield fn(item, *args)
            return
        pool = self._get_pool()
        with sigint_deferred():  # submitting starts the worker processes
            futures = [pool.submit(fn, item, *args) for item in items]
        try:
            for fut in as_completed(futures):
                yield fut.result()
        except BrokenProcessPool as e:
            raise RuntimeError(WORKER_DIED) from e
        finally:
            for fut in futures:
                fut.cancel()

    def close(self, kill: bool = False) -> None:
        """Shut the worker processes down (a later call starts new ones).

        ``kill`` ends runs in progress at once (after an error or Ctrl+C) instead of waiting.
        """
        if self._pool is not None:
            if kill:
                for proc in list((getattr(self._pool, "_processes", None) or {}).values()):
                    proc.terminate()
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close(kill=exc_type is not None)

    def __del__(self) -> None:
        self.close()


class DaskExecutor:
    """Dask distributed: an existing scheduler (``tcp://host:port``) or a new LocalCluster."""

    def __init__(self, scheduler: str | None = None, local_workers: int | None = None) -> None:
        if (scheduler is None) == (local_workers is None):
            raise ValueError("give exactly one of a scheduler address or a LocalCluster size")
        if local_workers is not None:
            local_workers = check_workers(local_workers, "--dask-local")
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ValueError(
                "Dask execution needs the optional extra: pip install 'aiblocs[dist]'"
            ) from None
        self._client = self._cluster = None
        self._preloaded = False
        if scheduler is not None:
            scheduler = check_scheduler(scheduler)
            probe_scheduler(scheduler)
        self.scheduler, self.local_workers = scheduler, local_workers
        self.name = (
            f"Dask scheduler {scheduler}"
            if scheduler
            else f"Dask LocalCluster, {local_workers} worker(s)"
        )

    def _get_client(self):
        from distributed import Client

        if self._client is None:
            if self.scheduler:
                self._client = Client(self.scheduler, timeout=30)
            else:
                self._client = self._start_local_cluster()
        if not self._preloaded:
            # import the model on every worker once, as the process pool's forkserver preload does
            self._client.run(importlib.import_module, PRELOAD)
            self._preloaded = True
        return self._client

    def _start_local_cluster(self):
        import dask
        from distributed import Client, LocalCluster

        # The workers' statistical profiler samples every thread every 10 ms, the event loop
        # ticks every 20 ms (each wake-up takes the GIL from the model run), and Dask's
        # MALLOC_TRIM_THRESHOLD_ (64 KiB) hands freed adopter arrays back to the OS so that each
        # step page-faults them in again: all cost CPU-bound model runs.
        dask.config.set(
            {
                "distributed.worker.profile.enabled": False,
                "distributed.admin.tick.interval": "1s",
                "distributed.admin.system-monitor.interval": "5s",
                "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": 2**27,
            }
        )
        with sigint_deferred():  # the worker processes start with SIGINT blocked
            self._cluster = LocalCluster(
                n_workers=self.local_workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",  # loopback only; every port picked free by the OS: the
                scheduler_port=0,  # scheduler's HTTP server would otherwise take the fixed
                dashboard_address="127.0.0.1:0",  # port 8787
            )
            client = Client(self._cluster)
            # the workers end with this process (which holds their nannies), however it ends
            client.run(init_worker, os.getpid())
        return client

    def check_memory(self, n_adopters: int, degree: int) -> None:
        """A LocalCluster holds one model per worker here; a remote cluster checks its own."""
        if self.local_workers is not None:
            check_memory(n_adopters, degree, self.local_workers)

    def map_unordered(self, fn: Callable, items: Iterable[Any], *args: Any) -> Iterator[Any]:
        """Yield ``fn(item, *args)`` for every item, in completion order.

        Items go out in chunks (about eight per worker in all) so that the scheduler, which
        shares the cores with the workers on a LocalCluster, handles few messages.
        """
        from distributed import as_completed

        client = self._get_client()
        items = list(items)
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        size = max(1, len(items) // (8 * workers))
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        futures = [client.submit(_run_chunk, fn, c, args, pure=False) for c in chunks]
        for fut in as_completed(futures):
            yield from fut.result()
            fut.release()

    def close(self) -> None:
        """Close the client and any LocalCluster this executor started."""
        if self._client is not None:
            self._client.close()
            self._client = None
            self._preloaded = False
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_executor(
    workers: int | None = None, scheduler: str | None = None, dask_local: int | None = None
) -> LocalExecutor | DaskExecutor:
    """The executor the options ask for (local process pool by default)."""
    if scheduler is not None and dask_local is not None:
        raise ValueError("use either --scheduler or --dask-local, not both")
    if scheduler is not None or dask_local is not None:
        return DaskExecutor(scheduler=scheduler, local_workers=dask_local)
    return LocalExecutor(workers)
