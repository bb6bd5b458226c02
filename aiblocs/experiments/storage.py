"""Resumable tidy storage: Parquet parts written atomically as runs finish, plus manifest.json.

Layout of a results folder::

    manifest.json              spec, fingerprint, seeds, version, git commit, session times
    parts/part-<ns>-<pid>.parquet   long format: run_id, regime, design, seed_index, seed,
                               <each varied parameter>, quarter, metric, value

Every file is written to a temporary name and renamed into place, so a crash leaves at most a
``*.tmp`` file, which is deleted on the next open. Each part records in its Parquet metadata the
run ids, row count and a SHA-256 digest of its content, and every data page carries a CRC
checksum; a part that is unreadable, fails a checksum or does not match is deleted and its runs
are redone. A folder whose manifest describes a different spec (or is unreadable) is refused.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from aiblocs.experiments.spec import ExperimentSpec, Run

ID_COLUMNS = ("run_id", "regime", "design", "seed_index", "seed")


def now() -> str:
    """Current UTC time, ISO 8601."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def git_commit() -> str | None:
    """Commit of the source checkout, read from ``.git`` without running git (None if absent)."""
    import aiblocs

    git = Path(aiblocs.__file__).resolve().parents[1] / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref:"):
            return head
        ref = head.split(None, 1)[1]
        if (git / ref).exists():
            return (git / ref).read_text().strip()
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0]
    except OSError:
        return None
    return None


def param_kinds(spec: ExperimentSpec) -> dict[str, str]:
    """Column type of each varied parameter: ``float`` if every value is numeric, else ``str``."""
    kinds = {}
    for key in spec.design_keys:
        vals = [d[key] for d in spec.designs if key in d]
        kinds[key] = "float" if all(isinstance(v, int | float) for v in vals) else "str"
    return kinds


