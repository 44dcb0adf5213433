"""POST /api/v1/bills/quote: the issue's "done when" by API, card states, staff picks, errors."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from panel.extensions import db
from panel.models import AuditEntry, Card, Category, GroupDiscount, GroupPriceList, IdempotencyKey, Product
from panel.models.base import utcnow

from ..api.conftest import make_token
from ..api.test_api import assert_error
from ..cards.factories import UID_HEX
from ..conftest import as_tenant
from . import factories as f

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


def test_a_price_list_beats_a_category_discount_where_it_is_lower_and_they_compound(app, world_a, client, shop):
    """Beer -10% (a line discount on the category, reaching IPA and lager through "beer" under
    "drinks"); a price list with IPA at 11.00 and drinks at 5% off. The list's lowest proposal
    wins per line (IPA: 11.00 beats 5%; lager: 5% is the only one), then the 10% works on it."""
    with app.app_context(), as_tenant(world_a):
        drinks, beer = db.session.get(Category, shop.drinks_id), db.session.get(Category, shop.beer_id)
        ipa = db.session.scalar(select(Product).where(Product.external_id == "p_ipa"))
        tenpc = f.discount("Beer -10%", percent="10", scope="categories", categories=[drinks])
        plist = f.price_list("Happy prices", products={ipa: 1100}, categories={beer: "5"})
        db.session.add_all([GroupDiscount(group_id=shop.group_id, discount_id=tenpc.id),
                            GroupPriceList(group_id=shop.group_id, price_list_id=plist.id)])
        db.session.commit()
        ids = {"ten": tenpc.id, "list": plist.id}
    lager = {"line_id": "l", "product_id": "p_lager", "quantity": "3", "unit_price": 900}
    body = post(client, shop, {"customer": {"id": shop.jan_id}, "lines": [IPA2, lager, SOUP]}).get_json()
    a, l_, b = body["lines"]
    # IPA: base 2800; list 2 x 11.00 = 2200 (5% would be 2660); -10% = 220 -> 1980.
    assert [(x["layer"], x.get("price_list_id") or x.get("discount_id"), x["amount"]) for x in a["adjustments"]][:2] == [
        ("price_list", ids["list"], -600), ("line_discount", ids["ten"], -220)]
    assert a["adjustments"][0]["unit_price"] == 1100 and a["adjustments"][0]["percent"] is None
    # Lager: base 2700; the list's 5% on beer = 135 -> 2565; -10% = 256.5 -> 257 -> 2308.
    assert [(x["layer"], x["amount"]) for x in l_["adjustments"]][:2] == [("price_list", -135), ("line_discount", -257)]
    assert l_["adjustments"][0]["percent"] == "5"
    # Then the hidden 5% on S = 1980 + 2308 + 1800 = 6088 -> 304.4 -> 304, split by L2.
    assert body["bill_adjustments"][0]["amount"] == -304
    parts = [sum(x["amount"] for x in li["adjustments"] if x["layer"] == "bill_discount") for li in (a, l_, b)]
    assert sum(parts) == -304
    assert body["totals"] == {"base": 2800 + 2700 + 1800, "discount": 2800 + 2700 + 1800 - (1980 + 2308 + 1800 - 304),
                              "total": 1980 + 2308 + 1800 - 304}
    assert [li["final"] for li in body["lines"]] == [1980 + parts[0], 2308 + parts[1], 1800 + parts[2]]


def test_a_walk_in_gets_no_group_benefits_and_the_answer_has_no_customer(client, shop):
    body = post(client, shop, {"lines": [IPA2]}).get_json()
    assert body["customer"] is None and body["totals"] == {"base": 2800, "discount": 0, "total": 2800}


@pytest.mark.parametrize("status, reason, message", [
    ("blocked", "blocked", "This card is blocked"),
    ("lost", "lost", "reported lost"),
])
def test_a_blocked_or_lost_card_is_refused_with_its_reason(app, world_a, client, shop, status, reason, message):


    with app.app_context(), as_tenant(world_a):
        db.session.query(Card).update({"status": status})
        db.session.commit()
    error = assert_error(post(client, shop, {"customer": {"card_code": shop.card}, "lines": [IPA2]}),
                         422, "card_not_usable")
    assert error["reason"] == reason and message in error["message"] and error["field"] == "customer.card_code"


def test_an_expired_card_is_refused_and_an_unknown_one_is_404(app, world_a, client, shop):


    assert_error(post(client, shop, {"customer": {"card_code": "NO-SUCH-CARD"}, "lines": [IPA2]}), 404, "card_not_found")
    assert_error(post(client, shop, {"customer": {"card_code": "   "}, "lines": [IPA2]}), 404, "card_not_found")
    with app.app_context(), as_tenant(world_a):
        db.session.query(Card).update({"expires_on": date.today() - timedelta(days=1)})
        db.session.commit()
    error = assert_error(post(client, shop, {"customer": {"card_code": shop.card}, "lines": [IPA2]}),
                         422, "card_not_usable")
    assert error["reason"] == "expired"


def test_the_card_is_found_in_any_reader_format(client, shop):
    body = post(client, shop, {"customer": {"card_code": UID_HEX}, "lines": [IPA2]}).get_json()
    assert body["customer"]["id"] == shop.jan_id and body["totals"]["total"] == 2660


def test_customer_by_id_unknown_or_other_tenants_is_404(client, shop, token_b):
    assert post(client, shop, {"customer": {"id": shop.jan_id}, "lines": [IPA2]}).get_json()["totals"]["total"] == 2660
    for absurd in (999999, 0, -1, 2**70):
        assert_error(post(client, shop, {"customer": {"id": absurd}, "lines": [IPA2]}), 404, "customer_not_found")
        assert_error(post(client, shop, {"lines": [IPA2], "discount_ids": [absurd]}), 404, "discount_not_found")
    resp = client.post(URL, json={"customer": {"id": shop.jan_id}, "lines": [IPA2]}, headers=token_b.headers)
    assert_error(resp, 404, "customer_not_found")
    error = assert_error(post(client, shop, {"customer": {"id": shop.jan_id, "card_code": shop.card}, "lines": [IPA2]}),
                         422, "invalid")
    assert error["field"] == "customer"


def test_staff_picks_hidden_refused_archived_422_unknown_404_selectable_applies(app, world_a, client, shop, token_b):


    with app.app_context(), as_tenant(world_a):
        ten = f.discount("Manager's 10%", percent="10")
        old = f.discount("Old promo", amount=500)
        old.archived_at = utcnow()
        db.session.commit()
        ten_id, old_id = ten.id, old.id
    # A walk-in: the hidden group discount picked by staff is refused, the selectable one applies.
    body = post(client, shop, {"lines": [IPA2], "discount_ids": [shop.regulars_id, ten_id]}).get_json()
    assert body["totals"]["total"] == 2520
    assert body["bill_adjustments"][0]["source"] == {"type": "staff", "id": None, "name": ""}
    assert body["not_applied"] == [{"discount_id": shop.regulars_id, "name": "Stali goście -5%", "reason": "not_selectable",
                                    "source": {"type": "staff", "id": None, "name": ""}, "line_id": None}]
    # Jan: the group's 5% and the staff's 10% compete on the bill; the larger wins.
    body = post(client, shop, {"customer": {"id": shop.jan_id}, "lines": [IPA2], "discount_ids": [ten_id]}).get_json()
    assert body["totals"]["total"] == 2520
    assert [(n["discount_id"], n["reason"]) for n in body["not_applied"]] == [(shop.regulars_id, "better_discount_applied")]
    error = assert_error(post(client, shop, {"lines": [IPA2], "discount_ids": [old_id]}), 422, "invalid")
    assert error["field"] == "discount_ids[0]" and "archived" in error["message"]
    error = assert_error(post(client, shop, {"lines": [IPA2], "discount_ids": [ten_id, 987654]}), 404, "discount_not_found")
    assert error["field"] == "discount_ids[1]"
    # Tenant B cannot pick A's discount.
    resp = client.post(URL, json={"lines": [IPA2], "discount_ids": [ten_id]}, headers=token_b.headers)
    assert_error(resp, 404, "discount_not_found")


@pytest.mark.parametrize("lines, field, words", [
    ([IPA2, {**SOUP, "quantity": "1.2345"}], "lines[1].quantity", "at most 3 decimal places"),
    ([IPA2, {**SOUP, "quantity": "-1"}], "lines[1].quantity", "cannot be negative"),
    ([IPA2, {**SOUP, "quantity": "two"}], "lines[1].quantity", "a number such as"),
    ([{**IPA2, "quantity": True}], "lines[0].quantity", "a number such as"),
    ([{**IPA2, "unit_price": 14.5}], "lines[0].unit_price", "whole number of minor units"),
    ([{**IPA2, "unit_price": "1400"}], "lines[0].unit_price", "whole number of minor units"),
    ([{"line_id": "a", "quantity": 1}], "lines[0].unit_price", "is required"),
    ([IPA2, {**SOUP, "line_id": "a"}], "lines[1].line_id", "Two lines have the id a"),
    ([{**IPA2, "product_id": {"x": 1}}], "lines[0].product_id", "a string or a whole number"),
    ([{**IPA2, "product_id": "x" * 65}], "lines[0].product_id", "at most 64"),
    ([{**IPA2, "name": "x" * 201}], "lines[0].name", "at most 200"),
    ([], "lines", "at least one line"),
])
def test_invalid_lines_are_422_with_the_field_path(client, shop, lines, field, words):
    error = assert_error(post(client, shop, {"lines": lines}), 422, "invalid")
    assert error["field"] == field and words in error["message"], error
    assert field in error["fields"]


def test_quantity_as_a_json_number_is_read_exactly(client, shop):
    body = post(client, shop, {"lines": [{**IPA2, "quantity": 0.333}, {**SOUP, "quantity": 1.5}]}).get_json()
    assert [li["base"] for li in body["lines"]] == [466, 2700]  # 0.333 x 1400 = 466.2; 1.5 x 1800


def test_bad_at_is_422_and_an_offset_is_converted_to_the_restaurants_zone(app, world_a, client, shop):


    with app.app_context(), as_tenant(world_a):
        happy = f.discount("Happy hour -50%", percent="50", windows=[f.HAPPY_HOURS])
        db.session.add(GroupDiscount(group_id=shop.group_id, discount_id=happy.id))
        db.session.commit()
    error = assert_error(post(client, shop, {"lines": [IPA2], "at": "yesterday"}), 422, "invalid")
    assert error["field"] == "at"
    jan = {"id": shop.jan_id}
    # Friday 4 December 2026, 16:30 in Warsaw: inside 15:00-17:00.
    local = post(client, shop, {"customer": jan, "lines": [IPA2], "at": "2026-12-04T16:30"}).get_json()
    assert local["totals"]["total"] == 1400 and local["at"].startswith("2026-12-04T16:30:00+01:00")
    # 16:30 UTC is 17:30 in Warsaw: outside; the group's 5% applies instead.
    utc = post(client, shop, {"customer": jan, "lines": [IPA2], "at": "2026-12-04T16:30:00Z"}).get_json()
    assert utc["totals"]["total"] == 2660
    assert [(n["name"], n["reason"]) for n in utc["not_applied"]] == [("Happy hour -50%", "outside_time_window")]
    # Saturday: no window.
    saturday = post(client, shop, {"customer": jan, "lines": [IPA2], "at": "2026-12-05T16:00+01:00"}).get_json()
    assert saturday["totals"]["total"] == 2660


def test_a_quote_has_no_side_effects(app, world_a, client, shop):
    def counts():
        with app.app_context(), as_tenant(world_a):
            return [db.session.scalar(select(func.count()).select_from(m)) for m in (AuditEntry, IdempotencyKey)]

    before = counts()
    first = post(client, shop, {"customer": {"card_code": shop.card}, "lines": [IPA2, SOUP]}).get_json()
    again = post(client, shop, {"customer": {"card_code": shop.card}, "lines": [IPA2, SOUP]}).get_json()
    assert first.pop("at") and again.pop("at") and first == again
    assert counts() == before


def test_a_manage_only_token_may_not_quote(app, world_a, client, shop):
    office = make_token(app, world_a, "Office", scopes=("manage",))
    assert_error(client.post(URL, json={"lines": [IPA2]}, headers=office.headers), 403, "insufficient_scope")
