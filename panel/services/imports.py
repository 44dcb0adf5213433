"""Customer import from CSV or Excel (XLSX): reading, column mapping, preview and the import.

The flow: the upload is kept on a draft JobRun (kind "customer_import_draft", the file in
`file_data`, what was learnt about it in `params`); the user maps columns to customer fields
and chooses what to do with duplicates; the preview runs the importer on the first rows
without saving; "Start" moves the file to a `customer_import` job (panel/jobs/imports.py),
which imports every row in ONE transaction: a crash, or any row error in strict mode, leaves
nothing half-imported.

Every cell is read as text, so codes keep their leading zeros. CSV cells are strings anyway;
Excel cells that hold numbers come back as their digits ("4340757", never "4340757.0"), and a
zero-padding number format ("0000000000") is honoured. A number typed into a General cell
has lost its leading zeros inside Excel already; a column formatted as Text keeps them, which
is what the upload page tells users to do. A cell our own export guarded against formulas
("'+48 600 100 200") is read without the guard, so an export imports back as it was.

Rules about customers and cards stay in their services: rows are validated by
services/customers.py (validate) and saved by it (add_validated for a new customer, update),
and cards are added by services/cards.py (add_checked once the import has checked the code
against the tenant's cards and the file, assign for an existing customer), so an imported
customer obeys exactly the rules of the form. New customers and their cards go in a chunk
at a time: one INSERT each for CHUNK rows.
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Iterable, Iterator

from babel import Locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from .. import cardcodes
from ..csvfiles import CODES_APART, csv_unguard
from ..extensions import db
from ..models import Card, Customer, JobRun
from ..models.base import utcnow
from ..registers.identifiers import InvalidIdentifier, normalize_ico, normalize_nip
from . import ServiceError, audit
from . import cards as cards_service
from . import customers as customers_service

KIND = "customer_import"
DRAFT_KIND = "customer_import_draft"
DRAFT_TTL = timedelta(days=1)
PREVIEW_ROWS = 20
MAX_ROWS = 100_000
JOB_TIMEOUT = 3600
CHUNK = 500                 # rows whose duplicates are looked up with one query per key
MAX_REPORTED_ERRORS = 500   # kept on the run for the page; the downloadable report has all
ENCODINGS = ("utf-8", "cp1250", "iso-8859-2")
DELIMITERS = {";": _l("Semicolon ( ; )"), ",": _l("Comma ( , )"), "\t": _l("Tab")}
DUPLICATE_ACTIONS = ("skip", "update", "create")
MATCH_KEYS = ("card", "nip", "ico", "email", "phone")
# How the mapping page offers them ("Recognise them by: ...").
MATCH_LABELS = {"card": _l("card code"), "nip": _l("NIP"), "ico": _l("IČO"), "email": _l("e-mail"),
                "phone": _l("phone")}
NAME_TARGETS = ("first_name", "last_name", "full_name", "company_name")
MIME_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

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
    "card_code": ("kod karty", "numer karty", "nr karty", "karta", "karta stałego klienta", "kód karty",
                  "číslo karty", "karta zákazníka", "card", "card code", "card number", "cards", "card_code"),
}

_YES = {"1", "true", "yes", "y", "on", "x", "tak", "t", "ano", "a", "prawda", "pravda", "✓", "✔"}
_NO = {"0", "false", "no", "n", "off", "nie", "ne", "fałsz", "nepravda", "-"}


class ImportFileError(ServiceError):
    """The upload cannot be read as a table; the message says why, in the user's language."""


