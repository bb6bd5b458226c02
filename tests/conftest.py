"""Shared test configuration: hypothesis profiles.

``ci`` (the default) keeps property tests small and deterministic so the suite fits the CI
budget; ``thorough`` runs many more examples locally::

    pytest tests/test_reliability_invariants.py --hypothesis-profile=thorough

The ``--hypothesis-profile`` option comes from hypothesis' own pytest plugin, which loads the
profile named on the command line after this file has registered it.
"""

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,  # a model run takes ~0.1 s, more on a loaded machine
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "database": None,  # no example cache in .hypothesis/: a run never depends on earlier runs
}
settings.register_profile("ci", max_examples=8, derandomize=True, print_blob=True, **_COMMON)
settings.register_profile("thorough", max_examples=400, print_blob=True, **_COMMON)
settings.load_profile("ci")
