"""The POS API (v1): JSON, bearer tokens, the tenant taken from the token.

Every request but the OpenAPI document and the API page authenticates in `_authenticate`;
the tenant is set from the token for the request and reset in `_reset`. Errors are always
{"error": {"code": ..., "message": ...}}.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask import g, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import or_, update

from ... import clock
from ...access import load_request_tenant, read_without_transaction, require_role
from ...extensions import db
from ...models import ApiToken, Card, Customer
from ...models.base import aware, row_id, utcnow
from ...services import ServiceError, tokens
from ...services import cards as card_service
from ...services import customer_list
from ...services import customers as customer_service
from ...services import terminal
from ...tenancy import require_tenant_id, reset_tenant, set_tenant
from . import bp
from .openapi import ERROR_CODES, document

PUBLIC = ("api.openapi", "api.docs")
TOUCH_EVERY = timedelta(minutes=1)
DEFAULT_LIMIT, MAX_LIMIT = 20, 100
CREATE_FIELDS = ("first_name", "last_name", "company_name", "nip", "email", "phone")
CARD_FIELDS = ("card_code", "card_number", "card_expires_on")


def api_error(status: int, code: str, message: str, **extra):
    resp = jsonify(error={"code": code, "message": message, **extra})
    resp.status_code = status
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="regulars"'
    return resp


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
    if token is None:
        return api_error(401, "unauthorized", _("Send a valid API token: Authorization: Bearer <token>."))
    g.api_token = token
    g.api_tenant_scope = set_tenant(token.tenant_id)
    _touch(token)
    return None


def _touch(token: tokens.ApiCaller) -> None:
    """Note when the token was last used, at most once a minute: one guarded UPDATE, no read."""
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
    db.session.commit()


@bp.teardown_request
def _reset(_exc):
    scope = g.pop("api_tenant_scope", None)
    if scope is not None:
        reset_tenant(scope)


# --- JSON shapes -----------------------------------------------------------------------------

def card_json(card: Card | card_service.PosCard, today: date) -> dict:
    status, reason = card_service.pos_state(card, today)
    return {"id": card.id, "code": card.code, "number": card.number, "status": status, "reason": reason,
            "usable": status == "active", "expires_on": card.expires_on.isoformat() if card.expires_on else None}


def customer_json(c: Customer | card_service.PosCustomer) -> dict:
    # group and tier arrive with their features; until then the keys exist and are null.
    return {"id": c.id, "name": c.display_name, "first_name": c.first_name, "last_name": c.last_name,
            "company_name": c.company_name, "nip": c.nip, "email": c.email, "phone": c.phone,
            "archived": c.archived_at is not None, "group": None, "tier": None}


# --- endpoints -------------------------------------------------------------------------------

@bp.get("/cards/<any_text:code>")
def card(code: str):
    found = card_service.pos_scan(g.api_token.tenant_id, g.api_token.reader_format, code)
    if found is None:
        return api_error(404, "card_not_found", _("No card has this code."))
    scanned, holder = found
    return jsonify(card=card_json(scanned, clock.today()), customer=customer_json(holder))


@bp.get("/customers")
def customers():
    q = request.args.get("q", "")
    if len(q) > customer_list.MAX_QUERY:
        return api_error(400, "invalid_parameter", _("q has at most %(n)d characters.", n=customer_list.MAX_QUERY),
                         field="q")
    raw_limit = request.args.get("limit", str(DEFAULT_LIMIT)).strip()
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIMIT:
        return api_error(400, "invalid_parameter",
                         _("limit must be a whole number from 1 to %(n)d.", n=MAX_LIMIT), field="limit")
    found = terminal.search_customers(q, int(raw_limit))
    return jsonify(customers=[customer_json(c) for c in found])


@bp.get("/customers/<any_text:customer_id>")
def customer(customer_id: str):
    found = db.session.get(Customer, known) if (known := row_id(customer_id)) else None
    if found is None or found.tenant_id != require_tenant_id():
        return api_error(404, "customer_not_found", _("No customer has this id."))
    today = clock.today()
    return jsonify(customer={**customer_json(found), "cards": [card_json(c, today) for c in found.cards]})


@bp.post("/customers")
def create_customer():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return api_error(400, "bad_request", _("Send a JSON object."))
    wrong = [k for k in CREATE_FIELDS + CARD_FIELDS if k in body and not isinstance(body[k], str)]
    if wrong:
        return api_error(422, "invalid", _("Send %(field)s as a string.", field=wrong[0]), field=wrong[0],
                         fields={k: _("Send %(field)s as a string.", field=k) for k in wrong})
    data = {k: body[k] for k in CREATE_FIELDS if k in body}
    code = body.get("card_code", "")
    try:
        created, new_card = terminal.quick_add(data, card_code=code, card_number=body.get("card_number", ""),
                                               card_expires_on=body.get("card_expires_on", ""))
        db.session.commit()
    except customer_service.CustomerInvalid as e:
        db.session.rollback()
        return api_error(422, "invalid", e.message, field=e.field, fields=e.errors)
    except ServiceError as e:
        db.session.rollback()
        if e.code == "card_taken":
            holder = card_service.holder_of(code)
            extra = {"customer_id": holder.customer_id} if holder is not None else {}
            return api_error(409, "card_taken", e.message, field="card_code", **extra)
        return api_error(422, "invalid", e.message, field=e.field or "card_code",
                         fields={e.field or "card_code": e.message})
    resp = jsonify(customer=customer_json(created),
                   card=card_json(new_card, clock.today()) if new_card is not None else None)
    resp.status_code = 201
    resp.headers["Location"] = url_for("api.customer", customer_id=created.id)
    return resp


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


@bp.get("/docs")
@require_role("staff")
def docs():
    """The API page in the panel, rendered from the OpenAPI document."""
    spec = document()
    return render_template("api/docs.html", spec=spec, operations=_operations(spec), error_codes=ERROR_CODES,
                           base=request.url_root.rstrip("/") + spec["servers"][0]["url"],
                           schemas={name: spec["components"]["schemas"][name] for name in ("Card", "Customer")})


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


@bp.app_template_filter("api_text")
def api_text(text: str) -> Markup:
    """The document's prose: paragraphs, and `code` in backticks."""
    paragraphs = []
    for para in str(text or "").split("\n\n"):
        parts = str(escape(para)).split("`")
        html = "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
        paragraphs.append(f"<p>{html}</p>")
    return Markup("".join(paragraphs))


@bp.app_template_filter("api_l10n")
def api_l10n(text: str | None) -> str:
    """The OpenAPI document's English text in the viewer's language, for the API page.

    The document itself stays English (it is for programs); its strings are translated in the
    catalogs like any other. Plain text comes back, so the page escapes it ("<token>").
    """
    return _(text) if text else ""
