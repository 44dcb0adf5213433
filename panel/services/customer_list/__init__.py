"""The customer list: filters (filters.py), live search, sorting and keyset pages, for the panel, the CSV
export and the POS search.

The search reads the derived columns services/customers/ keeps (sort_name, search_text,
phone_digits) through the indexes of models/customers.py. Everything here reads; nothing writes.
"""
from __future__ import annotations

import base64
import functools
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Boolean, Select, and_, bindparam, func, or_, select, tuple_

from ...extensions import db
from ...models import Card, Customer, CustomerGroup
from ...models.customers import display_name, tenant_like_trigrams, tenant_trigrams
from ...tenancy import require_tenant_id
from .. import cards as cards_service

# The filters are the list's public face too (views and the export call them from here).
from .filters import (  # noqa: F401
    CHOICE_FILTERS,
    COUNT_CAP,
    MAX_QUERY,
    PAGE_SIZE,
    SORTS,
    STATUSES,
    CustomerFilter,
    _collation,
    parse_filter,
    search_terms,
)


@dataclass(frozen=True)
class _Shape:
    """What the list's SQL depends on; what it runs with (the tenant, the patterns, the card's
    holder, the cursor, the sizes) is bound at execution.

    So the statements of a shape are built once per process (_statement) and then only run:
    building and keying a fresh statement cost half as much as running the rows query.
    """

    status: str
    choices: tuple[tuple[str, str], ...]   # the choice filters set, (name, value)
    sort: str
    collation: str | None
    desc: bool          # the order walked: the sort's, flipped when paging back
    bounded: bool       # starts after a cursor
    patterns: int       # LIKE patterns, bound as p0, p1, ...
    trigrams: tuple[int, ...]  # those the tenant's trigram index can find (PostgreSQL), see _indexed()
    card: bool          # a scanned card's holder, bound as holder, is ORed in
    group: str          # "" any | "none" in no group | "one": the group bound as group_id

    @property
    def searched(self) -> bool:
        return bool(self.patterns) or self.card

    @property
    def sort_column(self):
        column = SORTS[self.sort][1]
        return column.collate(self.collation) if self.collation else column

    def order(self, sort_col=None, id_col=Customer.id) -> tuple:
        sort_col = self.sort_column if sort_col is None else sort_col
        return (sort_col.desc(), id_col.desc()) if self.desc else (sort_col.asc(), id_col.asc())

    def base(self, from_cursor: bool = True) -> Select:
        """The tenant, status and choice filters and (unless told not to) the cursor; no search."""
        # The tenant condition is also added by the ORM hook; stating it keeps the count's
        # subquery scoped too and lets the planner pick the (tenant_id, ...) indexes.
        stmt = select(Customer).where(Customer.tenant_id == bindparam("tenant_id"))
        if self.status == "active":
            stmt = stmt.where(Customer.archived_at.is_(None))
        elif self.status == "archived":
            stmt = stmt.where(Customer.archived_at.is_not(None))
        for name, value in self.choices:
            stmt = CHOICE_FILTERS[name][1](stmt, value)
        if self.group == "none":
            stmt = stmt.where(Customer.group_id.is_(None))
        elif self.group == "one":
            stmt = stmt.where(Customer.group_id == bindparam("group_id", type_=Customer.group_id.type))
        if self.bounded and from_cursor:
            col = self.sort_column
            key = tuple_(col, Customer.id)
            cursor = tuple_(bindparam("key", type_=col.type), bindparam("key_id", type_=Customer.id.type))
            stmt = stmt.where(key < cursor if self.desc else key > cursor)
        return stmt

    def search(self, search_text, customer_id, indexed: tuple = ()):
        """The search as a condition on these columns (of the table, or of a subquery of it)."""
        conditions = []
        if self.patterns:
            conditions.append(and_(*indexed, *(search_text.like(bindparam(f"p{i}", type_=search_text.type), escape="\\")
                                               for i in range(self.patterns))))
        if self.card:
            conditions.append(customer_id == bindparam("holder", type_=Customer.id.type))
        return or_(*conditions)

    def narrowed(self, stmt: Select) -> Select:
        if not self.searched:
            return stmt
        # All the matches, found through the tenant's trigram entries (models/customers.py), the
        # LIKE then checks them. Where the walk found too few, matches are sparse: the index it is.
        found = tenant_trigrams(Customer.tenant_id, Customer.search_text)
        indexed = tuple(found.op("@>", return_type=Boolean)(tenant_like_trigrams(
            bindparam("tenant_id", type_=Customer.tenant_id.type), bindparam(f"p{i}", type_=Customer.search_text.type)))
                        for i in self.trigrams)
        return stmt.where(self.search(Customer.search_text, Customer.id, indexed))


