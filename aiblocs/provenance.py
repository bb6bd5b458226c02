"""The software and hardware a result was computed on: versions and CPU, in one line or a dict.

``python -m aiblocs.provenance`` prints the line that ``make test`` shows before the tests, so a
failure report carries its environment. It also gives what every manifest records
(:func:`record`): the package version, the git commit and dirty flag, and a fingerprint of the
model's code and data. Only the standard library is imported at module level.
"""

from __future__ import annotations

import hashlib
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

VERSION = "0.2.0"
"""The package version (``aiblocs.__version__``; pyproject.toml carries the same number)."""
PACKAGES = ("numpy", "pandas", "scipy", "mesa", "pyarrow")


def cpu_model() -> str:
    """The CPU's model name (Linux ``/proc/cpuinfo``; ``platform.processor()`` elsewhere)."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith(("model name", "Model", "Hardware")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def environment() -> dict[str, str]:
    """Python, key package versions, platform and CPU model, as strings."""
    env = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            env[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            env[name] = "absent"
    env["platform"] = f"{platform.system()} {platform.machine()}"
    env["cpu"] = cpu_model()
    return env


def environment_line() -> str:
    """``environment()`` as one line, e.g. ``python 3.12.7 | numpy 2.3.1 | ... | cpu ...``."""
    return " | ".join(f"{k} {v}" for k, v in environment().items())


def _root() -> Path:
    return Path(__file__).resolve().parent


def code_fingerprint() -> str:
    """Short hash of the model's code and data (``aiblocs/model``: .py, .toml, .csv files).

    A changed mechanism, parameter default, regime preset or country table changes it, so a
    results folder written by another model version is recognised as such.
    """
    h = hashlib.sha256()
    model = _root() / "model"
    for path in sorted(model.rglob("*")):
        if path.suffix in (".py", ".toml", ".csv") and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(model)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def git_state() -> dict[str, object]:
    """Commit and dirty flag of the source checkout (None where there is no git checkout)."""
    repo = _root().parent
    if not (repo / ".git").exists():
        return {"commit": None, "dirty": None}
    try:
        commit = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--", "aiblocs"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": bool(status.stdout.strip())}


def record() -> dict[str, object]:
    """What a manifest records about the software: version, git state, code and environment."""
    return {
        "aiblocs_version": VERSION,
        "git": git_state(),
        "code_fingerprint": code_fingerprint(),
        "environment": environment(),
    }


if __name__ == "__main__":
    print(f"environment: {environment_line()}", file=sys.stdout)
