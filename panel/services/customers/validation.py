"""A customer's fields: checked and normalised, and the derived columns kept from them.

Text folding and phone digits are shared by the stored columns and the typed queries of the
list (services/customer_list.py), so a match never depends on how something was typed.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Mapping

from flask_babel import gettext as _

from ... import clock
from ...extensions import db
from ...models import Customer, CustomerGroup, Tenant
from ...models.base import row_id
from ...registers.identifiers import InvalidIdentifier, normalize_dic, normalize_ico, normalize_nip, normalize_regon
from ...tenancy import require_tenant_id
from .. import ServiceError

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
EDITABLE_FIELDS = TEXT_FIELDS + ("birthday", "marketing_consent", "is_staff", "group_id")
MAX_NOTES = 5000
IDENTIFIER_FIELDS = ("nip", "regon", "ico", "dic")
MAX_TYPED_ID = 30
EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
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
    values = _given_or_current(data, current)
    _check_text(values, errors)
    if not (values["first_name"] or values["last_name"] or values["company_name"]):
        errors["first_name"] = _("Enter a first or last name, or a company name.")
    country = values["country"] = values["country"].upper()
    if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
        errors["country"] = _("Choose a country from the list.")
    _check_identifiers(values, errors)
    if values["email"] and "email" not in errors:
        email = values["email"].lower()
        if not EMAIL_SHAPE.fullmatch(email):
            errors["email"] = _("Enter an e-mail address like name@example.com.")
        values["email"] = email
    _check_phone(values, errors, country)
    _check_postcode(values, errors, country)
    _check_birthday(values, errors)
    values["marketing_consent"] = _as_bool(values["marketing_consent"])
    values["is_staff"] = _as_bool(values["is_staff"])
    _check_group(values, errors, current)
    return values, errors


def _given_or_current(data: Mapping, current: Customer | None) -> dict:
    values: dict = {}
    for name in EDITABLE_FIELDS:
        if name in data:
            values[name] = data[name]
        elif current is not None:
            values[name] = getattr(current, name)
        else:
            values[name] = None if name in ("birthday", "group_id") else (
                False if name in ("marketing_consent", "is_staff") else "")
    return values


def _check_text(values: dict, errors: dict[str, str]) -> None:
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


def _check_identifiers(values: dict, errors: dict[str, str]) -> None:
    for name, normalise in (("nip", normalize_nip), ("regon", normalize_regon), ("ico", normalize_ico),
                            ("dic", normalize_dic)):
        if values[name] and name not in errors:
            try:
                values[name] = normalise(values[name])
            except InvalidIdentifier as e:
                errors[name] = _identifier_message(e.code)


def _check_phone(values: dict, errors: dict[str, str], country: str) -> None:
    values["phone_digits"] = ""
    if values["phone"] and "phone" not in errors:
        try:
            values["phone_digits"] = phone_digits(values["phone"], country or default_country())
        except InvalidPhone as e:
            errors["phone"] = (_("A phone number has digits, spaces, dashes and may start with +.")
                               if e.code == "phone_format"
                               else _("A phone number has 7 to 15 digits, with the country code."))


def _check_postcode(values: dict, errors: dict[str, str], country: str) -> None:
    postcode_rule = _POSTCODES.get(country)
    if values["postcode"] and postcode_rule and "postcode" not in errors:
        pattern, template, shape = postcode_rule
        m = pattern.fullmatch(values["postcode"])
        if m:
            values["postcode"] = template.format(*m.groups())
        else:
            errors["postcode"] = _("A postcode here looks like %(shape)s.", shape=shape)


def _check_birthday(values: dict, errors: dict[str, str]) -> None:
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


def _check_group(values: dict, errors: dict[str, str], current: Customer | None) -> None:
    """At most one group ("Należy do grupy"), one of this tenant's: empty means none."""
    raw = values["group_id"]
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        values["group_id"] = None
        return
    group_id = row_id(raw)
    values["group_id"] = group_id
    if group_id is not None and current is not None and group_id == current.group_id:
        return  # kept as it was: no need to look it up again
    group = db.session.get(CustomerGroup, group_id) if group_id is not None else None
    if group is None or group.tenant_id != require_tenant_id():
        errors["group_id"] = _("Choose a group from the list.")
