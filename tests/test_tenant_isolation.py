"""The route walker: every route, tried by tenant A with tenant B's ids, must answer 404 and
leave B's data as it was. A route whose URL parameter the walker does not know fails the suite,
so a new route cannot ship without isolation coverage.
"""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Callable

import pytest
from flask import url_for
from sqlalchemy import select

from panel.extensions import db
from panel.jobs import start_job
from panel.jobs.exports import export_audit_log
from panel.models import (
    ApiToken,
    Card,
    Category,
    Customer,
    CustomerGroup,
    CustomerTier,
    Discount,
    DiscountTarget,
    DiscountWindow,
    Document,
    DocumentLine,
    DocumentPayment,
    GroupDiscount,
    GroupPriceList,
    Invite,
    JobRun,
    LoyaltySettings,
    Membership,
    PointsEntry,
    PriceList,
    PriceListEntry,
    Product,
    Tenant,
    Tier,
    TierChange,
    TierDiscount,
    TierPriceList,
    Wallet,
    WalletBonusRule,
    WalletEntry,
)
from panel.services import accounts, audit, documents, tokens
from panel.tenancy import tenant_scope

from .conftest import HX

B_MARK = "Zvláštní-Beta-Xq7"       # tenant B's customer's first name: what A searches for
# In B's data only and never part of a query the walker sends, so an echo cannot match them.
B_SECRETS = (f"tajny.host@{B_MARK.lower()}", f"N-SECRET-{B_MARK}", f"{B_MARK} Secret s.r.o.")
B_CARD_CODE = "3220338716"          # B's card; A must never find it


@dataclass
class Graph:
    customer_id: int
    card_id: int
    run_id: int
    membership_id: int
    invite_id: int
    token_id: int
    token: str
    card_code: str
    group_id: int
    discount_id: int
    price_list_id: int
    category_id: int       # our row id (panel URLs)
    product_id: int        # our row id (panel URLs)
    category_ext: str      # the POS's id (API bodies and queries)
    product_ext: str
    wallet_entry_id: int = 0
    bonus_rule_id: int = 0
    tier_id: int = 0
    document_id: int = 0


def _graph(world, mark: str, card_code: str) -> Graph:
    with tenant_scope(world.tenant_id):
        customer = Customer(first_name=mark, last_name="Dvořák", company_name=f"{mark} Secret s.r.o.",
                            email=f"tajny.host@{mark.lower()}.test", phone="+420 777 123 456",
                            phone_digits="420777123456", ico="26168685", sort_name=f"dvořák {mark}".lower(),
                            search_text=f"{mark} dvorak".lower())
        db.session.add(customer)
        db.session.flush()
        from panel import cardcodes

        card = Card(customer_id=customer.id, code=card_code, code_key=cardcodes.lookup_key(card_code, "auto"),
                    number=f"N-SECRET-{mark}", expires_on=date.today() + timedelta(days=20))
        db.session.add(card)
        audit.record("customer.created", "customer", customer.id, mark)
        run = start_job("audit_export", export_audit_log, created_by_id=world.owner.id)
        db.session.info.pop("regulars_pending_jobs", None)  # the walker does not need it run
        membership = db.session.scalar(select(Membership).where(Membership.user_id == world.staff.id))
        invite, _t = accounts.create_invite(f"invitee@{mark.lower()}.test", "staff", world.owner.id)
        token, plain = tokens.create(f"Till {mark}", scopes=("pos", "manage"))  # manage: the walker reaches every operation
        pricing = _pricing_graph(mark, customer) | _loyalty_graph(mark, customer)
        wallet = _wallet_graph(customer)
        documents = _documents_graph(mark, customer)
        db.session.commit()
        return Graph(customer.id, card.id, run.id, membership.id, invite.id, token.id, plain, card_code, **pricing,
                     **wallet, **documents)


def _wallet_graph(customer: Customer) -> dict:
    """A topped-up wallet (its top-up entry) and a top-up bonus rule."""
    from decimal import Decimal

    from panel.services import wallets

    rule = wallets.add_rule(5000, None, Decimal("10"))
    moved = wallets.top_up(customer, 10000, "cash")
    return {"wallet_entry_id": moved.entry.id, "bonus_rule_id": rule.id}


