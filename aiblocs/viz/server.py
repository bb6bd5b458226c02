"""Serve the dashboard with ``solara run`` in a child process, offline and without telemetry.

``--production`` skips Solara's version check request; the front-end assets come from the
offline cache filled at install (``scripts/fetch_solara_assets.py``). Kernels of closed tabs
are culled after ``SOLARA_KERNEL_CULL_TIMEOUT``, which also stops a model left playing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
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


def check_host(host: object, port: object) -> tuple[str, int]:
    """Validated ``--host`` and ``--port``; ValueError naming the option otherwise.

    The host must be an interface this machine can bind (an address or a name that resolves to
    one); an empty host, which servers read as "every interface", is refused: exposing the
    dashboard takes an explicit ``--host 0.0.0.0``.
    """
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError(f"--port must be a whole number in [1, 65535], got {port!r}")
    if not isinstance(host, str) or not host.strip() or host != host.strip():
        raise ValueError(
            "--host must name an interface, e.g. 127.0.0.1 (loopback, the default) or "
            f"0.0.0.0 (every interface), got {host!r}"
        )
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise ValueError(f"--host {host}: not an address or a known name ({e})") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as e:
            raise ValueError(
                f"--host {host} --port {port}: cannot listen there ({e.strerror or e}); "
                "choose another --port or interface"
            ) from None
    return host, port


def dashboard_url(host: str, port: int) -> str:
    """The URL to open: loopback for the wildcard addresses, brackets around IPv6 ones."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def serve(host: str = "127.0.0.1", port: int = 8765) -> int:
    """Run the dashboard until interrupted; return the server's exit code.

    Args:
        host: interface to bind; loopback by default, ``0.0.0.0`` exposes it on the network.
        port: TCP port.
    """
    host, port = check_host(host, port)
    try:
        import solara  # noqa: F401
    except ImportError:
        raise ValueError("the dashboard needs the viz extra: pip install 'aiblocs[viz]'") from None
    print(f"aiblocs dashboard: {dashboard_url(host, port)}  (Ctrl+C to stop)", flush=True)
    if host in ("127.0.0.1", "localhost", "::1"):
        print("listening on loopback only; to expose it deliberately use --host 0.0.0.0",
              flush=True)  # fmt: skip
    else:
        print(f"WARNING: listening on {host}; anyone who can reach this port can use it",
              flush=True)  # fmt: skip
    proc = subprocess.Popen(solara_command(host, port), env=solara_env())
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
