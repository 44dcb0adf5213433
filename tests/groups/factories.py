"""Group factories: through the service, committed, the tenant explicit."""
from __future__ import annotations

from decimal import Decimal

from flask import Flask

from panel.extensions import db
from panel.models import Discount, PriceList
from panel.services import groups
from panel.tenancy import tenant_scope


def make_group(app: Flask, tenant_id: int, name: str = "Stali goście", **data) -> int:
    with app.app_context(), tenant_scope(tenant_id):
        g = groups.create({"name": name, **data})
        db.session.commit()
        return g.id


def make_discount(app: Flask, tenant_id: int, name: str = "Stali -5%", percent: str | None = "5",
                  selectable: bool = False, archived: bool = False, amount: int | None = None) -> int:
    from panel.models.base import utcnow

    with app.app_context(), tenant_scope(tenant_id):
        d = Discount(name=name, name_key=name.lower(), percent=Decimal(percent) if percent else None, amount=amount,
                     scope="bill", selectable=selectable, min_bill=0, archived_at=utcnow() if archived else None)
        db.session.add(d)
        db.session.commit()
        return d.id


def make_price_list(app: Flask, tenant_id: int, name: str = "Cennik stałych gości", archived: bool = False) -> int:
    from panel.models.base import utcnow

    with app.app_context(), tenant_scope(tenant_id):
        p = PriceList(name=name, name_key=name.lower(), archived_at=utcnow() if archived else None)
        db.session.add(p)
        db.session.commit()
        return p.id
