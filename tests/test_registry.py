"""Areas register their navigation item, customer tab, audit labels and job titles in one call each."""
import re

import pytest

from panel import registry
from panel.extensions import db
from panel.models import AuditEntry, JobRun
from panel.registry import Labels, NavItems

from .conftest import as_tenant
from .customers.factories import add_card, make_customer


@pytest.fixture
def registries(monkeypatch):
    """Registrations made by a test are undone after it: the registries are process-wide."""
    for reg in (registry.nav_items, registry.customer_tabs, registry.job_titles, registry.audit_labels.actions,
                registry.audit_labels.groups, registry.audit_labels.records):
        monkeypatch.setattr(reg, "_items", dict(reg._items))
    return registry


def _nav(page: str) -> list[str]:
    nav = page.split('<nav class="sidenav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="[^"]*"[^>]*>([^<]*)</a>', nav)


def _tabs(page: str) -> list[str]:
    tabs = page.split('<nav class="tabs"', 1)[1].split("</nav>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", "", t).split()) for t in re.findall(r"<a [^>]*>(.*?)</a>", tabs, re.S)]


def test_navigation_keeps_its_items_order_and_roles(owner_a, manager_a, staff_a):
    assert _nav(staff_a.get("/").data.decode()) == ["Dashboard", "Terminal", "Customers", "Cards"]
    assert _nav(manager_a.get("/").data.decode()) == ["Dashboard", "Terminal", "Customers", "Cards", "Groups", "Discounts",
                                                      "Price lists", "Catalog", "Documents", "Loyalty", "Settings"]
    assert _nav(owner_a.get("/").data.decode()) == ["Dashboard", "Terminal", "Customers", "Cards", "Groups", "Discounts",
                                                    "Price lists", "Catalog", "Documents", "Loyalty", "Users", "Audit log", "Settings"]
    owner_a.post("/language", data={"locale": "pl", "next": "/"})
    assert _nav(owner_a.get("/").data.decode()) == ["Pulpit", "Terminal", "Klienci", "Karty", "Grupy", "Rabaty", "Cenniki", "Katalog", "Dokumenty", "Program lojalnościowy",
                                                    "Użytkownicy", "Dziennik zdarzeń", "Ustawienia"]


def test_a_registered_nav_item_shows_in_its_place_to_its_roles(registries, manager_a, staff_a):
    # An area that exists (the import pages) stands in for a new one: only the call is new.
    registries.nav_items.register("imports.upload", "Imports", role="manager", order=35)
    registries.nav_items.register("nowhere.index", "Nowhere", role="staff", order=58)  # no such endpoint
    assert _nav(manager_a.get("/").data.decode()) == ["Dashboard", "Terminal", "Customers", "Imports", "Cards",
                                                      "Groups", "Discounts", "Price lists", "Catalog", "Documents", "Loyalty",
                                                      "Settings"]
    assert "Imports" not in _nav(staff_a.get("/").data.decode())


def test_customer_tabs_keep_their_order_and_the_cards_count(app, staff_a, world_a):
    cid = make_customer(app, world_a.tenant_id, first_name="Ola")
    assert _tabs(staff_a.get(f"/customers/{cid}").data.decode()) == ["Details", "Cards", "Wallet", "Documents", "Points",
                                                                      "Loyalty", "History"]
    add_card(app, world_a.tenant_id, cid, "0004340757")
    page = staff_a.get(f"/customers/{cid}").data.decode()
    assert _tabs(page) == ["Details", "Cards 1", "Wallet", "Documents", "Points", "Loyalty", "History"]
    assert '>Cards <span id="customer-tab-cards-count" class="badge badge-muted">1</span></a>' in page


def test_a_registered_customer_tab_shows_with_its_badge_and_context(registries, app, staff_a, world_a):
    registries.customer_tabs.register("tier", "Tier", "customers/tabs/cards.html", order=50,
                                      load=lambda c: {"today": None}, badge=lambda c: 7)
    cid = make_customer(app, world_a.tenant_id, first_name="Ola")
    page = staff_a.get(f"/customers/{cid}?tab=tier").data.decode()
    assert _tabs(page) == ["Details", "Cards", "Wallet", "Documents", "Points", "Tier 7", "Loyalty", "History"]
    assert 'data-focus-key="tab-tier" aria-current="page"' in page


def test_registered_audit_labels_and_job_titles_show(registries, app, owner_a, world_a):
    registries.audit_labels.register(actions={"voucher.sold": "sold a voucher"},
                                     groups={"voucher": "Vouchers"}, records={"voucher": "Voucher"})
    registries.job_titles.register({"points_recount": "Points recount"})
    with app.app_context(), as_tenant(world_a):
        run = JobRun(kind="points_recount", status="finished", params={}, created_by_id=world_a.owner.id)
        db.session.add(run)
        db.session.flush()
        db.session.add(AuditEntry(action="voucher.sold", entity_type="voucher", entity_id=5))
        db.session.add(AuditEntry(action="points.recounted", entity_type="job_run", entity_id=run.id))
        db.session.commit()
        run_id = run.id
    page = owner_a.get("/audit/").data.decode()
    assert "<td>sold a voucher</td>" in page and "<td>Voucher</td>" in page
    assert '<option value="voucher." >Vouchers</option>' in page
    assert f"Points recount #{run_id}" in page
    assert "<td>points.recounted</td>" in page  # an unregistered action reads as itself
    assert "<h1>Points recount</h1>" in owner_a.get(f"/jobs/{run_id}").data.decode()


def test_an_area_cannot_take_another_areas_key():
    labels, nav = Labels("audit action"), NavItems("navigation item")
    label = "added a customer"
    labels.register({"customer.created": label})
    labels.register({"customer.created": label})  # the same registration again is harmless
    with pytest.raises(ValueError, match="customer.created"):
        labels.register({"customer.created": "something else"})
    nav.register("cards.index", "Cards", role="staff", order=40)
    with pytest.raises(ValueError, match="cards.index"):
        nav.register("cards.index", "Cards", role="owner", order=40)
