"""Catalog, discounts, price lists and groups as rows, for the pricing tests (the tenant is the
caller's scope). Built on the models directly: the pricing service reads nothing else."""
from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from panel.extensions import db
from panel.models import (
    Category,
    CustomerGroup,
    Discount,
    DiscountTarget,
    DiscountWindow,
    GroupDiscount,
    GroupPriceList,
    PriceList,
    PriceListEntry,
    Product,
)
from panel.models.discounts import days_mask
from panel.services.naming import name_key


def category(ext: str, name: str | None = None, parent: Category | None = None) -> Category:
    row = Category(external_id=ext, name=name or ext, parent_id=parent.id if parent else None)
    db.session.add(row)
    db.session.flush()
    return row


def product(ext: str, cat: Category | None = None, price: int | None = None, name: str | None = None,
            discountable: bool = True) -> Product:
    row = Product(external_id=ext, name=name or ext, category_id=cat.id if cat else None, price=price,
                  discountable=discountable)
    db.session.add(row)
    db.session.flush()
    return row


def discount(name: str, percent=None, amount: int | None = None, scope: str = "bill", categories=(), products=(),
             excluded_categories=(), excluded_products=(), selectable: bool = True, valid_from: date | None = None,
             valid_to: date | None = None, windows=(), min_bill: int = 0) -> Discount:
    row = Discount(name=name, name_key=name_key(name), percent=Decimal(percent) if percent is not None else None,
                   amount=amount, scope=scope, selectable=selectable, valid_from=valid_from, valid_to=valid_to,
                   min_bill=min_bill)
    db.session.add(row)
    db.session.flush()
    for excluded, cats, prods in ((False, categories, products), (True, excluded_categories, excluded_products)):
        db.session.add_all([DiscountTarget(discount_id=row.id, category_id=c.id, excluded=excluded) for c in cats])
        db.session.add_all([DiscountTarget(discount_id=row.id, product_id=p.id, excluded=excluded) for p in prods])
    for days, starts, ends in windows:
        db.session.add(DiscountWindow(discount_id=row.id, days=days_mask(days), starts=starts, ends=ends))
    db.session.flush()
    return row


def price_list(name: str, products: dict | None = None, categories: dict | None = None,
               valid_from: date | None = None, valid_to: date | None = None) -> PriceList:
    row = PriceList(name=name, name_key=name_key(name), valid_from=valid_from, valid_to=valid_to)
    db.session.add(row)
    db.session.flush()
    db.session.add_all([PriceListEntry(price_list_id=row.id, product_id=p.id, unit_price=price)
                        for p, price in (products or {}).items()])
    db.session.add_all([PriceListEntry(price_list_id=row.id, category_id=c.id, percent=Decimal(percent))
                        for c, percent in (categories or {}).items()])
    db.session.flush()
    return row


def group(name: str, colour: str = "#2f6f4f", discounts=(), price_lists=(), members=()) -> CustomerGroup:
    row = CustomerGroup(name=name, name_key=name_key(name), colour=colour)
    db.session.add(row)
    db.session.flush()
    db.session.add_all([GroupDiscount(group_id=row.id, discount_id=d.id) for d in discounts])
    db.session.add_all([GroupPriceList(group_id=row.id, price_list_id=p.id) for p in price_lists])
    for customer in members:
        customer.group_id = row.id
    db.session.flush()
    return row


HAPPY_HOURS = ({1, 2, 3, 4, 5}, time(15), time(17))


def tier(name: str, customer=None, discounts=(), price_lists=(), rank: int = 1, colour: str = "#c9a227"):
    """A loyalty tier granting `discounts` and `price_lists`, held by `customer` if given."""
    from panel.models import CustomerTier, Tier, TierDiscount, TierPriceList

    row = Tier(rank=rank, name=name, name_key=name_key(name), colour=colour)
    db.session.add(row)
    db.session.flush()
    db.session.add_all([TierDiscount(tier_id=row.id, discount_id=d.id) for d in discounts])
    db.session.add_all([TierPriceList(tier_id=row.id, price_list_id=p.id) for p in price_lists])
    if customer is not None:
        db.session.add(CustomerTier(customer_id=customer.id, tier_id=row.id))
    db.session.flush()
    return row
