"""The demo's discounts: the hidden 5% of the regulars' group, a happy hour on drinks, a big-bill
discount. Idempotent: each is added once, by name; the drinks category is found by name or
added (the catalog's own demo may seed it first, with its own id)."""
from __future__ import annotations

from sqlalchemy import func, select

from .extensions import db
from .models import Category, Discount
from .services import discounts
from .services.naming import name_key

DRINKS = ("napoje", "Napoje")  # the POS's id and the name, when the catalog has no drinks yet


def seed_discounts() -> int:
    """Call inside the demo tenant's scope; returns how many discounts were added."""
    drinks = db.session.scalar(select(Category).where(func.lower(Category.name) == DRINKS[1].lower()))
    if drinks is None:
        drinks = Category(external_id=DRINKS[0], name=DRINKS[1])
        db.session.add(drinks)
        db.session.flush()
    wanted = [
        {"name": "Stali goście -5%", "percent": "5", "scope": "bill", "selectable": False},
        {"name": "Happy hour: napoje -20%", "percent": "20", "scope": "categories",
         "category_ids": [drinks.external_id], "selectable": True,
         "weekly": [{"days": [1, 2, 3, 4, 5], "from": "15:00", "to": "17:00"}]},
        {"name": "Rachunek od 200 zł: -15 zł", "amount": 1500, "scope": "bill", "min_bill": 20000,
         "selectable": True},
    ]
    added = 0
    for data in wanted:
        exists = db.session.scalar(select(Discount.id).where(Discount.name_key == name_key(data["name"])))
        if exists is None:
            discounts.create(data)
            added += 1
    return added
