"""Results folders: the ``--out`` check, the folder lock, and the kind a folder holds.

Every command writes one folder, and a folder holds one kind of result: its ``manifest.json``
names the kind (``run``, ``compare``, ``calibration``, ``sensitivity-analysis`` ...), and a
command refuses a folder of another kind, or a folder that holds files but no manifest, before it
writes anything. A folder is locked (``fcntl.flock`` on its ``.lock`` file) while a process
writes it; the lock is re-entrant within a process, so a command can hold its folder across the
runs, which lock it too, and the report.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aiblocs import provenance  # a leaf module

LOCK = ".lock"
MANIFEST = "manifest.json"
_HELD: dict[Path, list[int]] = {}  # resolved folder -> [lock fd, depth, open stores]


def fingerprint(identity: dict[str, Any]) -> str:
    """Short hash of an identity mapping (JSON, sorted keys)."""
    text = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a fsynced temporary file and an atomic rename."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def check_out(folder: str | Path | None, option: str = "--out") -> Path:
    """``folder`` as a Path if it can be a results folder; ValueError naming ``option`` if not.

    Refused: an empty name, the current directory, an existing file.
    """
    text = "" if folder is None else str(folder)
    if not text.strip():
        raise ValueError(f"{option} must name a results folder, got {text!r}")
    path = Path(text)
    if path.resolve() == Path.cwd().resolve():
        raise ValueError(
            f"{option} {text} is the current directory; name a results folder (e.g. results/x)"
        )
    if path.exists() and not path.is_dir():
        raise ValueError(f"{option} {text} is a file, not a folder")
    return path


def _busy(folder: Path) -> ValueError:
    return ValueError(
        f"results folder {folder} is being written by another aiblocs process; "
        "wait for it or use another --out folder"
    )


def acquire(folder: Path, store: bool = False, kind: str | None = None) -> None:
    """Lock ``folder`` (created if missing) for this process; ValueError if another holds it.

    Re-entrant, except that one store at a time may hold a folder (``store=True``): a second
    open store of the same folder, even in this process, is refused like another process. A
    folder that is not a results folder (files but no manifest, or a manifest that is not an
    aiblocs one) or, given ``kind``, holds another kind, is refused before a lock file is made.
    """
    if folder.is_dir():
        found = read_kind(folder)
        others = foreign_files(folder)
        if found is None and others and not (folder / LOCK).exists():
            raise ValueError(
                f"results folder {folder} already holds files ({', '.join(others[:3])}) but no "
                "manifest.json; use an empty or new --out folder"
            )
        if kind is not None and found is not None and found != kind:
            raise ValueError(
                f"results folder {folder} holds {found} results, not {kind} results; "
                "use another --out folder"
            )
    folder.mkdir(parents=True, exist_ok=True)
    key = folder.resolve()
    if key in _HELD:
        if store and _HELD[key][2]:
            raise _busy(folder)
        _HELD[key][1] += 1
        _HELD[key][2] += store
        return
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise _busy(folder) from None
    _HELD[key] = [fd, 1, int(store)]


def release(folder: Path, store: bool = False) -> None:
    """Undo one :func:`acquire` (the lock is freed when the outermost one is undone)."""
    key = folder.resolve()
    held = _HELD.get(key)
    if held is None:
        return
    held[1] -= 1
    held[2] -= store
    if held[1] == 0:
        del _HELD[key]
        with contextlib.suppress(OSError):
            fcntl.flock(held[0], fcntl.LOCK_UN)
            os.close(held[0])


@contextlib.contextmanager
def locked(folder: Path, kind: str | None = None) -> Iterator[Path]:
    """Hold ``folder``'s lock for the ``with`` block (see :func:`acquire`)."""
    acquire(folder, kind=kind)
    try:
        yield folder
    finally:
        release(folder)


def foreign_files(folder: Path, own: tuple[str, ...] = ()) -> list[str]:
    """Names in ``folder`` other than its lock, its manifest and ``own`` (sorted)."""
    if not folder.is_dir():
        return []
    skip = {LOCK, MANIFEST, *own}
    return sorted(p.name for p in folder.iterdir() if p.name not in skip)


def read_kind(folder: Path) -> str | None:
    """The kind named by ``folder``'s manifest, None if it has none; ValueError if unreadable."""
    path = folder / MANIFEST
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError, OSError) as e:
        raise ValueError(
            f"results folder {folder}: manifest.json is unreadable ({e}); "
            "use another --out folder or delete it"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("kind"), str):
        raise ValueError(
            f"results folder {folder}: manifest.json is not an aiblocs manifest (no kind); "
            "use another --out folder"
        )
    return data["kind"]


def claim(folder: Path, kind: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Make the locked ``folder`` hold results of ``kind``; return its manifest.

    A folder with a manifest of ``kind`` is kept as it is (resumed); a new or empty folder gets
    a manifest naming ``kind``. Raises ValueError, before writing anything, for a folder of
    another kind or one holding files but no manifest.
    """
    found = read_kind(folder)
    if found is not None and found != kind:
        raise ValueError(
            f"results folder {folder} holds {found} results, not {kind} results; "
            "use another --out folder"
        )
    if found is None:
        others = foreign_files(folder)
        if others:
            raise ValueError(
                f"results folder {folder} already holds files ({', '.join(others[:3])}) but no "
                "manifest.json; use an empty or new --out folder"
            )
        manifest = {"kind": kind, "fingerprint": fingerprint({"kind": kind}), **(extra or {}),
                    **provenance.record()}  # fmt: skip
        atomic_write_text(folder / MANIFEST, json.dumps(manifest, indent=2, default=str))
        return manifest
    return json.loads((folder / MANIFEST).read_text())
