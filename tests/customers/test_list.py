"""The customer list: search, filters, sorting, keyset pages, the htmx fragment and its query count."""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event, select, text

from panel.extensions import db
from panel.models import COUNTRIES, SORT_COLLATIONS, Customer
from panel.services import customer_list, customers
from panel.tenancy import tenant_scope
from tests.conftest import HX, as_tenant

from .factories import add_card, make_customer

VALID_NIP = "5261040828"


def ids(f: customer_list.CustomerFilter) -> set[int]:
    return {c.id for c in db.session.scalars(customer_list.filtered_query(f))}


def q(text: str, **kw) -> customer_list.CustomerFilter:
    return customer_list.CustomerFilter(q=text, **kw)


@pytest.fixture
def people(app, world_a, world_b):
    """A few customers of tenant A (and one of B with the same name, which must never show)."""
    t = world_a.tenant_id
    made = {
        "lukasz": make_customer(app, t, first_name="Łukasz", last_name="Dvořák", city="Łódź", phone="600 100 200",
                                email="lukasz@example.pl", marketing_consent=True),
        "anna": make_customer(app, t, first_name="Anna", last_name="Nowak", city="Kraków", phone="+48 501 222 333",
                              is_staff=True),
        "firma": make_customer(app, t, company_name="Pierogarnia 100% Sp. z o.o.", nip=VALID_NIP, city="Warszawa"),
        "ng": make_customer(app, t, first_name="Bao", last_name="Ng", city="Gdańsk"),
    }
    made["card"] = add_card(app, t, made["anna"], "3220338716", number="A-0042")
    make_customer(app, world_b.tenant_id, first_name="Łukasz", last_name="Dvořák", city="Łódź")
    return made


def test_search_is_accent_and_case_free(ctx, world_a, people):
    with as_tenant(world_a):
        assert ids(q("lodz")) == {people["lukasz"]}
        assert ids(q("ŁÓDŹ")) == {people["lukasz"]}
        assert ids(q("dvorak lukasz")) == {people["lukasz"]}       # every word must match
        assert ids(q("dvorak anna")) == set()
        assert ids(q("krak")) == {people["anna"]}


def test_two_letters_match_word_starts_only(ctx, world_a, people):
    with as_tenant(world_a):
        assert ids(q("ng")) == {people["ng"]}
        assert ids(q("no")) == {people["anna"]}        # Nowak
        assert ids(q("ak")) == set()                   # inside "Nowak" and "Dvořák", but no word starts so
        assert ids(q("wak")) == {people["anna"]}       # three letters match anywhere
        result = customer_list.page(q("n"))
        assert result.short_query is True


def test_digits_match_identifier_and_phone_starts(ctx, world_a, people):
    with as_tenant(world_a):
        assert ids(q("526-104")) == {people["firma"]}
        assert ids(q(VALID_NIP)) == {people["firma"]}
        assert ids(q("600 100")) == {people["lukasz"]}          # national form
        assert ids(q("+48 600 100 200")) == {people["lukasz"]}  # international form
        assert ids(q("0048501")) == {people["anna"]}
        assert ids(q("100 200")) == set()                       # a prefix, not the middle of a number
        assert customer_list.page(q("60")).short_query is True


def test_like_wildcards_are_literal(ctx, world_a, people):
    with as_tenant(world_a):
        assert ids(q("100%")) == {people["firma"]}
        assert ids(q("%%%")) == set()
        assert ids(q("a_n")) == set()


def test_email_substring(ctx, world_a, people):
    with as_tenant(world_a):
        assert ids(q("lukasz@exa")) == {people["lukasz"]}


def test_scanned_card_finds_its_owner_in_any_reader_format(ctx, world_a, people):
    with as_tenant(world_a):
        # Stored as a 10-digit little-endian decimal; a phone reads the same card as hex.
        for scanned in ("3220338716", "1C78F2BF", "1c:78:f2:bf", "A-0042"):
            result = customer_list.page(q(scanned))
            assert [c.id for c in result.customers] == [people["anna"]], scanned
            assert result.card is not None and result.card_holder.id == people["anna"]


