"""Users, their memberships in tenants (with a role) and invitations."""
from __future__ import annotations

import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..tenancy import TenantScoped
from .base import Timestamps, utcnow

ROLES = ("staff", "manager", "owner")  # ascending power


def role_at_least(role: str, needed: str) -> bool:
    return ROLES.index(role) >= ROLES.index(needed)


class User(UserMixin, Timestamps, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(5))
    is_active_user: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Bumped by signing out: ends every session and remember-me cookie of the user.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_active_user

    def get_id(self) -> str:
        # The session id (and the remember-me cookie, built from it) carries a fingerprint of
        # the password hash and the session generation: changing the password or signing out
        # ends every session of this user, a copied cookie included.
        return f"{self.id}-{self.session_fingerprint()}"

    def session_fingerprint(self) -> str:
        # Generation 0 keeps the fingerprint of before generations existed, so deploying them
        # signs nobody out.
        basis = self.password_hash if not self.session_generation else f"{self.password_hash}#{self.session_generation}"
        return hashlib.sha256(basis.encode()).hexdigest()[:12]

    @property
    def display_name(self) -> str:
        return self.name or self.email


class Membership(TenantScoped, Timestamps, db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="staff")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    user: Mapped[User] = relationship(lazy="joined")
    tenant = relationship("Tenant", lazy="joined")


class Invite(TenantScoped, Timestamps, db.Model):
    """A one-use link that lets someone join the tenant with a role."""

    __tablename__ = "invites"
    # As api_tokens: unique per tenant, found by the hash alone.
    __table_args__ = (UniqueConstraint("tenant_id", "token_hash"), Index("ix_invites_token_hash", "token_hash"))

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16), default="staff")
    token_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
