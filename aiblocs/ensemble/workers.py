"""Worker processes die with the command that started them and leave Ctrl+C to it.

Each worker (process pool, Dask LocalCluster nanny and worker) runs :func:`init_worker`: a
daemon thread waits on a pidfd of the command's process and ends the worker the moment the
command ends, however it ends (``kill -9`` included), so no worker is left re-parented to init
holding a model in memory. Workers ignore SIGINT (and are started with it blocked,
:func:`sigint_deferred`): a Ctrl+C in the terminal reaches the whole process group, and only the
command should answer it, with one line and exit status 130.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
import time
from collections.abc import Iterator


def _wait_for_exit(pid: int) -> None:
    """Block until process ``pid`` has ended (pidfd where available, else polling)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    except (AttributeError, OSError):  # not Linux >= 5.3: poll once a second
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            except PermissionError:
                pass
            time.sleep(1.0)
    poller = select.poll()
    poller.register(fd, select.POLLIN)  # a pidfd becomes readable when its process ends
    while not poller.poll():
        pass


def watch_parent(pid: int) -> None:
    """End this process as soon as process ``pid`` ends (a daemon thread waits for it)."""

    def wait() -> None:
        _wait_for_exit(pid)
        os._exit(1)  # no clean-up: the results it was computing have no one to go to

    threading.Thread(target=wait, name="aiblocs-parent-watch", daemon=True).start()


def init_worker(pid: int) -> None:
    """Worker initializer: ignore SIGINT and exit with the command (process ``pid``)."""
    with contextlib.suppress(ValueError):  # not the main thread (a Dask worker thread)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_parent(pid)


@contextlib.contextmanager
def sigint_deferred() -> Iterator[None]:
    """Hold Ctrl+C back in this block; processes started in it keep SIGINT blocked.

    SIGINT is blocked in this thread, so worker processes started here (and the forkserver they
    come from) inherit the block and print no traceback on Ctrl+C; and this process only records
    a Ctrl+C that another thread receives, so the block is never left half done (a worker
    started but not recorded). A recorded Ctrl+C is raised as KeyboardInterrupt at its end.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    from multiprocessing import resource_tracker

    # Start the resource tracker first: starting it unblocks SIGINT in this thread when done.
    resource_tracker.ensure_running()
    caught: list[int] = []
    old_handler = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)  # a pending Ctrl+C arrives now
        signal.signal(signal.SIGINT, old_handler)
    if caught:
        raise KeyboardInterrupt
