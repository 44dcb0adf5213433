"""The audit log: who did what to which record, and when. Append-only."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tenancy import TenantScoped
from .base import tenant_fk, utcnow


class AuditEntry(TenantScoped, db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_tenant_created", "tenant_id", "created_at"),
        Index("ix_audit_entries_tenant_entity", "tenant_id", "entity_type", "entity_id"),  # a record's history
        tenant_fk("actor_token_id", "api_tokens", name="fk_audit_entries_actor_token", ondelete="SET NULL"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_token_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None]
    summary: Mapped[str] = mapped_column(String(300), default="")
    changes: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(45))

    actor = relationship("User", lazy="joined")
    token = relationship(
        "ApiToken", lazy="joined", foreign_keys="[AuditEntry.tenant_id, AuditEntry.actor_token_id]",
        primaryjoin="and_(ApiToken.tenant_id == AuditEntry.tenant_id, ApiToken.id == AuditEntry.actor_token_id)",
    )
