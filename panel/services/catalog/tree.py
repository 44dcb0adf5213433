"""The category tree: a rule on a category covers its children, and lists show it indented.

Both read the tenant's categories in one query (a restaurant has tens of them, not thousands)
and walk parents in Python, stopping at a loop: the upsert refuses cycles, but a chain read
while another request rewrites parents must still end.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from ...extensions import db
from ...models import Category, Product


def ancestors(external_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """{category's external id: (parent's, grandparent's, ...)} for each known id asked for.

    Archived categories take part (old rules still read); unknown ids are left out, so a bill
    line naming a category the catalog does not know matches rules on that id alone.
    """
    rows = db.session.execute(select(Category.id, Category.external_id, Category.parent_id)).all()
    ext = {r.id: r.external_id for r in rows}
    parent = {r.external_id: ext.get(r.parent_id) for r in rows}
    out = {}
    for start in dict.fromkeys(external_ids):
        if start not in parent:
            continue
        chain, node = [], parent[start]
        while node is not None and node != start and node not in chain:
            chain.append(node)
            node = parent.get(node)
        out[start] = tuple(chain)
    return out


@dataclass(frozen=True)
class Node:
    category: Category
    depth: int
    products: int   # live products directly in it


def nodes(*, archived: bool = False) -> list[Node]:
    """The categories depth-first, children under their parent by name, with product counts.

    Without `archived`, archived categories are left out (their children move up to where the
    nearest live ancestor is, so nothing live disappears from the list).
    """
    categories = db.session.scalars(select(Category).order_by(Category.name, Category.id)).all()
    counts = dict(db.session.execute(
        select(Product.category_id, func.count()).where(Product.archived_at.is_(None))
        .group_by(Product.category_id)).all())
    shown = [c for c in categories if archived or c.archived_at is None]
    ids = {c.id for c in shown}
    by_id = {c.id: c for c in categories}

    def visible_parent(c: Category) -> int | None:
        seen, node = {c.id}, c.parent_id
        while node is not None and node not in ids and node not in seen:
            seen.add(node)
            node = by_id[node].parent_id if node in by_id else None
        return node if node in ids and node not in seen else None

    children: dict[int | None, list[Category]] = {}
    for c in shown:
        children.setdefault(visible_parent(c), []).append(c)
    out: list[Node] = []
    placed: set[int] = set()

    def walk(parent: int | None, depth: int) -> None:
        for c in children.get(parent, []):
            if c.id not in placed:
                placed.add(c.id)
                out.append(Node(c, depth, counts.get(c.id, 0)))
                walk(c.id, depth + 1)

    walk(None, 0)
    for c in shown:  # a loop has no root to start from: show it flat rather than hide it
        if c.id not in placed:
            placed.add(c.id)
            out.append(Node(c, 0, counts.get(c.id, 0)))
    return out
