"""The discount pages: list with live search, the form (422 keeps everything), the sentence, pickers."""
from __future__ import annotations

from sqlalchemy import select

from panel.extensions import db
from panel.models import AuditEntry, CustomerGroup, Discount, DiscountTarget, DiscountWindow, GroupDiscount
from panel.services import discounts

from ..conftest import HX, as_tenant

FORM = {"name": "Happy hour", "kind": "percent", "value": "20", "scope": "categories", "category_ids": ["drinks"],
        "excluded_product_ids": ["cola"], "selectable": "on", "valid_from": "2027-01-01", "valid_to": "",
        "weekly-0-days": ["1", "2", "3", "4", "5"], "weekly-0-from": "15:00", "weekly-0-to": "17:00",
        "weekly-1-from": "", "weekly-1-to": "", "min_bill": ""}


def _only(app, world):
    with app.app_context(), as_tenant(world):
        found = db.session.scalars(select(Discount)).all()
        assert len(found) == 1
        x = discounts.load(found)[0]
        return x


def test_create_from_the_form(app, world_a, catalog_a, manager_a):
    resp = manager_a.post("/discounts/new", data=FORM)
    assert resp.status_code == 303, resp.text
    x = _only(app, world_a)
    d = x.discount
    assert resp.headers["Location"].endswith(f"/discounts/{d.id}")
    assert (d.name, d.percent, d.amount, d.scope, d.selectable) == ("Happy hour", 20, None, "categories", True)
    assert [c.external_id for c in x.categories] == ["drinks"]
    assert [p.external_id for p in x.excluded_products] == ["cola"]
    assert [(w.days, f"{w.start:%H:%M}", f"{w.end:%H:%M}") for w in x.windows] == [((1, 2, 3, 4, 5), "15:00", "17:00")]
    page = manager_a.get(resp.headers["Location"]).text
    assert "20% off the category Drinks, except the product Cola, from 1 January 2027, Mon–Fri 15:00–17:00" in page
    with app.app_context(), as_tenant(world_a):
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "discount.created")).one()
        assert entry.entity_id == d.id and entry.changes["category_ids"] == ["drinks"]


def test_a_refused_form_keeps_everything_typed(app, world_a, catalog_a, manager_a):
    data = {**FORM, "value": "120,5", "weekly-0-to": "15:00", "weekly-0-from": "15:00", "min_bill": "abc",
            "valid_to": "2026-12-01"}
    resp = manager_a.post("/discounts/new", data=data)
    assert resp.status_code == 422
    page = resp.text
    assert 'value="Happy hour"' in page and 'value="120,5"' in page and 'value="2027-01-01"' in page
    assert 'value="2026-12-01"' in page
    # Chips keep their names; the day checkboxes and hours stay as ticked.
    assert '<input type="hidden" name="category_ids" value="drinks"><span>Drinks</span>' in page
    assert '<input type="hidden" name="excluded_product_ids" value="cola"><span>Cola</span>' in page
    for day in "12345":
        assert f'name="weekly-0-days" value="{day}"\n      checked>' in page
    assert 'name="weekly-0-days" value="6"\n      >' in page
    assert 'name="weekly-0-from" value="15:00"' in page
    assert "A percent is a number above 0 and up to 100" in page
    assert "From and to are the same hour" in page
    assert "The last day cannot come before the first." in page
    with app.app_context(), as_tenant(world_a):
        assert db.session.scalars(select(Discount)).all() == []


def test_a_taken_name_is_refused_on_the_name(app, world_a, catalog_a, manager_a):
    assert manager_a.post("/discounts/new", data=FORM).status_code == 303
    resp = manager_a.post("/discounts/new", data={**FORM, "name": "HAPPY  hour"})
    assert resp.status_code == 422 and "Another discount is already called HAPPY hour." in resp.text


def test_the_sentence_follows_the_form_as_typed(catalog_a, manager_a):
    resp = manager_a.post("/discounts/sentence", data={"kind": "amount", "value": "10", "scope": "categories",
                                                       "category_ids": ["drinks"],
                                                       "excluded_category_ids": ["tobacco"],
                                                       "valid_from": "2027-01-01", "valid_to": "2027-01-31"},
                          headers=HX)
    assert resp.status_code == 200
    assert resp.text.strip() == ("PLN10.00 off each item in the category Drinks, except the category Tobacco, "
                                 "hidden on the terminal, from 1 January 2027 to 31 January 2027")
    # Half-typed: what cannot be read yet is left out, never an error.
    resp = manager_a.post("/discounts/sentence", data={"kind": "percent", "value": "1,", "scope": "bill",
                                                       "weekly-0-days": ["6", "7"], "weekly-0-from": "1"},
                          headers=HX)
    assert resp.text.strip().startswith("… off the whole bill")


def test_the_product_picker_searches_and_leaves_out_the_chosen(catalog_a, manager_a):
    resp = manager_a.get("/discounts/pick/products?field=product_ids&q=co", headers=HX)
    assert 'data-pick="cola"' in resp.text and 'data-pick="beer"' not in resp.text
    resp = manager_a.get("/discounts/pick/products?field=product_ids&q=&product_ids=cola", headers=HX)
    assert 'data-pick="beer"' in resp.text and 'data-pick="cola"' not in resp.text
    resp = manager_a.get("/discounts/pick/categories?field=excluded_category_ids&q=tob", headers=HX)
    assert 'data-pick="tobacco"' in resp.text and 'data-pick="drinks"' not in resp.text
    assert "Nothing matches zzz" in manager_a.get("/discounts/pick/products?q=zzz", headers=HX).text


