"""The model: parameters, regimes, markets, the vectorised adoption pass and AIBlocsModel."""
