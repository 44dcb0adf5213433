"""Cards: codes, canonical keys, the tenant's reader format, and a card's life.

A card's `code` is what the reader typed (cleaned); `code_key` is its canonical form under the
tenant's reader format (panel/cardcodes.py), and every lookup compares keys, so the same
physical card is found whether a reader types it as decimal or a phone reads it as hex.

Life of a card: active -> blocked (by staff) or lost (reported by the customer); blocked and
lost cards can be unblocked, unless they were replaced: replacing moves the customer to a new
card and keeps the old one, blocked, as history (`replaced_by_id`). Erasing a customer's data
(services/customers.py) blocks their cards for good: nothing here brings them back.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Iterator, Mapping

from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload

from .. import cardcodes, clock, locking
from ..extensions import db
from ..i18n import date_filter
from ..models import Card, Customer, Tenant
from ..models.base import row_id, utcnow
from ..models.cards import card_state
from ..models.customers import display_name
from ..tenancy import require_tenant_id
from . import ServiceError, audit
from .customers.gdpr import EraseStep, forget_history, register_erase_step

MAX_NUMBER_LENGTH = 40
# A customer holds a handful of cards; the cap keeps a crafted form from costing much.
MAX_ROWS = 100
_ROW_FIELD_RE = re.compile(r"^cards-(\d{1,4})-(code|number|expires_on|id)$")
_AUDIT_FIELDS = ["number", "expires_on"]


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

    @property
    def display_name(self) -> str:
        return display_name(self.first_name, self.last_name, self.company_name, self.id)


_card_t, _customer_t = Card.__table__, Customer.__table__
_POS_CARD_FIELDS = tuple(PosCard.__dataclass_fields__)
_POS_CUSTOMER_FIELDS = tuple(PosCustomer.__dataclass_fields__)
_POS_KEY_MATCH = _card_t.c.code_key == bindparam("key")
_POS_SCAN = (
    select(*(_card_t.c[f] for f in _POS_CARD_FIELDS),
           *(_customer_t.c[f].label(f"customer_{f}") for f in _POS_CUSTOMER_FIELDS))
    .join_from(_card_t, _customer_t, and_(_customer_t.c.tenant_id == bindparam("tenant_id"),
                                          _customer_t.c.id == _card_t.c.customer_id))
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


# --- the customer form's card rows ------------------------------------------------------------

@dataclass
class CardRow:
    """One row of the customer form's "Cards" section, as typed (kept for re-rendering).

    `index` is the <n> of the field names (cards-<n>-code ...); validation errors are keyed by it.
    Rows with an `id` are the customer's existing cards: their code is fixed (a new code is a
    replacement), only number and expiry change.
    """

    index: int
    code: str = ""
    number: str = ""
    expires_on: str = ""
    id: str = ""
    # Filled by validation: what the row means once parsed.
    card: Card | None = field(default=None, repr=False)
    clean_code: str = ""
    key: str = ""
    clean_number: str | None = None
    expiry: date | None = None

    @property
    def existing(self) -> bool:
        return bool(self.id.strip())

    @property
    def blank(self) -> bool:
        return not (self.existing or self.code.strip() or self.number.strip() or self.expires_on.strip())


def parse_card_rows(form: Mapping[str, str]) -> list[CardRow]:
    """The non-blank card rows of a posted form, in the order of their index."""
    rows: dict[int, CardRow] = {}
    for name in form.keys():
        m = _ROW_FIELD_RE.match(name)
        if not m:
            continue
        index, attr = int(m.group(1)), m.group(2)
        row = rows.get(index)
        if row is None:
            if len(rows) >= MAX_ROWS:
                continue
            row = rows[index] = CardRow(index=index)
        setattr(row, attr, (form.get(name) or "")[:200])
    return [rows[i] for i in sorted(rows) if not rows[i].blank]


def parse_expiry(raw: str) -> date | None:
    """"2027-03-31" (what date inputs send) or "31.03.2027" (typed by hand); blank is None.

    Raises ValueError for anything else.
    """
    text = (raw or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            value = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if 2000 <= value.year <= 2199:
            return value
    raise ValueError(text)


def validate_card_rows(rows: list[CardRow], customer: Customer | None = None) -> dict[int, dict[str, str]]:
    """{row index: {field: message}} for the rows that cannot be saved; {} when all can.

    Checks: a new row needs a code that fits; two rows may not hold the same card (or number);
    a code or number already on another card says whose; existing rows must be this customer's
    cards; dates must be dates. Costs at most three queries, whatever the number of rows.
    """
    errors: dict[int, dict[str, str]] = {}

    def fail(row: CardRow, name: str, message: str) -> None:
        errors.setdefault(row.index, {}).setdefault(name, message)

    fmt = reader_format()
    existing_ids = [known for r in rows if r.existing and (known := row_id(r.id))]
    own: dict[int, Card] = {}
    if existing_ids and customer is not None and customer.id is not None:
        own = {c.id: c for c in db.session.scalars(
            select(Card).where(Card.id.in_(existing_ids), Card.customer_id == customer.id))}

    seen_keys: dict[str, CardRow] = {}
    seen_numbers: dict[str, CardRow] = {}
    for row in rows:
        if row.existing:
            card = own.get(row_id(row.id))
            if card is None:
                fail(row, "code", _("This card is not one of this customer's cards any more. Reload the page."))
                continue
            row.card, row.clean_code, row.key = card, card.code, card.code_key
        else:
            try:
                row.clean_code = cardcodes.clean(row.code)
                row.key = cardcodes.lookup_key(row.clean_code, fmt)
            except cardcodes.InvalidCardCode as e:
                if e.code == cardcodes.InvalidCardCode.TOO_LONG:
                    fail(row, "code", _("A card code has at most %(n)d characters.", n=cardcodes.MAX_CODE_LENGTH))
                else:
                    fail(row, "code", _("Scan the card or type its code."))
        if row.key:
            first = seen_keys.setdefault(row.key, row)
            if first is not row:
                fail(row, "code", _("This card is already in the list above."))

        number = row.number.strip()
        row.clean_number = number or None
        if len(number) > MAX_NUMBER_LENGTH:
            fail(row, "number", _("A card number has at most %(n)d characters.", n=MAX_NUMBER_LENGTH))
        elif number:
            first = seen_numbers.setdefault(number, row)
            if first is not row:
                fail(row, "number", _("This number is already in the list above."))

        try:
            row.expiry = parse_expiry(row.expires_on)
        except ValueError:
            fail(row, "expires_on", _("Enter the date as YYYY-MM-DD, e.g. 2027-03-31."))
        else:
            unchanged = row.card is not None and row.card.expires_on == row.expiry
            if row.expiry is not None and row.expiry < clock.today() and not unchanged:
                fail(row, "expires_on", _("This date has passed; a card would be expired at once."))

    # Other cards holding these codes or numbers, in one query each.
    new_keys = {r.key: r for r in rows if r.key and not r.existing and "code" not in errors.get(r.index, {})}
    if new_keys:
        for other in db.session.scalars(
                select(Card).options(joinedload(Card.customer)).where(Card.code_key.in_(list(new_keys)))):
            row = new_keys[other.code_key]
            if customer is not None and other.customer_id == customer.id:
                fail(row, "code", _("This customer already holds this card."))
            else:
                fail(row, "code", taken_message(other))
    numbers = {r.clean_number: r for r in rows if r.clean_number and "number" not in errors.get(r.index, {})}
    if numbers:
        for other in db.session.scalars(
                select(Card).options(joinedload(Card.customer)).where(Card.number.in_(list(numbers)))):
            row = numbers[other.number]
            if row.card is not None and row.card.id == other.id:
                continue
            fail(row, "number", _("The number %(number)s is on %(name)s's card (%(code)s).",
                                  number=other.number, name=other.customer.display_name, code=other.code))
    return dict(sorted(errors.items()))


def apply_card_rows(customer: Customer, rows: list[CardRow]) -> None:
    """Save the rows on `customer`: new rows become cards, existing ones take number and expiry.

    Validates again (a caller that skipped validation cannot save a bad row), flushes, and
    writes one audit entry per card added or changed. A concurrent save of the same code or
    number shows up as a unique violation and becomes a ServiceError; the caller rolls back.
    """
    _save_rows(customer, rows)


def _save_rows(customer: Customer, rows: list[CardRow], error_field: str = "cards") -> list[Card]:
    _refuse_if_erased(customer)
    errors = validate_card_rows(rows, customer)
    if errors:
        first = next(iter(errors.values()))
        raise ServiceError(next(iter(first.values())), field=error_field)
    added: list[Card] = []
    changed: list[tuple[Card, dict]] = []
    with _card_writes([r.clean_code for r in rows if r.card is None], error_field):
        for row in rows:
            if row.card is not None:
                before = audit.snapshot(row.card, _AUDIT_FIELDS)
                row.card.number, row.card.expires_on = row.clean_number, row.expiry
                diff = audit.diff(row.card, _AUDIT_FIELDS, before)
                if diff:
                    changed.append((row.card, diff))
            else:
                added.append(add_checked(customer, row.clean_code, row.key, row.clean_number, row.expiry))
    for card in added:
        record_added(card)
    for card, diff in changed:
        audit.record("card.updated", "card", card.id, card.code, diff)
    return added


def add_checked(customer: Customer, code: str, key: str, number: str | None = None,
                expiry: date | None = None) -> Card:
    """A new active card for a code already checked free (cleaned, with its key), not flushed.

    The checks are validate_card_rows()' or, for many rows at once, the import's; a code
    taken meanwhile still fails at the flush, on the unique key. record_added() follows it.
    """
    card = Card(customer=customer, code=code, code_key=key, number=number, expires_on=expiry, status="active",
                issued_at=utcnow(), note="")
    db.session.add(card)
    return card


def record_added(card: Card) -> None:
    """The audit entry of a new card, once it has its id."""
    audit.record("card.added", "card", card.id, f"{card.code} → {card.customer.display_name}",
                 {"customer_id": [None, card.customer_id], "code": [None, card.code]})


@contextmanager
def _card_writes(codes: list[str], error_field: str) -> Iterator[None]:
    """The block's card writes, flushed in a savepoint; a race for a code becomes "card_taken".

    Codes and numbers are checked free before they are written, but another request (a second
    terminal scanning the same new card) can save one in between: our insert then fails on the
    unique key. The savepoint takes back only these writes and leaves the transaction usable,
    so the error can say whose card it now is, and the caller's rollback and page still work.
    """
    db.session.flush()  # what came before (the new customer, its fields) stays outside the savepoint
    locking.open_write_transaction()
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError:
        holders = [held for code in codes if (held := holder_of(code)) is not None]
        message = taken_message(holders[0]) if holders else _(
            "Someone has just saved one of these cards or numbers on another customer. "
            "Check the cards and save again.")
        raise ServiceError(message, field=error_field, code="card_taken") from None


@dataclass
class FormRow:
    """A row as the "Cards" section renders it: the typed values and, for existing rows, the card."""

    row: CardRow
    card: Card | None


def form_rows(customer: Customer | None, rows: list[CardRow] | None) -> list[FormRow]:
    """The rows to render: posted rows as typed, else the customer's cards; always one empty row last."""
    cards = {c.id: c for c in customer.cards} if customer is not None and customer.id is not None else {}
    if rows:
        out = [FormRow(r, cards.get(row_id(r.id))) for r in rows]
    else:
        out = [FormRow(CardRow(index=i, id=str(c.id), number=c.number or "",
                               expires_on=c.expires_on.isoformat() if c.expires_on else ""), c)
               for i, c in enumerate(cards.values())]
    next_index = max((f.row.index for f in out), default=-1) + 1
    if not out or out[-1].card is not None or not out[-1].row.blank:
        out.append(FormRow(CardRow(index=next_index), None))
    return out


