"""The POS API (v1): JSON, bearer tokens, the tenant taken from the token.

Every request but the OpenAPI document and the API page authenticates in `_authenticate`;
the tenant is set from the token for the request and reset in `_reset`. Each operation is
declared once with @api_operation (declare.py): its scope, its models, its errors. Errors are
always {"error": {"code": ..., "message": ...}} (errors.py), raised, never built by a view.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, g, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import or_, update

from ... import clock
from ...access import load_request_tenant, read_without_transaction, require_role
from ...extensions import db
from ...models import ApiToken, Customer
from ...models.base import aware, row_id, utcnow
from ...services import ServiceError, terminal, tokens
from ...services import cards as card_service
from ...services.loyalty import standing
from ...tenancy import require_tenant_id, reset_tenant, set_tenant
from . import bp, errors, limits, openapi
from .declare import api_operation
from .errors import ApiError
from .schemas import (
    CARD_EXAMPLE,
    CUSTOMER_EXAMPLE,
    Card,
    CardLookup,
    CustomerCreate,
    CustomerCreated,
    CustomerDetail,
    CustomerList,
    CustomerSearch,
    CustomerWithCards,
    PointsBalance,
    WalletBalance,
)
from .schemas import Customer as CustomerOut

PUBLIC = ("api.openapi", "api.docs")
TOUCH_EVERY = timedelta(minutes=1)


@bp.before_request
def _authenticate():
    g.api_token = None  # the ApiCaller; audit entries name it
    if request.endpoint == "api.docs":
        load_request_tenant()  # a panel page: the signed-in member's tenant, as everywhere else
        return None
    if request.endpoint in PUBLIC:
        return None
    if request.method in ("GET", "HEAD"):
        # Reads need no transaction: autocommit saves the BEGIN and ROLLBACK round trips, a
        # third of a card scan's time in the database.
        read_without_transaction()
    scheme, _sep, plain = request.headers.get("Authorization", "").partition(" ")
    token = tokens.authenticate(plain.strip()) if scheme.lower() == "bearer" else None
    # Counted before the 401 too: an address guessing tokens meets its limit.
    limits.check(request.remote_addr, token.id if token is not None else None)
    if token is None:
        raise ApiError(401, "unauthorized", _("Send a valid API token: Authorization: Bearer <token>."))
    g.api_token = token
    g.api_tenant_scope = set_tenant(token.tenant_id)
    _touch(token)
    return None


def _touch(token: tokens.ApiCaller) -> None:
    """Note when the token was last used, at most once a minute: one guarded UPDATE, no read.

    A read runs in autocommit, so the UPDATE is saved at once; a write's request commits it
    with the write (a refused write leaves the note out).
    """
    now = utcnow()
    last = aware(token.last_used_at)
    if last is not None and now - last < TOUCH_EVERY:
        return
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id,
               or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at < now - TOUCH_EVERY))
        .values(last_used_at=now)
        .execution_options(synchronize_session=False))


@bp.teardown_request
def _reset(_exc):
    scope = g.pop("api_tenant_scope", None)
    if scope is not None:
        reset_tenant(scope)


@bp.errorhandler(ApiError)
def _api_error(e: ApiError):
    return errors.response(e)


@bp.errorhandler(ServiceError)
def _service_error(e: ServiceError):
    return errors.response(errors.from_service_error(e))


# --- endpoints -------------------------------------------------------------------------------

@bp.get("/cards/<any_text:code>")
@api_operation(
    operation_id="getCard", scope="pos", summary="Find a card and its customer", response=CardLookup,
    answer="The card and its customer.", errors=("card_not_found",),
    example={"card": CARD_EXAMPLE, "customer": CUSTOMER_EXAMPLE, "wallet": {"balance": 15650, "currency": "PLN"}},
    path={"code": {"description": "What the reader typed (URL-encoded).", "example": "3220338716",
                   "schema": {"type": "string", "minLength": 1, "maxLength": 64}}},
    description=(
        "Looks the code up exactly as the panel's terminal does: a card UID matches in any "
        "format your readers type (10-digit decimal, hex in either byte order, with or "
        "without separators); other codes (barcodes) match exactly after trimming. When no "
        "card has the code, the card's printed number is tried.\n\n"
        "`status` is what the till must act on: only `active` cards may be used. Blocked, "
        "lost and replaced cards all report `blocked`, with `reason` saying which; an expired "
        "card reports `expired`."))
def card(code: str):
    found = card_service.pos_scan(g.api_token.tenant_id, g.api_token.reader_format, code)
    if found is None:
        raise ApiError(404, "card_not_found", _("No card has this code."))
    scanned, holder = found
    return CardLookup.model_construct(card=Card.of(scanned, clock.today()), customer=CustomerOut.of(holder, holder.tier()),
                                      wallet=WalletBalance.of(holder),
                                      points=PointsBalance.model_construct(balance=int(holder.points_balance or 0)))


@bp.get("/customers")
@api_operation(
    operation_id="searchCustomers", scope="pos", summary="Search customers", response=CustomerList,
    query=CustomerSearch, answer="The matching customers, by name.", example={"customers": [CUSTOMER_EXAMPLE]},
    description=(
        "By name, company, NIP, phone, e-mail or card code, as the panel's search does. "
        "Archived, merged and erased customers are left out. Without `q`, the first "
        "customers by name."))
def customers(query: CustomerSearch):
    found = terminal.search_customers(query.q, query.limit)
    tiers = standing.badges([c.id for c in found])
    return CustomerList.model_construct(customers=[CustomerOut.of(c, tiers.get(c.id)) for c in found])


@bp.get("/customers/<any_text:customer_id>")
@api_operation(
    operation_id="getCustomer", scope="pos", summary="A customer with their cards", response=CustomerDetail,
    answer="The customer and all their cards (history included).", errors=("customer_not_found",),
    example={"customer": {**CUSTOMER_EXAMPLE, "cards": [CARD_EXAMPLE]}},
    path={"customer_id": {"example": 42, "schema": {"type": "integer", "minimum": 1}}})
def customer(customer_id: str):
    found = db.session.get(Customer, known) if (known := row_id(customer_id)) else None
    if found is None or found.tenant_id != require_tenant_id():
        raise ApiError(404, "customer_not_found", _("No customer has this id."))
    today = clock.today()
    return CustomerDetail.model_construct(customer=CustomerWithCards.model_construct(
        **CustomerOut.fields_of(found, standing.tier_json(found.id)), cards=[Card.of(c, today) for c in found.cards]))


@bp.post("/customers")
@api_operation(
    operation_id="createCustomer", scope="pos", summary="Add a customer (quick add at the till)",
    body=CustomerCreate, response=CustomerCreated, status=201, idempotency="optional",
    answer="The new customer (and card).", errors=("card_taken",),
    example={"customer": CUSTOMER_EXAMPLE, "card": CARD_EXAMPLE},
    description=(
        "Creates a customer, optionally with a card. A name (first, last or company) is "
        "required. The card is checked first: a code already on someone's card answers 409 "
        "`card_taken` and creates nobody. Send an `Idempotency-Key` so that a retry after a "
        "timeout returns the first answer instead of creating a second customer."))
def create_customer(body: CustomerCreate):
    created, new_card = terminal.quick_add(body.customer_fields(), card_code=body.card_code,
                                           card_number=body.card_number, card_expires_on=body.card_expires_on)
    answer = CustomerCreated.model_construct(
        customer=CustomerOut.of(created), card=Card.of(new_card, clock.today()) if new_card is not None else None)
    return answer, {"Location": url_for("api.customer", customer_id=created.id)}


@bp.get("/openapi.json", endpoint="openapi")
def openapi_document():
    return jsonify(openapi.document(current_app))


@bp.get("/docs")
@require_role("staff")
def docs():
    """The API page in the panel, rendered from the OpenAPI document."""
    spec = openapi.document(current_app)
    error_codes = [(code, status, meaning) for code, (status, meaning) in errors.ERRORS.items()]
    return render_template("api/docs.html", spec=spec, operations=_operations(spec), error_codes=error_codes,
                           meanings={code: meaning for code, _status, meaning in error_codes},
                           scope_labels=scope_labels(),
                           base=request.url_root.rstrip("/") + spec["servers"][0]["url"],
                           schemas={name: spec["components"]["schemas"][name] for name in ("Card", "Customer")})


def scope_labels() -> dict[str, str]:
    """Each token scope as the token settings call it ("May do"), for the operations' badges."""
    return {"pos": _("POS"), "manage": _("Management")}


