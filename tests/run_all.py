"""`make test`: the whole suite on PostgreSQL (browser tests included), then again on SQLite.

The SQLite pass keeps the embedded quick start honest; it skips the tests marked pg_only and
the browser tests, which have already run against the same code on PostgreSQL.
"""
from __future__ import annotations

import os
import subprocess
import sys


def run(env_extra: dict[str, str], args: list[str]) -> int:
    env = dict(os.environ, **env_extra)
    cmd = [sys.executable, "-m", "pytest", *args]
    print("\n$ " + " ".join(f"{k}={v}" for k, v in env_extra.items()) + " " + " ".join(cmd[1:]), flush=True)
    return subprocess.call(cmd, env=env)


def main() -> int:
    extra = sys.argv[1:]
    pg = run({"TEST_DATABASE": "postgresql"}, ["-q", *extra])
    lite = run({"TEST_DATABASE": "sqlite"}, ["-q", "-m", "not pg_only and not browser", *extra])
    print(f"\nPostgreSQL pass: {'ok' if pg == 0 else 'FAILED'}; SQLite pass: {'ok' if lite == 0 else 'FAILED'}")
    return 0 if pg == 0 and lite == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
