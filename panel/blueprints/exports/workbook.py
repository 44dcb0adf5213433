"""The owner's export: the customer list as an Excel workbook, in the user's language.

The CSV beside it is for machines (our own import reads it back, English column names, cells
guarded against formulas with a quote). This one is for opening in Excel: headers as the
panel names the fields, card codes, phones, NIPs and postcodes as text (Excel keeps their
leading zeros and never turns them into 4.34E+06), dates as dates, consent as yes/no cells
Excel shows in its own language, and moments in the restaurant's time.

Written with openpyxl's write-only mode: each row goes to a temporary file as it is added, so
100 000 customers never sit in memory; the finished workbook is then sent in chunks.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Iterator

import pytz
from babel import Locale
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from ... import clock
from ...csvfiles import joined_codes
from ...extensions import db
from ...models import Customer, CustomerGroup
from ...models.base import aware
from ...services.imports.columns import TARGETS
from ...tenancy import tenant_scope

MIME_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BATCH = 1000
CHUNK = 64 * 1024

# (attribute, header): the customer form's fields in its order, then the record's own facts.
COLUMNS: tuple[tuple[str, object], ...] = (
    ("id", _l("Customer number")),
    *((name, TARGETS[name]) for name in ("first_name", "last_name", "company_name", "nip", "regon", "ico", "dic",
                                         "email", "phone", "street", "building", "flat", "postcode", "city",
                                         "country", "birthday", "notes", "marketing_consent")),
    ("marketing_consent_at", _l("Consent given")),
    ("is_staff", _l("Staff member")),
    ("created_at", _l("Added")),
    ("archived_at", _l("Archived")),
    ("cards", _l("Cards")),
    ("inactive_cards", _l("Blocked, lost or expired cards")),
    ("group", TARGETS["group"]),
)


def _cell(sheet, value):
    """A value as Excel should hold it. Text stays text, even when it starts with "=": an
    explicit string cell is never a formula (openpyxl would otherwise write one)."""
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"
        return cell
    return value


def group_names() -> dict[int, str]:
    """The tenant's groups by id (a handful): one query for the whole export, none per row."""
    return dict(db.session.execute(select(CustomerGroup.id, CustomerGroup.name)).all())


def _rows(stmt: Select, zone, countries: dict[str, str]) -> Iterator[list]:
    stmt = stmt.options(selectinload(Customer.cards)).execution_options(yield_per=BATCH)
    today = clock.today()
    groups = group_names()
    for partition in db.session.scalars(stmt).partitions():
        for c in partition:
            active = [card.state_on(today) == "active" for card in c.cards]
            values = {"cards": joined_codes(card.code for card, on in zip(c.cards, active) if on),
                      "inactive_cards": joined_codes(card.code for card, on in zip(c.cards, active) if not on),
                      "group": groups.get(c.group_id, "")}
            row = []
            for name, _label in COLUMNS:
                value = values[name] if name in values else getattr(c, name)
                if isinstance(value, datetime):  # Excel has no time zones: the restaurant's clock
                    value = aware(value).astimezone(zone).replace(tzinfo=None, microsecond=0)
                elif name == "country" and value:
                    value = countries.get(value, value)
                row.append(value)
            yield row


@dataclass
class Words:
    """What the workbook says, taken in the request: the streamed body runs after the request's
    teardown, when the user (and so the language) is gone."""

    title: str
    headers: list[str]
    countries: dict[str, str]
    zone: str

    @classmethod
    def now(cls) -> Words:
        return cls(title=_("Customers")[:31], headers=[str(label) for _name, label in COLUMNS],
                   countries=dict(Locale.parse(str(get_locale() or "en")).territories), zone=clock.zone_name())


def customer_workbook(stmt: Select, tenant_id: int, words: Words) -> IO[bytes]:
    """The workbook in a temporary file, at its start; the caller closes it."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=words.title)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for i, label in enumerate(words.headers, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = min(max(len(label) + 2, 12), 40)
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    with tenant_scope(tenant_id):
        for row in _rows(stmt, pytz.timezone(words.zone), words.countries):
            sheet.append([_cell(sheet, v) for v in row])
    out = tempfile.TemporaryFile()
    book.save(out)
    out.seek(0)
    return out


def chunks(stmt: Select, tenant_id: int, words: Words) -> Iterator[bytes]:
    """The response body: the workbook, built first (a zip is written whole), then sent in chunks."""
    with customer_workbook(stmt, tenant_id, words) as out:
        while chunk := out.read(CHUNK):
            yield chunk
