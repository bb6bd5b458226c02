"""Calibration: fit to dated facts (SMM), check held-out facts, sample parameter uncertainty."""
