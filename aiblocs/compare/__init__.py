"""Comparing regimes: paired statistics over seeds, the report and its figures.

Quick use::

    from aiblocs.compare import make_report
    rep = make_report("results/demo")   # a folder written by aiblocs.ensemble.run_experiment
    rep.effects                         # paired effects with 95% CIs
"""

from aiblocs.compare.report import Report, compute, make_report

__all__ = ["Report", "compute", "make_report"]
