"""The input walker: every route, with the tenant's own ids, and every field its pages show,
filled with what breaks naive code (a NUL byte, which PostgreSQL refuses in text; a value far
past any column's length; numbers past any integer; malformed UTF-8). Bad input must get an
answer below 500, never an error page.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from panel.extensions import db
from panel.models import Customer
from panel.models.base import row_id

from .conftest import HX, as_tenant
from .customers.test_views import form
from .test_tenant_isolation import ID_PARAMS, METHODS, NON_TENANT_PARAMS, _rules, _url, graphs  # noqa: F401

HOSTILE = ("a\x00b", "\x00", "x" * 5000, "99999999999999999999", "-1", "%ff", "ﬁ\u202e𝕏😀", " ")
# Names the walker sends whatever a page shows: the query arguments lists and fragments read.
QUERY_NAMES = {"q", "sort", "after", "before", "status", "consent", "staff", "card", "group", "tier", "wallet",
               "nip", "ico", "email", "phone", "country", "exclude", "code", "row", "other", "since", "until",
               "action", "kind", "next", "back", "format", "reader_format", "encoding", "delimiter"}
_NAME = re.compile(r'\bname="([^"]+)"')


def _field_names(owner_a, app, graph) -> set[str]:
    """Every input name on every page the owner can open, plus the query names above."""
    names = set(QUERY_NAMES)
    for rule in _rules(app):
        if "GET" not in rule.methods or rule.endpoint.startswith(("api.", "health.")):
            continue
        values = {arg: ID_PARAMS[arg](graph) if arg in ID_PARAMS else "x" for arg in rule.arguments}
        resp = owner_a.get(_url(app, rule.endpoint, **values))
        if resp.status_code == 200 and resp.mimetype == "text/html":
            names |= set(_NAME.findall(resp.get_data(as_text=True)))
        resp.close()  # a download left unread (streamed) would keep its request's context
    return names - {"csrf_token"}


@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: repr(v[:12]))
def test_no_route_answers_500_to_hostile_input(app, graphs, owner_a, value):
    a, _b = graphs
    names = _field_names(owner_a, app, a)
    assert {"first_name", "nip", "q", "email"} <= names  # the pages were read, not just the list above
    data = {name: value for name in names}
    tried = 0
    for rule in _rules(app):
        values = {arg: ID_PARAMS[arg](a) if arg in ID_PARAMS else "x" for arg in rule.arguments
                  if arg in ID_PARAMS or arg in NON_TENANT_PARAMS}
        url = _url(app, rule.endpoint, **values)
        api = rule.endpoint.startswith("api.")
        client = app.test_client() if api else owner_a
        auth = {"Authorization": f"Bearer {a.token}"} if api else {}
        for method in sorted(rule.methods & set(METHODS)):
            if rule.endpoint in ("auth.logout", "auth.switch_tenant", "users.remove", "settings.token_revoke"):
                continue  # would end the walker's own session or access, not test input
            for extra in ({}, HX):
                if method == "GET":
                    resp = client.get(url, query_string=data, headers={**auth, **extra})
                elif api:
                    resp = client.open(url, method=method, json=data, headers={**auth, **extra})
                else:
                    resp = client.open(url, method=method, data=data, headers=extra)
                resp.close()  # a streamed export holds its app context (and g) until closed
                assert resp.status_code < 500, f"{method} {url} with {value[:20]!r} answered {resp.status_code}"
                tried += 1
    assert tried > 100


def test_nul_characters_are_dropped_where_the_request_is_read(app, graphs, owner_a, world_a):
    """Not refused: what a person typed around a stray NUL is kept, in forms, JSON and searches."""
    a, _b = graphs
    resp = owner_a.post("/customers/new", data=form(first_name="Ja\x00n", last_name="Nul\x00ek", email="", phone=""))
    assert resp.status_code == 303
    api = app.test_client().post("/api/v1/customers", json={"first_name": "Ew\u0000a", "last_name": "Json"},
                                 headers={"Authorization": f"Bearer {a.token}"})
    assert api.status_code == 201 and api.get_json()["customer"]["first_name"] == "Ewa"
    with app.app_context(), as_tenant(world_a):
        names = set(db.session.execute(select(Customer.first_name, Customer.last_name)).all())
    assert {("Jan", "Nulek"), ("Ewa", "Json")} <= names
    found = owner_a.get("/customers/?q=Nul%00ek", headers=HX).get_data(as_text=True)
    assert "Jan Nulek" in found


@pytest.mark.parametrize("value, expected", [
    ("12", 12), (" 12 ", 12), (12, 12), ("2147483647", 2147483647), ("2147483648", None), ("0", None),
    ("-1", None), ("1e3", None), ("١٢", None), ("9" * 5000, None), (True, None), (None, None), ("", None),
])
def test_row_id_takes_only_what_could_name_a_row(value, expected):
    assert row_id(value) == expected
