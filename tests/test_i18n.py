"""Languages: complete catalogs, the user's choice remembered, money and dates per locale."""
import functools
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from panel.extensions import db
from panel.models import User

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@functools.cache
def _source_ids() -> frozenset[tuple[str | None, str]]:
    method_map = [("panel/**.py", "python"), ("panel/templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}
    ids = set()
    keywords["pgettext"] = ((1, "c"), 2)
    for _file, _line, message, _comments, ctx in extract_from_dir(str(ROOT), method_map, keywords=keywords):
        ids.add((ctx, message if isinstance(message, str) else message[0]))
    return frozenset(ids)


@pytest.mark.parametrize("locale", ["pl", "cs"])
def test_catalog_translates_every_string(locale):
    with open(ROOT / "panel" / "translations" / locale / "LC_MESSAGES" / "messages.po", encoding="utf-8") as f:
        catalog = read_po(f)
    translated = {(m.context, m.id if isinstance(m.id, str) else m.id[0]): m.string for m in catalog if m.id}
    missing = sorted(i[1] for i in _source_ids() if not translated.get(i))
    assert not missing, f"{len(missing)} strings lack a {locale} translation (run `make messages`): {missing[:15]}"
    for (_ctx, msgid), msgstr in translated.items():
        text = msgstr if isinstance(msgstr, str) else " ".join(msgstr)
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(text)), f"placeholders differ: {msgid!r}"


def test_language_choice_is_remembered_for_the_user(app, owner_a, world_a):
    owner_a.post("/language", data={"locale": "cs", "next": "/users/"})
    with app.app_context():
        assert db.session.get(User, world_a.owner.id).locale == "cs"
    assert 'lang="cs"' in owner_a.get("/").text


def test_language_switch_refuses_foreign_next(client):
    resp = client.post("/language", data={"locale": "pl", "next": "https://evil.example/"})
    assert resp.headers["Location"] in ("/", "/login")


def test_money_and_dates_follow_the_locale(app):
    from datetime import date, datetime, timezone

    from flask_babel import force_locale

    from panel.i18n import date_filter, money

    with app.test_request_context():
        with force_locale("pl"):
            assert money(123450, "PLN") == "1\xa0234,50\xa0zł"
            assert date_filter(date(2027, 3, 31)) == "31 mar 2027"
        with force_locale("cs"):
            assert money(123450, "CZK") == "1\xa0234,50\xa0Kč"
            # As Czech offices write it, not CLDR's 04.03.27: a history's year is no guess.
            assert date_filter(date(2027, 3, 4), "short") == "4. 3. 2027"
            assert date_filter(datetime(2027, 3, 4, 13, 5, tzinfo=timezone.utc)) == "4. 3. 2027 13:05"
        with force_locale("en"):
            # Day first, as British English writes it: this English is read in Poland and Czechia.
            assert date_filter(date(2027, 3, 31)) == "31 Mar 2027"
            assert date_filter(date(2027, 3, 4), "short") == "04/03/2027"
            assert date_filter(datetime(2027, 3, 4, 13, 5, tzinfo=timezone.utc)) == "04/03/2027, 13:05"


def test_template_translations_follow_a_locale_change_within_one_request(app):
    """Templates keep the request's translations in Flask-Babel's slot; force_locale() and
    refresh() must still switch them, and leaving force_locale() must switch them back."""
    from flask import render_template_string
    from flask_babel import force_locale, refresh

    from panel.ui import status_badges

    class Archived:
        erased_at = merged_into_id = None
        archived_at, is_staff, marketing_consent = True, False, False

    page = '{{ _("Archived") }} {{ pgettext("customer flag", "Staff") }} {{ status_badges(c) }}'
    with app.test_request_context(headers={"Accept-Language": "pl"}):
        assert render_template_string(page, c=Archived()).startswith("W archiwum Pracownik")
        with force_locale("cs"):
            assert render_template_string(page, c=Archived()).startswith("V archivu Zaměstnanec")
            assert "V archivu" in str(status_badges(Archived()))
        assert render_template_string(page, c=Archived()).startswith("W archiwum")
        with force_locale("en"):
            refresh()
            assert render_template_string(page, c=Archived()).startswith("Archived Staff")


def test_moments_show_on_the_tenants_clock(app):
    from datetime import datetime, timezone

    from flask import g
    from flask_babel import force_locale

    from panel.i18n import date_filter, day_filter
    from panel.models import Tenant

    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)  # 00:30 in Warsaw and Prague
    for country, locale, moment, day in (("PL", "pl", "1.01.2027, 00:30", "1.01.2027"),
                                         ("CZ", "cs", "1. 1. 2027 0:30", "1. 1. 2027")):
        with app.test_request_context():
            g.tenant = Tenant(country=country)
            with force_locale(locale):
                assert (date_filter(new_year), day_filter(new_year, "short")) == (moment, day)
    # No tenant (no one signed in): UTC; SQLite's naive datetimes are UTC too.
    with app.test_request_context(), force_locale("en"):
        assert day_filter(new_year.replace(tzinfo=None), "short") == "31/12/2026"