def test_other_tenant_never_listed(ctx, world_b, people):
    with as_tenant(world_b):
        found = ids(customer_list.CustomerFilter(status="all"))
        assert len(found) == 1
        assert people["lukasz"] not in found
        assert customer_list.page(q("3220338716")).card is None   # tenant A's card
        # The list reads plain rows on the connection, past the tenant hook: its own conditions
        # must keep tenant A out of the rows and of the card codes.
        listed = customer_list.page(customer_list.CustomerFilter(status="all"))
        assert {c.id for c in listed.customers} == found
        assert listed.card_codes == {c.id: [] for c in listed.customers}


def test_one_statement_of_a_shape_serves_every_tenant_and_search(ctx, world_a, world_b, people):
    """The list's statements are built once per shape and bind the tenant and the patterns on
    each run: reused, they must still list only this tenant's matches for this query."""
    def listed(world, query):
        with as_tenant(world):
            return {c.id for c in customer_list.page(q(query)).customers}

    assert listed(world_a, "dvorak") == {people["lukasz"]}
    built = customer_list._statement.cache_info()
    b_dvorak = listed(world_b, "dvorak")
    assert len(b_dvorak) == 1 and people["lukasz"] not in b_dvorak
    assert listed(world_a, "nowak") == {people["anna"]}
    after = customer_list._statement.cache_info()
    # The same two statements (the walk, then all the matches sorted), twice more.
    assert (after.hits - built.hits, after.misses) == (4, built.misses)


def test_filters_combine(app, ctx, world_a, people):
    with as_tenant(world_a):
        everyone = {people[k] for k in ("lukasz", "anna", "firma", "ng")}
        assert ids(customer_list.CustomerFilter()) == everyone
        assert ids(customer_list.CustomerFilter(consent="yes")) == {people["lukasz"]}
        assert ids(customer_list.CustomerFilter(consent="no")) == everyone - {people["lukasz"]}
        assert ids(customer_list.CustomerFilter(staff="yes")) == {people["anna"]}
        assert ids(customer_list.CustomerFilter(card="yes")) == {people["anna"]}
        assert ids(customer_list.CustomerFilter(card="no", staff="no")) == {people["lukasz"], people["firma"], people["ng"]}
        assert ids(customer_list.CustomerFilter(card="yes", consent="yes")) == set()
        c = db.session.get(Customer, people["ng"])
        customers.archive(c)
        db.session.commit()
        assert people["ng"] not in ids(customer_list.CustomerFilter())
        assert ids(customer_list.CustomerFilter(status="archived")) == {people["ng"]}
        assert ids(customer_list.CustomerFilter(status="all")) == everyone
        assert ids(customer_list.CustomerFilter(status="archived", q="gdansk")) == {people["ng"]}


def test_parse_filter_is_an_allow_list():
    f = customer_list.parse_filter({"q": "  Łódź  ", "status": "all", "consent": "yes", "staff": "maybe",
                                "card": "no", "sort": "-city"})
    assert f == customer_list.CustomerFilter(q="Łódź", status="all", consent="yes", staff="", card="no",
                                         sort="city", desc=True)
    assert customer_list.parse_filter({"sort": "password_hash", "status": "deleted"}) == customer_list.CustomerFilter()
    assert customer_list.parse_filter({"q": "x" * 500}).q == "x" * customer_list.MAX_QUERY
    assert f.to_args() == {"q": "Łódź", "status": "all", "consent": "yes", "card": "no", "sort": "-city"}
    assert customer_list.parse_filter(f.to_args()) == f
    assert customer_list.CustomerFilter().to_args() == {}


