"""Changing the tenant's own settings."""
from __future__ import annotations

from flask_babel import gettext as _

from ..extensions import db
from ..models import LOCALES, Tenant
from . import ServiceError, audit, cards


def update_tenant(tenant: Tenant, *, name: str, locale: str, reader_format: str) -> None:
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("Enter the restaurant's name."), field="name")
    if locale not in LOCALES:
        raise ServiceError(_("Choose a language."), field="locale")
    before = {"name": tenant.name, "locale": tenant.locale, "reader_format": tenant.reader_format}
    tenant.name, tenant.locale = name[:200], locale
    if reader_format != tenant.reader_format:
        cards.change_reader_format(tenant, reader_format)  # re-keys every card, or refuses
    db.session.flush()
    after = {"name": tenant.name, "locale": tenant.locale, "reader_format": tenant.reader_format}
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changes:
        audit.record("tenant.updated", "tenant", tenant.id, tenant.name, changes)
