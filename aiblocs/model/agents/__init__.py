"""Mesa agents of the model: firms, governments, provinces and adopter cohorts."""

from aiblocs.model.agents.adopter_cohort import AdopterCohort
from aiblocs.model.agents.chip_designer import ChipDesigner
from aiblocs.model.agents.cloud_provider import CloudProvider
from aiblocs.model.agents.governments import ChinaGovernment, GSGovernment, USGovernment
from aiblocs.model.agents.model_lab import ModelLab
from aiblocs.model.agents.province import Province

__all__ = [
    "AdopterCohort",
    "ChinaGovernment",
    "ChipDesigner",
    "CloudProvider",
    "GSGovernment",
    "ModelLab",
    "Province",
    "USGovernment",
]
