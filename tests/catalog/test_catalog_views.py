"""The catalog pages: the product list with live search, the tree, forms that keep typed values."""
import pytest
from sqlalchemy import select

from panel.extensions import db
from panel.models import Category, Product
from panel.services.catalog import sync

from ..conftest import HX, as_tenant


@pytest.fixture
def catalog(app, world_a):
    with app.app_context(), as_tenant(world_a):
        sync.upsert([{"id": "10", "name": "Drinks"}, {"id": "11", "name": "Beer", "parent_id": "10"},
                     {"id": "20", "name": "Tobacco"}],
                    [{"id": "1001", "name": "Pilsner", "category_id": "11", "price": 1400, "vat_rate": "23"},
                     {"id": "1002", "name": "Lemonade", "category_id": "10", "price": 900, "vat_rate": "5.5"},
                     {"id": "2001", "name": "Marlboro", "category_id": "20", "price": 1899,
                      "discountable": False}])
        db.session.commit()
        ids = {c.external_id: c.id for c in db.session.scalars(select(Category))}
        ids |= {p.external_id: p.id for p in db.session.scalars(select(Product))}
        return ids


def _get(app, world, model, ext):
    with app.app_context(), as_tenant(world):
        return db.session.scalar(select(model).where(model.external_id == ext))


def test_list_shows_products_badges_and_the_tree(manager_a, catalog):
    page = manager_a.get("/catalog/").text
    assert "Pilsner" in page and "Marlboro" in page and "No discounts" in page
    tree = manager_a.get("/catalog/categories").text
    assert tree.index("Drinks") < tree.index("Beer") < tree.index("Tobacco")
    assert 'class="catalog-depth-1"' in tree


def test_live_search_answers_the_table_fragment(manager_a, catalog):
    r = manager_a.get("/catalog/?q=pils", headers=HX)
    assert r.status_code == 200 and "<html" not in r.text and 'id="product-table"' in r.text
    assert "Pilsner" in r.text and "Lemonade" not in r.text
    assert r.headers["HX-Push-Url"].endswith("/catalog/?q=pils")
    r = manager_a.get(f"/catalog/?category={catalog['10']}", headers=HX)
    assert "Pilsner" in r.text and "Lemonade" in r.text and "Marlboro" not in r.text
    assert "Pilsner" in manager_a.get("/catalog/?q=1001", headers=HX).text


def test_staff_may_not_manage_the_catalog(staff_a, catalog):
    assert staff_a.get("/catalog/").status_code == 403


def test_add_a_product_with_a_price_typed_as_people_type_it(app, world_a, manager_a, catalog):
    r = manager_a.post("/catalog/products/new", data={
        "external_id": "3001", "name": "Espresso", "category_id": str(catalog["10"]), "price": "8,50",
        "vat_rate": "8", "discountable": "y", "earns_points": "y"})
    assert r.status_code == 303
    p = _get(app, world_a, Product, "3001")
    assert (p.price, str(p.vat_rate), p.discountable, p.category_id) == (850, "8.00", True, catalog["10"])


def test_a_refused_product_keeps_what_was_typed(manager_a, catalog):
    r = manager_a.post("/catalog/products/new", data={
        "external_id": "1001", "name": "Doppio", "price": "0,001", "vat_rate": "230"})
    assert r.status_code == 422
    assert 'value="Doppio"' in r.text and 'value="0,001"' in r.text and 'value="230"' in r.text
    assert "at most two decimals" in r.text and "from 0 to 100" in r.text
    r = manager_a.post("/catalog/products/new", data={"external_id": "1001", "name": "Doppio", "price": "12"})
    assert r.status_code == 422 and "Another product already has this POS id." in r.text
    assert 'value="Doppio"' in r.text


def test_edit_and_untick_discountable(app, world_a, manager_a, catalog):
    form = manager_a.get(f"/catalog/products/{catalog['1002']}/edit").text
    assert 'value="9,00"' in form and 'value="5,5"' in form or 'value="9.00"' in form
    r = manager_a.post(f"/catalog/products/{catalog['1002']}/edit", data={
        "external_id": "1002", "name": "Lemonade 0.3", "category_id": str(catalog["10"]), "price": "9",
        "vat_rate": "5.5", "earns_points": "y"})
    assert r.status_code == 303
    p = _get(app, world_a, Product, "1002")
    assert (p.name, p.discountable, p.earns_points) == ("Lemonade 0.3", False, True)


def test_archive_and_restore_a_product(app, world_a, manager_a, catalog):
    assert manager_a.post(f"/catalog/products/{catalog['1001']}/archive").status_code == 303
    assert ">Pilsner</a>" not in manager_a.get("/catalog/").text
    assert ">Pilsner</a>" in manager_a.get("/catalog/?archived=1").text
    manager_a.post(f"/catalog/products/{catalog['1001']}/restore")
    assert _get(app, world_a, Product, "1001").archived_at is None


def test_categories_form_refuses_a_loop_and_keeps_values(app, world_a, manager_a, catalog):
    r = manager_a.post(f"/catalog/categories/{catalog['10']}/edit",
                       data={"external_id": "10", "name": "Drinks!", "parent_id": str(catalog["11"])})
    assert r.status_code == 422 and 'value="Drinks!"' in r.text
    r = manager_a.post("/catalog/categories/new", data={"external_id": "30", "name": "Wine",
                                                        "parent_id": str(catalog["10"])})
    assert r.status_code == 303
    assert _get(app, world_a, Category, "30").parent_id == catalog["10"]
    assert manager_a.post(f"/catalog/categories/{catalog['20']}/archive").status_code == 303
    assert _get(app, world_a, Category, "20").archived_at is not None


def test_polish_page(manager_a, catalog):
    manager_a.post("/language", data={"locale": "pl"})
    page = manager_a.get("/catalog/").text
    assert "Katalog" in page and "Produkty" in page


def test_the_list_fragment_runs_the_same_queries_for_5_or_50_products(app, world_a, manager_a, count_queries):
    def products(n):
        with app.app_context(), as_tenant(world_a):
            sync.upsert([{"id": "c", "name": "C"}],
                        [{"id": f"q{i:03d}", "name": f"Q {i:03d}", "category_id": "c", "price": i} for i in range(n)])
            db.session.commit()

    products(5)
    with count_queries() as few:
        assert manager_a.get("/catalog/", headers=HX).status_code == 200
    products(50)
    with count_queries() as many:
        assert manager_a.get("/catalog/", headers=HX).status_code == 200
    assert many() == few()
