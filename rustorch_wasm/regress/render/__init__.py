"""Stage 4: views of a report (Markdown, plots, the trend site)."""
