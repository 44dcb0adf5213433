"""The cards list, the live code check, the card actions and the export."""
import csv
import io
import json
import re
from datetime import date, timedelta

import pytest
from rq import SimpleWorker
from sqlalchemy import select

from panel.extensions import db
from panel.jobs import get_queue, redis_connection
from panel.models import AuditEntry, Card
from panel.services import customers as customer_service

from ..conftest import HX, as_tenant
from .factories import UID_DEC_LE, UID_HEX, expire_card, make_card, make_customer

TODAY = date.today()


def _codes(html: str) -> list[str]:
    """The codes in the cards table, in order."""
    return re.findall(r'<td class="mono">([^<]+)</td>\s*<td class="mono">', html)


@pytest.fixture
def cards_a(app, world_a):
    """Cards in every state, each on its own customer."""
    with app.app_context(), as_tenant(world_a):
        def card(first, code, **kw):
            return make_card(make_customer(first, "Test"), code, **kw)
        ids = {
            "plain": card("Plain", "P-100", number="N-100").id,
            "week": card("Week", "W-5", expires_on=TODAY + timedelta(days=5)).id,
            "month": card("Month", "M-20", expires_on=TODAY + timedelta(days=20)).id,
            "quarter": card("Quarter", "Q-80", expires_on=TODAY + timedelta(days=80)).id,
            "far": card("Far", "F-400", expires_on=TODAY + timedelta(days=400)).id,
            "blocked": card("Blocked", "B-1", status="blocked").id,
            "lost": card("Lost", "L-1", status="lost").id,
            "uid": card("Uid", UID_DEC_LE).id,
        }
        expired = card("Expired", "E-1")
        expire_card(expired, TODAY - timedelta(days=3))
        ids["expired"] = expired.id
        db.session.commit()
    return ids


def test_list_shows_every_card_with_its_customer(staff_a, cards_a):
    resp = staff_a.get("/cards/")
    assert resp.status_code == 200 and "<html" in resp.text
    assert set(_codes(resp.text)) == {"P-100", "W-5", "M-20", "Q-80", "F-400", "B-1", "L-1", UID_DEC_LE, "E-1"}
    assert "Plain Test" in resp.text and "1–9 of 9" in resp.text


@pytest.mark.parametrize("state, expected", [
    ("active", {"P-100", "W-5", "M-20", "Q-80", "F-400", UID_DEC_LE}),
    ("blocked", {"B-1", "L-1"}),
    ("lost", {"L-1"}),
    ("expired", {"E-1"}),
    ("expiring_7", {"W-5"}),
    ("expiring_30", {"W-5", "M-20"}),
    ("expiring_90", {"W-5", "M-20", "Q-80"}),
])
def test_list_filters_by_state(staff_a, cards_a, state, expected):
    resp = staff_a.get(f"/cards/?state={state}", headers=HX)
    assert resp.status_code == 200 and "<html" not in resp.text and 'id="card-table"' in resp.text
    assert set(_codes(resp.text)) == expected


def test_expiring_this_month_matches_the_dashboard(staff_a, app, world_a):
    month_end = date(TODAY.year + (TODAY.month == 12), TODAY.month % 12 + 1, 1) - timedelta(days=1)
    with app.app_context(), as_tenant(world_a):
        jan = make_customer()
        make_card(jan, "THIS-MONTH", expires_on=month_end)
        make_card(jan, "NEXT-MONTH", expires_on=month_end + timedelta(days=1))
        db.session.commit()
    listed = _codes(staff_a.get("/cards/?state=expiring_month", headers=HX).text)
    assert listed == ["THIS-MONTH"]
    dashboard = staff_a.get("/").text
    assert re.search(r'state=expiring_month"><span class="stat-value">1<', dashboard)


def test_search_by_code_prefix_number_or_any_reader_format(staff_a, cards_a):
    assert _codes(staff_a.get("/cards/?q=p-1", headers=HX).text) == ["P-100"]
    assert _codes(staff_a.get("/cards/?q=N-10", headers=HX).text) == ["P-100"]
    assert _codes(staff_a.get(f"/cards/?q={UID_HEX}", headers=HX).text) == [UID_DEC_LE]  # hex finds the decimal
    assert _codes(staff_a.get("/cards/?q=%25", headers=HX).text) == []  # LIKE wildcards are literal


