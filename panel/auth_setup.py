"""Flask-Login wiring and the per-request tenant context."""
from __future__ import annotations

import time

from flask import Flask, g, request, session
from flask_babel import lazy_gettext as _l

from .access import begin_request_transaction, load_request_tenant, load_session_user
from .extensions import login_manager
from .tenancy import reset_tenant

# How often a signed-in browser gets its session cookie signed again, which moves its end
# PERMANENT_SESSION_LIFETIME on: the sign-in ends after that long unused, give or take this.
# Flask's own refresh (SESSION_REFRESH_EACH_REQUEST, off in config.py) signs and sends the
# cookie with every answer: ~0.15 ms and a Set-Cookie on each live-search keystroke, to move
# the end of a 12-hour session by a second.
SLIDE_EVERY = 300


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

    @app.after_request
    def _slide_session(resp):
        # Before Flask saves the session: a session saved anyway (a sign-in, say) is stamped too.
        if session.permanent:
            now = int(time.time())
            if session.modified or now - session.get("slid_at", 0) >= SLIDE_EVERY:
                session["slid_at"] = now  # modified: saved with a new expiry
        return resp

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
