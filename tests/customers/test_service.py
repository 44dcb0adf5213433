"""The customer service: validation, normalisation, derived columns, consent stamps, audit."""
from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from panel.extensions import db
from panel.models import AuditEntry, Customer
from panel.services import ServiceError, customers
from tests.conftest import as_tenant

VALID_NIP = "5261040828"
VALID_ICO = "25596641"


def test_fold_strips_accents_case_and_spaces():
    assert customers.fold("  Łódź   DVOŘÁK ") == "lodz dvorak"
    assert customers.fold("Żółć Gęślą Jaźń") == "zolc gesla jazn"
    assert customers.fold("Příliš žluťoučký kůň") == "prilis zlutoucky kun"
    # Decomposed input (macOS keyboards) folds the same as composed.
    assert customers.fold(unicodedata.normalize("NFD", "Dvořák")) == "dvorak"
    assert customers.fold("Straße") == "strasse"


@pytest.mark.parametrize("raw, country, expected", [
    ("600 100 200", "PL", "48600100200"),
    ("600-100-200", "PL", "48600100200"),
    ("+48 600 100 200", "PL", "48600100200"),
    ("0048600100200", "PL", "48600100200"),
    ("603 123 456", "CZ", "420603123456"),
    ("+420 603 123 456", "PL", "420603123456"),
    ("030 1234567", "DE", "0301234567"),     # foreign national number: digits as typed
    ("", "PL", ""),
])
def test_phone_digits(raw, country, expected):
    assert customers.phone_digits(raw, country) == expected


@pytest.mark.parametrize("raw, code", [("600 100 200 ext. 5", "phone_format"), ("12 34", "phone_length"),
                                       ("+48 (600) 100", "phone_format")])
def test_phone_digits_rejects(raw, code):
    with pytest.raises(customers.InvalidPhone) as e:
        customers.phone_digits(raw, "PL")
    assert e.value.code == code


def test_validate_normalises_identifiers_and_contact(ctx, world_a):
    with as_tenant(world_a):
        values, errors = customers.validate({
            "first_name": "  Jan  ", "last_name": "Kowalski", "nip": "PL 526-104-08-28", "regon": "012 100 784",
            "email": " Jan.Kowalski@Example.PL ", "phone": "600 100 200", "postcode": "90001", "country": "pl",
            "birthday": "31.05.1990", "marketing_consent": "y"})
    assert errors == {}
    assert values["first_name"] == "Jan"
    assert values["nip"] == VALID_NIP
    assert values["regon"] == "012100784"
    assert values["email"] == "jan.kowalski@example.pl"
    assert values["phone_digits"] == "48600100200"
    assert values["postcode"] == "90-001"
    assert values["country"] == "PL"
    assert values["birthday"] == date(1990, 5, 31)
    assert values["marketing_consent"] is True


def test_validate_czech_identifiers_and_postcode(ctx, world_b):
    with as_tenant(world_b):
        values, errors = customers.validate({"company_name": "Hospoda U Dvořáků s.r.o.", "ico": "2559 6641",
                                             "dic": "25596641", "postcode": "11000", "country": "CZ",
                                             "phone": "603123456"})
    assert errors == {}
    assert values["ico"] == VALID_ICO
    assert values["dic"] == "CZ" + VALID_ICO
    assert values["postcode"] == "110 00"
    # The restaurant is Czech, but the customer's own country decides the calling code.
    assert values["phone_digits"] == "420603123456"


@pytest.mark.parametrize("data, field, fragment", [
    ({"first_name": ""}, "first_name", "first or last name, or a company name"),
    ({"nip": "5261040829"}, "nip", "check digit"),
    ({"nip": "52610408"}, "nip", "10 digits"),
    ({"nip": "52610A0828"}, "nip", "digits"),
    ({"ico": "25596642"}, "ico", "check digit"),
    ({"dic": "CZ1234"}, "dic", "8 to 10 digits"),
    ({"regon": "012100785"}, "regon", "check digit"),
    ({"email": "jan@kowalski"}, "email", "name@example.com"),
    ({"phone": "call me"}, "phone", "digits"),
    ({"postcode": "9000", "country": "PL"}, "postcode", "NN-NNN"),
    ({"postcode": "1100", "country": "CZ"}, "postcode", "NNN NN"),
    ({"birthday": (date.today() + timedelta(days=1)).isoformat()}, "birthday", "future"),
    ({"birthday": "31.02.1990"}, "birthday", "1990-05-31"),
    ({"city": "x" * 101}, "city", "At most 100"),
    ({"country": "Poland"}, "country", "Choose a country"),
])
def test_validate_errors(ctx, world_a, data, field, fragment):
    base = {"first_name": "Jan"}
    base.update(data)
    with as_tenant(world_a):
        _values, errors = customers.validate(base)
    assert field in errors
    assert fragment in errors[field]


