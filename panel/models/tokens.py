"""API tokens for POS devices: shown once, stored as a SHA-256 hash."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..tenancy import TenantScoped
from .base import utcnow


class ApiToken(TenantScoped, db.Model):
    __tablename__ = "api_tokens"
    # Unique per tenant, as a distributed table's keys must be; a token is found by its hash
    # before its tenant is known, hence the plain index (a random 256-bit hash does not collide).
    __table_args__ = (UniqueConstraint("tenant_id", "token_hash"), Index("ix_api_tokens_token_hash", "token_hash"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  # the visible start, to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What the token may do, space-separated ("pos", "manage", "pos manage"); tokens made
    # before scopes existed are POS devices.
    scopes: Mapped[str] = mapped_column(String(32), default="pos", server_default="pos")

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def scope_list(self) -> list[str]:
        return self.scopes.split()
