"""Fixtures for company lookups: the fake GUS/ARES on a real socket, wired into the test app."""
from __future__ import annotations

import pytest
from rq import SimpleWorker

from panel.jobs import get_queue, redis_connection
from panel.registers.fake import ARES_PATH, GUS_PATH, FakeRegisters, serve_in_thread
from panel.services import lookups


@pytest.fixture
def fake() -> FakeRegisters:
    """The fake registers; `fake.calls` lists every request they received."""
    return FakeRegisters(slow_seconds=1.0)


@pytest.fixture
def registers(app, fake):
    """Point the app's GUS_URL / ARES_URL at the fake for one test."""
    server, base = serve_in_thread(fake=fake)
    saved = {k: app.config[k] for k in ("GUS_URL", "ARES_URL", "GUS_API_KEY")}
    app.config.update(GUS_URL=base + GUS_PATH, ARES_URL=base + ARES_PATH, GUS_API_KEY=fake.api_key)
    yield base
    app.config.update(saved)
    app.config.pop("REGISTERS_HTTP_RETRIES", None)
    server.stop()


@pytest.fixture
def no_backoff(monkeypatch):
    """RQ retries at once instead of after 3 s / 10 s, so a burst worker sees them all."""
    monkeypatch.setattr("panel.services.lookups.RETRY_INTERVALS", (0,) * len(lookups.RETRY_INTERVALS))


def work(app, with_scheduler: bool = False) -> None:
    """Run every queued lookup with a real RQ worker on the test Redis, then return."""
    with app.app_context():
        SimpleWorker([get_queue("lookups")], connection=redis_connection()).work(
            burst=True, with_scheduler=with_scheduler)


def searches(fake: FakeRegisters, register: str = "GUS") -> list[str]:
    """The identifiers the fake was asked about (GUS searches or ARES requests), in order."""
    operation = "DaneSzukajPodmioty" if register == "GUS" else "ekonomicke-subjekty"
    return [c.argument for c in fake.calls if c.register == register and c.operation == operation]
