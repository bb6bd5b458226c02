"""Model capability (log-linear in effective compute), induced efficiency, and the lag in months."""

from __future__ import annotations

import bisect

EXP_CLAMP = 50.0  # numerical guard on exp() of a capability lead or a growth exponent


def train_labs(model, compute: dict[str, float], scarcity: dict[str, float]) -> None:
    """Give each lab its share of its bloc's training compute and update capability.

    Every lab, in either bloc, speeds its algorithmic efficiency in proportion to its own bloc's
    compute scarcity (the unserved share of that bloc's demand at cost prices: induced
    innovation [101, 102]) and absorbs part of its gap to the best open-weight model, whoever
    released it (US labs can release open weights too) [24, 37]; and every lab behind the world's
    best model closes ``distillation`` of its capability gap a year by learning from its outputs
    (distillation, published methods), whoever leads [23, 24].
    """
    p = model.p
    open_labs = [lab for lab in model.labs if lab.openness >= p.open_weight_threshold]
    open_best = max((lab.log_eff for lab in open_labs), default=-1e9)  # -1e9: no open lab
    leader = max(lab.capability for lab in model.labs)  # last quarter's world frontier
    for lab in model.labs:
        lab.train(compute[lab.bloc] * lab.weight, scarcity[lab.bloc], open_best, leader)


def best(model, bloc: str) -> float:
    """Best capability in a bloc."""
    return max(lab.capability for lab in model.labs if lab.bloc == bloc)


class FrontierHistory:
    """The US frontier's capability over time, to date China's capability: the lag in months."""

    def __init__(self, start_q: int, cap0: float, slope_per_year: float, years_back: int = 15):
        self.quarters = [start_q - k for k in range(4 * years_back, 0, -1)]
        self.caps = [cap0 - slope_per_year * k / 4 for k in range(4 * years_back, 0, -1)]

    def record(self, q: int, cap: float) -> None:
        """Append this quarter's frontier (running maximum keeps the series monotone)."""
        self.quarters.append(q)
        self.caps.append(max(cap, self.caps[-1]))

    def lag_months(self, q: int, cap_cn: float) -> float:
        """Months since the US frontier first reached ``cap_cn`` (0 if China is level or ahead)."""
        if cap_cn >= self.caps[-1]:
            return 0.0
        i = bisect.bisect_left(self.caps, cap_cn)
        if i == 0:
            return 3.0 * (q - self.quarters[0])
        c0, c1 = self.caps[i - 1], self.caps[i]
        frac = (cap_cn - c0) / (c1 - c0) if c1 > c0 else 1.0
        t = self.quarters[i - 1] + frac * (self.quarters[i] - self.quarters[i - 1])
        return 3.0 * (q - t)
