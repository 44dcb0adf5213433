"""Cards: canonical keys, the tenant's reader format, and finding a card by what was scanned.

A card's `code` is what the reader typed (cleaned); `code_key` is its canonical form under the
tenant's reader format (panel/cardcodes.py), and every lookup compares keys, so the same
physical card is found whether a reader types it as decimal or a phone reads it as hex.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, case, or_, select
from sqlalchemy.orm import joinedload

from ... import cardcodes, clock
from ...extensions import db
from ...i18n import date_filter
from ...models import Card, Customer, CustomerGroup, CustomerTier, Tenant, Tier, Wallet
from ...models.cards import card_state
from ...models.customers import display_name
from ...tenancy import require_tenant_id
from .. import ServiceError

MAX_NUMBER_LENGTH = 40
# A customer holds a handful of cards; the cap keeps a crafted form (or a check) from costing much.
MAX_ROWS = 100


# --- the tenant's reader format --------------------------------------------------------------

def reader_format() -> str:
    """The current tenant's reader format (the tenant row is in the session already in requests)."""
    tenant = db.session.get(Tenant, require_tenant_id())
    return cardcodes.format_or_default(tenant.reader_format if tenant is not None else None)


def change_reader_format(tenant: Tenant, fmt: str) -> None:
    """Switch the tenant's reader format and re-key every card, refusing if two cards would clash."""
    if not cardcodes.is_valid_format(fmt):
        raise ServiceError(_("Choose a reader format."), field="reader_format")
    cards = db.session.scalars(select(Card)).all()
    new_keys: dict[str, Card] = {}
    for card in cards:
        key = cardcodes.lookup_key(card.code, fmt)
        other = new_keys.get(key)
        if other is not None:
            raise ServiceError(_("With this format the cards %(a)s and %(b)s would be the same card. "
                                 "Block or change one of them first.", a=other.code, b=card.code),
                               field="reader_format")
        new_keys[key] = card
    # Two passes, so a key moving from one card to another never trips the unique index midway.
    for card in cards:
        card.code_key = f"~{card.id}"
    db.session.flush()
    for key, card in new_keys.items():
        card.code_key = key
    tenant.reader_format = fmt
    db.session.flush()


def key_for(raw: str, fmt: str | None = None) -> str | None:
    """The canonical key of `raw` under the tenant's format (or `fmt`, for a caller that keys
    many codes: the import), or None if it cannot be a code."""
    try:
        return cardcodes.lookup_key(raw, fmt or reader_format())
    except cardcodes.InvalidCardCode:
        return None


# --- finding cards ---------------------------------------------------------------------------

# The key depends on the tenant's reader format, a column of the tenant row: the statement picks
# the right key in SQL (a CASE over the format, the tenant row joined by primary key), so a
# lookup is one round trip even where the tenant is not loaded yet. Built once with bound
# parameters: a scan costs the parameters, not a new statement.
_KEY = case({fmt: bindparam(f"key_{fmt}") for fmt in cardcodes.READER_FORMATS},
             value=Tenant.reader_format, else_=bindparam(f"key_{cardcodes.DEFAULT_FORMAT}"))
_CARDS = select(Card).join(Tenant, Tenant.id == Card.tenant_id).options(joinedload(Card.customer))
_BY_CODE = _CARDS.where(Card.code_key == _KEY)
# A scan may be a code or a printed number: one round trip, a code match ranked first.
_BY_CODE_OR_NUMBER = (_CARDS.where(or_(Card.code_key == _KEY, Card.number == bindparam("number")))
                      .order_by((Card.code_key == _KEY).desc()).limit(1))


def _keys(code: str) -> dict[str, str]:
    return {f"key_{fmt}": cardcodes.lookup_key(code, fmt) for fmt in cardcodes.READER_FORMATS}


def _by_code(raw: str) -> Card | None:
    """The card (customer loaded) whose key is `raw`'s key under the tenant's reader format."""
    try:
        code = cardcodes.clean(raw or "")
    except cardcodes.InvalidCardCode:
        return None
    return db.session.scalar(_BY_CODE, _keys(code))


