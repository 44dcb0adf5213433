"""/healthz for monitoring, and the health page in settings."""
from rq import SimpleWorker

from panel.jobs import get_queue, redis_connection


def test_healthz_reports_database_redis_and_queues(client):
    data = client.get("/healthz").get_json()
    assert data["ok"] is True and data["database"]["ok"] is True
    assert data["redis"]["ok"] is True
    assert set(data["queues"]) == {"lookups", "loyalty", "default"}
    assert data["jobs_mode"] == "queued"  # Redis answers, no worker registered


def test_healthz_sees_a_registered_worker(app, client):
    with app.app_context():
        worker = SimpleWorker([get_queue("default")], connection=redis_connection())
        worker.register_birth()
        try:
            data = client.get("/healthz").get_json()
        finally:
            worker.register_death()
    assert data["jobs_mode"] == "worker"
    assert data["workers"][0]["queues"] == ["default"]


def test_health_page_for_managers(manager_a, staff_a):
    page = manager_a.get("/settings/health")
    assert page.status_code == 200 and "System health" in page.text and "postgresql" in page.text or "sqlite" in page.text
    assert staff_a.get("/settings/health").status_code == 403


def test_health_page_speaks_to_the_owner_not_in_worker_ids(app, owner_a, manager_a):
    with app.app_context():
        worker = SimpleWorker([get_queue("lookups"), get_queue("default")], connection=redis_connection())
        worker.register_birth()
        worker.heartbeat()
    try:
        owners = owner_a.get("/settings/health").text
        managers = manager_a.get("/settings/health").text
        owner_a.post("/language", data={"locale": "pl"})
        polish = owner_a.get("/settings/health").text
    finally:
        with app.app_context():
            worker.register_death()
    assert "1 worker running, last seen " in owners and " ago." in owners
    assert "Company lookups (GUS, ARES)" in owners and "Imports, exports and other work" in owners
    # The worker's technical id: folded away for the owner, not shown to a manager at all.
    before, _sep, details = owners.partition('<details class="tech-details">')
    assert worker.name not in before and worker.name in details
    assert worker.name not in managers
    assert "Działa 1 proces w tle, ostatni sygnał " in polish and "Wyszukiwanie firm (GUS, ARES)" in polish
