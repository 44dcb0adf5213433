"""htmx helpers: one URL renders the full page or one named block of it."""
from __future__ import annotations

import json

from flask import Response, make_response, redirect, render_template, request
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    """An htmx request that wants a fragment (a history restore wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")


def render(template: str, *, block: str | None = None, status: int = 200, **ctx) -> Response:
    """Render `block` of `template` for htmx requests, the whole page otherwise.

    Flash messages queued by the view ride along out of band, so a fragment swap still shows
    them; the response varies on HX-Request, so caches keep the two renderings apart.
    """
    if block and is_htmx():
        body = render_block(template, block, **ctx)
        body += render_template("_partials/flash.html", oob=True)
    else:
        body = render_template(template, **ctx)
    resp = make_response(body, status)
    resp.vary.add("HX-Request")
    return resp


def stop_polling_when(done: bool, resp: Response) -> Response:
    """A finished job's last answer: htmx swaps it in and stops polling on status 286."""
    if done and is_htmx():
        resp.status_code = 286
    return resp


def trigger(resp: Response, event: str, detail: dict | None = None) -> Response:
    """Add an event to HX-Trigger, keeping the ones already there."""
    raw = resp.headers.get("HX-Trigger")
    events = json.loads(raw) if raw else {}
    events[event] = detail or {}
    resp.headers["HX-Trigger"] = json.dumps(events)
    return resp


def redirect_to(url: str, status: int = 303) -> Response:
    """Navigate after a mutation: HX-Redirect for htmx, a 303 (PRG) otherwise."""
    if is_htmx():
        resp = make_response("", 204)
        resp.headers["HX-Redirect"] = url
        return resp
    return redirect(url, code=status)

