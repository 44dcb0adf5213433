"""Error pages in the user's language; htmx requests get the message as a fragment."""
from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .htmx import is_htmx
from .services import ServiceError

log = logging.getLogger(__name__)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Please try again.")),
        403: (_("Not allowed"), _("Your role does not allow this page. Ask the owner of this account if you need it.")),
        404: (_("Not found"), _("This page or record does not exist, or it is not part of your account.")),
        405: (_("Not allowed"), _("This action cannot be done this way.")),
        413: (_("File too large"), _("The file is larger than 16 MB. Split it and try again.")),
        422: (_("Check the form"), _("Some fields need attention.")),
        429: (_("Too many attempts"), _("Too many attempts. Wait a few minutes and try again.")),
        500: (_("Something went wrong"), _("An unexpected error happened. Nothing was saved; please try again.")),
    }


def _render(status: int, title: str | None = None, message: str | None = None):
    default_title, default_message = _messages().get(status, (_("Error"), ""))
    title, message = title or default_title, message or default_message
    if request.path.startswith("/api/"):  # also routing errors, which have no blueprint
        code = {401: "unauthorized", 404: "not_found", 405: "method_not_allowed", 429: "rate_limited"}.get(
            status, "bad_request" if status < 500 else "server_error")
        return jsonify(error={"code": code, "message": message}), status
    template = "errors/fragment.html" if is_htmx() else "errors/page.html"
    needed = getattr(g, "required_role", None)
    return render_template(template, status=status, title=title, message=message, required_role=needed), status


def install(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_e):
        return _render(400, _("Form expired"), _("The form expired or was opened in another session. "
                                                 "Reload the page; what you typed is kept in the form."))

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):
        if e.code in (301, 302, 303, 307, 308):
            return e
        return _render(e.code or 500)

    @app.errorhandler(ServiceError)
    def _refused(e: ServiceError):
        # A refusal no view showed on its form (a race lost at the commit, an action without
        # one): its message, and nothing saved (transaction.run_view rolled back).
        if e.code == "invalid":
            return _render(422, message=e.message)
        return _render(409, _("Not saved"), e.message)

    if app.testing:
        return  # tests see the traceback, not a polite page

    @app.errorhandler(Exception)
    def _unexpected(e: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return _render(500)
