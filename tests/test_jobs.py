"""Jobs: enqueued after commit, run by a real RQ worker on Redis, or in-process without Redis."""
import threading
import time
from datetime import datetime, timezone

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import select

from panel import create_app
from panel.extensions import db
from panel.jobs import enqueue_after_commit, get_queue, redis_connection, start_job
from panel.jobs.exports import export_audit_log
from panel.models import AuditEntry, JobRun
from panel.services import audit
from panel.tenancy import TenantContextMissing, tenant_scope

from .conftest import HX, TEST_OVERRIDES, as_tenant, make_test_env


def _work(app, queue="default"):
    with app.app_context():
        SimpleWorker([get_queue(queue)], connection=redis_connection()).work(burst=True)


def test_jobs_are_enqueued_only_after_commit(app, world_a, redis_conn):
    with app.app_context(), as_tenant(world_a):
        enqueue_after_commit(export_audit_log, world_a.tenant_id, 1)
        assert get_queue().count == 0
        db.session.rollback()
        db.session.commit()
        assert get_queue().count == 0  # the rolled-back job is gone
        start_job("audit_export", export_audit_log)
        assert get_queue().count == 0
        db.session.commit()
        assert get_queue().count == 1


def test_audit_export_end_to_end_on_redis(app, owner_a, world_a, world_b):
    with app.app_context(), tenant_scope(world_b.tenant_id):
        audit.record("secret.beta", "x", 1, "beta-only entry")
        db.session.commit()
    resp = owner_a.post("/audit/export", data={})
    assert resp.status_code == 303
    status_url = resp.headers["Location"]
    run_id = int(status_url.rstrip("/").split("/")[-1])
    page = owner_a.get(status_url)
    assert "Waiting for a worker" in page.text and 'hx-trigger="every 1s"' in page.text
    assert owner_a.get(f"/jobs/{run_id}/download").status_code == 404  # not ready yet
    _work(app)
    frag = owner_a.get(status_url, headers=HX)
    assert frag.status_code == 286  # htmx stops polling
    assert "Download" in frag.text
    csv_resp = owner_a.get(f"/jobs/{run_id}/download")
    body = csv_resp.data.decode("utf-8-sig")
    assert csv_resp.status_code == 200 and csv_resp.mimetype == "text/csv"
    assert "tenant.created" in body and "owner@bistro-alfa.test" in body
    assert "beta-only" not in body and "hospoda" not in body


def test_audit_days_are_the_restaurants_days_in_the_log_and_its_export(app, owner_a, world_a):
    # 23:30 UTC on 1 December is 00:30 on 2 December in Warsaw: it belongs to the 2nd.
    moments = {"late on the 1st": datetime(2026, 12, 1, 22, 30, tzinfo=timezone.utc),
               "early on the 2nd": datetime(2026, 12, 1, 23, 30, tzinfo=timezone.utc),
               "late on the 2nd": datetime(2026, 12, 2, 22, 30, tzinfo=timezone.utc),
               "early on the 3rd": datetime(2026, 12, 2, 23, 30, tzinfo=timezone.utc)}
    with app.app_context(), tenant_scope(world_a.tenant_id):
        for summary, at in moments.items():
            audit.record("customer.updated", "customer", 1, summary)
            db.session.scalars(select(AuditEntry).where(AuditEntry.summary == summary)).one().created_at = at
        db.session.commit()
    day = {"since": "2026-12-02", "until": "2026-12-02"}
    frag = owner_a.get("/audit/", query_string=day, headers=HX).text
    assert "02/12/2026, 00:30" in frag  # shown on the same clock
    resp = owner_a.post("/audit/export", data=day)
    _work(app)
    body = owner_a.get(resp.headers["Location"].rstrip("/") + "/download").data.decode("utf-8-sig")
    for listed in (frag, body):
        assert "early on the 2nd" in listed and "late on the 2nd" in listed
        assert "late on the 1st" not in listed and "early on the 3rd" not in listed


def test_job_refuses_another_tenants_run(app, world_a, world_b):
    with app.app_context(), as_tenant(world_b):
        run = start_job("audit_export", export_audit_log)
        db.session.commit()
        b_run = run.id
    with app.app_context():
        with pytest.raises(LookupError):
            export_audit_log(world_a.tenant_id, b_run)
        with tenant_scope(world_b.tenant_id):
            assert db.session.get(JobRun, b_run).status == "queued"


def test_job_without_tenant_context_cannot_touch_data(app):
    with app.app_context():
        with pytest.raises(TenantContextMissing):
            db.session.scalars(select(JobRun)).all()


def test_job_failure_is_recorded_on_its_row(app, world_a):
    with app.app_context(), as_tenant(world_a):
        run = start_job("audit_export", export_audit_log, "not-a-date")
        db.session.commit()
        run_id = run.id
    _work(app)
    with app.app_context(), as_tenant(world_a):
        run = db.session.get(JobRun, run_id)
        assert run.status == "failed" and "not-a-date" in run.message


def test_a_second_delivery_changes_nothing(app, world_a):
    with app.app_context(), as_tenant(world_a):
        run = start_job("audit_export", export_audit_log)
        db.session.commit()
        run_id = run.id
    _work(app)
    with app.app_context():
        first = export_audit_log(world_a.tenant_id, run_id)
        with tenant_scope(world_a.tenant_id):
            assert db.session.get(JobRun, run_id).status == "finished"
    assert first["rows"] >= 1


