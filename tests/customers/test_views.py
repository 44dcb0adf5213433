"""Create / edit / detail / duplicates views: 422 with typed values, cards rows, tabs, roles, isolation."""
from __future__ import annotations

import html as htmllib
import re

import pytest
from sqlalchemy import func, select

from panel.extensions import db
from panel.models import AuditEntry, Card, Customer
from tests.conftest import HX, as_tenant

from .factories import add_card, card_rows, make_customer, row

VALID_NIP = "5261040828"


def form(**overrides) -> dict:
    data = {"first_name": "Antonín", "last_name": "Dvořák", "company_name": "", "nip": "", "regon": "", "ico": "",
            "dic": "", "email": "antonin@example.cz", "phone": "600 100 200", "street": "Piotrkowska",
            "building": "12", "flat": "4", "postcode": "90-001", "city": "Łódź", "country": "PL",
            "birthday": "1984-09-08", "notes": "Stolik przy oknie"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def count_customers(app, world) -> int:
    with app.app_context(), as_tenant(world):
        return db.session.scalar(select(func.count()).select_from(Customer))


def test_create_saves_and_redirects(app, staff_a, world_a):
    resp = staff_a.post("/customers/new", data=form(marketing_consent="y"))
    assert resp.status_code == 303
    cid = int(resp.headers["Location"].rsplit("/", 1)[1])
    saved = row(app, world_a.tenant_id, cid)
    assert saved["first_name"] == "Antonín" and saved["city"] == "Łódź"
    assert saved["phone_digits"] == "48600100200"
    assert saved["marketing_consent"] is True and saved["marketing_consent_at"] is not None
    assert saved["is_staff"] is False
    detail = staff_a.get(resp.headers["Location"]).data.decode()
    assert "Antonín Dvořák was added." in detail
    assert "Piotrkowska 12/4, 90-001 Łódź" in detail


def test_a_name_ending_in_a_full_stop_ends_the_sentence(staff_a):
    staff_a.post("/language", data={"locale": "pl"})   # "Dodano klienta %(name)s."
    page = staff_a.post("/customers/new", data={"company_name": "Bar Śląski Sp. z o.o.", "country": "PL"},
                        follow_redirects=True).data.decode()
    assert "Dodano klienta Bar Śląski Sp. z o.o.</p>" in page


def test_create_with_htmx_uses_hx_redirect(staff_a):
    resp = staff_a.post("/customers/new", data=form(), headers=HX)
    assert resp.status_code == 204
    assert resp.headers["HX-Redirect"].startswith("/customers/")


def test_invalid_form_is_422_and_keeps_every_typed_value(app, staff_a, world_a):
    typed = form(nip="526-104-08-29", email="antonin@", postcode="9000", birthday="2999-01-01",
                 notes="Żółć <b>i</b> „cudzysłów”", is_staff="y")
    resp = staff_a.post("/customers/new", data=typed)
    assert resp.status_code == 422
    page = htmllib.unescape(resp.data.decode())
    for key in ("first_name", "last_name", "nip", "email", "phone", "street", "postcode", "city"):
        assert f'value="{typed[key]}"' in page, key
    assert "Żółć <b>i</b> „cudzysłów”" in page          # textarea content, escaped in the HTML
    assert "&lt;b&gt;" in resp.data.decode()
    assert 'id="is_staff" name="is_staff" type="checkbox" value="y"' in page and "checked" in page
    assert "This NIP is not valid" in page
    assert "Enter an e-mail address like name@example.com." in page
    assert "A postcode here looks like NN-NNN." in page
    assert "A birthday cannot be in the future." in page
    assert 'aria-invalid="true"' in page and "data-error-summary" in page
    assert count_customers(app, world_a) == 0


def test_card_rows_are_saved_with_the_customer(app, staff_a, world_a):
    resp = staff_a.post("/customers/new", data=form(**{"cards-0-code": "3220338716", "cards-0-number": "K-0001",
                                                       "cards-0-expires_on": "2031-12-31"}))
    assert resp.status_code == 303
    cid = int(resp.headers["Location"].rsplit("/", 1)[1])
    cards = card_rows(app, world_a.tenant_id, cid)
    assert [(c["code"], c["number"], str(c["expires_on"])) for c in cards] == [("3220338716", "K-0001", "2031-12-31")]
    assert cards[0]["code_key"] == "U1C78F2BF"


def test_taken_card_blocks_the_whole_save_and_keeps_values(app, staff_a, world_a):
    owner = make_customer(app, world_a.tenant_id, first_name="Maria", last_name="Wiśniewska")
    add_card(app, world_a.tenant_id, owner, "3220338716")
    resp = staff_a.post("/customers/new", data=form(**{"cards-0-code": "1C78F2BF"}))
    assert resp.status_code == 422
    page = htmllib.unescape(resp.data.decode())
    assert "Maria Wiśniewska" in page                      # whose card it is
    assert 'value="1C78F2BF"' in page and 'value="Dvořák"' in page
    assert count_customers(app, world_a) == 1


def test_edit_prefills_updates_and_audits(app, staff_a, world_a):
    cid = make_customer(app, world_a.tenant_id, first_name="Jan", last_name="Kowalski", city="Kraków",
                        birthday="1990-01-02", marketing_consent=True)
    page = staff_a.get(f"/customers/{cid}/edit").data.decode()
    assert 'value="Kowalski"' in page and 'value="1990-01-02"' in page and "checked" in page
    # An unticked checkbox is not sent at all: consent withdrawn.
    resp = staff_a.post(f"/customers/{cid}/edit", data=form(first_name="Jan", last_name="Kowalski-Nowak"))
    assert resp.status_code == 303
    saved = row(app, world_a.tenant_id, cid)
    assert saved["last_name"] == "Kowalski-Nowak"
    assert saved["marketing_consent"] is False and saved["marketing_consent_at"] is None
    history = staff_a.get(f"/customers/{cid}?tab=history").data.decode()
    assert "edited a customer" in history and "Kowalski-Nowak" in history


def test_edit_422_keeps_typed_values(app, staff_a, world_a):
    cid = make_customer(app, world_a.tenant_id, first_name="Jan")
    resp = staff_a.post(f"/customers/{cid}/edit", data=form(first_name="Jiří", ico="12345678", country="CZ",
                                                             postcode="11000"))
    assert resp.status_code == 422
    page = htmllib.unescape(resp.data.decode())
    assert 'value="Jiří"' in page and 'value="12345678"' in page and 'value="11000"' in page
    assert "This IČO is not valid" in page
    assert row(app, world_a.tenant_id, cid)["first_name"] == "Jan"


def test_new_form_defaults_to_the_tenant_country(world_a, world_b, staff_a, owner_b):
    assert '<option selected value="PL">' in staff_a.get("/customers/new").data.decode()
    cz = owner_b.get("/customers/new").data.decode()
    assert '<option selected value="CZ">' in cz
    assert cz.index('id="ico"') < cz.index('id="nip"')     # Czech identifiers first for a Czech restaurant


def test_duplicates_fragment(app, staff_a, world_a, world_b):
    same = make_customer(app, world_a.tenant_id, first_name="Piotr", last_name="Zieliński", nip=VALID_NIP,
                         email="piotr@example.pl", phone="+48 600 100 200")
    make_customer(app, world_b.tenant_id, first_name="Other", email="piotr@example.pl")
    body = staff_a.get("/customers/duplicates?nip=526-104-08-28&email=&phone=", headers=HX).data.decode()
    assert body.lstrip().startswith('<div id="duplicate-warning"')
    assert f'href="/customers/{same}"' in body and "same NIP" in body
    body = staff_a.get("/customers/duplicates?email=PIOTR@example.pl&phone=600100200&country=PL").data.decode()
    assert "Piotr Zieliński" in body and "same e-mail" in body and "same phone" in body
    assert "Other" not in body                              # another tenant's customer
    assert "Piotr" not in staff_a.get(f"/customers/duplicates?email=piotr@example.pl&exclude={same}").data.decode()
    assert "Piotr" not in staff_a.get("/customers/duplicates?nip=5261040829&email=piotr@").data.decode()


def test_a_czech_company_is_recognised_by_its_ico(app, owner_b, world_a, world_b):
    held = make_customer(app, world_b.tenant_id, company_name="Kavárna Ořech", ico="26168685")
    make_customer(app, world_a.tenant_id, company_name="Elsewhere", ico="26168685")
    body = owner_b.get("/customers/duplicates?ico=261 686 85", headers=HX).data.decode()
    assert f'href="/customers/{held}"' in body and "same IČO" in body
    assert "Elsewhere" not in body                           # another tenant's customer
    assert "Kavárna" not in owner_b.get("/customers/duplicates?ico=26168686").data.decode()  # not a valid IČO
    # Typed into the new-customer form of a Czech restaurant, it is checked like a NIP, and the
    # merge page of the one record suggests the other.
    ico_input = re.search(r'<input[^>]*id="ico"[^>]*>', owner_b.get("/customers/new").data.decode()).group(0)
    assert 'hx-get="/customers/duplicates"' in ico_input
    other = make_customer(app, world_b.tenant_id, company_name="Kavarna Orech s.r.o.", ico="26168685")
    picker = owner_b.get(f"/customers/{held}/merge").data.decode()
    assert "Same NIP, IČO, e-mail or phone" in picker and f"/customers/{held}/merge?other={other}" in picker
    # Staff there search and scan by IČO, and the fields say so.
    assert 'placeholder="Name, IČO, e-mail, phone or scan a card"' in owner_b.get("/customers/").data.decode()
    assert "a name or the IČO" in owner_b.get("/terminal/").data.decode()


def test_form_wires_duplicate_check_without_eval(staff_a):
    page = staff_a.get("/customers/new").data.decode()
    assert page.count('hx-get="/customers/duplicates"') == 4   # e-mail, phone, NIP, IČO
    assert 'hx-trigger="input changed delay:400ms, change"' in page
    assert "hx-on" not in page and "[key" not in page
    assert '<div id="duplicate-warning"' in page
    assert 'name="cards-0-code"' in page                  # the cards section is inside the form
    customer_form = page.split('class="card customer-form"', 1)[1].split("</form>", 1)[0]
    assert 'name="cards-0-code"' in customer_form


def test_detail_tabs_show_what_exists(app, staff_a, world_a):
    cid = make_customer(app, world_a.tenant_id, first_name="Hana", last_name="Nováková", email="hana@example.cz")
    add_card(app, world_a.tenant_id, cid, "0004340757", number="N-77", status="blocked")
    page = staff_a.get(f"/customers/{cid}").data.decode()
    tabs = page.split('<nav class="tabs"', 1)[1].split("</nav>", 1)[0]
    assert ">Details<" in tabs and ">Cards" in tabs and ">History<" in tabs
    assert ">Wallet<" in tabs and ">Documents" in tabs and ">Points<" in tabs
    for missing in ("Tier",):
        assert missing not in tabs
    assert "hana@example.cz" in page
    cards = staff_a.get(f"/customers/{cid}?tab=cards", headers=HX)
    body = cards.data.decode()
    assert body.lstrip().startswith('<div id="customer-tab"')
    assert "0004340757" in body and "N-77" in body and "Blocked" in body
    history = staff_a.get(f"/customers/{cid}?tab=history").data.decode()
    assert "added a customer" in history
    assert staff_a.get(f"/customers/{cid}?tab=nonsense").status_code == 200


def test_staff_sees_no_manager_actions(app, staff_a, manager_a, world_a):
    cid = make_customer(app, world_a.tenant_id, first_name="Ola")
    staff_page = staff_a.get(f"/customers/{cid}").data.decode()
    assert "/archive" not in staff_page and "/erase" not in staff_page and "/merge" not in staff_page
    manager_page = manager_a.get(f"/customers/{cid}").data.decode()
    assert f"/customers/{cid}/archive" in manager_page and f"/customers/{cid}/erase" in manager_page


@pytest.mark.parametrize("method, path", [
    ("post", "/customers/{id}/archive"), ("post", "/customers/{id}/restore"), ("get", "/customers/{id}/merge"),
    ("post", "/customers/{id}/merge"), ("get", "/customers/{id}/erase"), ("post", "/customers/{id}/erase"),
    ("get", "/customers/{id}/export.json"),
])
def test_staff_cannot_use_manager_actions(app, staff_a, world_a, method, path):
    cid = make_customer(app, world_a.tenant_id, first_name="Ola")
    resp = getattr(staff_a, method)(path.format(id=cid), data={"confirmation": str(cid)})
    assert resp.status_code == 403
    assert row(app, world_a.tenant_id, cid)["archived_at"] is None
    assert row(app, world_a.tenant_id, cid)["erased_at"] is None


@pytest.mark.parametrize("method, path", [
    ("get", "/customers/{id}"), ("get", "/customers/{id}?tab=cards"), ("get", "/customers/{id}/edit"),
    ("post", "/customers/{id}/edit"), ("post", "/customers/{id}/archive"), ("post", "/customers/{id}/restore"),
    ("get", "/customers/{id}/merge"), ("post", "/customers/{id}/merge"), ("get", "/customers/{id}/erase"),
    ("post", "/customers/{id}/erase"), ("get", "/customers/{id}/export.json"),
])
def test_other_tenants_customer_is_404(app, owner_b, world_a, world_b, method, path):
    cid = make_customer(app, world_a.tenant_id, first_name="Secret", last_name="Alfa")
    resp = getattr(owner_b, method)(path.format(id=cid), data={**form(), "confirmation": str(cid)})
    assert resp.status_code == 404
    assert b"Secret" not in resp.data
    assert row(app, world_a.tenant_id, cid)["first_name"] == "Secret"


def test_merge_with_other_tenants_customer_is_404(app, owner_b, world_a, world_b):
    theirs = make_customer(app, world_a.tenant_id, first_name="Secret")
    mine = make_customer(app, world_b.tenant_id, first_name="Mine")
    assert owner_b.get(f"/customers/{mine}/merge?other={theirs}").status_code == 404
    assert owner_b.post(f"/customers/{mine}/merge", data={"other": theirs}).status_code == 404
    assert row(app, world_a.tenant_id, theirs)["merged_into_id"] is None


def test_audit_labels_exist_for_every_customer_action():
    from panel.registry import audit_labels

    for action in ("customer.created", "customer.updated", "customer.archived", "customer.restored",
                   "customer.merged", "customer.erased", "customer.exported"):
        assert action in audit_labels.actions


def test_create_writes_one_audit_entry(app, staff_a, world_a):
    staff_a.post("/customers/new", data=form())
    with app.app_context(), as_tenant(world_a):
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "customer")).all()
        assert [e.action for e in entries] == ["customer.created"]
        assert entries[0].actor_user_id == world_a.staff.id
        assert db.session.scalar(select(func.count()).select_from(Card)) == 0


