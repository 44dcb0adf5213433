"""Factories: the tenant is always explicit."""
from __future__ import annotations

from dataclasses import dataclass

from panel.extensions import db
from panel.services import accounts
from panel.tenancy import tenant_scope

PASSWORD = "correct-horse-battery"


@dataclass
class Person:
    id: int
    email: str
    fingerprint: str


@dataclass
class World:
    """A tenant with an owner, a manager and a staff member (all with PASSWORD)."""

    tenant_id: int
    slug: str
    name: str
    owner: Person
    manager: Person
    staff: Person


def _person(user) -> Person:
    return Person(user.id, user.email, user.session_fingerprint())


def make_world(name: str, country: str = "PL") -> World:
    slugbase = accounts.slugify(name)
    currency, locale = {"PL": ("PLN", "pl"), "CZ": ("CZK", "cs")}[country]
    tenant, owner = accounts.create_tenant(
        name, country=country, currency=currency, locale=locale,
        owner_email=f"owner@{slugbase}.test", owner_password=PASSWORD, owner_name=f"Owner {name}")
    with tenant_scope(tenant.id):
        manager, _ = accounts.add_user(f"manager@{slugbase}.test", f"Manager {name}", "manager")
        accounts.set_password(manager.user, PASSWORD)
        staff, _ = accounts.add_user(f"staff@{slugbase}.test", f"Staff {name}", "staff")
        accounts.set_password(staff.user, PASSWORD)
        # Test users read English, so assertions do; language tests switch explicitly.
        for user in (owner, manager.user, staff.user):
            user.locale = "en"
        db.session.commit()
        world = World(tenant.id, tenant.slug, tenant.name, _person(owner), _person(manager.user), _person(staff.user))
    db.session.remove()
    return world


def join_tenant(tenant_id: int, email: str, role: str) -> None:
    """An existing account joins a tenant the only way it can: by accepting an invitation."""
    with tenant_scope(tenant_id):
        invite, _token = accounts.create_invite(email, role, None)
        accounts.join_invite(invite, accounts.find_user(email))
        db.session.commit()
