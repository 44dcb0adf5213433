"""Products listed a page at a time: the panel's list and the API's GET /products.

Search by name (contains, case-insensitive) or by the POS's id (exact); a category filter takes
its subcategories too, since a rule on a category covers them. Pages by (name, id) keyset after
the previous page's last product, not an offset, so paging through 10,000 products stays cheap
and stable while the POS syncs.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select

from ...extensions import db
from ...models import Category, Product

MAX_LIMIT = 200


@dataclass(frozen=True)
class Page:
    products: list[Product]
    categories: dict[int, Category]  # the products' categories by our id
    more: bool  # another page follows, after the last of these


def products(*, q: str = "", category: Category | None = None, archived: bool = False,
             limit: int = 50, after: Product | None = None) -> Page:
    stmt = select(Product)
    q = " ".join((q or "").split())
    if q:
        pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(func.lower(Product.name).like(pattern, escape="\\"), Product.external_id == q))
    if category is not None:
        stmt = stmt.where(Product.category_id.in_(subtree(category.id)))
    if not archived:
        stmt = stmt.where(Product.archived_at.is_(None))
    if after is not None:
        stmt = stmt.where(or_(Product.name > after.name, and_(Product.name == after.name, Product.id > after.id)))
    limit = max(1, min(limit, MAX_LIMIT))
    found = db.session.scalars(stmt.order_by(Product.name, Product.id).limit(limit + 1)).all()
    more = len(found) > limit
    found = found[:limit]
    wanted = {p.category_id for p in found if p.category_id is not None}
    cats = {c.id: c for c in db.session.scalars(select(Category).where(Category.id.in_(wanted)))} if wanted else {}
    return Page(found, cats, more)


def subtree(category_id: int) -> set[int]:
    """The category's id and all its descendants' (one query; loop-safe)."""
    children: dict[int, list[int]] = {}
    for cid, parent in db.session.execute(select(Category.id, Category.parent_id)):
        children.setdefault(parent, []).append(cid)
    out, todo = set(), [category_id]
    while todo:
        node = todo.pop()
        if node not in out:
            out.add(node)
            todo.extend(children.get(node, ()))
    return out
