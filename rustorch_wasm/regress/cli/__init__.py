"""Stage 5: the command line (detect, compare, baseline, gate, site) and the asv runner."""
from .main import main

__all__ = ["main"]
