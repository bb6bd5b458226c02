"""The command line describes itself: every command in the top-level help, every option with
its default, ``--version``."""

import argparse

import pytest

from aiblocs.cli import build_parser, main
from aiblocs.provenance import VERSION

COMMANDS = ("regimes", "params", "run", "compare", "explain", "levers", "calibrate", "sensitivity",
            "discover", "validate-policy", "viz")  # fmt: skip


def subparsers() -> dict[str, argparse.ArgumentParser]:
    (sub,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def test_top_level_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    text = capsys.readouterr().out
    assert e.value.code == 0 and set(subparsers()) == set(COMMANDS)
    for command in COMMANDS:
        assert f"\n    {command}" in text, command


def test_version(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"aiblocs {VERSION}"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_states_its_default(command):
    for action in subparsers()[command]._actions:
        if isinstance(action, argparse._HelpAction) or action.nargs == 0:
            continue  # --help and on/off flags
        text = " ".join((action.help or "").split())
        name = action.option_strings[0]
        if isinstance(action, argparse._AppendAction):
            assert "repeatable" in text, name
        elif action.required:
            assert text, name
        else:
            assert "default" in text, f"{command} {name}: {text!r}"
