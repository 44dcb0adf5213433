"""Benchmarks: data generators and timing scripts. They print figures and never assert timings."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

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


@contextmanager
def servers() -> Iterator[Callable[..., str]]:
    """`with servers() as serve: base = serve(target, workers, probe)`; all stop when it ends."""
    procs = []

    def serve(*args, **kwargs) -> str:
        proc, base = start_gunicorn(*args, **kwargs)
        procs.append(proc)
        return base

    try:
        yield serve
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)


def bench_tenant(slug: str, tool: str):
    """The tenant bench.generate filled (in the current app context), or a clear exit."""
    from sqlalchemy import select

    from panel.extensions import db
    from panel.models import Tenant

    if db.engine.dialect.name != "postgresql":
        raise SystemExit(f"{tool} needs PostgreSQL: set DATABASE_URL=postgresql://...")
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        raise SystemExit(f"no tenant {slug!r}: run python -m bench.generate first")
    return tenant
