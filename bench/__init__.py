"""Benchmarks of chanjiao: loads, questions, the whole-population report, the API, memory and growth with scale.

``python -m bench.run`` runs everything and writes ``bench/results/*.json`` and ``docs/benchmarks.md``;
``python -m bench.run --quick`` is the small version the test suite runs (tests/test_bench_quick.py).
"""
