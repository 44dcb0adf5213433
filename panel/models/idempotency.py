"""Idempotency keys of API writes: the first answer, kept with the key for a replay."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, PrimaryKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..tenancy import TenantScoped
from .base import tenant_fk, utcnow


class IdempotencyKey(TenantScoped, db.Model):
    """One key of one token: inserted in the transaction of the write it guards.

    The primary key starts with the tenant (the table distributes by tenant_id), then the token:
    two tills may pick the same key without meeting. `request_hash` is a SHA-256 of the method,
    the path and the canonical JSON body, so the same key with another request is told apart.
    """

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "token_id", "key"),
        tenant_fk("token_id", "api_tokens", name="fk_api_idempotency_keys_token", ondelete="CASCADE"),
        # The daily purge deletes by age, tenant by tenant.
        Index("ix_api_idempotency_keys_tenant_id_created_at", "tenant_id", "created_at"),
    )

    token_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    response_headers: Mapped[str | None] = mapped_column(Text)  # JSON: the headers a replay repeats
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
