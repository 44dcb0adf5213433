"""The group service: fields, unique names, grants, delete, membership (one, bulk) and merge."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from panel.extensions import db
from panel.models import AuditEntry, Customer, CustomerGroup, GroupDiscount, GroupPriceList
from panel.services import ServiceError, customers, groups

from ..conftest import as_tenant
from ..customers.factories import make_customer
from .factories import make_discount, make_group, make_price_list


def test_create_normalises_and_audits(app, ctx, world_a):
    with as_tenant(world_a):
        g = groups.create({"name": "  Stali   goście ", "colour": "#2F6F4F", "note": " na co dzień \r\n"})
        db.session.commit()
        assert (g.name, g.name_key, g.colour, g.note) == ("Stali goście", "stali goście", "#2f6f4f", "na co dzień")
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "group.created")).one()
        assert entry.entity_id == g.id


def test_defaults_and_field_errors(app, ctx, world_a):
    with as_tenant(world_a):
        assert groups.create({"name": "A"}).colour == "#2f6f4f"
        with pytest.raises(groups.GroupInvalid) as e:
            groups.create({"name": " ", "colour": "red", "note": "x" * 3000})
        assert set(e.value.errors) == {"name", "colour", "note"}


def test_names_are_unique_ignoring_case_and_spaces(app, ctx, world_a, world_b):
    make_group(app, world_a.tenant_id, "Stali goście")
    make_group(app, world_b.tenant_id, "Stali goście")  # another restaurant may use the name
    with as_tenant(world_a):
        with pytest.raises(ServiceError) as e:
            groups.create({"name": "STALI  GOŚCIE"})
        assert (e.value.code, e.value.field) == ("conflict", "name")
        other = groups.create({"name": "VIP"})
        with pytest.raises(ServiceError):
            groups.update(other, {"name": "stali goście"})
        groups.update(other, {"name": "Vip"})  # its own name, re-cased, is fine


def test_grants_are_set_replaced_and_refused(app, ctx, world_a, world_b):
    t = world_a.tenant_id
    d1, d2 = make_discount(app, t, "Stali -5%"), make_discount(app, t, "Happy hour", selectable=True)
    p1 = make_price_list(app, t)
    archived = make_discount(app, t, "Old", archived=True)
    foreign = make_discount(app, world_b.tenant_id, "B's")
    with as_tenant(world_a):
        g = groups.create({"name": "Stali", "discount_ids": [d1, d1], "price_list_ids": [p1]})
        db.session.commit()
        links = db.session.scalars(select(GroupDiscount.discount_id).where(GroupDiscount.group_id == g.id)).all()
        assert links == [d1]
        changes = groups.update(g, {"discount_ids": [d2]})
        assert changes["discounts"] == {"added": [d2], "removed": [d1]}
        assert db.session.scalars(select(GroupPriceList.price_list_id)).all() == [p1]  # not sent: kept
        with pytest.raises(ServiceError) as e:
            groups.update(g, {"discount_ids": [d2, archived]})
        assert e.value.code == "invalid" and e.value.field == "discount_ids"
        with pytest.raises(ServiceError) as e:
            groups.update(g, {"discount_ids": [foreign]})
        assert e.value.code == "discount_not_found"
        with pytest.raises(ServiceError) as e:
            groups.create({"name": "X", "price_list_ids": [999999]})
        assert e.value.code == "price_list_not_found"


def test_an_archived_grant_may_stay_but_not_be_added(app, ctx, world_a):
    t = world_a.tenant_id
    d = make_discount(app, t, "Soon archived")
    gid = make_group(app, t, "G", discount_ids=[d])
    with as_tenant(world_a):
        from panel.models import Discount
        from panel.models.base import utcnow

        db.session.get(Discount, d).archived_at = utcnow()
        g = db.session.get(CustomerGroup, gid)
        groups.update(g, {"discount_ids": [d], "name": "G2"})  # kept as it was
        grants = groups.grants_of([gid])[gid]
        assert [(x.name, x.archived) for x in grants] == [("Soon archived", True)]


def test_grants_in_words(app, ctx, world_a):
    t = world_a.tenant_id
    d = make_discount(app, t, "Stali goście", percent="5.00")
    f = make_discount(app, t, "Minus dycha", percent=None, amount=1000, selectable=True)
    p = make_price_list(app, t, "Cennik VIP")
    gid = make_group(app, t, "G", discount_ids=[d, f], price_list_ids=[p])
    with as_tenant(world_a):
        grants = groups.grants_of([gid])[gid]
        assert [(x.kind, x.name, x.hidden) for x in grants] == [
            ("discount", "Minus dycha", False), ("discount", "Stali goście", True), ("price_list", "Cennik VIP", False)]
        assert grants[1].value == "−5%"
        assert grants[0].value.startswith("−") and "10" in grants[0].value


def test_delete_releases_members_and_says_how_many(app, ctx, world_a):
    t = world_a.tenant_id
    gid = make_group(app, t)
    ids = [make_customer(app, t, first_name=f"Gość {i}") for i in range(3)]
    with as_tenant(world_a):
        groups.move(ids, db.session.get(CustomerGroup, gid))
        db.session.commit()
        customers.archive(db.session.get(Customer, ids[0]))
        assert groups.member_counts([gid]) == {gid: 2}  # archived ones are not counted as active
        g = db.session.get(CustomerGroup, gid)
        assert groups.delete(g) == 3
        db.session.commit()
        assert db.session.scalars(select(Customer.group_id)).all() == [None, None, None]
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "group.deleted")).one()
        assert entry.changes["members"] == 3


def test_set_group_moves_from_one_group_to_another(app, ctx, world_a):
    t = world_a.tenant_id
    a, b = make_group(app, t, "A"), make_group(app, t, "B")
    cid = make_customer(app, t)
    with as_tenant(world_a):
        c = db.session.get(Customer, cid)
        assert groups.set_group(c, db.session.get(CustomerGroup, a))
        assert not groups.set_group(c, db.session.get(CustomerGroup, a))
        assert groups.set_group(c, db.session.get(CustomerGroup, b))
        db.session.commit()
        assert c.group_id == b
        assert groups.set_group(c, None) and c.group_id is None


def test_bulk_move_is_one_update_and_counts_only_changes(app, ctx, world_a, world_b, count_queries):
    t = world_a.tenant_id
    gid = make_group(app, t)
    ids = [make_customer(app, t, first_name=f"Gość {i}") for i in range(30)]
    foreign = make_customer(app, world_b.tenant_id, first_name="Obcy")
    with as_tenant(world_a):
        g = db.session.get(CustomerGroup, gid)
        with count_queries("UPDATE customers") as n:
            assert groups.move(ids[:10] + [foreign, "x", -1], g) == 10
        assert n() == 1
        assert groups.move(ids, g) == 20  # the first ten were already in
        db.session.commit()
        assert groups.member_counts() == {gid: 30}
        assert groups.move(ids[:5], None) == 5
        with pytest.raises(ServiceError):
            groups.move([], g)
    with as_tenant(world_b):
        assert db.session.get(Customer, foreign).group_id is None


def test_customer_form_fields_carry_the_group(app, ctx, world_a, world_b):
    gid = make_group(app, world_a.tenant_id)
    b_gid = make_group(app, world_b.tenant_id, "B")
    with as_tenant(world_a):
        c = customers.create({"first_name": "Ewa", "group_id": str(gid)})
        assert c.group_id == gid
        changes = customers.update(c, {"group_id": ""})
        assert changes["group_id"] == [gid, None]
        with pytest.raises(customers.CustomerInvalid) as e:
            customers.update(c, {"group_id": b_gid})
        assert "group_id" in e.value.errors
        customers.update(c, {"first_name": "Ewa"})  # not sent: unchanged
        assert c.group_id is None


@pytest.mark.parametrize("survivor_has,other_has,expected", [
    (False, True, "other"), (True, True, "survivor"), (True, False, "survivor"), (False, False, None)])
def test_merge_keeps_the_survivors_group_or_takes_the_others(app, ctx, world_a, survivor_has, other_has, expected):
    t = world_a.tenant_id
    mine, theirs = make_group(app, t, "Mine"), make_group(app, t, "Theirs")
    s_id = make_customer(app, t, first_name="Jan", group_id=mine if survivor_has else None)
    o_id = make_customer(app, t, first_name="Jan", group_id=theirs if other_has else None)
    with as_tenant(world_a):
        survivor, other = db.session.get(Customer, s_id), db.session.get(Customer, o_id)
        plan = customers.merge_plan(survivor, other)
        assert dict((m.key, n) for m, n in plan.moves)["group"] == (1 if other_has else 0)
        customers.merge(survivor, other)
        db.session.commit()
        assert survivor.group_id == {"other": theirs, "survivor": mine, None: None}[expected]
        assert other.group_id is None  # a merged record is no one's member


def test_demo_group_is_seeded_once_and_grants_by_name(app):
    from panel.demo import seed
    from panel.demo_groups import GROUP_NAME, MEMBERS, seed_groups
    from panel.models import Tenant
    from panel.tenancy import tenant_scope

    with app.app_context():
        seed()
        tenant = db.session.scalar(select(Tenant).where(Tenant.name == "Bistro Demo"))
        with tenant_scope(tenant.id):
            group = db.session.scalar(select(CustomerGroup).where(CustomerGroup.name == GROUP_NAME))
            assert groups.member_counts([group.id]) == {group.id: MEMBERS}
            # The demo discounts and price list are seeded before the group: it grants them by name.
            assert sorted(g.name for g in groups.grants_of([group.id])[group.id]) == ["Cennik stałych gości",
                                                                                     "Stali goście -5%"]
            assert seed_groups() == 0  # members are not added twice
            db.session.commit()
