"""The request's one transaction: committed after the view, rolled back on any exception.

As Indico commits in one place (RH.process), every panel and API request commits here, in
`run_view()`, which the app calls around each view (RegularsFlask.dispatch_request); views,
services and the API's operations never commit. Jobs queued with enqueue_after_commit leave
with this commit and are dropped with a rollback. Requests marked read-only (access.read_only,
the API's reads) run in autocommit and have nothing to commit.

A refused save comes back as a ServiceError. A view lets it propagate, and the app answers
with the message (errorhandlers: the API's JSON error, the panel's error page), or catches it
to show the form again, with `form_errors(form)`, `flashed_errors()` or `service_errors()`:
the request is rolled back at once, so the page around the form shows what is saved.

    with form_errors(form, "name"):
        tenant = accounts.add_tenant(...)
        flash(...)
        return redirect(...)        # saved: the block ends with the success answer
    return render(form), 422        # refused: the form again, the error on its field

A unique-index race is an IntegrityError on a known constraint; both places turn it into the
ServiceError its area means (services/conflicts.py) instead of a 500.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from flask import flash, g, session
from sqlalchemy.exc import IntegrityError

from .extensions import db
from .services import ServiceError, conflicts


def run_view(view: Callable[[], Any]) -> Any:
    """Run the view, then commit; roll back on any exception (a known race as its ServiceError)."""
    try:
        answer = view()
        if not g.get("without_transaction") and db.session().get_transaction() is not None:
            _commit()
        return answer
    except BaseException as exc:
        db.session.rollback()
        if isinstance(exc, IntegrityError) and (refused := conflicts.service_error(exc)) is not None:
            raise refused from exc
        raise


def _commit() -> None:
    # The answer is built: what reads objects after this (a streamed body, after_request hooks)
    # reads them as they were saved, without a reload; after the teardown they are detached,
    # and an expired one could not be loaded at all.
    sess = db.session()
    sess.expire_on_commit = False
    try:
        sess.commit()
    except IntegrityError:
        # The view announced a success the database then refused: its flash must not show.
        session.pop("_flashes", None)
        raise
    finally:
        sess.expire_on_commit = True


@dataclass
class Outcome:
    """What a service_errors() block caught: `error` stays None when the block ran through."""

    error: ServiceError | None = None


@contextmanager
def service_errors() -> Iterator[Outcome]:
    """Catch a ServiceError (or a known unique race) in the block: roll back, keep it in `error`.

    The view carries on after the block and answers with the error its own way. Any other
    exception goes on to run_view(), which rolls back too.
    """
    outcome = Outcome()
    try:
        yield outcome
    except (ServiceError, IntegrityError) as exc:
        # Rolled back first: the error's message is translated, and the user's language may
        # still have to be read through this session, which a failed flush has broken.
        db.session.rollback()
        error = exc if isinstance(exc, ServiceError) else conflicts.service_error(exc)
        if error is None:
            raise
        outcome.error = error


@contextmanager
def form_errors(form, field: str | None = None, aliases: dict[str, str] | None = None) -> Iterator[Outcome]:
    """service_errors() whose error goes on the form (see form_error()); the typed values stay."""
    with service_errors() as outcome:
        yield outcome
    if outcome.error is not None:
        form_error(form, outcome.error, field, aliases)


@contextmanager
def flashed_errors() -> Iterator[Outcome]:
    """service_errors() whose message is flashed, for actions that answer with a redirect."""
    with service_errors() as outcome:
        yield outcome
    if outcome.error is not None:
        flash(outcome.error.message, "error")


def form_error(form, error: ServiceError, field: str | None = None, aliases: dict[str, str] | None = None) -> None:
    """Show a refused save on the form: each message on the field it names (renamed by
    `aliases` where the service and the form call it differently), else on `field`, else above
    the form. An error with `errors` (field -> message) names several fields."""
    messages = getattr(error, "errors", None) or {error.field: error.message}
    for name, message in messages.items():
        name = (aliases or {}).get(name, name)
        target = name if name and name in form else field
        if target is None:
            form.form_errors.append(message)
        else:
            form[target].errors = [*form[target].errors, message]
