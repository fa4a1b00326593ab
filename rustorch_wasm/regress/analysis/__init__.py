"""Stage 3: analysis (statistics, change points, spikes, shared shifts, the rules)."""
