"""This repository's reports: kernels, streaming, peers, the reference guide's tables, noise."""
