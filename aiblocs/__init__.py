"""aiblocs: an agent-based model of the US-China contest over the AI stack."""

from aiblocs.model.model import AIBlocsModel
from aiblocs.model.outcomes import OUTCOMES, SERIES
from aiblocs.model.params import Params
from aiblocs.model.regimes import Regime, get_regime, preset_names
from aiblocs.model.run import evaluate, run
from aiblocs.model.scenario import Scenario
from aiblocs.provenance import VERSION

__version__ = VERSION

__all__ = [
    "OUTCOMES",
    "SERIES",
    "AIBlocsModel",
    "Params",
    "Regime",
    "Scenario",
    "__version__",
    "evaluate",
    "get_regime",
    "preset_names",
    "run",
]
