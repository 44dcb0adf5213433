"""Archive / restore, merge, GDPR erase and the subject-access export."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import select

from panel.extensions import db
from panel.models import AuditEntry, Card, Customer
from panel.services import ServiceError, customers
from panel.services import cards as card_service
from panel.services.customers import gdpr
from tests.conftest import HX, REDIS_URL, as_tenant

from .factories import add_card, card_rows, make_customer, row

VALID_NIP = "5261040828"


# --- archive and restore ---------------------------------------------------------------------

def test_archive_hides_and_restore_brings_back(app, manager_a, world_a):
    cid = make_customer(app, world_a.tenant_id, first_name="Jadwiga", last_name="Kamińska")
    assert manager_a.post(f"/customers/{cid}/archive").status_code == 303
    assert row(app, world_a.tenant_id, cid)["archived_at"] is not None
    detail = manager_a.get(f"/customers/{cid}").data.decode()          # shows (and uses up) the flash
    assert "was archived" in detail
    assert "Archived on" in detail and f"/customers/{cid}/restore" in detail
    assert "Kamińska" not in manager_a.get("/customers/", headers=HX).data.decode()
    assert "Kamińska" in manager_a.get("/customers/?status=archived", headers=HX).data.decode()
    assert manager_a.post(f"/customers/{cid}/restore", headers=HX).headers["HX-Redirect"] == f"/customers/{cid}"
    assert row(app, world_a.tenant_id, cid)["archived_at"] is None
    assert "was restored" in manager_a.get(f"/customers/{cid}").data.decode()
    assert "Kamińska" in manager_a.get("/customers/", headers=HX).data.decode()
    with app.app_context(), as_tenant(world_a):
        actions = [e.action for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.entity_id == cid, AuditEntry.entity_type == "customer")
            .order_by(AuditEntry.id))]
    assert actions == ["customer.created", "customer.archived", "customer.restored"]


def test_archive_twice_is_a_polite_error(app, manager_a, world_a):
    cid = make_customer(app, world_a.tenant_id, first_name="Jadwiga")
    manager_a.post(f"/customers/{cid}/archive")
    resp = manager_a.post(f"/customers/{cid}/archive", follow_redirects=True)
    assert resp.status_code == 200 and "already archived" in resp.data.decode()


# --- merge -----------------------------------------------------------------------------------

@pytest.fixture
def pair(app, world_a):
    t = world_a.tenant_id
    survivor = make_customer(app, t, first_name="Jan", last_name="Kowalski", email="jan@example.pl",
                             street="Długa", building="1", postcode="00-001", city="Warszawa", notes="Lubi kawę")
    other = make_customer(app, t, first_name="Janek", last_name="Kowalski", phone="600 100 200", nip=VALID_NIP,
                          email="janek@example.pl", street="Krótka", building="2", postcode="30-001", city="Kraków",
                          notes="Alergia na orzechy", marketing_consent=True, birthday="1980-02-03")
    add_card(app, t, survivor, "CARD-S")
    add_card(app, t, other, "CARD-O1")
    add_card(app, t, other, "CARD-O2")
    return survivor, other


def test_merge_plan_lists_fields_and_moves(ctx, world_a, pair):
    with as_tenant(world_a):
        s, o = db.session.get(Customer, pair[0]), db.session.get(Customer, pair[1])
        plan = customers.merge_plan(s, o)
        outcome = {f.key: f.outcome for f in plan.fields}
        assert outcome["first_name"] == "conflict"
        assert outcome["last_name"] == "same"
        assert outcome["email"] == "conflict"
        assert outcome["address"] == "conflict"
        assert outcome["phone"] == "take" and outcome["nip"] == "take"
        assert outcome["marketing_consent"] == "take" and outcome["birthday"] == "take"
        assert outcome["company_name"] == "same"
        assert dict((m.key, n) for m, n in plan.moves) == {"cards": 2, "group": 0, "wallet": 0, "documents": 0, "points": 0}
        assert plan.notes == "Lubi kawę\n\nAlergia na orzechy"


def test_a_country_alone_is_no_address(app, manager_a, world_a, pair):
    # Every record carries the restaurant's country; with nothing else it is not an address.
    bare = make_customer(app, world_a.tenant_id, first_name="Jan", last_name="Kowalski", country="PL")
    with app.app_context(), as_tenant(world_a):
        s, o = db.session.get(Customer, pair[0]), db.session.get(Customer, bare)
        assert {f.key: f.outcome for f in customers.merge_plan(s, o).fields}["address"] == "keep"
        assert {f.key: f.outcome for f in customers.merge_plan(o, s).fields}["address"] == "take"
    assert re.search(r"<dd>—</dd>", manager_a.get(f"/customers/{bare}").data.decode())
    assert "Długa 1, 00-001 Warszawa" in manager_a.get(f"/customers/{pair[0]}").data.decode()


def test_merge_keeps_everything_of_both(app, ctx, world_a, pair):
    with as_tenant(world_a):
        s, o = db.session.get(Customer, pair[0]), db.session.get(Customer, pair[1])
        figures = customers.merge(s, o, {"first_name": "survivor", "address": "other"})
        db.session.commit()
        assert figures == {"merged_id": o.id, "moved": {"cards": 2, "group": 0, "wallet": 0, "documents": 0, "points": 0},
                           "fields_taken": ["nip", "phone", "address", "birthday", "marketing_consent"]}
        assert (s.first_name, s.email) == ("Jan", "jan@example.pl")          # kept by choice / default
        assert (s.street, s.building, s.postcode, s.city) == ("Krótka", "2", "30-001", "Kraków")  # whole address
        assert (s.nip, s.phone, s.phone_digits) == (VALID_NIP, "600 100 200", "48600100200")
        assert s.birthday == date(1980, 2, 3) and s.marketing_consent and s.marketing_consent_at is not None
        assert s.notes == "Lubi kawę\n\nAlergia na orzechy"
        assert " 48600100200" in s.search_text and "krakow" in s.search_text
        assert sorted(c.code for c in s.cards) == ["CARD-O1", "CARD-O2", "CARD-S"]
        assert o.merged_into_id == s.id and o.archived_at is not None
        assert o.first_name == "Janek"                 # the merged record keeps its own data
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "customer.merged")).one()
        assert entry.entity_id == s.id and entry.changes["moved"] == {"cards": 2, "group": 0, "wallet": 0, "documents": 0, "points": 0}
        assert entry.changes["merged_id"] == o.id


def test_merge_refuses_self_merged_and_erased(ctx, world_a, pair):
    with as_tenant(world_a):
        s, o = db.session.get(Customer, pair[0]), db.session.get(Customer, pair[1])
        with pytest.raises(ServiceError):
            customers.merge(s, s)
        customers.merge(s, o)
        with pytest.raises(ServiceError, match="already merged"):
            customers.merge(s, o)
        third = customers.create({"first_name": "Trzeci"})
        customers.erase(third, str(third.id))
        with pytest.raises(ServiceError, match="erased"):
            customers.merge(s, third)
        with pytest.raises(ServiceError):
            customers.restore(o)


def test_merge_moves_are_extensible():
    with pytest.raises(ValueError):
        customers.register_merge_move(customers.MergeMove("cards", "Cards", lambda o: 0, lambda s, o: 0))


def test_merge_pages(app, manager_a, world_a, pair):
    s, o = pair
    picker = manager_a.get(f"/customers/{s}/merge").data.decode()
    assert "Same NIP, IČO, e-mail or phone" not in picker          # nothing shared yet: no suggestions
    found = manager_a.get(f"/customers/{s}/merge?q=janek", headers=HX).data.decode()
    assert found.lstrip().startswith('<div id="merge-candidates"')
    assert f"/customers/{s}/merge?other={o}" in found
    preview = manager_a.get(f"/customers/{s}/merge?other={o}").data.decode()
    assert 'name="choice-first_name" value="other"' in preview
    assert 'name="choice-address" value="survivor" checked' in preview
    assert "Cards: <strong>2</strong>" in preview
    assert "3 Feb 1980" in preview and "1980-02-03" not in preview  # the birthday as the customer page writes it
    resp = manager_a.post(f"/customers/{s}/merge", data={"other": o, "choice-first_name": "other"})
    assert resp.status_code == 303 and resp.headers["Location"] == f"/customers/{s}"
    assert row(app, world_a.tenant_id, s)["first_name"] == "Janek"
    assert len(card_rows(app, world_a.tenant_id, s)) == 3
    merged = manager_a.get(f"/customers/{o}").data.decode()
    assert "This record was merged into" in merged and f'href="/customers/{s}"' in merged
    again = manager_a.get(f"/customers/{s}/merge?other={o}")
    assert again.status_code == 422 and "already merged" in again.data.decode()


# --- erase -----------------------------------------------------------------------------------

PERSONAL = ["Bożena", "Żurawska", "Żurawska Catering", VALID_NIP, "012100784", "bozena@zurawska.pl",
            "601 202 303", "48601202303", "Ogrodowa", "90-001", "Łódź", "Lubi sernik", "ZURAWSKA-CARD", "K-1234",
            "zurawska", "bozena"]


@pytest.fixture
def victim(app, world_a):
    t = world_a.tenant_id
    cid = make_customer(app, t, first_name="Bożena", last_name="Żurawska", company_name="Żurawska Catering",
                        nip=VALID_NIP, regon="012100784", email="bozena@zurawska.pl", phone="601 202 303",
                        street="Ogrodowa", building="5", flat="7", postcode="90-001", city="Łódź",
                        birthday="1970-07-07", notes="Lubi sernik", marketing_consent=True, is_staff=True)
    add_card(app, t, cid, "ZURAWSKA-CARD", number="K-1234", note="Karta dla Bożeny")
    add_card(app, t, cid, "3220338716")
    # An older duplicate merged into her: the same person's data.
    dup = make_customer(app, t, first_name="Bożena", last_name="Żurawska", email="b.zurawska@example.pl")
    with app.app_context(), as_tenant(world_a):
        customers.merge(db.session.get(Customer, cid), db.session.get(Customer, dup))
        customers.update(db.session.get(Customer, cid), {"city": "Łódź", "notes": "Lubi sernik"})
        db.session.commit()
    return cid, dup


def test_erase_needs_manager_and_typed_confirmation(app, manager_a, world_a, victim):
    cid, _dup = victim
    page = manager_a.get(f"/customers/{cid}/erase").data.decode()
    assert f"type the customer number {cid}" in page
    wrong = manager_a.post(f"/customers/{cid}/erase", data={"confirmation": "yes please"})
    assert wrong.status_code == 422
    assert f"Type the customer number {cid} to confirm." in wrong.data.decode()
    assert 'value="yes please"' in wrong.data.decode()
    assert row(app, world_a.tenant_id, cid)["erased_at"] is None


def test_erase_leaves_no_personal_data_in_customers_or_cards(app, owner_a, world_a, victim):
    cid, dup = victim
    resp = owner_a.post(f"/customers/{cid}/erase", data={"confirmation": f"#{cid}"})
    assert resp.status_code == 303
    heading = re.search(r"<h1>(.*?)</h1>", owner_a.get(f"/customers/{cid}").data.decode(), re.S).group(1)
    assert heading.count(f"#{cid}") == 1                     # "Erased customer #41", not "... #41 #41"
    with app.app_context(), as_tenant(world_a):
        for customer in db.session.scalars(select(Customer).where(Customer.id.in_([cid, dup]))):
            values = {col.name: getattr(customer, col.key) for col in Customer.__table__.columns}
            text = json.dumps(values, default=str).lower()
            for needle in PERSONAL:
                assert needle.lower() not in text, (needle, values)
            assert customer.last_name == f"Erased customer #{customer.id}"
            assert customer.search_text == "" and customer.birthday is None
            assert customer.marketing_consent is False and customer.is_staff is False
            assert customer.erased_at is not None and customer.archived_at is not None
        cards = db.session.scalars(select(Card).order_by(Card.id)).all()
        assert len(cards) == 2                                   # rows kept, for the money history
        for card in cards:
            values = {col.name: getattr(card, col.key) for col in Card.__table__.columns}
            text = json.dumps(values, default=str).lower()
            for needle in PERSONAL + ["3220338716", "1c78f2bf"]:
                assert needle.lower() not in text, (needle, values)
            assert card.code == f"erased-{card.id}" and card.code_key == f"Xerased-{card.id}"
            assert card.status == "blocked" and card.blocked_at is not None
        # Earlier history lost its details; the erase entry holds only figures.
        for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type.in_(["customer", "card"]))):
            text = json.dumps([entry.summary, entry.changes], default=str).lower()
            for needle in PERSONAL:
                assert needle.lower() not in text, (needle, entry.action)
        erased = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "customer.erased")).one()
        assert erased.changes == {"cards_blocked": 2, "merged_records_erased": 1, "wallets_kept_empty": 0}
    # A scan of the old code finds nobody; the list shows the placeholder only.
    assert "Card " not in owner_a.get("/customers/?q=3220338716&status=all", headers=HX).data.decode()
    assert owner_a.get(f"/customers/{cid}/edit").status_code == 303


def test_erase_twice_is_refused(app, manager_a, world_a):
    cid = make_customer(app, world_a.tenant_id, first_name="Raz")
    manager_a.post(f"/customers/{cid}/erase", data={"confirmation": str(cid)})
    again = manager_a.post(f"/customers/{cid}/erase", data={"confirmation": str(cid)})
    assert again.status_code == 422 and "already erased" in again.data.decode()


def test_erase_runs_every_registered_step_in_order(app, ctx, world_a, victim, monkeypatch):
    """Areas plug into erasure through ERASE_STEPS: each runs for every record, by its order."""
    cid, dup = victim
    monkeypatch.setattr(gdpr, "ERASE_STEPS", list(gdpr.ERASE_STEPS))   # the test's steps go away after
    seen = []

    def step(name):
        def run(person):
            # What the step finds tells where it ran: the person is already anonymised; the cards
            # (the cards area's step, order 100) are erased only for a step after them.
            seen.append((name, person.id, person.last_name == f"Erased customer #{person.id}",
                         [card.code.startswith("erased-") for card in person.cards]))
            return 10 if person.id == cid else 1
        return run

    customers.register_erase_step(customers.EraseStep("late", step("late"), order=900))
    customers.register_erase_step(customers.EraseStep("early", step("early"), order=10))
    with as_tenant(world_a):
        figures = customers.erase(db.session.get(Customer, cid), str(cid))
        db.session.commit()
    assert seen == [("early", cid, True, [False, False]), ("early", dup, True, []),
                    ("late", cid, True, [True, True]), ("late", dup, True, [])]
    assert figures == {"early": 11, "cards_blocked": 2, "late": 11, "merged_records_erased": 1, "wallets_kept_empty": 0}
    with as_tenant(world_a):
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "customer.erased")).one()
        assert entry.changes == figures


def test_erase_steps_have_one_key_each():
    steps = {s.key: s.run for s in customers.ERASE_STEPS}
    assert steps["cards_blocked"] is card_service.erase_cards           # the cards area's own step
    for key in ("cards_blocked", "merged_records_erased"):
        with pytest.raises(ValueError):
            customers.register_erase_step(customers.EraseStep(key, lambda person: 0, order=1))
    assert {s.key: s.run for s in customers.ERASE_STEPS} == steps


def test_building_the_app_registers_the_cards_erase_step():
    """Erasure must never run without an area's step: the app (and the worker, which builds it)
    imports every area, so importing the customers service alone is not what fills the registry."""
    code = ("import os\n"
            "from panel import create_app\n"
            "from panel.services.customers import ERASE_STEPS\n"
            "before = [s.key for s in ERASE_STEPS]\n"
            "create_app({'TESTING': True}, env={'REGULARS_ENV': 'testing', 'DATABASE_URL': 'sqlite://',\n"
            "           'REDIS_URL': os.environ['REDIS_URL'], 'SECRET_KEY': 'x' * 40})\n"
            "print(before, [s.key for s in ERASE_STEPS], sep='|')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "REDIS_URL": REDIS_URL}).stdout
    before, after = out.strip().split("|")
    assert before == "[]" and "'cards_blocked'" in after

# --- subject-access export -------------------------------------------------------------------

def test_export_json_has_fields_cards_and_history(app, manager_a, world_a):
    cid = make_customer(app, world_a.tenant_id, first_name="Věra", last_name="Dvořáková", city="Brno",
                        country="CZ", phone="+420 603 123 456", birthday="1975-03-04")
    add_card(app, world_a.tenant_id, cid, "1C78F2BF", number="V-1", expires_on=date(2030, 1, 31))
    resp = manager_a.get(f"/customers/{cid}/export.json")
    assert resp.status_code == 200
    assert resp.mimetype == "application/json"
    assert resp.headers["Content-Disposition"] == f'attachment; filename="customer-{cid}.json"'
    assert "Dvořáková".encode() in resp.data                   # UTF-8, not \u escapes
    data = json.loads(resp.data)
    assert data["customer"]["last_name"] == "Dvořáková" and data["customer"]["birthday"] == "1975-03-04"
    assert data["customer"]["phone_digits"] == "420603123456"
    assert [(c["code"], c["number"], c["expires_on"], c["state"]) for c in data["cards"]] == [
        ("1C78F2BF", "V-1", "2030-01-31", "active")]
    assert [h["action"] for h in data["history"]] == ["customer.created"]
    for moment in (data["exported_at"], data["customer"]["created_at"], data["cards"][0]["issued_at"]):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", moment), moment  # UTC, to the second
    with app.app_context(), as_tenant(world_a):
        assert db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == cid,
                                                                  AuditEntry.entity_type == "customer")
                                  .order_by(AuditEntry.id)).all() == ["customer.created", "customer.exported"]
