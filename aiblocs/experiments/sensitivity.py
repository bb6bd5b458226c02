"""Global sensitivity (Morris, Sobol via SALib) and scenario discovery (PRIM) of the model.

Every design point (one value per uncertain parameter, see ``ranges.toml``) is run under the
``containment`` and ``managed_access`` regimes on the same seeds (common random numbers). Its
outcomes are the seed means of five key outcomes under containment (``KEY``) and of their paired
differences containment - managed_access (``d_`` prefix). Finished points are appended to
``evals.jsonl`` in the output folder (one fsynced write each), so an interrupted run resumes
where it stopped; a folder written for a different design is refused.
"""

from __future__ import annotations

import hashlib
import json
import time
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aiblocs.experiments.evaluate import evaluate
from aiblocs.experiments.sensitivity_store import Checkpoint, elapsed
from aiblocs.experiments.storage import atomic_write_text

REGIMES = ("containment", "managed_access")
REGIME_FIELDS = {"enforcement": (0.0, 1.0), "export_stack_support": (0.0, 1.0)}
KEY: dict[str, str] = {
    "gs_share_cn_2035": "GS share on the Chinese stack, 2035Q4 (fraction)",
    "p_lockin": "probability the GS is locked in (US or CN) at 2035Q4",
    "lag_2030": "China's capability lag behind the US frontier, 2030Q4 (months)",
    "domestic_2030": "China's domestic chip share, 2030Q4 (fraction)",
    "us_rev_cn": "US chip revenue from China, 2022-2035 (USD bn)",
}
OUTCOMES: dict[str, str] = {
    **{k: f"{v}, containment" for k, v in KEY.items()},
    **{f"d_{k}": f"{v}, containment - managed_access" for k, v in KEY.items()},
}
"""Analysed outcome name -> meaning: levels under containment and paired differences."""


@dataclass(frozen=True)
class Range:
    """Plausible range [lo, hi] of one uncertain parameter and the reasoning behind it."""

    name: str
    lo: float
    hi: float
    why: str


def load_ranges(path: str | Path | None = None) -> list[Range]:
    """Read and validate ``ranges.toml`` (default: the packaged file).

    Raises:
        ValueError: unknown name, duplicate, lo >= hi, missing reason, or a range outside the
            field's allowed range in :mod:`aiblocs.model.params` (or [0, 1] for regime fields).
    """
    from aiblocs.model.params import PARAM_FIELDS

    if path is None:
        text = (resources.files("aiblocs.experiments") / "ranges.toml").read_text()
        where = "ranges.toml"
    else:
        text, where = Path(path).read_text(), str(path)
    rows = tomllib.loads(text).get("param", [])
    if not rows:
        raise ValueError(f"{where}: no [[param]] entries")
    out: list[Range] = []
    for i, row in enumerate(rows):
        name = row.get("name")
        if name not in PARAM_FIELDS and name not in REGIME_FIELDS:
            raise ValueError(f"{where}: entry {i + 1} names unknown parameter {name!r}")
        lo, hi, why = row.get("lo"), row.get("hi"), row.get("why", "")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lo, hi)):
            raise ValueError(f"{where}: '{name}' needs numeric lo and hi, got {lo!r}, {hi!r}")
        if not lo < hi:
            raise ValueError(f"{where}: '{name}' needs lo < hi, got [{lo}, {hi}]")
        if not str(why).strip():
            raise ValueError(f"{where}: '{name}' needs a 'why' (source or reasoning)")
        if name in REGIME_FIELDS:
            flo, fhi = REGIME_FIELDS[name]
        else:
            flo, fhi = PARAM_FIELDS[name].metadata["lo"], PARAM_FIELDS[name].metadata["hi"]
        if (flo is not None and lo < flo) or (fhi is not None and hi > fhi):
            raise ValueError(
                f"{where}: range of '{name}' [{lo}, {hi}] is outside its allowed range "
                f"[{flo}, {fhi}]"
            )
        if any(r.name == name for r in out):
            raise ValueError(f"{where}: '{name}' is listed twice")
        out.append(Range(name, float(lo), float(hi), str(why)))
    return out


