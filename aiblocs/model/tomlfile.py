"""Read a TOML input file; every failure is one ValueError naming the option and the file.

Regime files, calibration targets and spaces, sensitivity ranges and experiment specs are all
read here, so a missing file, a folder, binary content, invalid TOML or a key given twice reads
the same way whichever input it is.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

MAX_BYTES = 10 * 2**20  # an input file larger than 10 MiB is not a hand-written TOML file


def read_toml(path: str | Path, what: str) -> dict[str, Any]:
    """The table of a TOML file.

    Args:
        path: the file.
        what: how the user gave it, for messages (``--space``, ``regime file``).

    Raises:
        ValueError: ``"{what} {path}: ..."`` if it is missing, not a file, too large, not UTF-8
            text or not valid TOML (a key given twice included).
    """
    path = Path(path)
    where = f"{what} {path}"
    try:
        if not path.exists():
            raise ValueError(f"{where} does not exist")
        if not path.is_file():
            raise ValueError(f"{where} is not a file")
        if path.stat().st_size > MAX_BYTES:
            raise ValueError(f"{where} is larger than {MAX_BYTES // 2**20} MiB; not a TOML input")
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(
            f"{where} is not UTF-8 text (byte {e.start}); expected a TOML file"
        ) from None
    except OSError as e:
        raise ValueError(f"{where} cannot be read: {e.strerror or e}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        hint = " (a key given twice?)" if "overwrite" in str(e) else ""
        raise ValueError(f"{where} is not valid TOML: {e}{hint}") from None
