"""Command-line options shared by the ensemble commands.

compare, calibrate, sensitivity and discover all choose where runs execute the same way and check
memory before any run starts. The module imports nothing heavy, so parser building stays fast.
"""

from __future__ import annotations

import argparse


def add_executor_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--workers``, ``--scheduler`` and ``--dask-local``."""
    parser.add_argument("--workers", type=int, default=None,
                        help="local processes (default: cores)")  # fmt: skip
    parser.add_argument("--scheduler", default=None,
                        help="Dask scheduler address tcp://host:port")  # fmt: skip
    parser.add_argument("--dask-local", type=int, default=None, metavar="N",
                        help="start a Dask LocalCluster with N workers")  # fmt: skip


def executor_from_args(args: argparse.Namespace, n_adopters: int, degree: int = 8):
    """Validate the options, check memory, and build the executor.

    Local runs are refused when their models would not fit in memory together (every local
    worker holds one model).
    """
    from aiblocs.experiments.executors import default_workers, make_executor
    from aiblocs.model.model import check_memory

    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be a positive integer, got {args.workers}")
    if args.scheduler is None and args.dask_local is None:
        check_memory(n_adopters, degree, args.workers or default_workers())
    return make_executor(args.workers, args.scheduler, args.dask_local)