@pytest.mark.parametrize("sort", ["name", "-name", "company", "-company", "city", "-city", "created", "-created"])
def test_keyset_pages_walk_every_row_once_in_order(app, ctx, world_a, sort):
    t = world_a.tenant_id
    cities = ["Łódź", "Lublin", "Zakopane", "Kraków", "Ełk", "Opole"]
    for i in range(23):
        # Duplicated names and cities: ties are broken by id, so pages never skip or repeat.
        make_customer(app, t, first_name=f"Osoba{i % 4}", last_name="Ćwik" if i % 2 else "Cwik",
                      company_name=f"Firma {i % 5}", city=cities[i % len(cities)])
    with as_tenant(world_a):
        f = customer_list.parse_filter({"sort": sort})
        expected = [c.id for c in db.session.scalars(customer_list.filtered_query(f))]
        seen, pages = _every_page(f, size=5)
        assert seen == expected
        assert len(seen) == 23
        assert pages[0].prev_cursor is None
        # Walking back from the last page gives the previous page exactly.
        back = customer_list.page(f, before=pages[-1].prev_cursor, size=5)
        assert [c.id for c in back.customers] == [c.id for c in pages[-2].customers]
        # Back from page two lands on the true first page.
        first = customer_list.page(f, before=pages[1].prev_cursor, size=5)
        assert [c.id for c in first.customers] == [c.id for c in pages[0].customers]
        assert first.prev_cursor is None


def _every_page(f: customer_list.CustomerFilter, size: int) -> tuple[list[int], list]:
    """Follow the next cursors from the first page: (every id in order, the pages)."""
    seen, cursor, pages = [], None, []
    while True:
        result = customer_list.page(f, after=cursor, size=size)
        pages.append(result)
        seen += [c.id for c in result.customers]
        if not result.next_cursor:
            return seen, pages
        cursor = result.next_cursor


@pytest.mark.parametrize("sort", ["name", "-name", "city", "-city", "company", "-created"])
@pytest.mark.parametrize("walk", [1000, 1])
def test_searches_page_alike_within_and_past_the_walk(app, ctx, world_a, monkeypatch, count_queries, sort, walk):
    """Searched, a page comes from a bounded walk of its order or, when the walk holds too few
    matches, from all matches sorted: the same pages, in every order."""
    monkeypatch.setattr(customer_list, "SEARCH_WALK", walk)
    t = world_a.tenant_id
    cities = ["Łódź", "Lublin", "Zakopane", "Łomża", "Ełk"]
    for i in range(20):
        make_customer(app, t, first_name=f"Osoba{i % 3}", last_name="Nowak" if i % 3 else "Kowal",
                      company_name=f"Firma {i % 4}", city=cities[i % len(cities)])
    with as_tenant(world_a):
        f = customer_list.parse_filter({"sort": sort, "q": "nowak"})
        expected = [c.id for c in db.session.scalars(customer_list.filtered_query(f))]
        seen, pages = _every_page(f, size=3)
        assert seen == expected and len(seen) == 13
        assert [p.total for p in pages] == [13] * len(pages)
        back = customer_list.page(f, before=pages[-1].prev_cursor, size=3)
        assert [c.id for c in back.customers] == [c.id for c in pages[-2].customers]
        with count_queries("FROM customers") as n:
            customer_list.page(f, size=3)
        # The walk, then the count or, past the walk, all the matches sorted, which count
        # themselves in the same statement.
        assert n() == 2


@pytest.mark.pg_only
def test_company_and_city_sort_as_people_read(app, ctx, world_a):
    t = world_a.tenant_id
    for city in ("Zakopane", "Łódź", "Lublin", "Ełk"):
        make_customer(app, t, first_name="X", city=city)
    with as_tenant(world_a):
        rows = db.session.scalars(customer_list.filtered_query(customer_list.parse_filter({"sort": "city"})))
        assert [c.city for c in rows] == ["Ełk", "Lublin", "Łódź", "Zakopane"]


def test_every_tenant_country_has_an_indexed_sort_collation():
    # A country without one would sort in the root collation, and from no index.
    assert set(COUNTRIES) <= set(SORT_COLLATIONS)


@pytest.mark.pg_only
def test_czech_city_sort_puts_ch_after_h(app, ctx, world_b):
    for city in ("Ivančice", "Cheb", "Hradec Králové", "Brno", "Chomutov"):
        make_customer(app, world_b.tenant_id, first_name="X", city=city)
    with as_tenant(world_b):
        rows = db.session.scalars(customer_list.filtered_query(customer_list.parse_filter({"sort": "city"})))
        assert [c.city for c in rows] == ["Brno", "Hradec Králové", "Cheb", "Chomutov", "Ivančice"]


