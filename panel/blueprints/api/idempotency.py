"""The Idempotency-Key header of API writes (the storage rules are in services/idempotency.py)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from flask import current_app, g, request
from flask_babel import gettext as _

from ...services import idempotency
from .errors import ApiError

if TYPE_CHECKING:
    from .declare import Operation

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
REPLAYED_HEADERS = ("Location",)  # what a replay repeats besides the status and the body


def run_idempotent(op: Operation, body: dict | None, run: Callable):
    """Run the write once per key: claim, run, keep the answer; or replay the first answer.

    Called inside the request's transaction, which transaction.run_view commits (claim, effect and
    answer together) or rolls back (nothing of them stays).
    """
    key = request.headers.get(HEADER)
    if key is None:
        if op.idempotency == "required":
            raise ApiError(400, "idempotency_key_required",
                           _("Send an Idempotency-Key header (for example a new UUID) with this request."),
                           field=HEADER)
        return run()
    if not idempotency.valid_key(key):
        raise ApiError(400, "invalid_idempotency_key",
                       _("The Idempotency-Key header has 1 to 255 printable characters."), field=HEADER)
    token = g.api_token
    request_hash = idempotency.fingerprint(request.method, request.path, body)
    held = idempotency.claim(token.tenant_id, token.id, key, request_hash)
    if held is not None:
        return _replay(held, request_hash)
    resp = run()
    kept = {name: resp.headers[name] for name in REPLAYED_HEADERS if name in resp.headers}
    idempotency.record(token.tenant_id, token.id, key, resp.status_code, resp.get_data(as_text=True), kept)
    return resp


def _replay(held: idempotency.Stored, request_hash: str):
    if held.request_hash != request_hash:
        raise ApiError(409, "idempotency_key_reused",
                       _("This Idempotency-Key was used for another request. Use a new key for a new request."),
                       field=HEADER)
    if held.status_code is None:  # defensive: answers are stored in the claim's own transaction
        raise ApiError(409, "request_in_progress",
                       _("A request with this Idempotency-Key is still running. Retry in a moment."), field=HEADER)
    resp = current_app.response_class(held.body, status=held.status_code, mimetype="application/json",
                                      headers=held.headers)
    resp.headers[REPLAYED] = "true"
    return resp
