"""Command-line pieces shared by the commands: ``--set`` values, executors, the ``--out`` folder.

The module imports nothing heavy, so building the parser stays fast.
"""

from __future__ import annotations

import argparse
from pathlib import Path
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


def parse_assignment(text: str, option: str = "--set") -> tuple[str, Any]:
    """``name=value`` -> ``(name, value)``; ValueError naming ``option`` if malformed."""
    if "=" not in text or not text.split("=", 1)[0].strip():
        raise ValueError(f"{option} {text!r} must look like name=value")
    key, raw = text.split("=", 1)
    return key.strip(), parse_value(raw.strip())


def overrides(pairs: list[str], option: str = "--set") -> dict[str, Any]:
    """``--set`` assignments as a dict; a name given twice is an error."""
    out: dict[str, Any] = {}
    for text in pairs:
        key, value = parse_assignment(text, option)
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
        help="override a parameter or regime field for every run, in its unit (repeatable; "
        "`aiblocs params` lists names, units and ranges; `aiblocs regimes` the regime fields)",
    )


def add_out(parser: argparse.ArgumentParser, default: str | None, what: str) -> None:
    """Add ``--out DIR`` (checked by :func:`out_folder` when the command starts)."""
    parser.add_argument(
        "--out",
        default=default,
        required=default is None,
        metavar="DIR",
        help=f"{what}" + (f" (default: {default})" if default else ""),
    )


def out_folder(args: argparse.Namespace) -> Path:
    """``args.out`` as a Path, refused (one line naming --out) if empty, ``.`` or a file."""
    from aiblocs.ensemble.folders import check_out

    args.out = check_out(args.out)
    return args.out


def add_executor_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--workers``, ``--scheduler`` and ``--dask-local``."""
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="local worker processes, 1 to 4 per core (default: every core; 1 runs in this "
        "process)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on a running Dask scheduler, tcp://host:port, checked before anything runs "
        "(default: none, the local process pool)",
    )
    parser.add_argument(
        "--dask-local",
        type=int,
        default=None,
        metavar="N",
        help="start a Dask LocalCluster with N worker processes on this machine, 1 to 4 per "
        "core (default: none, the local process pool)",
    )


def executor_from_args(args: argparse.Namespace):
    """The executor the options ask for (validated; started lazily on first use)."""
    from aiblocs.ensemble.executors import check_workers, make_executor

    if args.workers is not None:
        check_workers(args.workers, "--workers")
        if args.scheduler is not None or args.dask_local is not None:
            other = "--scheduler" if args.scheduler is not None else "--dask-local"
            raise ValueError(f"--workers sizes the local process pool; drop it or {other}")
    return make_executor(args.workers, args.scheduler, args.dask_local)