def _documents_graph(mark: str, customer: Customer) -> dict:
    """A receipt of the customer's with its points, and a return of part of it."""
    tenant = db.session.get(Tenant, customer.tenant_id)
    tenant.points_enabled = True
    sale = documents.record(documents.DocumentIn(
        type="receipt", number=f"PAR-{mark}", register_id="kasa-1", issued_at=datetime(2026, 12, 1, 18, tzinfo=timezone.utc),
        customer_id=customer.id, lines=[documents.LineIn("1", Decimal(2), 1500, 3000, name=f"Beer {mark}")],
        payments=[("card", 3000)]))
    documents.record(documents.DocumentIn(
        type="return", number=f"ZW-{mark}", register_id="kasa-1", issued_at=datetime(2026, 12, 1, 19, tzinfo=timezone.utc),
        lines=[documents.LineIn("a", Decimal(1), 1500, 1500, original_line_id="1")], payments=[("cash", 1500)],
        original=("kasa-1", "receipt", f"PAR-{mark}")))
    return {"document_id": sale.document.id}


def _pricing_graph(mark: str, customer: Customer) -> dict:
    """A category, a product, a hidden discount and a price list granted by a group the customer is in."""
    category = Category(external_id=f"cat-{mark}", name=f"Drinks {mark}")
    db.session.add(category)
    db.session.flush()
    product = Product(external_id=f"prod-{mark}", name=f"Beer {mark}", category_id=category.id, price=1200)
    discount = Discount(name=f"Regulars {mark}", name_key=f"regulars {mark}".lower(), percent=5, scope="bill",
                        selectable=False)
    price_list = PriceList(name=f"Staff prices {mark}", name_key=f"staff prices {mark}".lower())
    group = CustomerGroup(name=f"Regulars {mark}", name_key=f"regulars {mark}".lower())
    db.session.add_all([product, discount, price_list, group])
    db.session.flush()
    db.session.add_all([
        PriceListEntry(price_list_id=price_list.id, product_id=product.id, unit_price=900),
        DiscountTarget(discount_id=discount.id, category_id=category.id, excluded=True),
        GroupDiscount(group_id=group.id, discount_id=discount.id),
        GroupPriceList(group_id=group.id, price_list_id=price_list.id),
    ])
    customer.group_id = group.id
    return {"group_id": group.id, "discount_id": discount.id, "price_list_id": price_list.id,
            "category_id": category.id, "product_id": product.id, "category_ext": category.external_id,
            "product_ext": product.external_id}


def _loyalty_graph(mark: str, customer: Customer) -> dict:
    """A tier granting the hidden discount and the price list, the customer in it, and its history."""
    tier = Tier(rank=1, name=f"Gold {mark}", name_key=f"gold {mark}".lower(), colour="#c9a227", threshold=100)
    db.session.add(tier)
    db.session.flush()
    db.session.add_all([
        TierDiscount(tier_id=tier.id, discount_id=db.session.scalar(select(Discount.id))),
        TierPriceList(tier_id=tier.id, price_list_id=db.session.scalar(select(PriceList.id))),
        CustomerTier(customer_id=customer.id, tier_id=tier.id, valid_until=date.today() + timedelta(days=30)),
        TierChange(customer_id=customer.id, on_day=date.today(), cause="evaluation", new_tier_id=tier.id,
                   new_tier_name=tier.name, turnover=123456, documents=3),
        LoyaltySettings(evaluate=True),
    ])
    return {"tier_id": tier.id}


@pytest.fixture
def graphs(app, world_a, world_b):
    with app.app_context():
        a = _graph(world_a, "Alfa-Mark", "0477688511x")
        b = _graph(world_b, B_MARK, B_CARD_CODE)
        db.session.remove()
    return a, b


# URL parameters the walker fills with tenant B's objects.
ID_PARAMS = {
    "customer_id": lambda g: g.customer_id,
    "card_id": lambda g: g.card_id,
    "run_id": lambda g: g.run_id,
    "membership_id": lambda g: g.membership_id,
    "invite_id": lambda g: g.invite_id,
    "token_id": lambda g: g.token_id,
    "code": lambda g: g.card_code,
    "group_id": lambda g: g.group_id,
    "discount_id": lambda g: g.discount_id,
    "price_list_id": lambda g: g.price_list_id,
    "category_id": lambda g: g.category_id,
    "product_id": lambda g: g.product_id,
    "entry_id": lambda g: g.wallet_entry_id,
    "rule_id": lambda g: g.bonus_rule_id,
    "tier_id": lambda g: g.tier_id,
    "document_id": lambda g: g.document_id,
}
# Parameters that carry no tenant object; each says why it is safe.
NON_TENANT_PARAMS = {
    "filename": "static files",
    "token": "an invitation or password-reset link's secret; tested in test_auth and "
             "test_password_reset (unknown token -> 404)",
}
PUBLIC_ENDPOINTS = {"static", "auth.login", "auth.signup", "auth.invite", "auth.language", "health.healthz",
                    "api.openapi", "api.docs", "auth.forgot_password", "auth.reset_password"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _no_secrets(body: str, where: str) -> None:
    for secret in B_SECRETS:
        assert secret not in body, f"{where} shows tenant B's data ({secret})"


def _text(resp) -> str:
    """The body as text; a workbook (a zip: the export for Excel) by the XML of its parts."""
    data = resp.get_data()
    if data.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            return "".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())
    return data.decode("utf-8", "replace")


