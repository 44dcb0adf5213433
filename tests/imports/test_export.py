"""GET /exports/customers.csv: the customer list's filters, streamed, formula-safe, audited."""
from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from panel.extensions import db
from panel.models import AuditEntry
from panel.services import cards as card_service
from panel.services import customers as customer_service
from panel.tenancy import tenant_scope

from ..conftest import as_tenant


def _add(app, world, **data):
    with app.app_context(), as_tenant(world):
        c = customer_service.create(data)
        for code in data.pop("_cards", ()):
            card_service.assign(c, code)
        db.session.commit()
        return c.id


def _rows(resp) -> list[dict]:
    body = resp.data.decode("utf-8")
    assert body.startswith("\ufeff")  # Excel reads the letters as UTF-8
    assert body.startswith("\ufeffid;first_name;last_name;")  # and Polish or Czech Excel splits at ';'
    return list(csv.DictReader(io.StringIO(body[1:]), delimiter=";"))


def test_export_streams_the_filtered_list_with_cards(app, manager_a, world_a, world_b):
    with app.app_context(), as_tenant(world_a):
        jan = customer_service.create({"first_name": "Jan", "last_name": "Kowalski", "email": "jan@example.com",
                                       "nip": "7740001454", "marketing_consent": True})
        card_service.assign(jan, "0004340757")
        card_service.assign(jan, "A-2")
        customer_service.create({"first_name": "Ewa", "last_name": "Łęcka", "marketing_consent": False})
        db.session.commit()
    _add(app, world_b, first_name="Beta-only", last_name="Dvořák")
    resp = manager_a.get("/exports/customers.csv?consent=yes")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.is_streamed
    assert 'attachment; filename="customers-' in resp.headers["Content-Disposition"]
    rows = _rows(resp)
    assert [(r["first_name"], r["last_name"], r["nip"], r["cards"], r["marketing_consent"]) for r in rows] == [
        ("Jan", "Kowalski", "7740001454", "0004340757, A-2", "1")]
    # Moments in UTC to the second, with the offset, on SQLite (naive datetimes) as on PostgreSQL.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", rows[0]["created_at"]), rows[0]["created_at"]
    everyone = _rows(manager_a.get("/exports/customers.csv?sort=-name"))
    assert [r["last_name"] for r in everyone] == ["Łęcka", "Kowalski"]  # the list's sort, all of it
    with app.app_context(), tenant_scope(world_a.tenant_id):
        entries = list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "customers.exported")
                                          .order_by(AuditEntry.id)))
        assert [e.summary for e in entries] == ["consent=yes", "sort=-name"]
        assert entries[0].actor_user_id == world_a.manager.id


def test_cells_that_look_like_formulas_are_defused(app, manager_a, world_a):
    _add(app, world_a, first_name="=HYPERLINK(\"http://evil\")", last_name="+48", notes="@SUM(A1)")
    [row] = _rows(manager_a.get("/exports/customers.csv"))
    assert row["first_name"] == "'=HYPERLINK(\"http://evil\")"
    assert row["last_name"] == "'+48" and row["notes"] == "'@SUM(A1)"


def test_export_costs_a_few_queries_whatever_the_number_of_customers(app, manager_a, world_a, count_queries):
    for i in range(30):
        _add(app, world_a, first_name=f"P{i}", _cards=[f"C-{i}"])
    with count_queries() as queries:
        rows = _rows(manager_a.get("/exports/customers.csv"))
    assert len(rows) == 30 and all(r["cards"].startswith("C-") for r in rows)
    assert queries() <= 6, queries()  # user, tenant, audit, customers, their cards: none per row


def test_export_is_for_managers(app, staff_a, owner_a):
    assert staff_a.get("/exports/customers.csv").status_code == 403
    assert owner_a.get("/exports/customers.csv").status_code == 200
    assert app.test_client().get("/exports/customers.csv").status_code == 302


def test_cards_that_do_not_work_are_exported_apart(app, manager_a, world_a):
    with app.app_context(), as_tenant(world_a):
        jan = customer_service.create({"first_name": "Jan"})
        card_service.assign(jan, "0001")
        blocked, _added = card_service.assign(jan, "0002")
        card_service.block(blocked)
        lost, _added = card_service.assign(jan, "0003")
        card_service.report_lost(lost)
        db.session.commit()
    [row] = _rows(manager_a.get("/exports/customers.csv"))
    # "cards" imports back as working cards; the import leaves "inactive_cards" alone.
    assert (row["cards"], row["inactive_cards"]) == ("0001", "0002, 0003")