def to_tidy(run: Run, frame: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """Long-format rows (one per quarter x metric) of one run's quarterly frame."""
    long = frame.melt(id_vars="quarter", var_name="metric", value_name="value")
    long["value"] = long["value"].astype("float64")
    head: dict[str, Any] = {
        "run_id": run.run_id,
        "regime": run.regime,
        "design": run.design,
        "seed_index": run.seed_index,
        "seed": run.seed,
    }
    for key, kind in kinds.items():
        v = run.params.get(key)
        head[key] = (
            (float("nan") if v is None else float(v))
            if kind == "float"
            else (None if v is None else str(v))
        )
    out = pd.DataFrame({k: [v] * len(long) for k, v in head.items()})
    out["design"] = out["design"].astype("int64")
    out["seed_index"] = out["seed_index"].astype("int64")
    out["seed"] = out["seed"].astype("int64")
    for key, kind in kinds.items():  # a column of only None must still be typed
        typed = out[key].astype("float64" if kind == "float" else "str")
        out[key] = typed.where(out[key].notna())  # pandas 2 would turn None into "None"
    return pd.concat([out, long[["quarter", "metric", "value"]]], axis=1)


def _digest(table) -> str:
    """SHA-256 of a table's decoded content (as pandas reads it), for the part's metadata."""
    import hashlib

    frame = table.replace_schema_metadata(
        {k: v for k, v in (table.schema.metadata or {}).items() if k != b"aiblocs_runs"}
    ).to_pandas()
    h = hashlib.sha256(json.dumps(list(map(str, frame.columns))).encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a fsynced temporary file and an atomic rename."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class ResultStore:
    """A results folder for one experiment spec (see module docstring)."""

    def __init__(self, folder: str | Path, spec: ExperimentSpec) -> None:
        self.folder = Path(folder)
        self.spec = spec
        self.parts = self.folder / "parts"
        self.manifest_path = self.folder / "manifest.json"
        self.done: set[str] = set()
        self.manifest: dict[str, Any] = {}

    # --- opening and checking ------------------------------------------------------------
    def open(self) -> ResultStore:
        """Create or resume the folder; refuse one written by a different spec."""
        if self.manifest_path.exists():
            try:
                old = json.loads(self.manifest_path.read_text())
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                raise ValueError(
                    f"results folder {self.folder}: manifest.json is unreadable ({e}); "
                    "use another --out folder or delete it"
                ) from None
            if old.get("fingerprint") != self.spec.fingerprint():
                raise ValueError(
                    f"results folder {self.folder} holds a different experiment "
                    f"(spec {old.get('spec')}); use another --out folder or delete it"
                )
            self.manifest = old
        elif self.parts.exists() and any(self.parts.iterdir()):
            raise ValueError(f"results folder {self.folder} has parts but no manifest.json")
        self.parts.mkdir(parents=True, exist_ok=True)
        for tmp in list(self.folder.glob("*.tmp")) + list(self.parts.glob("*.tmp")):
            tmp.unlink()
        self.done = set()
        for path in self.part_files():
            ids = self._check_part(path)
            if ids is None:
                warnings.warn(
                    f"deleting damaged part {path.name}; its runs will be redone", stacklevel=2
                )
                path.unlink()
            else:
                self.done |= ids
        if not self.manifest:
            self.manifest = {
                "aiblocs_version": _version(),
                "git_commit": git_commit(),
                "fingerprint": self.spec.fingerprint(),
                "spec": self.spec.to_dict(),
                "seeds": self.spec.seeds(),
                "n_runs": len(self.spec.runs()),
                "param_defaults": _param_defaults(),
                "lock_in_definition": "share of adopted GS units > 0.8 and gs_switch_rate < 0.02",
                "sessions": [],
            }
        self.manifest["spec"]["reference"] = self.spec.reference
        return self

    def part_files(self) -> list[Path]:
        """Finished part files, in name (= write time) order."""
        return sorted(self.parts.glob("part-*.parquet"))

    @staticmethod
    def _check_part(path: Path) -> set[str] | None:
        """Run ids held by a part, or None if it is unreadable or incomplete."""
        import pyarrow.parquet as pq

        try:
            meta = pq.read_metadata(path)
            info = json.loads(meta.metadata[b"aiblocs_runs"])
            table = pq.read_table(path, page_checksum_verification=True)  # every page, CRC-checked
            ids = table.column("run_id").to_pylist()
            digest = _digest(table)  # catches what page checksums cannot (e.g. footer damage)
            ok = len(ids) == info["rows"] and set(ids) == set(info["run_ids"])
            ok = ok and info.get("sha256", digest) == digest  # parts of older versions: none
            return set(info["run_ids"]) if ok else None
        except Exception:  # any damage means: redo these runs
            return None

    # --- writing -------------------------------------------------------------------------
    def write_part(self, frames: list[pd.DataFrame]) -> Path:
        """Write finished runs' tidy frames as one new part (atomically)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        df = pd.concat(frames, ignore_index=True)
        ids = list(dict.fromkeys(df["run_id"]))
        table = pa.Table.from_pandas(df, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        info = {"run_ids": ids, "rows": len(df), "sha256": _digest(table)}
        meta[b"aiblocs_runs"] = json.dumps(info).encode()
        table = table.replace_schema_metadata(meta)
        path = self.parts / f"part-{time.time_ns():020d}-{os.getpid()}.parquet"
        tmp = path.with_name(path.name + ".tmp")
        pq.write_table(table, tmp, write_page_checksum=True)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
        self.done.update(ids)
        return path

    def write_manifest(self, new_session: bool = False, **session: Any) -> None:
        """Record this session (start/end times, runs done) and save the manifest atomically.

        ``new_session=True`` opens a new session entry; otherwise the last one is updated.
        """
        sessions = self.manifest.setdefault("sessions", [])
        if new_session or not sessions:
            sessions.append({})
        sessions[-1].update(session)
        self.manifest["runs_done"] = len(self.done)
        self.manifest["complete"] = len(self.done) >= self.manifest["n_runs"]
        if sessions:
            self.manifest["start"] = sessions[0].get("start")
            self.manifest["end"] = sessions[-1].get("end")
        atomic_write_text(self.manifest_path, json.dumps(self.manifest, indent=2, default=str))


def _param_defaults() -> dict[str, Any]:
    """Every model parameter's default value (runs use these unless overridden)."""
    from aiblocs.model.params import param_table

    return {row["name"]: row["default"] for row in param_table()}


def _version() -> str:
    import aiblocs

    return aiblocs.__version__


def load_results(folder: str | Path) -> pd.DataFrame:
    """All stored runs as one tidy frame, sorted (run_id, quarter, metric), without duplicates."""
    parts = sorted((Path(folder) / "parts").glob("part-*.parquet"))
    if not parts:
        raise FileNotFoundError(f"no results in {folder}")
    frames, seen = [], set()
    for path in parts:
        if ResultStore._check_part(path) is None:
            continue
        df = pd.read_parquet(path, page_checksum_verification=True)
        df = df[~df["run_id"].isin(seen)]
        seen.update(df["run_id"].unique())
        frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    return df.sort_values(["run_id", "quarter", "metric"], kind="stable").reset_index(drop=True)


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The folder's manifest.json as a dict."""
    return json.loads((Path(folder) / "manifest.json").read_text())
