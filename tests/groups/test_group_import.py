"""The customer import's "group" column: matched by name ignoring case; an unknown name is the
row's error, never a new group."""
from __future__ import annotations

import csv
import io

from flask import url_for
from openpyxl import load_workbook
from sqlalchemy import select

from panel.csvfiles import DELIMITER
from panel.extensions import db
from panel.models import Customer, JobRun
from panel.services.imports.columns import guess_mapping

from ..conftest import as_tenant
from ..customers.factories import make_customer
from ..imports.helpers import csv_bytes
from ..imports.test_import_flow import _import
from .factories import make_group


def test_group_column_puts_rows_in_their_group(app, manager_a, world_a):
    gid = make_group(app, world_a.tenant_id, "Stali goście")
    data = csv_bytes([["Imię", "Nazwisko", "Grupa"], ["Jan", "Kowalski", "stali  GOŚCIE"], ["Ewa", "Nowak", ""]])
    _import(manager_a, app, data)
    with app.app_context(), as_tenant(world_a):
        rows = dict(db.session.execute(select(Customer.first_name, Customer.group_id)).all())
    assert rows == {"Jan": gid, "Ewa": None}


def test_an_unknown_group_is_the_rows_error(app, manager_a, world_a):
    make_group(app, world_a.tenant_id, "Stali goście")
    data = csv_bytes([["Imię", "Nazwisko", "Grupa"], ["Jan", "Kowalski", "VIP"], ["Ewa", "Nowak", "Stali goście"]])
    _import(manager_a, app, data, strict=False)
    with app.app_context(), as_tenant(world_a):
        assert db.session.scalars(select(Customer.first_name)).all() == ["Ewa"]
        run = db.session.scalars(select(JobRun).order_by(JobRun.id.desc())).first()
        report = run.file_data.decode("utf-8-sig")
    assert "there is no group “VIP”" in report


def test_exports_name_the_group_for_the_import_to_read_back(app, manager_a, world_a):
    gid = make_group(app, world_a.tenant_id, "Stali goście")
    make_customer(app, world_a.tenant_id, first_name="Jan", group_id=gid)
    make_customer(app, world_a.tenant_id, first_name="Ewa")
    with app.test_request_context():
        csv_url, xlsx_url = url_for("exports.customers_csv"), url_for("exports.customers_xlsx")
    text = manager_a.get(csv_url).data.decode("utf-8-sig")
    rows = {r["first_name"]: r["group"] for r in csv.DictReader(io.StringIO(text), delimiter=DELIMITER)}
    assert rows == {"Jan": "Stali goście", "Ewa": ""}
    assert guess_mapping(["first_name", "group"]) == ["first_name", "group"]  # read back as the group
    sheet = load_workbook(io.BytesIO(manager_a.get(xlsx_url).data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][-1] == "Customer group" and "Stali goście" in [row[-1] for row in values[1:]]
    assert guess_mapping([values[0][-1]]) == ["group"]
