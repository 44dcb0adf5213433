"""The importer: rows to customers and cards, dry for the preview or for real in the job."""
from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Iterable, Iterator

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ... import cardcodes
from ...csvfiles import CODES_APART
from ...extensions import db
from ...models import Card, Customer, CustomerGroup, JobRun
from ...registers.identifiers import InvalidIdentifier, normalize_ico, normalize_nip
from ...tabular import Table, TableFileError, read_table
from .. import ServiceError, audit
from .. import cards as cards_service
from .. import customers as customers_service
from ..naming import name_key
from . import CHUNK, LIMITS
from .columns import MATCH_KEYS, TARGETS, Options, fold_header
from .drafts import draft_table
from .matching import Held, basics, country_names, different_name
from .results import ImportAborted, RowResult, Summary, abort_message

_YES = {"1", "true", "yes", "y", "on", "x", "tak", "t", "ano", "a", "prawda", "pravda", "✓", "✔"}
_NO = {"0", "false", "no", "n", "off", "nie", "ne", "fałsz", "nepravda", "-"}


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
        self.by: dict[str, dict[str, Held]] = {k: {} for k in MATCH_KEYS}
        self._loaded: dict[int, Held] = {}   # the tenant's customers seen so far, by id
        self._in_hand: list[Held] = []       # those whose object this chunk holds
        self._unwritten: list[tuple[RowResult, Held, list[Card]]] = []
        self.summary = Summary()
        self.writing = True       # strict mode stops writing at the first error, and keeps checking
        self._countries: dict[str, str] | None = None
        self._groups: dict[str, int] | None = None    # the tenant's groups by name key, read once
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
            self._countries = country_names()
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
        if raw.get("group"):
            self._group(raw["group"], data, errors)
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

    def _group(self, name: str, data: dict, errors: list[str]) -> None:
        """A group named in the file, matched by name ignoring case; an unknown name is the row's
        error (never a new group: a typo would otherwise hand out a group's discounts)."""
        if self._groups is None:
            self._groups = {name_key(n): gid for gid, n in db.session.execute(select(CustomerGroup.id,
                                                                                    CustomerGroup.name))}
        found = self._groups.get(name_key(name))
        if found is None:
            errors.append(_("%(field)s: there is no group “%(name)s”. Create it under Groups, or correct the file.",
                            field=TARGETS["group"], name=name))
        else:
            data["group_id"] = found

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

    def _hold(self, customer: Customer) -> Held:
        """One Held per customer, however many keys and queries find it."""
        held = self._loaded.get(customer.id)
        if held is None:
            held = self._loaded[customer.id] = Held(customer)
        elif held.obj is None:
            held.obj = customer
        self._in_hand.append(held)
        return held

    def _matches(self, keys: list[tuple[str, str]]) -> list[tuple[Held, str]]:
        found: dict[int, tuple[Held, list[str]]] = {}
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
                self._remember(Held(SimpleNamespace(id=None, **values), row=number), keys)
            return self._finish(result, errors)
        return self._finish(result, self._save(result, data, values, current, keys, codes))

    @staticmethod
    def _messages(invalid: dict[str, str]) -> list[str]:
        return [f"{TARGETS.get(name, name)}: {message}" for name, message in invalid.items()]

    def _save(self, result: RowResult, data: dict, values: dict, current: Held | None,
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
            held = Held(customer, row=result.number)
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
        current.basics = basics(customer)  # later rows of the file are compared with the new name
        self._remember(current, keys)
        return []

    def _write_chunk(self) -> None:
        """Insert the chunk's new customers and cards in one flush, then their audit entries.

        Then the chunk's customers are let go (their Held keeps id and name): the session's
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
        """Drop the customer objects looked up or loaded again; their Held keep id and name."""
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
    try:
        table = read_table(run.file_data, params["format"], encoding=params.get("encoding"),
                           delimiter=params.get("delimiter"), limits=LIMITS)
    except TableFileError as e:  # over a limit the upload could not see without reading every row
        raise ImportAborted(e.message) from e
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