def _resolve(spec: dict, schema: dict) -> dict:
    ref = schema.get("$ref")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def _operations(spec: dict) -> list[dict]:
    """Each operation with its request body's fields resolved, for the template."""
    out = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            out.append({
                "method": method.upper(), "path": path, "op": op,
                "body_fields": _resolve(spec, body["schema"]).get("properties", {}) if body else {},
                "body_example": body.get("example") if body else None,
                "ok": next((r for code, r in op["responses"].items() if code.startswith("2")), None),
            })
    return out


@bp.app_template_filter("api_type")
def api_type(schema: dict) -> str:
    """A JSON schema's type as the API page shows it: "string (date) ≤ 10 | null", "Card[]"."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    if "anyOf" in schema:
        return " | ".join(api_type(s) for s in schema["anyOf"])
    kind = schema.get("type", "")
    if kind == "array":
        return api_type(schema.get("items", {})) + "[]"
    if "enum" in schema:
        return f"{kind}: " + ", ".join(str(v) for v in schema["enum"] if v is not None)
    text = kind + (f" ({schema['format']})" if "format" in schema else "")
    if "minimum" in schema and "maximum" in schema:
        text += f" {schema['minimum']}–{schema['maximum']}"
    if "maxLength" in schema:
        text += f" ≤ {schema['maxLength']}"
    return text


@bp.app_template_filter("api_text")
def api_text(text: str) -> Markup:
    """The document's prose: paragraphs, and `code` in backticks."""
    return Markup("".join(f"<p>{api_inline(para)}</p>" for para in str(text or "").split("\n\n")))


@bp.app_template_filter("api_inline")
def api_inline(text: str) -> Markup:
    """One line of the document's prose, `code` in backticks."""
    parts = str(escape(text or "")).split("`")
    return Markup("".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts)))


@bp.app_template_filter("api_l10n")
def api_l10n(text: str | None) -> str:
    """The OpenAPI document's English text in the viewer's language, for the API page.

    The document itself stays English (it is for programs); its strings are translated in the
    catalogs like any other. Plain text comes back, so the page escapes it ("<token>").
    """
    return _(text) if text else ""
