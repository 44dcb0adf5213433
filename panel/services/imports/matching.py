"""Whom a row matched: customers as later rows see them, and whether a name is someone else's."""
from __future__ import annotations

import re

from babel import Locale
from flask_babel import gettext as _

from ...extensions import db
from ...models import Customer
from .. import customers as customers_service
from .columns import fold_header


class Held:
    """A customer as later rows of the file see it, under each of its keys (one object each).

    `obj` is what the row checks read: the Customer, or for a row a dry run would create, its
    values. A real import lets go of it once its chunk is written (a hundred thousand customers
    would otherwise stay in memory until the end) and keeps the id and the name; a later row
    that updates the customer loads it again.
    """

    __slots__ = ("id", "name", "row", "obj", "basics")

    def __init__(self, obj, row: int | None = None):
        self.obj, self.row = obj, row
        self.id = getattr(obj, "id", None)
        self.name = getattr(obj, "display_name", "")
        self.basics = basics(obj)

    @property
    def label(self) -> str:
        """How a message names it: a customer of this file by its row, as the preview did."""
        if self.row is not None:
            return _("row %(n)d of this file", n=self.row)
        return f"#{self.id} {self.name}"

    def customer(self):
        if self.obj is None:
            self.obj = db.session.get(Customer, self.id)
        return self.obj


def basics(obj) -> dict[str, str]:
    """What a row is compared with, and checked against when skipped, without loading it again."""
    return {name: getattr(obj, name, "") or "" for name in ("first_name", "last_name", "company_name", "country")}


# Legal forms, folded, split into words ("sp. z o.o.", "s.r.o.", "a.s."): not part of what a
# company is called. Single letters are left out anyway.
_LEGAL_FORM_WORDS = {"sp", "spol", "spolka", "zoo", "sro", "as", "sa", "sc", "sj", "ska", "vos", "ks",
                     "cywilna", "jawna", "akcyjna", "komandytowa", "komandytowo",
                     "ograniczona", "odpowiedzialnoscia", "rucenim", "omezenym", "gmbh", "ltd", "inc", "llc"}


def _name_words(text: str) -> list[str]:
    return re.findall(r"\w+", customers_service.fold(text))


def _company_key(name: str) -> str:
    return " ".join(w for w in _name_words(name) if len(w) > 1 and w not in _LEGAL_FORM_WORDS)


def different_name(row: dict, held: dict) -> bool:
    """Whether a row's name shows that the customer it matched is someone else.

    Only what tells is compared: a full person name (a first or last name alone may be a
    nickname or a new surname) by its words, so "Nowak Anna" and "Anna Nowak-Kowalska" agree,
    and a company's name without its legal form, one containing the other. Accents and case
    never count. Different only when something could be compared and nothing agreed.
    """
    agreed: list[bool] = []
    if row.get("first_name") and row.get("last_name"):
        theirs = set(_name_words(f"{held.get('first_name', '')} {held.get('last_name', '')}"))
        if theirs:
            agreed.append(bool(theirs & set(_name_words(f"{row['first_name']} {row['last_name']}"))))
    ours, theirs = _company_key(row.get("company_name", "")), _company_key(held.get("company_name", ""))
    if ours and theirs:
        agreed.append(f" {ours} " in f" {theirs} " or f" {theirs} " in f" {ours} ")
    return bool(agreed) and not any(agreed)


def country_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for locale in ("en", "pl", "cs"):
        for code, name in Locale.parse(locale).territories.items():
            if len(code) == 2 and code.isalpha():
                names.setdefault(fold_header(name), code)
    return names

