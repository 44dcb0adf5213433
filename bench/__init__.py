"""Benchmarks: data generators and timing scripts. They print figures and never assert timings."""


def pct(values: list[float], p: float) -> float:
    """The p-th percentile, nearest rank: what the benchmarks print."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]
