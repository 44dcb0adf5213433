"""Documents and points fixtures: tenant A with points on (1 point per 1 zł, 100 points = 1 zł),
a till's token, and Jan with a card; helpers that build and send documents."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from panel.extensions import db
from panel.models import Customer, PointsEntry, Product, Tenant
from panel.money import line_total

from ..api.conftest import jan, make_token, token_a, token_b  # noqa: F401  (fixtures)
from ..cards.factories import UID_DEC_LE
from ..conftest import as_tenant

T0 = datetime(2026, 12, 1, 18, 0, tzinfo=timezone.utc)


def enable_points(app, world, **changes) -> None:
    with app.app_context():
        tenant = db.session.get(Tenant, world.tenant_id)
        tenant.points_enabled = True
        for key, value in changes.items():
            setattr(tenant, f"points_{key}", value)
        db.session.commit()


@pytest.fixture
def points_on(app, world_a):
    enable_points(app, world_a)


def line(line_id="1", qty="1", price=1000, final=None, product="p-1", **extra) -> dict:
    base = line_total(Decimal(qty), price) if final is None else final
    return {"line_id": line_id, "product_id": product, "quantity": qty, "unit_price": price,
            "final": base, **extra}


def receipt(number="R-1", lines=None, customer=None, at=T0, paid=None, method="card", **extra) -> dict:
    lines = lines or [line()]
    total = sum(ln["final"] for ln in lines)
    body = {"type": "receipt", "number": number, "register_id": "kasa-1", "issued_at": at.isoformat(),
            "lines": lines, "payments": [{"method": method, "amount": paid if paid is not None else total}]
            if (paid if paid is not None else total) else [], **extra}
    if customer is not None:
        body["customer"] = customer
    body.update(extra)
    return body


def refund(number, original="R-1", lines=None, at=None, kind="return", original_type="receipt") -> dict:
    lines = lines or []
    total = sum(ln["final"] for ln in lines)
    return {"type": kind, "number": number, "register_id": "kasa-1",
            "issued_at": (at or T0 + timedelta(hours=1)).isoformat(), "lines": lines,
            "payments": [{"method": "cash", "amount": total}] if total else [],
            "original": {"register_id": "kasa-1", "type": original_type, "number": original}}


def back(line_id, original_line_id, qty="1", price=1000, final=None) -> dict:
    return {**line(line_id, qty, price, final), "original_line_id": original_line_id}


def post(client, token, body, key=None):
    headers = {**token.headers, "Idempotency-Key": key or str(uuid.uuid4())}
    return client.post("/api/v1/documents", json=body, headers=headers)


def balance_and_sum(app, world, customer_id) -> tuple[int, int]:
    with app.app_context(), as_tenant(world):
        balance = db.session.scalar(select(Customer.points_balance).where(Customer.id == customer_id))
        total = db.session.scalar(select(func.coalesce(func.sum(PointsEntry.amount), 0))
                                  .where(PointsEntry.customer_id == customer_id))
        return int(balance), int(total)


def add_product(app, world, ext, **flags) -> None:
    with app.app_context(), as_tenant(world):
        db.session.add(Product(external_id=ext, name=ext, **flags))
        db.session.commit()


CARD = {"card_code": UID_DEC_LE}