# --- a card's life ---------------------------------------------------------------------------

def _set_status(card: Card, status: str, action: str) -> None:
    before = card.status
    card.status = status
    if status == "active":
        card.blocked_at = None
    elif card.blocked_at is None:
        card.blocked_at = utcnow()
    db.session.flush()
    audit.record(action, "card", card.id, f"{card.code} ({card.customer.display_name})",
                 {"status": [before, status]})


def _refuse_if_replaced(card: Card) -> None:
    if card.replaced_by_id is not None:
        successor = db.session.get(Card, card.replaced_by_id)
        raise ServiceError(_("This card was replaced by %(code)s and stays blocked.",
                             code=successor.code if successor else "?"), code="replaced")


def _refuse_if_erased(customer: Customer) -> None:
    # An erased record stays only so history and money keep pointing somewhere; a card that
    # worked again, or a new one, would put the erased person back in use.
    if customer.erased_at is not None:
        raise ServiceError(_("This customer's data was erased: their cards stay blocked and they get no new ones."),
                           code="erased")


def block(card: Card) -> bool:
    """Block an active card. Returns False when it was blocked already (a repeated click)."""
    _refuse_if_erased(card.customer)
    _refuse_if_replaced(card)
    if card.status == "blocked":
        return False
    if card.status == "lost":
        raise ServiceError(_("This card is reported lost; it is already blocked."), code="lost")
    _set_status(card, "blocked", "card.blocked")
    return True


