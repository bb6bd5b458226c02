"""Do adaptive governments, started in 2022, reproduce the 2022-25 policy path without a script?

Each run of an ensemble of an adaptive regime is stepped to its end while the governments'
settings are recorded every quarter (:func:`policy_path`); the path is checked against the dated
steps of the record (:data:`STEPS`, facts rows [135], [136], [45], [14], [18]); the table gives
the share of seeds matching each step and all of them jointly, with Wilson 95% intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from aiblocs.compare.stats import wilson
from aiblocs.ensemble.runner import check_experiment, run_tasks
from aiblocs.ensemble.spec import ExperimentSpec, Run
from aiblocs.ensemble.store import Store, load_parts
from aiblocs.model.calendar import parse_quarter
from aiblocs.model.model import AIBlocsModel
from aiblocs.model.regimes import TIERS

KIND = "policy-validation"
LAST_QUARTER_NEEDED = "2026Q1"  # step (c) reads the stance in 2025Q4 or 2026Q1


@dataclass(frozen=True)
class Step:
    """One dated step of the 2022-25 record, as a test on a run's policy path."""

    name: str
    label: str
    source: str
    joint: bool  # part of the joint match (the three steps of the brief)


STEPS = (
    Step("tightened", "(a) US: frontier tier banned or licensed at 2023Q4",
         "Oct 2022 and Oct 2023 rules [135]", True),
    Step("loosened_fee", "(b) US: some tier licensed with a positive fee during 2025",
         "Aug 2025 15% deal [45]; Dec 2025 H200 at 25% [14]", True),
    Step("cn_blocks_prev", "(c) China: prev tier discouraged or blocked at 2025Q4 or 2026Q1",
         "H200 pause and customs block [136], [18]", True),
    Step("loosened_from_ban", "US: a banned tier licensed again during 2025",
         "Aug and Dec 2025 [135]", False),
    Step("cn_discourages_compliant", "China: compliant tier discouraged or blocked, 2025Q3-Q4",
         "Sep 2025: firms told to stop buying H20 [136]", False),
    Step("cn_mandate", "China: domestic mandate for state-funded hubs by 2025Q4",
         "Nov 2025 [136]", False),
)  # fmt: skip
JOINT = "joint"
JOINT_LABEL = "(a) and (b) and (c)"


def _state(model: AIBlocsModel) -> dict[str, Any]:
    us, cn = model.us_gov, model.cn_gov
    row: dict[str, Any] = {"quarter": model.quarter}
    for t in TIERS:
        rule = us.rules[t]
        row[f"us_{t}"], row[f"fee_{t}"] = rule.status, rule.fee
        row[f"cn_{t}"] = cn.stance[t]
    row.update(enforcement=us.enforcement, cn_mandate=cn.mandate, cn_subsidy=cn.subsidy,
               cn_drive=cn.drive, cn_lag_months=model.m["cn_lag_months"])  # fmt: skip
    return row


def policy_path(model: AIBlocsModel) -> pd.DataFrame:
    """Step ``model`` to its end; one row per quarter of both governments' settings.

    Columns: ``quarter``; per tier ``us_<tier>`` (status), ``fee_<tier>``, ``cn_<tier>``
    (stance); ``enforcement``, ``cn_mandate``, ``cn_subsidy``, ``cn_drive`` and the lag.
    """
    rows = []
    while model.running:
        before = model.q
        model.step()
        if model.q != before:
            rows.append(_state(model))
    return pd.DataFrame(rows)