def _url(app, endpoint: str, **values) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def _b_state(app, world_b) -> str:
    """A fingerprint of everything tenant B owns, to prove the walk changed nothing."""
    with app.app_context(), tenant_scope(world_b.tenant_id):
        rows = []
        for model in (Customer, Card, JobRun, Membership, Invite, ApiToken, Category, Product, CustomerGroup,
                      Discount, DiscountTarget, DiscountWindow, PriceList, PriceListEntry, GroupDiscount,
                      GroupPriceList, Wallet, WalletEntry, WalletBonusRule,
                      Tier, TierDiscount, TierPriceList, CustomerTier, TierChange, LoyaltySettings,
                      Document, DocumentLine, DocumentPayment, PointsEntry):
            order = model.__table__.primary_key.columns
            for obj in db.session.scalars(select(model).order_by(*order)):
                cols = {c.key: getattr(obj, c.key) for c in model.__table__.columns if c.key != "file_data"}
                rows.append(json.dumps(cols, default=str, sort_keys=True))
        db.session.remove()
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


# Fields of the API's JSON bodies and query strings that name a row (declared with
# schemas.TenantRef): (operationId, field path) -> tenant B's value. A new id field that is not
# listed fails test_api_id_fields_in_bodies_and_queries_are_covered.
API_ID_FIELDS: dict[tuple[str, str], Callable[[Graph], object]] = {
    ("createPriceList", "body:entries[].product_id"): lambda g: g.product_ext,
    ("createPriceList", "body:entries[].category_id"): lambda g: g.category_ext,
    ("updatePriceList", "body:entries[].product_id"): lambda g: g.product_ext,
    ("updatePriceList", "body:entries[].category_id"): lambda g: g.category_ext,
    ("createGroup", "body:discount_ids"): lambda g: [g.discount_id],
    ("createGroup", "body:price_list_ids"): lambda g: [g.price_list_id],
    ("updateGroup", "body:discount_ids"): lambda g: [g.discount_id],
    ("updateGroup", "body:price_list_ids"): lambda g: [g.price_list_id],
    ("updateCustomer", "body:group_id"): lambda g: g.group_id,
    ("syncCatalog", "body:categories[].parent_id"): lambda g: g.category_ext,
    ("syncCatalog", "body:products[].category_id"): lambda g: g.category_ext,
    ("listProducts", "query:category_id"): lambda g: g.category_ext,
    ("listProducts", "query:cursor"): lambda g: g.product_ext,
    # Discounts name categories and products by the POS's ids.
    **{(op, f"body:{field}"): (lambda g: [g.category_ext]) if "category" in field else (lambda g: [g.product_ext])
       for op in ("createDiscount", "updateDiscount")
       for field in ("category_ids", "product_ids", "excluded_category_ids", "excluded_product_ids")},
    ("quoteBill", "body:customer.id"): lambda g: g.customer_id,
    ("quoteBill", "body:discount_ids"): lambda g: [g.discount_id],
    ("putTiers", "body:tiers[].id"): lambda g: g.tier_id,
    ("putTiers", "body:tiers[].discount_ids"): lambda g: [g.discount_id],
    ("putTiers", "body:tiers[].price_list_ids"): lambda g: [g.price_list_id],
    ("startTierEvaluation", "body:tiers[].id"): lambda g: g.tier_id,
    ("startTierEvaluation", "body:tiers[].discount_ids"): lambda g: [g.discount_id],
    ("startTierEvaluation", "body:tiers[].price_list_ids"): lambda g: [g.price_list_id],
    ("putCustomerTier", "body:tier_id"): lambda g: g.tier_id,
    ("recordDocument", "body:customer.id"): lambda g: g.customer_id,
}


