"""Serve the dashboard with ``solara run`` in a child process, offline and without telemetry.

``--production`` skips Solara's version check request; the front-end assets come from the
offline cache filled at install (``scripts/fetch_solara_assets.py``). Kernels of closed tabs
are culled after ``SOLARA_KERNEL_CULL_TIMEOUT``, which also stops a model left playing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).with_name("app.py")
CULL_TIMEOUT = "60s"


def solara_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for the Solara server: telemetry off, short kernel cull timeout."""
    env = dict(os.environ if base is None else base)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    env.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", CULL_TIMEOUT)
    env.setdefault("MPLBACKEND", "Agg")
    return env


def solara_command(host: str, port: int) -> list[str]:
    """The ``solara run`` command line for the dashboard app."""
    return [sys.executable, "-m", "solara", "run", str(APP), "--host", host, "--port", str(port),
            "--no-open", "--no-check-version", "--production"]  # fmt: skip


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(host: str = "127.0.0.1", port: int = 8765) -> int:
    """Run the dashboard until interrupted; return the server's exit code.

    Args:
        host: interface to bind; loopback by default, ``0.0.0.0`` exposes it on the network.
        port: TCP port.
    """
    if not 0 < int(port) < 65536:
        raise ValueError(f"port {port!r} must be in [1, 65535]")
    try:
        import solara  # noqa: F401
    except ImportError:
        raise ValueError("the dashboard needs the viz extra: pip install 'aiblocs[viz]'") from None
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    print(f"aiblocs dashboard: http://{shown}:{port}/  (Ctrl+C to stop)", flush=True)
    if host in ("127.0.0.1", "localhost", "::1"):
        print("listening on loopback only; to expose it deliberately use --host 0.0.0.0",
              flush=True)  # fmt: skip
    else:
        print(f"WARNING: listening on {host}; anyone who can reach this port can use it",
              flush=True)  # fmt: skip
    proc = subprocess.Popen(solara_command(host, int(port)), env=solara_env())
    with contextlib.suppress(ValueError):  # ValueError: not the main thread
        signal.signal(signal.SIGTERM, _interrupt)  # a SIGTERM to `aiblocs viz` stops the child
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 130