def problem(ranges: list[Range]) -> dict[str, Any]:
    """SALib problem dictionary for ``ranges``."""
    return {
        "num_vars": len(ranges),
        "names": [r.name for r in ranges],
        "bounds": [[r.lo, r.hi] for r in ranges],
    }


def evaluate_point(
    item: tuple[int, dict[str, float]], seeds: tuple[int, ...], n_adopters: int
) -> dict[str, Any]:
    """Worker: run one design point under both regimes on ``seeds``; seed-mean key outcomes."""
    i, values = item
    sums = {f"{k}_{r}": 0.0 for k in KEY for r in ("c", "m")}
    for seed in seeds:
        for regime, tag in zip(REGIMES, ("c", "m"), strict=True):
            o = evaluate({"regime": regime, "n_adopters": n_adopters, **values}, seed)
            key = {
                "gs_share_cn_2035": o["gs_share_cn_stack_2035"],
                "p_lockin": o["gs_locked_us"] + o["gs_locked_cn"],
                "lag_2030": o["cn_lag_months_2030"],
                "domestic_2030": o["cn_domestic_chip_share_2030"],
                "us_rev_cn": o["us_chip_revenue_cn_cum"],
            }
            for k, v in key.items():
                sums[f"{k}_{tag}"] += float(v) / len(seeds)
    return {"i": i, "y": sums}


def outcome_table(raw: pd.DataFrame) -> pd.DataFrame:
    """Analysed outcomes (:data:`OUTCOMES`) from the per-regime seed means of ``evals.jsonl``."""
    out = {k: raw[f"{k}_c"] for k in KEY}
    out.update({f"d_{k}": raw[f"{k}_c"] - raw[f"{k}_m"] for k in KEY})
    return pd.DataFrame(out, index=raw.index)


def model_fingerprint() -> str:
    """Short hash of the model's code and data (a changed model is a different design)."""
    root = resources.files("aiblocs")
    h = hashlib.sha256()
    for sub in ("model", "agents", "data", "data/regimes"):
        for f in sorted((root / sub).iterdir(), key=lambda f: f.name):
            if f.name.endswith((".py", ".toml")):
                h.update(f.name.encode() + f.read_bytes())
    for extra in ("run.py", "experiments/evaluate.py"):
        h.update((root / extra).read_bytes())
    return h.hexdigest()[:12]


def design_record(kind: str, X: np.ndarray, names: list[str], **extra: Any) -> dict[str, Any]:
    """Description of a design (kind, names, settings, model version) with a hash over it."""
    rec = {"kind": kind, "names": list(names), "n_points": len(X), "model": model_fingerprint()}
    rec.update(extra)
    h = hashlib.sha256(json.dumps(rec, sort_keys=True).encode())
    h.update(np.ascontiguousarray(np.round(X, 12)).tobytes())
    return {**rec, "hash": h.hexdigest()[:16]}


def run_design(
    X: np.ndarray,
    names: list[str],
    folder: Path,
    design: dict[str, Any],
    seeds: int,
    n_adopters: int,
    executor: Any,
    progress: bool = True,
    label: str = "",
) -> pd.DataFrame:
    """Evaluate every row of ``X`` (resumable) and return the analysed outcomes, row-aligned."""
    check_run(seeds, n_adopters)
    store = Checkpoint(folder, design)
    done = store.done()
    todo = [(i, dict(zip(names, map(float, x), strict=True))) for i, x in enumerate(X)]
    todo = [t for t in todo if t[0] not in done]
    if todo:
        before, t0 = elapsed(folder), time.perf_counter()
        bar = _bar(len(X), len(X) - len(todo), progress, label)
        results = executor.map_unordered(evaluate_point, todo, tuple(range(seeds)), int(n_adopters))
        for k, rec in enumerate(results):
            store.append(rec)
            done[rec["i"]] = rec["y"]
            bar.update(1)
            if k % 25 == 24 or k == len(todo) - 1:  # evaluation time, kept across resumes
                spent = before + time.perf_counter() - t0
                atomic_write_text(Path(folder) / "elapsed.json", json.dumps({"seconds": spent}))
        bar.close()
    raw = pd.DataFrame.from_dict(done, orient="index").sort_index()
    return outcome_table(raw.loc[range(len(X))])


