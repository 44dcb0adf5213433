"""The customer import's "group" column: matched by name ignoring case; an unknown name is the
row's error, never a new group."""
from __future__ import annotations

from sqlalchemy import select

from panel.extensions import db
from panel.models import Customer, JobRun

from ..conftest import as_tenant
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
