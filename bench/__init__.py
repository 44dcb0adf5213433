"""Benchmarks: data generators and timing scripts. They print figures and never assert timings."""
