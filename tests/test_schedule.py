"""Scheduled jobs: RQ's cron scheduler fans each entry out once per tenant and period; without
Redis a thread of the web process fires the same list; the retention clean-up."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from rq import SimpleWorker
from rq.registry import FinishedJobRegistry
from sqlalchemy import select

from panel import config, create_app
from panel.extensions import db
from panel.jobs import schedule
from panel.models import JobRun
from panel.redis_conn import get_queue, redis_connection
from panel.services.imports import DRAFT_KIND
from panel.tenancy import tenant_scope

from .conftest import TEST_OVERRIDES, make_test_env

FIRE = datetime(2026, 12, 6, 3, 20, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _forget_what_ran_in_process():
    """The in-process mode remembers the ids it ran; SQLite hands the next test the same tenant ids."""
    schedule._ran.clear()
    yield
    schedule._ran.clear()


def _runs(world, **kwargs) -> dict[str, int]:
    """Job rows for `world`, each `name=age in days` (as its creation and end)."""
    ids = {}
    with tenant_scope(world.tenant_id, db.session):
        for name, age in kwargs.items():
            kind, status = (DRAFT_KIND, "finished") if name.startswith("draft") else ("audit_export", "finished")
            if name.startswith("stuck"):
                status = "running"
            at = FIRE - timedelta(days=age)
            run = JobRun(kind=kind, status=status, created_at=at, finished_at=None if status == "running" else at,
                         file_name="x.csv", file_data=b"personal data")
            db.session.add(run)
            db.session.flush()
            ids[name] = run.id
        db.session.commit()
    return ids


def _left(world) -> set[int]:
    with tenant_scope(world.tenant_id, db.session):
        return set(db.session.scalars(select(JobRun.id)))


def _work(app) -> None:
    with app.app_context():
        SimpleWorker([get_queue("default")], connection=redis_connection()).work(burst=True)


def test_every_entry_is_named_once_and_fits_an_rq_job_id():
    names = [e.what for e in schedule.SCHEDULE]
    assert len(names) == len(set(names)) and "retention" in names
    assert all(n.replace("_", "").isalpha() for n in names)
    assert schedule.job_id(schedule.entry("retention"), 7, FIRE) == "retention-t7-20261206"


def test_retention_deletes_a_tenants_old_jobs_files_and_drafts_only(ctx, world_a, world_b):
    a = _runs(world_a, old=31, recent=29, stuck=40, draft_old=2, draft_new=0.5)
    b = _runs(world_b, old=31)
    schedule.run_for_tenant("retention", world_a.tenant_id, FIRE.isoformat())
    assert _left(world_a) == {a["recent"], a["draft_new"]}
    assert _left(world_b) == {b["old"]}  # another tenant's rows wait for its own run


def test_the_retention_period_is_a_setting(app, world_a):
    assert config.load({}).retention_days == 30
    assert config.load({"RETENTION_DAYS": "7"}).flask_config()["RETENTION_DAYS"] == 7
    with pytest.raises(config.ConfigError, match="RETENTION_DAYS"):
        config.load({"RETENTION_DAYS": "0"})
    with app.app_context():
        a = _runs(world_a, week=8, days=6)
        app.config["RETENTION_DAYS"] = 7
        try:
            schedule.run_for_tenant("retention", world_a.tenant_id, FIRE.isoformat())
        finally:
            app.config["RETENTION_DAYS"] = 30
        assert _left(world_a) == {a["days"]}


def test_a_double_fire_enqueues_one_job_per_tenant(ctx, world_a, world_b):
    assert schedule.fan_out("retention", fired_at=FIRE) == 2
    assert schedule.fan_out("retention", fired_at=FIRE + timedelta(hours=1)) == 0  # same day
    assert sorted(get_queue("default").job_ids) == sorted(
        f"retention-t{w.tenant_id}-20261206" for w in (world_a, world_b))
    assert schedule.fan_out("retention", fired_at=FIRE + timedelta(days=1)) == 2  # the next day's


def test_two_cron_schedulers_firing_run_each_tenants_work_once(app, world_a, world_b):
    """RQ's CronScheduler, as `worker.py --with-scheduler` and `flask jobs schedule` run it:
    two of them fire at once, the workers run both fan-outs, each tenant's clean-up runs once."""
    with app.app_context():
        a, b = _runs(world_a, old=31), _runs(world_b, old=31)
        for scheduler in (schedule.cron_scheduler(redis_connection()), schedule.cron_scheduler(redis_connection())):
            [job] = [j for j in scheduler.get_jobs() if j.args == ("retention",)]
            assert job.cron == schedule.entry("retention").cron
            job.next_enqueue_time = datetime.now(timezone.utc) - timedelta(seconds=1)  # it is time
            assert scheduler.enqueue_jobs() == [job]
        assert get_queue("default").count == 2  # two fan-outs
    _work(app)
    with app.app_context():
        finished = FinishedJobRegistry("default", connection=redis_connection()).get_job_ids()
        assert sorted(j for j in finished if j.startswith("retention-")) == sorted(
            schedule.job_id(schedule.entry("retention"), w.tenant_id, datetime.now(timezone.utc))
            for w in (world_a, world_b))
        assert a["old"] not in _left(world_a) and b["old"] not in _left(world_b)
        # The ids outlive the runs: a late third fire the same day sends nothing.
        assert schedule.fan_out("retention") == 0


