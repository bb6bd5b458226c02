"""Package data: world tables, regime presets, calibrated defaults and cited sources."""