def report_lost(card: Card) -> bool:
    """Mark an active or blocked card lost. Returns False when it was reported lost already."""
    _refuse_if_erased(card.customer)
    _refuse_if_replaced(card)
    if card.status == "lost":
        return False
    _set_status(card, "lost", "card.lost")
    return True


def unblock(card: Card) -> bool:
    """Make a blocked or lost card (found again) active. Returns False when it was active."""
    _refuse_if_erased(card.customer)
    _refuse_if_replaced(card)
    if card.status == "active":
        return False
    _set_status(card, "active", "card.unblocked")
    return True


def replace(card: Card, row: CardRow) -> Card:
    """Give the card's customer a new card (`row`: code, number, expiry as typed).

    The new card takes over; the old one is blocked (a lost card stays "lost") and points to
    its successor, so the history shows the chain. Raises ServiceError with the field at fault.
    """
    _refuse_if_erased(card.customer)
    _refuse_if_replaced(card)
    row.id = ""
    errors = validate_card_rows([row], card.customer).get(row.index, {})
    if errors:
        name, message = next(iter(errors.items()))
        raise ServiceError(message, field=name)
    with _card_writes([row.clean_code], "code"):
        new = Card(customer=card.customer, code=row.clean_code, code_key=row.key, number=row.clean_number,
                   expires_on=row.expiry, status="active", issued_at=utcnow(), note="")
        db.session.add(new)
    before = card.status
    card.replaced_by_id = new.id
    if card.status == "active":
        card.status = "blocked"
    if card.blocked_at is None:
        card.blocked_at = utcnow()
    db.session.flush()
    audit.record("card.replaced", "card", card.id, f"{card.code} → {new.code} ({card.customer.display_name})",
                 {"status": [before, card.status], "replaced_by": [None, new.code]})
    return new


