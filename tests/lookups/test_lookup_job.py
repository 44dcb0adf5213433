"""The company-lookup job against the fake GUS/ARES: found, not found, retries, the cache."""
from __future__ import annotations

import pytest
from rq import Retry
from rq.job import Job
from rq.registry import ScheduledJobRegistry

from panel.extensions import db
from panel.jobs import get_queue, redis_connection, start_job
from panel.jobs.lookups import company_lookup
from panel.models import JobRun
from panel.registers import MemoryCache
from panel.services import lookups
from panel.tenancy import tenant_scope

from ..conftest import as_tenant
from .conftest import searches, work


def _run(world, country: str, number: str) -> int:
    """A lookup's row, as the view creates it (the job itself is called by the test)."""
    with as_tenant(world):
        run = JobRun(kind=lookups.KIND, status="queued", params={"country": country, "number": number},
                     created_by_id=world.staff.id)
        db.session.add(run)
        db.session.commit()
        return run.id


def _start(world, country: str, number: str) -> int:
    """A lookup queued on the `lookups` queue with the view's retry policy."""
    with as_tenant(world):
        run = start_job(lookups.KIND, company_lookup, country, number,
                        params={"country": country, "number": number}, queue="lookups",
                        created_by_id=world.staff.id,
                        retry=Retry(max=len(lookups.RETRY_INTERVALS), interval=list(lookups.RETRY_INTERVALS)))
        db.session.commit()
        return run.id


def _row(world, run_id: int) -> JobRun:
    with tenant_scope(world.tenant_id):
        run = db.session.get(JobRun, run_id)
        db.session.expunge(run)
        return run


def test_found_company_is_recorded_with_the_form_fields(ctx, world_a, registers, fake):
    run_id = _run(world_a, "PL", "7740001454")
    result = company_lookup(world_a.tenant_id, run_id, "PL", "7740001454")
    run = _row(world_a, run_id)
    assert run.status == "finished" and run.result == result
    company = run.result["company"]
    assert company["name"] == "POLSKI KONCERN NAFTOWY ORLEN SPÓŁKA AKCYJNA"
    assert (company["regon"], company["postcode"], company["city"]) == ("610188201", "09-411", "Płock")
    assert "raw" not in company  # the register's whole answer stays in the cache, not on the row
    view = lookups.describe(run)
    assert view.state == "found" and view.done
    assert {f.name: f.value for f in view.fields} == {
        "company_name": company["name"], "regon": "610188201", "street": "ul. Test-Wilcza", "building": "7",
        "postcode": "09-411", "city": "Płock", "country": "PL"}
    assert searches(fake) == ["7740001454"]


def test_czech_company_comes_from_ares(ctx, world_b, registers, fake):
    run_id = _run(world_b, "CZ", "26168685")
    company_lookup(world_b.tenant_id, run_id, "CZ", "26168685")
    view = lookups.describe(_row(world_b, run_id))
    assert view.state == "found" and view.register == "ARES"
    fields = {f.name: f.value for f in view.fields}
    assert fields["company_name"] == "Seznam.cz, a.s." and fields["dic"] == "CZ26168685"
    assert fields["country"] == "CZ" and fields["postcode"] == "150 00"
    assert searches(fake, "ARES") == ["26168685"]


def test_not_found_fails_with_a_clear_message_and_is_not_retried(app, world_a, registers, fake):
    with app.app_context():
        run_id = _start(world_a, "PL", "1234563218")
    work(app)
    with app.app_context():
        run = _row(world_a, run_id)
        assert run.status == "failed" and run.result == {"error": "not_found"}
        view = lookups.describe(run)
        assert view.state == "failed" and "GUS has no company with the NIP 1234563218" in view.message
        # An answer is final: nothing waits to ask again.
        assert get_queue("lookups").count == 0
        assert ScheduledJobRegistry("lookups", connection=redis_connection()).count == 0
    assert searches(fake) == ["1234563218"]


def test_transient_failure_is_retried_by_rq_then_succeeds(app, world_a, registers, fake):
    """NIP 1111111111 answers HTTP 500 once. With the client's own retries off, the job sees
    the outage, RQ schedules the retry (3 s later), and the run says so until it succeeds."""
    app.config["REGISTERS_HTTP_RETRIES"] = 0
    with app.app_context():
        run_id = _start(world_a, "PL", "1111111111")
    work(app)
    with app.app_context():
        run = _row(world_a, run_id)
        assert run.status == "queued" and run.result["retry"] == {"attempt": 1, "attempts": 3, "next_in": 3}
        view = lookups.describe(run)
        assert view.state == "retrying" and not view.done
        assert "GUS is not answering, retrying" in view.message
        conn = redis_connection()
        registry = ScheduledJobRegistry("lookups", connection=conn)
        job_ids = registry.get_job_ids()
        assert job_ids == [f"company_lookup-t{world_a.tenant_id}-r{run_id}"]
        # Time travel: move the scheduled retry to the queue instead of waiting 3 seconds.
        registry.remove(job_ids[0])
        get_queue("lookups").enqueue_job(Job.fetch(job_ids[0], connection=conn))
    work(app)
    with app.app_context():
        run = _row(world_a, run_id)
        assert run.status == "finished" and run.result["company"]["nip"] == "1111111111"
        assert lookups.describe(run).state == "found"
    assert searches(fake) == ["1111111111", "1111111111"]


