"""aiblocs: an agent-based model of the US-China contest over the AI stack."""

from aiblocs.model.model import AIBlocsModel
from aiblocs.model.params import Params
from aiblocs.model.regimes import Regime, get_regime, preset_names
from aiblocs.run import run

__version__ = "0.1.0"
__all__ = ["AIBlocsModel", "Params", "Regime", "__version__", "get_regime", "preset_names", "run"]
