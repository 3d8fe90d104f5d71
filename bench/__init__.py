"""Benchmarks at county scale; run with `make bench` (see bench/run.py)."""
