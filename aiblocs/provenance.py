"""The software and hardware a result was computed on: versions and CPU, in one line or a dict.

``python -m aiblocs.provenance`` prints the line that ``make test`` shows before the tests, so a
failure report carries its environment. Only the standard library is imported at module level.
"""

from __future__ import annotations

import platform
import sys
from importlib import metadata

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


if __name__ == "__main__":
    print(f"environment: {environment_line()}", file=sys.stdout)
