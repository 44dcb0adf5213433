"""Products listed a page at a time: the panel's list and the API's GET /products.

Search by name (contains, case-insensitive) or by the POS's id (exact); a category filter takes
its subcategories too, since a rule on a category covers them. Pages by (name, id) keyset: a
cursor, not an offset, so paging through 10,000 products stays cheap and stable while the POS
syncs.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select

from ...extensions import db
from ...models import Category, Product

MAX_LIMIT = 200


@dataclass(frozen=True)
class Page:
    products: list[Product]
    categories: dict[int, Category]  # the products' categories by our id
    next_cursor: str | None


def products(*, q: str = "", category: Category | None = None, archived: bool = False,
             limit: int = 50, cursor: str | None = None) -> Page:
    stmt = select(Product)
    q = " ".join((q or "").split())
    if q:
        pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(func.lower(Product.name).like(pattern, escape="\\"), Product.external_id == q))
    if category is not None:
        stmt = stmt.where(Product.category_id.in_(subtree(category.id)))
    if not archived:
        stmt = stmt.where(Product.archived_at.is_(None))
    after = decode_cursor(cursor)
    if after is not None:
        name, row = after
        stmt = stmt.where(or_(Product.name > name, and_(Product.name == name, Product.id > row)))
    limit = max(1, min(limit, MAX_LIMIT))
    found = db.session.scalars(stmt.order_by(Product.name, Product.id).limit(limit + 1)).all()
    more = len(found) > limit
    found = found[:limit]
    wanted = {p.category_id for p in found if p.category_id is not None}
    cats = {c.id: c for c in db.session.scalars(select(Category).where(Category.id.in_(wanted)))} if wanted else {}
    last = found[-1] if found else None
    return Page(found, cats, encode_cursor(last.name, last.id) if more and last else None)


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


def encode_cursor(name: str, row_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([name, row_id]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[str, int] | None:
    """The (name, id) a cursor carries; None for no cursor or one we did not write."""
    if not cursor:
        return None
    try:
        name, row_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        return None
    if not isinstance(name, str) or not isinstance(row_id, int) or isinstance(row_id, bool):
        return None
    return name, row_id
