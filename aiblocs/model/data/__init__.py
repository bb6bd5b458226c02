"""Package data: country attributes, regime presets and the sources of cited figures."""
