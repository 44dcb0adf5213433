"""Who is in a group: one customer's group, many customers moved at once, and the members list.

A customer belongs to at most one group, so "add to a group" and "move to a group" are one
operation: setting customers.group_id. Erased and merged records are no one's members.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_, update

from ...extensions import db
from ...models import Customer, CustomerGroup
from ...models.base import row_id
from .. import ServiceError, audit, customer_list

# One request moves at most this many customers (a page of the list is 25; select-all of a
# filtered list is bounded by what the form can carry).
MAX_BULK = 1000


def set_group(customer: Customer, group: CustomerGroup | None) -> bool:
    """Put the customer in `group` (None: in no group); True if that changed anything."""
    if customer.erased_at is not None or customer.merged_into_id is not None:
        raise ServiceError(_("This customer was erased or merged and cannot join a group."), field="group_id")
    new_id = group.id if group is not None else None
    if customer.group_id == new_id:
        return False
    old_id = customer.group_id
    customer.group_id = new_id
    db.session.flush()
    audit.record("customer.updated", "customer", customer.id, summary=f"#{customer.id}",
                 changes={"group_id": [old_id, new_id]})
    return True


def move(customer_ids, group: CustomerGroup | None) -> int:
    """Move many customers into `group` (None: out of any group) with one UPDATE.

    Ids not of this tenant, erased or merged ones are left alone (the scoped statement cannot
    reach another tenant's rows). Returns how many changed; one audit entry says who moved.
    """
    ids = sorted({i for i in (row_id(v) for v in customer_ids) if i is not None})
    if not ids:
        raise ServiceError(_("Select the customers to move."), field="customer_ids")
    if len(ids) > MAX_BULK:
        raise ServiceError(_("At most %(n)d customers at once.", n=MAX_BULK), field="customer_ids")
    new_id = group.id if group is not None else None
    # Only rows that change: the count and the audit entry say who really moved.
    differs = (Customer.group_id.is_not(None) if new_id is None
               else or_(Customer.group_id.is_(None), Customer.group_id != new_id))
    moved = db.session.scalars(
        update(Customer)
        .where(Customer.id.in_(ids), Customer.erased_at.is_(None), Customer.merged_into_id.is_(None),
               differs)
        .values(group_id=new_id).returning(Customer.id)
        .execution_options(synchronize_session="fetch")).all()
    if moved:
        audit.record("group.members_moved", "group", new_id, summary=group.name if group else "",
                     changes={"group_id": new_id, "customers": sorted(moved)[:MAX_BULK], "count": len(moved)})
    return len(moved)


def members(group: CustomerGroup, q: str = "", after: str | None = None, before: str | None = None,
            size: int = customer_list.PAGE_SIZE, status: str = "active") -> customer_list.Page:
    """A page of the group's members, searched and keyset-paged as the customer list is."""
    f = customer_list.CustomerFilter(q=q[:customer_list.MAX_QUERY], status=status, group=str(group.id))
    return customer_list.page(f, after=after, before=before, size=size)
