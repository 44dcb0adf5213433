"""A small catalog for the discount tests: Drinks (Beer, Cola), Tobacco (Cigarettes), Food."""
from __future__ import annotations

from panel.extensions import db
from panel.models import Category, Product


def make_catalog() -> dict:
    """Call inside a tenant scope; returns our row ids by the POS's id."""
    drinks = Category(external_id="drinks", name="Drinks")
    tobacco = Category(external_id="tobacco", name="Tobacco")
    food = Category(external_id="food", name="Food")
    db.session.add_all([drinks, tobacco, food])
    db.session.flush()
    products = [Product(external_id="beer", name="Beer", category_id=drinks.id, price=1200),
                Product(external_id="cola", name="Cola", category_id=drinks.id, price=800),
                Product(external_id="cigs", name="Cigarettes", category_id=tobacco.id, price=1800,
                        discountable=False)]
    db.session.add_all(products)
    db.session.flush()
    return {row.external_id: row.id for row in [drinks, tobacco, food, *products]}
