"""The POS API's OpenAPI 3.1 document, generated from the operations' declarations.

Served at /api/v1/openapi.json, rendered as the API page, and the contract the test suite checks
the API against (schemathesis). Nothing here is written by hand but the prose: paths,
parameters, bodies, answers and errors come from each view's @api_operation and its models.
"""
from __future__ import annotations

import copy
import re

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .declare import Operation
from .errors import ERRORS
from .idempotency import HEADER, REPLAYED
from .schemas import Error

PREFIX = "/api/v1"
DESCRIPTION = (
    "For POS terminals and tills: find the customer behind a scanned loyalty card, search "
    "customers, and add a customer with a card at the till.\n\n"
    "Authenticate every request with `Authorization: Bearer <token>`; the restaurant's owner "
    "creates tokens in Settings → API tokens. The token decides the restaurant: you only ever "
    "see that restaurant's data. A revoked token stops working at once.\n\n"
    "A token has one or both scopes: `pos` (card scans, customers, what a till does) and `manage` "
    "(configuration). Each operation names the scope it needs; without it the answer is 403 "
    "`insufficient_scope`.\n\n"
    "Writes accept an `Idempotency-Key` header (1-255 printable characters, e.g. a new UUID per "
    "operation): resend the same request with the same key after a timeout and you get the first "
    "answer back, with `Idempotent-Replayed: true`, and nothing happens twice. The same key with "
    "another request is 409 `idempotency_key_reused`. Keys are kept for 7 days.\n\n"
    "Requests are limited per token and per address (per minute); past a limit the answer is 429 "
    "`rate_limited` with `Retry-After` in seconds.\n\n"
    "Errors always have the shape `{\"error\": {\"code\": \"...\", \"message\": \"...\"}}`; "
    "act on `code`, show `message` (it follows the request's Accept-Language: en, pl, cs)."
)
# Errors every authenticated operation may answer, and those of bodies, queries and keys.
COMMON_ERRORS = ("unauthorized", "insufficient_scope", "rate_limited")
BODY_ERRORS = ("bad_request", "invalid")
QUERY_ERRORS = ("invalid_parameter",)
KEY_ERRORS = ("invalid_idempotency_key", "idempotency_key_reused", "request_in_progress")


def operations(app: Flask) -> list[tuple[str, str, Operation]]:
    """(method, documented path, declaration) of every declared API route, in routing order."""
    found = []
    for rule in app.url_map.iter_rules():
        op = getattr(app.view_functions.get(rule.endpoint), "api_operation", None)
        if op is None or not rule.rule.startswith(PREFIX):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len(PREFIX):])
        found += [(method, path, op) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def document(app: Flask) -> dict:
    """The document (a copy: callers may change theirs); built once per app."""
    cached = app.extensions.get("regulars_openapi")
    if cached is None:
        cached = app.extensions["regulars_openapi"] = _build(operations(app))
    return copy.deepcopy(cached)


def _build(ops: list[tuple[str, str, Operation]]) -> dict:
    models = {Error} | {m for _m, _p, op in ops for m in (op.body, op.response) if m is not None}
    _refs, defs = models_json_schema([(m, "validation") for m in sorted(models, key=lambda m: m.__name__)],
                                     ref_template="#/components/schemas/{model}")
    schemas = defs.get("$defs", {})
    schemas["Error"]["properties"]["error"]["description"] = "code is one of: " + ", ".join(ERRORS) + "."
    paths: dict[str, dict] = {}
    for method, path, op in ops:
        paths.setdefault(path, {})[method.lower()] = _operation(method, op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Regulars POS API", "version": "1.1.0", "description": DESCRIPTION},
        "servers": [{"url": PREFIX}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "A token from Settings → API tokens."}},
            "schemas": schemas,
        },
    }


def _operation(method: str, op: Operation) -> dict:
    # OpenAPI 3.1 lets a bearer scheme's requirement name roles: the token's scope.
    out = {"operationId": op.operation_id, "summary": op.summary, "x-scope": op.scope,
           "security": [{"bearerAuth": [op.scope]}], "parameters": _parameters(op), "responses": _responses(op)}
    if op.description:
        out["description"] = op.description
    if op.body is not None:
        out["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": _ref(op.body), "example": _example(op.body)}}}
    if not out["parameters"]:
        del out["parameters"]
    return out


def _parameters(op: Operation) -> list[dict]:
    params = [{"name": name, "in": "path", "required": True, **spec} for name, spec in op.path.items()]
    if op.query is not None:
        schema = op.query.model_json_schema()
        for name, prop in schema["properties"].items():
            prop = {k: v for k, v in prop.items() if k != "title"}
            param = {"name": name, "in": "query", "required": name in schema.get("required", ()),
                     "description": prop.pop("description", ""), "schema": prop}
            if prop.get("examples"):
                param["example"] = prop.pop("examples")[0]
            params.append(param)
    if op.idempotency != "none":
        params.append({"name": HEADER, "in": "header", "required": op.idempotency == "required",
                       "description": "A new unique value per operation (e.g. a UUID); resend it on a retry.",
                       "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
                       "example": "5f0c6f1e-2f4b-4a57-9d8e-3c1f2a9b7e10"})
    return params


def _responses(op: Operation) -> dict:
    ok: dict = {"description": op.answer,
                "content": {"application/json": {"schema": _ref(op.response), "example": op.example}}}
    if op.idempotency != "none":
        ok["headers"] = {REPLAYED: {"description": "`true` when this is the stored answer of an earlier request "
                                                   "with the same Idempotency-Key.",
                                    "schema": {"type": "string", "enum": ["true"]}}}
    responses = {str(status): ok for status in (op.status, *op.also)}
    codes = list(op.errors) + list(COMMON_ERRORS)
    codes += list(BODY_ERRORS) if op.body is not None else []
    codes += list(QUERY_ERRORS) if op.query is not None else []
    codes += list(KEY_ERRORS) if op.idempotency != "none" else []
    if op.idempotency == "required":
        codes.append("idempotency_key_required")
    by_status: dict[int, list[str]] = {}
    for code in codes:
        by_status.setdefault(ERRORS[code][0], []).append(code)
    for status in sorted(by_status):
        listed = by_status[status]
        # x-error-codes lists them for programs, and lets the API page translate each meaning.
        responses[str(status)] = {
            "description": " ".join(f"`{c}`: {ERRORS[c][1]}" for c in listed), "x-error-codes": listed,
            "content": {"application/json": {"schema": _ref(Error),
                                              "example": {"error": {"code": listed[0], "message": ERRORS[listed[0]][1]}}}},
        }
        if status == 429:
            responses["429"]["headers"] = {"Retry-After": {"description": "Seconds to wait.",
                                                           "schema": {"type": "integer"}}}
    return responses


def _ref(model: type[BaseModel]) -> dict:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _example(model: type[BaseModel]):
    extra = model.model_config.get("json_schema_extra") or {}
    return (extra.get("examples") or [None])[0]
