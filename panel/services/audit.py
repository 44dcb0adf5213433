"""Writing the audit log: one entry per change, in the same transaction as the change."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Iterator

from flask import g, has_request_context, request
from flask_login import current_user

from .. import clock
from ..extensions import db
from ..models import AuditEntry, Card, Customer, Tenant
from ..models.base import aware

_acting_user: ContextVar[int | None] = ContextVar("acting_user", default=None)
_note: ContextVar[str] = ContextVar("audit_note", default="")


@contextmanager
def acting_as(user_id: int | None) -> Iterator[None]:
    """Attribute entries written outside a request (a job) to the user who started the work."""
    token = _acting_user.set(user_id)
    try:
        yield
    finally:
        _acting_user.reset(token)


@contextmanager
def noting(note: str) -> Iterator[None]:
    """Add `note` to the summary of the entries written meanwhile: where a change came from
    (an import), which the action alone does not tell from a change made in the form."""
    token = _note.set(note)
    try:
        yield
    finally:
        _note.reset(token)


def record(action: str, entity_type: str, entity_id: int | None, summary: str = "",
           changes: dict | None = None, actor_user_id: int | None = None) -> AuditEntry:
    """Log `action` on a record; the actor and address come from the request, if any."""
    if note := _note.get():
        summary = f"{summary} · {note}" if summary else note
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


# The records whose field changes are logged, by entity_type: their columns say which stored
# strings are moments or days (a diff keeps str() of them, e.g. "2026-12-06 01:14:10.664709+00:00").
_AUDITED_MODELS = {"customer": Customer, "card": Card, "tenant": Tenant}


def value_type(entity_type: str, name: str) -> type | None:
    """The Python type of a logged field (bool, date, datetime...), or None when it is not a column."""
    model = _AUDITED_MODELS.get(entity_type)
    column = model.__table__.columns.get(name) if model is not None else None
    if column is None:
        return None
    try:
        return column.type.python_type
    except NotImplementedError:
        return None


def stored_moment(value) -> datetime | None:
    """A moment as a diff stored it (str() of a datetime, naive on SQLite) back as aware UTC."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    return aware(value) if isinstance(value, datetime) else None


def portable_changes(entry: AuditEntry) -> dict | None:
    """An entry's changes as exports write them: moments in ISO 8601 UTC to the second.

    The stored record stays as it was written; only what leaves the panel is normalised.
    """
    if not entry.changes:
        return entry.changes
    return _portable(entry.entity_type, entry.changes)


def _portable(entity_type: str, changes: dict) -> dict:
    out = {}
    for name, value in changes.items():
        if name == "fields" and isinstance(value, dict):  # a merge's field diff
            out[name] = _portable(entity_type, value)
        elif value_type(entity_type, name) is datetime and isinstance(value, list):
            out[name] = [clock.iso(m) if (m := stored_moment(v)) else v for v in value]
        else:
            out[name] = value
    return out
