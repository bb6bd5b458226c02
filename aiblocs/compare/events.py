"""Events that differ between the arms of a pair (same seed, two arms).

On common seeds, a random event drawn from a keyed stream happens in both arms unless the
policy changed the state it depends on; decisions differ where the arms' histories differ. The
events of one arm that the other lacks, matched by (quarter, kind, actor) with repeats counted,
show where the paths of a pair part.
"""

from __future__ import annotations

import pandas as pd

from aiblocs.compare import stats
from aiblocs.compare.cells import fmt
from aiblocs.ensemble.spec import ExperimentSpec
from aiblocs.viz.tables import markdown_table

MATCH = ["quarter", "kind", "actor"]
"""What makes two events of a pair the same event."""


def differences(events: pd.DataFrame, spec: ExperimentSpec) -> pd.DataFrame:
    """Every event of a pair that only one of its two arms has.

    Args:
        events: stored event logs (``load_results(folder, "events")``: ids and the log's
            columns), each run's events in time order.
        spec: the experiment.

    Returns:
        One row per unmatched event: ``arm``, ``arm_title``, ``reference_title``,
        ``seed_index``, ``only_in`` (``arm`` or ``reference``), the event's quarter, kind,
        actor, what and size.
    """
    titles = stats.arm_titles(spec)
    cols = ["arm", "arm_title", "reference_title", "seed_index", "only_in", *MATCH, "what", "size"]
    keep = ["seed_index", *MATCH, "what", "size"]
    out = []
    for arm, _, _ in spec.arms():
        ref = stats.reference_arm(spec, arm)
        if arm == ref:
            continue
        pair = [_counted(events[events["arm"] == x][keep]) for x in (arm, ref)]
        seeds = sorted(
            set(events.loc[events["arm"] == arm, "seed_index"])
            | set(events.loc[events["arm"] == ref, "seed_index"])
        )
        if not seeds:
            continue
        on = ["seed_index", *MATCH, "n"]
        both = pair[0].merge(pair[1][on], on=on, how="outer", indicator=True)
        both = both.merge(pair[1], on=on, how="left", suffixes=("", "_ref"))
        for side, which in (("left_only", "arm"), ("right_only", "reference")):
            d = both[both["_merge"] == side].copy()
            if which == "reference":
                d["what"], d["size"] = d["what_ref"], d["size_ref"]
            d = d.assign(arm=arm, arm_title=titles[arm], reference_title=titles[ref], only_in=which)
            out.append(d[cols])
    if not out:
        return pd.DataFrame(columns=cols)
    diff = pd.concat(out, ignore_index=True)
    return diff.sort_values(
        ["arm", "seed_index", "quarter", "kind", "actor"], kind="stable"
    ).reset_index(drop=True)


def _counted(ev: pd.DataFrame) -> pd.DataFrame:
    """Events with ``n``: the how-many-th of the same (seed, quarter, kind, actor) each is."""
    return ev.assign(n=ev.groupby(["seed_index", *MATCH], sort=False).cumcount())


def summary(events: pd.DataFrame, diffs: pd.DataFrame, spec: ExperimentSpec) -> pd.DataFrame:
    """Per non-reference arm and event kind: events in each arm and those only one arm has.

    Columns: arm, arm_title, kind, events_arm, events_reference (over all seeds), only_arm,
    only_reference, pairs_differing (seeds with at least one unmatched event of the kind),
    pairs (seeds of the comparison).
    """
    titles = stats.arm_titles(spec)
    rows = []
    for arm, _, _ in spec.arms():
        ref = stats.reference_arm(spec, arm)
        if arm == ref:
            continue
        d = diffs[diffs["arm"] == arm]
        pairs = spec.n_units
        for kind in sorted(set(events.loc[events["arm"].isin([arm, ref]), "kind"])):
            k = d[d["kind"] == kind]
            rows.append(
                {
                    "arm": arm,
                    "arm_title": titles[arm],
                    "reference_title": titles[ref],
                    "kind": kind,
                    "events_arm": int(((events["arm"] == arm) & (events["kind"] == kind)).sum()),
                    "events_reference": int(
                        ((events["arm"] == ref) & (events["kind"] == kind)).sum()
                    ),
                    "only_arm": int((k["only_in"] == "arm").sum()),
                    "only_reference": int((k["only_in"] == "reference").sum()),
                    "pairs_differing": int(k["seed_index"].nunique()),
                    "pairs": pairs,
                }
            )
    cols = ["arm", "arm_title", "reference_title", "kind", "events_arm", "events_reference",
            "only_arm", "only_reference", "pairs_differing", "pairs"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def examples(diffs: pd.DataFrame, n_pairs: int = 2, n_events: int = 8) -> pd.DataFrame:
    """For each arm, the ``n_pairs`` pairs with the most unmatched events (first ``n_events``)."""
    out = []
    for _, d in diffs.groupby("arm", sort=True):
        counts = d.groupby("seed_index").size().sort_values(ascending=False, kind="stable")
        for seed in counts.index[:n_pairs]:
            out.append(d[d["seed_index"] == seed].head(n_events))
    return pd.concat(out, ignore_index=True) if out else diffs.iloc[:0]


def section(events: pd.DataFrame | None, diffs: pd.DataFrame, table: pd.DataFrame) -> list[str]:
    """Markdown lines of the report's section on events that differ between arms."""
    lines = ["## Events that differ between the arms of a pair", ""]
    if events is None:
        return [
            *lines,
            "This folder holds no event log (runs stored before aiblocs kept one, "
            "or stored as outcomes only).",
            "",
        ]
    if not len(events):
        return [
            *lines,
            "No run logged an event (random events, deals, policy decisions), so "
            "the arms of a pair cannot differ in their events.",
            "",
        ]
    lines += [
        "Same seed, two arms: the events one arm has and the other lacks, matched by quarter, "
        "kind and actor (repeats counted). Per kind, over all pairs: events in each arm, the "
        "unmatched ones, and the pairs with at least one. event_summary.csv and "
        "event_diffs.csv hold every row.",
        "",
    ]
    if len(table):
        shown = table.rename(
            columns={
                "arm_title": "arm",
                "only_arm": "only in arm",
                "only_reference": "only in reference",
                "pairs_differing": "pairs differing",
            }
        )
        keep = [
            "arm",
            "kind",
            "events_arm",
            "events_reference",
            "only in arm",
            "only in reference",
            "pairs differing",
            "pairs",
        ]
        lines += [markdown_table(shown[keep]), ""]
    ex = examples(diffs)
    if not len(ex):
        lines += ["Every pair has the same events in both arms.", ""]
        return lines
    shown = pd.DataFrame(
        {
            "arm": ex.arm_title,
            "seed": ex.seed_index,
            "only in": [
                a if w == "arm" else r
                for a, r, w in zip(ex.arm_title, ex.reference_title, ex.only_in, strict=True)
            ],
            "quarter": ex.quarter,
            "kind": ex.kind,
            "actor": ex.actor,
            "what": ex.what,
            "size": [fmt(v) for v in ex["size"]],
        }
    )
    lines += [
        "Examples: the pairs with the most unmatched events (up to 2 per arm, 8 events each).",
        "",
        markdown_table(shown),
        "",
    ]
    return lines
