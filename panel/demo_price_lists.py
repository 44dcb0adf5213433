"""The demo's price list: "Cennik stałych gości", a few products of the demo menu at their
regulars' price and the desserts at 10 % off."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from .demo_data import seed_catalog
from .extensions import db
from .models import PriceList
from .services import price_lists
from .services.naming import name_key

NAME = "Cennik stałych gości"
# (the demo menu's POS id, price on the list): demo_data.CATALOG_PRODUCTS
PRODUCTS = [("1201", 1100), ("1101", 1300), ("1002", 1150), ("2003", 4000)]
DESSERTS = "DES"
DESSERTS_OFF = Decimal("10")


def seed_price_list() -> bool:
    """Create the demo price list once (the current tenant's); True when it was created now."""
    if db.session.scalar(select(PriceList.id).where(PriceList.name_key == name_key(NAME))) is not None:
        return False
    seed_catalog()  # idempotent: the list names the demo menu's products
    entries = [price_lists.EntryInput(product=ext, unit_price=listed) for ext, listed in PRODUCTS]
    entries.append(price_lists.EntryInput(category=DESSERTS, percent=DESSERTS_OFF))
    price_lists.create(NAME, entries=entries)
    return True
