"""The panel: the documents list (filters, flagged, CSV), a document, the customer's Documents
and Points tabs, the points adjustment, the points settings, the customer filter and the dashboard."""
from __future__ import annotations

from panel.extensions import db
from panel.models import Document, DocumentLine, Tenant
from panel.services.documents import effects

from ..conftest import HX, as_tenant
from .conftest import CARD, T0, back, line, post, receipt, refund


def _sales(client, token):
    post(client, token, receipt("PAR/1", customer=CARD, lines=[line("1", "2", 1450, name="Pilsner 0,5 l"),
                                                             line("2", "1", 900, final=800, name="Frytki")]))
    post(client, token, receipt("PAR/2", at=T0.replace(day=3)))
    post(client, token, refund("ZW/1", original="PAR/1", lines=[back("a", "1", "1", 1450)]))


def test_the_documents_list_filters_and_exports(client, app, world_a, token_a, jan, points_on, manager_a):
    _sales(client, token_a)
    page = manager_a.get("/documents/").data.decode()
    assert "PAR/1" in page and "PAR/2" in page and "ZW/1" in page
    assert "Kowalski" in page  # the customer's name
    only_returns = manager_a.get("/documents/?type=return", headers=HX).data.decode()
    assert "ZW/1" in only_returns and "PAR/2" not in only_returns
    by_day = manager_a.get("/documents/?since=2026-12-02&until=2026-12-03").data.decode()
    assert "PAR/2" in by_day and "PAR/1" not in by_day
    csv = manager_a.get("/documents/export.csv?type=receipt")
    text = csv.data.decode("utf-8-sig")
    assert csv.mimetype == "text/csv" and text.splitlines()[0].startswith("issued_at;issued_on;type")
    assert "PAR/1" in text and "ZW/1" not in text


def test_staff_cannot_see_the_list_but_can_open_a_document(client, app, world_a, token_a, jan, points_on,
                                                           staff_a):
    _sales(client, token_a)
    assert staff_a.get("/documents/").status_code == 403
    with app.app_context(), as_tenant(world_a):
        doc_id = db.session.query(Document.id).filter(Document.number == "PAR/1").scalar()
    page = staff_a.get(f"/documents/{doc_id}").data.decode()
    assert "Pilsner 0,5 l" in page and "ZW/1" in page


def test_flagged_documents_show_both_figures(client, app, world_a, token_a, jan, points_on, manager_a, monkeypatch):
    monkeypatch.setattr(effects, "expected_finals", lambda doc, lines, redeem_points=0: {ln.line_id: ln.base - 100 for ln in lines})
    body = post(client, token_a, receipt("PAR/9", customer=CARD, lines=[line("1", "1", 1000)])).get_json()
    assert body["flags"] == ["discount_mismatch"] and body["expected_total"] == 900 and body["total"] == 1000
    monkeypatch.setattr(effects, "expected_finals", lambda doc, lines, redeem_points=0: {ln.line_id: ln.final for ln in lines})
    assert post(client, token_a, receipt("PAR/10", customer=CARD)).get_json()["flags"] == []
    with app.app_context(), as_tenant(world_a):
        flagged = db.session.query(DocumentLine).filter(DocumentLine.expected_final == 900).one()
        assert flagged.final == 1000
    page = manager_a.get("/documents/?flagged=1").data.decode()
    assert "PAR/9" in page and "PAR/10" not in page
    assert "Discount mismatch" in page and "9.00" in page


def test_the_customer_tabs_show_documents_and_points(client, app, world_a, token_a, jan, points_on, staff_a):
    _sales(client, token_a)
    docs = staff_a.get(f"/customers/{jan['id']}?tab=documents").data.decode()
    assert "PAR/1" in docs and "ZW/1" in docs and "Frytki" in docs and "PAR/2" not in docs
    tab = staff_a.get(f"/customers/{jan['id']}?tab=points", headers=HX).data.decode()
    assert "Taken back by a return" in tab and "Adjust points" not in tab  # staff cannot adjust


def test_a_manager_adjusts_points_with_a_reason(app, world_a, jan, points_on, manager_a):
    url = f"/documents/customer/{jan['id']}/points"
    refused = manager_a.post(url, data={"amount": "15", "reason": " ", "idempotency_key": "k1"}, headers=HX)
    assert refused.status_code == 422
    assert 'value="15"' in refused.data.decode() and "Say why" in refused.data.decode()
    for _ in range(2):  # a double submit
        ok = manager_a.post(url, data={"amount": "15", "reason": "Birthday", "idempotency_key": "k2"})
        assert ok.status_code in (302, 303)
    tab = manager_a.get(f"/customers/{jan['id']}?tab=points").data.decode()
    assert tab.count("Birthday") == 1 and ">15<" in tab


def test_the_points_settings_are_the_owners(app, world_a, owner_a, manager_a):
    assert manager_a.get("/settings/points").status_code == 200
    assert manager_a.post("/settings/points", data={}).status_code == 403
    bad = owner_a.post("/settings/points", data={"enabled": "y", "per_unit": "x", "redeem_points": "0",
                                                 "redeem_value": "1,00", "expiry_months": "200"})
    assert bad.status_code == 422 and 'value="x"' in bad.data.decode()
    ok = owner_a.post("/settings/points", data={"enabled": "y", "per_unit": "2,5", "redeem_points": "100",
                                                "redeem_value": "1,50", "earn_receipt": "y", "expiry_months": "12"})
    assert ok.status_code in (302, 303)
    with app.app_context():
        t = db.session.get(Tenant, world_a.tenant_id)
        assert (t.points_enabled, str(t.points_per_unit), t.points_redeem_value, t.points_earning_types,
                t.points_expiry_months) == (True, "2.500", 150, "receipt", 12)


def test_the_customer_list_filters_by_points_and_the_dashboard_shows_them(client, app, world_a, token_a, jan,
                                                                          points_on, manager_a):
    from ..cards.factories import make_customer

    with app.app_context(), as_tenant(world_a):
        make_customer("Ewa", "Bezpunktowa")
        db.session.commit()
    post(client, token_a, receipt(customer=CARD, lines=[line("1", "1", 12300)]))
    has = manager_a.get("/customers/?points=yes").data.decode()
    assert "Kowalski" in has and "Bezpunktowa" not in has
    assert "Bezpunktowa" in manager_a.get("/customers/?points=no").data.decode()
    dashboard = manager_a.get("/").data.decode()
    assert "Points outstanding" in dashboard and ">123<" in dashboard


def test_the_list_and_the_tabs_take_as_many_queries_for_40_documents_as_for_2(client, app, world_a, token_a, jan,
                                                                              points_on, manager_a, count_queries):
    def queries(url) -> int:
        manager_a.get(url, headers=HX)  # warm caches
        with count_queries() as n:
            assert manager_a.get(url, headers=HX).status_code == 200
        return n()

    urls = ("/documents/", f"/customers/{jan['id']}?tab=documents", f"/customers/{jan['id']}?tab=points")
    for i in range(2):
        post(client, token_a, receipt(f"R-{i}", customer=CARD))
    few = [queries(u) for u in urls]
    for i in range(2, 40):
        post(client, token_a, receipt(f"R-{i}", customer=CARD, lines=[line("1"), line("2")]))
    assert [queries(u) for u in urls] == few
