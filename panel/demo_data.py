"""Demo regulars for the quick start: about forty Polish guests and firms, most with a card or two.

Customers go through the customer service (so validation and the search columns are real);
cards are written on the model with the tenant's canonical key, as the brief for the demo asks.
Runs inside the demo tenant's scope; a second run adds nothing.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select

from . import cardcodes
from .extensions import db
from .models import Card, Customer, Tenant
from .models.base import utcnow
from .services import customers
from .tenancy import require_tenant_id

# (first, last, company, nip, city, postcode, street) — NIPs carry valid check digits.
PEOPLE = [
    ("Anna", "Kowalska", "", "", "Warszawa", "00-950", "Marszałkowska"),
    ("Piotr", "Nowak", "", "", "Kraków", "31-042", "Floriańska"),
    ("Katarzyna", "Wiśniewska", "", "", "Łódź", "90-001", "Piotrkowska"),
    ("Tomasz", "Wójcik", "", "", "Wrocław", "50-101", "Świdnicka"),
    ("Magdalena", "Kamińska", "", "", "Poznań", "61-772", "Półwiejska"),
    ("Michał", "Lewandowski", "", "", "Gdańsk", "80-831", "Długa"),
    ("Agnieszka", "Zielińska", "", "", "Szczecin", "70-535", "Jagiellońska"),
    ("Krzysztof", "Szymański", "", "", "Lublin", "20-400", "Krakowskie Przedmieście"),
    ("Joanna", "Woźniak", "", "", "Katowice", "40-098", "Mariacka"),
    ("Paweł", "Dąbrowski", "", "", "Białystok", "15-426", "Lipowa"),
    ("Małgorzata", "Kozłowska", "", "", "Gdynia", "81-366", "Świętojańska"),
    ("Łukasz", "Jankowski", "", "", "Częstochowa", "42-200", "Aleja Najświętszej Maryi Panny"),
    ("Ewa", "Mazur", "", "", "Radom", "26-600", "Żeromskiego"),
    ("Grzegorz", "Kwiatkowski", "", "", "Toruń", "87-100", "Szeroka"),
    ("Barbara", "Krawczyk", "", "", "Kielce", "25-303", "Sienkiewicza"),
    ("Marcin", "Piotrowski", "", "", "Rzeszów", "35-064", "3 Maja"),
    ("Zofia", "Grabowska", "", "", "Olsztyn", "10-531", "Staromiejska"),
    ("Jakub", "Pawłowski", "", "", "Opole", "45-015", "Krakowska"),
    ("Aleksandra", "Michalska", "", "", "Zielona Góra", "65-001", "Żeromskiego"),
    ("Wojciech", "Król", "", "", "Bydgoszcz", "85-001", "Gdańska"),
    ("Natalia", "Wieczorek", "", "", "Łódź", "90-144", "Narutowicza"),
    ("Jan", "Jabłoński", "", "", "Warszawa", "02-516", "Puławska"),
    ("Monika", "Wróbel", "", "", "Kraków", "30-552", "Józefińska"),
    ("Adam", "Nowakowski", "", "", "Sopot", "81-701", "Bohaterów Monte Cassino"),
    ("Dorota", "Majewska", "", "", "Gliwice", "44-100", "Zwycięstwa"),
    ("Rafał", "Olszewski", "", "", "Płock", "09-400", "Tumska"),
    ("Karolina", "Stępień", "", "", "Elbląg", "82-300", "Hetmańska"),
    ("Mateusz", "Jaworski", "", "", "Tarnów", "33-100", "Wałowa"),
    ("Beata", "Malinowska", "", "", "Łódź", "93-005", "Rzgowska"),
    ("Szymon", "Adamczyk", "", "", "Warszawa", "00-024", "Nowy Świat"),
    ("Iwona", "Dudek", "", "", "Gorzów Wielkopolski", "66-400", "Sikorskiego"),
    ("Marek", "Górski", "", "", "Zakopane", "34-500", "Krupówki"),
    ("", "", "Pierogarnia Mandu Sp. z o.o.", "5261040828", "Gdańsk", "80-844", "Elżbietańska"),
    ("", "", "Kawiarnia Ziarno s.c.", "7740001454", "Kraków", "31-011", "Szczepańska"),
    ("", "", "Biuro Rachunkowe Bilans", "9542751121", "Katowice", "40-001", "Wojewódzka"),
    ("", "", "Drukarnia Łódzka Sp. j.", "7251801126", "Łódź", "90-242", "Kilińskiego"),
    ("Hanna", "Zawadzka", "Studio Jogi Lotos", "8971785433", "Wrocław", "50-077", "Ruska"),
    ("Robert", "Sikora", "Sikora Transport", "6762461659", "Kraków", "30-347", "Kapelanka"),
    ("Elżbieta", "Baran", "", "", "Poznań", "60-101", "Głogowska"),
    ("Andrzej", "Czarnecki", "", "", "Warszawa", "01-001", "Okopowa"),
]

NOTES = ["Stolik przy oknie, bez glutenu.", "Zawsze zamawia żurek i szarlotkę.", "Alergia na orzechy!",
         "Firmowe obiady w piątki, faktura na NIP.", "Woli kawę z mlekiem owsianym.", ""]


def _email(first: str, last: str, company: str) -> str:
    base = customers.fold(f"{first}.{last}" if first else company.split()[0]).replace(" ", "")
    return f"{base}@example.pl"


def _card_code(rnd: random.Random) -> str:
    """Half the demo cards as a decimal reader types them, half as a phone reads them (hex)."""
    uid = rnd.getrandbits(32)
    if rnd.random() < 0.5:
        return f"{uid:010d}"
    return f"{uid:08X}"


def seed_customers() -> int:
    """Create the demo regulars (and their cards) once; returns how many customers were added."""
    if db.session.scalar(select(func.count()).select_from(Customer)):
        return 0
    tenant = db.session.get(Tenant, require_tenant_id())
    rnd = random.Random(2026)  # the same demo every time
    today = date.today()
    card_no = 1000
    for i, (first, last, company, nip, city, postcode, street) in enumerate(PEOPLE):
        c = customers.create({
            "first_name": first, "last_name": last, "company_name": company, "nip": nip,
            "email": _email(first, last, company) if i % 7 != 3 else "",
            "phone": f"{rnd.choice([5, 6, 7, 8])}{rnd.randint(10, 99)} {rnd.randint(100, 999)} {rnd.randint(100, 999)}",
            "street": street, "building": str(rnd.randint(1, 120)), "flat": str(rnd.randint(1, 40)) if i % 3 else "",
            "postcode": postcode, "city": city, "country": "PL",
            "birthday": (date(1960, 1, 1) + timedelta(days=rnd.randint(0, 16000))).isoformat() if first else "",
            "notes": rnd.choice(NOTES), "marketing_consent": i % 3 != 0, "is_staff": i in (4, 19),
        })
        for _n in range(0 if i % 9 == 8 else rnd.choice([1, 1, 1, 2, 3])):
            code = _card_code(rnd)
            card_no += 1
            db.session.add(Card(customer_id=c.id, code=code, code_key=cardcodes.lookup_key(code, tenant.reader_format),
                                number=f"RG-{card_no}", issued_at=utcnow(),
                                expires_on=today + timedelta(days=rnd.choice([20, 200, 400, 700])),
                                status="blocked" if rnd.random() < 0.08 else "active"))
        db.session.flush()
    return len(PEOPLE)


# The demo restaurant's menu, as its POS would send it (ids are the POS's). Tobacco and the
# wallet top-up are not discountable and earn no points: what the pricing pages show untouched.
CATALOG_CATEGORIES = [
    {"id": "NAP", "name": "Napoje"}, {"id": "NAP-GOR", "name": "Napoje gorące", "parent_id": "NAP"},
    {"id": "NAP-PIWO", "name": "Piwo", "parent_id": "NAP"}, {"id": "DAN", "name": "Dania"},
    {"id": "DES", "name": "Desery"}, {"id": "TYT", "name": "Wyroby tytoniowe"}, {"id": "INNE", "name": "Inne"},
]
CATALOG_PRODUCTS = [
    ("1001", "Espresso", "NAP-GOR", 900, "8"), ("1002", "Cappuccino", "NAP-GOR", 1400, "8"),
    ("1003", "Herbata z cytryną", "NAP-GOR", 1000, "8"), ("1101", "Lemoniada domowa 0,4 l", "NAP", 1600, "8"),
    ("1102", "Woda mineralna 0,3 l", "NAP", 800, "8"), ("1201", "Piwo jasne 0,5 l", "NAP-PIWO", 1400, "23"),
    ("1202", "Piwo pszeniczne 0,5 l", "NAP-PIWO", 1600, "23"), ("2001", "Żurek w chlebie", "DAN", 2900, "8"),
    ("2002", "Pierogi ruskie", "DAN", 3200, "8"), ("2003", "Schabowy z ziemniakami", "DAN", 4600, "8"),
    ("2004", "Placki ziemniaczane", "DAN", 3400, "8"), ("3001", "Szarlotka na ciepło", "DES", 1900, "8"),
    ("3002", "Sernik", "DES", 1800, "8"),
]
CATALOG_UNTOUCHED = [
    ("9001", "Marlboro Gold", "TYT", 1899, "23"), ("9002", "Doładowanie portfela", "INNE", None, "0"),
    ("9003", "Napiwek", "INNE", None, None),
]


def seed_catalog() -> int:
    """The demo menu through the POS's own upsert (idempotent); the products it created."""
    from .services.catalog import sync

    products = [{"id": i, "name": n, "category_id": c, "price": p, "vat_rate": v}
                for i, n, c, p, v in CATALOG_PRODUCTS]
    products += [{"id": i, "name": n, "category_id": c, "price": p, "vat_rate": v, "discountable": False,
                  "earns_points": False} for i, n, c, p, v in CATALOG_UNTOUCHED]
    return sync.upsert(CATALOG_CATEGORIES, products, source="demo").products.created