def check_morris_r(r: int) -> None:
    """Raise ValueError unless ``r`` is a valid number of Morris trajectories (>= 2)."""
    if isinstance(r, bool) or not isinstance(r, int) or r < 2:
        raise ValueError(f"Morris needs --n >= 2 trajectories, got {r!r}")


def check_sobol_n(n: int) -> None:
    """Raise ValueError unless ``n`` is a valid Sobol base sample size (power of two >= 8)."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 8 or n & (n - 1):
        raise ValueError(f"Sobol needs --n a power of two >= 8, got {n!r}")


def check_run(seeds: int, n_adopters: int) -> None:
    """Raise ValueError unless seeds >= 1 and n_adopters >= 10 (integers)."""
    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise ValueError(f"--seeds must be a positive integer, got {seeds!r}")
    if isinstance(n_adopters, bool) or not isinstance(n_adopters, int) or n_adopters < 10:
        raise ValueError(f"--n-adopters must be an integer >= 10, got {n_adopters!r}")


def _bar(total: int, initial: int, progress: bool, label: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, disable=not progress, desc=label, unit="pt")


def run_morris(
    ranges: list[Range],
    r: int,
    folder: Path,
    seeds: int,
    n_adopters: int,
    executor: Any,
    progress: bool = True,
    sample_seed: int = 0,
    levels: int = 4,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Morris screening with ``r`` trajectories: (table of mu*, mu* CI, sigma; outcomes)."""
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    check_morris_r(r)
    prob = problem(ranges)
    X = morris_sample.sample(prob, N=r, num_levels=levels, seed=sample_seed)
    design = design_record("morris", X, prob["names"], r=r, levels=levels, seeds=seeds,
                           n_adopters=n_adopters, sample_seed=sample_seed)  # fmt: skip
    Y = run_design(X, prob["names"], folder, design, seeds, n_adopters, executor, progress,
                   "morris")  # fmt: skip
    rows = []
    for out in OUTCOMES:
        y = Y[out].to_numpy()
        res = morris_analyze.analyze(prob, X, y, num_levels=levels, seed=sample_seed)
        for j, name in enumerate(prob["names"]):
            rows.append({"outcome": out, "param": name, "mu_star": float(res["mu_star"][j]),
                         "mu_star_conf": float(res["mu_star_conf"][j]),
                         "mu": float(res["mu"][j]), "sigma": float(res["sigma"][j])})  # fmt: skip
    table = pd.DataFrame(rows)
    top = table.groupby("outcome")["mu_star"].transform("max")
    table["mu_star_norm"] = np.where(top > 0, table["mu_star"] / top.where(top > 0, 1), 0.0)
    return table, Y


def survivors(morris: pd.DataFrame, keep: int = 6, threshold: float = 0.1) -> list[str]:
    """Screening survivors: the ``keep`` parameters with the highest normalised mu*.

    Normalised mu* = mu* / largest mu* of that outcome; a parameter's score is its maximum over
    outcomes (ties broken by its mean), and it must reach ``threshold`` to survive.
    """
    g = morris.groupby("param")["mu_star_norm"]
    score = pd.DataFrame({"max": g.max(), "mean": g.mean()})
    score = score[score["max"] >= threshold].sort_values(["max", "mean"], ascending=False)
    return list(score.index[:keep])


