"""The demo tenant of the quick start: "Bistro Demo" with three logins and some regulars."""
from __future__ import annotations

from sqlalchemy import select

from .extensions import db
from .models import Membership, Tenant
from .services import accounts
from .tenancy import tenant_scope

DEMO_NAME = "Bistro Demo"
DEMO_PASSWORD = "demo-password-2026"
LOGINS = [("owner@bistro.demo", "owner", "Olga Właścicielka"),
          ("manager@bistro.demo", "manager", "Marek Kierownik"),
          ("staff@bistro.demo", "staff", "Staszek Kelner")]


def seed() -> list[str]:
    """Idempotent: a second run leaves the data and prints the logins again."""
    tenant = db.session.scalar(select(Tenant).where(Tenant.name == DEMO_NAME))
    if tenant is None:
        tenant, _owner = accounts.create_tenant(
            DEMO_NAME, country="PL", currency="PLN", locale="pl", owner_email=LOGINS[0][0],
            owner_password=DEMO_PASSWORD, owner_name=LOGINS[0][2])
        db.session.flush()
    with tenant_scope(tenant.id, db.session):
        for email, role, name in LOGINS[1:]:
            user = accounts.find_user(email)
            if user is None or db.session.scalar(select(Membership).where(Membership.user_id == user.id)) is None:
                membership, _once = accounts.add_user(email, name, role)
                accounts.set_password(membership.user, DEMO_PASSWORD)
        from .demo_data import seed_catalog, seed_customers

        created = seed_customers()
        products = seed_catalog()
        # Each area seeds its own part; later ones refer to earlier ones by name.
        from .demo_discounts import seed_discounts
        from .demo_groups import seed_groups
        from .demo_price_lists import seed_price_list

        new_discounts = seed_discounts()
        seed_price_list()
        seed_groups()
        db.session.commit()
    lines = [f"Demo tenant: {DEMO_NAME} (slug {tenant.slug}), {created} new customers, {products} new products, "
             f"{new_discounts} new discounts",
             "Sign in at http://127.0.0.1:5000/login with:"]
    lines += [f"  {role:8} {email}  password: {DEMO_PASSWORD}" for email, role, _n in LOGINS]
    return lines
