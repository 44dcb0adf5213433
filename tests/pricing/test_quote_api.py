"""POST /api/v1/bills/quote: the issue's "done when" by API, card states, staff picks, errors."""
from __future__ import annotations

import pytest

from ..api.test_api import assert_error

URL = "/api/v1/bills/quote"
IPA2 = {"line_id": "a", "product_id": "p_ipa", "quantity": "2", "unit_price": 1400}
SOUP = {"line_id": "b", "product_id": "p_soup", "quantity": 1, "unit_price": 1800}
CIGS = {"line_id": "c", "product_id": "p_cigs", "quantity": 1, "unit_price": 1890}


def post(client, shop, body):
    return client.post(URL, json=body, headers=shop.token)


def test_a_group_member_scanned_by_card_gets_the_hidden_5_percent_to_the_grosz(client, shop):
    resp = post(client, shop, {"customer": {"card_code": shop.card}, "lines": [IPA2, SOUP, CIGS]})
    assert resp.status_code == 200, resp.text
    body = resp.get_json()
    assert body["customer"] == {"id": shop.jan_id, "name": "Jan Kowalski", "tier": None,
                                "group": {"id": shop.group_id, "name": "Stali goście", "colour": "#aa3355"}}
    # S = 2800 + 1800 = 4600 (cigarettes stay out), 5% = 230, split 2800:1800 -> 140, 90.
    assert [(li["line_id"], li["base"], li["final"]) for li in body["lines"]] == [
        ("a", 2800, 2660), ("b", 1800, 1710), ("c", 1890, 1890)]
    assert body["totals"] == {"base": 6490, "discount": 230, "total": 6260}
    (bill,) = body["bill_adjustments"]
    assert bill == {"layer": "bill_discount", "source": {"type": "group", "id": shop.group_id, "name": "Stali goście"},
                    "name": "Stali goście -5%", "discount_id": shop.regulars_id, "price_list_id": None,
                    "percent": "5", "unit_price": None, "fixed_amount": None, "amount": -230}
    assert body["lines"][2]["discountable"] is False and body["lines"][2]["adjustments"] == []
    assert body["not_applied"] == [] and body["currency"] == "PLN"