def assign(customer: Customer, code: str, number: str = "", expires_on: str = "") -> tuple[Card, bool]:
    """Put a card on a customer from the terminal or the API; (card, created).

    Idempotent: assigning a code the customer already holds returns that card, so a repeated
    scan or a retried request does not fail. A code on someone else's card raises ServiceError
    with code "card_taken"; an erased customer gets no card ("erased").
    """
    _refuse_if_erased(customer)
    held = holder_of(code)
    if held is None:
        try:
            return _add_one(customer, code, number, expires_on), True
        except ServiceError as e:
            # Another terminal may have saved this code since the look above: answer as if it
            # had been there, "card_taken" with the holder's name (or the card, if it is ours).
            if e.field != "code" or (held := holder_of(code)) is None:
                raise
    if held.customer_id == customer.id:
        return held, False
    raise ServiceError(taken_message(held), field="code", code="card_taken", details={"customer_id": held.customer_id})


def _add_one(customer: Customer, code: str, number: str, expires_on: str) -> Card:
    row = CardRow(index=0, code=code, number=number, expires_on=expires_on)
    errors = validate_card_rows([row], customer).get(0, {})
    if errors:
        name, message = next(iter(errors.items()))
        raise ServiceError(message, field=name)
    return _save_rows(customer, [row], error_field="code")[0]


