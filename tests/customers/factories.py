"""Customer factories: through the service, so derived columns are right. The tenant is explicit,
and each call runs in an app context of its own and commits, like a finished request."""
from __future__ import annotations

from flask import Flask

from panel import cardcodes
from panel.extensions import db
from panel.models import Card, Customer, Tenant
from panel.services import customers
from panel.tenancy import tenant_scope


def make_customer(app: Flask, tenant_id: int, **data) -> int:
    """Create and commit a customer in `tenant_id`; returns its id. A first name is the default."""
    if not (data.get("first_name") or data.get("last_name") or data.get("company_name")):
        data["first_name"] = "Jan"
    with app.app_context(), tenant_scope(tenant_id):
        c = customers.create(data)
        db.session.commit()
        return c.id


def add_card(app: Flask, tenant_id: int, customer_id: int, code: str, number: str | None = None, **kw) -> int:
    """A card straight on the model (the cards service has its own tests)."""
    with app.app_context(), tenant_scope(tenant_id):
        fmt = db.session.get(Tenant, tenant_id).reader_format
        card = Card(customer_id=customer_id, code=code, code_key=cardcodes.lookup_key(code, fmt), number=number, **kw)
        db.session.add(card)
        db.session.commit()
        return card.id


def row(app: Flask, tenant_id: int, customer_id: int) -> dict:
    """The customer's columns as stored, read back fresh."""
    with app.app_context(), tenant_scope(tenant_id):
        c = db.session.get(Customer, customer_id)
        return {col.name: getattr(c, col.key) for col in Customer.__table__.columns}


def card_rows(app: Flask, tenant_id: int, customer_id: int) -> list[dict]:
    from sqlalchemy import select

    with app.app_context(), tenant_scope(tenant_id):
        cards = db.session.scalars(select(Card).where(Card.customer_id == customer_id).order_by(Card.id))
        return [{col.name: getattr(c, col.key) for col in Card.__table__.columns} for c in cards]