def _between(path: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    q = path["quarter"].map(parse_quarter)
    return path[(q >= parse_quarter(first)) & (q <= parse_quarter(last))]


def path_flags(path: pd.DataFrame) -> dict[str, bool]:
    """Whether one run's policy path matches each step of :data:`STEPS` (and all three)."""
    at = path.set_index("quarter")
    y2025 = _between(path, "2025Q1", "2025Q4")
    licensed_fee = any(((y2025[f"us_{t}"] == "licensed") & (y2025[f"fee_{t}"] > 0)).any()
                       for t in TIERS)  # fmt: skip
    prev = _between(path, "2024Q4", "2025Q4")
    from_ban = any(((prev[f"us_{t}"].shift(1) == "banned") & (prev[f"us_{t}"] == "licensed"))
                   .iloc[1:].any() for t in TIERS)  # fmt: skip
    late = _between(path, "2025Q4", "2026Q1")
    compliant = _between(path, "2025Q3", "2025Q4")["cn_compliant"]
    flags = {
        "tightened": at.loc["2023Q4", "us_frontier"] in ("licensed", "banned"),
        "loosened_fee": bool(licensed_fee),
        "cn_blocks_prev": bool(late["cn_prev"].isin(("discourage", "block")).any()),
        "loosened_from_ban": bool(from_ban),
        "cn_discourages_compliant": bool(compliant.isin(("discourage", "block")).any()),
        "cn_mandate": bool(at.loc["2025Q4", "cn_mandate"]),
    }
    flags[JOINT] = all(flags[s.name] for s in STEPS if s.joint)
    return flags


def policy_task(run: Run, _kinds: Any = None) -> pd.DataFrame:
    """Worker task: one run's policy path, with its ids and counts of logged decisions."""
    model = AIBlocsModel(run.scenario, rng=run.seed)
    path = policy_path(model)
    counts = pd.Series([e.kind for e in model.events if e.drawn], dtype=str).value_counts()
    path.insert(0, "run_id", run.run_id)
    path.insert(1, "seed_index", run.seed_index)
    path.insert(2, "seed", run.seed)
    for kind in ("us_rule", "us_enforcement", "cn_stance", "cn_mandate", "cn_subsidy"):
        path[f"n_{kind}"] = int(counts.get(kind, 0))
    return path


def check_spec(spec: ExperimentSpec) -> None:
    """Refuse (ValueError) an ensemble that cannot be checked against every step."""
    for r in spec.runs()[:1]:
        p = r.scenario.params
        if parse_quarter(p.end) < parse_quarter(LAST_QUARTER_NEEDED):
            raise ValueError(
                f"end = {p.end} is before {LAST_QUARTER_NEEDED}: step (c) reads China's stance in "
                "2025Q4 or 2026Q1; use --end 2026Q1 or later"
            )
        if parse_quarter(p.start) > parse_quarter("2022Q4"):
            raise ValueError(f"start = {p.start} is after 2022Q4: the path starts in 2022")


def run_validation(spec: ExperimentSpec, out: str | Path, executor: Any,
                   progress: bool = True) -> Store:  # fmt: skip
    """Run (or resume) every run of ``spec`` into the store at ``out``; return the store."""
    check_spec(spec)
    check_experiment(spec, executor)
    runs = spec.runs()
    store = Store(out, KIND, spec.identity(), [r.run_id for r in runs], key="run_id",
                  extra={"spec": spec.to_dict(), "seeds": spec.seeds()})  # fmt: skip
    with store:
        run_tasks(store, [(r.run_id, r) for r in runs], policy_task, executor, None,
                  progress=progress, desc="aiblocs validate-policy")  # fmt: skip
    return store


def load_paths(store: Store) -> pd.DataFrame:
    """Every stored run's policy path, sorted by seed index and quarter."""
    df = load_parts(store.folder, "run_id", experiment=store.fingerprint)
    q = df["quarter"].map(parse_quarter)
    return df.assign(_q=q).sort_values(["seed_index", "_q"]).drop(columns="_q")


def validation_table(paths: pd.DataFrame) -> pd.DataFrame:
    """Share of runs matching each step and jointly, with Wilson 95% intervals."""
    flags = pd.DataFrame([path_flags(g) for _, g in paths.groupby("run_id", sort=False)])
    n = len(flags)
    rows = []
    for name, label, source in [*((s.name, s.label, s.source) for s in STEPS),
                                (JOINT, JOINT_LABEL, "all three")]:  # fmt: skip
        k = int(flags[name].sum())
        lo, hi = wilson(k, n)
        rows.append({"step": name, "label": label, "source": source, "matched": k, "runs": n,
                     "share": k / n if n else float("nan"), "lo": lo, "hi": hi})  # fmt: skip
    return pd.DataFrame(rows)


def first_quarters(paths: pd.DataFrame) -> pd.DataFrame:
    """Per run: the first quarter each tier was restricted by the US and each stance non-allow."""
    out = []
    for run_id, g in paths.groupby("run_id", sort=False):
        row = {"run_id": run_id}
        for t in TIERS:
            us = g.loc[g[f"us_{t}"] != "free", "quarter"]
            cn = g.loc[g[f"cn_{t}"] != "allow", "quarter"]
            row[f"us_{t}"] = us.iloc[0] if len(us) else ""
            row[f"cn_{t}"] = cn.iloc[0] if len(cn) else ""
        out.append(row)
    return pd.DataFrame(out)


def markdown(table: pd.DataFrame, command: str, seconds: float, spec: ExperimentSpec) -> str:
    """The validation table as Markdown, with the command and runtime."""
    lines = [
        "# Policy validation: adaptive governments against the 2022-25 record",
        "",
        f"Regime(s) `{', '.join(spec.regimes)}`, {spec.n_seeds} seeds (root seed "
        f"{spec.root_seed}), overrides {spec.overrides or 'none'}.",
        f"Command: `{command}`; runtime {seconds:.0f} s.",
        "",
        "| step | matched | share | 95% CI (Wilson) | record |",
        "|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        lines.append(f"| {r.label} | {r.matched}/{r.runs} | {r.share:.2f} | "
                     f"[{r.lo:.2f}, {r.hi:.2f}] | {r.source} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def write_report(store: Store, command: str, seconds: float, spec: ExperimentSpec) -> Path:
    """Write ``validation.md``, ``validation.csv`` and ``first_quarters.csv``; return the .md."""
    paths = load_paths(store)
    table = validation_table(paths)
    folder = Path(store.folder)
    table.to_csv(folder / "validation.csv", index=False)
    first_quarters(paths).to_csv(folder / "first_quarters.csv", index=False)
    md = folder / "validation.md"
    md.write_text(markdown(table, command, seconds, spec))
    return md
