"""The cards list, the live code check of the customer form, and a card's life (block ... replace)."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ... import cardcodes, clock
from ...access import get_or_404, has_role, require_role
from ...extensions import db
from ...htmx import is_htmx, redirect_to, render, trigger
from ...i18n import locale_code
from ...jobs import start_job
from ...jobs.cards import export_cards
from ...models import Card, Customer
from ...models.base import row_id
from ...services import audit
from ...services import cards as card_service
from ...transaction import service_errors
from . import bp
from .forms import form_rows

PAGE = 50


def _list_args() -> tuple[str, str, str]:
    q = request.values.get("q", "").strip()[:100]
    state = request.values.get("state", "")
    if state not in card_service.STATES:
        state = ""
    sort = request.values.get("sort", "")
    if sort not in card_service.SORTS:
        sort = card_service.default_sort(state)
    return q, state, sort


@bp.get("/")
@require_role("staff")
def index():
    q, state, sort = _list_args()
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    total = card_service.list_count(q, state)
    stmt = card_service.list_query(q, state, sort)
    cards = db.session.scalars(stmt.limit(PAGE).offset((page - 1) * PAGE)).all()
    return render("cards/index.html", block="card_table", cards=cards, q=q, state=state, sort=sort,
                  page=page, total=total, pages=max(1, -(-total // PAGE)), today=clock.today())


@bp.get("/check")
@require_role("staff")
def check():
    """What the customer form shows under a scanned code: free, in the form already, or whose card.

    The form sends its row's code as cards-<row>-code with the other rows' codes alongside
    (hx-include), so the same card scanned twice into one form is caught before saving too.
    """
    row = request.args.get("row", "")
    row = row if row.isdigit() else ""
    codes = {m.group(1): v for k, v in request.args.items() if (m := re.fullmatch(r"cards-(\d{1,4})-code", k))}
    raw = request.args.get("code", codes.pop(row, ""))
    result = card_service.check_code(raw, others=list(codes.values()),
                                     customer_id=request.args.get("exclude_customer", type=row_id))
    return render_template("cards/_check.html", check=result, row=row, max_length=cardcodes.MAX_CODE_LENGTH)


def _local(target: str | None) -> str | None:
    """`target` if it is a path on this site (never another host: no open redirects)."""
    parts = urlsplit(target or "")
    if (target or "").startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc:
        return target
    return None


def _back(default: str) -> str:
    """Where a non-htmx action returns: a same-site path the form named, else `default`."""
    return _local(request.form.get("next")) or default


def _page_url() -> str:
    """The page an htmx request came from (path and query), for the links it re-renders."""
    parts = urlsplit(request.headers.get("HX-Current-URL", ""))
    if parts.netloc == request.host:
        return _local(parts.path + (f"?{parts.query}" if parts.query else "")) or url_for("cards.index")
    return url_for("cards.index")


def _after_action(card: Card, changed: bool, done: str, error: str | None = None, event: str = ""):
    if error:
        flash(error, "error")
    elif changed:
        flash(done, "success")
    if is_htmx():
        resp = render("cards/_card_actions.html", block="card_actions", card=card, back=_page_url(),
                      status=409 if error else 200)
        # Other regions showing this card (a customer's card list) re-fetch on the event.
        return trigger(resp, event, {"card_id": card.id, "customer_id": card.customer_id}) if changed else resp
    return redirect(_back(url_for("cards.index")), code=303)


def _status_action(card_id: int, change, done_message, event: str) -> object:
    """Run a status change; htmx gets the card's state and buttons back, a plain post goes back."""
    card = get_or_404(Card, card_id)
    with service_errors() as refused:
        changed = change(card)
        return _after_action(card, changed, done_message(card), event=event)
    return _after_action(get_or_404(Card, card_id), False, "", refused.error.message)


@bp.post("/<int:card_id>/block")
@require_role("staff")
def block(card_id: int):
    return _status_action(card_id, card_service.block,
                          lambda c: _("The card %(code)s is blocked.", code=c.code), "card-blocked")


@bp.post("/<int:card_id>/lost")
@require_role("staff")
def lost(card_id: int):
    return _status_action(card_id, card_service.report_lost,
                          lambda c: _("The card %(code)s is reported lost and blocked.", code=c.code), "card-lost")


@bp.post("/<int:card_id>/unblock")
@require_role("manager")
def unblock(card_id: int):
    return _status_action(card_id, card_service.unblock,
                          lambda c: _("The card %(code)s works again.", code=c.code), "card-unblocked")


