"""Fill one tenant with realistic Polish and Czech regulars and their cards, fast.

    DATABASE_URL=postgresql://postgres@127.0.0.1/regulars_bench \\
        python -m bench.generate --customers 100000 --cards 150000 --tenant-slug bench [--other-tenants 20]

Creates the tenant (with an owner login, printed at the end) when it does not exist and refuses
a tenant that already has customers: run it on a fresh database or with another --tenant-slug.
(Deleting a big tenant's rows is no shortcut: the self-referencing foreign keys of customers and
cards have no index on the referencing side, so PostgreSQL checks every deleted row by a scan.)
Rows go in with PostgreSQL COPY; the derived columns (sort_name, search_text, phone_digits)
come from the same functions the customer service uses, so searches behave as in production.
PostgreSQL only: the point is to measure the indexes the live search relies on.

--other-tenants N adds N more tenants of the same size beside it (<slug>-other-1 ...), so a
benchmark can show that one tenant's speed does not depend on how many share the database. They
are copies of the bench tenant's rows under new ids, made inside PostgreSQL (INSERT ... SELECT):
no Python per row, the time goes to the indexes. Measured on the 2-core machine while it was
busy with other work: ~48 s per tenant of 100 000 customers and 150 000 cards (5 in 242 s), so
`make bench` with 20 takes about a quarter of an hour to fill.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import time
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

from sqlalchemy import select, text

from panel import cardcodes, create_app
from panel.extensions import db
from panel.models import Tenant
from panel.services import accounts
from panel.services import customers as customer_service
from panel.tenancy import tenant_scope

# --- names and places ------------------------------------------------------------------------

PL_MEN = ["Jan", "Piotr", "Krzysztof", "Andrzej", "Tomasz", "Paweł", "Michał", "Marcin", "Łukasz", "Grzegorz",
          "Adam", "Mateusz", "Jakub", "Kamil", "Szymon", "Wojciech", "Rafał", "Dariusz", "Marek", "Zbigniew",
          "Jerzy", "Ryszard", "Bartłomiej", "Maciej", "Sebastian", "Przemysław", "Władysław", "Jarosław"]
PL_WOMEN = ["Anna", "Maria", "Katarzyna", "Małgorzata", "Agnieszka", "Barbara", "Ewa", "Krystyna", "Elżbieta",
            "Joanna", "Magdalena", "Monika", "Aleksandra", "Zofia", "Natalia", "Karolina", "Dorota", "Beata",
            "Iwona", "Jadwiga", "Halina", "Grażyna", "Żaneta", "Weronika", "Julia", "Łucja", "Bożena"]
# (masculine, feminine) surname forms
PL_SURNAMES = [("Nowak", "Nowak"), ("Kowalski", "Kowalska"), ("Wiśniewski", "Wiśniewska"), ("Wójcik", "Wójcik"),
               ("Kowalczyk", "Kowalczyk"), ("Kamiński", "Kamińska"), ("Lewandowski", "Lewandowska"),
               ("Zieliński", "Zielińska"), ("Szymański", "Szymańska"), ("Woźniak", "Woźniak"),
               ("Dąbrowski", "Dąbrowska"), ("Kozłowski", "Kozłowska"), ("Jankowski", "Jankowska"),
               ("Mazur", "Mazur"), ("Kwiatkowski", "Kwiatkowska"), ("Krawczyk", "Krawczyk"),
               ("Piotrowski", "Piotrowska"), ("Grabowski", "Grabowska"), ("Pawłowski", "Pawłowska"),
               ("Michalski", "Michalska"), ("Król", "Król"), ("Wieczorek", "Wieczorek"), ("Jabłoński", "Jabłońska"),
               ("Wróbel", "Wróbel"), ("Nowakowski", "Nowakowska"), ("Majewski", "Majewska"),
               ("Olszewski", "Olszewska"), ("Stępień", "Stępień"), ("Malinowski", "Malinowska"),
               ("Jaworski", "Jaworska"), ("Adamczyk", "Adamczyk"), ("Dudek", "Dudek"), ("Górski", "Górska"),
               ("Sikora", "Sikora"), ("Baran", "Baran"), ("Czarnecki", "Czarnecka"), ("Żak", "Żak"),
               ("Ślusarczyk", "Ślusarczyk"), ("Łuczak", "Łuczak"), ("Chmielewski", "Chmielewska")]
CZ_MEN = ["Jiří", "Jan", "Petr", "Josef", "Pavel", "Martin", "Tomáš", "Jaroslav", "Miroslav", "Zdeněk", "Václav",
          "Michal", "František", "Jakub", "Lukáš", "Antonín", "Radek", "Ondřej", "Vojtěch", "Matěj"]
CZ_WOMEN = ["Jana", "Marie", "Eva", "Hana", "Anna", "Lenka", "Kateřina", "Lucie", "Věra", "Alena", "Petra",
            "Veronika", "Jaroslava", "Tereza", "Martina", "Zuzana", "Michaela", "Ivana", "Šárka", "Božena"]
CZ_SURNAMES = [("Novák", "Nováková"), ("Svoboda", "Svobodová"), ("Novotný", "Novotná"), ("Dvořák", "Dvořáková"),
               ("Černý", "Černá"), ("Procházka", "Procházková"), ("Kučera", "Kučerová"), ("Veselý", "Veselá"),
               ("Horák", "Horáková"), ("Němec", "Němcová"), ("Marek", "Marková"), ("Pospíšil", "Pospíšilová"),
               ("Pokorný", "Pokorná"), ("Hájek", "Hájková"), ("Král", "Králová"), ("Jelínek", "Jelínková"),
               ("Růžička", "Růžičková"), ("Beneš", "Benešová"), ("Fiala", "Fialová"), ("Sedláček", "Sedláčková"),
               ("Doležal", "Doležalová"), ("Zeman", "Zemanová"), ("Kolář", "Kolářová"), ("Navrátil", "Navrátilová"),
               ("Čermák", "Čermáková"), ("Vaněk", "Vaňková"), ("Urban", "Urbanová"), ("Blažek", "Blažková")]
# (city, postcode prefix)
PL_CITIES = [("Warszawa", "00"), ("Kraków", "30"), ("Łódź", "90"), ("Wrocław", "50"), ("Poznań", "60"),
             ("Gdańsk", "80"), ("Szczecin", "70"), ("Bydgoszcz", "85"), ("Lublin", "20"), ("Białystok", "15"),
             ("Katowice", "40"), ("Gdynia", "81"), ("Częstochowa", "42"), ("Radom", "26"), ("Toruń", "87"),
             ("Rzeszów", "35"), ("Kielce", "25"), ("Gliwice", "44"), ("Olsztyn", "10"), ("Zielona Góra", "65"),
             ("Bielsko-Biała", "43"), ("Opole", "45"), ("Elbląg", "82"), ("Płock", "09"), ("Zakopane", "34")]
CZ_CITIES = [("Praha", "1"), ("Brno", "6"), ("Ostrava", "7"), ("Plzeň", "3"), ("Liberec", "4"),
             ("Olomouc", "7"), ("České Budějovice", "3"), ("Hradec Králové", "5"), ("Ústí nad Labem", "4"),
             ("Pardubice", "5"), ("Zlín", "7"), ("Jihlava", "5"), ("Karlovy Vary", "3"), ("Kladno", "2")]
PL_STREETS = ["Marszałkowska", "Piotrkowska", "Długa", "Floriańska", "Świętojańska", "Mickiewicza", "Słowackiego",
              "Kościuszki", "Żeromskiego", "Sienkiewicza", "3 Maja", "Polna", "Leśna", "Ogrodowa", "Łąkowa",
              "Krótka", "Szkolna", "Kwiatowa", "Wiśniowa", "Źródlana"]
CZ_STREETS = ["Národní", "Vodičkova", "Masarykova", "Husova", "Palackého", "Nádražní", "Komenského", "Jiráskova",
              "Smetanova", "Žižkova", "Dvořákova", "Školní", "Zahradní", "Květná"]
PL_COMPANY = ["Pierogarnia", "Piekarnia", "Kawiarnia", "Biuro Rachunkowe", "Drukarnia", "Kancelaria", "Studio",
              "Hurtownia", "Apteka", "Warsztat"]
PL_FORMS = ["Sp. z o.o.", "s.c.", "Sp. j.", "S.A.", ""]
CZ_COMPANY = ["Pekárna", "Kavárna", "Účetní kancelář", "Tiskárna", "Advokátní kancelář", "Autoservis", "Lékárna"]
CZ_FORMS = ["s.r.o.", "a.s.", "v.o.s.", ""]
DOMAINS = ["gmail.com", "wp.pl", "onet.pl", "o2.pl", "interia.pl", "seznam.cz", "email.cz", "centrum.cz", "outlook.com"]

NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)

CUSTOMER_COLUMNS = ("id", "tenant_id", "first_name", "last_name", "company_name", "nip", "ico", "dic", "regon",
                    "email", "phone", "phone_digits", "street", "building", "flat", "postcode", "city", "country",
                    "birthday", "notes", "marketing_consent", "marketing_consent_at", "is_staff", "archived_at",
                    "erased_at", "merged_into_id", "sort_name", "search_text", "created_at", "updated_at")
CARD_COLUMNS = ("tenant_id", "customer_id", "code", "code_key", "number", "expires_on", "status", "issued_at",
                "blocked_at", "replaced_by_id", "note", "created_at", "updated_at")


def valid_nip(rnd: random.Random) -> str:
    while True:
        body = str(rnd.randint(1, 9)) + "".join(str(rnd.randint(0, 9)) for _ in range(8))
        check = sum(int(d) * w for d, w in zip(body, NIP_WEIGHTS)) % 11
        if check < 10:
            return body + str(check)


def valid_ico(rnd: random.Random) -> str:
    body = "".join(str(rnd.randint(0, 9)) for _ in range(7))
    check = (11 - sum(int(d) * (8 - i) for i, d in enumerate(body)) % 11) % 10
    return body + str(check)


def person(rnd: random.Random, czech: bool) -> tuple[str, str]:
    woman = rnd.random() < 0.5
    if czech:
        first = rnd.choice(CZ_WOMEN if woman else CZ_MEN)
        last = rnd.choice(CZ_SURNAMES)[1 if woman else 0]
    else:
        first = rnd.choice(PL_WOMEN if woman else PL_MEN)
        last = rnd.choice(PL_SURNAMES)[1 if woman else 0]
    return first, last


def customer_row(rnd: random.Random, cid: int, tenant_id: int, cz_share: float, created: datetime) -> tuple:
    czech = rnd.random() < cz_share
    country = "CZ" if czech else "PL"
    first = last = company = nip = ico = dic = ""
    if rnd.random() < 0.15:
        kinds, forms = (CZ_COMPANY, CZ_FORMS) if czech else (PL_COMPANY, PL_FORMS)
        owner = person(rnd, czech)[1]
        company = " ".join(p for p in (rnd.choice(kinds), owner, rnd.choice(forms)) if p)
        if czech:
            ico = valid_ico(rnd)
            dic = "CZ" + ico if rnd.random() < 0.7 else ""
        else:
            nip = valid_nip(rnd)
        if rnd.random() < 0.3:
            first, last = person(rnd, czech)
    else:
        first, last = person(rnd, czech)
    city, prefix = rnd.choice(CZ_CITIES if czech else PL_CITIES)
    postcode = (f"{prefix}{rnd.randint(0, 99):02d} {rnd.randint(0, 99):02d}" if czech
                else f"{prefix}-{rnd.randint(0, 999):03d}")
    street = rnd.choice(CZ_STREETS if czech else PL_STREETS)
    local = customer_service.fold(f"{first}.{last}" if first else company.split()[0]).replace(" ", "")
    email = f"{local}{rnd.randint(1, 999)}@{rnd.choice(DOMAINS)}" if rnd.random() < 0.7 else ""
    phone = phone_digits = ""
    if rnd.random() < 0.85:
        national = f"{rnd.choice('5678' if not czech else '67')}{rnd.randint(0, 99999999):08d}"
        phone = (f"+420 {national[:3]} {national[3:6]} {national[6:]}" if czech
                 else f"{national[:3]} {national[3:6]} {national[6:]}")
        phone_digits = customer_service.phone_digits(phone, country)
    consent = rnd.random() < 0.4
    birthday = (date(1950, 1, 1) + timedelta(days=rnd.randint(0, 20000))) if first and rnd.random() < 0.5 else None
    fake = SimpleNamespace(first_name=first, last_name=last, company_name=company, email=email, city=city, nip=nip,
                           regon="", ico=ico, dic=dic, phone_digits=phone_digits, erased_at=None)
    return (cid, tenant_id, first, last, company, nip, ico, dic, "", email, phone, phone_digits, street,
            str(rnd.randint(1, 150)), str(rnd.randint(1, 60)) if rnd.random() < 0.5 else "", postcode, city, country,
            birthday, "", consent, created if consent else None, rnd.random() < 0.01,
            created + timedelta(days=30) if rnd.random() < 0.05 else None, None, None,
            customer_service.build_sort_name(fake), customer_service.build_search_text(fake), created, created)


def card_code(rnd: random.Random) -> str:
    """A 4-byte UID as wedge readers type it: 10-digit decimal, or 8 hex digits (a phone, a hex reader)."""
    uid = rnd.getrandbits(32)
    return f"{uid:010d}" if rnd.random() < 0.6 else f"{uid:08X}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--cards", type=int, default=150_000)
    parser.add_argument("--tenant-slug", default="bench")
    parser.add_argument("--password", default="bench-password-2026", help="the owner's password (new tenant)")
    parser.add_argument("--cz-share", type=float, default=0.3, help="share of Czech customers (0..1)")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--other-tenants", type=int, default=0, metavar="N",
                        help="N more tenants of the same size beside it, copies of its rows")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,49}", args.tenant_slug):
        parser.error("--tenant-slug: lower-case letters, digits and dashes")

    app = create_app()
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            print("bench.generate needs PostgreSQL: set DATABASE_URL=postgresql://...", file=sys.stderr)
            return 2
        tenant = db.session.scalar(select(Tenant).where(Tenant.slug == args.tenant_slug))
        owner_email = f"owner@{args.tenant_slug}.bench"
        if tenant is None:
            tenant, _owner = accounts.create_tenant(
                args.tenant_slug, country="PL", currency="PLN", locale="pl", owner_email=owner_email,
                owner_password=args.password, owner_name="Bench Owner")
            db.session.commit()
            print(f"created tenant {tenant.slug!r}; sign in as {owner_email} / {args.password}")
        tenant_id, fmt = tenant.id, tenant.reader_format
        # Reading the tenant began a transaction; left open, it would keep the closing VACUUM
        # from marking the new rows visible to all, which the index-only scans need.
        db.session.close()
        with tenant_scope(tenant_id):
            with db.engine.connect() as conn:
                existing = conn.execute(text("SELECT count(*) FROM customers WHERE tenant_id = :tid"),
                                        {"tid": tenant_id}).scalar()
            if existing:
                print(f"tenant {args.tenant_slug!r} already has {existing} customers; use a fresh database "
                      "or another --tenant-slug", file=sys.stderr)
                return 1
            started = time.perf_counter()
            count = insert(tenant_id, fmt, args)
            elapsed = time.perf_counter() - started
        print(f"inserted {count[0]} customers and {count[1]} cards into {args.tenant_slug!r} in {elapsed:.1f} s")
        if args.other_tenants > 0:
            started = time.perf_counter()
            add_other_tenants(tenant_id, args)
            print(f"added {args.other_tenants} other tenants of {count[0]} customers and {count[1]} cards "
                  f"in {time.perf_counter() - started:.1f} s")
    return 0


def add_other_tenants(source_id: int, args) -> None:
    """N tenants beside the bench tenant, each a copy of its customers and cards under new ids."""
    columns = ", ".join(c for c in CUSTOMER_COLUMNS if c not in ("id", "tenant_id"))
    card_columns = ", ".join(c for c in CARD_COLUMNS if c not in ("tenant_id", "customer_id"))
    for n in range(1, args.other_tenants + 1):
        slug = f"{args.tenant_slug}-other-{n}"
        tenant, _owner = accounts.create_tenant(
            slug, country="PL", currency="PLN", locale="pl", owner_email=f"owner@{slug}.bench",
            owner_password=args.password, owner_name="Bench Neighbour")
        db.session.commit()
        tid = tenant.id
        db.session.close()
        with db.engine.begin() as conn:
            # Ids shifted past the highest in use, in the same order: the copy's cards follow
            # their customers by the same shift.
            shift = conn.execute(text("SELECT (SELECT max(id) FROM customers) - min(id) + 1 FROM customers "
                                      "WHERE tenant_id = :s"), {"s": source_id}).scalar()
            conn.execute(text(f"INSERT INTO customers (id, tenant_id, {columns}) SELECT id + :shift, :tid, {columns} "
                              "FROM customers WHERE tenant_id = :s ORDER BY id"),
                         {"shift": shift, "tid": tid, "s": source_id})
            conn.execute(text("SELECT setval('customers_id_seq', (SELECT max(id) FROM customers))"))
            conn.execute(text(f"INSERT INTO cards (tenant_id, customer_id, {card_columns}) "
                              f"SELECT :tid, customer_id + :shift, {card_columns} FROM cards WHERE tenant_id = :s "
                              "ORDER BY id"), {"shift": shift, "tid": tid, "s": source_id})
        print(f"  {slug}: copied")
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE) customers"))
        conn.execute(text("VACUUM (ANALYZE) cards"))


def insert(tenant_id: int, fmt: str, args) -> tuple[int, int]:
    rnd = random.Random(args.seed)
    now = datetime.now(timezone.utc)
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SELECT nextval('customers_id_seq') FROM generate_series(1, %s)", (args.customers,))
        ids = [r[0] for r in cur.fetchall()]
        # Five years of sign-ups, in id order as in production (ids are handed out on creation).
        start, step = now - timedelta(days=5 * 365), timedelta(days=5 * 365) / max(1, args.customers)
        with cur.copy(f"COPY customers ({', '.join(CUSTOMER_COLUMNS)}) FROM STDIN") as copy:
            for n, cid in enumerate(ids):
                copy.write_row(customer_row(rnd, cid, tenant_id, args.cz_share, start + n * step))
        print(f"  customers: {len(ids)} rows copied")
        keys: set[str] = set()
        written = 0
        with cur.copy(f"COPY cards ({', '.join(CARD_COLUMNS)}) FROM STDIN") as copy:
            # Every third customer has no card; the others share the cards, some hold two or three.
            holders = [cid for n, cid in enumerate(ids) if n % 3]
            while written < args.cards:
                code = card_code(rnd)
                key = cardcodes.lookup_key(code, fmt)
                if key in keys:
                    continue
                keys.add(key)
                holder = holders[written % len(holders)] if written < len(holders) else rnd.choice(holders)
                issued = now - timedelta(days=rnd.randint(0, 1500))
                status = "blocked" if rnd.random() < 0.03 else ("lost" if rnd.random() < 0.01 else "active")
                copy.write_row((tenant_id, holder, code, key, f"B-{written + 1:07d}",
                                (issued + timedelta(days=rnd.choice([365, 730, 1095]))).date(), status, issued,
                                issued + timedelta(days=10) if status != "active" else None, None, "", issued, issued))
                written += 1
        print(f"  cards: {written} rows copied")
        raw.commit()
        # Freshly copied tables have no visibility map: the list's index-only scans would read
        # the table for every entry until autovacuum came by, as it has in any live database.
        raw.driver_connection.autocommit = True  # VACUUM runs outside a transaction
        cur.execute("VACUUM (ANALYZE) customers")
        cur.execute("VACUUM (ANALYZE) cards")
        raw.driver_connection.autocommit = False
    finally:
        raw.close()
    return len(ids), written


if __name__ == "__main__":
    sys.exit(main())
