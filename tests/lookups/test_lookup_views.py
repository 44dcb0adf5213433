"""The lookup as the customer form uses it: POST start -> JobRun -> polled status fragment."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from rq import SimpleWorker
from rq.job import Job
from sqlalchemy import select

from panel import create_app
from panel.extensions import db
from panel.jobs import get_queue, redis_connection
from panel.models import JobRun
from panel.models.base import utcnow
from panel.registers.fake import ARES_PATH, GUS_PATH
from panel.services import lookups
from panel.tenancy import tenant_scope

from ..conftest import HX, TEST_OVERRIDES, login, make_test_env
from .conftest import searches, work


def _runs(app, world) -> list[JobRun]:
    with app.app_context(), tenant_scope(world.tenant_id):
        rows = list(db.session.scalars(select(JobRun).where(JobRun.kind == lookups.KIND).order_by(JobRun.id)))
        db.session.expunge_all()
        return rows


def _poll_url(body: str) -> str:
    m = re.search(r'hx-get="(/lookups/company/\d+)" hx-trigger="every 1s"', body)
    assert m, f"no polling in {body!r}"
    return m.group(1)


def test_valid_nip_starts_a_lookup_job_and_the_fragment_polls_until_filled(app, staff_a, world_a, registers, fake):
    resp = staff_a.post("/lookups/company", data={"country": "PL", "nip": "PL 774-000-14-54"}, headers=HX)
    assert resp.status_code == 200
    assert "Asking GUS…" in resp.text
    poll = _poll_url(resp.text)
    [run] = _runs(app, world_a)
    assert (run.status, run.params, run.created_by_id) == ("queued", {"country": "PL", "number": "7740001454"},
                                                            world_a.staff.id)
    assert poll == f"/lookups/company/{run.id}"
    with app.app_context():
        assert get_queue("lookups").count == 1  # on the lookups queue, nothing asked yet
    assert fake.calls == []

    still = staff_a.get(poll, headers=HX)
    assert still.status_code == 200 and _poll_url(still.text) == poll

    work(app)
    done = staff_a.get(poll, headers=HX)
    assert done.status_code == 286  # htmx stops polling
    assert "every 1s" not in done.text
    assert "POLSKI KONCERN NAFTOWY ORLEN SPÓŁKA AKCYJNA" in done.text
    assert 'data-lookup-field="regon" data-lookup-value="610188201"' in done.text
    assert 'data-lookup-field="postcode" data-lookup-value="09-411"' in done.text
    assert 'data-lookup-field="city" data-lookup-value="Płock"' in done.text
    assert "data-lookup-fill" in done.text and "data-lookup-replace" in done.text
    assert searches(fake) == ["7740001454"]


def test_czech_ico_is_looked_up_in_ares(app, owner_b, world_b, registers, fake):
    resp = owner_b.post("/lookups/company", data={"country": "CZ", "ico": "26168685"}, headers=HX)
    assert "Asking ARES…" in resp.text
    work(app)
    done = owner_b.get(_poll_url(resp.text), headers=HX)
    assert done.status_code == 286
    assert "Seznam.cz, a.s." in done.text and 'data-lookup-field="dic" data-lookup-value="CZ26168685"' in done.text


def test_the_tenants_country_is_the_default_register(app, owner_b, world_b, registers):
    owner_b.post("/lookups/company", data={"ico": "26168685"}, headers=HX)
    [run] = _runs(app, world_b)
    assert run.params == {"country": "CZ", "number": "26168685"}


@pytest.mark.parametrize("nip, message", [
    ("7740001455", "check digit does not match"),
    ("77400014", "A NIP has 10 digits."),
    ("", "NIP first."),
    ("abc", "A NIP is made of digits"),
])
def test_invalid_nip_is_refused_before_anything_is_asked(app, staff_a, world_a, registers, fake, nip, message):
    resp = staff_a.post("/lookups/company", data={"country": "PL", "nip": nip}, headers=HX)
    assert resp.status_code == 422
    assert message in resp.text and 'id="company-lookup-status"' in resp.text
    assert _runs(app, world_a) == [] and fake.calls == []


def test_not_found_shows_a_clear_message(app, staff_a, registers):
    resp = staff_a.post("/lookups/company", data={"country": "PL", "nip": "1234563218"}, headers=HX)
    work(app)
    done = staff_a.get(_poll_url(resp.text), headers=HX)
    assert done.status_code == 286
    assert "GUS has no company with the NIP 1234563218" in done.text
    assert "Try again" not in done.text  # asking again would get the same answer


def test_register_down_says_retrying_then_offers_to_try_again(app, staff_a, registers, fake, no_backoff):
    app.config["REGISTERS_HTTP_RETRIES"] = 0
    resp = staff_a.post("/lookups/company", data={"country": "PL", "nip": "2222222222"}, headers=HX)
    poll = _poll_url(resp.text)
    # One attempt, then look at the fragment while RQ waits to retry.
    with app.app_context():
        SimpleWorker([get_queue("lookups")], connection=redis_connection()).work(burst=True, max_jobs=1)
    retrying = staff_a.get(poll, headers=HX)
    assert retrying.status_code == 200 and _poll_url(retrying.text) == poll
    assert "GUS is not answering, retrying… (attempt 1 of 3 failed)" in retrying.text
    work(app)
    done = staff_a.get(poll, headers=HX)
    assert done.status_code == 286
    assert "GUS is not answering. Nothing you typed is lost" in done.text
    assert "Try again" in done.text and 'hx-params="country,nip"' in done.text
    assert searches(fake) == ["2222222222"] * 3


def test_a_register_that_keeps_failing_is_given_up_within_seconds(app, staff_a, world_a, registers):
    """The form waits for the answer: the job RQ holds retries twice, 13 s in all, not for 2.5 minutes."""
    staff_a.post("/lookups/company", data={"country": "PL", "nip": "2222222222"}, headers=HX)
    [run] = _runs(app, world_a)
    with app.app_context():
        job = Job.fetch(f"company_lookup-t{world_a.tenant_id}-r{run.id}", connection=redis_connection())
        assert (job.retries_left, job.retry_intervals) == (2, [3, 10])


def test_a_second_click_follows_the_lookup_under_way(app, staff_a, world_a, registers):
    first = staff_a.post("/lookups/company", data={"country": "PL", "nip": "7740001454"}, headers=HX)
    second = staff_a.post("/lookups/company", data={"country": "PL", "nip": "774-000-14-54"}, headers=HX)
    assert _poll_url(first.text) == _poll_url(second.text)
    assert len(_runs(app, world_a)) == 1


def test_a_lookup_whose_worker_vanished_stops_polling(app, staff_a, world_a, registers):
    resp = staff_a.post("/lookups/company", data={"country": "PL", "nip": "7740001454"}, headers=HX)
    [run] = _runs(app, world_a)
    with app.app_context(), tenant_scope(world_a.tenant_id):
        db.session.get(JobRun, run.id).created_at = utcnow() - lookups.STALE_AFTER - timedelta(seconds=1)
        db.session.commit()
    done = staff_a.get(_poll_url(resp.text), headers=HX)
    assert done.status_code == 286 and "The lookup did not finish. Try again." in done.text


def test_status_page_without_htmx_is_a_whole_page(app, staff_a, registers):
    resp = staff_a.post("/lookups/company", data={"country": "PL", "nip": "7740001454"})
    assert resp.status_code == 303
    work(app)
    page = staff_a.get(resp.headers["Location"])
    assert page.status_code == 200 and "<html" in page.text and "ORLEN" in page.text


def test_only_the_user_who_asked_or_an_owner_sees_a_lookup(app, staff_a, manager_a, owner_a, owner_b, registers):
    resp = staff_a.post("/lookups/company", data={"country": "PL", "nip": "7740001454"}, headers=HX)
    poll = _poll_url(resp.text)
    assert manager_a.get(poll, headers=HX).status_code == 404
    assert owner_a.get(poll, headers=HX).status_code == 200
    assert owner_b.get(poll, headers=HX).status_code == 404  # another tenant
    assert app.test_client().get(poll).status_code == 302  # signed out: to the login page


def test_other_jobs_are_not_lookups(app, owner_a, world_a):
    from panel.jobs import start_job
    from panel.jobs.exports import export_audit_log

    with app.app_context(), tenant_scope(world_a.tenant_id):
        run = start_job("audit_export", export_audit_log, created_by_id=world_a.owner.id)
        db.session.info.pop("regulars_pending_jobs", None)
        db.session.commit()
        run_id = run.id
    assert owner_a.get(f"/lookups/company/{run_id}", headers=HX).status_code == 404


def test_without_redis_the_lookup_runs_in_process_with_a_memory_cache(database_url, world_a, registers, fake):
    env = dict(make_test_env(database_url), REDIS_URL="redis://127.0.0.1:1/0")
    app = create_app(dict(TEST_OVERRIDES, JOBS_IN_PROCESS_SYNC=True), env=env)
    app.config.update(GUS_URL=registers + GUS_PATH, ARES_URL=registers + ARES_PATH)
    client = login(app.test_client(), world_a.staff.id, world_a.staff.fingerprint, world_a.tenant_id)
    try:
        for _ in range(2):
            resp = client.post("/lookups/company", data={"country": "PL", "nip": "7740001454"}, headers=HX)
            # The answer is built before the request's commit, on which the job ran: the first poll finds it done.
            assert resp.status_code == 200 and "every 1s" in resp.text
            poll = re.search(r'hx-get="([^"]+)"', resp.text).group(1)
            resp = client.get(poll, headers=HX)
            assert resp.status_code == 286
            assert "POLSKI KONCERN NAFTOWY ORLEN" in resp.text and "every 1s" not in resp.text
        assert searches(fake) == ["7740001454"]  # the second one came from the in-memory cache
    finally:
        with app.app_context():
            db.engine.dispose()