@pytest.mark.pg_only
@pytest.mark.parametrize("world, sort, index", [
    ("world_a", "city", "ix_customers_tenant_city_pl"),
    ("world_a", "-company", "ix_customers_tenant_company_pl"),
    ("world_b", "company", "ix_customers_tenant_company_cz"),
    ("world_b", "-city", "ix_customers_tenant_city_cz"),
])
def test_collated_sorts_page_from_their_index(app, ctx, request, world, sort, index):
    world = request.getfixturevalue(world)
    with as_tenant(world):
        first = customer_list.page(customer_list.parse_filter({"sort": sort}), size=1)
        make_customer(app, world.tenant_id, first_name="Y", city="Łódź", company_name="Żabka")
        make_customer(app, world.tenant_id, first_name="Z", city="Cheb", company_name="Chata")
        # With a handful of rows a sort is cheapest; what matters is that the index can serve
        # the keyset ORDER BY (value COLLATE ..., id) and its cursor, so rule the others out.
        plan = _rows_plan(app, customer_list.parse_filter({"sort": sort}), ["enable_sort"], after=first.next_cursor)
    # The page's ids come from the index in order under the LIMIT; only those rows are sorted again.
    under_limit = plan.split("Limit", 1)[1]
    assert f"using {index} on customers" in under_limit and "Sort" not in under_limit, plan


@pytest.mark.pg_only
def test_a_name_ordered_search_walks_the_sort_index_alone(app, ctx, world_a, people):
    """A common surname clusters in name order: the walk to it must not visit the table per row.

    The sort index carries archived_at and search_text, and the page takes its ids first, so
    PostgreSQL can filter the walk in the index (an index-only scan).
    """
    with as_tenant(world_a):
        # The planner's choice among the walk, a bitmap and a sort depends on statistics of a
        # handful of rows; rule the other two out and check the walk never touches the table.
        plan = _rows_plan(app, q("dvor"), ["enable_bitmapscan", "enable_sort"])
    assert "Index Only Scan using ix_customers_tenant_sort_name" in plan, plan


@pytest.mark.pg_only
@pytest.mark.parametrize("query", ["dvor"])
def test_sparse_matches_come_from_the_tenants_trigram_entries(app, ctx, world_a, people, query):
    """Where the walk finds too few, every match is read: through trigram entries of this tenant
    alone ("7:dvo"), so what it costs does not grow with the tenants beside it. The index must
    serve the condition as the list writes it (with a handful of rows the planner would rather
    read them all, so everything else is ruled out)."""
    with as_tenant(world_a):
        search = customer_list._search(q(query))
        stmt = search.shape.narrowed(select(Customer.id)).params(**search.values)
        sql = str(stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
        conn = db.session.connection()
        for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
            conn.exec_driver_sql(f"SET LOCAL {setting} = off")
        plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + sql))
        found = {c.id for c in customer_list.page(q(query)).customers}
    assert "Bitmap Index Scan on ix_customers_search_tenant_trgm" in plan, plan
    assert found == ({people["lukasz"]} if query != "nowak dvorak" else set())


def test_only_patterns_with_a_trigram_inside_a_word_ask_the_index(app, ctx):
    indexed = customer_list._indexed(["%dvo%", "% ko%", "% 12%", "%a.b%", "% 581%"])
    assert indexed == ((0, 4) if db.engine.dialect.name == "postgresql" else ())


def _rows_plan(app, f: customer_list.CustomerFilter, ruled_out: list[str], after: str | None = None,
               statement: str = "LIMIT") -> str:
    """EXPLAIN of the list's rows statement for `f`, with sequential scans and `ruled_out` off."""
    seen = []

    def keep(conn, cursor, statement, params, context, executemany):
        seen.append((statement, params))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        customer_list.page(f, after=after, size=1)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    statement, params = next((st, p) for st, p in seen if "FROM customers" in st and statement in st
                             and ("count(" not in st or statement != "LIMIT"))
    conn = db.session.connection()
    for setting in ["enable_seqscan", *ruled_out]:
        conn.exec_driver_sql(f"SET LOCAL {setting} = off")
    return "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, params))


