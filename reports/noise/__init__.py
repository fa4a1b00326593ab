"""How noisy the asv suite is, run by run, and a probe of one benchmark body over time."""
