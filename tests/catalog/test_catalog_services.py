"""The catalog's rules: the upsert (counts, idempotency, parents, cycles, unknown categories,
kept fields), the chain of ancestors, the panel's edits and archiving, the product pages."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from panel.extensions import db
from panel.models import AuditEntry, Category, Product
from panel.services import ServiceError
from panel.services.catalog import editing, listing, sync, tree

from ..conftest import as_tenant

UPLOAD = {
    "categories": [{"id": "drinks", "name": "Drinks"}, {"id": "beer", "name": "Beer", "parent_id": "drinks"},
                   {"id": "food", "name": "Food"}],
    "products": [
        {"id": "p1", "name": "Pilsner 0.5", "category_id": "beer", "price": 1400, "vat_rate": "23"},
        {"id": "p2", "name": "Pierogi", "category_id": "food", "price": 2900, "vat_rate": 8},
        {"id": "p3", "name": "Marlboro Gold", "price": 1899, "discountable": False, "earns_points": False},
    ],
}


@pytest.fixture
def a(ctx, world_a):
    with as_tenant(world_a):
        yield world_a


def _up(categories=(), products=()):
    result = sync.upsert(list(categories), list(products))
    db.session.commit()
    return result


def _product(ext):
    return db.session.scalar(select(Product).where(Product.external_id == ext))


def _category(ext):
    return db.session.scalar(select(Category).where(Category.external_id == ext))


def test_first_upload_creates_everything_with_defaults(a):
    r = _up(**UPLOAD)
    assert (r.categories.created, r.products.created) == (3, 3)
    assert (r.total().updated, r.total().unchanged) == (0, 0)
    beer, drinks = _category("beer"), _category("drinks")
    assert beer.parent_id == drinks.id and drinks.parent_id is None
    p1 = _product("p1")
    assert (p1.price, p1.vat_rate, p1.discountable, p1.earns_points) == (1400, Decimal("23"), True, True)
    assert p1.category_id == beer.id
    p3 = _product("p3")
    assert (p3.category_id, p3.discountable, p3.earns_points) == (None, False, False)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "catalog.synced")) == 1


def test_the_same_upload_twice_changes_nothing(a):
    _up(**UPLOAD)
    r = _up(**UPLOAD)
    assert (r.total().created, r.total().updated, r.total().unchanged) == (0, 0, 6)
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "catalog.synced")) == 1  # nothing to note


def test_only_changed_rows_are_updated_and_counted(a):
    _up(**UPLOAD)
    products = [dict(p) for p in UPLOAD["products"]]
    products[0]["price"] = 1500
    products[1]["vat_rate"] = "8.00"  # the same rate, written otherwise
    r = _up(UPLOAD["categories"], products)
    assert (r.products.created, r.products.updated, r.products.unchanged) == (0, 1, 2)
    assert _product("p1").price == 1500


def test_fields_left_out_are_kept_and_null_clears(a):
    _up(**UPLOAD)
    p3 = _product("p3")
    p3.category_id = _category("food").id
    db.session.commit()
    # A POS that knows no flags and no categories: the manager's settings survive.
    r = _up(products=[{"id": "p3", "name": "Marlboro Gold", "price": 1899}])
    assert r.products.unchanged == 1
    p3 = _product("p3")
    assert (p3.discountable, p3.earns_points, p3.category_id) == (False, False, _category("food").id)
    r = _up(products=[{"id": "p3", "name": "Marlboro Gold", "price": None, "category_id": None}])
    assert r.products.updated == 1
    assert (_product("p3").price, _product("p3").category_id) == (None, None)


def test_parents_may_come_later_in_the_upload_or_from_the_catalog(a):
    _up(categories=[{"id": "drinks", "name": "Drinks"}])
    r = _up(categories=[{"id": "wine", "name": "Wine", "parent_id": "red"},
                        {"id": "red", "name": "Red", "parent_id": "drinks"}])
    assert r.categories.created == 2
    assert tree.ancestors(["wine", "drinks", "nope"]) == {"wine": ("red", "drinks"), "drinks": ()}


def test_a_cycle_is_refused_and_nothing_is_written(a):
    _up(categories=[{"id": "a", "name": "A"}, {"id": "b", "name": "B", "parent_id": "a"}])
    with pytest.raises(ServiceError) as e:
        sync.upsert([{"id": "c", "name": "C"}, {"id": "a", "name": "A", "parent_id": "b"}], [])
    assert e.value.code == "invalid" and e.value.field == "categories[1].parent_id"
    db.session.rollback()
    assert _category("c") is None and _category("a").parent_id is None
    with pytest.raises(ServiceError) as e:
        sync.upsert([{"id": "x", "name": "X", "parent_id": "x"}], [])
    assert e.value.field == "categories[0].parent_id"


def test_unknown_category_or_parent_is_category_not_found(a, world_b):
    with pytest.raises(ServiceError) as e:
        sync.upsert([], [{"id": "p", "name": "P"}, {"id": "q", "name": "Q", "category_id": "ghost"}])
    assert (e.value.code, e.value.field, e.value.details) == ("category_not_found", "products[1].category_id",
                                                             {"id": "ghost"})
    with pytest.raises(ServiceError) as e:
        sync.upsert([{"id": "c", "name": "C", "parent_id": "ghost"}], [])
    assert (e.value.code, e.value.field) == ("category_not_found", "categories[0].parent_id")


def test_another_tenants_category_is_unknown(app, world_a, world_b):
    with app.app_context():
        with as_tenant(world_b):
            _up(categories=[{"id": "drinks", "name": "Getränke"}])
        with as_tenant(world_a), pytest.raises(ServiceError) as e:
            sync.upsert([], [{"id": "p", "name": "P", "category_id": "drinks"}])
        assert e.value.code == "category_not_found"
        db.session.rollback()


@pytest.mark.parametrize(("item", "field"), [
    ({"id": "", "name": "X"}, "products[0].id"),
    ({"id": "x" * 65, "name": "X"}, "products[0].id"),
    ({"id": "x", "name": " "}, "products[0].name"),
    ({"id": "x", "name": "X", "price": -1}, "products[0].price"),
    ({"id": "x", "name": "X", "price": 12.5}, "products[0].price"),
    ({"id": "x", "name": "X", "price": "12"}, "products[0].price"),
    ({"id": "x", "name": "X", "vat_rate": "101"}, "products[0].vat_rate"),
    ({"id": "x", "name": "X", "vat_rate": "5.555"}, "products[0].vat_rate"),
    ({"id": "x", "name": "X", "vat_rate": "abc"}, "products[0].vat_rate"),
    ({"id": "x", "name": "X", "discountable": "no"}, "products[0].discountable"),
])
def test_bad_items_are_refused_with_their_index_and_field(a, item, field):
    with pytest.raises(ServiceError) as e:
        sync.upsert([], [item])
    assert (e.value.code, e.value.field) == ("invalid", field)


def test_every_item_is_checked_before_anything_is_written(a):
    with pytest.raises(ServiceError) as e:
        sync.upsert([{"id": "c", "name": "C"}], [{"id": "ok", "name": "OK"}] * 1 + [{"id": "bad", "name": "B",
                                                                                     "price": -5}])
    assert e.value.field == "products[1].price"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Product)) == 0
    assert db.session.scalar(select(func.count()).select_from(Category)) == 0


def test_duplicate_ids_in_one_upload_are_refused(a):
    with pytest.raises(ServiceError) as e:
        sync.upsert([], [{"id": "p", "name": "A"}, {"id": 7, "name": "B"}, {"id": "7", "name": "C"}])
    assert e.value.field == "products[2].id"


def test_numeric_ids_are_taken_as_their_digits(a):
    _up(categories=[{"id": 10, "name": "Ten"}], products=[{"id": 5, "name": "Five", "category_id": 10}])
    assert _product("5").category_id == _category("10").id


def test_archive_by_upload_and_archived_rows_stay_resolvable(a):
    _up(**UPLOAD)
    r = _up(products=[{"id": "p2", "name": "Pierogi", "archived": True}])
    assert r.products.updated == 1
    assert _product("p2").archived_at is not None
    assert [p.external_id for p in listing.products().products] == ["p3", "p1"]
    assert [p.external_id for p in listing.products(archived=True).products] == ["p3", "p2", "p1"]
    # Still resolvable by its id (old rules read), and the next upload leaving `archived` out keeps it.
    r = _up(products=[{"id": "p2", "name": "Pierogi"}])
    assert r.products.unchanged == 1 and _product("p2").archived_at is not None
    _up(products=[{"id": "p2", "name": "Pierogi", "archived": False}])
    assert _product("p2").archived_at is None


def test_upload_limit(a):
    with pytest.raises(ServiceError) as e:
        sync.upsert([], [{"id": str(i), "name": "x"} for i in range(10_001)])
    assert e.value.field == "products"


def test_ancestors_are_loop_safe(a):
    _up(categories=[{"id": "a", "name": "A"}, {"id": "b", "name": "B", "parent_id": "a"}])
    # A loop written behind the upsert's back (as a concurrent rewrite could leave it) still ends.
    a_row, b_row = _category("a"), _category("b")
    a_row.parent_id = b_row.id
    db.session.commit()
    assert tree.ancestors(["a", "b"]) == {"a": ("b",), "b": ("a",)}
    assert {n.category.external_id for n in tree.nodes()} == {"a", "b"}


def test_tree_nodes_indent_and_count_live_products(a):
    _up(**UPLOAD)
    nodes = tree.nodes()
    assert [(n.category.external_id, n.depth, n.products) for n in nodes] == [
        ("drinks", 0, 0), ("beer", 1, 1), ("food", 0, 1)]
    editing.set_archived(_category("drinks"), True)
    db.session.commit()
    assert [(n.category.external_id, n.depth) for n in tree.nodes()] == [("beer", 0), ("food", 0)]


def test_listing_searches_filters_by_subtree_and_pages(a):
    _up(UPLOAD["categories"], UPLOAD["products"] + [
        {"id": f"w{i:02d}", "name": f"Wine {i:02d}", "category_id": "beer"} for i in range(5)])
    assert [p.external_id for p in listing.products(q="pils").products] == ["p1"]
    assert [p.external_id for p in listing.products(q="p2").products] == ["p2"]
    assert [p.external_id for p in listing.products(q="100%").products] == []
    drinks = _category("drinks")
    seen, after = [], None
    while True:
        page = listing.products(category=drinks, limit=2, after=after)
        seen += [p.external_id for p in page.products]
        if not page.more:
            break
        after = page.products[-1]
    assert seen == ["p1", "w00", "w01", "w02", "w03", "w04"]


def test_panel_edit_refuses_a_taken_pos_id_and_a_parent_below(a):
    _up(**UPLOAD)
    with pytest.raises(ServiceError) as e:
        editing.save_product(None, external_id="p1", name="Dup", category=None, price=None, vat_rate=None,
                             discountable=True, earns_points=True)
    assert e.value.field == "external_id"
    with pytest.raises(ServiceError) as e:
        editing.save_category(_category("drinks"), external_id="drinks", name="Drinks", parent=_category("beer"))
    assert e.value.field == "parent_id"
    p = editing.save_product(_product("p1"), external_id="p1", name="Pilsner", category=None, price=1450,
                             vat_rate=Decimal("23"), discountable=False, earns_points=True)
    db.session.commit()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "product.updated"))
    assert entry.entity_id == p.id and set(entry.changes) == {"name", "category_id", "price", "discountable"}
