"""The loyalty API: settings, tiers, evaluations (real: 202 and the run; dry: 200 and the
changes), the manual tier; manage scope only."""
from __future__ import annotations

from datetime import date, timedelta

from rq import SimpleWorker

from panel.extensions import db
from panel.redis_conn import get_queue, redis_connection
from panel.tenancy import tenant_scope

from ..api.conftest import make_token
from ..customers.factories import make_customer
from .helpers import add_document

SETTINGS = {"evaluate": True, "counted_types": ["receipt"], "period": {"calendar": "quarter"},
            "validity": {"months": 6}, "include_staff": False, "daily_at": "05:00"}
TIERS = [{"name": "Gold", "colour": "#c9a227", "threshold": 500_000, "min_documents": 10},
         {"name": "Bronze", "colour": "#a9713a", "threshold": 50_000, "min_documents": 2}]


def _client(app, world):
    token = make_token(app, world, scopes=("pos", "manage"))
    return app.test_client(), token.headers


def test_a_pos_token_may_not_manage_tiers(app, world_a):
    token = make_token(app, world_a)
    resp = app.test_client().get("/api/v1/loyalty/settings", headers=token.headers)
    assert resp.status_code == 403 and resp.json["error"]["code"] == "insufficient_scope"


def test_settings_round_trip_and_refuse_what_is_wrong(app, world_a):
    client, headers = _client(app, world_a)
    assert client.get("/api/v1/loyalty/settings", headers=headers).json["evaluate"] is False
    saved = client.put("/api/v1/loyalty/settings", headers=headers, json=SETTINGS)
    assert saved.status_code == 200 and saved.json == SETTINGS
    both = client.put("/api/v1/loyalty/settings", headers=headers,
                      json={**SETTINGS, "period": {"rolling_days": 30, "calendar": "month"}})
    assert both.status_code == 422 and both.json["error"]["field"] == "period"
    hour = client.put("/api/v1/loyalty/settings", headers=headers, json={**SETTINGS, "daily_at": "04:30"})
    assert hour.status_code == 422 and hour.json["error"]["field"] == "daily_at"


def test_tiers_are_replaced_in_order_and_names_are_unique(app, world_a):
    client, headers = _client(app, world_a)
    saved = client.put("/api/v1/loyalty/tiers", headers=headers, json={"tiers": TIERS}).json["tiers"]
    assert [t["name"] for t in saved] == ["Gold", "Bronze"]
    swapped = [{**saved[1], "name": "Gold"}, {**saved[0], "name": "Bronze"}]
    again = client.put("/api/v1/loyalty/tiers", headers=headers, json={"tiers": swapped}).json["tiers"]
    assert [(t["id"], t["name"]) for t in again] == [(saved[1]["id"], "Gold"), (saved[0]["id"], "Bronze")]
    twice = client.put("/api/v1/loyalty/tiers", headers=headers, json={"tiers": [TIERS[0], TIERS[0]]})
    assert twice.status_code == 422
    unknown = client.put("/api/v1/loyalty/tiers", headers=headers, json={"tiers": [{**TIERS[0], "id": 99999}]})
    assert unknown.status_code == 404 and unknown.json["error"]["code"] == "tier_not_found"


def test_dry_run_then_a_real_run_then_its_state(app, world_a):
    client, headers = _client(app, world_a)
    customer = make_customer(app, world_a.tenant_id, first_name="Ewa")
    client.put("/api/v1/loyalty/tiers", headers=headers, json={"tiers": TIERS})
    today = date.today()
    with app.app_context(), tenant_scope(world_a.tenant_id):
        add_document(customer, "receipt", today, 40_000)
        add_document(customer, "receipt", today, 40_000)
        db.session.commit()
    dry = client.post("/api/v1/loyalty/evaluations", headers=headers, json={"dry_run": True})
    assert dry.status_code == 200
    (change,) = dry.json["changes"]
    assert (change["customer_id"], change["from"], change["to"]["name"], change["turnover"], change["documents"],
            change["reason"]) == (customer, None, "Bronze", 80_000, 2, "qualified")
    higher = [TIERS[0], {**TIERS[1], "threshold": 100_000}]
    assert client.post("/api/v1/loyalty/evaluations", headers=headers,
                       json={"dry_run": True, "tiers": higher}).json["changes"] == []
    started = client.post("/api/v1/loyalty/evaluations", headers=headers, json={})
    assert started.status_code == 202 and started.json["status"] == "queued"
    with app.app_context():
        SimpleWorker([get_queue("loyalty")], connection=redis_connection()).work(burst=True)
    state = client.get(f"/api/v1/loyalty/evaluations/{started.json['run_id']}", headers=headers).json
    assert state["status"] == "finished" and state["summary"]["up"] == 1
    assert client.get("/api/v1/loyalty/evaluations/99999", headers=headers).status_code == 404
    assert client.post("/api/v1/loyalty/evaluations", headers=headers,
                       json={"as_of": "2027-01-01"}).status_code == 422


def test_a_manual_tier_by_api(app, world_a):
    client, headers = _client(app, world_a)
    customer = make_customer(app, world_a.tenant_id, first_name="Jan")
    gold = client.put("/api/v1/loyalty/tiers", headers=headers, json={"tiers": TIERS}).json["tiers"][0]
    until = (date.today() + timedelta(days=10)).isoformat()
    put = client.put(f"/api/v1/customers/{customer}/tier", headers=headers,
                     json={"tier_id": gold["id"], "until": until, "reason": "Wedding host"})
    assert put.status_code == 200 and put.json["tier"] == {"id": gold["id"], "name": "Gold", "colour": "#c9a227",
                                                          "valid_until": until, "manual": True}
    assert client.get(f"/api/v1/customers/{customer}", headers=headers).json["customer"]["tier"]["manual"] is True
    ended = client.delete(f"/api/v1/customers/{customer}/tier", headers=headers)
    assert ended.status_code == 200 and ended.json["tier"]["manual"] is False
    assert client.put("/api/v1/customers/99999/tier", headers=headers,
                      json={"tier_id": gold["id"]}).status_code == 404


def test_ids_no_row_can_have_are_404_not_500(app, world_a):
    """Found by fuzzing the document: a discount id beyond the database's integers was a 500."""
    client, headers = _client(app, world_a)
    for ids, code in (({"discount_ids": [2**40]}, "discount_not_found"), ({"price_list_ids": [0]}, "price_list_not_found")):
        resp = client.put("/api/v1/loyalty/tiers", json={"tiers": [{**TIERS[0], **ids}]}, headers=headers)
        assert (resp.status_code, resp.json["error"]["code"]) == (404, code)


def test_the_document_names_both_answers_of_an_evaluation(app):
    op = app.test_client().get("/api/v1/openapi.json").json["paths"]["/loyalty/evaluations"]["post"]
    assert {"200", "202"} <= set(op["responses"])  # a dry run answers 200, a real run 202
