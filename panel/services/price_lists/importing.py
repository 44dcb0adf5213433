"""A price list's entries from a CSV or Excel file: upload, columns, preview with each row's
problems, then all rows saved in one go or none.

Reading the file is panel.tabular's (any encoding, delimiter, Excel's number cells as text);
the upload waits on a draft JobRun between the steps, as the customer import's does. A list is
small enough (MAX_ENTRIES) to be checked whole in the request: each row's own problems
(no id, a price people cannot type, an id the catalog does not know: one query per kind for
the whole file), and the list's rules (one entry per product or category) by the same
service the API uses, so a file obeys exactly the API's rules.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from ...extensions import db
from ...models import Category, JobRun, PriceList, Product
from ...models.base import utcnow
from ...tabular import Limits, Table, TableFileError, detect_format, read_table
from .. import ServiceError, audit
from ..imports.columns import fold_header
from ..imports.drafts import MIME_TYPES
from .entries import merge_entries, replace_entries
from .rules import MAX_ENTRIES, EntriesRefused, EntryInput, check_entries, parse_percent, parse_price

DRAFT_KIND = "price_list_import_draft"
DRAFT_TTL = timedelta(days=1)
LIMITS = Limits(rows=MAX_ENTRIES, columns=50)
MODES = ("merge", "replace")
TARGETS = {"product": _l("Product id (POS)"), "category": _l("Category id (POS)"),
           "price": _l("Price"), "percent": _l("Percent off")}
_SYNONYMS = {
    "product": ("product id", "product", "id produktu", "produkt", "kod produktu", "id produktu pos", "sku",
                "kod", "id produktu", "produkt id", "kód produktu", "product_id"),
    "category": ("category id", "category", "id kategorii", "kategoria", "kod kategorii", "kategorie",
                 "id kategorie", "category_id"),
    "price": ("price", "unit price", "cena", "cena jednostkowa", "cena cennikowa", "unit_price", "cena na cenniku"),
    "percent": ("percent", "percent off", "discount", "rabat", "rabat %", "procent", "sleva", "sleva %",
                "percent_off"),
}
_FOLDED = {t: {fold_header(s) for s in words} for t, words in _SYNONYMS.items()}


def guess_mapping(headers: list[str]) -> dict[str, int | None]:
    """target -> the column it comes from, guessed from the headers."""
    mapping: dict[str, int | None] = dict.fromkeys(TARGETS)
    for i, header in enumerate(headers):
        folded = fold_header(header) or ("percent" if "%" in header else "")  # "%" alone folds to nothing
        target = next((t for t, words in _FOLDED.items() if folded in words and mapping[t] is None), None)
        if target is not None:
            mapping[target] = i
    return mapping


def create_draft(price_list: PriceList, filename: str, data: bytes, user_id: int | None) -> JobRun:
    if not data:
        raise TableFileError(_("The file is empty."), field="file")
    file_format = detect_format(filename, data)
    table = read_table(data, file_format, limits=LIMITS)
    db.session.execute(delete(JobRun).where(JobRun.kind == DRAFT_KIND, JobRun.created_at < utcnow() - DRAFT_TTL)
                       .execution_options(synchronize_session=False))
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200] or "import"
    run = JobRun(kind=DRAFT_KIND, status="finished", progress=100, created_by_id=user_id,
                 file_name="price-list-import", file_type=MIME_TYPES[file_format], file_data=data,
                 params={"format": file_format, "encoding": table.encoding, "delimiter": table.delimiter,
                         "source": name, "price_list_id": price_list.id, "mode": "merge",
                         "mapping": guess_mapping(table.headers)})
    db.session.add(run)
    db.session.flush()
    return run


def draft_table(draft: JobRun) -> Table:
    params = draft.params or {}
    return read_table(draft.file_data, params["format"], encoding=params.get("encoding"),
                      delimiter=params.get("delimiter"), limits=LIMITS)


@dataclass
class RowResult:
    number: int                       # the row's number in the file
    cells: dict[str, str]
    entry: EntryInput | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class Preview:
    rows: list[RowResult]
    problems: int = 0                 # rows with a problem
    list_errors: list[str] = field(default_factory=list)  # the list's own rules (duplicates)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.list_errors


def check(draft: JobRun, currency: str) -> Preview:
    """Every row read and checked; nothing saved."""
    params = draft.params or {}
    mapping = params.get("mapping") or {}
    table = draft_table(draft)

    def cell(cells: list[str], target: str) -> str:
        index = mapping.get(target)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    rows = []
    for number, cells in table.rows:
        values = {t: cell(cells, t) for t in TARGETS}
        rows.append(_row(RowResult(number, values), currency))
    _unknown_ids(rows)
    preview = Preview(rows, problems=sum(1 for r in rows if r.errors))
    if not preview.problems:
        try:
            check_entries([r.entry for r in rows], labels=[_("row %(n)d", n=r.number) for r in rows])
        except EntriesRefused as e:
            preview.list_errors = list(dict.fromkeys(e.errors.values()))
        except ServiceError as e:
            preview.list_errors = [e.message]
    return preview


def _row(row: RowResult, currency: str) -> RowResult:
    product, category, price, percent = (row.cells[t] for t in ("product", "category", "price", "percent"))
    if product and category:
        row.errors.append(_("Give either a product id or a category id, not both."))
    elif not product and not category:
        row.errors.append(_("No product id and no category id."))
    elif product:
        try:
            row.entry = EntryInput(product=product, unit_price=parse_price(price, currency))
        except ServiceError as e:
            row.errors.append(e.message)
    else:
        try:
            row.entry = EntryInput(category=category, percent=parse_percent(percent))
        except ServiceError as e:
            row.errors.append(e.message)
    return row


def _unknown_ids(rows: list[RowResult]) -> None:
    """Mark the rows whose id the catalog does not know: one query per kind for the whole file."""
    for kind, model, message in (
            ("product", Product, lambda v: _("No product of your catalog has the id %(id)s.", id=v)),
            ("category", Category, lambda v: _("No category of your catalog has the id %(id)s.", id=v))):
        wanted = {r.cells[kind] for r in rows if r.cells[kind]}
        if not wanted:
            continue
        known = set(db.session.scalars(select(model.external_id).where(model.external_id.in_(wanted))))
        for r in rows:
            value = r.cells[kind]
            if value and value not in known and not (r.cells["product"] and r.cells["category"]):
                r.errors.append(message(value))
                r.entry = None


def apply(price_list: PriceList, draft: JobRun, currency: str) -> tuple[Preview, tuple[int, int] | None]:
    """Save every row, or none: (the preview, (added, changed)) or (the preview with its problems, None)."""
    preview = check(draft, currency)
    if not preview.ok:
        return preview, None
    entries = [r.entry for r in preview.rows]
    labels = [_("row %(n)d", n=r.number) for r in preview.rows]
    mode = (draft.params or {}).get("mode", "merge")
    if mode == "replace":
        counts = (replace_entries(price_list, entries, record=False, labels=labels), 0)
    else:
        counts = merge_entries(price_list, entries, labels=labels)
    audit.record("price_list.imported", "price_list", price_list.id,
                 _("%(name)s: %(added)d added, %(changed)d changed from %(file)s", name=price_list.name,
                   added=counts[0], changed=counts[1], file=(draft.params or {}).get("source", "")))
    db.session.delete(draft)
    return preview, counts


def set_options(draft: JobRun, form, columns: int) -> dict[str, str]:
    """The mapping and mode from the preview's form; {field: message} for what must be fixed."""
    mapping: dict[str, int | None] = {}
    errors: dict[str, str] = {}
    for target in TARGETS:
        raw = form.get(f"col-{target}", "")
        mapping[target] = int(raw) if raw.isdigit() and int(raw) < columns else None
    used = [i for i in mapping.values() if i is not None]
    if len(used) != len(set(used)):
        errors["mapping"] = _("One column is chosen for two things; choose each column once.")
    if mapping["product"] is None and mapping["category"] is None:
        errors["mapping"] = _("Choose the column with the product ids or the one with the category ids.")
    mode = form.get("mode", "merge")
    draft.params = {**(draft.params or {}), "mapping": mapping, "mode": mode if mode in MODES else "merge"}
    return errors

