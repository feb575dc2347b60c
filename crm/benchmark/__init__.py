"""Benchmark data and measurements: `flask generate-data` builds a large believable register from a seed,
`python -m crm.benchmark.bench` (`make bench`) measures the main pages and bulk operations on it."""
