"""The catalog import end to end: upload -> columns with preview -> start -> a real RQ worker."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from panel.extensions import db
from panel.models import Category, JobRun, Product
from panel.services.catalog import importing

from ..conftest import as_tenant
from ..imports.helpers import csv_bytes, work, xlsx_bytes

HEADER = ["Kod", "Nazwa", "Kategoria", "Cena brutto", "Stawka VAT", "Rabatowany", "Punkty"]
ROWS = [["1001", "Piwo jasne 0,5 l", "Napoje", "14,00", "23", "tak", "tak"],
        ["1002", "Pierogi ruskie", "Dania", "29,90", "8", "", ""],
        ["2001", "Marlboro Gold", "Tytoń", "18,99", "23", "nie", "nie"]]


def _upload(client, data: bytes, name: str):
    return client.post("/catalog/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _draft_id(resp) -> int:
    return int(re.search(r"/catalog/import/(\d+)", resp.headers["Location"]).group(1))


def _products(app, world) -> dict[str, Product]:
    with app.app_context(), as_tenant(world):
        found = {p.external_id: p for p in db.session.scalars(select(Product))}
        db.session.expunge_all()
        return found


def test_headers_in_polish_are_recognised():
    assert importing.guess_mapping(HEADER) == ["product_id", "name", "category_name", "price", "vat_rate",
                                               "discountable", "earns_points"]
    assert importing.guess_mapping(["Kód", "Název", "Kategorie", "Cena s DPH", "DPH"]) == [
        "product_id", "name", "category_name", "price", "vat_rate"]


def test_a_csv_imports_through_the_job(app, world_a, manager_a):
    resp = _upload(manager_a, csv_bytes([HEADER, *ROWS]), "menu.csv")
    assert resp.status_code == 303, resp.text
    draft = _draft_id(resp)
    page = manager_a.get(f"/catalog/import/{draft}")
    assert page.status_code == 200 and "Piwo jasne 0,5 l" in page.text and "Marlboro Gold" in page.text
    form = {f"col-{i}": t for i, t in enumerate(importing.guess_mapping(HEADER))} | {"action": "start"}
    started = manager_a.post(f"/catalog/import/{draft}", data=form)
    assert started.status_code == 303
    run_id = int(re.search(r"/catalog/import/(\d+)/status", started.headers["Location"]).group(1))
    work(app)
    status = manager_a.get(f"/catalog/import/{run_id}/status").text
    assert "Done" in status
    products = _products(app, world_a)
    assert (products["1001"].price, str(products["1001"].vat_rate)) == (1400, "23.00")
    assert (products["2001"].discountable, products["2001"].earns_points) == (False, False)
    assert products["1002"].discountable is True
    with app.app_context(), as_tenant(world_a):
        assert {c.name for c in db.session.scalars(select(Category))} == {"Napoje", "Dania", "Tytoń"}
        run = db.session.get(JobRun, run_id)
        assert run.result["products"] == {"created": 3, "updated": 0, "unchanged": 0}
        assert run.file_data is None
    # The same file again: nothing changes; the draft's page now leads to its import.
    assert manager_a.get(f"/catalog/import/{draft}").status_code == 303


def test_bad_rows_are_shown_and_nothing_is_imported(app, world_a, manager_a):
    rows = [*ROWS, ["3001", "", "Napoje", "abc", "230", "może", ""]]
    resp = _upload(manager_a, xlsx_bytes([HEADER, *rows]), "menu.xlsx")
    draft = _draft_id(resp)
    page = manager_a.get(f"/catalog/import/{draft}").text
    assert "The product&#39;s name is empty." in page and "is not a price" in page
    assert "is neither yes nor no" in page
    form = {f"col-{i}": t for i, t in enumerate(importing.guess_mapping(HEADER))} | {"action": "start"}
    r = manager_a.post(f"/catalog/import/{draft}", data=form)
    assert r.status_code == 422  # the preview again: nothing started
    work(app)
    assert _products(app, world_a) == {}


def test_mapping_needs_the_id_and_name_columns(manager_a):
    draft = _draft_id(_upload(manager_a, csv_bytes([["a", "b"], ["1", "x"]]), "x.csv"))
    r = manager_a.post(f"/catalog/import/{draft}", data={"col-0": "product_id", "col-1": "", "action": "preview"})
    assert r.status_code == 422 and "Choose the columns with" in r.text
    r = manager_a.post(f"/catalog/import/{draft}", data={"col-0": "name", "col-1": "name", "action": "preview"})
    assert r.status_code == 422 and "already chosen" in r.text


def test_another_users_draft_is_404(app, world_a, manager_a, owner_b):
    draft = _draft_id(_upload(manager_a, csv_bytes([HEADER, *ROWS]), "menu.csv"))
    assert owner_b.get(f"/catalog/import/{draft}").status_code == 404


def test_a_bad_row_past_the_preview_fails_the_job_naming_it(app, world_a, manager_a):
    rows = [[str(5000 + i), f"Dish {i}", "Dania", "10", "8", "", ""] for i in range(30)]
    rows[27][3] = "dziesięć"
    draft = _draft_id(_upload(manager_a, csv_bytes([HEADER, *rows]), "menu.csv"))
    form = {f"col-{i}": t for i, t in enumerate(importing.guess_mapping(HEADER))} | {"action": "start"}
    started = manager_a.post(f"/catalog/import/{draft}", data=form)
    assert started.status_code == 303
    work(app)
    run_id = int(re.search(r"/catalog/import/(\d+)/status", started.headers["Location"]).group(1))
    with app.app_context(), as_tenant(world_a):
        run = db.session.get(JobRun, run_id)
        assert run.status == "failed" and "row 29" in run.message
    assert _products(app, world_a) == {}
