"""The live-search fragment of an earlier commit and of this checkout, timed side by side.

    DATABASE_URL=postgresql://postgres@127.0.0.1/regulars_bench \\
        python -m bench.compare da87023 --tenant-slug bench

This machine's speed drifts by up to 2x within an hour, so two runs of bench.search taken
minutes apart cannot tell a 10% change. Here both versions are served at once by their own
gunicorn (the earlier one unpacked from `git archive` into a temporary folder, its catalogs
compiled), against the same database, and for each query of bench.search the requests
alternate between the two: any drift hits both alike.

The database must suit both versions; it has this checkout's migrations, so compare commits
whose schema differs only in what the earlier code does not read (indexes, say). Figures only;
nothing is asserted.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import ROOT, bench_tenant, pct, servers
from bench.client import sign_in
from bench.search import HX, pick_queries
from panel import create_app


def unpack(rev: str, into: Path) -> None:
    """The tree of `rev` in `into`, with its translations compiled as `make install` does."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(pybabel), "compile", "-f", "-d", str(into / "panel" / "translations")], check=True,
                   capture_output=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rev", help="the earlier commit, e.g. da87023 or HEAD~3")
    parser.add_argument("--tenant-slug", default="bench")
    parser.add_argument("--password", default="bench-password-2026")
    parser.add_argument("--requests", type=int, default=100, help="timed requests per query and version")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per version")
    args = parser.parse_args(argv)

    app = create_app()
    with app.app_context():
        tenant_id = bench_tenant(args.tenant_slug, "bench.compare").id
        queries = pick_queries(tenant_id)
    rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.rev], check=True,
                         capture_output=True, text=True).stdout.strip()

    with tempfile.TemporaryDirectory(prefix=f"bench-{rev}-") as tmp, servers() as serve:
        unpack(rev, Path(tmp))
        versions = {}
        for name, tree in (("old", Path(tmp)), ("new", ROOT)):
            base = serve("wsgi:app", args.workers, "/login", tree=tree)
            versions[name] = sign_in(base, f"owner@{args.tenant_slug}.bench", args.password)
        print(f"{rev} (old) against this checkout (new), {args.requests} requests each per query, "
              f"alternating; gunicorn with {args.workers} sync workers each; ms")
        print(f"{'query':34} {'old p50':>8} {'old p95':>8} {'new p50':>8} {'new p95':>8} {'p95 change':>10}")
        for label, qargs in queries:
            times = {name: [] for name in versions}
            for i in range(args.warmup + args.requests):
                for name, client in versions.items():
                    elapsed = client.timed("/customers/", params=qargs, headers=HX)
                    if i >= args.warmup:
                        times[name].append(elapsed)
            old95, new95 = pct(times["old"], 95), pct(times["new"], 95)
            print(f"{label:34} {pct(times['old'], 50):>8.1f} {old95:>8.1f} {pct(times['new'], 50):>8.1f} "
                  f"{new95:>8.1f} {(new95 - old95) / old95:>+10.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