def test_staff_cannot_download_another_users_export(app, owner_a, staff_a, world_a):
    resp = owner_a.post("/audit/export", data={})
    run_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    _work(app)
    assert staff_a.get(f"/jobs/{run_id}/download").status_code == 404
    assert staff_a.get(f"/jobs/{run_id}").status_code == 404


def test_without_redis_jobs_run_in_process(database_url, world_a):
    env = dict(make_test_env(database_url), REDIS_URL="redis://127.0.0.1:1/0")
    app = create_app(dict(TEST_OVERRIDES, JOBS_IN_PROCESS_SYNC=True), env=env)
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = f"{world_a.owner.id}-{world_a.owner.fingerprint}"
        sess["tenant_id"] = world_a.tenant_id
    resp = client.post("/audit/export", data={})
    run_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    assert client.get(f"/jobs/{run_id}/download").status_code == 200
    health = client.get("/healthz").get_json()
    assert health["jobs_mode"] == "in-process" and health["redis"]["ok"] is False
    with app.app_context():
        db.engine.dispose()


def test_worker_py_runs_a_job_in_a_forked_horse(app, database_url, owner_a, world_a):
    """The real entry point: worker.py forks a work horse per job, in the app context."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    resp = owner_a.post("/audit/export", data={})
    run_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, **make_test_env(database_url))
    proc = subprocess.run([sys.executable, "worker.py", "--burst", "default"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    with app.app_context(), tenant_scope(world_a.tenant_id):
        run = db.session.get(JobRun, run_id)
        assert run.status == "finished" and run.result["rows"] >= 1 and run.file_name.endswith(".csv")


def test_audit_entries_written_by_a_job_name_the_user_who_started_it(app, world_a):
    from panel.jobs import tenant_job
    from panel.models import AuditEntry

    @tenant_job
    def touch(run):
        audit.record("customer.updated", "customer", 7, "by a job")
        return {}

    with app.app_context(), as_tenant(world_a):
        run = start_job("audit_export", touch, created_by_id=world_a.manager.id)
        db.session.info.pop("regulars_pending_jobs")
        db.session.commit()
        run_id = run.id
    with app.app_context():
        touch(world_a.tenant_id, run_id)
        with tenant_scope(world_a.tenant_id):
            entry = db.session.scalar(select(AuditEntry).where(AuditEntry.summary == "by a job"))
            assert entry.actor_user_id == world_a.manager.id


def test_a_worker_stops_at_once_when_its_pubsub_thread_is_idle(redis_conn):
    """A worker told to stop (SIGTERM on deploy, Ctrl-C in `make run`, the end of a burst) stops.

    RQ unsubscribes its command channel, then stops the pubsub thread and waits a second for it.
    redis-py 8.2 made that stop join the thread with no time limit, while the thread, once
    unsubscribed, sleeps up to a minute waiting for a subscription that never comes: every
    worker then took a minute to quit, and the browser tests' burst workers missed their jobs.
    The idle thread is the deterministic case: it has read the unsubscribe reply before the stop.
    """
    worker = SimpleWorker([Queue("default", connection=redis_conn)], connection=redis_conn)
    worker.subscribe()
    worker.pubsub.unsubscribe()
    time.sleep(0.5)  # the thread reads the reply and goes back to waiting
    stopping = threading.Thread(target=worker.unsubscribe, daemon=True)
    started = time.monotonic()
    stopping.start()
    stopping.join(10)
    assert not stopping.is_alive(), "the worker's pubsub thread does not let it stop"
    assert time.monotonic() - started < 5


def test_a_failed_job_says_so_in_words_and_keeps_the_error_for_owners(app, owner_a, staff_a, world_a):
    with app.app_context(), as_tenant(world_a):
        run = start_job("audit_export", export_audit_log, "not-a-date", created_by_id=world_a.staff.id)
        db.session.commit()
        run_id = run.id
    _work(app)
    staff_page = staff_a.get(f"/jobs/{run_id}").text
    assert "The job did not finish" in staff_page and "not-a-date" not in staff_page
    owner_page = owner_a.get(f"/jobs/{run_id}").text
    error, _, technical = owner_page.partition("Technical details")
    assert "The job did not finish" in error and "not-a-date" not in error and "not-a-date" in technical


def test_a_failed_company_lookup_speaks_the_owners_language(app, owner_b, world_b):
    with app.app_context(), as_tenant(world_b):
        run = JobRun(kind="company_lookup", status="failed", params={"country": "CZ", "number": "27074358"},
                     result={"error": "unavailable"}, created_by_id=world_b.owner.id,
                     message="ARES unavailable: ARES: ReadTimeout: HTTPConnectionPool(host='127.0.0.1', port=8089)")
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    owner_b.post("/language", data={"locale": "cs"})
    error, _, technical = owner_b.get(f"/jobs/{run_id}").text.partition("Technické podrobnosti")
    assert "Registr ARES neodpovídá" in error and "ReadTimeout" not in error
    assert "ReadTimeout" in technical
