"""The price-list pages: the list with live search, a list's page, inline entries, import."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from panel.extensions import db
from panel.models import PriceList, PriceListEntry
from panel.services import price_lists as service
from panel.services.price_lists.rules import EntryInput

from ..conftest import HX, as_tenant
from .factories import make_catalog


@pytest.fixture
def setup(app, world_a):
    with app.app_context(), as_tenant(world_a):
        ids = make_catalog()
        pl = service.create("Cennik stałych gości", entries=[EntryInput(product="beer-05", unit_price=900),
                                                             EntryInput(category="desserts", percent=Decimal(10))])
        service.create("Happy hour")
        db.session.commit()
        ids["list"] = pl.id
        ids["beer_entry"] = db.session.scalar(select(PriceListEntry.id).where(
            PriceListEntry.product_id == ids["beer-05"]))
        db.session.remove()
    return ids


def _entries(app, world, list_id) -> dict:
    with app.app_context(), as_tenant(world):
        rows = db.session.execute(select(PriceListEntry.product_id, PriceListEntry.category_id,
                                         PriceListEntry.unit_price, PriceListEntry.percent)
                                  .where(PriceListEntry.price_list_id == list_id)).all()
        db.session.remove()
    return {(r[0], r[1]): r[2] if r[2] is not None else r[3] for r in rows}


def test_list_page_and_live_search(manager_a, setup):
    page = manager_a.get("/price-lists/")
    assert page.status_code == 200 and "Cennik stałych gości" in page.text and "Happy hour" in page.text
    frag = manager_a.get("/price-lists/?q=happy", headers=HX)
    assert "<html" not in frag.text and "Happy hour" in frag.text and "Cennik" not in frag.text
    assert "HX-Request" in frag.headers["Vary"]


def test_staff_may_not(staff_a, setup):
    assert staff_a.get("/price-lists/").status_code == 403


def test_new_keeps_what_was_typed_on_422(manager_a, setup):
    resp = manager_a.post("/price-lists/new", data={"name": "Happy HOUR", "valid_from": "2026-02-01",
                                                    "valid_to": "2026-01-01"})
    assert resp.status_code == 422 and 'value="Happy HOUR"' in resp.text and 'value="2026-02-01"' in resp.text
    resp = manager_a.post("/price-lists/new", data={"name": "Happy HOUR"})
    assert resp.status_code == 422 and "exists already" in resp.text
    resp = manager_a.post("/price-lists/new", data={"name": "Weekend", "valid_from": "2026-13-01"})
    assert resp.status_code == 422 and "YYYY-MM-DD" in resp.text
    resp = manager_a.post("/price-lists/new", data={"name": "Weekend", "valid_to": "2026-12-31"})
    assert resp.status_code == 303 and "/price-lists/" in resp.headers["Location"]
    assert "until 31 Dec 2026" in manager_a.get(resp.headers["Location"]).text
    assert "until 31 Dec 2026" in manager_a.get("/price-lists/").text


def test_detail_shows_entries_with_catalog_prices(manager_a, setup):
    page = manager_a.get(f"/price-lists/{setup['list']}")
    assert page.status_code == 200
    assert "Piwo Żywiec 0,5 l" in page.text and "Desery" in page.text
    assert "−25" in page.text  # 9.00 against 12.00
    frag = manager_a.get(f"/price-lists/{setup['list']}?q=deser", headers=HX)
    assert "Desery" in frag.text and "Piwo" not in frag.text and "<html" not in frag.text


def test_percents_are_written_once(manager_a, setup, app, world_a):
    """The price-list pages' "percent" filter writes the number; the page adds " %". Another
    blueprint's filter of that name once replaced it: "−25% %", and "10%" in the edit box."""
    page = manager_a.get(f"/price-lists/{setup['list']}")
    assert "−25 %" in page.text and "−10 %" in page.text and "% %" not in page.text
    with app.app_context(), as_tenant(world_a):
        desserts = db.session.scalar(select(PriceListEntry.id).where(PriceListEntry.category_id == setup["desserts"]))
        db.session.remove()
    form = manager_a.get(f"/price-lists/{setup['list']}/entry?entry={desserts}&edit=1", headers=HX)
    assert 'value="10"' in form.text


