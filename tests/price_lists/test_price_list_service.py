"""The price-list service: names, validity, entries (rules, bulk replacement, one at a time),
removal, and the bump of updated_at that the quote's cache relies on."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from panel.extensions import db
from panel.models import AuditEntry, CustomerGroup, GroupPriceList, PriceList, PriceListEntry
from panel.models.base import aware
from panel.services import ServiceError
from panel.services import price_lists as service
from panel.services.price_lists import listing
from panel.services.price_lists.rules import MAX_ENTRIES, EntryInput

from ..conftest import as_tenant
from .factories import make_catalog

BEER = EntryInput(product="beer-05", unit_price=900)
DESSERTS = EntryInput(category="desserts", percent=Decimal("10"))


@pytest.fixture
def cat(app, world_a):
    with app.app_context(), as_tenant(world_a):
        ids = make_catalog()
        db.session.commit()
        yield ids
        db.session.remove()


def _entries(pl) -> list[tuple]:
    return sorted(db.session.execute(select(PriceListEntry.product_id, PriceListEntry.category_id,
                                            PriceListEntry.unit_price, PriceListEntry.percent)
                                     .where(PriceListEntry.price_list_id == pl.id)).all(), key=str)


def test_create_with_entries(cat):
    pl = service.create("  Cennik   stałych gości ", date(2026, 1, 1), None, [BEER, DESSERTS])
    db.session.commit()
    assert pl.name == "Cennik stałych gości" and pl.name_key == "cennik stałych gości"
    assert _entries(pl) == sorted([(cat["beer-05"], None, 900, None), (None, cat["desserts"], None, Decimal("10"))],
                                  key=str)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "price_list.created")) == 1


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_name_is_required_and_bounded(cat, name):
    with pytest.raises(ServiceError) as e:
        service.create(name)
    assert e.value.field == "name"


def test_live_names_are_unique_case_and_space_blind_archived_ones_free(cat):
    first = service.create("Stali goście")
    with pytest.raises(ServiceError) as e:
        service.create("stali   GOŚCIE")
    assert e.value.code == "conflict" and e.value.field == "name"
    group = CustomerGroup(name="G", name_key="g")
    db.session.add(group)
    db.session.flush()
    db.session.add(GroupPriceList(group_id=group.id, price_list_id=first.id))
    assert service.remove(first) == "archived"
    assert service.create("Stali goście").id != first.id


def test_validity_must_not_end_before_it_starts(cat):
    with pytest.raises(ServiceError) as e:
        service.create("X", date(2026, 2, 1), date(2026, 1, 31))
    assert e.value.field == "valid_to"
    pl = service.create("X", date(2026, 1, 1), date(2026, 1, 1))
    with pytest.raises(ServiceError):
        service.update(pl, valid_from=date(2026, 1, 2))


@pytest.mark.parametrize("entry, field", [
    (EntryInput(product="beer-05"), "entries.0.unit_price"),
    (EntryInput(product="beer-05", unit_price=-1), "entries.0.unit_price"),
    (EntryInput(product="beer-05", unit_price=900, percent=Decimal(5)), "entries.0.percent"),
    (EntryInput(category="desserts"), "entries.0.percent"),
    (EntryInput(category="desserts", percent=Decimal(0)), "entries.0.percent"),
    (EntryInput(category="desserts", percent=Decimal("100.01")), "entries.0.percent"),
    (EntryInput(category="desserts", percent=Decimal("1.23456")), "entries.0.percent"),
    (EntryInput(category="desserts", percent=Decimal(5), unit_price=10), "entries.0.unit_price"),
    (EntryInput(), "entries.0.product_id"),
    (EntryInput(product="beer-05", category="desserts", unit_price=1), "entries.0.product_id"),
])
def test_entry_rules(cat, entry, field):
    with pytest.raises(ServiceError) as e:
        service.create("X", entries=[entry])
    assert e.value.field == field and e.value.code == "invalid"


def test_percent_of_exactly_100_and_price_zero_are_fine(cat):
    pl = service.create("Free", entries=[EntryInput(product="beer-05", unit_price=0),
                                         EntryInput(category="desserts", percent=Decimal("100"))])
    assert len(_entries(pl)) == 2


def test_a_duplicate_in_one_request_names_both_rows(cat):
    with pytest.raises(ServiceError) as e:
        service.create("X", entries=[BEER, DESSERTS, EntryInput(product="beer-05", unit_price=800)])
    assert set(e.value.errors) == {"entries.0.product_id", "entries.2.product_id"}
    assert "entry 1 and entry 3" in e.value.message and "beer-05" in e.value.message


def test_unknown_ids_are_refused_with_the_entry_named(cat):
    with pytest.raises(ServiceError) as e:
        service.create("X", entries=[BEER, EntryInput(product="nope", unit_price=1)])
    assert e.value.code == "product_not_found" and e.value.field == "entries.1.product_id"
    with pytest.raises(ServiceError) as e:
        service.create("Y", entries=[EntryInput(category="nope", percent=Decimal(1))])
    assert e.value.code == "category_not_found" and e.value.field == "entries.0.category_id"


def test_every_change_bumps_updated_at(cat):
    pl = service.create("Bump")
    db.session.commit()
    seen = [aware(pl.updated_at)]

    def bumped():
        db.session.commit()
        db.session.refresh(pl)
        now = aware(pl.updated_at)
        assert now > seen[-1]
        seen.append(now)

    service.update(pl, name="Bump 2")
    bumped()
    service.update(pl, valid_to=date(2030, 1, 1))
    bumped()
    service.replace_entries(pl, [BEER])
    bumped()
    entry = service.add_entry(pl, DESSERTS)
    bumped()
    service.update_entry(pl, entry, percent=Decimal("12.5"))
    bumped()
    service.remove_entry(pl, db.session.get(PriceListEntry, entry.id))
    bumped()
    service.merge_entries(pl, [EntryInput(product="beer-05", unit_price=850)])
    bumped()
    db.session.add(GroupPriceList(group_id=_group().id, price_list_id=pl.id))
    db.session.flush()
    service.remove(pl)
    bumped()


def _group() -> CustomerGroup:
    group = CustomerGroup(name="Stali", name_key="stali")
    db.session.add(group)
    db.session.flush()
    return group


def test_update_without_a_change_does_not_bump(cat):
    pl = service.create("Same", valid_from=date(2026, 1, 1))
    db.session.commit()
    before = aware(pl.updated_at)
    assert service.update(pl, name="Same", valid_from=date(2026, 1, 1)) is False
    db.session.commit()
    db.session.refresh(pl)
    assert aware(pl.updated_at) == before


def test_replace_is_set_based_for_big_lists(cat, app, count_queries):
    from panel.models import Product
    db.session.add_all([Product(external_id=f"p{i}", name=f"Product {i}", price=1000 + i) for i in range(600)])
    db.session.commit()
    pl = service.create("Big")
    db.session.commit()
    entries = [EntryInput(product=f"p{i}", unit_price=900 + i) for i in range(600)]
    with count_queries() as n:
        service.replace_entries(pl, entries)
    assert n() <= 8
    db.session.commit()
    assert len(_entries(pl)) == 600
    with count_queries() as n:
        service.replace_entries(pl, entries[:10])
    assert n() <= 8 and len(_entries(pl)) == 10


def test_too_many_entries(cat):
    with pytest.raises(ServiceError) as e:
        service.create("X", entries=[BEER] * (MAX_ENTRIES + 1))
    assert e.value.field == "entries"


def test_single_entries_add_edit_remove(cat):
    pl = service.create("One by one")
    entry = service.add_entry(pl, BEER)
    with pytest.raises(ServiceError) as e:
        service.add_entry(pl, EntryInput(product="beer-05", unit_price=1))
    assert e.value.code == "conflict"
    assert service.update_entry(pl, entry, unit_price=950) is True
    assert service.update_entry(pl, entry, unit_price=950) is False
    with pytest.raises(ServiceError):
        service.update_entry(pl, entry, percent=Decimal(5))
    service.remove_entry(pl, entry)
    assert _entries(pl) == []
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"price_list.entry_added", "price_list.entry_updated", "price_list.entry_removed"} <= actions


def test_merge_adds_new_and_changes_listed(cat):
    pl = service.create("Merge", entries=[BEER])
    assert service.merge_entries(pl, [EntryInput(product="beer-05", unit_price=800), DESSERTS]) == (1, 1)
    assert _entries(pl) == sorted([(cat["beer-05"], None, 800, None), (None, cat["desserts"], None, Decimal(10))],
                                  key=str)


def test_remove_deletes_an_ungranted_list_and_archives_a_granted_one(cat):
    loose = service.create("Loose", entries=[BEER])
    loose_id = loose.id
    assert service.remove(loose) == "deleted"
    assert db.session.get(PriceList, loose_id) is None
    assert db.session.scalar(select(func.count()).select_from(PriceListEntry)) == 0
    kept = service.create("Kept", entries=[BEER])
    db.session.add(GroupPriceList(group_id=_group().id, price_list_id=kept.id))
    db.session.flush()
    assert service.remove(kept) == "archived" and kept.archived_at is not None
    with pytest.raises(ServiceError) as e:
        service.add_entry(kept, DESSERTS)
    assert e.value.code == "conflict"
    assert [r.price_list.id for r in listing.lists(archived=True)] == [kept.id]
    assert listing.lists() == []


def test_listing_counts_and_groups(cat):
    pl = service.create("Stali goście", entries=[BEER, DESSERTS])
    service.create("Other")
    db.session.add(GroupPriceList(group_id=_group().id, price_list_id=pl.id))
    db.session.flush()
    rows = listing.lists("GOŚCI")
    assert [(r.price_list.name, r.entry_count, [g.name for g in r.groups]) for r in rows] == [
        ("Stali goście", 2, ["Stali"])]
    found = listing.entries(pl, "piwo")
    assert [(r.item.name, r.difference) for r in found] == [("Piwo Żywiec 0,5 l", Decimal("-25.0"))]


def test_demo_price_list_seeds_once(app, world_a):
    from panel.demo_price_lists import NAME, seed_price_list

    with app.app_context(), as_tenant(world_a):
        assert seed_price_list() is True
        assert seed_price_list() is False
        db.session.commit()
        [row] = listing.lists()
        assert row.price_list.name == NAME and row.entry_count == 5
        db.session.remove()
