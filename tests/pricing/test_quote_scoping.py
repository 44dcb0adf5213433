"""The quote never reaches another tenant's rules, costs a fixed handful of queries, and its
price-list cache follows every change to a list."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from panel.extensions import db
from panel.models import Category, GroupPriceList, PriceList, PriceListEntry, Product
from panel.models.base import utcnow
from panel.services.pricing import PRICE_LIST_CACHE

from ..concurrency import all_at_once
from ..conftest import as_tenant
from . import factories as f
from .test_quote_api import IPA2, SOUP, URL


def _b_rules(app, world_b):
    """Tenant B: its own "c_beer" and "p_ipa" (the same POS ids as A's), and "b_only" products, with a
    price list at 1.00 and a 90% discount on them, granted to B's group of everyone."""
    with app.app_context(), as_tenant(world_b):
        beer = f.category("c_beer")
        b_cat = f.category("b_only_cat")
        ipa, b_only = f.product("p_ipa", beer, 1400), f.product("b_only", b_cat, 1400)
        cheap = f.price_list("B cheap", products={ipa: 100, b_only: 100}, categories={beer: "90", b_cat: "90"})
        huge = f.discount("B 90%", percent="90", scope="categories", categories=[beer, b_cat])
        bill = f.discount("B bill 50%", percent="50")
        f.group("B everyone", discounts=[huge, bill], price_lists=[cheap])
        db.session.commit()


def test_lines_naming_tenant_bs_products_and_categories_never_get_bs_prices_or_discounts(app, world_a, world_b,
                                                                                       client, shop):
    _b_rules(app, world_b)
    lines = [IPA2, {"line_id": "x", "product_id": "b_only", "quantity": 1, "unit_price": 1400},
             {"line_id": "y", "category_id": "b_only_cat", "quantity": 1, "unit_price": 1400},
             {"line_id": "z", "category_id": "c_beer", "quantity": 1, "unit_price": 1400}]
    body = client.post(URL, json={"lines": lines}, headers=shop.token).get_json()
    assert [li["final"] for li in body["lines"]] == [2800, 1400, 1400, 1400] and body["not_applied"] == []
    # Jan (A's group: the hidden 5% only): A's rules, nothing of B's.
    body = client.post(URL, json={"customer": {"id": shop.jan_id}, "lines": lines}, headers=shop.token).get_json()
    assert {a["name"] for li in body["lines"] for a in li["adjustments"]} == {"Stali goście -5%"}
    assert body["totals"]["discount"] == round(7000 * 5 / 100)


def test_a_quote_costs_a_fixed_handful_of_queries_whatever_the_bill(app, world_a, client, shop, count_queries):
    with app.app_context(), as_tenant(world_a):
        drinks = db.session.get(Category, shop.drinks_id)
        products = [f.product(f"bulk{i}", drinks, 500 + i) for i in range(40)]
        f.discount("Drinks -10%", percent="10", scope="categories", categories=[drinks])
        plist = f.price_list("Bulk", products={p: 400 for p in products})
        db.session.add(GroupPriceList(group_id=shop.group_id, price_list_id=plist.id))
        db.session.commit()
    lines = [{"line_id": str(i), "product_id": f"bulk{i}", "quantity": "1", "unit_price": 500 + i} for i in range(40)]
    body = {"customer": {"card_code": shop.card}, "lines": lines + [SOUP]}
    assert client.post(URL, json=body, headers=shop.token).status_code == 200  # fills the cache, stamps the token
    with count_queries() as warm:
        resp = client.post(URL, json=body, headers=shop.token)
    assert resp.get_json()["lines"][0]["final"] == 380  # 4.00 from the list, then the group's 5%
    with count_queries() as one_line:
        client.post(URL, json={**body, "lines": lines[:1]}, headers=shop.token)
    with count_queries("price_list_entries.unit_price") as entries:
        client.post(URL, json=body, headers=shop.token)
    # The token, the card with its holder and group, the discounts, their targets and windows, the
    # group's price lists, the products with their category chains; entries only when a list changed.
    assert warm() == one_line() <= 6 and entries() == 0


def test_the_cache_follows_a_changed_list_and_never_serves_another_tenants(app, world_a, world_b, client, shop):
    with app.app_context(), as_tenant(world_a):
        ipa = db.session.scalar(select(Product).where(Product.external_id == "p_ipa"))
        plist = f.price_list("Gold", products={ipa: 1200})
        db.session.add(GroupPriceList(group_id=shop.group_id, price_list_id=plist.id))
        db.session.commit()
        list_id = plist.id
    body = {"customer": {"id": shop.jan_id}, "lines": [IPA2]}

    def l1():
        lines = client.post(URL, json=body, headers=shop.token).get_json()["lines"]
        return [a["amount"] for a in lines[0]["adjustments"] if a["layer"] == "price_list"]

    assert l1() == [-400] and len(PRICE_LIST_CACHE) == 1
    with app.app_context(), as_tenant(world_a):
        db.session.execute(update(PriceListEntry).where(PriceListEntry.price_list_id == list_id).values(unit_price=1000))
        db.session.execute(update(PriceList).where(PriceList.id == list_id).values(updated_at=utcnow()))
        db.session.commit()
    assert l1() == [-800]
    # A product deleted from the catalog takes its entry along without touching the list's row.
    with app.app_context(), as_tenant(world_a):
        lager = db.session.scalar(select(Product).where(Product.external_id == "p_lager"))
        db.session.add(PriceListEntry(price_list_id=list_id, product_id=lager.id, unit_price=500))
        db.session.execute(update(PriceList).where(PriceList.id == list_id).values(updated_at=utcnow()))
        db.session.commit()
    lager_line = {"line_id": "l", "product_id": "p_lager", "quantity": "1", "unit_price": 900}
    body["lines"] = [IPA2, lager_line]
    assert l1() == [-800]
    lines = client.post(URL, json=body, headers=shop.token).get_json()["lines"]
    assert lines[1]["adjustments"][0]["unit_price"] == 500
    with app.app_context(), as_tenant(world_a):
        db.session.execute(delete(Product).where(Product.external_id == "p_lager"))
        db.session.commit()
    lines = client.post(URL, json=body, headers=shop.token).get_json()["lines"]
    assert [a["layer"] for a in lines[1]["adjustments"]] == ["bill_discount"]  # priced as sent: the entry is gone
    with app.app_context(), as_tenant(world_a):
        db.session.execute(update(PriceList).where(PriceList.id == list_id).values(archived_at=utcnow()))
        db.session.commit()
    assert l1() == []


@pytest.mark.pg_only
def test_tills_quoting_at_once_with_a_cold_cache_all_get_the_same_answer(app, world_a, shop):
    """Eight tills quote the same bill at the same moment while the price-list cache is empty:
    each builds or reads the list, none sees a half-built one, all answers agree."""
    with app.app_context(), as_tenant(world_a):
        ipa = db.session.scalar(select(Product).where(Product.external_id == "p_ipa"))
        plist = f.price_list("Gold", products={ipa: 1200})
        db.session.add(GroupPriceList(group_id=shop.group_id, price_list_id=plist.id))
        db.session.commit()
    body = {"customer": {"card_code": shop.card}, "lines": [IPA2, SOUP], "at": "2026-12-04T12:00"}

    def till(_i):
        resp = app.test_client().post(URL, json=body, headers=shop.token)
        return resp.status_code, resp.get_json()

    results = all_at_once(8, till)
    assert [status for status, _ in results] == [200] * 8
    assert all(answer == results[0][1] for _, answer in results)
    assert results[0][1]["lines"][0]["adjustments"][0]["unit_price"] == 1200
    assert len(PRICE_LIST_CACHE) == 1