@dataclass
class _Search:
    """A filter as a shape and the values its statements run with."""

    shape: _Shape
    values: dict
    card: tuple[cards_service.PosCard, cards_service.PosCustomer] | None = None


def _search(f: CustomerFilter, desc: bool | None = None, bound: tuple | None = None) -> _Search:
    patterns, card = [], None
    if f.q:
        patterns = search_terms(f.q)
        # A scanned card finds its owner. Looked up first (one unique-index probe) so the main
        # query ORs the holder's id rather than a subquery, which would keep PostgreSQL from
        # combining the indexes.
        card = cards_service.pos_scan(require_tenant_id(), cards_service.reader_format(), f.q)
    shape = _Shape(status=f.status, choices=tuple((name, getattr(f, name)) for name in CHOICE_FILTERS if getattr(f, name)),
                   sort=f.sort, collation=_collation() if SORTS[f.sort][2] else None,
                   desc=f.desc if desc is None else desc, bounded=bound is not None, patterns=len(patterns),
                   trigrams=_indexed(patterns), card=card is not None,
                   group="none" if f.group == "none" else ("one" if f.group else ""))
    values = {"tenant_id": require_tenant_id(), **{f"p{i}": p for i, p in enumerate(patterns)}}
    if shape.group == "one":
        values["group_id"] = int(f.group)
    if card is not None:
        values["holder"] = card[1].id
    if bound is not None:
        values["key"], values["key_id"] = bound
    return _Search(shape, values, card)


def _indexed(patterns: list[str]) -> tuple[int, ...]:
    """Which patterns have a trigram inside a word (3 letters or digits): those the tenant's
    trigram index finds; a pattern without one ("% ko%") would ask it for every row."""
    if db.engine.dialect.name != "postgresql":
        return ()
    return tuple(i for i, p in enumerate(patterns) if re.search(r"[^\W_]{3}", p))


def filtered_query(f: CustomerFilter) -> Select:
    """select(Customer) narrowed by `f` and ordered by its sort, then id; no limit.

    For exports, which stream it with `.execution_options(yield_per=...)`, and the terminal's
    search; page() pages the same selection. A query too short to search leaves the search out.
    """
    search = _search(f)
    shape = search.shape
    return shape.narrowed(shape.base()).order_by(*shape.order()).params(**search.values)


@dataclass(frozen=True, slots=True)
class Listed:
    """A customer as the list and the merge picker show them: the columns they read, no more.

    The list reads plain rows on the connection. Mapping 25 Customer objects with their notes
    and search text cost as much as the query itself.
    """

    id: int
    first_name: str
    last_name: str
    company_name: str
    nip: str
    ico: str
    email: str
    phone: str
    street: str
    building: str
    flat: str
    postcode: str
    city: str
    is_staff: bool
    marketing_consent: bool
    created_at: datetime
    archived_at: datetime | None
    merged_into_id: int | None
    erased_at: datetime | None
    sort_name: str
    group_id: int | None
    group_name: str | None     # joined from the customer's group: the row's badge, no query per row
    group_colour: str | None

    @property
    def display_name(self) -> str:
        return display_name(self.first_name, self.last_name, self.company_name, self.id)

    @property
    def group(self) -> cards_service.PosGroup | None:
        return cards_service.PosGroup(self.group_id, self.group_name, self.group_colour) if self.group_id else None


