"""Executors: run tasks locally (in-process or a process pool) or on a Dask cluster.

Each run is a pure function of its parameters and seed, so results are bit-identical whatever
the executor or the number of workers; only the order in which runs finish differs (the
storage sorts rows on load). Dask is optional (``pip install aiblocs[dist]``) and imported
only when asked for.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

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


class LocalExecutor:
    """Process pool with ``workers`` processes (``workers=1`` runs in this process)."""

    def __init__(self, workers: int | None = None) -> None:
        workers = default_workers() if workers is None else workers
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be a positive integer, got {workers!r}")
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
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
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
        futures = [self._get_pool().submit(fn, item, *args) for item in items]
        try:
            for fut in as_completed(futures):
                yield fut.result()
        finally:
            for fut in futures:
                fut.cancel()

    def close(self) -> None:
        """Shut the worker processes down (a later call starts new ones)."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


class DaskExecutor:
    """Dask distributed: an existing scheduler (``tcp://host:port``) or a new LocalCluster."""

    def __init__(self, scheduler: str | None = None, local_workers: int | None = None) -> None:
        if (scheduler is None) == (local_workers is None):
            raise ValueError("give exactly one of a scheduler address or a LocalCluster size")
        if local_workers is not None and (not isinstance(local_workers, int) or local_workers < 1):
            raise ValueError(f"--dask-local must be a positive integer, got {local_workers!r}")
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise ValueError(
                "Dask execution needs the optional extra: pip install 'aiblocs[dist]'"
            ) from None
        self.scheduler, self.local_workers = scheduler, local_workers
        self._client = self._cluster = None
        self.name = (
            f"Dask scheduler {scheduler}"
            if scheduler
            else f"Dask LocalCluster, {local_workers} worker(s)"
        )

    def _get_client(self):
        if self._client is None:
            from distributed import Client, LocalCluster

            if self.scheduler:
                self._client = Client(self.scheduler)
            else:
                import dask

                # The workers' statistical profiler samples every thread every 10 ms, the event
                # loop ticks every 20 ms (each wake-up takes the GIL from the model run), and
                # Dask's MALLOC_TRIM_THRESHOLD_ (64 KiB) hands freed adopter arrays back to the OS
                # so that each step page-faults them in again: all cost CPU-bound model runs.
                dask.config.set(
                    {
                        "distributed.worker.profile.enabled": False,
                        "distributed.admin.tick.interval": "1s",
                        "distributed.admin.system-monitor.interval": "5s",
                        "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": 2**27,
                    }
                )
                self._cluster = LocalCluster(
                    n_workers=self.local_workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",  # loopback only; every port picked free by the OS:
                    scheduler_port=0,  # the scheduler's HTTP server would otherwise take
                    dashboard_address="127.0.0.1:0",  # the fixed port 8787
                )
                self._client = Client(self._cluster)
            # import the model on every worker once, as the process pool's forkserver preload does
            self._client.run(importlib.import_module, PRELOAD)
        return self._client

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
