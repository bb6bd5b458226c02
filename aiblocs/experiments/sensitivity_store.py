"""Resumable store of finished design points for :mod:`aiblocs.experiments.sensitivity`.

``evals.jsonl`` holds one JSON line per finished point, each appended with a single fsynced
``O_APPEND`` write; a partial last line left by a crash is cut on open. ``design.json`` binds
the folder to one design (hash over settings, sample and model version): a different design is
refused. ``elapsed.json`` sums the evaluation time over resumed invocations.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from aiblocs.experiments.storage import atomic_write_text


class Checkpoint:
    """Append-only JSON-lines store of finished design points, bound to one design."""

    def __init__(self, folder: Path, design: dict[str, Any]) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / "evals.jsonl"
        meta = self.folder / "design.json"
        if meta.exists():
            old = json.loads(meta.read_text())
            if old.get("hash") != design["hash"]:
                diff = sorted(k for k in design if k != "hash" and old.get(k) != design[k])
                raise ValueError(
                    f"output folder {self.folder} holds evaluations of a different design "
                    f"(differs in {diff or ['sample']}); use another --out or delete the folder"
                )
        else:
            atomic_write_text(meta, json.dumps(design, indent=1))
        self._repair()

    def _repair(self) -> None:
        """Cut a partial last line left by a crash mid-append."""
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            with open(self.path, "r+b") as f:
                f.truncate(data.rfind(b"\n") + 1)
                f.flush()
                os.fsync(f.fileno())

    def done(self) -> dict[int, dict[str, float]]:
        """Finished points: index -> per-regime seed means."""
        if not self.path.exists():
            return {}
        out = {}
        for line in self.path.read_text().splitlines():
            if line.strip():
                rec = json.loads(line)
                out[int(rec["i"])] = rec["y"]
        return out

    def append(self, rec: dict[str, Any]) -> None:
        """Append one record with a single fsynced write (O_APPEND)."""
        line = (json.dumps(rec, separators=(",", ":")) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)


def elapsed(folder: Path) -> float:
    """Seconds spent evaluating this folder's design, summed over resumed invocations."""
    path = Path(folder) / "elapsed.json"
    return float(json.loads(path.read_text())["seconds"]) if path.exists() else 0.0