def _tenant_refs(schema: dict, defs: dict | None = None, prefix: str = "") -> list[str]:
    """The paths ("card_id", "lines[].customer_id") of a JSON schema's tenant-ref fields."""
    defs = schema.get("$defs", {}) if defs is None else defs
    if "$ref" in schema:
        return _tenant_refs(defs[schema["$ref"].rsplit("/", 1)[1]], defs, prefix)
    found = [prefix] if "x-tenant-ref" in schema else []
    for branch in schema.get("anyOf", []) + schema.get("allOf", []):
        found += _tenant_refs(branch, defs, prefix)
    if "items" in schema:
        found += _tenant_refs(schema["items"], defs, prefix + "[]")
    for name, prop in schema.get("properties", {}).items():
        found += _tenant_refs(prop, defs, f"{prefix}.{name}" if prefix else name)
    return found


def _api_id_fields(app) -> list[tuple[str, str, str, str, dict]]:
    """(method, path, operationId, "body:"/"query:" + field path, the body's example) of every id
    the API reads from JSON or a query string."""
    from panel.blueprints.api.openapi import _example, operations

    found = []
    for method, path, op in operations(app):
        for where, model in (("body", op.body), ("query", op.query)):
            if model is not None:
                example = _example(model) or {}
                found += [(method, path, op.operation_id, f"{where}:{ref}", example)
                          for ref in _tenant_refs(model.model_json_schema())]
    return found


def _put(data: dict, path: str, value) -> dict:
    """`data` with the field at `path` ("a", "lines[].b") set to `value` (lists get one item)."""
    head, _dot, rest = path.partition(".")
    if head.endswith("[]"):
        item = dict((data.get(head[:-2]) or [{}])[0])
        return {**data, head[:-2]: [_put(item, rest, value) if rest else value]}
    return {**data, head: _put(dict(data.get(head) or {}), rest, value) if rest else value}


def test_the_walker_finds_id_fields_in_nested_bodies():
    from pydantic import BaseModel

    from panel.blueprints.api.schemas import TenantRef

    class Line(BaseModel):
        card_id: int = TenantRef("card")
        note: str = ""

    class Body(BaseModel):
        customer_id: int | None = TenantRef("customer", default=None)
        lines: list[Line] = []

    assert sorted(_tenant_refs(Body.model_json_schema())) == ["customer_id", "lines[].card_id"]
    assert _put({"lines": [{"note": "x"}]}, "lines[].card_id", 7) == {"lines": [{"note": "x", "card_id": 7}]}


def test_api_id_fields_in_bodies_and_queries_are_covered(app, graphs, world_b):
    a, b = graphs
    fields = _api_id_fields(app)
    unknown = {(op_id, ref) for _m, _p, op_id, ref, _e in fields if (op_id, ref) not in API_ID_FIELDS}
    assert not unknown, f"API fields naming rows that the isolation walker does not cover: {unknown}"
    before = _b_state(app, world_b)
    client = app.test_client()
    for method, path, op_id, ref, example in fields:
        where, field = ref.split(":", 1)
        value = API_ID_FIELDS[(op_id, ref)](b)
        url = "/api/v1" + path.format(**{arg: ID_PARAMS[arg](a) for arg in ID_PARAMS if "{" + arg + "}" in path})
        # The operation's own example, valid but for the one id that is tenant B's.
        body = _put(example, field, value) if where == "body" else None
        query = _put(example, field, value) if where == "query" else None
        # A fresh Idempotency-Key, for the operations that require one.
        resp = client.open(url, method=method, json=body, query_string=query,
                           headers={"Authorization": f"Bearer {a.token}", "Idempotency-Key": f"walker-{op_id}-{field}"})
        assert resp.status_code == 404, f"{method} {url} with B's {field} answered {resp.status_code}"
        _no_secrets(resp.get_data(as_text=True), f"{method} {url} {field}")
    assert _b_state(app, world_b) == before


def test_every_url_parameter_is_known(app):
    unknown = {(r.rule, a) for r in _rules(app) for a in r.arguments
               if a not in ID_PARAMS and a not in NON_TENANT_PARAMS}
    assert not unknown, f"routes with parameters the isolation walker does not cover: {unknown}"