def test_sort_by_expiry_both_ways(staff_a, cards_a):
    asc = _codes(staff_a.get("/cards/?sort=expires", headers=HX).text)
    assert asc[:5] == ["E-1", "W-5", "M-20", "Q-80", "F-400"]  # cards without expiry come last
    desc = _codes(staff_a.get("/cards/?sort=-expires", headers=HX).text)
    assert desc[-5:] == ["F-400", "Q-80", "M-20", "W-5", "E-1"]  # "never expires" counts as latest
    # An unknown sort falls back to the default instead of failing.
    assert staff_a.get("/cards/?sort=password", headers=HX).status_code == 200


def test_list_runs_a_fixed_number_of_queries(staff_a, app, world_a, count_queries):
    def add(n):
        with app.app_context(), as_tenant(world_a):
            for i in range(n):
                make_card(make_customer(f"Q{i}", "Count"), f"QC-{i}-{n}")
            db.session.commit()

    add(2)
    with count_queries() as few:
        assert staff_a.get("/cards/", headers=HX).status_code == 200
    add(20)
    with count_queries() as many:
        assert staff_a.get("/cards/", headers=HX).status_code == 200
    assert many() == few() and few() <= 8


def test_list_pages(staff_a, app, world_a):
    with app.app_context(), as_tenant(world_a):
        jan = make_customer()
        for i in range(55):
            make_card(jan, f"PG-{i:03d}")
        db.session.commit()
    first = staff_a.get("/cards/?sort=code", headers=HX).text
    second = staff_a.get("/cards/?sort=code&page=2", headers=HX).text
    assert len(_codes(first)) == 50 and _codes(second) == [f"PG-{i:03d}" for i in range(50, 55)]
    assert "51–55 of 55" in second and "page=1" in second


def test_check_says_free_or_whose_card(staff_a, app, world_a):
    with app.app_context(), as_tenant(world_a):
        anna = make_customer("Anna", "Nowak")
        make_card(anna, UID_DEC_LE, expires_on=date(2031, 3, 31))
        db.session.commit()
        anna_id = anna.id
    free = staff_a.get("/cards/check?cards-2-code=NEW-CARD&row=2", headers=HX)
    assert free.status_code == 200 and 'id="cards-2-check"' in free.text and "Free" in free.text
    taken = staff_a.get(f"/cards/check?code={UID_HEX}&row=0", headers=HX).text
    assert (f'Already on <a href="/customers/{anna_id}">Anna Nowak</a>\'s card, '
            'expires <time datetime="2031-03-31">31 Mar 2031</time>.') in taken
    # The hex a phone reads: the hint shows the variants to compare with the printed number.
    assert "3220338716" in taken and "BFF2781C" in taken
    own = staff_a.get(f"/cards/check?code={UID_DEC_LE}&row=0&exclude_customer={anna_id}", headers=HX).text
    assert "This customer already holds this card." in own and "Already on" not in own
    long = staff_a.get("/cards/check?code=" + "x" * 65 + "&row=1", headers=HX).text
    assert "at most 64 characters" in long


def test_check_catches_the_same_card_twice_in_the_form(staff_a):
    # Row 2 was scanned as hex; row 0 already holds the same card as a decimal.
    resp = staff_a.get("/cards/check", headers=HX, query_string={
        "row": "2", "cards-0-code": UID_DEC_LE, "cards-1-code": "", "cards-2-code": UID_HEX.lower()})
    assert 'id="cards-2-check"' in resp.text and "This card is already in the list above." in resp.text
    alone = staff_a.get("/cards/check", headers=HX, query_string={"row": "0", "cards-0-code": UID_DEC_LE})
    assert "Free" in alone.text


