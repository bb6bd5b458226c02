"""Mesa agents of the model: firms, governments, provinces and adopter cohorts."""

from aiblocs.agents.adopter_cohort import AdopterCohort
from aiblocs.agents.chip_designer import ChipDesigner
from aiblocs.agents.cloud_provider import CloudProvider
from aiblocs.agents.governments import ChinaGovernment, GSGovernment, USGovernment
from aiblocs.agents.model_lab import ModelLab
from aiblocs.agents.province import Province

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
