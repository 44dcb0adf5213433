"""What a column can become, guessed from its header, and the options of the mapping page."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...tabular import column_letter
from .. import customers as customers_service

DUPLICATE_ACTIONS = ("skip", "update", "create")
MATCH_KEYS = ("card", "nip", "ico", "email", "phone")
# How the mapping page offers them ("Recognise them by: ...").
MATCH_LABELS = {"card": _l("card code"), "nip": _l("NIP"), "ico": _l("IČO"), "email": _l("e-mail"),
                "phone": _l("phone")}
NAME_TARGETS = ("first_name", "last_name", "full_name", "company_name")

# What a column can become, in the order the mapping page lists them.
TARGETS: dict[str, object] = {
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "full_name": _l("Full name (first and last)"),
    "company_name": _l("Company"),
    "nip": _l("NIP (PL)"),
    "regon": _l("REGON (PL)"),
    "ico": _l("IČO (CZ)"),
    "dic": _l("DIČ (CZ)"),
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "street": _l("Street"),
    "building": _l("Building no."),
    "flat": _l("Flat no."),
    "postcode": _l("Postcode"),
    "city": _l("City"),
    "country": _l("Country"),
    "birthday": _l("Birthday"),
    "notes": _l("Notes"),
    "marketing_consent": _l("Agrees to receive marketing"),
    "card_code": _l("Card code"),
    "group": _l("Customer group"),
}

# Headers people write, in Polish, Czech and English (and our own export's column names),
# compared after folding: lower case, no accents, letters and digits only.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": ("imię", "imie", "jméno", "křestní jméno", "first name", "firstname", "given name",
                   "first_name"),
    "last_name": ("nazwisko", "příjmení", "last name", "lastname", "surname", "family name", "last_name"),
    "full_name": ("imię i nazwisko", "nazwisko i imię", "jméno a příjmení", "příjmení a jméno", "full name",
                  "name", "klient", "zákazník", "customer", "customer name", "osoba"),
    "company_name": ("firma", "nazwa firmy", "nazwa", "company", "company name", "company_name",
                     "společnost", "název firmy", "název", "obchodní jméno", "organizace"),
    "nip": ("nip", "numer nip", "nr nip", "nip firmy", "tax id", "tax number"),
    "regon": ("regon", "numer regon"),
    "ico": ("ičo", "ič", "ico", "identifikační číslo", "company id"),
    "dic": ("dič", "dic", "daňové identifikační číslo", "vat id", "vat number"),
    "email": ("e-mail", "email", "mail", "adres e-mail", "adres email", "e-mailová adresa", "email address"),
    "phone": ("telefon", "tel", "nr telefonu", "numer telefonu", "komórka", "telefon komórkowy", "mobil",
              "telefonní číslo", "phone", "phone number", "mobile", "mobile phone"),
    "street": ("ulica", "ulice", "street", "adres", "adresa", "address"),
    "building": ("nr domu", "numer domu", "nr budynku", "numer budynku", "číslo popisné", "číslo domu",
                 "building", "building no", "house number", "house no"),
    "flat": ("nr lokalu", "numer lokalu", "lokal", "mieszkanie", "nr mieszkania", "byt", "číslo bytu",
             "flat", "flat no", "apartment"),
    "postcode": ("kod pocztowy", "psč", "postcode", "post code", "postal code", "zip", "zip code"),
    "city": ("miasto", "miejscowość", "město", "obec", "city", "town"),
    "country": ("kraj", "państwo", "země", "stát", "country"),
    "birthday": ("data urodzenia", "urodziny", "datum narození", "narozeniny", "birthday", "date of birth",
                 "birth date"),
    "notes": ("uwagi", "notatki", "notatka", "poznámka", "poznámky", "notes", "note", "comment", "comments"),
    "marketing_consent": ("zgoda marketingowa", "zgoda na marketing", "newsletter", "souhlas s marketingem",
                          "marketingový souhlas", "marketing consent", "marketing_consent"),
    "group": ("grupa", "grupa klientów", "grupa klienta", "należy do grupy", "skupina", "skupina zákazníků",
              "patří do skupiny", "group", "customer group"),
    "card_code": ("kod karty", "numer karty", "nr karty", "karta", "karta stałego klienta", "kód karty",
                  "číslo karty", "karta zákazníka", "card", "card code", "card number", "cards", "card_code"),
}


def fold_header(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", customers_service.fold(text))


_FOLDED_SYNONYMS = {target: {fold_header(s) for s in words} for target, words in _SYNONYMS.items()}


def guess_mapping(headers: list[str]) -> list[str]:
    """A target for each column from its header ("" for none); each target is used once."""
    mapping, used = [], set()
    for header in headers:
        folded = fold_header(header)
        target = next((t for t, words in _FOLDED_SYNONYMS.items() if folded in words and t not in used), "")
        used.add(target)
        mapping.append(target)
    return mapping


@dataclass
class Options:
    """What the user chose on the mapping page."""

    mapping: list[str]                  # a target (or "") per column
    duplicates: str = "skip"            # skip | update | create
    match_on: tuple[str, ...] = MATCH_KEYS
    strict: bool = True

    def to_params(self) -> dict:
        return {"mapping": self.mapping, "duplicates": self.duplicates, "match_on": list(self.match_on),
                "strict": self.strict}

    @classmethod
    def from_params(cls, params: dict) -> Options:
        return cls(mapping=list(params.get("mapping") or []), duplicates=params.get("duplicates", "skip"),
                   match_on=tuple(params.get("match_on") or ()), strict=bool(params.get("strict", True)))


def parse_options(form, columns: int) -> tuple[Options, dict[str, str]]:
    """Options from the mapping form, and {input name: message} for what must be fixed."""
    errors: dict[str, str] = {}
    mapping = []
    for i in range(columns):
        target = form.get(f"col-{i}", "")
        mapping.append(target if target in TARGETS else "")
    seen: dict[str, int] = {}
    for i, target in enumerate(mapping):
        if not target:
            continue
        if target in seen:
            errors[f"col-{i}"] = _("“%(target)s” is already chosen for column %(letter)s.",
                                   target=TARGETS[target], letter=column_letter(seen[target]))
        seen.setdefault(target, i)
    duplicates = form.get("duplicates", "skip")
    if duplicates not in DUPLICATE_ACTIONS:
        duplicates = "skip"
    match_on = tuple(k for k in MATCH_KEYS if form.get(f"match-{k}"))
    options = Options(mapping, duplicates, match_on, strict=bool(form.get("strict")))
    if not seen:
        errors["mapping"] = _("Choose at least one column to import.")
    elif duplicates != "update" and not any(t in seen for t in NAME_TARGETS):
        errors["mapping"] = _("Choose the column with the customers' names (first or last name, full name "
                              "or company). Without one, only updating existing customers is possible.")
    if duplicates != "create" and not match_on:
        errors["match_on"] = _("Choose at least one way to recognise existing customers, or choose "
                               "“Add them anyway”.")
    return options, errors

