"""Command line: regimes, params, run, compare, explain, levers, calibrate, sensitivity, ...

Every input is validated before any run starts; a bad input exits with status 2 and one line
naming the field and its allowed range, not a traceback.
"""

from __future__ import annotations

import argparse
import sys


def _viz(sub: argparse._SubParsersAction) -> None:
    v = sub.add_parser("viz", help="serve the interactive dashboard (loopback by default)")
    v.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to bind (default: 127.0.0.1); 0.0.0.0 exposes it",
    )
    v.add_argument("--port", type=int, default=8765, help="TCP port (default: 8765)")
    v.set_defaults(func=cmd_viz)


def cmd_viz(args: argparse.Namespace) -> int:
    """Serve the dashboard."""
    from aiblocs.viz.server import serve

    return serve(host=args.host, port=args.port)


def build_parser() -> argparse.ArgumentParser:
    """The ``aiblocs`` argument parser with every subcommand."""
    from aiblocs.cli import calibrate, compare, explain, info, run, sensitivity
    from aiblocs.provenance import VERSION

    parser = argparse.ArgumentParser(prog="aiblocs", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"aiblocs {VERSION}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (info, run, compare, explain, calibrate, sensitivity):
        module.register(sub)
    _viz(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``aiblocs`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, OSError) as e:  # bad input, or an --out folder that cannot be written
        print(f"aiblocs: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("aiblocs: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
