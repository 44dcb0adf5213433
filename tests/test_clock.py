"""The restaurant's clock: its days turn at its own midnight, in the panel, the API and jobs."""
from datetime import date, datetime, timezone

from flask import g

from panel import clock
from panel.models import COUNTRIES, TIMEZONES, Tenant
from panel.services.tokens import ApiCaller
from panel.tenancy import tenant_scope

# 23:30 UTC on New Year's Eve: already 00:30 on New Year's Day in Warsaw and Prague.
NEW_YEAR_IN_EUROPE = datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)


def test_every_tenant_country_has_a_clock():
    assert set(COUNTRIES) <= set(TIMEZONES)


def test_the_day_turns_at_the_restaurants_midnight_wherever_the_tenant_comes_from(app, world_b, monkeypatch):
    monkeypatch.setattr(clock, "utcnow", lambda: NEW_YEAR_IN_EUROPE)
    with app.test_request_context():
        assert clock.today() == date(2026, 12, 31)  # no tenant: UTC
        g.tenant = Tenant(country="PL")  # the panel
        assert clock.today() == date(2027, 1, 1) and clock.now().hour == 0
    with app.test_request_context():
        g.api_token = ApiCaller(id=1, name="till", tenant_id=1, reader_format="auto", country="CZ", last_used_at=None)
        assert clock.today() == date(2027, 1, 1)  # the API
    with app.app_context(), tenant_scope(world_b.tenant_id):
        assert clock.today() == date(2027, 1, 1)  # a job: the tenant in scope


def test_a_job_looks_its_tenant_up_once(app, world_a, count_queries):
    with app.app_context(), tenant_scope(world_a.tenant_id):
        with count_queries() as n:
            days = {clock.today() for _ in range(50)}
        assert (len(days), n()) == (1, 1)


def test_exports_write_moments_in_utc_to_the_second():
    from datetime import date, datetime, timedelta, timezone

    from panel import clock

    warsaw = timezone(timedelta(hours=1))
    assert clock.iso(datetime(2026, 12, 2, 18, 33, 3, 102177, tzinfo=warsaw)) == "2026-12-02T17:33:03+00:00"
    assert clock.iso(datetime(2026, 12, 2, 17, 33, 3, 5)) == "2026-12-02T17:33:03+00:00"  # SQLite's naive UTC
    assert clock.iso(date(2027, 3, 31)) == "2027-03-31" and clock.iso(None) == ""