def fold_header(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", customers_service.fold(text))


_FOLDED_SYNONYMS = {target: {fold_header(s) for s in words} for target, words in _SYNONYMS.items()}


# --------------------------------------------------------------------------------------------
# Reading the file
# --------------------------------------------------------------------------------------------

@dataclass
class Table:
    """What a file holds: its header and its non-blank rows, every cell as text."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]   # (the row's number in the file, the header being row 1; cells)
    total: int | None                   # data rows in the file (None: not counted)
    file_format: str                    # csv | xlsx
    encoding: str | None = None
    delimiter: str | None = None


# PDF, images, compressed files: what people pick by mistake instead of their table.
_BINARY_SIGNATURES = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"{\\rtf", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")


def detect_format(filename: str, data: bytes) -> str:
    """csv or xlsx, from the content (an XLSX is a zip); old binary .xls and non-tables are refused."""
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or filename.lower().endswith(".xls"):
        raise ImportFileError(_("Old Excel files (.xls) cannot be read. In Excel choose “Save as” and "
                                "pick “Excel Workbook (.xlsx)” or “CSV”."), field="file")
    # Text has no NUL bytes (bar UTF-16, which starts with its BOM); read as cp1250, a binary
    # file would otherwise pass for a CSV and fail later as "no rows under the header".
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if data.startswith(_BINARY_SIGNATURES) or (b"\x00" in data[:4096] and not utf16):
        raise ImportFileError(_("This file type is not supported. Upload a CSV or Excel (.xlsx) file."),
                              field="file")
    return "csv"


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text and the encoding it was read with: a BOM decides, else UTF-8, else cp1250.

    Polish and Czech Excel saves "CSV" in cp1250; UTF-8 is tried first because a cp1250 file
    is almost never valid UTF-8, while every byte string decodes as cp1250 somehow.
    """
    if encoding:
        try:
            return data.decode("utf-8-sig" if encoding == "utf-8" else encoding), encoding
        except UnicodeDecodeError:
            raise ImportFileError(_("The file is not in the %(encoding)s encoding. Choose another one.",
                                    encoding=encoding), field="encoding") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1250", errors="replace"), "cp1250"


def sniff_delimiter(text: str) -> str:
    """";", "," or tab: the one that splits the first lines into the most equal-width rows."""
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[:sample.rindex("\n")]  # a cut-off last line would look inconsistent
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        rows = [r for r in itertools.islice(csv.reader(io.StringIO(sample), delimiter=delimiter), 50)
                if any(cell.strip() for cell in r)]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (sum(1 for r in rows if len(r) == width), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def cell_text(value, number_format: str | None = None) -> str:
    """An Excel cell as the text the user sees, without float artifacts."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        # A "00000"-style format shows leading zeros that the stored number does not have.
        if number_format and value >= 0 and re.fullmatch(r"0+", number_format):
            text = text.zfill(len(number_format))
        return text
    if isinstance(value, float):
        return f"{value:.15g}"  # Excel keeps 15 significant digits; more would be noise
    return str(value)


def _csv_rows(data: bytes, encoding: str | None, delimiter: str | None) -> tuple[Iterator[list[str]], str, str]:
    text, used = decode(data, encoding)
    delimiter = delimiter or sniff_delimiter(text)
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), used, delimiter


def _xlsx_rows(data: bytes) -> tuple[Iterator[list[str]], int | None]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about features it skips (data validation, missing styles); the
            # cell values, which are all we read, are unaffected.
            warnings.simplefilter("ignore", UserWarning)
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportFileError(_("This file could not be read as an Excel workbook (.xlsx). Save it again "
                                "from Excel, or as CSV."), field="file") from exc
    sheet = workbook.worksheets[0]

    def rows() -> Iterator[list[str]]:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                for row in sheet.iter_rows():
                    yield [cell_text(c.value, getattr(c, "number_format", None)) for c in row]
        finally:
            workbook.close()

    return rows(), sheet.max_row


def read_table(data: bytes, file_format: str, *, encoding: str | None = None, delimiter: str | None = None,
               limit: int | None = None) -> Table:
    """The header row and the non-blank data rows (the first `limit` of them, if given).

    Raises ImportFileError for a file that is not a table or has no rows under its header.
    """
    total: int | None = None
    if file_format == "xlsx":
        source, max_row = _xlsx_rows(data)
        used_encoding = used_delimiter = None
    else:
        try:
            source, used_encoding, used_delimiter = _csv_rows(data, encoding, delimiter)
        except csv.Error as exc:
            raise ImportFileError(_("The file is not a readable CSV table."), field="file") from exc
        max_row = None
    numbered = ((n, [csv_unguard(c.strip()).strip() for c in cells]) for n, cells in enumerate(source, start=1))
    try:
        header = next(((n, cells) for n, cells in numbered if any(cells)), None)
        if header is None:
            raise ImportFileError(_("The file is empty."), field="file")
        header_row, headers = header
        rows: list[tuple[int, list[str]]] = []
        count = 0
        for n, cells in numbered:
            if not any(cells):
                continue
            count += 1
            if limit is None or len(rows) < limit:
                rows.append((n, cells))
            elif file_format == "xlsx":
                break  # counting the rest of a big workbook is slow; its size is estimated below
        if file_format == "csv" or limit is None or len(rows) < limit:
            total = count
        elif max_row:
            total = max(max_row - header_row, len(rows))
    except csv.Error as exc:
        raise ImportFileError(_("The file is not a readable CSV table: %(problem)s", problem=str(exc)),
                              field="file") from exc
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()  # an Excel workbook read only in part is closed now, not whenever
    if not rows:
        raise ImportFileError(_("The file has no rows under its header row."), field="file")
    width = max([len(headers)] + [len(cells) for _n, cells in rows])
    headers = [h or _("Column %(letter)s", letter=column_letter(i)) for i, h in
               enumerate(headers + [""] * (width - len(headers)))]
    return Table(headers, rows, total, file_format, used_encoding, used_delimiter)


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: how spreadsheets name columns."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --------------------------------------------------------------------------------------------
# Mapping and options
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Drafts: the uploaded file between upload and start
# --------------------------------------------------------------------------------------------

def create_draft(filename: str, data: bytes, user_id: int | None) -> JobRun:
    """Read the upload, guess its mapping and keep it on a draft run. Raises ImportFileError."""
    if not data:
        raise ImportFileError(_("The file is empty."), field="file")
    file_format = detect_format(filename, data)
    table = read_table(data, file_format, limit=PREVIEW_ROWS)
    if table.total is not None and table.total > MAX_ROWS and file_format == "csv":
        raise ImportFileError(_("The file has %(n)d rows; at most %(max)d can be imported at once. Split it.",
                                n=table.total, max=MAX_ROWS), field="file")
    # Drafts nobody started are the user's uploaded personal data: they do not linger.
    db.session.execute(delete(JobRun).where(JobRun.kind == DRAFT_KIND,
                                            JobRun.created_at < utcnow() - DRAFT_TTL)
                       .execution_options(synchronize_session=False))
    options = Options(guess_mapping(table.headers))
    run = JobRun(kind=DRAFT_KIND, status="finished", progress=100, created_by_id=user_id,
                 file_name=_ascii_name(filename), file_type=MIME_TYPES[file_format], file_data=data,
                 params={"format": file_format, "encoding": table.encoding, "delimiter": table.delimiter,
                         "source": _display_name(filename), **options.to_params()})
    db.session.add(run)
    db.session.flush()
    return run


def _display_name(filename: str) -> str:
    """The upload's own name (browsers may send a path), for the pages."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:200] or "import"


def _ascii_name(filename: str) -> str:
    """A name safe in a Content-Disposition header, for the run's file."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", _display_name(filename))


def draft_table(draft: JobRun, limit: int | None = PREVIEW_ROWS) -> Table:
    params = draft.params or {}
    return read_table(draft.file_data, params["format"], encoding=params.get("encoding"),
                      delimiter=params.get("delimiter"), limit=limit)


def reread_draft(draft: JobRun, encoding: str | None, delimiter: str | None) -> Table:
    """Read the draft again with another encoding or delimiter; the mapping is guessed anew."""
    params = dict(draft.params or {})
    table = read_table(draft.file_data, params["format"], encoding=encoding or None,
                       delimiter=delimiter or None, limit=PREVIEW_ROWS)
    params.update(encoding=table.encoding, delimiter=table.delimiter, mapping=guess_mapping(table.headers))
    draft.params = params
    return table


def save_options(draft: JobRun, options: Options) -> None:
    draft.params = {**(draft.params or {}), **options.to_params(), "mapped": True}


def job_params(draft: JobRun, locale: str) -> dict:
    """What the import job needs besides the file: how to read it, the options, the language."""
    params = draft.params or {}
    keep = ("format", "encoding", "delimiter", "source", "mapping", "duplicates", "match_on", "strict")
    return {**{k: params.get(k) for k in keep}, "locale": locale, "draft_id": draft.id}


def hand_over(draft: JobRun, run: JobRun) -> None:
    """Move the uploaded file from the draft to its import run; the draft remembers the run."""
    run.file_data, run.file_name, run.file_type = draft.file_data, draft.file_name, draft.file_type
    draft.file_data = draft.file_name = None
    draft.params = {**(draft.params or {}), "started_run_id": run.id}


def column_samples(table: Table, count: int = 3) -> list[list[str]]:
    """The first few non-empty values of each column, for the mapping page."""
    samples: list[list[str]] = [[] for _h in table.headers]
    for _n, cells in table.rows:
        for i, value in enumerate(cells[:len(samples)]):
            if value and len(samples[i]) < count:
                samples[i].append(value)
    return samples


# --------------------------------------------------------------------------------------------
# Planning and importing rows
# --------------------------------------------------------------------------------------------

@dataclass
class RowResult:
    """What happens to one row: create | update | skip | error, with the values as saved."""

    number: int
    action: str
    values: dict = field(default_factory=dict)
    cards: list[str] = field(default_factory=list)
    target: str = ""            # the customer updated or skipped: "#12 Jan Kowalski" or "row 4"
    reason: str = ""
    errors: list[str] = field(default_factory=list)
    customer_id: int | None = None


@dataclass
class Summary:
    rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    cards: int = 0
    failed: int = 0
    results: list[RowResult] = field(default_factory=list)

    def count(self, result: RowResult) -> None:
        self.rows += 1
        attr = {"create": "created", "update": "updated", "skip": "skipped", "error": "failed"}[result.action]
        setattr(self, attr, getattr(self, attr) + 1)

    def sentence(self) -> str:
        """"12 customers added, 3 updated, 1 card added." (figures that are 0 are left out)."""
        parts = [ngettext("%(num)d customer added", "%(num)d customers added", self.created)]
        if self.updated:
            parts.append(ngettext("%(num)d updated", "%(num)d updated", self.updated))
        if self.skipped:
            parts.append(ngettext("%(num)d skipped as a duplicate", "%(num)d skipped as duplicates", self.skipped))
        if self.cards:
            parts.append(ngettext("%(num)d card added", "%(num)d cards added", self.cards))
        if self.failed:
            parts.append(ngettext("%(num)d row with errors not imported", "%(num)d rows with errors not imported",
                                  self.failed))
        return ", ".join(parts) + "."


class ImportAborted(ServiceError):
    """Strict mode found errors: nothing is saved. `user_message` is what the job's row shows."""

    def __init__(self, message: str):
        super().__init__(message)
        self.user_message = message


class _Held:
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
        self.basics = _basics(obj)

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


def _basics(obj) -> dict[str, str]:
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


def _country_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for locale in ("en", "pl", "cs"):
        for code, name in Locale.parse(locale).territories.items():
            if len(code) == 2 and code.isalpha():
                names.setdefault(fold_header(name), code)
    return names


class Importer:
    """Turns rows into customers. `dry=True` (the preview) decides everything and saves nothing.

    Duplicates are recognised by the chosen keys (card code, NIP, IČO, e-mail, phone) against
    the tenant's customers (erased and merged records excepted; of several with one key, the
    oldest) and against the rows before in the same file. Lookups are batched: one query per
    key for every CHUNK rows. A match whose name is clearly someone else's is refused, never
    skipped or updated: a shared family phone must not rename anybody.
    """

    def __init__(self, options: Options, *, dry: bool, tenant_country: str):
        self.options = options
        self.dry = dry
        self.country = tenant_country
        self.by: dict[str, dict[str, _Held]] = {k: {} for k in MATCH_KEYS}
        self._loaded: dict[int, _Held] = {}   # the tenant's customers seen so far, by id
        self._in_hand: list[_Held] = []       # those whose object this chunk holds
        self._unwritten: list[tuple[RowResult, _Held, list[Card]]] = []
        self.summary = Summary()
        self.writing = True       # strict mode stops writing at the first error, and keeps checking
        self._countries: dict[str, str] | None = None
        self._reader_format: str | None = None

    # -- reading a row ---------------------------------------------------------------------

    def _raw(self, cells: list[str]) -> dict[str, str]:
        raw: dict[str, str] = {}
        for target, value in zip(self.options.mapping, cells):
            if target and value:
                raw[target] = value
        full = raw.pop("full_name", "")
        if full and not (raw.get("first_name") or raw.get("last_name")):
            first, _sep, last = full.rpartition(" ")
            raw["first_name"], raw["last_name"] = (first, last) if first else (last, "")
        return raw

    def _country_code(self, value: str) -> str:
        if len(value) == 2:
            return value.upper()
        if self._countries is None:
            self._countries = _country_names()
        return self._countries.get(fold_header(value), value)

    def _data(self, raw: dict[str, str], errors: list[str]) -> dict:
        """The row as the customer service takes it."""
        data = {k: v for k, v in raw.items() if k in customers_service.EDITABLE_FIELDS}
        if "country" in data:
            data["country"] = self._country_code(data["country"])
        postcode = data.get("postcode", "")
        country = data.get("country") or self.country
        if postcode.isdigit() and len(postcode) < 5 and country in ("PL", "CZ"):
            data["postcode"] = postcode.zfill(5)  # an Excel number dropped the leading zero of 00-950
        if "marketing_consent" in data:
            token = data["marketing_consent"].strip().lower()
            if token in _YES:
                data["marketing_consent"] = True
            elif token in _NO:
                data["marketing_consent"] = False
            else:
                errors.append(_("%(field)s: write yes or no (or 1 / 0).", field=TARGETS["marketing_consent"]))
                del data["marketing_consent"]
        return data

    def _codes(self, raw: dict[str, str]) -> tuple[list[tuple[str, str]], bool]:
        """The row's card codes with their keys, and whether one is too long.

        One cell may hold several: our export writes a customer's cards comma-separated (not by
        spaces: a reader or a printed number may put spaces inside one code, "1C 78 F2 BF"). Two
        codes of one chip (decimal and hex) are one card.
        """
        codes: dict[str, str] = {}
        too_long = False
        for part in raw.get("card_code", "").split(CODES_APART):
            if not part.strip():
                continue
            try:
                code = cardcodes.clean(part)
            except cardcodes.InvalidCardCode:
                too_long = True
                continue
            key = self._card_key(code)
            if key:
                codes.setdefault(key, code)
        return [(code, key) for key, code in codes.items()], too_long

    def _keys(self, raw: dict[str, str], data: dict) -> list[tuple[str, str]]:
        """(kind, key) for each key of the row, in the order a match names them."""
        keys = [("card", key) for _code, key in self._codes(raw)[0]]
        for kind, normalise in (("nip", normalize_nip), ("ico", normalize_ico)):
            if raw.get(kind):
                try:
                    keys.append((kind, normalise(raw[kind])))
                except InvalidIdentifier:
                    pass  # validation reports it
        if raw.get("email"):
            keys.append(("email", raw["email"].strip().lower()))
        if raw.get("phone"):
            try:
                keys.append(("phone", customers_service.phone_digits(raw["phone"],
                                                                     data.get("country") or self.country)))
            except customers_service.InvalidPhone:
                pass
        return keys

    # -- finding who already holds a key ---------------------------------------------------

    def _card_key(self, code: str) -> str | None:
        """A code's key under the tenant's reader format, looked up once for the whole file."""
        if self._reader_format is None:
            self._reader_format = cards_service.reader_format()
        return cards_service.key_for(code, self._reader_format)

    def _load_all(self, rows: list[tuple[int, list[str]]]) -> None:
        """Who already holds the file's keys, for the whole file, before anything is written.

        Looked up first because the rows this transaction writes are invisible to the planner's
        statistics: looked up chunk by chunk, the lookups came to scan the import's own growing
        rows (0.2 s each, a few thousand rows in), and a big import went quadratic.
        """
        wanted: dict[str, set[str]] = {k: set() for k in MATCH_KEYS}
        # The rows are read twice (here for their keys, then to import them) rather than kept
        # parsed: a second pass costs less than holding 100 000 parsed rows.
        for _number, cells in rows:
            raw = self._raw(cells)
            if raw:
                for kind, key in self._keys(raw, self._data(raw, [])):
                    wanted[kind].add(key)
        for kind, keys in wanted.items():
            ordered = sorted(keys)
            for start in range(0, len(ordered), CHUNK):
                self._load(kind, ordered[start:start + CHUNK])
        if not self.dry:
            self._let_go()

    def _load(self, kind: str, keys: list[str]) -> None:
        """The tenant's customers holding `keys` of `kind`, in one query."""
        if kind == "card":
            for card in db.session.scalars(select(Card).options(joinedload(Card.customer))
                                           .where(Card.code_key.in_(keys))):
                self.by["card"][card.code_key] = self._hold(card.customer)
            return
        column = {"nip": Customer.nip, "ico": Customer.ico, "email": Customer.email,
                  "phone": Customer.phone_digits}[kind]
        for customer in db.session.scalars(
                select(Customer).where(column.in_(keys), Customer.erased_at.is_(None),
                                       Customer.merged_into_id.is_(None)).order_by(Customer.id)):
            self.by[kind].setdefault(getattr(customer, column.key), self._hold(customer))

    def _hold(self, customer: Customer) -> _Held:
        """One _Held per customer, however many keys and queries find it."""
        held = self._loaded.get(customer.id)
        if held is None:
            held = self._loaded[customer.id] = _Held(customer)
        elif held.obj is None:
            held.obj = customer
        self._in_hand.append(held)
        return held

    def _matches(self, keys: list[tuple[str, str]]) -> list[tuple[_Held, str]]:
        found: dict[int, tuple[_Held, list[str]]] = {}
        for kind, key in keys:
            holder = self.by[kind].get(key) if kind in self.options.match_on else None
            if holder is not None:
                shared = found.setdefault(id(holder), (holder, []))[1]
                if kind not in shared:
                    shared.append(kind)
        return [(holder, customers_service.shared_text(shared)) for holder, shared in found.values()]

    # -- deciding and applying -------------------------------------------------------------

    def run(self, rows: Iterable[tuple[int, list[str]]], progress=None) -> Summary:
        """Import (or, dry, plan) every row; `progress(done)` is called after each chunk."""
        rows = rows if isinstance(rows, list) else list(rows)
        self._load_all(rows)
        done = 0
        for chunk in _chunks(rows, CHUNK):
            for number, cells in chunk:
                raw = self._raw(cells)
                if not raw:
                    continue
                errors: list[str] = []
                data = self._data(raw, errors)
                result = self._row(number, raw, data, self._keys(raw, data), errors)
                if not self.dry:
                    result.values = {}  # shown by the preview only; a big file's rows are not kept
                self.summary.count(result)
                self.summary.results.append(result)
            if not self.dry and self.writing:
                self._write_chunk()
            done += len(chunk)
            if progress is not None:
                progress(done)
        return self.summary

    def _row(self, number: int, raw: dict, data: dict, keys: list[tuple[str, str]], errors: list[str]) -> RowResult:
        # As the file has it until it passes every check: the preview shows a skipped or a
        # refused row as typed, so the owner sees whose row it is.
        result = RowResult(number, "create", values=data)
        codes, too_long = self._codes(raw)
        result.cards = [code for code, _key in codes]
        if too_long:
            errors.append(_("%(field)s: a card code has at most %(n)d characters.",
                            field=TARGETS["card_code"], n=cardcodes.MAX_CODE_LENGTH))
        matches = self._matches(keys)
        current = None
        if len(matches) > 1:
            errors.append(_("Matches more than one customer: %(list)s.",
                            list="; ".join(f"{h.label} ({why})" for h, why in matches)))
        elif matches and self.options.duplicates != "create":
            holder, why = matches[0]
            result.target, result.reason = holder.label, why
            if different_name(raw, holder.basics):
                errors.append(_("The name differs from %(holder)s (%(why)s). Is it someone else? Correct the "
                                "file or that customer, then upload the file again.", holder=holder.label, why=why))
            if self.options.duplicates == "skip":
                # Checked as that customer with the row's values: only a clean row is a mere
                # duplicate; a mistake in it is reported (and stops a strict import).
                result.action = "skip"
                _values, invalid = customers_service.validate({**holder.basics, **data})
                return self._finish(result, errors + self._messages(invalid))
            result.action, current = "update", holder
            self._in_hand.append(holder)  # loaded again for the checks: let go with the chunk
            # Empty cells never blank what a customer already has.
        for _code, key in codes:
            card_holder = self.by["card"].get(key)
            if card_holder is not None and card_holder is not current:
                errors.append(_("%(field)s: this card already belongs to %(holder)s.",
                                field=TARGETS["card_code"], holder=card_holder.label))
        if current is None and not data.get("country"):
            data["country"] = self.country  # as the customer form does for a new customer
        values, invalid = customers_service.validate(data, current=current.customer() if current else None)
        errors += self._messages(invalid)
        if errors:
            return self._finish(result, errors)
        result.values = values
        if self.dry or not self.writing:
            if current is None:
                self._remember(_Held(SimpleNamespace(id=None, **values), row=number), keys)
            return self._finish(result, errors)
        return self._finish(result, self._save(result, data, values, current, keys, codes))

    @staticmethod
    def _messages(invalid: dict[str, str]) -> list[str]:
        return [f"{TARGETS.get(name, name)}: {message}" for name, message in invalid.items()]

    def _save(self, result: RowResult, data: dict, values: dict, current: _Held | None,
              keys: list[tuple[str, str]], codes: list[tuple[str, str]]) -> list[str]:
        """Write one row that passed every check.

        The checks above are the services' own (customers.validate, the card's holder), so a
        write fails only when someone changed the same data meanwhile (a card saved on another
        customer a second ago). That aborts the whole import: the file is one transaction, and
        no savepoints are needed (pysqlite would turn the outermost one into a commit).

        A new customer (and card) is only added here; _write_chunk() inserts the chunk's in one
        flush. An update is the customer service's, row by row.
        """
        if current is None:
            customer = customers_service.add_validated(values)
            cards = [cards_service.add_checked(customer, code, key) for code, key in codes]
            held = _Held(customer, row=result.number)
            self._unwritten.append((result, held, cards))
            self._remember(held, keys)
            return []
        customer = current.customer()
        try:
            customers_service.update(customer, data)
            added = 0
            for code, key in codes:
                if self.by["card"].get(key) is not current:
                    added += cards_service.assign(customer, code)[1]
        except ServiceError as e:
            messages = getattr(e, "errors", None) or {e.field or "": e.message}
            detail = " ".join(f"{TARGETS[n]}: {m}" if n in TARGETS else m for n, m in messages.items())
            raise ImportAborted(_("Nothing was imported: row %(n)d could not be saved (%(detail)s). "
                                  "Start the import again.", n=result.number, detail=detail)) from e
        result.customer_id = customer.id
        self.summary.cards += added
        current.basics = _basics(customer)  # later rows of the file are compared with the new name
        self._remember(current, keys)
        return []

    def _write_chunk(self) -> None:
        """Insert the chunk's new customers and cards in one flush, then their audit entries.

        Then the chunk's customers are let go (their _Held keeps id and name): the session's
        identity map holds clean objects weakly, so memory stays that of one chunk.
        """
        try:
            db.session.flush()
        except IntegrityError as e:
            raise ImportAborted(_("Nothing was imported: someone saved one of these customers or cards "
                                  "meanwhile. Start the import again.")) from e
        for result, held, cards in self._unwritten:
            customer = held.obj
            customers_service.record_created(customer)
            for card in cards:
                cards_service.record_added(card)
            self.summary.cards += len(cards)
            result.customer_id = held.id = customer.id
            held.obj = None
        self._unwritten.clear()
        self._let_go()

    def _let_go(self) -> None:
        """Drop the customer objects looked up or loaded again; their _Held keep id and name."""
        for held in self._in_hand:
            held.obj = None
        self._in_hand.clear()

    def _remember(self, holder, keys: list[tuple[str, str]]) -> None:
        """Later rows of the file match this customer (or planned customer) too."""
        for kind, key in keys:
            if kind == "card":
                self.by["card"][key] = holder
            else:
                self.by[kind].setdefault(key, holder)

    def _finish(self, result: RowResult, errors: list[str]) -> RowResult:
        if errors:
            result.action, result.errors = "error", errors
            if self.options.strict:
                self.writing = False
        return result


def _chunks(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def preview(draft: JobRun, tenant_country: str) -> tuple[Table, list[RowResult]]:
    """The first PREVIEW_ROWS rows as the import would save them; nothing is written."""
    table = draft_table(draft)
    importer = Importer(Options.from_params(draft.params or {}), dry=True, tenant_country=tenant_country)
    summary = importer.run(table.rows)
    return table, summary.results


def run_import(run: JobRun, tenant_country: str, progress=None) -> Summary:
    """Import every row of the run's file in the caller's transaction.

    Strict mode: any row error raises ImportAborted after every row was checked (nothing of the
    file is kept: the caller rolls back). Otherwise rows with errors are left out and listed.
    """
    params = run.params or {}
    table = read_table(run.file_data, params["format"], encoding=params.get("encoding"),
                       delimiter=params.get("delimiter"))
    if len(table.rows) > MAX_ROWS:
        raise ImportAborted(_("The file has %(n)d rows; at most %(max)d can be imported at once. Split it.",
                              n=len(table.rows), max=MAX_ROWS))
    if db.session.get_bind().dialect.name == "postgresql":
        # A new restaurant's tables are small when the import's first card checks its customer
        # (a foreign key): PostgreSQL caches a plan for that check which scans the table, and
        # the table then grows by the import's own, uncommitted rows, so every card scanned
        # more (100 000 rows: quadratic, the last chunks 50x slower than the first). Planned
        # afresh each time, the check looks the customer up by key. For this transaction only.
        db.session.execute(select(func.set_config("plan_cache_mode", "force_custom_plan", True)))  # SET LOCAL
    options = Options.from_params(params)
    importer = Importer(options, dry=False, tenant_country=tenant_country)
    total = len(table.rows)
    with audit.noting(_("import #%(run)d (%(file)s)", run=run.id, file=params.get("source", ""))):
        summary = importer.run(table.rows, progress=(lambda done: progress(done, total)) if progress else None)
    if summary.failed and options.strict:
        raise ImportAborted(abort_message(summary))
    audit.record("customers.imported", "job_run", run.id,
                 summary=f"{params.get('source', '')}: {summary.sentence()}",
                 changes={"created": summary.created, "updated": summary.updated, "skipped": summary.skipped,
                          "failed": summary.failed, "cards": summary.cards, "rows": summary.rows},
                 actor_user_id=run.created_by_id)
    return summary


def abort_message(summary: Summary, shown: int = 20) -> str:
    failed = [r for r in summary.results if r.action == "error"]
    lines = [ngettext("Nothing was imported: %(num)d row has errors. Fix the file and upload it again.",
                      "Nothing was imported: %(num)d rows have errors. Fix the file and upload it again.",
                      len(failed))]
    for r in failed[:shown]:
        lines.append(_("Row %(n)d: %(errors)s", n=r.number, errors=" ".join(r.errors)))
    if len(failed) > shown:
        lines.append(_("…and %(n)d more rows.", n=len(failed) - shown))
    return "\n".join(lines)


OUTCOMES = {"create": _l("added"), "update": _l("updated"), "skip": _l("skipped"), "error": _l("not imported")}


def report_rows(summary: Summary) -> Iterator[list]:
    """The per-row report offered for download after the import."""
    for r in summary.results:
        note = " ".join(r.errors) if r.errors else (f"{r.target} ({r.reason})" if r.target else "")
        yield [r.number, str(OUTCOMES[r.action]), r.customer_id or "", note]
