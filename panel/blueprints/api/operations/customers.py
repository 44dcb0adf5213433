"""Changing a customer from the till or the back office: `PATCH /customers/{id}`.

Only the fields sent change, checked by the customer service as the panel's form is; a waiter
puts a guest in a group ("regulars") with `group_id`, or takes them out with null.
"""
from __future__ import annotations

from flask_babel import gettext as _
from pydantic import BaseModel

from ....extensions import db
from ....models import Customer
from ....models.base import row_id
from ....services import ServiceError
from ....services import customers as customer_service
from ....services import groups as groups_service
from .. import bp
from ..declare import api_operation
from ..errors import ApiError
from ..schemas import CUSTOMER_EXAMPLE, CustomerUpdate
from ..schemas import Customer as CustomerOut


class CustomerUpdated(BaseModel):
    customer: CustomerOut


def _customer(raw: str) -> Customer:
    found = db.session.get(Customer, known) if (known := row_id(raw)) else None
    if found is None:
        raise ApiError(404, "customer_not_found", _("No customer has this id."))
    return found


@bp.patch("/customers/<any_text:customer_id>")
@api_operation(
    operation_id="updateCustomer", scope="pos", summary="Change a customer (e.g. put them in a group)",
    body=CustomerUpdate, response=CustomerUpdated, idempotency="optional", answer="The customer as changed.",
    errors=("customer_not_found", "group_not_found"), example={"customer": CUSTOMER_EXAMPLE},
    path={"customer_id": {"example": 42, "schema": {"type": "integer", "minimum": 1}}},
    description=(
        "Only the fields sent change. `group_id` puts the customer in that group (a customer is "
        "in at most one: they leave the one they were in), `null` takes them out of any. An "
        "erased or merged customer cannot be changed (409 `conflict`)."),
    load={"customer_id": _customer})
def update_customer(customer_id: Customer, body: CustomerUpdate):
    found = customer_id  # loaded (load= above)
    if found.erased_at is not None or found.merged_into_id is not None:
        raise ServiceError(_("This customer was erased or merged and cannot be changed."), code="conflict")
    data = body.changed_fields()
    if data.get("group_id") is not None:
        groups_service.get(data["group_id"])  # another tenant's group is a 404 like a missing one
    customer_service.update(found, data)
    return CustomerUpdated.model_construct(customer=CustomerOut.of(found))