def find_card(raw: str) -> Card | None:
    """The tenant's card for what a reader (or a person) typed, with its customer loaded.

    The code is compared by canonical key, so any of the tenant's readers finds the card; when
    no code matches, the printed number is matched as typed (trimmed).
    """
    try:
        code = cardcodes.clean(raw or "")
    except cardcodes.InvalidCardCode:
        return None
    number = code if len(code) <= MAX_NUMBER_LENGTH else None
    return db.session.scalar(_BY_CODE_OR_NUMBER, {**_keys(code), "number": number})


# --- the POS scan ----------------------------------------------------------------------------
# The till's card lookup is the hottest path of the product (aim: p99 under 10 ms over HTTP),
# so it reads plain rows with one Core statement instead of loading two ORM entities, whose
# mapping costs about a millisecond. Core bypasses the tenant hook: `tenant_id` is bound
# explicitly, in the card's WHERE and in the customer join.

@dataclass(frozen=True, slots=True)
class PosCard:
    """What the POS (and the customer list's card hit) is told of a card: the fields card_json reads."""

    id: int
    code: str
    number: str | None
    status: str
    expires_on: date | None
    replaced_by_id: int | None

    def state_on(self, today: date) -> str:
        return card_state(self.status, self.expires_on, today)


@dataclass(frozen=True, slots=True)
class PosCustomer:
    """The card's holder: the fields of Customer that customer_json and the list's card hit read."""

    id: int
    first_name: str
    last_name: str
    company_name: str
    nip: str
    email: str
    phone: str
    archived_at: datetime | None
    erased_at: datetime | None
    group_id: int | None
    group_name: str | None       # joined in the same statement: the till learns the group for free
    group_colour: str | None
    # The holder's wallet, read by the same statement (a left join); None: never had one.
    wallet_balance: int | None = None
    wallet_currency: str | None = None
    points_balance: int | None = None  # the customer's points (a column of their own row)
    # The loyalty tier, from the same statement (two outer joins, no second query).
    tier_id: int | None = None
    tier_name: str | None = None
    tier_colour: str | None = None
    tier_valid_until: date | None = None
    tier_manual: bool | None = None

    @property
    def display_name(self) -> str:
        return display_name(self.first_name, self.last_name, self.company_name, self.id)

    @property
    def group(self) -> PosGroup | None:
        return PosGroup(self.group_id, self.group_name, self.group_colour) if self.group_id else None

    def tier(self) -> dict | None:
        """The tier badge's fields (the API's `tier`), or None."""
        if self.tier_id is None:
            return None
        return {"id": self.tier_id, "name": self.tier_name, "colour": self.tier_colour,
                "valid_until": self.tier_valid_until, "manual": bool(self.tier_manual)}


@dataclass(frozen=True, slots=True)
class PosGroup:
    """The holder's customer group, as the API's customer answer names it."""

    id: int
    name: str
    colour: str


_card_t, _customer_t, _group_t = Card.__table__, Customer.__table__, CustomerGroup.__table__
_wallet_t, _state_t, _tier_t = Wallet.__table__, CustomerTier.__table__, Tier.__table__
_POS_CARD_FIELDS = tuple(PosCard.__dataclass_fields__)
_POS_CUSTOMER_FIELDS = tuple(PosCustomer.__dataclass_fields__)
# Where each of the holder's fields comes from: the customer row, or one of the joined rows.
_JOINED = {"group_name": _group_t.c.name, "group_colour": _group_t.c.colour,
           "wallet_balance": _wallet_t.c.balance, "wallet_currency": _wallet_t.c.currency,
           "tier_id": _tier_t.c.id, "tier_name": _tier_t.c.name, "tier_colour": _tier_t.c.colour,
           "tier_valid_until": _state_t.c.valid_until, "tier_manual": _state_t.c.manual}
