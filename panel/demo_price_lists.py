"""The demo's price list: "Cennik stałych gości", a few products at their regulars' price and the
desserts at 10 % off. The products and categories it names are created if the catalog lacks them
(by the POS's id), so it seeds on its own or after the catalog's demo."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from .extensions import db
from .models import Category, PriceList, Product
from .services import price_lists
from .services.naming import name_key

NAME = "Cennik stałych gości"
CATEGORIES = [("napoje", "Napoje", None), ("piwa", "Piwa", "napoje"), ("desery", "Desery", None),
              ("dania", "Dania główne", None)]
# (POS id, name, category, catalog price, price on the list)
PRODUCTS = [
    ("piwo-zywiec-05", "Piwo Żywiec 0,5 l", "piwa", 1400, 1100),
    ("lemoniada", "Lemoniada domowa", "napoje", 1200, 1000),
    ("kawa-flat-white", "Kawa flat white", "napoje", 1400, 1150),
    ("schabowy", "Kotlet schabowy z ziemniakami", "dania", 3800, 3400),
    ("sernik", "Sernik krakowski", "desery", 1800, None),
    ("szarlotka", "Szarlotka z lodami", "desery", 1900, None),
]
DESSERTS_OFF = Decimal("10")


def _catalog() -> None:
    """The categories and products the list names, where the catalog lacks them."""
    categories = {c.external_id: c for c in db.session.scalars(select(Category))}
    for ext, name, parent in CATEGORIES:
        if ext not in categories:
            categories[ext] = Category(external_id=ext, name=name,
                                       parent_id=categories[parent].id if parent else None)
            db.session.add(categories[ext])
            db.session.flush()
    known = set(db.session.scalars(select(Product.external_id)))
    db.session.add_all([Product(external_id=ext, name=name, category_id=categories[cat].id, price=price)
                        for ext, name, cat, price, _list in PRODUCTS if ext not in known])
    db.session.flush()


def seed_price_list() -> bool:
    """Create the demo price list once (the current tenant's); True when it was created now."""
    if db.session.scalar(select(PriceList.id).where(PriceList.name_key == name_key(NAME))) is not None:
        return False
    _catalog()
    entries = [price_lists.EntryInput(product=ext, unit_price=listed)
               for ext, _name, _cat, _price, listed in PRODUCTS if listed is not None]
    entries.append(price_lists.EntryInput(category="desery", percent=DESSERTS_OFF))
    price_lists.create(NAME, entries=entries)
    return True
