"""The one checkpoint store: a results folder of finished tasks, resumable and bound to its inputs.

Layout::

    manifest.json                 kind, identity (the content of every input), fingerprint,
                                  provenance (versions, commit, dirty flag, code fingerprint),
                                  task count, sessions
    parts/part-<ns>-<pid>.parquet rows of finished tasks (a ``key`` column names the task)
    parts/<table>/part-<ns>-<pid>.parquet
                                  the same tasks' rows of each side table the store keeps
                                  (compare: ``countries``, ``events``), if any
    .lock                         held while a process writes the folder

compare, sensitivity, discover and calibrate all keep their results here. Every file is written
to a temporary name and renamed into place, so a crash leaves at most a ``*.tmp`` file, deleted
on the next open. Each part records in its Parquet metadata its task keys, row count, a SHA-256
digest of its content and the experiment's fingerprint; every data page carries a CRC. A damaged
part is deleted and its tasks are redone; a part written by another experiment, a folder of
another kind or of other inputs, and a folder another process is writing are refused.

Side tables are written before the main part, whose metadata records each side part's digest:
the main part is the commit record of the group, so a group is read (and its tasks count as
done) only when every file of it is intact; side parts left without a main part are deleted.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from aiblocs import provenance  # a leaf module
from aiblocs.ensemble.folders import acquire, atomic_write_text, check_out, fingerprint, release

DIGEST_KEY = b"aiblocs_part"


def _digest(table) -> str:
    """SHA-256 of a table's decoded content (as pandas reads it)."""
    meta = {k: v for k, v in (table.schema.metadata or {}).items() if k != DIGEST_KEY}
    frame = table.replace_schema_metadata(meta).to_pandas()
    h = hashlib.sha256(json.dumps(list(map(str, frame.columns))).encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def _diff(old: Any, new: Any, path: str = "") -> list[str]:
    """Dotted names of the entries that differ between two JSON-like values."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [
            d
            for k in sorted(set(old) | set(new))
            for d in _diff(old.get(k), new.get(k), f"{path}.{k}" if path else k)
        ]
    return [] if old == new else [path or "(all)"]


class Store:
    """A results folder of one ``kind``, bound to one ``identity`` (see module docstring).

    Args:
        folder: the folder (created if missing).
        kind: what it holds (``compare``, ``sensitivity``, ``discover``, ``calibration``).
        identity: JSON-ready content of every input that determines the results (the model's
            code fingerprint is added: results of another model version are refused).
        expected: keys of every task of the experiment (None: open-ended, e.g. calibration).
        key: name of the column holding a row's task key.
        extra: more manifest entries (e.g. the seed list), written once.
        tables: names of side tables: each finished task is then a mapping ``{"frame": main
            rows, <table>: rows, ...}`` and every table is stored as its own part beside the
            main one (a table may have no rows for a task, e.g. a run without events).
    """

    def __init__(
        self,
        folder: str | Path,
        kind: str,
        identity: dict[str, Any],
        expected: list[str] | None = None,
        key: str = "task",
        extra: dict[str, Any] | None = None,
        tables: tuple[str, ...] = (),
    ) -> None:
        self.folder = Path(folder)
        self.tables = tuple(tables)
        identity = {**identity, "model_code": provenance.code_fingerprint()}
        self.kind, self.identity, self.key = kind, identity, key
        self.fingerprint = fingerprint({"kind": kind, **identity})
        self.expected = None if expected is None else set(expected)
        self.n_expected = None if expected is None else len(expected)
        self.extra = extra or {}
        self.parts = self.folder / "parts"
        self.manifest_path = self.folder / "manifest.json"
        self.done: set[str] = set()
        self.manifest: dict[str, Any] = {}
        self._locked = False

    # --- opening and checking ------------------------------------------------------------------
    def open(self) -> Store:
        """Create or resume the folder, lock it, and read which tasks are done."""
        check_out(self.folder)
        acquire(
            self.folder, store=True, kind=self.kind
        )  # the command may hold it; another store may not
        self._locked = True
        try:
            self._read_manifest()
            self.parts.mkdir(exist_ok=True)
            for tmp in [*self.folder.glob("*.tmp"), *self.parts.rglob("*.tmp")]:
                tmp.unlink()
            self.done = set()
            for path in self.part_files():
                keys = self.check_part(path, self.fingerprint)
                if keys is None:
                    warnings.warn(
                        f"deleting damaged part {path.name}; its tasks will be redone", stacklevel=2
                    )
                    for side in side_parts(path):
                        side.unlink(missing_ok=True)
                    path.unlink()
                else:
                    self.done |= keys
            for side in self.parts.glob("*/part-*.parquet"):  # a group cut before its main part
                if not (self.parts / side.name).exists():
                    side.unlink()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Release the folder's lock."""
        if self._locked:
            release(self.folder, store=True)
            self._locked = False

    def __enter__(self) -> Store:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read_manifest(self) -> None:
        where = f"results folder {self.folder}"
        if not self.manifest_path.exists():
            others = [p.name for p in self.folder.iterdir() if p.name not in (".lock", "parts")]
            if others or (self.parts.exists() and any(self.parts.iterdir())):
                held = ", ".join(sorted(others)[:3]) or "parts"
                raise ValueError(
                    f"{where} already holds files ({held}) but no manifest.json; "
                    "use an empty or new --out folder"
                )
            self.manifest = {**self._inputs(), **provenance.record(), "sessions": []}
            return
        try:
            old = json.loads(self.manifest_path.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError, OSError) as e:
            raise ValueError(
                f"{where}: manifest.json is unreadable ({e}); use another --out folder or delete it"
            ) from None
        kind = old.get("kind") if isinstance(old, dict) else None
        if isinstance(kind, str) and kind != self.kind:
            raise ValueError(
                f"{where} holds {kind} results, not {self.kind} results; use another --out folder"
            )
        if kind is None or not isinstance(old.get("fingerprint"), str):
            raise ValueError(
                f"{where}: manifest.json is not an aiblocs manifest (no kind or "
                "fingerprint); use another --out folder"
            )
        if old["fingerprint"] != self.fingerprint:
            diff = _diff(old.get("identity"), self.identity)
            raise ValueError(
                f"{where} holds a different experiment (inputs differ in "
                f"{', '.join(diff[:4]) or 'content'}); use another --out folder or "
                "delete it"
            )
        # The inputs' record is rewritten from the inputs (a hand-edited or cut manifest is
        # repaired); provenance and sessions of earlier runs are kept.
        sessions = old.get("sessions")
        sessions = (
            [x for x in sessions if isinstance(x, dict)] if isinstance(sessions, list) else []
        )
        fresh = self._inputs()
        kept = {k: v for k, v in old.items() if k not in fresh}
        self.manifest = {**fresh, **provenance.record(), **kept, "sessions": sessions}

    def _inputs(self) -> dict[str, Any]:
        """The manifest entries that follow from the inputs alone."""
        return {
            "kind": self.kind,
            "fingerprint": self.fingerprint,
            "identity": self.identity,
            "n_tasks": self.n_expected,
            **self.extra,
        }

    def part_files(self) -> list[Path]:
        """Finished part files, in name (= write time) order."""
        return sorted(self.parts.glob("part-*.parquet"))

    @staticmethod
    def check_part(path: Path, experiment: str | None = None) -> set[str] | None:
        """Task keys held by a part, or None if it or one of its side parts is damaged.

        Raises:
            ValueError: if the part is intact but was written by another experiment.
        """
        info = _check_file(path)
        if info is None:
            return None
        if experiment is not None and info.get("experiment") != experiment:
            raise ValueError(
                f"part {path} was written by another experiment (fingerprint "
                f"{info.get('experiment')}, this folder's is {experiment}); move "
                "it out of the folder"
            )
        for name, digest in info.get("tables", {}).items():
            side = _check_file(path.parent / name / path.name)
            if (
                side is None
                or side["sha256"] != digest
                or not set(side["keys"]) <= set(info["keys"])
            ):
                return None
        return set(info["keys"])

    # --- writing -----------------------------------------------------------------------------
    def write_part(self, frames: list[pd.DataFrame] | list[dict[str, pd.DataFrame]]) -> Path:
        """Write finished tasks' rows as one part (and its side parts), atomically.

        Each item is a frame with the key column, or (a store with ``tables``) a mapping
        ``{"frame": ..., <table>: ...}`` of such frames. Side parts are written first; the main
        part, which records their digests, last.
        """
        if self.tables:
            main = [f["frame"] for f in frames]
            sides = {t: pd.concat([f[t] for f in frames], ignore_index=True) for t in self.tables}
        else:
            main, sides = list(frames), {}
        path = self.parts / f"part-{time.time_ns():020d}-{os.getpid()}.parquet"
        digests = {}
        for name, df in sides.items():
            (self.parts / name).mkdir(exist_ok=True)
            digests[name] = self._write_file(df, path.parent / name / path.name, {})
        df = pd.concat(main, ignore_index=True)
        self._write_file(df, path, {"tables": digests} if digests else {})
        self.done.update(df[self.key])
        return path

    def _write_file(self, df: pd.DataFrame, path: Path, more: dict[str, Any]) -> str:
        """Write ``df`` to ``path`` atomically with its digest info; return the digest."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(df, preserve_index=False)
        info = {
            "key": self.key,
            "keys": list(dict.fromkeys(df[self.key])),
            "rows": len(df),
            "sha256": _digest(table),
            "experiment": self.fingerprint,
            **more,
        }
        meta = {**(table.schema.metadata or {}), DIGEST_KEY: json.dumps(info).encode()}
        table = table.replace_schema_metadata(meta)
        tmp = path.with_name(path.name + ".tmp")
        pq.write_table(table, tmp, write_page_checksum=True)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
        return info["sha256"]

    @property
    def complete(self) -> bool:
        """Whether every expected task is stored."""
        return self.expected is not None and self.expected <= self.done

    def write_manifest(self, new_session: bool = False, **session: Any) -> None:
        """Record this session (times, runs done) and save the manifest atomically."""
        sessions = self.manifest.setdefault("sessions", [])
        if new_session or not sessions:
            sessions.append({})
        sessions[-1].update(session)
        stored = self.done if self.expected is None else self.done & self.expected
        self.manifest["tasks_done"] = len(stored)
        self.manifest["complete"] = self.complete
        atomic_write_text(self.manifest_path, json.dumps(self.manifest, indent=2, default=str))

    # --- reading -----------------------------------------------------------------------------
    def load(self, columns: list[str] | None = None) -> pd.DataFrame:
        """All stored rows (each task once), in part order; raises if nothing is stored."""
        return load_parts(self.folder, self.key, columns, self.fingerprint)


def _check_file(path: Path) -> dict[str, Any] | None:
    """The digest info of one intact Parquet file of the store, or None if it is damaged."""
    import pyarrow.parquet as pq

    try:
        info = json.loads(pq.read_metadata(path).metadata[DIGEST_KEY])
        table = pq.read_table(path, page_checksum_verification=True)  # CRC-checked pages
        keys = table.column(info["key"]).to_pylist()
        ok = len(keys) == info["rows"] and set(keys) == set(info["keys"])
        ok = ok and info["sha256"] == _digest(table)  # catches what page CRCs cannot
    except Exception:  # any damage means: redo these tasks
        return None
    return info if ok else None


def side_parts(path: Path) -> list[Path]:
    """The side parts of a main part (``parts/<table>/<same name>``) that exist."""
    return sorted(p for p in path.parent.glob(f"*/{path.name}") if p.is_file())


def load_parts(
    folder: str | Path,
    key: str,
    columns: list[str] | None = None,
    experiment: str | None = None,
    table: str | None = None,
) -> pd.DataFrame:
    """Rows of every intact part of ``folder`` (each task once); ``table``: of that side table.

    Raises:
        FileNotFoundError: if no intact part holds rows (of ``table``, if given).
    """
    frames, seen = [], set()
    for path in sorted((Path(folder) / "parts").glob("part-*.parquet")):
        keys = Store.check_part(path, experiment)
        if keys is None:
            continue
        source = path if table is None else path.parent / table / path.name
        if source.exists():
            df = pd.read_parquet(source, columns=columns, page_checksum_verification=True)
            frames.append(df[df[key].isin(keys - seen)])
        seen |= keys
    if not frames:
        what = "results" if table is None else f"{table} table"
        raise FileNotFoundError(f"no {what} in {folder}")
    return pd.concat(frames, ignore_index=True)


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """A results folder's manifest.json, checked to be an aiblocs manifest."""
    path = Path(folder) / "manifest.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise ValueError(f"{folder} has no manifest.json: not an aiblocs results folder") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path} is unreadable: {e}") from None
    if not isinstance(data, dict) or "kind" not in data or "identity" not in data:
        raise ValueError(f"{path} is not an aiblocs manifest (no kind or identity)")
    return data


def load_results(
    folder: str | Path, table: str | None = None, columns: list[str] | None = None
) -> pd.DataFrame:
    """A compare-style folder's rows (key ``run_id``), sorted by run and quarter, each run once.

    ``table`` names a side table (``countries``, ``events``) instead of the quarterly frames;
    its rows are sorted by run only, keeping each run's own order (countries within a quarter,
    events in the order they happened). ``columns`` (``run_id`` among them) reads only those.
    """
    df = load_parts(folder, "run_id", columns, table=table)
    order = ["run_id", "quarter"] if "quarter" in df and table is None else ["run_id"]
    return df.sort_values(order, kind="stable").reset_index(drop=True)