def test_tenant_a_gets_404_for_every_route_with_tenant_b_ids(app, graphs, world_a, world_b, owner_a):
    a, b = graphs
    before = _b_state(app, world_b)
    checked = []
    for rule in _rules(app):
        tenant_args = [arg for arg in rule.arguments if arg in ID_PARAMS]
        if not tenant_args:
            continue
        values = {arg: ID_PARAMS[arg](b) for arg in rule.arguments if arg in ID_PARAMS}
        values.update({arg: "x" for arg in rule.arguments if arg in NON_TENANT_PARAMS})
        url = _url(app, rule.endpoint, **values)
        api = rule.endpoint.startswith("api.")
        client = app.test_client() if api else owner_a
        auth = {"Authorization": f"Bearer {a.token}"} if api else {}
        for method in METHODS:
            if method not in rule.methods:
                continue
            for extra in ({}, HX):
                resp = client.open(url, method=method, headers={**auth, **extra}, data={}, json=None)
                assert resp.status_code == 404, f"{method} {url} ({rule.endpoint}) answered {resp.status_code}"
                _no_secrets(resp.get_data(as_text=True), f"{method} {url}")
                checked.append((method, rule.endpoint))
    assert checked, "the walker found no routes with ids"
    assert _b_state(app, world_b) == before


def test_pages_and_fragments_without_ids_show_nothing_of_tenant_b(app, graphs, owner_a):
    a, b = graphs
    shown = []
    for rule in _rules(app):
        if rule.arguments or "GET" not in rule.methods or rule.endpoint.startswith(("api.", "auth.", "health.")):
            continue
        for query in ("", f"?q={B_MARK}", f"?q={B_CARD_CODE}", "?q=dvorak"):
            for extra in ({}, HX):
                resp = owner_a.get(_url(app, rule.endpoint) + query, headers=extra)
                assert resp.status_code < 500, f"{rule.rule}{query} answered {resp.status_code}"
                _no_secrets(_text(resp), f"{rule.rule}{query}")
                shown.append(rule.endpoint)
    # The lists that hold B's records must have been among the pages searched.
    assert {"customers.index", "cards.index", "audit.index", "users.index", "terminal.lookup",
            "exports.customers_csv", "exports.customers_xlsx"} <= set(shown)


def test_api_never_shows_tenant_b(app, graphs):
    a, b = graphs
    client = app.test_client()
    auth = {"Authorization": f"Bearer {a.token}"}
    searched = []
    for rule in _rules(app):
        if not rule.endpoint.startswith("api.") or rule.arguments or "GET" not in rule.methods:
            continue
        for query in ("", f"?q={B_MARK}", f"?q={B_CARD_CODE}", "?q=dvorak"):
            resp = client.get(_url(app, rule.endpoint) + query, headers=auth)
            assert resp.status_code < 500
            _no_secrets(resp.get_data(as_text=True), f"{rule.rule}{query}")
            searched.append(rule.endpoint)
    assert "api.customers" in searched
    # A's own search does find A's customer: the empty answers above are not an outage.
    found = client.get("/api/v1/customers?q=Alfa-Mark", headers=auth).get_json()["customers"]
    assert [c["id"] for c in found] == [a.customer_id]


def test_every_non_public_route_needs_a_sign_in(app, graphs):
    client = app.test_client()
    a, _b = graphs
    for rule in _rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        values = {arg: ID_PARAMS[arg](a) if arg in ID_PARAMS else "x" for arg in rule.arguments}
        url = _url(app, rule.endpoint, **values)
        for method in sorted(rule.methods & set(METHODS)):
            resp = client.open(url, method=method)
            if rule.endpoint.startswith("api."):
                assert resp.status_code == 401, f"{method} {url} answered {resp.status_code} without a token"
            else:
                assert resp.status_code in (302, 401), f"{method} {url} answered {resp.status_code} anonymously"
                if resp.status_code == 302:
                    assert resp.headers["Location"].startswith("/login")


def test_absurd_ids_are_404_not_500(owner_a, graphs):
    for url in ("/cards/99999999999/block", "/customers/99999999999", "/jobs/99999999999"):
        method = "POST" if url.endswith("block") else "GET"
        assert owner_a.open(url, method=method).status_code == 404, url


def test_api_routing_errors_answer_json(client):
    resp = client.post("/api/v1/openapi.json")
    assert resp.status_code == 405 and resp.get_json()["error"]["code"] == "method_not_allowed"
    resp = client.get("/api/v1/no-such-thing")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
