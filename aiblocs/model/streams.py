"""Keyed random streams: every draw is tied to the decision it serves, not to the order of draws.

A run's randomness comes from its seed (``model.seed_sequence``). Each stochastic decision draws
from its own stream, keyed by the kind of decision, the agent it concerns and the quarter:
``stream(kind, *key)`` builds a counter-based Philox generator from the seed and the key
(``SeedSequence(entropy, spawn_key=(*root, KIND, *key))``). Two runs with the same seed thus
share every draw whose key they share, whatever else they draw: a policy change that adds a
licence decision, an event or a government choice does not shift any other stream (common random
numbers that survive policy changes). Kind numbers are fixed forever; a new kind gets a new one.
"""

from __future__ import annotations

import numpy as np

KINDS: dict[str, int] = {
    "network": 1,  # the adopter network (once per run)
    "adoption": 2,  # the adoption pass, per quarter
    "licences": 3,  # licence decisions, per tier and quarter
    "breakthrough": 4,  # algorithmic breakthroughs, per lab and quarter
    "crackdown": 5,  # enforcement crackdowns, per quarter
    "supply": 6,  # fab and memory supply shocks, per quarter
    "deal": 7,  # Global South national deals, per country and quarter
    "large_adopter": 8,  # large adopters' stack choices, per adopter and quarter
    "us_policy": 9,  # US government decisions, per quarter
    "cn_policy": 10,  # Chinese government decisions, per quarter
    "large_adopter_sizes": 11,  # sizes of the large adopters (once per run)
}


class Streams:
    """Factory of keyed generators for one run (see the module docstring)."""

    def __init__(self, seed: np.random.SeedSequence) -> None:
        self.entropy = seed.entropy
        self.root = tuple(seed.spawn_key)

    def __call__(self, kind: str, *key: int) -> np.random.Generator:
        """The generator of decision ``kind`` for ``key`` (agent index, quarter index, ...)."""
        if kind not in KINDS:
            raise KeyError(f"unknown random stream {kind!r}; known: {', '.join(KINDS)}")
        spawn_key = (*self.root, KINDS[kind], *(int(k) & 0xFFFFFFFF for k in key))
        seq = np.random.SeedSequence(self.entropy, spawn_key=spawn_key)
        return np.random.Generator(np.random.Philox(seq))
