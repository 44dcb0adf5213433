"""The API's errors: one shape, {"error": {"code", "message", ...}}, and one table of codes.

Views never build an error answer by hand: they raise ApiError, or let a service's
ServiceError through, and the blueprint's handlers (views.py) turn both into JSON here.
"""
from __future__ import annotations

from flask import jsonify

from ...services import ServiceError

# code -> (HTTP status, what it means; shown on the API page and in the document).
ERRORS: dict[str, tuple[int, str]] = {
    "unauthorized": (401, "No token, a malformed header, an unknown or a revoked token."),
    "insufficient_scope": (403, "The token lacks the operation's scope (`pos` or `manage`); `scope` names it."),
    "card_not_found": (404, "No card of your restaurant has this code or printed number."),
    "customer_not_found": (404, "No customer of your restaurant has this id."),
    "not_found": (404, "A row the request names does not exist in your restaurant."),
    "category_not_found": (404, "No category of your catalog has this id; `id` names it."),
    "product_not_found": (404, "No product of your catalog has this id; `id` names it."),
    "group_not_found": (404, "No customer group of your restaurant has this id."),
    "discount_not_found": (404, "No discount of your restaurant has this id."),
    "price_list_not_found": (404, "No price list of your restaurant has this id."),
    "invalid_parameter": (400, "A query parameter is malformed (e.g. limit is not 1-100)."),
    "bad_request": (400, "The body is not a JSON object."),
    "invalid_idempotency_key": (400, "The Idempotency-Key header is not 1-255 printable characters."),
    "idempotency_key_required": (400, "This operation needs an Idempotency-Key header."),
    "invalid": (422, "A field breaks a rule; `fields` names each field with its message."),
    "card_taken": (409, "The card code is already on another customer's card; `customer_id` says whose."),
    "conflict": (409, "The request conflicts with the current state of a row."),
    "idempotency_key_reused": (409, "The Idempotency-Key was used before with another request."),
    "request_in_progress": (409, "A request with this Idempotency-Key is still running; retry."),
    "rate_limited": (429, "Too many requests from this token or address; wait `Retry-After` seconds."),
}


def register(codes: dict[str, tuple[int, str]]) -> None:
    """An area's own error codes (its operations module calls this on import); one meaning per code."""
    for code, entry in codes.items():
        if ERRORS.get(code, entry) != entry:
            raise ValueError(f"API error code {code!r} is registered twice with different meanings")
    ERRORS.update(codes)


class ApiError(Exception):
    """An answer other than success, with its status, code, message and extra members."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None, **extra):
        super().__init__(message)
        self.status, self.code, self.message, self.headers, self.extra = status, code, message, headers or {}, extra


def from_service_error(e: ServiceError) -> ApiError:
    """A broken rule as the API answers it: the status follows the code (unknown codes: 409)."""
    status = {"invalid": 422, "not_found": 404}.get(e.code) or ERRORS.get(e.code, (409, ""))[0]
    extra = dict(getattr(e, "details", None) or {})
    if e.field:
        extra["field"] = e.field
        if status == 422:
            extra["fields"] = getattr(e, "errors", None) or {e.field: e.message}
    return ApiError(status, e.code, e.message, **extra)


def response(e: ApiError):
    resp = jsonify(error={"code": e.code, "message": e.message, **e.extra})
    resp.status_code = e.status
    resp.headers.update(e.headers)
    if e.status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="regulars"'
    return resp
