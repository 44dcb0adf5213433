"""API fixtures: a token per tenant and a customer with a card in tenant A."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from panel.extensions import db
from panel.services import tokens

from ..cards.factories import UID_DEC_LE, make_card, make_customer
from ..conftest import as_tenant


@dataclass
class Token:
    id: int
    plain: str

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.plain}"}


def make_token(app, world, name: str = "Bar till 1", scopes=("pos",)) -> Token:
    with app.app_context(), as_tenant(world):
        token, plain = tokens.create(name, scopes=scopes)
        db.session.commit()
        return Token(token.id, plain)


@pytest.fixture
def token_a(app, world_a) -> Token:
    return make_token(app, world_a)


@pytest.fixture
def token_b(app, world_b) -> Token:
    return make_token(app, world_b)


@pytest.fixture
def jan(app, world_a) -> dict:
    """Jan Kowalski with an active card (decimal, as a wedge reader typed it) and a blocked one."""
    with app.app_context(), as_tenant(world_a):
        c = make_customer(company_name="Kowalski Sp. z o.o.", nip="5260250274", email="jan@example.com")
        active = make_card(c, UID_DEC_LE, number="000123", expires_on=date.today() + timedelta(days=300))
        blocked = make_card(c, "OLD-BARCODE-1", status="blocked")
        db.session.commit()
        return {"id": c.id, "card_id": active.id, "blocked_id": blocked.id,
                "expires_on": active.expires_on.isoformat()}
