"""A customer's history as people read it: labels, yes/no, the restaurant's clock; and as exports write it."""
from __future__ import annotations

import json
import re
from datetime import date

from panel.extensions import db
from panel.models import Customer
from panel.services import audit, customers

from ..conftest import as_tenant
from .factories import add_card, make_customer

RAW_CONSENT_AT = "2026-12-06 01:14:10.664709+00:00"   # how a diff stored the moment: 02:14 in Warsaw


def _edit(app, world, cid: int, **changes) -> None:
    with app.app_context(), as_tenant(world):
        c = db.session.get(Customer, cid)
        data = {name: getattr(c, name) for name in customers.EDITABLE_FIELDS}
        customers.update(c, {**data, **changes})
        db.session.commit()


def _history(client, cid: int) -> str:
    return client.get(f"/customers/{cid}?tab=history").data.decode()


def test_history_shows_labels_yes_no_and_moments_on_the_restaurants_clock(app, staff_a, world_a):
    cid = make_customer(app, world_a.tenant_id, first_name="Anna")
    _edit(app, world_a, cid, first_name="Zażółć", marketing_consent=True, birthday="1990-05-31")
    with app.app_context(), as_tenant(world_a):
        audit.record("customer.updated", "customer", cid, f"#{cid}",
                     {"marketing_consent_at": [None, RAW_CONSENT_AT]})
        db.session.commit()
    staff_a.post("/language", data={"locale": "pl"})
    page = _history(staff_a, cid)
    assert "<strong>Imię</strong>: Anna → Zażółć" in page
    assert "<strong>Zgoda na komunikację marketingową</strong>: Nie → Tak" in page
    assert "— → 31 maj 1990" in page and "1990-05-31" not in page  # as the details tab writes it
    assert "02:14" in page and "01:14" not in page
    for raw in ("first_name", "marketing_consent", "False", "True", "664709"):
        assert raw not in page, raw


def test_history_labels_the_figures_of_an_erase(app, staff_a, world_a):
    cid = make_customer(app, world_a.tenant_id, first_name="Anna")
    add_card(app, world_a.tenant_id, cid, "04A1B2C3")
    with app.app_context(), as_tenant(world_a):
        customers.erase(db.session.get(Customer, cid), str(cid))
        db.session.commit()
    page = _history(staff_a, cid)
    assert "<strong>Cards blocked</strong>: 1" in page and "cards_blocked" not in page
    assert "merged_records_erased" not in page


def test_dashboard_and_history_say_what_a_merge_moved_in_the_users_language(app, staff_a, world_a):
    keep = make_customer(app, world_a.tenant_id, first_name="Anna", last_name="Nowak")
    gone = make_customer(app, world_a.tenant_id, first_name="Anna", last_name="Nowak", city="Kraków")
    add_card(app, world_a.tenant_id, gone, "04A1B2C3")
    with app.app_context(), as_tenant(world_a):
        customers.merge(db.session.get(Customer, keep), db.session.get(Customer, gone))
        db.session.commit()
    staff_a.post("/language", data={"locale": "pl"})
    dashboard = staff_a.get("/").data.decode()
    assert f"#{gone} → #{keep}: " in dashboard and "Karty: 1" in dashboard and "cards 1" not in dashboard
    history = _history(staff_a, keep)
    assert "<strong>Miejscowość</strong>: — → Kraków" in history
    for raw in ("merged_id", "fields_taken", "phone_digits", "'cards'"):
        assert raw not in history, raw


def test_export_json_writes_history_moments_in_iso_utc_to_the_second(app, manager_a, world_a):
    cid = make_customer(app, world_a.tenant_id, first_name="Anna", birthday=date(1990, 5, 31).isoformat())
    _edit(app, world_a, cid, marketing_consent=True)
    with app.app_context(), as_tenant(world_a):
        audit.record("customer.updated", "customer", cid, f"#{cid}",
                     {"marketing_consent_at": [None, RAW_CONSENT_AT], "first_name": ["2026-12-06 01:14:10", "Anna"]})
        db.session.commit()
    data = json.loads(manager_a.get(f"/customers/{cid}/export.json").data)
    consent_at = [h["changes"]["marketing_consent_at"][1] for h in data["history"]
                  if h["changes"] and "marketing_consent_at" in h["changes"]]
    assert len(consent_at) == 2 and "2026-12-06T01:14:10+00:00" in consent_at
    for moment in consent_at:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", moment), moment
    # Only moments are rewritten: text that looks like one stays as typed.
    assert ["2026-12-06 01:14:10", "Anna"] in [h["changes"]["first_name"] for h in data["history"]
                                               if h["changes"] and "first_name" in h["changes"]]
