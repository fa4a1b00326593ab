"""Stage 1: the data model (series, findings, kinds, config, profile, units)."""