def test_register_down_gives_up_after_the_retries(app, world_a, registers, fake, no_backoff):
    app.config["REGISTERS_HTTP_RETRIES"] = 0
    with app.app_context():
        run_id = _start(world_a, "PL", "2222222222")
    work(app)
    with app.app_context():
        run = _row(world_a, run_id)
        assert run.status == "failed" and run.result == {"error": "unavailable"}
        assert "GUS is not answering" in lookups.describe(run).message
    assert searches(fake) == ["2222222222"] * 3  # the first attempt and RQ's two retries


def test_ares_down_fails_as_unavailable_in_process(ctx, world_b, registers, fake):
    """Outside RQ (the in-process mode) there is no RQ retry: the outage is reported at once."""
    run_id = _run(world_b, "CZ", "22222227")
    company_lookup(world_b.tenant_id, run_id, "CZ", "22222227")
    run = _row(world_b, run_id)
    assert run.status == "failed" and run.result == {"error": "unavailable"}
    assert searches(fake, "ARES") == ["22222227"] * 2  # one quick retry by the client itself


def test_a_refused_key_is_reported_not_retried(app, world_a, registers, fake):
    app.config["GUS_API_KEY"] = "wrong-key-wrong-key1"
    with app.app_context():
        run_id = _start(world_a, "PL", "7740001454")
    work(app)
    with app.app_context():
        run = _row(world_a, run_id)
        assert run.status == "failed" and run.result == {"error": "auth"}
        assert "refused the panel's API key" in lookups.describe(run).message
    assert searches(fake) == []


def test_second_lookup_of_a_number_is_answered_from_the_shared_cache(ctx, world_a, world_b, registers, fake,
                                                                      redis_conn):
    first = _run(world_a, "PL", "7740001454")
    company_lookup(world_a.tenant_id, first, "PL", "7740001454")
    assert redis_conn.exists("regulars:registers:gus:nip:7740001454")
    # Register data is public: another tenant asking the same number is served from the cache too.
    second = _run(world_b, "PL", "7740001454")
    company_lookup(world_b.tenant_id, second, "PL", "7740001454")
    assert _row(world_b, second).result == _row(world_a, first).result
    assert searches(fake) == ["7740001454"]


def test_not_found_is_cached_briefly_too(ctx, world_a, registers, fake):
    for _ in range(2):
        run_id = _run(world_a, "PL", "1234563218")
        company_lookup(world_a.tenant_id, run_id, "PL", "1234563218")
        assert _row(world_a, run_id).result == {"error": "not_found"}
    assert searches(fake) == ["1234563218"]


def test_a_second_delivery_changes_nothing(ctx, world_a, registers, fake):
    run_id = _run(world_a, "PL", "7740001454")
    first = company_lookup(world_a.tenant_id, run_id, "PL", "7740001454")
    again = company_lookup(world_a.tenant_id, run_id, "PL", "7740001454")
    assert again == first and searches(fake) == ["7740001454"]


def test_job_refuses_another_tenants_run(ctx, world_a, world_b, registers, fake):
    b_run = _run(world_b, "CZ", "26168685")
    with pytest.raises(LookupError):
        company_lookup(world_a.tenant_id, b_run, "CZ", "26168685")
    assert _row(world_b, b_run).status == "queued" and fake.calls == []


def test_without_redis_the_cache_is_in_memory_per_app(app, monkeypatch):
    monkeypatch.setattr("panel.services.lookups.redis_available", lambda: False)
    with app.app_context():
        cache = lookups.register_cache()
        assert isinstance(cache, MemoryCache) and lookups.register_cache() is cache
    app.extensions.pop("regulars_register_cache", None)


def test_redis_cache_survives_redis_errors(app):
    class Broken:
        def get(self, key):
            from redis.exceptions import ConnectionError
            raise ConnectionError("down")

        def set(self, *args, **kwargs):
            self.get("")

    cache = lookups.RedisCache(Broken())
    assert cache.get("gus:nip:7740001454") is None
    cache.set("gus:nip:7740001454", "{}", 60)  # no exception: a lost write is only a cache miss
