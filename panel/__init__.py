"""Regulars: the application factory."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, g, request
from flask_sqlalchemy.session import Session as FlaskSession
from redis import Redis
from werkzeug.middleware.proxy_fix import ProxyFix

from . import clock, config, errors, i18n, inputs, jobs, tenancy, transaction, ui
from .extensions import babel, csrf, db, login_manager, migrate

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")
_hooks_installed = False


class RegularsFlask(Flask):
    def dispatch_request(self):
        """Every view runs in the request's one transaction (transaction.py)."""
        return transaction.run_view(super().dispatch_request)


def create_app(overrides: dict | None = None, env: dict | None = None) -> Flask:
    """Build the app from the environment; `overrides` are for tests and tools."""
    app = RegularsFlask(__name__, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    settings = config.load(env, app.instance_path)
    app.config.update(settings.flask_config())
    if overrides:
        app.config.update(overrides)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    inputs.install(app)
    if app.config["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUST_PROXY"], x_proto=1, x_host=1)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=clock.zone_name,
                   default_translation_directories="translations")
    login_manager.init_app(app)
    # A Redis client connects on first use, so building the app does no I/O.
    url = app.config.get("REDIS_URL")
    app.extensions["regulars_redis"] = (
        Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=5) if url else None
    )

    global _hooks_installed
    if not _hooks_installed:  # class-level listeners: once per process, not per app
        tenancy.install(FlaskSession)
        jobs.install(FlaskSession)
        _hooks_installed = True

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _sqlite_pragmas(app)
    else:
        _unprepared_statements(app)

    from . import audit_view, auth_setup

    auth_setup.install(app)
    i18n.install(app)
    ui.install(app)
    audit_view.install(app)
    errors.install(app)
    _register_blueprints(app)
    from .jobs import schedule

    schedule.install(app)
    _security_headers(app)

    from .cli import register as register_cli

    register_cli(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from .blueprints.api import bp as api_bp
    from .blueprints.audit import bp as audit_bp
    from .blueprints.auth import bp as auth_bp
    from .blueprints.cards import bp as cards_bp
    from .blueprints.catalog import bp as catalog_bp
    from .blueprints.customers import bp as customers_bp
    from .blueprints.dashboard import bp as dashboard_bp
    from .blueprints.discounts import bp as discounts_bp
    from .blueprints.documents import bp as documents_bp
    from .blueprints.exports import bp as exports_bp
    from .blueprints.groups import bp as groups_bp
    from .blueprints.health import bp as health_bp
    from .blueprints.imports import bp as imports_bp
    from .blueprints.jobs import bp as jobs_bp
    from .blueprints.lookups import bp as lookups_bp
    from .blueprints.loyalty import bp as loyalty_bp
    from .blueprints.price_lists import bp as price_lists_bp
    from .blueprints.pricing import bp as pricing_bp
    from .blueprints.settings import bp as settings_bp
    from .blueprints.terminal import bp as terminal_bp
    from .blueprints.users import bp as users_bp
    from .blueprints.wallets import bp as wallets_bp

    for bp in (auth_bp, dashboard_bp, customers_bp, cards_bp, terminal_bp, users_bp, settings_bp,
               audit_bp, jobs_bp, health_bp, api_bp, lookups_bp, imports_bp, exports_bp, groups_bp, discounts_bp,
               price_lists_bp, catalog_bp, wallets_bp, pricing_bp, loyalty_bp, documents_bp):
        app.register_blueprint(bp)
    csrf.exempt(api_bp)  # bearer tokens, no cookies: CSRF does not apply


def _sqlite_pragmas(app: Flask) -> None:
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.close()


def _unprepared_statements(app: Flask) -> None:
    """A statement run with execution_options(prepare=False) is never prepared on the server.

    psycopg prepares a statement once it has run five times on a connection, and PostgreSQL may
    then plan it once for every value (a generic plan). That suits a lookup by key; it does
    not suit a search, whose plan depends on the pattern: the same plan for '%ski%' and
    '%qxz%' made the list's capped count several times slower. Such statements opt out.
    """
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
    if engine.dialect.driver != "psycopg":
        return

    @event.listens_for(engine, "do_execute")
    def _execute(cursor, statement, parameters, context):
        if context.execution_options.get("prepare", True):
            return None
        cursor.execute(statement, parameters, prepare=False)
        return True


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)


def _security_headers(app: Flask) -> None:
    production = app.config["REGULARS_ENV"] == "production"

    @app.after_request
    def _headers(resp):
        h = resp.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")
        if production:
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Pages carry customers' personal data: no shared or back-button caches of them.
        if getattr(g, "tenant", None) is not None or request.blueprint == "api":
            h.setdefault("Cache-Control", "no-store")
        return resp
