"""Sensitivity analysis (Morris, Sobol via SALib) and scenario discovery (PRIM).

Quick use::

    from aiblocs.sensitivity import load_ranges, problem
    problem(load_ranges())      # the SALib problem of the packaged plausible ranges
"""

from aiblocs.sensitivity.ranges import Range, load_ranges, problem

__all__ = ["Range", "load_ranges", "problem"]
