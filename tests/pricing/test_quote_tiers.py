"""The customer's loyalty tier is the quote's second source (T): its discounts and price lists
apply beside the group's, through the same engine, and the answer names the tier."""
from __future__ import annotations

from panel.extensions import db
from panel.models import Category, Customer, Discount, Product

from ..conftest import as_tenant
from . import factories as f


def _quote(client, shop, **customer):
    body = {"customer": customer or {"card_code": shop.card},
            "lines": [{"line_id": "1", "product_id": "p_ipa", "quantity": "2", "unit_price": 1400},
                      {"line_id": "2", "product_id": "p_soup", "quantity": "1", "unit_price": 1800}]}
    resp = client.post("/api/v1/bills/quote", json=body, headers=shop.token)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_a_gold_customer_gets_the_tiers_price_list_and_discount_beside_the_groups(app, client, world_a, shop):
    with app.app_context(), as_tenant(world_a):
        jan = db.session.get(Customer, shop.jan_id)
        ipa = db.session.query(Product).filter_by(external_id="p_ipa").one()
        gold_prices = f.price_list("Gold prices", products={ipa: 1200})
        soup_off = f.discount("Gold: food -10%", percent="10", scope="categories",
                              categories=[db.session.get(Category, shop.food_id)], selectable=False)
        gold = f.tier("Gold", jan, discounts=[soup_off], price_lists=[gold_prices])
        db.session.commit()
        gold_id = gold.id
    for who in ({"card_code": shop.card}, {"id": shop.jan_id}):
        q = _quote(client, shop, **who)
        assert q["customer"]["tier"] | {"valid_until": None} == {"id": gold_id, "name": "Gold", "colour": "#c9a227",
                                                                  "valid_until": None, "manual": False}
        ipa_line, soup_line = q["lines"]
        # IPA: base 2 x 14.00 = 28.00; Gold's list 2 x 12.00 = 24.00 (L1); no line discount.
        # Soup: 18.00; Gold's food -10% = 1.80 -> 16.20 (L2).
        # Bill: the group's hidden 5% of S = 24.00 + 16.20 = 40.20 -> 2.01, split in proportion
        # 24.00 : 16.20 -> exactly 1.20 and 0.81 (nothing left for the largest remainder).
        assert [a["source"]["type"] for a in ipa_line["adjustments"]] == ["tier", "group"]
        assert [a["source"]["type"] for a in soup_line["adjustments"]] == ["tier", "group"]
        assert ipa_line["final"] == 2400 - 120 and soup_line["final"] == 1620 - 81
        assert q["totals"] == {"base": 4600, "discount": 4600 - 3819, "total": 3819}


def test_a_discount_both_the_group_and_the_tier_grant_counts_once(app, client, world_a, shop):
    with app.app_context(), as_tenant(world_a):
        jan = db.session.get(Customer, shop.jan_id)
        f.tier("Gold", jan, discounts=[db.session.get(Discount, shop.regulars_id)])
        db.session.commit()
    q = _quote(client, shop)
    bill = q["bill_adjustments"]
    assert len(bill) == 1 and bill[0]["source"]["type"] == "group"
    assert q["totals"]["total"] == 4600 - 230  # 5% once
