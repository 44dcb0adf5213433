"""The customer list's filters: what the URL may ask for, parsed; the sorts; the search words."""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Callable, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists

from ...extensions import db
from ...models import SORT_COLLATIONS, Card, Customer, CustomerTier, Tenant, Wallet
from ...models.base import row_id
from ...tenancy import require_tenant_id
from ..customers.validation import fold, query_digits, single_line

STATUSES = ("active", "archived", "all")
YES_NO = ("yes", "no")


def _yes_no(column) -> Callable:
    return lambda stmt, value: stmt.where(column.is_(value == "yes"))


def _has_card():
    return exists().where(Card.tenant_id == Customer.tenant_id, Card.customer_id == Customer.id)


def _has_wallet_money():
    return exists().where(Wallet.tenant_id == Customer.tenant_id, Wallet.customer_id == Customer.id, Wallet.balance > 0)


class _TierValues:
    """The tier filter's values: "any" (has a tier), "none", or a tier's id."""

    def __contains__(self, value: object) -> bool:
        return value in ("any", "none") or (isinstance(value, str) and value.isdigit() and len(value) <= 9)


def _in_tier(stmt, value: str):
    held = exists().where(CustomerTier.tenant_id == Customer.tenant_id, CustomerTier.customer_id == Customer.id,
                          CustomerTier.tier_id.is_not(None) if value in ("any", "none")
                          else CustomerTier.tier_id == int(value))
    return stmt.where(~held if value == "none" else held)


# Choice filters: URL parameter -> (allowed values, how the value narrows the query). A new
# filter (group, tier, wallet...) is one field on CustomerFilter plus one entry here.
CHOICE_FILTERS: dict[str, tuple[tuple[str, ...], Callable]] = {
    "consent": (YES_NO, _yes_no(Customer.marketing_consent)),
    "staff": (YES_NO, _yes_no(Customer.is_staff)),
    "card": (YES_NO, lambda stmt, value: stmt.where(_has_card() if value == "yes" else ~_has_card())),
    "wallet": (YES_NO, lambda stmt, value: stmt.where(_has_wallet_money() if value == "yes" else ~_has_wallet_money())),
    "tier": (_TierValues(), _in_tier),
    "points": (YES_NO, lambda stmt, value: stmt.where((Customer.points_balance > 0) if value == "yes"
                                                      else (Customer.points_balance <= 0))),
}


def _collation() -> str | None:
    """The collation company and city sort in: the ICU collation of the tenant's country.

    So they sort as the restaurant's staff read them, not by code point, from an index per
    collation (models/customers.py). SQLite (the embedded default) compares code points. Names
    sort on the folded sort_name, which its own index covers.
    """
    if db.engine.dialect.name != "postgresql":
        return None
    tenant = db.session.get(Tenant, require_tenant_id())
    return SORT_COLLATIONS.get(tenant.country if tenant else "", "und-x-icu")


# Sortable columns: URL value -> (label, column, sorted in the tenant's collation). Keyset pages
# on (column, id).
SORTS: dict[str, tuple] = {
    "name": (_l("Name"), Customer.sort_name, False),
    "company": (_l("Company"), Customer.company_name, True),
    "city": (_l("City"), Customer.city, True),
    # Ids come from a sequence as rows are created, so id order is creation order, and the
    # primary key serves it without an index on created_at.
    "created": (_l("Added"), Customer.id, False),
}
DEFAULT_SORT = "name"
MAX_QUERY = 100
MIN_TERM = 2            # shorter words are ignored
MIN_SUBSTRING = 3       # trigram indexes need 3 characters; 2-character words match word starts
PAGE_SIZE = 25
COUNT_CAP = 200         # "more than 200" is as useful as an exact count while typing, and far cheaper


@dataclass(frozen=True)
class CustomerFilter:
    """What the customer list shows; parsed from the URL by parse_filter(), reused by the CSV export."""

    q: str = ""
    status: str = "active"      # active | archived | all
    consent: str = ""           # "" | yes | no
    staff: str = ""
    card: str = ""
    group: str = ""             # "" any | "none" in no group | a group's id
    wallet: str = ""            # "" | yes (has wallet money) | no
    tier: str = ""              # "" | any | none | a tier's id
    points: str = ""            # has points (a balance above zero)
    sort: str = DEFAULT_SORT    # a key of SORTS
    desc: bool = False

    def to_args(self, **changes) -> dict[str, str]:
        """URL arguments for this filter (defaults left out), with `changes` applied."""
        f = replace(self, **changes)
        args = {}
        for fld in fields(f):
            if fld.name in ("sort", "desc"):
                continue
            value = getattr(f, fld.name)
            if value != fld.default:
                args[fld.name] = value
        if f.sort != DEFAULT_SORT or f.desc:
            args["sort"] = ("-" if f.desc else "") + f.sort
        return args

    @property
    def narrowed(self) -> bool:
        """True when anything but the sort order differs from the default list."""
        return any(getattr(self, fld.name) != fld.default for fld in fields(self) if fld.name not in ("sort", "desc"))


def parse_filter(args: Mapping[str, str]) -> CustomerFilter:
    """Build a CustomerFilter from request.args; unknown or malformed values fall back to defaults."""
    q = single_line(args.get("q", ""))[:MAX_QUERY]
    status = args.get("status", "active")
    choices = {}
    for name, (allowed, _apply_fn) in CHOICE_FILTERS.items():
        value = args.get(name, "")
        choices[name] = value if value in allowed else ""
    raw_sort = args.get("sort", DEFAULT_SORT) or DEFAULT_SORT
    desc = raw_sort.startswith("-")
    sort = raw_sort.lstrip("-")
    if sort not in SORTS:
        sort, desc = DEFAULT_SORT, False
    return CustomerFilter(q=q, status=status if status in STATUSES else "active", sort=sort, desc=desc,
                          group=parse_group(args.get("group", "")), **choices)


def parse_group(value: str) -> str:
    """The group filter: "none", a group's id (as text), or "" for any."""
    value = (value or "").strip()
    if value == "none":
        return value
    known = row_id(value)
    return str(known) if known is not None else ""


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_terms(q: str) -> list[str]:
    """The LIKE patterns a query becomes; [] when nothing is long enough to search for.

    A query of digits (a NIP, REGON, IČO or phone, with spaces or dashes) matches the start of
    one of those numbers, "+48" and "00" included; other queries match every word: 3+ characters
    anywhere, 2 characters at a word start, shorter words are ignored.
    """
    digits = query_digits(q)
    if digits is not None:
        return [f"% {digits}%"] if len(digits) >= MIN_SUBSTRING else []
    patterns = []
    for word in fold(q).split():
        if len(word) >= MIN_SUBSTRING:
            patterns.append(f"%{_escape_like(word)}%")
        elif len(word) >= MIN_TERM:
            patterns.append(f"% {_escape_like(word)}%")
    return patterns


