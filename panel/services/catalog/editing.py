"""Categories and products edited one at a time in the panel, archived and restored.

The same item rules as the POS's upload (items.py), so a product saved in the panel is one the
API would accept. Archiving hides a row from lists and pickers; it stays resolvable by its
external id, so discounts and price lists that name it still read.
"""
from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...models import Category, Product
from ...models.base import utcnow
from .. import ServiceError, audit, conflicts
from .items import external_id as checked_external_id

PRODUCT_FIELDS = ["external_id", "name", "category_id", "price", "vat_rate", "discountable", "earns_points"]
CATEGORY_FIELDS = ["external_id", "name", "parent_id"]


def _product_id_taken() -> ServiceError:
    return ServiceError(_("Another product already has this POS id."), field="external_id", code="conflict")


def _category_id_taken() -> ServiceError:
    return ServiceError(_("Another category already has this POS id."), field="external_id", code="conflict")


conflicts.register("uq_products_tenant_id_external_id", _product_id_taken)
conflicts.register("uq_categories_tenant_id_external_id", _category_id_taken)


def save_product(product: Product | None, *, external_id: str, name: str, category: Category | None,
                 price: int | None, vat_rate: Decimal | None, discountable: bool, earns_points: bool) -> Product:
    """Create (product None) or update a product; the category was loaded through the scoped session."""
    ext = checked_external_id(external_id, "external_id")
    taken = db.session.scalar(select(Product.id).where(Product.external_id == ext))
    if taken is not None and (product is None or taken != product.id):
        raise _product_id_taken()
    before = {f: getattr(product, f) for f in PRODUCT_FIELDS} if product is not None else {}
    if product is None:
        product = Product()
        db.session.add(product)
    product.external_id, product.name = ext, " ".join(name.split())
    product.category_id = category.id if category is not None else None
    product.price, product.vat_rate = price, vat_rate
    product.discountable, product.earns_points = discountable, earns_points
    db.session.flush()
    if before:
        changes = audit.diff(product, PRODUCT_FIELDS, before)
        if changes:
            audit.record("product.updated", "product", product.id, product.name, changes)
    else:
        audit.record("product.added", "product", product.id, product.name)
    return product


def save_category(category: Category | None, *, external_id: str, name: str, parent: Category | None) -> Category:
    """Create (category None) or update a category; a parent under the category itself is refused."""
    ext = checked_external_id(external_id, "external_id")
    taken = db.session.scalar(select(Category.id).where(Category.external_id == ext))
    if taken is not None and (category is None or taken != category.id):
        raise _category_id_taken()
    if category is not None and parent is not None and _under(parent, category.id):
        raise ServiceError(_("A category cannot sit under itself or under one of its subcategories."),
                           field="parent_id")
    before = {f: getattr(category, f) for f in CATEGORY_FIELDS} if category is not None else {}
    if category is None:
        category = Category()
        db.session.add(category)
    category.external_id, category.name = ext, " ".join(name.split())
    category.parent_id = parent.id if parent is not None else None
    db.session.flush()
    if before:
        changes = audit.diff(category, CATEGORY_FIELDS, before)
        if changes:
            audit.record("category.updated", "category", category.id, category.name, changes)
    else:
        audit.record("category.added", "category", category.id, category.name)
    return category


def _under(node: Category, category_id: int) -> bool:
    """Whether `node` is the category or one of its descendants (walking up from node)."""
    parents = dict(db.session.execute(select(Category.id, Category.parent_id)).all())
    seen, current = set(), node.id
    while current is not None and current not in seen:
        if current == category_id:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


def set_archived(row: Product | Category, archived: bool) -> None:
    """Archive or restore a product or a category (its products and subcategories stay as they are)."""
    if (row.archived_at is not None) == archived:
        return
    row.archived_at = utcnow() if archived else None
    kind = "product" if isinstance(row, Product) else "category"
    audit.record(f"{kind}.{'archived' if archived else 'restored'}", kind, row.id, row.name)
    db.session.flush()