def test_tampered_cursor_shows_the_first_page(app, ctx, world_a, people):
    with as_tenant(world_a):
        first = customer_list.page(customer_list.CustomerFilter(), size=2)
        for junk in ("zzz", "W10", "WyJhIiwgImIiXQ", "eyJhIjogMX0"):
            again = customer_list.page(customer_list.CustomerFilter(), after=junk, size=2)
            assert [c.id for c in again.customers] == [c.id for c in first.customers]


def test_count_is_capped(app, ctx, world_a, monkeypatch):
    for i in range(4):
        make_customer(app, world_a.tenant_id, first_name=f"P{i}")
    monkeypatch.setattr(customer_list, "COUNT_CAP", 2)
    with as_tenant(world_a):
        result = customer_list.page(customer_list.CustomerFilter(), size=10)
    assert result.total_capped
    assert len(result.customers) == 4


# --- the view ---------------------------------------------------------------------------------

def test_list_page_and_fragment(staff_a, people):
    page = staff_a.get("/customers/?q=lodz")
    assert page.status_code == 200
    html = page.data.decode()
    assert "<html" in html and 'id="customer-q"' in html and 'value="lodz"' in html
    assert "Łukasz Dvořák" in html and "Anna" not in html

    frag = staff_a.get("/customers/?q=lodz&consent=&staff=&card=&status=active&sort=name", headers=HX)
    body = frag.data.decode()
    assert frag.status_code == 200
    assert "<html" not in body and body.lstrip().startswith('<div id="customer-table"')
    assert "Łukasz Dvořák" in body
    # A long e-mail may break before its @ and nowhere else, so the row keeps its badges in view.
    assert "lukasz<wbr>@example.pl" in body
    assert "HX-Request" in frag.headers["Vary"]
    # The address bar gets the clean URL: defaults left out.
    assert frag.headers["HX-Push-Url"] == "/customers/?q=lodz"


def test_fragment_scan_shows_card_owner(staff_a, people):
    body = staff_a.get("/customers/?q=1C78F2BF", headers=HX).data.decode()
    assert "Card 3220338716 belongs to" in body   # the code as stored
    assert f'/customers/{people["anna"]}' in body


