"""Card rows: a card as typed (code, printed number, expiry) and the checks before it is saved.

The customer form's "Cards" section, the replace form, the terminal and the API all hand the
cards service rows; the blueprint parses them from form fields (blueprints/cards/forms.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ... import cardcodes, clock
from ...extensions import db
from ...models import Card, Customer
from ...models.base import row_id
from .lookup import MAX_NUMBER_LENGTH, reader_format, taken_message


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


class _Errors(dict):
    """{row index: {field: message}}, the first message per field kept."""

    def fail(self, row: CardRow, name: str, message: str) -> None:
        self.setdefault(row.index, {}).setdefault(name, message)

    def on(self, row: CardRow, name: str) -> bool:
        return name in self.get(row.index, {})


def validate_card_rows(rows: list[CardRow], customer: Customer | None = None) -> dict[int, dict[str, str]]:
    """{row index: {field: message}} for the rows that cannot be saved; {} when all can.

    Checks: a new row needs a code that fits; two rows may not hold the same card (or number);
    a code or number already on another card says whose; existing rows must be this customer's
    cards; dates must be dates. Costs at most three queries, whatever the number of rows.
    """
    errors = _Errors()
    fmt = reader_format()
    own = _own_cards(rows, customer)
    seen_keys: dict[str, CardRow] = {}
    seen_numbers: dict[str, CardRow] = {}
    for row in rows:
        if not _check_code(row, own, fmt, errors):
            continue
        if row.key and seen_keys.setdefault(row.key, row) is not row:
            errors.fail(row, "code", _("This card is already in the list above."))
        _check_number(row, seen_numbers, errors)
        _check_expiry(row, errors)
    _check_held_elsewhere(rows, customer, errors)
    return dict(sorted(errors.items()))


def _own_cards(rows: list[CardRow], customer: Customer | None) -> dict[int, Card]:
    """The customer's cards that existing rows name, by id (one query)."""
    existing_ids = [known for r in rows if r.existing and (known := row_id(r.id))]
    if not existing_ids or customer is None or customer.id is None:
        return {}
    return {c.id: c for c in db.session.scalars(
        select(Card).where(Card.id.in_(existing_ids), Card.customer_id == customer.id))}


def _check_code(row: CardRow, own: dict[int, Card], fmt: str, errors: _Errors) -> bool:
    """Fill the row's card, code and key; False when the rest of the row is not worth checking
    (an existing row whose card is no longer this customer's)."""
    if row.existing:
        card = own.get(row_id(row.id))
        if card is None:
            errors.fail(row, "code", _("This card is not one of this customer's cards any more. Reload the page."))
            return False
        row.card, row.clean_code, row.key = card, card.code, card.code_key
        return True
    try:
        row.clean_code = cardcodes.clean(row.code)
        row.key = cardcodes.lookup_key(row.clean_code, fmt)
    except cardcodes.InvalidCardCode as e:
        if e.code == cardcodes.InvalidCardCode.TOO_LONG:
            errors.fail(row, "code", _("A card code has at most %(n)d characters.", n=cardcodes.MAX_CODE_LENGTH))
        else:
            errors.fail(row, "code", _("Scan the card or type its code."))
    return True


def _check_number(row: CardRow, seen_numbers: dict[str, CardRow], errors: _Errors) -> None:
    number = row.number.strip()
    row.clean_number = number or None
    if len(number) > MAX_NUMBER_LENGTH:
        errors.fail(row, "number", _("A card number has at most %(n)d characters.", n=MAX_NUMBER_LENGTH))
    elif number and seen_numbers.setdefault(number, row) is not row:
        errors.fail(row, "number", _("This number is already in the list above."))


def _check_expiry(row: CardRow, errors: _Errors) -> None:
    try:
        row.expiry = parse_expiry(row.expires_on)
    except ValueError:
        errors.fail(row, "expires_on", _("Enter the date as YYYY-MM-DD, e.g. 2027-03-31."))
        return
    unchanged = row.card is not None and row.card.expires_on == row.expiry
    if row.expiry is not None and row.expiry < clock.today() and not unchanged:
        errors.fail(row, "expires_on", _("This date has passed; a card would be expired at once."))


def _check_held_elsewhere(rows: list[CardRow], customer: Customer | None, errors: _Errors) -> None:
    """Other cards holding these codes or numbers, in one query each."""
    new_keys = {r.key: r for r in rows if r.key and not r.existing and not errors.on(r, "code")}
    if new_keys:
        for other in db.session.scalars(
                select(Card).options(joinedload(Card.customer)).where(Card.code_key.in_(list(new_keys)))):
            row = new_keys[other.code_key]
            if customer is not None and other.customer_id == customer.id:
                errors.fail(row, "code", _("This customer already holds this card."))
            else:
                errors.fail(row, "code", taken_message(other))
    numbers = {r.clean_number: r for r in rows if r.clean_number and not errors.on(r, "number")}
    if numbers:
        for other in db.session.scalars(
                select(Card).options(joinedload(Card.customer)).where(Card.number.in_(list(numbers)))):
            row = numbers[other.number]
            if row.card is not None and row.card.id == other.id:
                continue
            errors.fail(row, "number", _("The number %(number)s is on %(name)s's card (%(code)s).",
                                         number=other.number, name=other.customer.display_name, code=other.code))
