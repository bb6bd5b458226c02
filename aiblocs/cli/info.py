"""``aiblocs regimes`` and ``aiblocs params``: what a run can be given."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``regimes`` and ``params`` subcommands."""
    sub.add_parser(
        "regimes", help="list regime presets and the regime fields --set accepts"
    ).set_defaults(func=cmd_regimes)
    sub.add_parser(
        "params", help="list parameters: default, unit, range, meaning, source"
    ).set_defaults(func=cmd_params)


def cmd_regimes(_: argparse.Namespace) -> int:
    """List regime presets, then the regime fields a run may override."""
    from aiblocs.model.regimes import REGIME_FIELDS, get_regime, preset_names

    for name in preset_names():
        print(f"{name:26s} {get_regime(name).description}")
    print("\nregime fields (--set NAME=VALUE):")
    for name, (kind, doc) in REGIME_FIELDS.items():
        print(f"  {name:24s} {kind:8s} {doc}")
    return 0


def cmd_params(_: argparse.Namespace) -> int:
    """List parameters with default, unit, range, meaning and source."""
    from aiblocs.model.params import param_table

    for row in param_table():
        rng = "" if row["lo"] is None else f"[{row['lo']}, {row['hi']}]"
        print(
            f"{row['name']:26s} {row['default']!s:>10} {row['unit']:16s} {rng:18s} "
            f"{row['doc']} [{row['source']}]"
        )
    return 0
