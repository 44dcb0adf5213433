"""Flask-Login wiring and the per-request tenant context."""
from __future__ import annotations

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l

from .access import begin_request_transaction, load_request_tenant, load_session_user
from .extensions import login_manager
from .tenancy import reset_tenant


def install(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load_user(session_id: str):
        user_id, _, fingerprint = session_id.partition("-")
        if not user_id.isdigit():
            return None
        return load_session_user(int(user_id), fingerprint)

    @app.before_request
    def _tenant_context():
        # The API takes its tenant from the bearer token, never from a browser session.
        if request.blueprint in ("api", "health") or request.endpoint == "static":
            return
        begin_request_transaction()
        load_request_tenant()

    @app.teardown_request
    def _reset_tenant(_exc):
        token = g.pop("tenant_token", None)
        if token is not None:
            reset_tenant(token)