_POS_KEY_MATCH = _card_t.c.code_key == bindparam("key")
_POS_SCAN = (
    select(*(_card_t.c[f] for f in _POS_CARD_FIELDS),
           *(_JOINED.get(f, _customer_t.c.get(f)).label(f"customer_{f}") for f in _POS_CUSTOMER_FIELDS))
    .join_from(_card_t, _customer_t, and_(_customer_t.c.tenant_id == bindparam("tenant_id"),
                                          _customer_t.c.id == _card_t.c.customer_id))
    .outerjoin(_group_t, and_(_group_t.c.tenant_id == _customer_t.c.tenant_id,
                              _group_t.c.id == _customer_t.c.group_id))
    .outerjoin(_wallet_t, and_(_wallet_t.c.tenant_id == bindparam("tenant_id"),
                               _wallet_t.c.customer_id == _card_t.c.customer_id))
    .outerjoin(_state_t, and_(_state_t.c.tenant_id == bindparam("tenant_id"),
                              _state_t.c.customer_id == _customer_t.c.id))
    .outerjoin(_tier_t, and_(_tier_t.c.tenant_id == bindparam("tenant_id"), _tier_t.c.id == _state_t.c.tier_id))
    .where(_card_t.c.tenant_id == bindparam("tenant_id"),
           or_(_POS_KEY_MATCH, _card_t.c.number == bindparam("number")))
    .order_by(_POS_KEY_MATCH.desc())  # a code match before a printed-number match
    .limit(1)
)


def pos_scan(tenant_id: int, reader_format: str, raw: str) -> tuple[PosCard, PosCustomer] | None:
    """The card (and holder) of what a till scanned, matched as find_card matches it."""
    try:
        code = cardcodes.clean(raw or "")
    except cardcodes.InvalidCardCode:
        return None
    params = {"tenant_id": tenant_id, "key": cardcodes.lookup_key(code, reader_format),
              "number": code if len(code) <= MAX_NUMBER_LENGTH else None}
    row = db.session.connection().execute(_POS_SCAN, params).first()
    if row is None:
        return None
    return (PosCard(*(getattr(row, f) for f in _POS_CARD_FIELDS)),
            PosCustomer(*(getattr(row, f"customer_{f}") for f in _POS_CUSTOMER_FIELDS)))


def holder_of(raw: str) -> Card | None:
    """The card holding this code's key (by code only, never by number), or None."""
    return _by_code(raw)


@dataclass
class CodeCheck:
    """What the customer form says under a scanned code.

    state: empty | too_long | in_form (another row holds the same card) | own (this customer's
    card already) | taken (someone else's: `holder`) | free. `info` holds the code's UID
    variants (cardcodes.describe) for staff to compare with the number printed on the card.
    """

    state: str
    code: str = ""
    holder: Card | None = None
    info: cardcodes.CardCodeInfo | None = None


def check_code(raw: str, others: list[str] | None = None, customer_id: int | None = None) -> CodeCheck:
    """Check a code as it is scanned, before the form is saved (at most one query)."""
    try:
        code = cardcodes.clean((raw or "")[:200])
    except cardcodes.InvalidCardCode as e:
        return CodeCheck("too_long" if e.code == cardcodes.InvalidCardCode.TOO_LONG else "empty")
    info = cardcodes.describe(code)
    key = key_for(code)
    if any(key_for(other) == key for other in (others or [])[:MAX_ROWS] if other.strip()):
        return CodeCheck("in_form", code, info=info)
    holder = holder_of(code)
    if holder is None:
        return CodeCheck("free", code, info=info)
    return CodeCheck("own" if customer_id and holder.customer_id == customer_id else "taken", code, holder, info)


def pos_state(card: Card, today: date | None = None) -> tuple[str, str | None]:
    """(status, reason) as the POS API reports a card.

    The API's status is the one thing a till must act on: active, blocked or expired. Lost and
    replaced cards are blocked for the till; `reason` says why (blocked | lost | replaced |
    expired), so a till can tell the guest what happened without a fourth status to handle.
    """
    state = card.state_on(today or clock.today())
    if state == "active":
        return "active", None
    if state == "expired":
        return "expired", "expired"
    if card.replaced_by_id is not None:
        return "blocked", "replaced"
    return "blocked", state


def taken_message(card: Card) -> str:
    """"Already on Jan Kowalski's card, expires 31 Mar 2027" for the form and the check."""
    name = card.customer.display_name
    if card.expires_on is not None:
        return _("Already on %(name)s's card, expires %(date)s.", name=name, date=date_filter(card.expires_on))
    return _("Already on %(name)s's card.", name=name)
