"""API tokens for POS devices."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from .. import cardcodes
from ..extensions import db
from ..models import ApiToken, Tenant
from ..models.base import utcnow
from . import ServiceError, audit

PREFIX = "rg_"
# pos: what a till does (card scan, customers, and the quote/document/wallet operations to come);
# manage: configuration through the API (catalog, groups, discounts, price lists to come).
SCOPES = ("pos", "manage")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(name: str, created_by_id: int | None = None, scopes=("pos",)) -> tuple[ApiToken, str]:
    """A new token for the current tenant; the plain token is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("Name the device, e.g. \"Bar till 1\"."), field="name")
    given = set(scopes or ())
    if not given or given - set(SCOPES):
        raise ServiceError(_("Choose what the token may do: POS, management or both."), field="scopes")
    plain = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(name=name[:100], prefix=plain[:10], token_hash=_hash(plain), created_by_id=created_by_id,
                     scopes=" ".join(s for s in SCOPES if s in given))
    db.session.add(token)
    db.session.flush()
    audit.record("token.created", "api_token", token.id, token.name)
    return token, plain


def revoke(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        audit.record("token.revoked", "api_token", token.id, token.name)


@dataclass(frozen=True, slots=True)
class ApiCaller:
    """A live token as an API request needs it: who calls, for which tenant, read how."""

    id: int
    name: str
    tenant_id: int
    reader_format: str
    country: str        # the tenant's, for its clock (panel/clock.py)
    last_used_at: datetime | None
    scopes: frozenset[str] = frozenset({"pos"})
    currency: str = "PLN"  # the tenant's, for answers that carry money (the bill quote)


_tokens, _tenants = ApiToken.__table__, Tenant.__table__
# Every POS request runs this, so it is one Core statement (no ORM load, no tenant hook): the
# token names its tenant, so it is the one read that cannot be scoped, and it brings the
# tenant's reader format and country along so a card scan needs no second look at the tenant.
_LIVE_TOKEN = (
    select(_tokens.c.id, _tokens.c.name, _tokens.c.tenant_id, _tokens.c.last_used_at, _tokens.c.token_hash,
           _tokens.c.scopes, _tenants.c.reader_format, _tenants.c.country, _tenants.c.currency)
    .join_from(_tokens, _tenants, _tenants.c.id == _tokens.c.tenant_id)
    .where(_tokens.c.token_hash == bindparam("digest"), _tokens.c.revoked_at.is_(None))
)


def authenticate(plain: str) -> ApiCaller | None:
    """The live (not revoked) token matching `plain`, looked up across tenants."""
    if not plain or not plain.startswith(PREFIX) or len(plain) > 200:
        return None
    digest = _hash(plain)
    row = db.session.connection().execute(_LIVE_TOKEN, {"digest": digest}).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return ApiCaller(id=row.id, name=row.name, tenant_id=row.tenant_id,
                     reader_format=cardcodes.format_or_default(row.reader_format), country=row.country,
                     last_used_at=row.last_used_at, scopes=frozenset(row.scopes.split()),
                     currency=row.currency)