def run_sobol(
    ranges: list[Range],
    n: int,
    folder: Path,
    seeds: int,
    n_adopters: int,
    executor: Any,
    progress: bool = True,
    sample_seed: int = 0,
    resamples: int = 1000,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sobol first- and total-order indices (95% bootstrap CIs) with base sample size ``n``."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    check_sobol_n(n)
    prob = problem(ranges)
    X = sobol_sample.sample(prob, n, calc_second_order=False, scramble=True, seed=sample_seed)
    design = design_record("sobol", X, prob["names"], n=n, seeds=seeds, n_adopters=n_adopters,
                           sample_seed=sample_seed)  # fmt: skip
    Y = run_design(X, prob["names"], folder, design, seeds, n_adopters, executor, progress,
                   "sobol")  # fmt: skip
    rows = []
    for out in OUTCOMES:
        y = Y[out].to_numpy()
        # seed + 1: SALib treats seed 0 as "unseeded" (global RNG) for the bootstrap
        if np.ptp(y) == 0:
            continue  # constant outcome: no variance to decompose
        res = sobol_analyze.analyze(prob, y, calc_second_order=False, num_resamples=resamples,
                                    conf_level=0.95, seed=sample_seed + 1)  # fmt: skip
        for j, name in enumerate(prob["names"]):
            rows.append(
                {"outcome": out, "param": name, "S1": float(res["S1"][j]),
                 "S1_conf": float(res["S1_conf"][j]), "ST": float(res["ST"][j]),
                 "ST_conf": float(res["ST_conf"][j])}
            )  # fmt: skip
    return pd.DataFrame(rows), Y


def backfire(Y: pd.DataFrame, tol_months: float = 0.5) -> pd.Series:
    """1 where containment backfires, else 0 (seed means over paired seeds).

    Backfire: containment leaves China's 2030 capability lag at most ``tol_months`` longer than
    managed access (it buys no delay) while raising China's 2030 domestic chip share.
    """
    return ((Y["d_lag_2030"] <= tol_months) & (Y["d_domestic_2030"] > 0)).astype(float)


def run_discover(
    ranges: list[Range],
    n: int,
    folder: Path,
    seeds: int,
    n_adopters: int,
    executor: Any,
    progress: bool = True,
    sample_seed: int = 0,
    tol_months: float = 0.5,
) -> dict[str, Any]:
    """Latin-hypercube sample of ``n`` points, outcomes, and PRIM boxes for :func:`backfire`."""
    from scipy.stats import qmc

    from aiblocs.experiments import prim

    if isinstance(n, bool) or not isinstance(n, int) or n < 20:
        raise ValueError(f"discover needs --n >= 20 points, got {n!r}")
    if not 0 <= tol_months <= 60:
        raise ValueError(f"--tol-months must be in [0, 60], got {tol_months!r}")
    prob = problem(ranges)
    lo, hi = np.array(prob["bounds"]).T
    X = qmc.scale(qmc.LatinHypercube(d=len(lo), seed=sample_seed).random(n), lo, hi)
    design = design_record("lhs", X, prob["names"], n=n, seeds=seeds, n_adopters=n_adopters,
                           sample_seed=sample_seed)  # fmt: skip
    Y = run_design(X, prob["names"], folder, design, seeds, n_adopters, executor, progress,
                   "discover")  # fmt: skip
    y = backfire(Y, tol_months).to_numpy()
    boxes, trajs = prim.cover(X, y, prob["names"]) if 0 < y.sum() < len(y) else ([], [])
    return {"X": pd.DataFrame(X, columns=prob["names"]), "Y": Y, "y": y, "boxes": boxes,
            "trajectories": trajs, "tol_months": tol_months,
            "strict_rate": float((Y["d_lag_2030"] < 0).mean()),
            "domestic_rate": float((Y["d_domestic_2030"] > 0).mean())}  # fmt: skip
