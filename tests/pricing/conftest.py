"""Pricing fixtures: a PL restaurant's catalog, a group with a hidden 5% bill discount, Jan in it
with a card, and a POS token."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from panel.extensions import db
from panel.services.pricing import PRICE_LIST_CACHE

from ..api.conftest import make_token
from ..cards.factories import UID_DEC_LE, make_card, make_customer
from ..conftest import as_tenant
from . import factories as f


@dataclass
class Shop:
    token: dict
    jan_id: int
    card: str
    group_id: int
    regulars_id: int      # the hidden 5% bill discount
    drinks_id: int        # category row ids
    beer_id: int
    food_id: int


@pytest.fixture(autouse=True)
def _fresh_cache():
    PRICE_LIST_CACHE.clear()
    yield
    PRICE_LIST_CACHE.clear()


@pytest.fixture
def token_b(app, world_b):
    return make_token(app, world_b)


@pytest.fixture
def shop(app, world_a) -> Shop:
    """Drinks > Beer (IPA 14.00, lager 9.00), Food (soup 18.00), cigarettes (not discountable);
    the group "Stali goście" grants a hidden 5% off the whole bill; Jan is in it."""
    token = make_token(app, world_a)
    with app.app_context(), as_tenant(world_a):
        drinks = f.category("c_drinks", "Drinks")
        beer = f.category("c_beer", "Beer", parent=drinks)
        food = f.category("c_food", "Food")
        f.product("p_ipa", beer, 1400, "IPA 0.5 l")
        f.product("p_lager", beer, 900, "Lager 0.5 l")
        f.product("p_soup", food, 1800, "Soup of the day")
        f.product("p_cigs", None, 1890, "Cigarettes", discountable=False)
        regulars = f.discount("Stali goście -5%", percent="5", selectable=False)
        group = f.group("Stali goście", "#aa3355", discounts=[regulars])
        jan = make_customer()
        jan.group_id = group.id
        make_card(jan, UID_DEC_LE, expires_on=date.today() + timedelta(days=300))
        db.session.commit()
        return Shop(token.headers, jan.id, UID_DEC_LE, group.id, regulars.id, drinks.id, beer.id, food.id)
