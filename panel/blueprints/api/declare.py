"""One declaration per API operation: `@api_operation(scope=..., body=..., query=..., response=...)`.

Why our own thin decorator over pydantic rather than spectree or flask-openapi3: the API has a
handful of operations on one existing blueprint with its own token auth, error shape, tenant
scoping and hot card-scan path. flask-openapi3 wants its own app/blueprint classes and error
format; spectree validates through its own plugin layer and error body. Both would be bent to
our error shape and translations, for what is ~150 lines here: validate with the models, turn
their errors into our translated `invalid` errors, serialise, and hand openapi.py what the
document needs. Everything per operation (the TypeAdapter, the schema) is built once when the
module is imported, never per request.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable, Literal

from flask import current_app, g, request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError

from ...services.tokens import SCOPES
from .errors import ApiError
from .idempotency import run_idempotent


@dataclass(frozen=True)
class Operation:
    """What one endpoint declares; openapi.py reads these to write the document."""

    operation_id: str
    summary: str
    scope: Literal["pos", "manage"]
    response: type[BaseModel]
    status: int = 200
    also: tuple[int, ...] = ()                                 # other success statuses (same model)
    answer: str = "Done."                                     # what the success answer holds
    description: str = ""
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    path: dict[str, dict] = field(default_factory=dict)       # name -> {"schema", "description", "example"}
    errors: tuple[str, ...] = ()                              # error codes it may answer (see ERRORS)
    idempotency: Literal["none", "optional", "required"] = "none"
    example: dict | None = None                               # the success answer's example
    # Path parameter -> its loader (the raw value in, the scoped row out, 404 when it is not the
    # caller's). Run before the body is read, so another tenant's id is a 404 whatever was sent.
    load: dict[str, Callable[[str], object]] = field(default_factory=dict)


def api_operation(**declared) -> Callable:
    """Declare an operation; the view receives `body=` / `query=` as validated models.

    The view returns a response model, or a model and headers; it is serialised with the
    declared status. Scope first: a token without it learns nothing of the input's rules.
    Writes commit once, after the view, where every request does (transaction.run_view); an
    exception rolls everything back. With an Idempotency-Key the first answer is stored in
    that same transaction (idempotency.py).
    """
    op = Operation(**declared)
    if op.scope not in SCOPES:
        raise ValueError(f"unknown scope {op.scope!r}")

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            require_scope(op.scope)
            for name, loader in op.load.items():
                kwargs[name] = loader(kwargs[name])
            if op.query is not None:
                kwargs["query"] = _validate(op.query, request.args.to_dict(), where="query")
            data = None
            if op.body is not None:
                data = _json_body()
                kwargs["body"] = _validate(op.body, data, where="body")

            def run():
                return _answer(op, view(*args, **kwargs))

            return run_idempotent(op, data, run) if op.idempotency != "none" else run()

        wrapped.api_operation = op
        return wrapped

    return decorator


def require_scope(scope: str) -> None:
    """403 insufficient_scope unless the request's token was given `scope`."""
    token = g.get("api_token")
    if token is None or scope not in token.scopes:
        raise ApiError(403, "insufficient_scope",
                       _("This token may not do this: it needs the \"%(scope)s\" scope.", scope=scope),
                       scope=scope)


def _answer(op: Operation, result):
    """The view's answer as a response: a model, or a model with headers, at the declared status;
    or (model, headers, status) where one operation answers two ways (a dry run's 200 beside a
    started job's 202)."""
    if not isinstance(result, tuple):
        result = (result, None)
    model, headers, status = result if len(result) == 3 else (*result, op.status)
    return current_app.response_class(model.model_dump_json(by_alias=True), status=status, headers=headers,
                                      mimetype="application/json")


def _json_body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", _("Send a JSON object."))
    return data


def _validate(model: type[BaseModel], data: dict, where: str) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as e:
        problems = {}
        for err in e.errors(include_url=False, include_input=False):
            name = _field_name(err["loc"]) or where
            problems.setdefault(name, _message(model, err, name))
        first, message = next(iter(problems.items()))
        if where == "query":  # the query string's errors were 400 invalid_parameter before models: kept
            raise ApiError(400, "invalid_parameter", message, field=first) from None
        raise ApiError(422, "invalid", message, field=first, fields=problems) from None


def _field_name(loc: tuple) -> str:
    """A field's path as a POS integrator reads it: `products[12].price`."""
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def _message(model: type[BaseModel], err: dict, name: str) -> str:
    """pydantic's error, said in the caller's language (its own messages are English only)."""
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "missing":
        return _("%(field)s is required.", field=name)
    if kind in ("string_type", "string_unicode"):
        return _("Send %(field)s as a string.", field=name)
    if kind == "string_too_long":
        return _("%(field)s has at most %(n)d characters.", field=name, n=ctx.get("max_length", 0))
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("%(field)s must be a whole number.", field=name)
    if kind in ("greater_than_equal", "less_than_equal") and name in model.model_fields:
        low, high = _bounds(model, name)
        return _("%(field)s must be a whole number from %(low)d to %(high)d.", field=name, low=low, high=high)
    if kind == "greater_than_equal":  # a nested field ("discount_ids[0]"): its own bound says it
        return _("%(field)s must be at least %(n)s.", field=name, n=ctx.get("ge"))
    if kind == "less_than_equal":
        return _("%(field)s must be at most %(n)s.", field=name, n=ctx.get("le"))
    if kind in ("bool_type", "bool_parsing"):
        return _("Send %(field)s as true or false.", field=name)
    return _("%(field)s is not valid.", field=name)


def _bounds(model: type[BaseModel], name: str) -> tuple[int, int]:
    info = model.model_fields[name]
    low = next((m.ge for m in info.metadata if getattr(m, "ge", None) is not None), 0)
    high = next((m.le for m in info.metadata if getattr(m, "le", None) is not None), 0)
    return low, high
