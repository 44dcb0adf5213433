"""Flask commands: tenants, tokens, demo data (and more as areas arrive)."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from .extensions import db
from .models import Tenant
from .services import ServiceError, accounts, tokens
from .tenancy import tenant_scope, unscoped

tenants_cli = AppGroup("tenants", help="Create and list tenants.")
tokens_cli = AppGroup("tokens", help="API tokens for POS devices.")
demo_cli = AppGroup("demo", help="Demo data for trying Regulars out.")


def _fail(message: str) -> None:
    raise click.ClickException(message)


@tenants_cli.command("create")
@click.argument("name")
@click.option("--owner-email", required=True)
@click.option("--password", required=True)
@click.option("--country", type=click.Choice(["PL", "CZ"]), default="PL", show_default=True)
@click.option("--currency", type=click.Choice(["PLN", "CZK", "EUR"]), default=None)
@click.option("--locale", type=click.Choice(["pl", "cs", "en"]), default=None)
def tenants_create(name, owner_email, password, country, currency, locale):
    """Create a tenant and its owner; prints the tenant's slug."""
    currency = currency or {"PL": "PLN", "CZ": "CZK"}[country]
    locale = locale or {"PL": "pl", "CZ": "cs"}[country]
    try:
        tenant, _user = accounts.create_tenant(name, country=country, currency=currency, locale=locale,
                                               owner_email=owner_email, owner_password=password)
        db.session.commit()
    except ServiceError as e:
        db.session.rollback()
        _fail(e.message)
    click.echo(tenant.slug)


@tenants_cli.command("list")
def tenants_list():
    """List tenants: slug, country, currency, name."""
    with unscoped("CLI: list of tenants"):
        for t in db.session.scalars(select(Tenant).order_by(Tenant.id)):
            click.echo(f"{t.slug}\t{t.country}\t{t.currency}\t{t.name}")


def tenant_by_slug(slug: str) -> Tenant:
    tenant = db.session.scalar(select(Tenant).where(Tenant.slug == slug))
    if tenant is None:
        _fail(f"No tenant with the slug {slug!r} (see: flask tenants list)")
    return tenant


@tokens_cli.command("create")
@click.option("--tenant", "slug", required=True, help="The tenant's slug.")
@click.option("--name", required=True, help="The device's name, e.g. 'Bar till 1'.")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(tokens.SCOPES), default=("pos",),
              show_default=True, help="What the token may do; repeat for both: --scope pos --scope manage.")
def tokens_create(slug, name, scopes):
    """Create an API token for a POS device; prints only the token."""
    tenant = tenant_by_slug(slug)
    with tenant_scope(tenant.id, db.session):
        try:
            _token, plain = tokens.create(name, scopes=scopes)
            db.session.commit()
        except ServiceError as e:
            db.session.rollback()
            _fail(e.message)
    click.echo(plain)


@demo_cli.command("seed")
def demo_seed():
    """Create (or refresh) the demo tenant "Bistro Demo" and print its logins."""
    from .demo import seed

    for line in seed():
        click.echo(line)


def register(app: Flask) -> None:
    for group in (tenants_cli, tokens_cli, demo_cli):
        app.cli.add_command(group)
    from .cli_company import company_cli
    from .jobs.cli import jobs_cli

    app.cli.add_command(company_cli)
    app.cli.add_command(jobs_cli)
