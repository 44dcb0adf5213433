"""Customers: validation, derived columns, duplicates, merge, archive, erase, export.

Every rule about a customer lives here; views and jobs (import, CSV export, API) call these
functions and never write Customer columns themselves, so the derived columns (sort_name,
search_text, phone_digits) can be trusted by the list's indexes.

The list (filters, search, paging) is services/customer_list.py. Services flush and never
commit; the caller commits once.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable, Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy import update as sa_update

from ... import clock, locking
from ...extensions import db
from ...i18n import date_filter
from ...models import AuditEntry, Card, Customer, Tenant
from ...models.base import utcnow
from ...registers.identifiers import (InvalidIdentifier, normalize_dic, normalize_ico, normalize_nip,
                                     normalize_regon)
from ...tenancy import require_tenant_id
from .. import ServiceError, audit

# --------------------------------------------------------------------------------------------
# Text folding: one function for the stored haystack and for the typed query
# --------------------------------------------------------------------------------------------

# Letters that Unicode does not decompose into a base letter plus an accent.
_FOLD_EXTRA = str.maketrans({"ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ø": "o", "Ø": "o", "æ": "ae",
                             "Æ": "ae", "œ": "oe", "Œ": "oe", "ı": "i", "þ": "th", "Þ": "th"})


def fold(text: str | None) -> str:
    """Lower-case, accent-free, single-spaced: "  Łódź  Dvořák " -> "lodz dvorak".

    The stored search_text and every typed query go through this same function (the bench
    generator too), so a match never depends on how the user typed diacritics.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", text.translate(_FOLD_EXTRA))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


# --------------------------------------------------------------------------------------------
# Phones
# --------------------------------------------------------------------------------------------

# Country calling codes for the countries whose 9-digit national numbers we complete.
CALLING_CODES = {"PL": "48", "CZ": "420", "SK": "421"}
_PHONE_ALLOWED = re.compile(r"\+?[0-9][0-9 \-]*")


