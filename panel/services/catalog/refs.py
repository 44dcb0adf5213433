"""The POS's external ids of categories and products, resolved to this tenant's rows.

Discounts, price lists and the catalog's own upsert name categories and products by the POS's
ids; an id no row of this tenant has (another tenant's included) is refused the same way,
naming the first unknown id, so the API answers 404 `category_not_found` / `product_not_found`.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...models import Category, Product
from .. import ServiceError


def categories(external_ids: Iterable[str], *, field: str = "category_ids") -> dict[str, Category]:
    """The categories with these external ids, by id; refuses an unknown one."""
    return _resolve(Category, external_ids, field, "category_not_found",
                    lambda missing: _("No category of your catalog has the id %(id)s.", id=missing))


def products(external_ids: Iterable[str], *, field: str = "product_ids") -> dict[str, Product]:
    """The products with these external ids, by id; refuses an unknown one."""
    return _resolve(Product, external_ids, field, "product_not_found",
                    lambda missing: _("No product of your catalog has the id %(id)s.", id=missing))


def _resolve(model, external_ids: Iterable[str], field: str, code: str, message) -> dict:
    wanted = list(dict.fromkeys(external_ids))
    if not wanted:
        return {}
    found = {row.external_id: row for row in db.session.scalars(select(model).where(model.external_id.in_(wanted)))}
    missing = next((ext for ext in wanted if ext not in found), None)
    if missing is not None:
        raise ServiceError(message(missing), field=field, code=code, details={"id": missing})
    return found