@pytest.fixture
def no_redis_app(database_url):
    env = dict(make_test_env(database_url), REDIS_URL="redis://127.0.0.1:1/0")
    app = create_app(dict(TEST_OVERRIDES, JOBS_IN_PROCESS_SYNC=True), env=env)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_without_redis_a_web_thread_fires_the_schedule_once_per_tenant(no_redis_app, world_a, world_b):
    with no_redis_app.app_context():
        a, b = _runs(world_a, old=31, recent=1), _runs(world_b, old=31)
    ticker = schedule.InProcessScheduler(no_redis_app)
    # The tick whose window holds 03:20 fires; the same window seen twice fires nothing more.
    assert ticker.tick(FIRE - timedelta(seconds=30), FIRE) == 2
    assert ticker.tick(FIRE - timedelta(seconds=30), FIRE) == 0
    assert ticker.tick(FIRE, FIRE + timedelta(seconds=30)) == 0  # 03:20 was the last window's
    with no_redis_app.app_context():
        assert _left(world_a) == {a["recent"]} and b["old"] not in _left(world_b)


def test_the_web_thread_starts_with_the_first_request_and_only_where_asked(no_redis_app, monkeypatch):
    started = []
    monkeypatch.setattr(schedule.InProcessScheduler, "start", lambda self: started.append(self))
    monkeypatch.setattr(schedule, "_in_process", None)
    no_redis_app.test_client().get("/healthz")
    assert started == []  # tests (and the worker, the CLI) build apps that fire nothing
    env = dict(make_test_env(no_redis_app.config["SQLALCHEMY_DATABASE_URI"]), REDIS_URL="redis://127.0.0.1:1/0")
    web = create_app(dict(TEST_OVERRIDES, SCHEDULE_IN_WEB=True), env=env)
    web.test_client().get("/healthz")
    web.test_client().get("/healthz")
    assert len(started) == 1 and started[0].app is web
    with web.app_context():
        db.engine.dispose()


def test_a_tick_with_redis_answering_leaves_the_firing_to_the_cron_scheduler(app, world_a):
    assert schedule.InProcessScheduler(app).tick(FIRE - timedelta(seconds=30), FIRE) == 0
    with app.app_context():
        assert get_queue("default").count == 0


def test_flask_jobs_fire_sends_the_job_to_every_tenant(app, world_a, world_b):
    result = app.test_cli_runner().invoke(args=["jobs", "fire", "retention"])
    assert result.exit_code == 0 and "sent to 2 tenant(s)" in result.output
    with app.app_context():
        assert get_queue("default").count == 2


def test_worker_py_with_scheduler_runs_rqs_cron_scheduler_beside_the_worker(app, monkeypatch):
    import worker

    processes = []

    class FakeProcess:
        def __init__(self, target, name, daemon):
            self.target, self.events = target, []
            processes.append(self)

        def start(self):
            self.events.append("start")

        def terminate(self):
            self.events.append("terminate")

        def join(self):
            self.events.append("join")

    monkeypatch.setattr(worker.multiprocessing, "Process", FakeProcess)
    monkeypatch.setattr(worker, "create_app", lambda: app)
    assert worker.main(["--burst", "default"]) == 0
    assert processes == []
    assert worker.main(["--burst", "--with-scheduler", "default"]) == 0
    [cron] = processes
    assert cron.target is worker.run_cron_scheduler and cron.events == ["start", "terminate", "join"]


def test_flask_jobs_schedule_needs_redis(no_redis_app):
    result = no_redis_app.test_cli_runner().invoke(args=["jobs", "schedule"])
    assert result.exit_code == 1 and "the web process fires the schedule itself" in result.output
