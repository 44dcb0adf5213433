""""Try a bill" in the panel and the terminal's group benefits after a scan."""
from __future__ import annotations

from datetime import time

from sqlalchemy import select

from panel.extensions import db
from panel.models import Card, GroupDiscount, Product

from ..conftest import HX, as_tenant
from . import factories as f


def _ids(app, world_a):
    with app.app_context(), as_tenant(world_a):
        return {p.external_id: p.id for p in db.session.scalars(select(Product))}


def test_try_a_bill_prices_a_member_with_the_reasons(app, world_a, manager_a, shop):
    ids = _ids(app, world_a)
    args = {"s": "1", "customer_id": shop.jan_id, "lp": [ids["p_ipa"], ids["p_cigs"]], "lc": ["", ""], "ln": ["", ""],
            "lq": ["2", "1"], "lu": ["14,00", "18,90"]}
    page = manager_a.get("/pricing/try", query_string=args)
    assert page.status_code == 200, page.text
    text = page.text
    assert "Jan Kowalski" in text and "Stali goście" in text
    assert "-1.40" in text or "−1.40" in text or "-PLN1.40" in text or "1.40" in text
    assert "Stali goście -5%" in text and "never discounted" in text
    fragment = manager_a.get("/pricing/try", query_string=args, headers={**HX, "HX-Target": "try-quote"})
    assert fragment.status_code == 200 and 'id="try-quote"' in fragment.text and "<html" not in fragment.text


def _page(client, **args):
    return client.get("/pricing/try", query_string={"s": "1", **args})


def test_buttons_add_a_product_at_its_price_add_a_free_line_and_remove_one(app, world_a, manager_a, shop):
    ids = _ids(app, world_a)
    page = _page(manager_a, add_product=ids["p_soup"])
    assert page.status_code == 200
    assert 'name="lu" value="18,00"' in page.text.replace("18.00", "18,00")
    args = {"lp": [ids["p_soup"], ""], "lc": ["", str(shop.food_id)], "ln": ["", "Daily special"],
            "lq": ["1", "2"], "lu": ["18.00", "9.50"]}
    page = _page(manager_a, **args)
    assert "Daily special" in page.text and "37.00" in page.text.replace("\xa0", " ").replace(",", ".")
    page = _page(manager_a, **args, drop_line="1")
    assert page.text.count('name="lq"') == 1 and "Soup of the day" not in page.text.split('id="try-quote"')[0]
    page = _page(manager_a, **args, add_free="1")
    assert page.text.count('name="lq"') == 3


def test_a_wrong_quantity_or_price_is_422_with_what_was_typed_kept(app, world_a, manager_a, shop):
    ids = _ids(app, world_a)
    page = _page(manager_a, lp=[ids["p_ipa"], ids["p_soup"]], lc=["", ""], ln=["", ""], lq=["1.2345", "1"],
                 lu=["14,00", "dużo"])
    assert page.status_code == 422
    assert 'value="1.2345"' in page.text and 'value="dużo"' in page.text
    assert "at most 3 decimal places" in page.text and "Enter a price such as 12.50." in page.text
    page = _page(manager_a, lp=[ids["p_ipa"]], lc=[""], ln=[""], lq=["1"], lu=["14"], at_date="2026-13-40")
    assert page.status_code == 422 and "Enter a date and a time" in page.text


def test_group_and_moment_and_preselected_discounts(app, world_a, manager_a, shop):
    ids = _ids(app, world_a)
    with app.app_context(), as_tenant(world_a):
        happy = f.discount("Happy hour -50%", percent="50", windows=[f.HAPPY_HOURS])
        db.session.add(GroupDiscount(group_id=shop.group_id, discount_id=happy.id))
        staff_ten = f.discount("Manager's 10%", percent="10")
        db.session.commit()
        happy_id, ten_id = happy.id, staff_ten.id
    line = {"lp": [ids["p_ipa"]], "lc": [""], "ln": [""], "lq": ["2"], "lu": ["14,00"]}
    # The group in a happy hour (Friday 16:30 local) and outside it (17:30).
    inside = _page(manager_a, group_id=shop.group_id, at_date="2026-12-04", at_time="16:30", **line).text
    outside = _page(manager_a, group_id=shop.group_id, at_date="2026-12-04", at_time="17:30", **line).text
    assert "Happy hour -50%" in inside and "not valid at this moment" not in inside
    assert "not valid at this moment" in outside and "Stali goście -5%" in outside
    # From the discount pages: a selectable discount is ticked, a hidden one is tried through its group.
    for selectable in (ten_id, happy_id):
        ticked = manager_a.get("/pricing/try", query_string={"discount_id": selectable}).text
        assert f'value="{selectable}" checked' in ticked
    hidden = manager_a.get("/pricing/try", query_string={"discount_id": shop.regulars_id}).text
    assert "is hidden on the terminal, so it is tried through the group Stali goście" in hidden
    assert f'<option value="{shop.group_id}" selected' in hidden
    # A group link from the group page.
    assert f'<option value="{shop.group_id}" selected' in manager_a.get(f"/pricing/try?group_id={shop.group_id}").text


