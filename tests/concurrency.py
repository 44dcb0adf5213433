"""Running requests or service calls at the same moment, for the race tests (real threads)."""
from __future__ import annotations

import threading


def race(*calls):
    """Run the calls in threads released together; their results (or exceptions), in order.

    A crash in the app is a result to count, not a lost thread: the exception is returned.
    """
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        start.wait()
        try:
            results[i] = call()
        except Exception as e:  # noqa: BLE001 - the test asserts on it
            results[i] = e

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def all_at_once(n: int, attempt) -> list:
    """race() of attempt(0) ... attempt(n - 1)."""
    return race(*(lambda i=i: attempt(i) for i in range(n)))
