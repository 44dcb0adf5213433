"""The quick-start demo: about forty realistic regulars with cards, valid data, idempotent."""
from __future__ import annotations

from sqlalchemy import func, select

from panel import cardcodes
from panel.demo import seed
from panel.extensions import db
from panel.models import Card, Customer, Tenant
from panel.tenancy import tenant_scope


def test_demo_seed_creates_regulars_with_cards_once(app):
    with app.app_context():
        seed()
        seed()  # a second run adds nothing
        tenant = db.session.scalar(select(Tenant).where(Tenant.name == "Bistro Demo"))
        with tenant_scope(tenant.id):
            people = db.session.scalars(select(Customer)).all()
            assert 35 <= len(people) <= 45
            assert all(c.search_text and c.sort_name for c in people)
            assert any(c.city == "Łódź" for c in people)
            assert sum(1 for c in people if c.nip) >= 5
            cards = db.session.scalars(select(Card)).all()
            assert len(cards) >= len(people)
            for card in cards:
                assert card.code_key == cardcodes.lookup_key(card.code, tenant.reader_format)
            with_cards = db.session.scalar(select(func.count(func.distinct(Card.customer_id))))
            assert with_cards < len(people)  # a few have none, for the "No card" filter