def test_check_never_reveals_another_tenants_card(owner_b, app, world_a):
    with app.app_context(), as_tenant(world_a):
        make_card(make_customer("Anna", "Nowak"), "ALFA-ONLY")
        db.session.commit()
    resp = owner_b.get("/cards/check?code=ALFA-ONLY&row=0", headers=HX).text
    assert "Free" in resp and "Nowak" not in resp


def test_block_lost_unblock_from_the_list(staff_a, manager_a, cards_a, app, world_a):
    card_id = cards_a["plain"]
    resp = staff_a.post(f"/cards/{card_id}/block", headers=HX)
    assert resp.status_code == 200 and f'id="card-{card_id}-actions"' in resp.text
    assert "Blocked" in resp.text and "The card P-100 is blocked." in resp.text  # the OOB flash
    assert staff_a.post(f"/cards/{card_id}/unblock", headers=HX).status_code == 403  # managers unblock
    resp = staff_a.post(f"/cards/{card_id}/lost", headers=HX)
    assert "Lost" in resp.text
    resp = manager_a.post(f"/cards/{card_id}/unblock", headers=HX)
    assert "Active" in resp.text and "works again" in resp.text
    with app.app_context(), as_tenant(world_a):
        assert db.session.get(Card, card_id).status == "active"
        actions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.entity_type == "card", AuditEntry.entity_id == card_id).order_by(AuditEntry.id)).all()
    assert actions[-3:] == ["card.blocked", "card.lost", "card.unblocked"]