_groups_t = CustomerGroup.__table__
_LISTED_COLUMNS = (*(Customer.__table__.c[name] for name in Listed.__dataclass_fields__
                     if not name.startswith("group_") or name == "group_id"),
                   _groups_t.c.name.label("group_name"), _groups_t.c.colour.label("group_colour"))
_LISTED_WIDTH = len(_LISTED_COLUMNS)


@dataclass
class Page:
    customers: list[Listed]
    total: int                     # capped at COUNT_CAP + 1
    next_cursor: str | None = None
    prev_cursor: str | None = None
    card: cards_service.PosCard | None = None   # the card whose code the query was, if any
    card_holder: cards_service.PosCustomer | None = None
    short_query: bool = False      # a query was typed but nothing in it was long enough
    # Each listed customer's card codes, oldest card first: all the list shows of their cards.
    card_codes: dict[int, list[str]] = field(default_factory=dict)

    @property
    def total_capped(self) -> bool:
        return self.total > COUNT_CAP

    @property
    def count_cap(self) -> int:
        return COUNT_CAP


def _encode_cursor(value, row_id: int) -> str:
    raw = json.dumps([value, row_id], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(token: str | None, sort: str):
    """(value, id) from a cursor, or None for a missing or tampered one (then: first page)."""
    if not token:
        return None
    try:
        value, row_id = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(row_id, int) or not isinstance(value, int if sort == "created" else str):
            return None
        return value, row_id
    except (ValueError, TypeError):
        return None


def _row_key(c: Listed, sort: str):
    return {"name": c.sort_name, "company": c.company_name, "city": c.city, "created": c.id}[sort]


# How far a search walks its sort order before it gives up and sorts its matches instead.
# PostgreSQL assumes matches spread evenly along the order; searched for a city and sorted by
# city they all sit at its letter, and walking to Łódź read ~48 000 rows (95 ms). Within the walk
# the page is exact: its first matches are the first matches overall. The name, company and
# city indexes carry the search columns, so that walk stays in the index (~1.6 ms for 2 000
# rows); the date order walks the primary key, (tenant_id, id), and reads the rows.
# The name order walks too rather than leave the choice to the planner: its estimate of a
# LIKE's matches comes from a sample of all tenants' rows, so beside five other tenants 'lodz'
# sorted by name swung from this walk (376 buffers) to sorting every match (2 348).
SEARCH_WALK = 2000


def _walked_ids(shape: _Shape):
    """The page's ids among the first SEARCH_WALK rows in sort order, or fewer than a page."""
    col = shape.sort_column
    walk = (shape.base().with_only_columns(Customer.id, Customer.search_text, col.label("sort_key"))
            .order_by(*shape.order()).limit(bindparam("walk")).subquery())
    return (select(walk.c.id).where(shape.search(walk.c.search_text, walk.c.id))
            .order_by(*shape.order(walk.c.sort_key, walk.c.id)).limit(bindparam("size")).subquery())


def _sorted_matches(shape: _Shape):
    """The page's ids from all the matches, found through the search's own index, then sorted.

    Also returns how many matched: the matches are all read anyway, so on the first page the
    count comes from them rather than from a second statement.
    """
    matches = (shape.narrowed(shape.base()).with_only_columns(Customer.id, shape.sort_column.label("sort_key"))
               .cte("matches").prefix_with("MATERIALIZED", dialect="postgresql"))
    ids = select(matches.c.id).order_by(*shape.order(matches.c.sort_key, matches.c.id)).limit(bindparam("size"))
    return ids.subquery(), select(func.count()).select_from(matches).scalar_subquery()


def _listed(shape: _Shape, ids, counted=None) -> Select:
    """The rows of these ids with their card codes (a row per card, oldest first), and `counted`.

    The page's ids come first, then their rows: the sort indexes carry the search columns, so a
    search walking one reads the table for the 26 rows it shows, not for every row it passes.
    """
    return (select(*_LISTED_COLUMNS, Card.code, *([counted] if counted is not None else []))
            .join_from(Customer, ids, ids.c.id == Customer.id)
            .outerjoin(_groups_t, and_(_groups_t.c.tenant_id == Customer.tenant_id, _groups_t.c.id == Customer.group_id))
            .outerjoin(Card, and_(Card.tenant_id == Customer.tenant_id, Card.customer_id == Customer.id))
            .where(Customer.tenant_id == bindparam("tenant_id")).order_by(*shape.order(), Card.id))


@functools.lru_cache(maxsize=512)
def _statement(shape: _Shape, kind: str) -> Select:
    """The statement of this shape that does `kind`, built once; its values are bound when run."""
    if kind == "rows":      # no search: the sort order's index
        ids = shape.narrowed(shape.base()).with_only_columns(Customer.id).order_by(*shape.order())
        stmt = _listed(shape, ids.limit(bindparam("size")).subquery())
    elif kind == "walk":
        stmt = _listed(shape, _walked_ids(shape))
    elif kind == "matches":
        ids, counted = _sorted_matches(shape)
        # Past the first page the matches start at the cursor: the count must not.
        stmt = _listed(shape, ids, None if shape.bounded else counted)
    else:                   # "count", capped: the whole selection, whatever page is shown
        selection = shape.narrowed(shape.base(from_cursor=False)).with_only_columns(Customer.id).order_by(None)
        stmt = select(func.count()).select_from(selection.limit(COUNT_CAP + 1).subquery())
    # A search is planned for its own pattern, never with a prepared statement's generic plan
    # (see panel._unprepared_statements): how many rows match decides the plan.
    return stmt.execution_options(prepare=False) if shape.searched else stmt


def page(f: CustomerFilter, after: str | None = None, before: str | None = None,
         size: int = PAGE_SIZE) -> Page:
    """One page of the list, keyset-paged on (sort key, id): as fast on page 400 as on page 1.

    `after` / `before` are opaque cursors from a previous Page. The rows with their card codes
    and the capped count are Core statements on the session's connection, read as plain rows,
    so rendering the page runs no query per customer. Core skips the tenant hook: each statement
    binds the tenant itself (the base's condition, and the rows' own, which the cards join on).
    """
    after_key, before_key = _decode_cursor(after, f.sort), _decode_cursor(before, f.sort)
    backwards = before_key is not None and after_key is None
    bound = before_key if backwards else after_key
    search = _search(f, desc=f.desc != backwards, bound=bound)  # walking backwards flips the order
    shape = search.shape
    values = dict(search.values, size=size + 1, walk=SEARCH_WALK)
    conn = db.session.connection()

    def fetch(kind: str) -> tuple[list[Listed], dict[int, list[str]], int | None]:
        rows, codes, count = [], {}, None
        for row in conn.execute(_statement(shape, kind), values):
            if not rows or rows[-1].id != row[0]:
                rows.append(Listed(*row[:_LISTED_WIDTH]))
                codes[row[0]] = []
            if row[_LISTED_WIDTH] is not None:
                codes[row[0]].append(row[_LISTED_WIDTH])
            if len(row) > _LISTED_WIDTH + 1:
                count = row[-1]
        return rows, codes, count

    counted = None
    if shape.searched:
        rows, codes, _none = fetch("walk")
        if len(rows) <= size:
            rows, codes, counted = fetch("matches")
    else:
        rows, codes, _none = fetch("rows")
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        if not more:
            # Back at the start: show the true first page rather than a short one.
            return page(f, size=size)
        rows.reverse()
    has_next = more if not backwards else True
    has_prev = (after_key is not None) if not backwards else True
    if bound is None and not more:
        total = min(len(rows), COUNT_CAP + 1)  # the first page holds every match: no need to count
    elif counted is not None:
        total = min(counted, COUNT_CAP + 1)
    else:
        total = conn.execute(_statement(shape, "count"), values).scalar() or 0
    card, holder = search.card or (None, None)
    result = Page(customers=rows, total=total, card=card, card_holder=holder,
                  short_query=bool(f.q) and not shape.searched, card_codes={c.id: codes[c.id] for c in rows})
    if rows and has_next:
        result.next_cursor = _encode_cursor(_row_key(rows[-1], f.sort), rows[-1].id)
    if rows and has_prev:
        result.prev_cursor = _encode_cursor(_row_key(rows[0], f.sort), rows[0].id)
    return result
