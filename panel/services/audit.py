"""Writing the audit log: one entry per change, in the same transaction as the change."""
from __future__ import annotations

from flask import g, has_request_context, request
from flask_login import current_user

from ..extensions import db
from ..models import AuditEntry


def record(action: str, entity_type: str, entity_id: int | None, summary: str = "",
           changes: dict | None = None, actor_user_id: int | None = None) -> AuditEntry:
    """Log `action` on a record; the actor and address come from the request, if any."""
    entry = AuditEntry(action=action, entity_type=entity_type, entity_id=entity_id,
                       summary=summary[:300], changes=changes or None, actor_user_id=actor_user_id)
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
