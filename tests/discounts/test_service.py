"""The discount service's rules beyond what the API and form tests show."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from panel.extensions import db
from panel.models import AuditEntry, DiscountTarget, DiscountWindow
from panel.services import ServiceError, discounts

from ..conftest import as_tenant

BASE = {"name": "Happy hour", "percent": "20", "scope": "categories", "category_ids": ["drinks"]}


@pytest.fixture
def scoped(app, world_a, catalog_a):
    with app.test_request_context(), as_tenant(world_a):
        yield
        db.session.rollback()


def test_update_records_what_changed(scoped):
    d = discounts.create(BASE)
    discounts.update(d, {"percent": "25", "weekly": [{"days": [5], "from": "22:00", "to": "02:00"}]})
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "discount.updated")).one()
    assert entry.changes == {"percent": ["20", "25"],
                             "weekly": [[], [{"days": [5], "from": "22:00", "to": "02:00"}]]}
    discounts.update(d, {})
    assert len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "discount.updated")).all()) == 1


def test_switching_scope_keeps_only_the_targets_it_uses(scoped):
    d = discounts.create({**BASE, "excluded_product_ids": ["cigs"]})
    discounts.update(d, {"scope": "products", "product_ids": ["beer"]})
    x = discounts.load([d])[0]
    assert [p.external_id for p in x.products] == ["beer"] and x.categories == []
    assert [p.external_id for p in x.excluded_products] == ["cigs"]
    discounts.update(d, {"scope": "bill"})
    x = discounts.load([d])[0]
    assert x.products == [] and [p.external_id for p in x.excluded_products] == ["cigs"]
    assert len(db.session.scalars(select(DiscountTarget).where(DiscountTarget.discount_id == d.id)).all()) == 1


def test_windows_are_stored_as_day_masks(scoped):
    d = discounts.create({"name": "Weekend", "amount": 500,
                          "weekly": [{"days": [6, 7, 6], "from": "9:30", "to": "24:00"}]})
    w = db.session.scalars(select(DiscountWindow).where(DiscountWindow.discount_id == d.id)).one()
    assert (w.days, w.day_numbers, f"{w.starts:%H:%M}", f"{w.ends:%H:%M}") == (0b1100000, [6, 7], "09:30", "00:00")


def test_every_field_at_fault_is_named_at_once(scoped):
    with pytest.raises(discounts.DiscountInvalid) as refused:
        discounts.validate({"name": "", "percent": "0", "scope": "products", "valid_from": "31.02.2027",
                            "weekly": [{"days": [1], "from": "x", "to": "y"}]})
    assert set(refused.value.errors) == {"name", "percent", "product_ids", "valid_from", "weekly.0.from",
                                         "weekly.0.to"}


def test_money_as_people_type_it_in_the_form(scoped):
    d = discounts.create({"name": "Big spender", "amount": "1 234,50 zł", "min_bill": "5.000,00"})
    assert (d.amount, d.min_bill, d.percent) == (123450, 500000, None)
    d2 = discounts.create({"name": "Precise", "percent": "12,3456 %"})
    assert d2.percent == Decimal("12.3456")


def test_restoring_a_discount_whose_name_was_taken_meanwhile_is_refused(scoped):
    old = discounts.create({"name": "Regulars", "percent": "5"})
    discounts.archive(old)
    discounts.create({"name": "regulars", "percent": "7"})
    with pytest.raises(ServiceError) as refused:
        discounts.unarchive(old)
    assert refused.value.code == "conflict" and refused.value.field == "name"


def test_the_picker_lists_leave_out_hidden_and_archived(scoped):
    discounts.create({"name": "On the till", "percent": "5"})
    discounts.create({"name": "Hidden", "percent": "5", "selectable": False})
    discounts.archive(discounts.create({"name": "Old", "percent": "5"}))
    assert [d.name for d in discounts.selectable_discounts()] == ["On the till"]
    assert [d.name for d in discounts.search(status="hidden")] == ["Hidden"]
    assert [d.name for d in discounts.search(status="archived")] == ["Old"]
    assert [d.name for d in discounts.search(status="all")] == ["Hidden", "Old", "On the till"]


def test_the_demo_seeds_its_discounts_once(app):
    from panel.demo import seed
    from panel.models import Tenant
    from panel.tenancy import tenant_scope

    with app.app_context():
        seed()
        seed()
        tenant = db.session.scalar(select(Tenant).where(Tenant.name == "Bistro Demo"))
        with tenant_scope(tenant.id):
            found = {x.discount.name: x for x in discounts.load(discounts.search(status="all"))}
            assert set(found) == {"Stali goście -5%", "Happy hour: napoje -20%", "Rachunek od 200 zł: -15 zł"}
            assert found["Stali goście -5%"].discount.selectable is False
            happy = found["Happy hour: napoje -20%"]
            assert [c.name for c in happy.categories] == ["Napoje"]
            assert [(w.days, f"{w.start:%H:%M}", f"{w.end:%H:%M}") for w in happy.windows] == [
                ((1, 2, 3, 4, 5), "15:00", "17:00")]
            assert [d.name for d in discounts.selectable_discounts()] == ["Happy hour: napoje -20%",
                                                                          "Rachunek od 200 zł: -15 zł"]