# --- the cards list --------------------------------------------------------------------------

STATES = ("active", "blocked", "lost", "expired", "expiring_7", "expiring_30", "expiring_90", "expiring_month")
# No expiry means "never expires": last when the soonest come first, first the other way round.
# Each order follows an index ((tenant_id, id) or (tenant_id, expires_on)), so a page of a
# large list reads its 50 rows instead of sorting every card.
SORTS = {
    "newest": (Card.id.desc(),),
    "expires": (Card.expires_on.asc().nulls_last(), Card.id),
    "-expires": (Card.expires_on.desc().nulls_first(), Card.id.desc()),
    "code": (Card.code, Card.id),
    "customer": (Customer.sort_name, Card.id),
}


def month_end(today: date) -> date:
    nxt = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def default_sort(state: str) -> str:
    return "expires" if state.startswith("expiring") or state == "expired" else "newest"


def list_filters(q: str = "", state: str = "", today: date | None = None) -> list:
    """The WHERE conditions of the cards list (on cards only, so counting needs no join).

    `q` finds a card by its code in any reader format (canonical key), by its printed number,
    or by the start of either. "expiring_month" counts like the dashboard: active cards
    expiring from today to the month's end.
    """
    today = today or clock.today()
    conditions = []
    q = (q or "").strip()
    if q:
        prefix = _like_prefix(q)
        matches = [Card.code.ilike(prefix, escape="\\"), Card.number.ilike(prefix, escape="\\")]
        key = key_for(q)
        if key:
            matches.append(Card.code_key == key)
        conditions.append(or_(*matches))
    active = Card.status == "active"
    if state == "active":
        conditions += [active, or_(Card.expires_on.is_(None), Card.expires_on >= today)]
    elif state == "blocked":
        conditions.append(Card.status.in_(("blocked", "lost")))
    elif state == "lost":
        conditions.append(Card.status == "lost")
    elif state == "expired":
        conditions += [active, Card.expires_on < today]
    elif state.startswith("expiring_"):
        last = month_end(today) if state == "expiring_month" else today + timedelta(days=int(state.split("_")[1]))
        conditions += [active, Card.expires_on >= today, Card.expires_on <= last]
    return conditions


def list_query(q: str = "", state: str = "", sort: str = "", today: date | None = None) -> Select:
    """Cards with their customers (one joined query), filtered and sorted by allowlisted keys."""
    return (select(Card).join(Card.customer).options(contains_eager(Card.customer))
            .where(*list_filters(q, state, today)).order_by(*SORTS.get(sort, SORTS[default_sort(state)])))


def list_count(q: str = "", state: str = "", today: date | None = None) -> int:
    return db.session.scalar(select(func.count(Card.id)).where(*list_filters(q, state, today))) or 0


def _like_prefix(q: str) -> str:
    return q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# --- erasure ---------------------------------------------------------------------------------

def erase_cards(customer: Customer) -> int:
    """The cards' part of a customer's GDPR erasure (an ERASE_STEP of services/customers/gdpr.py).

    The cards stay (their history and any money records keep pointing at them) but lose their
    code, number and note for a tombstone code, and are blocked for good; their earlier audit
    entries lose the details. Returns how many cards were erased.
    """
    now = customer.erased_at or utcnow()
    cards = list(customer.cards)
    for card in cards:
        card.code = f"erased-{card.id}"
        card.code_key = "X" + card.code
        card.number = None
        card.note = ""
        if card.status != "blocked":
            card.status = "blocked"
            card.blocked_at = now
    forget_history("card", [card.id for card in cards])
    return len(cards)


register_erase_step(EraseStep("cards_blocked", erase_cards, order=100))