def test_add_an_entry_inline(manager_a, setup, app, world_a):
    url = f"/price-lists/{setup['list']}/entries"
    resp = manager_a.post(url, data={"kind": "product", "item": "Sernik [cake]", "value": "15,50"}, headers=HX)
    assert resp.status_code == 200 and "price-list-changed" in resp.headers["HX-Trigger"]
    resp = manager_a.post(url, data={"kind": "category", "item": "drinks", "value": "12,5 %"}, headers=HX)
    assert resp.status_code == 200
    got = _entries(app, world_a, setup["list"])
    assert got[(setup["cake"], None)] == 1550 and got[(None, setup["drinks"])] == Decimal("12.5")


@pytest.mark.parametrize("data, field, message", [
    ({"kind": "product", "item": "Sernik [cake]", "value": "abc"}, "value", "Type the price as a number"),
    ({"kind": "product", "item": "Piwo [beer-05]", "value": "5"}, "item", "on the list already"),
    ({"kind": "product", "item": "Nothing like it", "value": "5"}, "item", "Nothing in the catalog"),
    ({"kind": "category", "item": "Desery [desserts]", "value": "5"}, "item", "on the list already"),
    ({"kind": "category", "item": "Napoje [drinks]", "value": "0"}, "value", "more than 0"),
    ({"kind": "product", "item": "Sernik [ghost]", "value": "5"}, "item", "No product"),
])
def test_add_refused_keeps_values(manager_a, setup, data, field, message):
    resp = manager_a.post(f"/price-lists/{setup['list']}/entries", data=data, headers=HX)
    assert resp.status_code == 422 and message in resp.text
    assert f'value="{data["item"]}"' in resp.text and f'value="{data["value"]}"' in resp.text
    assert f'add-{data["kind"]}-{field}-error' in resp.text


def test_picker_suggests_products_and_categories(manager_a, setup):
    resp = manager_a.get(f"/price-lists/{setup['list']}/items?kind=product&item=pi", headers=HX)
    assert 'value="Piwo Żywiec 0,5 l [beer-05]"' in resp.text and "Papierosy [cigs]" in resp.text
    resp = manager_a.get(f"/price-lists/{setup['list']}/items?kind=category&item=des", headers=HX)
    assert 'value="Desery [desserts]"' in resp.text and "Napoje" not in resp.text


def test_edit_and_remove_an_entry_inline(manager_a, setup, app, world_a):
    url = f"/price-lists/{setup['list']}/entry"
    form = manager_a.get(f"{url}?entry={setup['beer_entry']}&edit=1", headers=HX)
    assert 'name="value"' in form.text and 'value="9,00"' in form.text.replace("9.00", "9,00")
    bad = manager_a.post(url, data={"entry": setup["beer_entry"], "value": "-3"}, headers=HX)
    assert bad.status_code == 422 and 'value="-3"' in bad.text
    ok = manager_a.post(url, data={"entry": setup["beer_entry"], "value": "8,50"}, headers=HX)
    assert ok.status_code == 200 and "<tr" in ok.text
    assert _entries(app, world_a, setup["list"])[(setup["beer-05"], None)] == 850
    gone = manager_a.post(f"/price-lists/{setup['list']}/entry/remove", data={"entry": setup["beer_entry"]},
                          headers=HX)
    assert gone.status_code == 200 and "<tr" not in gone.text
    assert (setup["beer-05"], None) not in _entries(app, world_a, setup["list"])


def test_an_entry_of_another_list_is_404(manager_a, setup, app, world_a):
    with app.app_context(), as_tenant(world_a):
        other = db.session.scalar(select(PriceList.id).where(PriceList.name == "Happy hour"))
        db.session.remove()
    resp = manager_a.post(f"/price-lists/{other}/entry", data={"entry": setup["beer_entry"], "value": "1"}, headers=HX)
    assert resp.status_code == 404


