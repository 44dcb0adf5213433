""""Try a bill" in the panel and the terminal's group benefits after a scan."""
from __future__ import annotations

from sqlalchemy import select

from panel.extensions import db
from panel.models import Product

from ..conftest import HX, as_tenant


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
