"""The flask commands: tenants, tokens, demo data."""
from sqlalchemy import func, select

from panel.extensions import db
from panel.models import ApiToken, Membership, Product, Tenant
from panel.services import tokens
from panel.tenancy import tenant_scope


def test_tenants_create_prints_the_slug(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tenants", "create", "Restauracja Żabka", "--owner-email", "o@zabka.test",
                                 "--password", "zabka-password-1", "--country", "PL"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "restauracja-zabka"
    with app.app_context():
        t = db.session.scalar(select(Tenant).where(Tenant.slug == "restauracja-zabka"))
        assert (t.currency, t.locale) == ("PLN", "pl")
    listed = runner.invoke(args=["tenants", "list"])
    assert "restauracja-zabka\tPL\tPLN\tRestauracja Żabka" in listed.output


def test_tenants_create_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(args=["tenants", "create", "X", "--owner-email", "x@x.test", "--password", "x"])
    assert result.exit_code != 0 and "at least 10 characters" in result.output


def test_tokens_create_prints_only_a_working_token(app, world_a):
    result = app.test_cli_runner().invoke(args=["tokens", "create", "--tenant", world_a.slug, "--name", "Bar till 1"])
    assert result.exit_code == 0, result.output
    plain = result.output.strip()
    assert "\n" not in plain and plain.startswith("rg_")
    with app.app_context():
        token = tokens.authenticate(plain)
        assert token is not None and token.tenant_id == world_a.tenant_id and token.name == "Bar till 1"
        with tenant_scope(world_a.tenant_id):
            stored = db.session.scalar(select(ApiToken.token_hash))
        assert plain not in stored  # only the hash is kept


def test_tokens_create_asks_for_scopes(app, world_a):
    def create(*scopes):
        args = ["tokens", "create", "--tenant", world_a.slug, "--name", "Office"]
        for scope in scopes:
            args += ["--scope", scope]
        return app.test_cli_runner().invoke(args=args)

    for scopes, expected in ((("manage",), {"manage"}), (("pos", "manage"), {"pos", "manage"}), ((), {"pos"})):
        result = create(*scopes)
        assert result.exit_code == 0, result.output
        with app.app_context():
            assert tokens.authenticate(result.output.strip()).scopes == expected
    assert create("admin").exit_code != 0


def test_tokens_create_for_unknown_tenant_fails(app):
    result = app.test_cli_runner().invoke(args=["tokens", "create", "--tenant", "nope", "--name", "x"])
    assert result.exit_code != 0 and "No tenant" in result.output


def test_demo_seed_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "owner@bistro.demo" in first.output and "staff@bistro.demo" in first.output
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        tenant = db.session.scalar(select(Tenant).where(Tenant.name == "Bistro Demo"))
        with tenant_scope(tenant.id):
            roles = sorted(db.session.scalars(select(Membership.role)))
            untouched = sorted(db.session.scalars(select(Product.name).where(Product.discountable.is_(False))))
            products = db.session.scalar(select(func.count()).select_from(Product))
    assert roles == ["manager", "owner", "staff"]
    assert "16 new products" in first.output and "0 new products" in second.output
    assert products == 16 and "Marlboro Gold" in untouched
