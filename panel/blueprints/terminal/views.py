"""The terminal: a page for the bar. Scan a card (or type a code, number, name or NIP) and see
the customer at once; an unknown card can be put on a customer, new or existing."""
from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...access import get_or_404, require_role
from ...htmx import redirect_to, render
from ...i18n import money
from ...models import Customer
from ...services import cards as card_service
from ...services import customers as customer_service
from ...services import documents, terminal
from ...services.pricing import benefits
from ...services.pricing import customer as pricing_customer
from ...tenancy import require_tenant_id
from ...transaction import service_errors
from ..wallets import views as wallet_views
from ..wallets.forms import amount as parse_form_amount
from . import bp

QUICK_FIELDS = ("first_name", "last_name", "company_name", "phone", "email")


def _page(result: terminal.ScanResult, status: int = 200, **ctx):
    ctx.setdefault("quick", {})
    ctx.setdefault("quick_errors", {})
    ctx.setdefault("pay", {"amount": "", "key": wallet_views.new_key(), "error": None})
    ctx["benefits"] = _benefits(result)
    return render("terminal/index.html", block="terminal_result", result=result, status=status, **ctx)


def _benefits(result: terminal.ScanResult) -> benefits.Benefits | None:
    """What the customer's group and tier give them now; none on a card that must not be accepted."""
    customer = result.customer
    if customer is None or (result.card is not None and not result.usable):
        return None
    tenant_id = require_tenant_id()
    who = pricing_customer.by_id(tenant_id, customer.id)
    return benefits.of_customer(tenant_id, who.group, who.tier)


@bp.get("/")
@require_role("staff")
def index():
    return _page(terminal.ScanResult(query=""))


@bp.get("/lookup")
@require_role("staff")
def lookup():
    """What a scan found; GET, so a repeated scan is harmless. `customer_id` opens one customer
    from a list of matches; `assign` searches customers to put an unknown card on."""
    assign = request.args.get("assign", "").strip()[:200]
    q = request.args.get("q", "")[:200]
    if assign:
        found = terminal.search_customers(q, terminal.MAX_MATCHES) if q.strip() else []
        # Without htmx (JavaScript off, a bookmarked link) this is the whole page: its forms too.
        return render("terminal/index.html", block="assign_results", result=terminal.ScanResult(query=assign,
                      unknown_code=assign), matches=found, pick_q=q, quick={}, quick_errors={})
    customer_id = request.args.get("customer_id")
    if customer_id is not None:
        customer = get_or_404(Customer, customer_id)
        return _page(terminal.ScanResult(query="", customer=customer))
    return _page(terminal.scan(q), q=q)


@bp.post("/assign")
@require_role("staff")
def assign():
    """Put an unknown card on an existing customer (idempotent: a second click changes nothing)."""
    code = request.form.get("code", "")[:200]
    customer = get_or_404(Customer, request.form.get("customer_id"))
    with service_errors() as refused:
        card, created = card_service.assign(customer, code)
    if refused.error:
        return _page(terminal.scan(code), status=409 if refused.error.code == "card_taken" else 422,
                     assign_error=refused.error.message)
    if created:
        flash(_("The card %(code)s now belongs to %(name)s.", code=card.code, name=customer.display_name), "success")
    return _page(terminal.scan(card.code))


@bp.post("/pay")
@require_role("staff")
def pay():
    """Take a payment of a typed amount from the customer's wallet (no POS connected): a receipt
    of one line, paid by the wallet; the form's key makes a double submit pay once."""
    customer = get_or_404(Customer, request.form.get("customer_id"))
    if customer.erased_at is not None or customer.merged_into_id is not None:
        abort(404)
    typed, errors = request.form.get("amount", "")[:40], {}
    key = wallet_views.typed_key()
    value = parse_form_amount(typed, errors)
    if not errors:
        with service_errors() as refused:
            receipt, now = documents.pay_from_wallet(customer, value, key, current_user.id)
        if refused.error is None:
            if now:
                flash(_("%(amount)s paid from the wallet (receipt %(number)s).", amount=money(value),
                        number=receipt.number), "success")
            else:
                flash(_("This payment was recorded already; it was not repeated."), "info")
            return redirect_to(url_for("terminal.lookup", customer_id=customer.id))
        errors["amount"] = refused.error.message
    return _page(terminal.ScanResult(query="", customer=customer), status=422,
                 pay={"amount": typed, "key": key, "error": errors.get("amount")})


@bp.post("/quick-add")
@require_role("staff")
def quick_add():
    """A new customer with the scanned card, from the terminal."""
    code = request.form.get("code", "")[:200]
    data = {name: request.form.get(name, "")[:300] for name in QUICK_FIELDS}
    with service_errors() as refused:
        customer, card = terminal.quick_add(data, card_code=code)
    e = refused.error
    if e is not None and e.code == "card_taken":
        return _page(terminal.scan(code), status=409, assign_error=e.message)
    if isinstance(e, customer_service.CustomerInvalid):
        return _page(terminal.ScanResult(query=code, unknown_code=code), status=422, quick=data,
                     quick_errors=e.errors)
    if e is not None:
        return _page(terminal.ScanResult(query=code, unknown_code=code), status=422, quick=data,
                     assign_error=e.message)
    if card is not None:
        flash(_("%(name)s was added with the card %(code)s.", name=customer.display_name, code=card.code), "success")
    else:
        flash(_("%(name)s was added.", name=customer.display_name), "success")
    return _page(terminal.ScanResult(query=code, card=card, customer=customer))
