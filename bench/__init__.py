"""Benchmarks: run by hand (`make bench` or `python -m bench.<name>`), never part of `make test`."""
