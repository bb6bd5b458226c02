"""The calibration driver: Sobol design, differential evolution, two-step SMM, uncertainty.

Budget ``N`` counts parameter vectors (each simulated on the same S seeds): about half goes to a
scrambled Sobol design over the box, most of the rest to ``differential_evolution`` started from
the best design points, then a two-step re-weighting and a Nelder-Mead polish under the step-2
weights (about a sixth of the budget). The Jacobian and 1-D loss profiles at the estimate
come on top of the budget (``2P + 9P`` vectors). Parameter uncertainty is reported twice: a
sample from the sandwich covariance (MSM) and, as a cross-check, rejection ABC from every vector
evaluated during the search (uniform prior on the box; the 5% closest under step-1 weights).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import differential_evolution, minimize
from scipy.stats import qmc
from tqdm import tqdm

from aiblocs.calibration import smm
from aiblocs.calibration.simulate import Simulator
from aiblocs.calibration.targets import Dimension, Target

PROFILE_POINTS = 9
ABC_QUANTILE = 0.05
SAMPLE_SIZE = 200


@dataclass
class Result:
    """Everything a fit report needs."""

    names: list[str]
    theta: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    targets: list[Target]
    fit_mask: np.ndarray
    sims: np.ndarray  # (S, K) statistics at the estimate, all targets
    weights: smm.Weights
    inference: smm.Inference
    trace: list[float] = field(default_factory=list)  # best loss after each evaluated vector
    profiles: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    msm_sample: np.ndarray | None = None
    abc_sample: np.ndarray | None = None
    evaluations: int = 0


class _Tracker:
    """Loss under fixed weights for batches of vectors, with a running-best trace and a bar."""

    def __init__(
        self, sim: Simulator, fit: np.ndarray, obs: np.ndarray, W: np.ndarray, bar: tqdm | None
    ) -> None:
        self.sim, self.fit, self.obs, self.W, self.bar = sim, fit, obs, W, bar
        self.trace: list[float] = []
        self.seen: dict[str, float] = {}

    def losses(self, thetas: list[np.ndarray]) -> list[float]:
        out = []
        for t, s in zip(thetas, self.sim.evaluate(thetas), strict=True):
            value = smm.loss(s[:, self.fit], self.obs, self.W)
            key = self.sim.key(t)
            if key not in self.seen:
                self.seen[key] = value
                best = min(value, self.trace[-1]) if self.trace else value
                self.trace.append(best)
                if self.bar is not None:
                    self.bar.update(1)
                    self.bar.set_postfix(best=f"{best:.3g}")
            out.append(value)
        return out

    def __call__(self, func, iterable) -> list[float]:
        """Map-like hook for ``differential_evolution(workers=...)``: one parallel batch."""
        return self.losses([np.asarray(x) for x in iterable])


def calibrate(
    targets: list[Target],
    space: list[Dimension],
    sim: Simulator,
    budget: int,
    seed: int = 0,
    progress: bool = True,
) -> Result:
    """Fit the parameters in ``space`` to the ``fit`` targets; report the holdout ones too.

    Args:
        targets: all targets (statistics are simulated for every one, fitted on set == 'fit').
        space: calibrated parameters and their box.
        sim: the simulator (its ``targets`` must equal ``targets``).
        budget: number of parameter vectors for design + search (>= 8).
        seed: seed of the Sobol scrambling, DE and the uncertainty samples.
        progress: show a progress bar.
    """
    if budget < 8:
        raise ValueError(f"budget must be at least 8 parameter vectors, got {budget}")
    names = [d.name for d in space]
    lo, hi = np.array([d.lo for d in space]), np.array([d.hi for d in space])
    fit = np.array([t.set == "fit" for t in targets])
    obs = np.array([t.observed for t in targets])
    sig = np.array([t.sigma for t in targets])
    w1 = smm.step1(sig[fit])
    bar = tqdm(total=budget, desc="calibrate", unit="vec", disable=not progress)
    tracker = _Tracker(sim, fit, obs[fit], w1.W, bar)

    n_design = 2 ** int(np.log2(max(4, budget // 2)))
    n_polish = max(4 * len(space), budget // 6) if budget >= 24 else 0
    de_budget = budget - n_polish
    design = qmc.scale(qmc.Sobol(len(space), seed=seed).random(n_design), lo, hi)
    design_loss = tracker.losses(list(design))
    popsize = max(5, min(15, (de_budget - n_design) // (3 * len(space)) or 5))
    pop = popsize * len(space)
    if pop <= n_design:  # start DE from the best design points (already evaluated)
        init, maxiter = design[np.argsort(design_loss)[:pop]], (de_budget - n_design) // pop
    else:
        init, maxiter = "sobol", (de_budget - n_design) // pop - 1
    if maxiter >= 1:
        res = differential_evolution(
            lambda x: 0.0, list(zip(lo, hi, strict=True)), init=init, popsize=popsize,
            maxiter=maxiter, seed=seed, workers=tracker, updating="deferred", polish=False,
            tol=0, atol=0,
        )  # fmt: skip
        del res
    # step 1 estimate, then efficient re-weighting, the best vector under it, and a polish
    keys = list(tracker.seen)
    theta1 = np.array(_parse_key(keys[int(np.argmin([tracker.seen[k] for k in keys]))]))
    sims1 = sim.evaluate([theta1])[0]
    w2 = smm.step2(sims1[:, fit], obs[fit], sig[fit])

    def loss2(x: np.ndarray) -> float:
        tracker.losses([np.clip(x, lo, hi)])  # counts towards the budget and the trace
        return smm.loss(sim.evaluate([np.clip(x, lo, hi)])[0][:, fit], obs[fit], w2.W)

    start = min((np.array(_parse_key(k)) for k in keys), key=loss2)
    if n_polish:
        simplex = [start] + [np.clip(start + 0.1 * (hi - lo) * np.eye(len(lo))[j], lo, hi)
                             for j in range(len(lo))]  # fmt: skip
        minimize(loss2, start, method="Nelder-Mead", bounds=list(zip(lo, hi, strict=True)),
                 options={"maxfev": n_polish, "initial_simplex": np.array(simplex),
                          "xatol": 1e-4, "fatol": 1e-6})  # fmt: skip
    bar.close()
    thetas = [np.array(_parse_key(k)) for k in tracker.seen]
    theta = min(thetas, key=loss2)
    sims = sim.evaluate([theta])[0]
    # Jacobian, inference, profiles
    points, steps = smm.jacobian_points(theta, lo, hi)
    means = [s[:, fit].mean(axis=0) for s in sim.evaluate(points)]
    G = smm.jacobian(means, steps)
    d = sims[:, fit].mean(axis=0) - obs[fit]
    omega = smm.omega_at(sims[:, fit], obs[fit], sig[fit])
    inf = smm.inference(G, w2.W, omega, d, hi - lo, sig[fit])
    profiles = {}
    for j, name in enumerate(names):
        grid = np.linspace(lo[j], hi[j], PROFILE_POINTS)
        pts = [np.where(np.arange(len(theta)) == j, g, theta) for g in grid]
        profiles[name] = (grid, np.array([smm.loss(s[:, fit], obs[fit], w2.W)
                                          for s in sim.evaluate(pts)]))  # fmt: skip
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    msm = smm.truncated_normal_sample(theta, inf.cov, lo, hi, SAMPLE_SIZE, rng)
    keys = list(tracker.seen)
    cut = np.quantile(design_loss_all := np.array([tracker.seen[k] for k in keys]), ABC_QUANTILE)
    abc = np.array([_parse_key(k) for k in keys])[design_loss_all <= cut]
    return Result(names, theta, lo, hi, list(targets), fit, sims, w2, inf, tracker.trace,
                  profiles, msm, abc, evaluations=sim.calls)  # fmt: skip


def _parse_key(key: str) -> list[float]:
    import json

    return json.loads(key)