def test_live_search_fragments_and_who_may_try(app, world_a, manager_a, staff_a, owner_b, shop):
    found = manager_a.get("/pricing/try", query_string={"cq": "kowal"}, headers={**HX, "HX-Target": "customer-results"})
    assert found.status_code == 200 and "Jan Kowalski" in found.text and 'id="customer-results"' in found.text
    assert "<html" not in found.text
    products = manager_a.get("/pricing/try", query_string={"pq": "ipa"}, headers={**HX, "HX-Target": "product-results"})
    assert "IPA 0.5 l" in products.text and "Lager" not in products.text
    assert manager_a.get("/pricing/try", query_string={"pq": "p_lager"}).text.count('name="add_product"') == 1
    assert staff_a.get("/pricing/try").status_code == 403
    # Another restaurant's customer, group, discount or product is a 404.
    for name, value in (("customer_id", shop.jan_id), ("group_id", shop.group_id), ("discount_id", shop.regulars_id),
                        ("add_product", _ids(app, world_a)["p_ipa"])):
        assert owner_b.get("/pricing/try", query_string={name: value}).status_code == 404, name


def test_the_terminal_shows_the_group_and_what_applies_now_after_a_scan(app, world_a, staff_a, shop):
    with app.app_context(), as_tenant(world_a):
        never = f.discount("Sunday night", percent="20", windows=[({7}, time(3), time(4))])
        db.session.add(GroupDiscount(group_id=shop.group_id, discount_id=never.id))
        db.session.commit()
    page = staff_a.get("/terminal/lookup", query_string={"q": shop.card}, headers=HX).text
    benefits = page.split('class="terminal-benefits"')[1]
    assert "Stali goście" in benefits and "Stali goście -5%" in benefits and "5% off the whole bill" in benefits
    assert "group benefit" in benefits  # hidden: shown as the group's, with nothing to hand out
    assert "<button" not in benefits and "<input" not in benefits
    later = benefits.split("more benefit")[1]
    assert "Sunday night" in later and "03:00–04:00" in later


def test_the_terminal_shows_the_tiers_benefits_beside_the_groups(app, world_a, staff_a, shop):
    from panel.models import Category, Customer

    with app.app_context(), as_tenant(world_a):
        food = db.session.get(Category, shop.food_id)
        gold_food = f.discount("Gold: food -10%", percent="10", scope="categories", categories=[food],
                               selectable=False)
        gold_list = f.price_list("Gold prices")
        f.tier("Gold", db.session.get(Customer, shop.jan_id), discounts=[gold_food], price_lists=[gold_list])
        db.session.commit()
    page = staff_a.get("/terminal/lookup", query_string={"q": shop.card}, headers=HX).text
    benefits = page.split('class="terminal-benefits"')[1]
    assert "Gold" in benefits.split("</h3>")[0]  # the tier's badge beside the group's
    assert "Gold: food -10%" in benefits and "tier benefit" in benefits and "Gold prices" in benefits
    assert "Stali goście -5%" in benefits and "group benefit" in benefits


def test_a_blocked_card_shows_no_benefits(app, world_a, staff_a, shop):
    with app.app_context(), as_tenant(world_a):
        db.session.query(Card).update({"status": "blocked"})
        db.session.commit()
    page = staff_a.get("/terminal/lookup", query_string={"q": shop.card}, headers=HX).text
    assert "terminal-benefits" not in page


def test_the_group_and_discount_pages_link_to_try_a_bill(app, manager_a, world_a):
    from panel.models import CustomerGroup, Discount

    with app.app_context(), as_tenant(world_a):
        group = CustomerGroup(name="Stali", name_key="stali")
        discount = Discount(name="Minus 5", name_key="minus 5", percent=5, scope="bill", selectable=False)
        db.session.add_all([group, discount])
        db.session.commit()
        group_id, discount_id = group.id, discount.id
    assert f"/pricing/try?group_id={group_id}" in manager_a.get(f"/groups/{group_id}").get_data(as_text=True)
    page = manager_a.get(f"/discounts/{discount_id}").get_data(as_text=True)
    assert f"/pricing/try?discount_id={discount_id}" in page
    assert manager_a.get(f"/pricing/try?discount_id={discount_id}").status_code == 200