def test_edit_name_and_validity(manager_a, setup):
    url = f"/price-lists/{setup['list']}/edit"
    bad = manager_a.post(url, data={"name": "Happy hour", "valid_from": "", "valid_to": ""}, headers=HX)
    assert bad.status_code == 422 and 'value="Happy hour"' in bad.text and "exists already" in bad.text
    ok = manager_a.post(url, data={"name": "Stali", "valid_from": "2026-01-01", "valid_to": "2026-06-30"}, headers=HX)
    assert ok.status_code == 204 and ok.headers["HX-Redirect"].endswith(f"/price-lists/{setup['list']}")


def test_remove_deletes(manager_a, setup, app, world_a):
    resp = manager_a.post(f"/price-lists/{setup['list']}/remove")
    assert resp.status_code == 303
    with app.app_context(), as_tenant(world_a):
        assert db.session.get(PriceList, setup["list"]) is None


CSV = ("Produkt;Kategoria;Cena;Rabat %\n"
       "beer-05;;8,50;\n"
       "cake;;14,00;\n"
       ";drinks;;5\n").encode("utf-8")


def _upload(client, list_id, data: bytes, name="cennik.csv"):
    return client.post(f"/price-lists/{list_id}/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_import_preview_then_all_rows(manager_a, setup, app, world_a):
    resp = _upload(manager_a, setup["list"], CSV)
    assert resp.status_code == 303
    preview_url = resp.headers["Location"]
    page = manager_a.get(preview_url)
    assert "3 rows are ready to import." in page.text
    done = manager_a.post(preview_url, data={"col-product": "0", "col-category": "1", "col-price": "2",
                                             "col-percent": "3", "mode": "merge", "action": "import"})
    assert done.status_code == 303
    got = _entries(app, world_a, setup["list"])
    assert got[(setup["beer-05"], None)] == 850 and got[(setup["cake"], None)] == 1400
    assert got[(None, setup["drinks"])] == Decimal(5) and got[(None, setup["desserts"])] == Decimal(10)


def test_import_with_a_bad_row_imports_nothing(manager_a, setup, app, world_a):
    data = CSV + b"ghost;;1;\ncake;;abc;\nbeer-05;;7;\n"
    preview_url = _upload(manager_a, setup["list"], data).headers["Location"]
    page = manager_a.get(preview_url)
    assert "No product of your catalog has the id ghost." in page.text and "2 rows have a problem." in page.text
    before = _entries(app, world_a, setup["list"])
    resp = manager_a.post(preview_url, data={"col-product": "0", "col-category": "1", "col-price": "2",
                                             "col-percent": "3", "mode": "replace", "action": "import"})
    assert resp.status_code == 422
    assert _entries(app, world_a, setup["list"]) == before


def test_import_duplicates_name_both_rows(manager_a, setup, app, world_a):
    preview_url = _upload(manager_a, setup["list"], CSV + b"beer-05;;7;\n").headers["Location"]
    page = manager_a.get(preview_url)
    assert "row 2 and row 5 both price the product beer-05" in page.text


def test_import_replace_mode(manager_a, setup, app, world_a):
    preview_url = _upload(manager_a, setup["list"], b"product,price\ncake,\"12,00\"\n").headers["Location"]
    resp = manager_a.post(preview_url, data={"col-product": "0", "col-price": "1", "mode": "replace",
                                             "action": "import"})
    assert resp.status_code == 303
    assert _entries(app, world_a, setup["list"]) == {(setup["cake"], None): 1200}


def test_import_refuses_a_non_table(manager_a, setup):
    resp = _upload(manager_a, setup["list"], b"%PDF-1.4 ...", "cennik.pdf")
    assert resp.status_code == 422 and "not supported" in resp.text


@pytest.mark.pg_only
def test_two_adds_of_one_product_at_once(app, world_a, setup):
    from ..concurrency import race
    from ..conftest import login

    clients = [login(app.test_client(), world_a.manager.id, world_a.manager.fingerprint, world_a.tenant_id)
               for _ in range(4)]
    url = f"/price-lists/{setup['list']}/entries"
    results = race(*(lambda c=c, i=i: c.post(url, data={"kind": "product", "item": "Sernik [cake]",
                                                        "value": f"1{i},00"}, headers=HX)
                     for i, c in enumerate(clients)))
    assert sorted(r.status_code for r in results) == [200, 422, 422, 422]
    assert all("on the list already" in r.text for r in results if r.status_code == 422)
    assert sum(1 for key in _entries(app, world_a, setup["list"]) if key == (setup["cake"], None)) == 1


@pytest.mark.pg_only
def test_concurrent_changes_each_bump_updated_at(app, world_a, setup):
    """Four different products added at once: all land, and the list's updated_at moved past each."""
    from ..concurrency import race
    from ..conftest import login

    with app.app_context(), as_tenant(world_a):
        before = db.session.get(PriceList, setup["list"]).updated_at
        db.session.remove()
    clients = [login(app.test_client(), world_a.manager.id, world_a.manager.fingerprint, world_a.tenant_id)
               for _ in range(3)]
    url = f"/price-lists/{setup['list']}/entries"
    items = ["Sernik [cake]", "Lemoniada [lemonade]", "Papierosy [cigs]"]
    results = race(*(lambda c=c, item=item: c.post(url, data={"kind": "product", "item": item, "value": "5"},
                                                   headers=HX) for c, item in zip(clients, items)))
    assert [r.status_code for r in results] == [200, 200, 200]
    assert len(_entries(app, world_a, setup["list"])) == 5
    with app.app_context(), as_tenant(world_a):
        assert db.session.get(PriceList, setup["list"]).updated_at > before


def test_a_long_list_draws_its_first_entries_and_search_finds_the_rest(manager_a, app, world_a):
    from panel.blueprints.price_lists.views import SHOWN
    from panel.models import Product

    with app.app_context(), as_tenant(world_a):
        db.session.add_all([Product(external_id=f"p{i}", name=f"Produkt {i:03d}", price=1000) for i in range(SHOWN + 5)])
        db.session.flush()
        pl = service.create("Long", entries=[EntryInput(product=f"p{i}", unit_price=900) for i in range(SHOWN + 5)])
        db.session.commit()
        list_id = pl.id
        db.session.remove()
    page = manager_a.get(f"/price-lists/{list_id}")
    assert page.text.count('<tr id="entry-') == SHOWN and f"The first {SHOWN} entries are shown" in page.text
    assert f'<dd id="entry-count">{SHOWN + 5}</dd>' in page.text
    found = manager_a.get(f"/price-lists/{list_id}?q=Produkt 204", headers=HX)
    assert found.text.count('<tr id="entry-') == 1 and "1 entry" in found.text


def test_import_from_excel_numbers_and_text(manager_a, setup, app, world_a):
    from ..imports.helpers import xlsx_bytes

    data = xlsx_bytes([["Kod produktu", "Cena", "Kategoria", "Rabat"],
                       ["cake", 13.5, "", ""], ["", "", "drinks", 7.5]])
    preview_url = _upload(manager_a, setup["list"], data, "cennik.xlsx").headers["Location"]
    page = manager_a.get(preview_url)
    assert "2 rows are ready to import." in page.text, page.text
    resp = manager_a.post(preview_url, data={"col-product": "0", "col-price": "1", "col-category": "2",
                                             "col-percent": "3", "mode": "merge", "action": "import"})
    assert resp.status_code == 303
    got = _entries(app, world_a, setup["list"])
    assert got[(setup["cake"], None)] == 1350 and got[(None, setup["drinks"])] == Decimal("7.5")