def test_list_rows_show_each_customer_as_staff_read_them(app, staff_a, world_a):
    firm_man = make_customer(app, world_a.tenant_id, first_name="Jan", last_name="Kowalski", company_name="Kowalski Sp. z o.o.",
                             nip=VALID_NIP, email="jan.kowalski@example.pl", phone="600 100 200", city="Łódź")
    firm = make_customer(app, world_a.tenant_id, company_name="Bar Mleczny Zielony")
    for code in ("0001", "0002", "0003"):
        add_card(app, world_a.tenant_id, firm, code)
    erased = make_customer(app, world_a.tenant_id, first_name="Ewa", email="ewa@example.pl")
    with app.app_context(), as_tenant(world_a):
        from panel.services import customers as service

        service.erase(db.session.get(Customer, erased), str(erased))
        db.session.commit()

    page = staff_a.get("/customers/?status=all", headers=HX).text
    rows = {cid: page.split(f'<a href="/customers/{cid}">', 1)[1].split("</tr>", 1)[0]
            for cid in (firm_man, firm, erased)}
    # A person: their name links, the company and NIP beside it, the e-mail breaks only before the @.
    assert rows[firm_man].startswith("Jan Kowalski</a>")
    assert f'Kowalski Sp. z o.o.<span class="muted small mono customer-taxid">{VALID_NIP}</span>' in rows[firm_man]
    assert "<span>jan.kowalski<wbr>@example.pl</span>" in rows[firm_man] and "600 100 200" in rows[firm_man]
    # A company alone is named by the company, with no company column beside it; two codes and a count.
    assert rows[firm].startswith("Bar Mleczny Zielony</a></td>\n        <td></td>")
    assert rows[firm].count("customer-card-code") == 2 and '<span class="muted small">+1</span>' in rows[firm]
    # An erased customer is named in the user's language, with nothing of what they were.
    assert rows[erased].startswith(f"Erased customer #{erased}</a>") and "ewa@" not in rows[erased]
