"""A small catalog for the price-list tests: drinks (with beers under it), desserts, a few products."""
from __future__ import annotations

from panel.extensions import db
from panel.models import Category, Product


def make_catalog() -> dict[str, int]:
    """Our row ids by the POS's id; the tenant is the caller's scope."""
    drinks = Category(external_id="drinks", name="Napoje")
    desserts = Category(external_id="desserts", name="Desery")
    db.session.add_all([drinks, desserts])
    db.session.flush()
    beers = Category(external_id="beers", name="Piwa", parent_id=drinks.id)
    db.session.add(beers)
    db.session.flush()
    products = [
        Product(external_id="beer-05", name="Piwo Żywiec 0,5 l", category_id=beers.id, price=1200),
        Product(external_id="lemonade", name="Lemoniada", category_id=drinks.id, price=1000),
        Product(external_id="cake", name="Sernik", category_id=desserts.id, price=1800),
        Product(external_id="cigs", name="Papierosy", price=1800, discountable=False),
    ]
    db.session.add_all(products)
    db.session.flush()
    ids = {c.external_id: c.id for c in (drinks, desserts, beers)}
    ids.update({p.external_id: p.id for p in products})
    return ids
