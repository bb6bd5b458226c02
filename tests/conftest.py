"""Shared test configuration: hypothesis profiles and the seed of a randomised run.

Profiles (pick one with ``--hypothesis-profile=NAME``; ``ci`` is the default):

* ``ci``: explores. Examples are drawn at random (not derandomised), enough of them for the
  property tests to reach every regime, both neighbour paths and both arms of each lever within
  the CI budget. Each session draws one seed, prints it in the header and again after a
  failure; rerun with ``--hypothesis-seed=N`` (or ``HYPOTHESIS_SEED=N``) to repeat it.
* ``deep``: ten times as many examples (``make test-deep``).
* ``mutation``: few, fixed examples, so that a mutant's verdict does not depend on the draw
  (``make mutation``).

No example database is kept (``.hypothesis/``): a run never depends on earlier runs.
"""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,  # a model run takes ~0.1 s, more on a loaded machine
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "database": None,
    "print_blob": True,
}
settings.register_profile("ci", max_examples=25, **_COMMON)
settings.register_profile("deep", max_examples=250, **_COMMON)
settings.register_profile("mutation", max_examples=6, derandomize=True, **_COMMON)
settings.load_profile("ci")


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """Fix one seed per session for the randomised profiles (after hypothesis' own plugin)."""
    from hypothesis import core

    if settings.default.derandomize:
        config._hypothesis_seed = None
        return
    if core.global_force_seed is None:
        env = os.environ.get("HYPOTHESIS_SEED")
        core.global_force_seed = int(env) if env else random.SystemRandom().randrange(2**32)
    config._hypothesis_seed = core.global_force_seed


def _seed_line(config: pytest.Config) -> str | None:
    seed = getattr(config, "_hypothesis_seed", None)
    if seed is None:
        return None
    return f"hypothesis seed {seed} (repeat: --hypothesis-seed={seed} or HYPOTHESIS_SEED={seed})"


def pytest_report_header(config: pytest.Config) -> str | None:
    """Print the session's hypothesis profile and seed."""
    line = _seed_line(config)
    return f"hypothesis profile {settings.get_current_profile_name()!r}; {line or 'derandomised'}"


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Repeat the seed after a failure, where it is seen."""
    line = _seed_line(config)
    if exitstatus != 0 and line:
        terminalreporter.write_line(line)