def test_postcode_is_free_text_for_other_countries(ctx, world_a):
    with as_tenant(world_a):
        values, errors = customers.validate({"first_name": "Hans", "postcode": "10115", "country": "DE"})
    assert errors == {}
    assert values["postcode"] == "10115"


def test_create_sets_derived_columns_and_audits(ctx, world_a):
    with as_tenant(world_a):
        c = customers.create({"first_name": "Łukasz", "last_name": "Żółkiewski", "company_name": "Pierogarnia Łódź",
                              "email": "L.Zolkiewski@example.pl", "phone": "+48 600 100 200", "nip": VALID_NIP,
                              "city": "Łódź"})
        db.session.commit()
        assert c.sort_name == "zolkiewski lukasz"
        assert c.phone_digits == "48600100200"
        # One leading space, single spaces: word starts are "% word".
        assert c.search_text.startswith(" lukasz zolkiewski pierogarnia lodz l.zolkiewski@example.pl lodz")
        assert f" {VALID_NIP}" in c.search_text
        assert " 48600100200 600100200" in c.search_text
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "customer",
                                                             AuditEntry.entity_id == c.id)).all()
        assert [e.action for e in entries] == ["customer.created"]


def test_company_sorts_by_its_name(ctx, world_a):
    with as_tenant(world_a):
        c = customers.create({"company_name": "Ósemka Sp. z o.o."})
        assert c.sort_name == "osemka sp. z o.o."


def test_create_raises_all_field_errors(ctx, world_a):
    with as_tenant(world_a):
        with pytest.raises(customers.CustomerInvalid) as e:
            customers.create({"first_name": "", "nip": "123", "email": "nope"})
    assert set(e.value.errors) == {"first_name", "nip", "email"}
    assert isinstance(e.value, ServiceError)


def test_marketing_consent_stamp(ctx, world_a):
    with as_tenant(world_a):
        c = customers.create({"first_name": "Anna", "marketing_consent": True})
        db.session.commit()
        stamp = c.marketing_consent_at
        assert stamp is not None
        customers.update(c, {"city": "Kraków"})          # the tick unchanged keeps its date
        assert c.marketing_consent_at == stamp
        customers.update(c, {"marketing_consent": False})
        assert c.marketing_consent_at is None
        customers.update(c, {"marketing_consent": True})
        assert c.marketing_consent_at is not None


def test_update_records_changes_and_keeps_missing_keys(ctx, world_a):
    with as_tenant(world_a):
        c = customers.create({"first_name": "Anna", "last_name": "Nowak", "city": "Gdańsk"})
        db.session.commit()
        changes = customers.update(c, {"last_name": "Nowak-Kowalska"})
        db.session.commit()
        assert changes == {"last_name": ["Nowak", "Nowak-Kowalska"]}
        assert c.city == "Gdańsk"
        assert c.sort_name == "nowak-kowalska anna"
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "customer.updated")).one()
        assert entry.changes == {"last_name": ["Nowak", "Nowak-Kowalska"]}
        # Nothing changed: no audit entry.
        assert customers.update(c, {"last_name": "Nowak-Kowalska"}) == {}
        assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)
                                 .where(AuditEntry.action == "customer.updated")) == 1


def test_unicode_round_trip(ctx, world_a):
    names = {"first_name": "Antonín", "last_name": "Dvořák", "company_name": "Żółta Łódź & Spółka",
             "street": "Ulica Świętokrzyska", "city": "Łódź", "notes": "Lubi pierogi\nz kapustą — „bez cebuli”"}
    with as_tenant(world_a):
        cid = customers.create({**names, "country": "PL"}).id
        db.session.commit()
    db.session.remove()
    with as_tenant(world_a):
        c = db.session.get(Customer, cid)
        for key, value in names.items():
            assert getattr(c, key) == value


def test_erased_customer_cannot_be_updated(ctx, world_a):
    with as_tenant(world_a):
        c = customers.create({"first_name": "Ewa"})
        customers.erase(c, str(c.id))
        with pytest.raises(ServiceError):
            customers.update(c, {"first_name": "Ewa"})
