"""Stage 2: input and output (asv results, columns, git history, baselines, atomic writes)."""
