"""Command-line pieces shared by the commands: ``--set`` values, executors, the ``--out`` folder.

The module imports nothing heavy, so building the parser stays fast.
"""

from __future__ import annotations

import argparse
from typing import Any


def parse_value(raw: str) -> Any:
    """A command-line value as int, float, bool or (otherwise) string."""
    for cast in (int, float):
        try:
            return cast(raw)
        except ValueError:
            pass
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    return raw


def parse_assignment(text: str) -> tuple[str, Any]:
    """``name=value`` -> ``(name, value)``; ValueError if there is no ``=`` or no name."""
    if "=" not in text or not text.split("=", 1)[0].strip():
        raise ValueError(f"override {text!r} must look like name=value")
    key, raw = text.split("=", 1)
    return key.strip(), parse_value(raw.strip())


def overrides(pairs: list[str], option: str = "--set") -> dict[str, Any]:
    """``--set`` assignments as a dict; a name given twice is an error."""
    out: dict[str, Any] = {}
    for text in pairs:
        key, value = parse_assignment(text)
        if key in out:
            raise ValueError(f"{option} gives '{key}' twice; give each name once")
        out[key] = value
    return out


def add_set(parser: argparse.ArgumentParser) -> None:
    """Add the repeatable ``--set NAME=VALUE`` option."""
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a parameter or regime field for every run (repeatable; "
        "see `aiblocs params` and `aiblocs regimes`)",
    )


def add_executor_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--workers``, ``--scheduler`` and ``--dask-local``."""
    parser.add_argument(
        "--workers", type=int, default=None, help="local worker processes (default: every core)"
    )
    parser.add_argument(
        "--scheduler", default=None, help="run on a Dask scheduler at this address, tcp://host:port"
    )
    parser.add_argument(
        "--dask-local",
        type=int,
        default=None,
        metavar="N",
        help="start a Dask LocalCluster with N workers",
    )


def executor_from_args(args: argparse.Namespace):
    """The executor the options ask for (validated; started lazily on first use)."""
    from aiblocs.ensemble.executors import make_executor

    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be a positive integer, got {args.workers}")
    return make_executor(args.workers, args.scheduler, args.dask_local)
