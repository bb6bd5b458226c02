"""Command line: regimes, params, run, compare, explain, levers, calibrate, sensitivity, ...

Every input is validated before any run starts; a bad input exits with status 2 and one line
naming the field and its allowed range, not a traceback.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys


def _viz(sub: argparse._SubParsersAction) -> None:
    v = sub.add_parser(
        "viz",
        help="serve the interactive dashboard (loopback by default)",
        description="Serve the dashboard (Solara) until Ctrl+C; it works offline.",
    )
    v.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to listen on (default: 127.0.0.1, this machine only); 0.0.0.0 exposes "
        "it to the network deliberately",
    )
    v.add_argument("--port", type=int, default=8765, help="TCP port, 1 to 65535 (default: 8765)")
    v.set_defaults(func=cmd_viz)


def cmd_viz(args: argparse.Namespace) -> int:
    """Serve the dashboard."""
    from aiblocs.viz.server import serve

    return serve(host=args.host, port=args.port)


def build_parser() -> argparse.ArgumentParser:
    """The ``aiblocs`` argument parser with every subcommand."""
    from aiblocs.cli import calibrate, compare, explain, info, run, sensitivity, validate
    from aiblocs.provenance import VERSION

    parser = argparse.ArgumentParser(
        prog="aiblocs",
        description=__doc__.splitlines()[0],
        epilog="`aiblocs COMMAND --help` gives every option of a command, with its default, unit "
        "and allowed range. Bad input exits with status 2 and one line naming the option.",
    )
    parser.add_argument("--version", action="version", version=f"aiblocs {VERSION}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (info, run, compare, explain, calibrate, sensitivity, validate):
        module.register(sub)
    _viz(sub)
    return parser


def _stdout_gone() -> int:
    """The reader of stdout has gone (``aiblocs params | head``): stop quietly, status 141."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # so that flushing at exit does not fail again
    return 128 + signal.SIGPIPE


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``aiblocs`` console script.

    Returns 0, 2 after one ``aiblocs: error:`` line on stderr (bad input, a folder that cannot
    be written), 130 after Ctrl+C, 141 when the reader of stdout has gone.
    """
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except BrokenPipeError:
        return _stdout_gone()
    except (ValueError, OSError) as e:  # bad input, or an --out folder that cannot be written
        text = " ".join(str(e).split())  # one line, whatever the message
        print(f"aiblocs: error: {text}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("aiblocs: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
