"""API tokens for POS devices."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import ApiToken
from ..models.base import utcnow
from ..tenancy import unscoped
from . import ServiceError, audit

PREFIX = "rg_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(name: str, created_by_id: int | None = None) -> tuple[ApiToken, str]:
    """A new token for the current tenant; the plain token is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("Name the device, e.g. \"Bar till 1\"."), field="name")
    plain = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name[:100], prefix=plain[:10], token_hash=_hash(plain), created_by_id=created_by_id)
    db.session.add(token)
    db.session.flush()
    audit.record("token.created", "api_token", token.id, token.name)
    return token, plain


def revoke(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        audit.record("token.revoked", "api_token", token.id, token.name)


def authenticate(plain: str) -> ApiToken | None:
    """The live token matching `plain`, looked up across tenants: the token names its tenant."""
    if not plain or not plain.startswith(PREFIX) or len(plain) > 200:
        return None
    digest = _hash(plain)
    with unscoped("API token authentication"):
        token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if token is None or not hmac.compare_digest(token.token_hash, digest) or token.revoked_at is not None:
        return None
    return token
