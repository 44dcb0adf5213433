"""Time a big customer import, and the memory of the worker that runs it.

    DATABASE_URL=postgresql://postgres@127.0.0.1/regulars_bench \\
        python -m bench.import_file --rows 100000

Works in a database of its own, created beside DATABASE_URL's (`<name>_import`, made afresh,
migrated, dropped at the end) and in Redis database 14, so a running panel or worker is not
disturbed. Builds a CSV of realistic Polish and Czech customers as a restaurant's old system
exports them (semicolons, cp1250, card codes with leading zeros; 2% of rows repeat an earlier
guest's e-mail and name, 1% carry a broken e-mail), then goes the way the panel goes:

* upload - the draft: the file read, its columns guessed (the request that takes the upload);
* preview - the first rows planned as they would be saved (the preview page's work);
* import - the job, run by a real forking RQ worker: its wall time, rows per second, and the
           peak resident memory of the work horse that ran it (ru_maxrss of the child).

Figures only; nothing is asserted.
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import random
import re
import resource
import sys
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.generate import person, valid_ico, valid_nip


def build_csv(rows: int, seed: int) -> bytes:
    rnd = random.Random(seed)
    buf = io.StringIO()
    out = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    out.writerow(["Imię", "Nazwisko", "Firma", "NIP", "IČO", "E-mail", "Telefon", "Ulica", "Kod pocztowy",
                  "Miejscowość", "Kraj", "Data urodzenia", "Zgoda marketingowa", "Kod karty", "Uwagi"])
    guests: list[tuple[str, str, str]] = []   # (e-mail, first name, last name)
    for n in range(rows):
        czech = rnd.random() < 0.3
        first, last = person(rnd, czech)
        repeat = guests and rnd.random() < 0.02
        if repeat:  # the same guest twice in the old system: their e-mail and name again
            email, first, last = rnd.choice(guests)
        company = nip = ico = ""
        if rnd.random() < 0.1:
            company = f"{last} {'s.r.o.' if czech else 'Sp. z o.o.'}"
            if czech:
                ico = valid_ico(rnd)
            else:
                nip = valid_nip(rnd)
        if not repeat and rnd.random() < 0.01:
            email = f"{first.lower()}@"             # typed wrong years ago
        elif not repeat:
            email = f"gosc{n}@example.{'cz' if czech else 'pl'}"
            guests.append((email, first, last))
        phone = f"+420 {rnd.randint(600, 799)} {rnd.randint(0, 999999):06d}" if czech else \
            f"{rnd.randint(500, 899)} {rnd.randint(0, 999):03d} {rnd.randint(0, 999):03d}"
        city, postcode = ("Brno", "602 00") if czech else ("Łódź", "90-001")
        birthday = f"{rnd.randint(1, 28)}.{rnd.randint(1, 12)}.{rnd.randint(1950, 2004)}" if rnd.random() < 0.4 else ""
        card = f"{n + 1:010d}" if rnd.random() < 0.7 else ""  # leading zeros, as the printed numbers have
        out.writerow([first, last, company, nip, ico, email, phone, "Piotrkowska 12", postcode, city,
                      "Česko" if czech else "Polska", birthday,
                      "tak" if rnd.random() < 0.4 else "nie", card, "stolik przy oknie" if rnd.random() < 0.05 else ""])
    return buf.getvalue().encode("cp1250", errors="replace")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261202)
    args = parser.parse_args(argv)

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        raise SystemExit("bench.import_file needs PostgreSQL: set DATABASE_URL=postgresql://...")
    url = make_url(base)
    name = f"{url.database}_import"
    # The driver the app uses (config.py): SQLAlchemy 2.0 would take psycopg2 for postgresql://.
    admin = create_engine(url.set(drivername="postgresql+psycopg", database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    os.environ["DATABASE_URL"] = url.set(database=name).render_as_string(hide_password=False)
    os.environ["REDIS_URL"] = "redis://127.0.0.1:6379/14"
    try:
        return run(args)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(args) -> int:
    from flask_migrate import upgrade
    from rq import Worker

    from panel import create_app
    from panel.extensions import db
    from panel.jobs import get_queue, redis_connection, start_job
    from panel.jobs.imports import import_customers
    from panel.models import JobRun
    from panel.services import accounts, imports
    from panel.services.imports import columns, drafts, importer
    from panel.tenancy import tenant_scope

    data = build_csv(args.rows, args.seed)
    app = create_app()
    with app.app_context():
        upgrade()
        tenant, owner = accounts.create_tenant("Import Bench", country="PL", currency="PLN", locale="pl",
                                               owner_email="owner@import.bench", owner_password="bench-password-2026")
        db.session.commit()
        tenant_id, owner_id = tenant.id, owner.id
        redis_connection().flushdb()
        with tenant_scope(tenant_id, db.session):
            t0 = time.perf_counter()
            draft = drafts.create_draft("stary-system.csv", data, owner_id)
            upload_ms = (time.perf_counter() - t0) * 1000
            mapping = columns.Options.from_params(draft.params).mapping
            drafts.save_options(draft, columns.Options(mapping, strict=False))
            db.session.commit()
            t0 = time.perf_counter()
            _table, planned = importer.preview(draft, "PL")
            preview_ms = (time.perf_counter() - t0) * 1000
            db.session.rollback()
            run_row = start_job(imports.KIND, import_customers, params=drafts.job_params(draft, "pl"),
                                created_by_id=owner_id, job_timeout=imports.JOB_TIMEOUT)
            drafts.hand_over(draft, run_row)
            run_id = run_row.id
            db.session.commit()  # enqueues the job
        t0 = time.perf_counter()
        Worker([get_queue("default")], connection=redis_connection()).work(burst=True, logging_level="WARNING")
        import_s = time.perf_counter() - t0
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        own_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with tenant_scope(tenant_id, db.session):
            done = db.session.get(JobRun, run_id)
            status, result = done.status, done.result or {}
        redis_connection().flushdb()
    print(f"import of {args.rows} rows ({len(data) / 1e6:.1f} MB of cp1250 CSV, {len(planned)} previewed), ms / s / MB")
    print(f"upload (draft, columns guessed): {upload_ms:.0f} ms")
    print(f"preview of the first rows:       {preview_ms:.0f} ms")
    print(f"import job ({status}):         {import_s:.1f} s, {args.rows / import_s:.0f} rows/s")
    print(f"peak RSS of the work horse:      {peak_mb:.0f} MB (this process, which forked it: {own_mb:.0f} MB)")
    print(f"outcome: {result.get('summary', '')} created {result.get('created')}, skipped {result.get('skipped')}, "
          f"failed {result.get('failed')}, cards {result.get('cards')}")
    reasons: dict[str, int] = {}
    for row in result.get("errors", []):
        for message in row["errors"]:
            # By field, or by the message with its row numbers left out ("... row # of this file").
            reason = re.sub(r"\d+", "#", message.split(":")[0])[:80]
            reasons[reason] = reasons.get(reason, 0) + 1
    print("refused rows by field (of the first reported):", ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())))
    return 0 if status == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
