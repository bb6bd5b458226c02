"""Helpers of the bad-input tests: run the CLI expecting one error line; snapshot a folder."""

import hashlib
from pathlib import Path

from aiblocs.cli import main


def cli_error(argv: list[str], capsys) -> str:
    """Run ``aiblocs argv`` in-process; assert exit status 2 and one error line; return it."""
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("aiblocs: error:"), (code, err)
    return err[0]


def snapshot(root: Path) -> dict[str, tuple]:
    """Every file under ``root``: size, modification time and SHA-256."""
    return {
        str(p.relative_to(root)): (
            p.stat().st_size,
            p.stat().st_mtime_ns,
            hashlib.sha256(p.read_bytes()).hexdigest(),
        )
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }
