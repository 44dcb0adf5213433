"""Writing the audit log: one entry per change, in the same transaction as the change."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

from flask import g, has_request_context, request
from flask_login import current_user

from ..extensions import db
from ..models import AuditEntry


_acting_user: ContextVar[int | None] = ContextVar("acting_user", default=None)


@contextmanager
def acting_as(user_id: int | None) -> Iterator[None]:
    """Attribute entries written outside a request (a job) to the user who started the work."""
    token = _acting_user.set(user_id)
    try:
        yield
    finally:
        _acting_user.reset(token)


def record(action: str, entity_type: str, entity_id: int | None, summary: str = "",
           changes: dict | None = None, actor_user_id: int | None = None) -> AuditEntry:
    """Log `action` on a record; the actor and address come from the request, if any."""
    entry = AuditEntry(action=action, entity_type=entity_type, entity_id=entity_id,
                       summary=summary[:300], changes=changes or None,
                       actor_user_id=actor_user_id or _acting_user.get())
    if has_request_context():
        if actor_user_id is None and current_user and current_user.is_authenticated:
            entry.actor_user_id = current_user.id
        token = getattr(g, "api_token", None)
        if token is not None:
            entry.actor_token_id = token.id
        entry.ip = request.remote_addr
    db.session.add(entry)
    return entry


def diff(obj, fields: list[str], before: dict) -> dict:
    """{field: [old, new]} for the fields that changed since `before` was taken."""
    out = {}
    for name in fields:
        old, new = before.get(name), getattr(obj, name)
        if old != new:
            out[name] = [_plain(old), _plain(new)]
    return out


def snapshot(obj, fields: list[str]) -> dict:
    return {name: getattr(obj, name) for name in fields}


def _plain(value):
    if value is None or isinstance(value, (str, int, bool, float)):
        return value
    return str(value)