def test_fragment_sort_and_pages_keep_filters(app, staff_a, world_a):
    for i in range(30):
        make_customer(app, world_a.tenant_id, first_name=f"Gość {i:02d}", city="Łódź" if i % 2 else "Ełk",
                      marketing_consent=True)
    body = staff_a.get("/customers/?consent=yes&sort=-city", headers=HX).data.decode()
    assert 'aria-sort="descending"' in body
    assert 'name="sort" form="customer-filters" value="-city"' in body
    next_link = body.split('rel="next" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    args = parse_qs(urlsplit(next_link).query)
    assert args["consent"] == ["yes"] and args["sort"] == ["-city"] and "after" in args
    nxt = staff_a.get(next_link, headers=HX)
    assert nxt.status_code == 200
    assert nxt.headers["HX-Push-Url"].startswith("/customers/?consent=yes&sort=-city&after=")
    first_names = set(body.split("Gość ")[1:])
    assert "rel=\"prev\"" in nxt.data.decode()
    assert first_names  # the two pages were both rendered


def test_list_fragment_query_count_does_not_grow(app, staff_a, world_a, count_queries):
    t = world_a.tenant_id

    def run() -> int:
        staff_a.get("/customers/", headers=HX)  # warm caches (templates, tenant)
        with count_queries() as n:
            resp = staff_a.get("/customers/?q=kowal", headers=HX)
            assert resp.status_code == 200
        return n()

    for i in range(3):
        cid = make_customer(app, t, first_name=f"Jan{i}", last_name="Kowalski")
        add_card(app, t, cid, f"CARD-{i}")
    small = run()
    for i in range(3, 40):
        cid = make_customer(app, t, first_name=f"Jan{i}", last_name="Kowalski")
        add_card(app, t, cid, f"CARD-{i}")
        add_card(app, t, cid, f"CARD-{i}-B")
    large = run()
    # The signed-in user with their memberships (one query), the card probe (code or printed
    # number, one query), the walk of the name order with the rows and their card codes (one
    # query): nothing per row. A walk that holds a page's matches is followed by the capped
    # count; one that holds fewer by all the matches sorted, which count themselves. The
    # listed customers' loyalty tiers: one query for the page.
    assert (small, large) == (5, 5)


def test_list_shows_two_card_codes_and_how_many_more(app, staff_a, world_a):
    cid = make_customer(app, world_a.tenant_id, first_name="Jan", last_name="Kowalski")
    for code in ("CARD-1", "CARD-2", "CARD-3"):
        add_card(app, world_a.tenant_id, cid, code)
    body = staff_a.get("/customers/", headers=HX).data.decode()
    assert "CARD-1</span>" in body and "CARD-2</span>" in body and "CARD-3" not in body
    assert ">+1</span>" in body


@pytest.mark.pg_only
def test_searches_are_planned_for_their_pattern(app, ctx, world_a, people):
    with as_tenant(world_a):
        for _ in range(8):  # more than psycopg's threshold for preparing a statement
            customer_list.page(q("lodz"), size=1)
        prepared = db.session.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
    # A generic plan would serve every pattern alike: the card probe and codes are prepared,
    # the rows and the count, which search, are not.
    assert any("FROM cards" in st for st in prepared)
    assert not [st for st in prepared if " LIKE " in st]


@pytest.mark.pg_only
def test_the_list_and_the_duplicate_check_run_outside_a_transaction(app, staff_a, people):
    statuses = []

    def seen(conn, cursor, statement, params, context, executemany):
        statuses.append(conn.connection.dbapi_connection.info.transaction_status.name)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", seen)
    try:
        assert staff_a.get("/customers/?q=lodz", headers=HX).status_code == 200
        # The duplicate warning asks on every keystroke in the NIP, e-mail and phone fields.
        assert "Łukasz" in staff_a.get("/customers/duplicates?email=lukasz@example.pl", headers=HX).text
        listed = set(statuses)
        statuses.clear()
        assert staff_a.get(f"/customers/{people['anna']}").status_code == 200
    finally:
        event.remove(engine, "after_cursor_execute", seen)
    # No BEGIN, no ROLLBACK: a rollback makes psycopg forget the prepared statements.
    assert listed == {"IDLE"}
    assert "INTRANS" in statuses  # other pages keep their one transaction


def test_count_is_exact_when_the_first_page_holds_every_match(app, ctx, world_a, count_queries):
    for i in range(3):
        make_customer(app, world_a.tenant_id, first_name=f"P{i}")
    with as_tenant(world_a):
        with count_queries() as n:
            result = customer_list.page(customer_list.CustomerFilter(), size=3)
        assert (result.total, n()) == (3, 1)  # the rows with their cards: nothing to count
        with count_queries() as n:
            result = customer_list.page(customer_list.CustomerFilter(), size=2)
        assert (result.total, n()) == (3, 2)


def test_list_shows_the_day_a_customer_was_added_on_the_restaurants_clock(app, staff_a, world_a):
    cid = make_customer(app, world_a.tenant_id, first_name="Sylwester")
    with app.app_context(), tenant_scope(world_a.tenant_id):
        db.session.get(Customer, cid).created_at = datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)
        db.session.commit()
    body = staff_a.get("/customers/", headers=HX).data.decode()
    assert ">01/01/2027</time>" in body  # 00:30 on New Year's Day in Warsaw, in English day first


def test_erased_customer_shows_its_placeholder_in_the_list(app, manager_a, world_a):
    cid = make_customer(app, world_a.tenant_id, first_name="Zofia", last_name="Zielińska")
    assert manager_a.post(f"/customers/{cid}/erase", data={"confirmation": str(cid)}).status_code == 303
    body = manager_a.get("/customers/?status=all", headers=HX).data.decode()
    assert f"Erased customer #{cid}" in body
    assert "Zielińska" not in body


def test_unicode_query_round_trips_through_the_url(staff_a, people):
    frag = staff_a.get("/customers/?q=%C5%81%C3%B3d%C5%BA", headers=HX)     # ?q=Łódź
    assert frag.headers["HX-Push-Url"] == "/customers/?q=%C5%81%C3%B3d%C5%BA"
    assert "Katarzyna" not in frag.data.decode() and "Łukasz Dvořák" in frag.data.decode()
    page = staff_a.get(frag.headers["HX-Push-Url"]).data.decode()
    assert 'value="Łódź"' in page