def test_plain_post_goes_back_to_a_local_page_only(staff_a, cards_a):
    resp = staff_a.post(f"/cards/{cards_a['plain']}/block", data={"next": "/customers/1/edit"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/customers/1/edit"
    resp = staff_a.post(f"/cards/{cards_a['week']}/block", data={"next": "//evil.example/x"})
    assert resp.headers["Location"] == "/cards/"


def test_a_refused_action_answers_409_with_the_reason(staff_a, cards_a):
    resp = staff_a.post(f"/cards/{cards_a['lost']}/block", headers=HX)
    assert resp.status_code == 409 and "already blocked" in resp.text


def test_another_tenants_card_is_404_for_every_action(owner_b, cards_a):
    card_id = cards_a["plain"]
    for action in ("block", "lost", "unblock", "replace"):
        assert owner_b.post(f"/cards/{card_id}/{action}", headers=HX).status_code == 404
    assert owner_b.get(f"/cards/{card_id}/replace").status_code == 404


def test_replace_page(staff_a, cards_a, app, world_a):
    card_id = cards_a["far"]
    page = staff_a.get(f"/cards/{card_id}/replace?next=/customers/5")
    assert page.status_code == 200 and "Replace the card F-400" in page.text
    assert (TODAY + timedelta(days=400)).isoformat() in page.text  # the old expiry is proposed
    bad = staff_a.post(f"/cards/{card_id}/replace", data={"code": "P-100", "number": "", "expires_on": "",
                                                        "next": "/customers/5"})
    assert bad.status_code == 422 and "Already on Plain Test&#39;s card." in bad.text
    assert 'value="P-100"' in bad.text  # what was typed stays
    ok = staff_a.post(f"/cards/{card_id}/replace", data={"code": "F-401", "number": "401",
                                                       "expires_on": "", "next": "/customers/5"})
    assert ok.status_code == 303 and ok.headers["Location"] == "/customers/5"
    with app.app_context(), as_tenant(world_a):
        old = db.session.get(Card, card_id)
        assert old.status == "blocked" and db.session.get(Card, old.replaced_by_id).code == "F-401"


def test_export_builds_a_csv_of_the_filtered_cards(manager_a, staff_a, cards_a, app):
    assert staff_a.post("/cards/export", data={"state": "blocked"}).status_code == 403
    resp = manager_a.post("/cards/export", data={"state": "blocked", "sort": "code"})
    assert resp.status_code == 303
    with app.app_context():
        SimpleWorker([get_queue("default")], connection=redis_connection()).work(burst=True)
    run_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    download = manager_a.get(f"/jobs/{run_id}/download")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(download.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["code", "number", "state"]
    assert [(r[0], r[2], r[8]) for r in rows[1:]] == [("B-1", "blocked", "Blocked Test"), ("L-1", "lost", "Lost Test")]


def test_the_export_takes_the_filters_the_table_on_screen_was_drawn_with(manager_a, staff_a, cards_a):
    # A live filter change swaps the table alone; the export's filters must come with it.
    table = manager_a.get("/cards/?q=P&state=active&sort=code", headers=HX).text
    for name, value in (("q", "P"), ("state", "active"), ("sort", "code")):
        assert f'<input type="hidden" name="{name}" value="{value}" form="card-export">' in table
    export_form = manager_a.get("/cards/?state=blocked").text.split('id="card-export"')[1].split("</form>")[0]
    assert 'name="state"' not in export_form  # no copy of its own that a live change would leave stale
    assert 'form="card-export"' not in staff_a.get("/cards/", headers=HX).text  # staff do not export


def test_export_protects_against_spreadsheet_formulas(manager_a, app, world_a):
    with app.app_context(), as_tenant(world_a):
        make_card(make_customer("=HYPERLINK(1)", "X"), "=1+1")
        db.session.commit()
    resp = manager_a.post("/cards/export", data={})
    with app.app_context():
        SimpleWorker([get_queue("default")], connection=redis_connection()).work(burst=True)
    run_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    body = manager_a.get(f"/jobs/{run_id}/download").data.decode("utf-8-sig")
    assert "'=1+1" in body and "'=HYPERLINK(1) X" in body


# --- erased customers ------------------------------------------------------------------------

@pytest.fixture
def erased(app, world_a):
    """A customer whose data was erased (their card blocked, code "erased-<id>"), and Plain's card."""
    with app.app_context(), as_tenant(world_a):
        gone = make_customer("Ewa", "Gone")
        card = make_card(gone, "GONE-1")
        make_card(make_customer("Plain", "Test"), "P-100")
        customer_service.erase(gone, str(gone.id))
        db.session.commit()
        return gone.id, card.id


def test_an_erased_customers_card_offers_nothing_and_refuses_every_change(manager_a, app, world_a, erased):
    customer_id, card_id = erased
    page = manager_a.get("/cards/").text
    assert f"Erased customer #{customer_id}" in page and "history only" in page
    assert f"/cards/{card_id}/unblock" not in page and f"/cards/{card_id}/replace" not in page
    resp = manager_a.post(f"/cards/{card_id}/unblock", headers=HX)
    assert resp.status_code == 409 and "data was erased" in resp.text and "Unblock" not in resp.text
    form = manager_a.get(f"/cards/{card_id}/replace")
    assert "data was erased" in form.text and 'name="code"' not in form.text
    resp = manager_a.post(f"/cards/{card_id}/replace", data={"code": "NEW-1", "number": "", "expires_on": ""})
    assert resp.status_code == 422 and "data was erased" in resp.text
    with app.app_context(), as_tenant(world_a):
        assert db.session.get(Card, card_id).status == "blocked"
        assert db.session.scalars(select(Card.code).where(Card.customer_id == customer_id)).all() == [f"erased-{card_id}"]


def test_an_erased_customer_is_named_in_the_users_language_in_the_list_and_the_export(manager_a, app, erased):
    customer_id, _card_id = erased
    manager_a.post("/language", data={"locale": "pl"})
    page = manager_a.get("/cards/").text
    assert f"Usunięty klient #{customer_id}" in page and "Erased customer" not in page
    resp = manager_a.post("/cards/export", data={"sort": "code"})
    with app.app_context():
        SimpleWorker([get_queue("default")], connection=redis_connection()).work(burst=True)
    run_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    rows = list(csv.reader(io.StringIO(manager_a.get(f"/jobs/{run_id}/download").data.decode("utf-8-sig")),
                           delimiter=";"))
    assert [r[8] for r in rows[1:]] == ["Plain Test", f"Usunięty klient #{customer_id}"]


# --- the customer page: add a card, the card list refreshes on HX-Trigger ----------------------

def _events(resp) -> dict:
    return json.loads(resp.headers.get("HX-Trigger") or "{}")


def test_adding_a_card_on_the_customer_page_triggers_card_added(staff_a, app, world_a):
    with app.app_context(), as_tenant(world_a):
        jan = make_customer()
        db.session.commit()
        jan_id = jan.id
    page = staff_a.get(f"/customers/{jan_id}?tab=cards", headers=HX).text
    # The list listens for the event and re-fetches its own fragment.
    assert 'id="customer-cards"' in page and 'hx-trigger="card-added from:body' in page
    assert f'hx-get="/cards/customer/{jan_id}"' in page and 'id="card-add"' in page

    resp = staff_a.post(f"/cards/customer/{jan_id}", data={"code": " new-1 ", "number": "77"}, headers=HX)
    assert resp.status_code == 200
    with app.app_context(), as_tenant(world_a):
        card = db.session.scalar(select(Card).where(Card.customer_id == jan_id))
        assert (card.code, card.number, card.status) == ("new-1", "77", "active")
    assert _events(resp) == {"card-added": {"card_id": card.id, "customer_id": jan_id}}
    assert 'id="card-add"' in resp.text and 'value=""' in resp.text          # empty for the next card
    assert "now belongs to Jan Kowalski" in resp.text                        # the OOB flash
    fragment = staff_a.get(f"/cards/customer/{jan_id}", headers=HX).text
    assert fragment.lstrip().startswith('<div id="customer-cards"') and "new-1" in fragment and "77" in fragment
    assert '<span id="customer-tab-cards-count" class="badge badge-muted" hx-swap-oob="true">1</span>' in fragment

    again = staff_a.post(f"/cards/customer/{jan_id}", data={"code": "new-1"}, headers=HX)
    assert again.status_code == 200 and "HX-Trigger" not in again.headers  # nothing changed: no event
    assert "already holds the card new-1" in again.text


def test_adding_a_taken_card_keeps_the_typed_values_and_triggers_nothing(staff_a, app, world_a):
    with app.app_context(), as_tenant(world_a):
        jan, anna = make_customer(), make_customer("Anna", "Nowak")
        make_card(anna, "ANNA-1")
        db.session.commit()
        jan_id = jan.id
    resp = staff_a.post(f"/cards/customer/{jan_id}", data={"code": " ANNA-1 ", "number": "5"}, headers=HX)
    assert resp.status_code == 409 and "HX-Trigger" not in resp.headers
    assert "Already on Anna Nowak" in resp.text and 'value=" ANNA-1 "' in resp.text and 'value="5"' in resp.text
    resp = staff_a.post(f"/cards/customer/{jan_id}", data={"code": "", "expires_on": "soon"}, headers=HX)
    assert resp.status_code == 422 and "Scan the card or type its code." in resp.text
    plain = staff_a.post(f"/cards/customer/{jan_id}", data={"code": "PLAIN-1"})
    assert plain.status_code == 303 and plain.headers["Location"] == f"/customers/{jan_id}?tab=cards"


def test_an_erased_customer_gets_no_add_form_and_no_card(manager_a, app, erased):
    erased = erased[0]
    page = manager_a.get(f"/customers/{erased}?tab=cards", headers=HX).text
    assert 'id="customer-cards"' in page and 'id="card-add"' not in page
    resp = manager_a.post(f"/cards/customer/{erased}", data={"code": "AFTER-1"}, headers=HX)
    assert resp.status_code == 422 and "HX-Trigger" not in resp.headers


def test_card_actions_trigger_their_events(staff_a, manager_a, cards_a):
    card_id = cards_a["plain"]
    assert set(_events(staff_a.post(f"/cards/{card_id}/block", headers=HX))) == {"card-blocked"}
    assert _events(staff_a.post(f"/cards/{card_id}/block", headers=HX)) == {}   # blocked already
    assert set(_events(staff_a.post(f"/cards/{card_id}/lost", headers=HX))) == {"card-lost"}
    resp = manager_a.post(f"/cards/{card_id}/unblock", headers=HX)
    assert _events(resp)["card-unblocked"]["card_id"] == card_id