class InvalidPhone(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def phone_digits(raw: str, country: str) -> str:
    """The phone as international digits without "+", for matching: "+48 600 100 200" -> "48600100200".

    Kept simple on purpose:
    * "+..." and "00..." are international: the digits after the prefix are kept as they are;
    * a 9-digit number in Poland, Czechia or Slovakia (`country`, the customer's or else the
      restaurant's) gets its calling code (48 / 420 / 421) in front;
    * anything else is kept as its digits (a foreign national number we cannot place).
    Raises InvalidPhone("phone_format" | "phone_length"); "" for an empty input.
    """
    text = (raw or "").strip()
    if not text:
        return ""
    if not _PHONE_ALLOWED.fullmatch(text):
        raise InvalidPhone("phone_format")
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        intl = digits
    elif digits.startswith("00"):
        intl = digits[2:]
    elif len(digits) == 9 and country in CALLING_CODES:
        intl = CALLING_CODES[country] + digits
    else:
        intl = digits
    if not 7 <= len(intl) <= 15:  # E.164 allows at most 15 digits
        raise InvalidPhone("phone_length")
    return intl


def _national_phone(intl: str) -> str:
    """The 9-digit national form of a PL/CZ/SK number, so typing it without the prefix finds it."""
    for code in CALLING_CODES.values():
        if intl.startswith(code) and len(intl) == len(code) + 9:
            return intl[len(code):]
    return ""


def query_digits(q: str) -> str | None:
    """Digits of a query made only of digits, spaces, dashes and a leading + (or 00), else None."""
    text = q.strip()
    if not text or not _PHONE_ALLOWED.fullmatch(text):
        return None
    digits = re.sub(r"\D", "", text)
    return digits[2:] if digits.startswith("00") and not text.startswith("+") else digits


# --------------------------------------------------------------------------------------------
# Derived columns
# --------------------------------------------------------------------------------------------


def build_sort_name(c: Customer) -> str:
    """People sort by surname then first name, companies by name; folded, so "Ł" sorts with "L"."""
    if c.last_name or c.first_name:
        return fold(f"{c.last_name} {c.first_name}")[:250]
    return fold(c.company_name)[:250]


def build_search_text(c: Customer) -> str:
    """The haystack of the live search: names, company, e-mail, city, tax ids and phone.

    It starts with a space and its words are separated by single spaces, so a word-prefix
    match is always `LIKE '% word%'` (used for 2-character terms and for digits).
    """
    if c.erased_at is not None:
        return ""
    parts = [c.first_name, c.last_name, c.company_name, c.email, c.city, c.nip, c.regon, c.ico, c.dic,
             c.phone_digits, _national_phone(c.phone_digits or "")]
    words = " ".join(fold(p) for p in parts if p)
    return " " + words if words else ""


def refresh_derived(c: Customer) -> None:
    """Recompute sort_name and search_text after any change to the fields they come from."""
    c.sort_name = build_sort_name(c)
    c.search_text = build_search_text(c)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------

TEXT_FIELDS = ("first_name", "last_name", "company_name", "nip", "ico", "dic", "regon", "email", "phone",
               "street", "building", "flat", "postcode", "city", "country", "notes")
EDITABLE_FIELDS = TEXT_FIELDS + ("birthday", "marketing_consent", "is_staff")
MAX_NOTES = 5000
IDENTIFIER_FIELDS = ("nip", "regon", "ico", "dic")
MAX_TYPED_ID = 30
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_POSTCODES = {
    "PL": (re.compile(r"(\d{2})-?(\d{3})"), "{0}-{1}", "NN-NNN"),
    "CZ": (re.compile(r"(\d{3}) ?(\d{2})"), "{0} {1}", "NNN NN"),
    "SK": (re.compile(r"(\d{3}) ?(\d{2})"), "{0} {1}", "NNN NN"),
}
_DMY = re.compile(r"(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class CustomerInvalid(ServiceError):
    """The customer's data broke one or more rules; `errors` maps field -> translated message."""

    def __init__(self, errors: dict[str, str]):
        first_field, first_message = next(iter(errors.items()))
        super().__init__(first_message, field=first_field)
        self.errors = errors


def _max_length(name: str) -> int:
    return MAX_NOTES if name == "notes" else Customer.__table__.c[name].type.length


def _identifier_message(code: str) -> str:
    messages = {
        "nip_format": _("A NIP is made of digits (a PL prefix, spaces and dashes are fine)."),
        "nip_length": _("A NIP has 10 digits."),
        "nip_checksum": _("This NIP is not valid: its check digit does not match. Check it for a typo."),
        "regon_format": _("A REGON is made of digits."),
        "regon_length": _("A REGON has 9 or 14 digits."),
        "regon_checksum": _("This REGON is not valid: its check digit does not match. Check it for a typo."),
        "ico_format": _("An IČO is made of digits."),
        "ico_length": _("An IČO has at most 8 digits."),
        "ico_checksum": _("This IČO is not valid: its check digit does not match. Check it for a typo."),
        "dic_format": _("A DIČ is CZ followed by digits."),
        "dic_length": _("A DIČ is CZ followed by 8 to 10 digits."),
        "dic_checksum": _("This DIČ is not valid: its check digit does not match. Check it for a typo."),
    }
    return messages.get(code, _("This number is not valid."))


def single_line(value) -> str:
    """Trimmed, NFC (macOS sends decomposed accents), control characters and runs of spaces gone."""
    text = unicodedata.normalize("NFC", str(value or ""))
    return " ".join(_CONTROL.sub(" ", text).split())


def _parse_birthday(raw) -> date | None:
    """ISO (the date picker) or the Polish/Czech D.M.YYYY typed by hand; ValueError otherwise."""
    if raw is None or isinstance(raw, date):
        return raw
    text = str(raw).strip()
    if not text:
        return None
    m = _DMY.fullmatch(text)
    if m:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    return date.fromisoformat(text)


def _as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y")
    return bool(value)


def default_country() -> str:
    tenant = db.session.get(Tenant, require_tenant_id())
    return tenant.country if tenant else ""


def validate(data: Mapping, current: Customer | None = None) -> tuple[dict, dict[str, str]]:
    """Check and normalise a customer's fields; returns (clean values, {field: message}).

    Keys missing from `data` keep the current customer's value (or the empty default for a new
    one), so the API and the importer can send only what they change. Cross-record checks
    (duplicates) are warnings elsewhere and never block saving.
    """
    errors: dict[str, str] = {}
    values: dict = {}
    for name in EDITABLE_FIELDS:
        if name in data:
            values[name] = data[name]
        elif current is not None:
            values[name] = getattr(current, name)
        else:
            values[name] = None if name == "birthday" else (False if name in ("marketing_consent", "is_staff") else "")

    for name in TEXT_FIELDS:
        raw = values[name]
        if name == "notes":
            text = unicodedata.normalize("NFC", str(raw or "")).replace("\r\n", "\n").strip()
        else:
            text = single_line(raw)
        values[name] = text
        # Tax ids are checked after normalising ("526-104-08-28" is a 10-digit NIP).
        limit = MAX_TYPED_ID if name in IDENTIFIER_FIELDS else _max_length(name)
        if len(text) > limit:
            errors[name] = _("At most %(n)d characters.", n=limit)

    if not (values["first_name"] or values["last_name"] or values["company_name"]):
        errors["first_name"] = _("Enter a first or last name, or a company name.")

    country = values["country"].upper()
    values["country"] = country
    if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
        errors["country"] = _("Choose a country from the list.")

    for name, normalise in (("nip", normalize_nip), ("regon", normalize_regon), ("ico", normalize_ico),
                            ("dic", normalize_dic)):
        if values[name] and name not in errors:
            try:
                values[name] = normalise(values[name])
            except InvalidIdentifier as e:
                errors[name] = _identifier_message(e.code)

    if values["email"] and "email" not in errors:
        email = values["email"].lower()
        if not _EMAIL.fullmatch(email):
            errors["email"] = _("Enter an e-mail address like name@example.com.")
        values["email"] = email

    values["phone_digits"] = ""
    if values["phone"] and "phone" not in errors:
        try:
            values["phone_digits"] = phone_digits(values["phone"], country or default_country())
        except InvalidPhone as e:
            errors["phone"] = (_("A phone number has digits, spaces, dashes and may start with +.")
                               if e.code == "phone_format"
                               else _("A phone number has 7 to 15 digits, with the country code."))

    postcode_rule = _POSTCODES.get(country)
    if values["postcode"] and postcode_rule and "postcode" not in errors:
        pattern, template, shape = postcode_rule
        m = pattern.fullmatch(values["postcode"])
        if m:
            values["postcode"] = template.format(*m.groups())
        else:
            errors["postcode"] = _("A postcode here looks like %(shape)s.", shape=shape)

    try:
        birthday = _parse_birthday(values["birthday"])
    except ValueError:
        errors["birthday"] = _("Enter a date like 1990-05-31.")
        birthday = None
    else:
        if birthday is not None and birthday > clock.today():
            errors["birthday"] = _("A birthday cannot be in the future.")
        elif birthday is not None and birthday.year < 1900:
            errors["birthday"] = _("Check the year of the birthday.")
    values["birthday"] = birthday
    values["marketing_consent"] = _as_bool(values["marketing_consent"])
    values["is_staff"] = _as_bool(values["is_staff"])
    return values, errors


AUDITED_FIELDS = list(EDITABLE_FIELDS) + ["marketing_consent_at"]


def _apply(c: Customer, values: dict) -> None:
    had_consent = bool(c.marketing_consent)
    for name in EDITABLE_FIELDS:
        setattr(c, name, values[name])
    c.phone_digits = values["phone_digits"]
    # The consent's date is when it was given: ticking stamps now, unticking clears it, and an
    # unchanged tick keeps the original date.
    if values["marketing_consent"] and not had_consent:
        c.marketing_consent_at = utcnow()
    elif not values["marketing_consent"]:
        c.marketing_consent_at = None
    refresh_derived(c)


def create(data: Mapping) -> Customer:
    """Add a customer. Raises CustomerInvalid (a ServiceError) with every field's message."""
    values, errors = validate(data)
    if errors:
        raise CustomerInvalid(errors)
    c = add_validated(values)
    db.session.flush()
    record_created(c)
    return c


def add_validated(values: Mapping) -> Customer:
    """A new customer from what validate() returned, added to the session but not flushed.

    For a caller that adds many at once (the import: one INSERT for hundreds of rows) and calls
    record_created() for each after its flush. create() is this plus the validation.
    """
    c = Customer()
    _apply(c, values)
    db.session.add(c)
    return c


def record_created(c: Customer) -> None:
    """The audit entry of a new customer, once it has its id."""
    audit.record("customer.created", "customer", c.id, summary=f"#{c.id}")


def update(c: Customer, data: Mapping) -> dict:
    """Change a customer; returns {field: [old, new]} of what changed (also in the audit entry)."""
    if c.erased_at is not None:
        raise ServiceError(_("This customer's data was erased; the record cannot be edited."))
    values, errors = validate(data, current=c)
    if errors:
        raise CustomerInvalid(errors)
    before = audit.snapshot(c, AUDITED_FIELDS)
    _apply(c, values)
    changes = audit.diff(c, AUDITED_FIELDS, before)
    if changes:
        db.session.flush()
        audit.record("customer.updated", "customer", c.id, summary=f"#{c.id}", changes=changes)
    return changes


# --------------------------------------------------------------------------------------------
# Duplicates
# --------------------------------------------------------------------------------------------


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
    wanted["email"] = email.strip().lower() if _EMAIL.fullmatch(email.strip()) else ""
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


# --------------------------------------------------------------------------------------------
# Archive and restore
# --------------------------------------------------------------------------------------------


def archive(c: Customer) -> None:
    """Hide a customer from the list (restorable); their cards and history stay."""
    if c.archived_at is not None:
        raise ServiceError(_("This customer is already archived."))
    c.archived_at = utcnow()
    db.session.flush()
    audit.record("customer.archived", "customer", c.id, summary=f"#{c.id}")


def restore(c: Customer) -> None:
    if c.erased_at is not None:
        raise ServiceError(_("An erased customer cannot be restored."))
    if c.merged_into_id is not None:
        raise ServiceError(_("This customer was merged into #%(id)s and cannot be restored.", id=c.merged_into_id))
    if c.archived_at is None:
        raise ServiceError(_("This customer is not archived."))
    c.archived_at = None
    db.session.flush()
    audit.record("customer.restored", "customer", c.id, summary=f"#{c.id}")


# --------------------------------------------------------------------------------------------
# Merge
# --------------------------------------------------------------------------------------------

ADDRESS_FIELDS = ("street", "building", "flat", "postcode", "city", "country")

# Merged field by field, except the address (one address, never a street from one record and a
# city from the other), the phone (with its digits) and the consent (with its date).
MERGE_GROUPS: list[tuple[str, object, tuple[str, ...]]] = [
    ("first_name", _l("First name"), ("first_name",)),
    ("last_name", _l("Last name"), ("last_name",)),
    ("company_name", _l("Company"), ("company_name",)),
    ("nip", _l("NIP"), ("nip",)),
    ("regon", _l("REGON"), ("regon",)),
    ("ico", _l("IČO"), ("ico",)),
    ("dic", _l("DIČ"), ("dic",)),
    ("email", _l("E-mail"), ("email",)),
    ("phone", _l("Phone"), ("phone", "phone_digits")),
    ("address", _l("Address"), ADDRESS_FIELDS),
    ("birthday", _l("Birthday"), ("birthday",)),
    ("marketing_consent", _l("Marketing consent"), ("marketing_consent", "marketing_consent_at")),
    ("is_staff", _l("Staff member"), ("is_staff",)),
]


@dataclass
class MergeMove:
    """Something that belongs to a customer and moves to the survivor of a merge.

    Each later feature (wallets, points, documents, groups...) registers one with
    register_merge_move(), so merge() stays the single place that knows what moves.
    `count(other)` tells the preview how many; `move(survivor, other)` moves them, returns the number.
    """

    key: str
    label: object
    count: Callable[[Customer], int]
    move: Callable[[Customer, Customer], int]


def _count_cards(other: Customer) -> int:
    return db.session.scalar(select(func.count()).select_from(Card).where(Card.customer_id == other.id)) or 0


def _move_cards(survivor: Customer, other: Customer) -> int:
    moved = db.session.execute(
        sa_update(Card).where(Card.customer_id == other.id).values(customer_id=survivor.id)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    db.session.expire(survivor, ["cards"])
    db.session.expire(other, ["cards"])
    return moved or 0


MERGE_MOVES: list[MergeMove] = [MergeMove("cards", _l("Cards"), _count_cards, _move_cards)]


def register_merge_move(move: MergeMove) -> None:
    if any(m.key == move.key for m in MERGE_MOVES):
        raise ValueError(f"merge move {move.key!r} is registered twice")
    MERGE_MOVES.append(move)


@dataclass
class MergeField:
    key: str
    label: object
    survivor: tuple
    other: tuple
    outcome: str          # same | keep | take | conflict

    @property
    def survivor_text(self) -> str:
        return _group_text(self.key, self.survivor)

    @property
    def other_text(self) -> str:
        return _group_text(self.key, self.other)


@dataclass
class MergePlan:
    survivor: Customer
    other: Customer
    fields: list[MergeField]
    moves: list[tuple[MergeMove, int]]
    notes: str

    @property
    def conflicts(self) -> list[MergeField]:
        return [f for f in self.fields if f.outcome == "conflict"]


def _group_text(key: str, values: tuple) -> str:
    if key == "address":
        street, building, flat, postcode, city, country = values
        line1 = " ".join(p for p in (street, building + (f"/{flat}" if flat else "") if building else flat) if p)
        line2 = " ".join(p for p in (postcode, city) if p)
        return ", ".join(p for p in (line1, line2, country) if p)
    value = values[0]
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, date):
        return date_filter(value)  # as the customer page writes it: 15.08.1963, not 1963-08-15
    return value or ""


def _empty(key: str, values: tuple) -> bool:
    # Every record has a country (the restaurant's, by default): a country alone is no address.
    return not any(values[:-1] if key == "address" else values)


def _check_mergeable(survivor: Customer, other: Customer) -> None:
    if survivor.id == other.id:
        raise ServiceError(_("Choose a different customer to merge."), field="other")
    for c in (survivor, other):
        if c.erased_at is not None:
            raise ServiceError(_("%(name)s was erased and cannot be merged.", name=f"#{c.id}"), field="other")
        if c.merged_into_id is not None:
            raise ServiceError(_("#%(id)s was already merged into #%(into)s.", id=c.id, into=c.merged_into_id),
                               field="other")


def _joined_notes(survivor: Customer, other: Customer) -> str:
    return "\n\n".join(n for n in (survivor.notes, other.notes) if n)


def merge_plan(survivor: Customer, other: Customer) -> MergePlan:
    """What merging `other` into `survivor` would do, for the preview page."""
    _check_mergeable(survivor, other)
    plan_fields = []
    for key, label, cols in MERGE_GROUPS:
        mine = tuple(getattr(survivor, c) for c in cols)
        theirs = tuple(getattr(other, c) for c in cols)
        if key == "marketing_consent":  # compare the yes/no, not when it was given
            same = mine[0] == theirs[0]
        elif key == "phone":            # "600 100 200" and "+48 600 100 200" are one number
            same = mine[1] == theirs[1]
        else:
            same = mine == theirs
        if same or _empty(key, theirs):
            outcome = "same" if same else "keep"
        elif _empty(key, mine):
            outcome = "take"
        else:
            outcome = "conflict"
        plan_fields.append(MergeField(key, label, mine, theirs, outcome))
    moves = [(m, m.count(other)) for m in MERGE_MOVES]
    return MergePlan(survivor, other, plan_fields, moves, _joined_notes(survivor, other))


def merge(survivor: Customer, other: Customer, choices: Mapping[str, str] | None = None) -> dict:
    """Merge `other` into `survivor`, keeping everything of both.

    The survivor keeps its non-empty values and takes the other's where its own are empty; for
    a field where both differ, `choices[key] == "other"` takes the other's (default: keep).
    Notes are joined; everything in MERGE_MOVES moves; `other` is archived with merged_into_id
    set. Returns the figures, which also go into the audit entry.
    """
    choices = choices or {}
    # Both rows locked in id order (two merges of the same pair take them in the same order and
    # cannot deadlock) and re-read, so the check below sees a merge that committed meanwhile:
    # "A into B" and "B into A" at once would otherwise make each the other's survivor, a loop.
    locking.lock(select(Customer).where(Customer.id.in_([survivor.id, other.id])).order_by(Customer.id),
                 key_share=True)
    plan = merge_plan(survivor, other)
    before = audit.snapshot(survivor, AUDITED_FIELDS + ["phone_digits", "notes"])
    taken = []
    for f in plan.fields:
        if f.outcome == "take" or (f.outcome == "conflict" and choices.get(f.key) == "other"):
            cols = next(cols for key, _label, cols in MERGE_GROUPS if key == f.key)
            for col, value in zip(cols, f.other):
                setattr(survivor, col, value)
            taken.append(f.key)
    survivor.notes = plan.notes
    refresh_derived(survivor)
    db.session.flush()
    moved = {m.key: m.move(survivor, other) for m in MERGE_MOVES}
    other.merged_into_id = survivor.id
    other.archived_at = other.archived_at or utcnow()
    db.session.flush()
    figures = {"merged_id": other.id, "fields_taken": taken, "moved": moved}
    changes = audit.diff(survivor, AUDITED_FIELDS + ["phone_digits", "notes"], before)
    summary = f"#{other.id} → #{survivor.id}: " + ", ".join(f"{k} {v}" for k, v in moved.items())
    audit.record("customer.merged", "customer", survivor.id, summary=summary,
                 changes={**figures, "fields": changes})
    return figures


# --------------------------------------------------------------------------------------------
# GDPR: erase and export
# --------------------------------------------------------------------------------------------

# Cleared on erase: every column that can identify the person. Names get a placeholder.
PERSONAL_FIELDS = ("first_name", "company_name", "nip", "ico", "dic", "regon", "email", "phone", "phone_digits",
                   "street", "building", "flat", "postcode", "city", "country", "notes")


def erase_placeholder(c: Customer) -> str:
    return f"Erased customer #{c.id}"


def _merged_into_chain(c: Customer) -> list[Customer]:
    """`c` and every record merged into it (directly or through other merges): the same person."""
    found, frontier, seen = [c], [c.id], {c.id}
    while frontier:
        rows = [r for r in db.session.scalars(select(Customer).where(Customer.merged_into_id.in_(frontier)))
                if r.id not in seen]  # records merged into each other (a loop) end the walk
        found += rows
        seen.update(r.id for r in rows)
        frontier = [r.id for r in rows]
    return found


def erase(c: Customer, confirmation: str) -> dict:
    """Irreversibly anonymise a customer (GDPR erasure) and keep every row in place.

    `confirmation` must be the customer's number, typed by the user. The records merged into
    this one are erased too (they hold the same person's data). Cards stay (their history and
    any money records keep pointing at them) but get a tombstone code and are blocked. Earlier
    audit entries about these records lose their summaries and changed values, which held the
    personal data; who did what and when remains. Returns the figures of the new audit entry.
    """
    # Under the lock a merge into `c` has either committed (its record is in the walk below) or
    # waits and then finds `c` erased; without it a merge could slip in after the walk.
    locking.lock(select(Customer).where(Customer.id == c.id), key_share=True)
    if c.erased_at is not None:
        raise ServiceError(_("This customer's data was already erased."))
    if (confirmation or "").strip().lstrip("#") != str(c.id):
        raise ServiceError(_("Type the customer number %(id)s to confirm.", id=c.id), field="confirmation")
    now = utcnow()
    people = _merged_into_chain(c)
    card_ids = []
    for person in people:
        for name in PERSONAL_FIELDS:
            setattr(person, name, "")
        person.last_name = erase_placeholder(person)
        person.birthday = None
        person.marketing_consent = False
        person.marketing_consent_at = None
        person.is_staff = False
        person.erased_at = now
        person.archived_at = person.archived_at or now
        refresh_derived(person)
        for card in person.cards:
            card.code = f"erased-{card.id}"
            card.code_key = "X" + card.code
            card.number = None
            card.note = ""
            if card.status != "blocked":
                card.status = "blocked"
                card.blocked_at = now
            card_ids.append(card.id)
    ids = [p.id for p in people]
    db.session.execute(
        sa_update(AuditEntry)
        .where(or_(and_(AuditEntry.entity_type == "customer", AuditEntry.entity_id.in_(ids)),
                   and_(AuditEntry.entity_type == "card", AuditEntry.entity_id.in_(card_ids or [-1]))))
        .values(summary="", changes=None).execution_options(synchronize_session=False)
    )
    db.session.flush()
    figures = {"cards_blocked": len(card_ids), "merged_records_erased": len(people) - 1}
    audit.record("customer.erased", "customer", c.id, summary=f"#{c.id}", changes=figures)
    return figures


def history(c: Customer, limit: int = 200) -> list[AuditEntry]:
    """Audit entries about the customer and their cards, newest first."""
    card_ids = [card.id for card in c.cards]
    cond = and_(AuditEntry.entity_type == "customer", AuditEntry.entity_id == c.id)
    if card_ids:
        cond = or_(cond, and_(AuditEntry.entity_type == "card", AuditEntry.entity_id.in_(card_ids)))
    return list(db.session.scalars(select(AuditEntry).where(cond).order_by(AuditEntry.id.desc()).limit(limit)))


def _plain(value):
    if isinstance(value, (date, datetime)):
        return clock.iso(value)
    return value


EXPORT_FIELDS = ("id", "first_name", "last_name", "company_name", "nip", "ico", "dic", "regon", "email", "phone",
                 "phone_digits", "street", "building", "flat", "postcode", "city", "country", "birthday", "notes",
                 "marketing_consent", "marketing_consent_at", "is_staff", "created_at", "updated_at",
                 "archived_at", "erased_at", "merged_into_id")
CARD_EXPORT_FIELDS = ("id", "code", "number", "status", "expires_on", "issued_at", "blocked_at", "note",
                      "created_at", "updated_at")


def export_data(c: Customer) -> dict:
    """Everything stored about one customer, for a subject-access request; records the export."""
    data = {
        "format": "regulars.customer.v1",
        "exported_at": clock.iso(utcnow()),
        "customer": {name: _plain(getattr(c, name)) for name in EXPORT_FIELDS},
        "cards": [{**{name: _plain(getattr(card, name)) for name in CARD_EXPORT_FIELDS},
                   "state": card.state_on(clock.today())} for card in c.cards],
        "merged_records": list(db.session.scalars(
            select(Customer.id).where(Customer.merged_into_id == c.id).order_by(Customer.id))),
        "history": [{"at": _plain(e.created_at), "action": e.action, "record": f"{e.entity_type}#{e.entity_id}",
                     "by": (e.actor.email if e.actor else (f"token:{e.token.name}" if e.token else None)),
                     "summary": e.summary, "changes": audit.portable_changes(e)}
                    for e in history(c, limit=10_000)],
    }
    audit.record("customer.exported", "customer", c.id, summary=f"#{c.id}")
    return data
