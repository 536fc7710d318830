"""Benchmarks for reviewbot: synthetic libraries and the latency/ingest measurements run on them."""
