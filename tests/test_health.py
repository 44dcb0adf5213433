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
