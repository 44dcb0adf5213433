"""Benchmarks: data generators and timing scripts. They print figures and never assert timings."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def pct(values: list[float], p: float) -> float:
    """The p-th percentile, nearest rank: what the benchmarks print."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(target: str, workers: int, probe: str, tree: Path = ROOT) -> tuple[subprocess.Popen, str]:
    """gunicorn serving `target` from `tree` with sync workers on a free local port: (process, base URL).

    `tree` is this checkout unless given (bench.compare serves an older one beside it).
    """
    port = free_port()
    env = dict(os.environ, REGULARS_ENV=os.environ.get("REGULARS_ENV", "development"), PYTHONPATH=str(tree))
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen([str(gunicorn), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                             "--chdir", str(tree), target], cwd=tree, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            requests.get(base + probe, timeout=1)
            return proc, base
        except requests.RequestException:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit(f"gunicorn {target} did not start")
