"""Reading price lists for the panel and the API: the lists with their entry counts and the groups
granting them, and a list's entries beside the catalog rows they price. A fixed number of
queries whatever the number of lists or entries."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, or_, select

from ...extensions import db
from ...models import Category, CustomerGroup, GroupPriceList, PriceList, PriceListEntry, Product
from ..naming import name_key

MAX_QUERY = 100


@dataclass
class ListRow:
    price_list: PriceList
    entry_count: int = 0
    groups: list[CustomerGroup] = field(default_factory=list)


@dataclass
class EntryRow:
    """An entry with what it prices: `item` is the Product or the Category."""

    entry: PriceListEntry
    item: Product | Category

    @property
    def is_product(self) -> bool:
        return self.entry.product_id is not None

    @property
    def difference(self) -> Decimal | None:
        """The list price against the catalog's, in percent (-12.5 is 12.5 % cheaper)."""
        normal = self.item.price if self.is_product else None
        if not normal:
            return None
        return (Decimal(self.entry.unit_price - normal) * 100 / normal).quantize(Decimal("0.1"))


def lists(q: str = "", *, archived: bool = False, ids: list[int] | None = None) -> list[ListRow]:
    """The live lists (or the archived ones) by name, matching `q`."""
    stmt = select(PriceList).order_by(PriceList.name_key, PriceList.id)
    stmt = stmt.where(PriceList.archived_at.is_not(None) if archived else PriceList.archived_at.is_(None))
    if q := name_key(q[:MAX_QUERY]):
        stmt = stmt.where(PriceList.name_key.contains(q, autoescape=True))
    if ids is not None:
        stmt = stmt.where(PriceList.id.in_(ids))
    rows = {pl.id: ListRow(pl) for pl in db.session.scalars(stmt)}
    if rows:
        counts = select(PriceListEntry.price_list_id, func.count()).where(
            PriceListEntry.price_list_id.in_(rows)).group_by(PriceListEntry.price_list_id)
        for list_id, count in db.session.execute(counts):
            rows[list_id].entry_count = count
        grants = (select(GroupPriceList.price_list_id, CustomerGroup)
                  .join(CustomerGroup, CustomerGroup.id == GroupPriceList.group_id)
                  .where(GroupPriceList.price_list_id.in_(rows)).order_by(CustomerGroup.name_key))
        for list_id, group in db.session.execute(grants):
            rows[list_id].groups.append(group)
    return list(rows.values())


def one(price_list: PriceList) -> ListRow:
    return lists(archived=price_list.archived_at is not None, ids=[price_list.id])[0]


def entries(price_list: PriceList, q: str = "", limit: int | None = None) -> list[EntryRow]:
    """The list's entries, categories first then products, by name; `q` matches a name or POS id."""
    stmt = (select(PriceListEntry, Product, Category)
            .outerjoin(Product, Product.id == PriceListEntry.product_id)
            .outerjoin(Category, Category.id == PriceListEntry.category_id)
            .where(PriceListEntry.price_list_id == price_list.id)
            .order_by(PriceListEntry.product_id.is_not(None), func.coalesce(Category.name, Product.name),
                      PriceListEntry.id))
    if q := q.strip()[:MAX_QUERY]:
        like = f"%{q}%"
        stmt = stmt.where(or_(Product.name.ilike(like), Product.external_id.ilike(like),
                              Category.name.ilike(like), Category.external_id.ilike(like)))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [EntryRow(entry, product or category) for entry, product, category in db.session.execute(stmt)]


def catalog_items(kind: str, q: str, limit: int = 20) -> list[Product | Category]:
    """Products or categories matching `q` (name or POS id) for the entry picker."""
    model = Product if kind == "product" else Category
    stmt = select(model).where(model.archived_at.is_(None)).order_by(model.name).limit(limit)
    if q := q.strip()[:MAX_QUERY]:
        like = f"%{q}%"
        stmt = stmt.where(or_(model.name.ilike(like), model.external_id.ilike(like)))
    return list(db.session.scalars(stmt))
