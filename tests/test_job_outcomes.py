"""tenant_job's outcomes (an answer, a passing failure RQ retries, a crash), and the layering
that keeps jobs, services and presentation apart."""
from __future__ import annotations

import ast
from pathlib import Path

from rq import Retry, SimpleWorker
from rq.registry import FailedJobRegistry

from panel.extensions import db
from panel.jobs import JobFailed, Retryable, start_job, tenant_job
from panel.models import JobRun
from panel.redis_conn import get_queue, redis_connection
from panel.tenancy import tenant_scope

from .conftest import as_tenant

ROOT = Path(__file__).resolve().parents[1]
attempts: list[int] = []


@tenant_job
def flaky(run: JobRun, fail_times: int) -> dict:
    attempts.append(run.id)
    if len(attempts) <= fail_times:
        raise Retryable("busy", "the register is busy")
    return {"answer": 42}


@tenant_job
def refused(run: JobRun) -> dict:
    raise JobFailed("not_found", "nothing under that number")


def _start(app, world, fn, *args, retries: int = 0) -> int:
    with app.app_context(), as_tenant(world):
        run = start_job("test_job", fn, *args, retry=Retry(max=retries) if retries else None)
        db.session.commit()
        return run.id


def _row(app, world, run_id: int) -> JobRun:
    with app.app_context(), tenant_scope(world.tenant_id):
        run = db.session.get(JobRun, run_id)
        db.session.expunge(run)
        return run


def _work(app) -> None:
    with app.app_context():
        SimpleWorker([get_queue()], connection=redis_connection()).work(burst=True)


def test_a_passing_failure_is_retried_by_rq_and_noted_on_the_run(app, world_a):
    attempts.clear()
    run_id = _start(app, world_a, flaky, 1, retries=2)
    _work(app)  # RQ retries at once (no interval): the second attempt answers
    run = _row(app, world_a, run_id)
    assert attempts == [run_id, run_id]
    assert run.status == "finished" and run.result == {"answer": 42}


def test_a_passing_failure_on_the_last_attempt_ends_as_an_answer(app, world_a):
    attempts.clear()
    run_id = _start(app, world_a, flaky, 5, retries=2)
    _work(app)
    run = _row(app, world_a, run_id)
    assert len(attempts) == 3  # the first attempt and two retries
    assert run.status == "failed" and run.result == {"error": "busy"}
    assert run.message == "the register is busy"
    with app.app_context():  # an answer, not a crash: nothing in RQ's failed registry
        assert FailedJobRegistry("default", connection=redis_connection()).count == 0


def test_a_retry_waiting_in_rq_is_noted_on_the_run(app, world_a):
    attempts.clear()
    run_id = _start(app, world_a, flaky, 1, retries=3)
    with app.app_context(), tenant_scope(world_a.tenant_id):
        from rq.job import Job

        job = Job.fetch(f"test_job-t{world_a.tenant_id}-r{run_id}", connection=redis_connection())
        job.retry_intervals = [30]  # the next attempt waits: the run says so meanwhile
        job.save()
    _work(app)
    run = _row(app, world_a, run_id)
    assert run.status == "queued" and run.result == {"retry": {"attempt": 1, "attempts": 4, "next_in": 30}}
    assert run.message == "the register is busy (attempt 1 of 4); next attempt in 30s"


def test_an_answer_fails_the_run_without_an_rq_failure(app, world_a):
    run_id = _start(app, world_a, refused)
    _work(app)
    run = _row(app, world_a, run_id)
    assert run.status == "failed" and run.result == {"error": "not_found"}
    with app.app_context():
        assert FailedJobRegistry("default", connection=redis_connection()).count == 0
        # A second delivery of a run that is done changes nothing.
        assert refused(world_a.tenant_id, run_id) == {"error": "not_found"}


def _imports(path: Path) -> set[str]:
    """The panel modules `path` imports, as dotted names."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            out.add(module)
            out.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return out


def test_services_never_import_jobs_and_jobs_never_import_presentation():
    for path in (ROOT / "panel" / "services").rglob("*.py"):
        assert not any(m == "panel.jobs" or m.startswith("panel.jobs.") for m in _imports(path)), path
    presentation = ("panel.ui", "panel.htmx", "panel.blueprints")
    for path in (ROOT / "panel" / "jobs").rglob("*.py"):
        assert not any(m.startswith(presentation) for m in _imports(path)), path