@bp.route("/<int:card_id>/replace", methods=["GET", "POST"])
@require_role("staff")
def replace(card_id: int):
    """Replace a card: scan the new one; the customer keeps everything, the old card is blocked."""
    card = get_or_404(Card, card_id)
    back = _back(url_for("cards.index"))
    if request.method == "GET":
        back = _local(request.args.get("next")) or url_for("cards.index")
        row = card_service.CardRow(index=0, expires_on=card.expires_on.isoformat() if card.expires_on else "")
        return render_template("cards/replace.html", card=card, row=row, errors={}, back=back)
    row = card_service.CardRow(index=0, code=request.form.get("code", "")[:200],
                               number=request.form.get("number", "")[:200],
                               expires_on=request.form.get("expires_on", "")[:40])
    errors: dict[str, str] = {}
    if card.replaced_by_id is None and not card.customer.erased:
        errors = card_service.validate_card_rows([row], card.customer).get(0, {})
    if not errors:
        with service_errors() as refused:
            new = card_service.replace(card, row)
            flash(_("The card %(old)s is replaced by %(new)s; the old card is blocked.", old=card.code, new=new.code),
                  "success")
            return redirect_to(back)
        card = get_or_404(Card, card_id)
        errors = {refused.error.field or "code": refused.error.message}
    return render_template("cards/replace.html", card=card, row=row, errors=errors, back=back), 422


@bp.post("/export")
@require_role("manager")
def export():
    q, state, sort = _list_args()
    run = start_job("card_export", export_cards, q, state, sort, created_by_id=current_user.id,
                    params={"q": q, "state": state, "sort": sort, "locale": locale_code()})
    audit.record("cards.exported", "job_run", run.id, state or "")
    flash(_("The export is being prepared. It will be ready to download below."), "info")
    return redirect_to(url_for("jobs.detail", run_id=run.id))


# --- the customer page's cards ------------------------------------------------------------------

@bp.get("/customer/<int:customer_id>")
@require_role("staff")
def customer_cards(customer_id: int):
    """The customer page's card list alone: what it re-fetches on card-added (and the others)."""
    customer = get_or_404(Customer, customer_id)
    # The tab's count rides along out of band, so it never disagrees with the list.
    return render_template("cards/_customer_cards.html", customer=customer, today=clock.today(), oob=True)


@bp.post("/customer/<int:customer_id>")
@require_role("staff")
def add(customer_id: int):
    """Put a scanned card on the customer from their page (idempotent, as on the terminal).

    htmx gets the form back, empty for the next card, and HX-Trigger card-added, on which the
    page's card list refreshes itself; without htmx the page is shown again (PRG).
    """
    customer = get_or_404(Customer, customer_id)
    typed = {name: request.form.get(name, "")[:200] for name in ("code", "number", "expires_on")}
    with service_errors() as refused:
        card, created = card_service.assign(customer, typed["code"], typed["number"], typed["expires_on"])
    if (e := refused.error) is not None:
        if not is_htmx():
            flash(e.message, "error")
            return redirect(url_for("customers.detail", customer_id=customer_id, tab="cards"), code=303)
        return render("cards/_add_card.html", block="card_add", customer=get_or_404(Customer, customer_id),
                      typed=typed, errors={e.field or "code": e.message}, focus=True,
                      status=409 if e.code == "card_taken" else 422)
    if created:
        flash(_("The card %(code)s now belongs to %(name)s.", code=card.code, name=customer.display_name), "success")
    else:
        flash(_("%(name)s already holds the card %(code)s.", name=customer.display_name, code=card.code), "info")
    if not is_htmx():
        return redirect(url_for("customers.detail", customer_id=customer_id, tab="cards"), code=303)
    resp = render("cards/_add_card.html", block="card_add", customer=customer, focus=True)
    return trigger(resp, "card-added", {"card_id": card.id, "customer_id": customer.id}) if created else resp


# --- for the customer form's "Cards" section (included by the customers area) ----------------

@bp.app_template_global("card_form_rows")
def card_form_rows(customer: Customer | None, rows=None):
    return form_rows(customer, rows)


@bp.app_template_global("card_state")
def card_state(card: Card) -> str:
    return card.state_on(clock.today())


@bp.app_template_global("customer_url")
def customer_url(customer: Customer) -> str:
    return url_for("customers.detail", customer_id=customer.id)


@bp.app_template_global("can_unblock")
def can_unblock() -> bool:
    return has_role("manager")
