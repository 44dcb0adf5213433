"""Duplicates: other customers of the tenant who look like the same person or company.

A warning while typing and the import's matches, never a block on saving.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from ...extensions import db
from ...models import Customer
from ...registers.identifiers import InvalidIdentifier, normalize_ico, normalize_nip
from .validation import EMAIL_SHAPE, InvalidPhone, default_country, phone_digits


@dataclass
class Duplicate:
    customer: Customer
    reasons: list[str] = field(default_factory=list)   # keys of SHARED

    @property
    def why(self) -> str:
        return shared_text(self.reasons)


# What two records can share that makes them look like one customer: the form's duplicate
# warning and the import's matches say it alike.
SHARED = {"card": _l("same card"), "nip": _l("same NIP"), "ico": _l("same IČO"), "email": _l("same e-mail"),
          "phone": _l("same phone")}


def shared_text(kinds: list[str]) -> str:
    """What a match shares, in the user's language: "same NIP, same phone"."""
    return ", ".join(str(SHARED[k]) for k in kinds)


def find_duplicates(nip: str = "", email: str = "", phone: str = "", country: str = "", ico: str = "",
                    exclude_id: int | None = None, limit: int = 5) -> list[Duplicate]:
    """Customers of this tenant with the same NIP, IČO, e-mail or phone (each normalised as on save).

    A warning while typing, never a block: partly typed or invalid values simply match nothing.
    Merged and erased records are left out (they are not someone to link to).
    """
    conditions, wanted = [], {}
    try:
        wanted["nip"] = normalize_nip(nip) if nip.strip() else ""
    except InvalidIdentifier:
        wanted["nip"] = ""
    try:
        wanted["ico"] = normalize_ico(ico) if ico.strip() else ""
    except InvalidIdentifier:
        wanted["ico"] = ""
    wanted["email"] = email.strip().lower() if EMAIL_SHAPE.fullmatch(email.strip()) else ""
    try:
        wanted["phone"] = phone_digits(phone, country or default_country())
    except InvalidPhone:
        wanted["phone"] = ""
    if wanted["nip"]:
        conditions.append(Customer.nip == wanted["nip"])
    if wanted["ico"]:
        conditions.append(Customer.ico == wanted["ico"])
    if wanted["email"]:
        conditions.append(Customer.email == wanted["email"])
    if wanted["phone"]:
        conditions.append(Customer.phone_digits == wanted["phone"])
    if not conditions:
        return []
    stmt = (select(Customer).where(or_(*conditions), Customer.merged_into_id.is_(None),
                                   Customer.erased_at.is_(None))
            .order_by(Customer.sort_name, Customer.id).limit(limit))
    if exclude_id:
        stmt = stmt.where(Customer.id != exclude_id)
    found = []
    for c in db.session.scalars(stmt):
        reasons = [k for k, col in (("nip", c.nip), ("ico", c.ico), ("email", c.email), ("phone", c.phone_digits))
                   if wanted[k] and wanted[k] == col]
        found.append(Duplicate(c, reasons))
    return found