def test_the_list_searches_and_filters(app, world_a, catalog_a, manager_a):
    for name, selectable in (("Happy hour", "on"), ("Stali goście -5%", "")):
        manager_a.post("/discounts/new", data={**FORM, "name": name, "selectable": selectable,
                                               "scope": "bill", "weekly-0-days": [], "weekly-0-from": "",
                                               "weekly-0-to": ""})
    resp = manager_a.get("/discounts/")
    assert resp.status_code == 200
    page = resp.text
    assert "Happy hour" in page and "Stali goście -5%" in page and "hidden on the terminal" in page
    fragment = manager_a.get("/discounts/?q=stali", headers=HX)
    assert "Stali goście -5%" in fragment.text and "Happy hour" not in fragment.text
    assert fragment.headers["HX-Push-Url"] == "/discounts/?q=stali"
    hidden = manager_a.get("/discounts/?status=hidden", headers=HX)
    assert hidden.status_code == 200 and hidden.headers["HX-Push-Url"] == "/discounts/?status=hidden"
    hidden = hidden.text
    assert "Stali goście -5%" in hidden and "Happy hour" not in hidden


def test_edit_shows_the_saved_rule_and_saves_changes(app, world_a, catalog_a, manager_a):
    manager_a.post("/discounts/new", data=FORM)
    d = _only(app, world_a).discount
    page = manager_a.get(f"/discounts/{d.id}/edit").text
    assert 'value="Happy hour"' in page and 'value="20"' in page
    assert '<input type="hidden" name="category_ids" value="drinks"><span>Drinks</span>' in page
    resp = manager_a.post(f"/discounts/{d.id}/edit", data={**FORM, "kind": "amount", "value": "2,50",
                                                           "scope": "products", "product_ids": ["beer"]})
    assert resp.status_code == 303
    x = _only(app, world_a)
    assert (x.discount.percent, x.discount.amount, x.discount.scope) == (None, 250, "products")
    assert [p.external_id for p in x.products] == ["beer"] and x.categories == []


def test_archive_restore_and_delete(app, world_a, catalog_a, manager_a):
    manager_a.post("/discounts/new", data=FORM)
    d = _only(app, world_a).discount
    assert manager_a.post(f"/discounts/{d.id}/archive").status_code == 303
    assert _only(app, world_a).discount.archived_at is not None
    assert ">Happy hour</a>" not in manager_a.get("/discounts/?q=happy", headers=HX).text
    assert manager_a.post(f"/discounts/{d.id}/restore").status_code == 303
    assert _only(app, world_a).discount.archived_at is None
    with app.app_context(), as_tenant(world_a):
        group = CustomerGroup(name="Regulars", name_key="regulars")
        db.session.add(group)
        db.session.flush()
        db.session.add(GroupDiscount(group_id=group.id, discount_id=d.id))
        db.session.commit()
    page = manager_a.get(f"/discounts/{d.id}").text
    assert "Regulars" in page and "/delete" not in page
    manager_a.post(f"/discounts/{d.id}/delete")
    assert _only(app, world_a).discount.archived_at is not None  # granted: archived, not deleted
    with app.app_context(), as_tenant(world_a):
        db.session.execute(GroupDiscount.__table__.delete())
        db.session.commit()
    manager_a.post(f"/discounts/{d.id}/delete")
    with app.app_context(), as_tenant(world_a):
        assert db.session.scalars(select(Discount)).all() == []
        assert db.session.scalars(select(DiscountTarget)).all() == []
        assert db.session.scalars(select(DiscountWindow)).all() == []


def test_staff_may_not_manage_discounts(staff_a):
    assert staff_a.get("/discounts/").status_code == 403
    assert staff_a.post("/discounts/new", data=FORM).status_code == 403


def test_list_fragment_query_count_does_not_grow(app, world_a, catalog_a, manager_a, count_queries):
    def add(n: int, start: int) -> None:
        with app.app_context(), as_tenant(world_a):
            for i in range(start, start + n):
                discounts.create({"name": f"Promo {i}", "percent": "5", "scope": "categories",
                                  "category_ids": ["drinks"], "excluded_product_ids": ["cola"],
                                  "weekly": [{"days": [1], "from": "15:00", "to": "17:00"}]})
            db.session.commit()

    def run() -> int:
        manager_a.get("/discounts/", headers=HX)  # warm caches
        with count_queries() as n:
            assert manager_a.get("/discounts/?q=promo", headers=HX).status_code == 200
        return n()

    add(2, 0)
    small = run()
    add(30, 2)
    # The discounts, their targets with names, their windows: three statements for any number.
    assert run() == small


def test_a_product_that_is_never_discounted_is_pointed_out(app, world_a, catalog_a, manager_a):
    data = {**FORM, "scope": "products", "product_ids": ["beer", "cigs"], "excluded_product_ids": []}
    resp = manager_a.post("/discounts/new", data=data)
    assert resp.status_code == 303
    page = manager_a.get(resp.headers["Location"]).text
    assert "Not discountable, so never reduced: Cigarettes." in page
    picker = manager_a.get("/discounts/pick/products?q=ciga", headers=HX).text
    assert 'data-pick="cigs"' in picker and "data-blocked=" in picker
    d = _only(app, world_a).discount
    form = manager_a.get(f"/discounts/{d.id}/edit").text
    assert 'class="chip chip-blocked"' in form and "Not discountable, so never reduced: Cigarettes." in form
