"""Prepaid wallets in the panel: the customer's Wallet tab (balance, top-up, adjustment, the
ledger with its running balance and reversals), the printable top-up confirmation, and the
top-up bonus rules of the settings.

Every form that moves money carries a key generated when the form is rendered (a hidden
field): a double click, a resubmitted page or a retried request sends the same key, and the
service answers the first movement instead of moving the money again.
"""
from __future__ import annotations

import uuid
from decimal import Decimal

from flask import abort, flash, g, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from ...access import get_or_404, has_role, require_role
from ...extensions import db
from ...htmx import is_htmx, redirect_to, render
from ...i18n import money
from ...models import TOP_UP_METHODS, Customer, Wallet, WalletBonusRule, WalletEntry
from ...models.base import row_id
from ...money import InvalidPercent, parse_percent
from ...registry import customer_tabs
from ...services import wallets
from ...services.wallets import reconcile
from ...transaction import flashed_errors, service_errors
from . import bp
from .forms import amount as parse_form_amount

LEDGER_PAGE = 25
KEY_LENGTH = 64


def new_key() -> str:
    return uuid.uuid4().hex


def tab_context(customer: Customer, **forms) -> dict:
    """What the Wallet tab shows: the balance, the forms (fresh, or as typed with errors) and a
    page of the ledger (older pages by `?before=<entry id>`)."""
    wallet = wallets.wallet_of(customer)
    before = row_id(request.args.get("before")) if request.args.get("tab") == "wallet" else None
    page = wallets.entries_page(wallet, LEDGER_PAGE, before)
    reversed_ids = set()
    if page.entries:
        reversed_ids = set(db.session.scalars(select(WalletEntry.reverses_entry_id).where(
            WalletEntry.reverses_entry_id.in_([e.id for e in page.entries]))))
    return {
        "wallet": wallet, "balance": wallet.balance if wallet is not None else 0, "page": page,
        "before": before, "reversed_ids": reversed_ids, "reversible": wallets.REVERSIBLE,
        "top_up": forms.get("top_up") or {"key": new_key(), "typed": {"method": "cash"}, "errors": {}},
        "adjust": forms.get("adjust") or {"key": new_key(), "typed": {}, "errors": {}},
        "methods": method_labels(),
    }


def method_labels() -> dict:
    return {"cash": _("Cash"), "card": _("Card")}


def typed_key() -> str:
    key = (request.form.get("key") or "").strip()
    if not key or len(key) > KEY_LENGTH:
        # A form without its key (an old tab, a hand-made request) gets one now: it still
        # moves money once per submission, only a resubmission cannot be recognised.
        key = new_key()
    return key


def _customer_for_money(customer_id: int) -> Customer:
    customer = get_or_404(Customer, customer_id)
    if customer.erased_at is not None or customer.merged_into_id is not None:
        abort(404)
    return customer


@bp.post("/customers/<int:customer_id>/top-up")
@require_role("staff")
def top_up(customer_id: int):
    """Top up from the Wallet tab; the answer is the printable confirmation (or the form again)."""
    customer = _customer_for_money(customer_id)
    typed = {"amount": request.form.get("amount", "")[:40], "method": request.form.get("method", "")}
    key, errors = typed_key(), {}
    value = parse_form_amount(typed["amount"], errors)
    if typed["method"] not in TOP_UP_METHODS:
        errors["method"] = _("Choose how the top-up was paid: cash or card.")
    if not errors:
        with service_errors() as refused:
            moved = wallets.top_up(customer, value, typed["method"], key=f"panel:{key}")
        if refused.error is None:
            if moved.replayed:
                flash(_("This top-up was recorded already; it was not repeated."), "info")
            else:
                flash(_("%(amount)s added to the wallet.", amount=money(moved.entry.amount)), "success")
            return redirect_to(url_for("wallets.confirmation", customer_id=customer.id, entry_id=moved.entry.id))
        errors[refused.error.field or "amount"] = refused.error.message
    form = {"key": key, "typed": typed, "errors": errors}
    return _tab_again(customer, "top_up", top_up=form)


@bp.post("/customers/<int:customer_id>/adjust")
@require_role("manager")
def adjust(customer_id: int):
    """A manager's adjustment with its reason: "-50" takes money out, "50" puts it in."""
    customer = _customer_for_money(customer_id)
    typed = {"amount": request.form.get("amount", "")[:40], "reason": request.form.get("reason", "")[:600]}
    key, errors = typed_key(), {}
    value = parse_form_amount(typed["amount"], errors, signed=True)
    if not typed["reason"].strip():
        errors["reason"] = _("Say why the balance is adjusted.")
    if not errors:
        with service_errors() as refused:
            moved = wallets.adjust(customer, value, typed["reason"], key=f"panel:{key}")
        if refused.error is None:
            if not moved.replayed:
                flash(_("Wallet adjusted by %(amount)s; the balance is %(balance)s.",
                        amount=money(moved.entry.amount), balance=money(moved.balance)), "success")
            return redirect_to(url_for("customers.detail", customer_id=customer.id, tab="wallet"))
        errors[refused.error.field if refused.error.field in ("amount", "reason") else "amount"] = \
            refused.error.message
    return _tab_again(customer, "adjust", adjust={"key": key, "typed": typed, "errors": errors})


def _tab_again(customer: Customer, block: str, **forms):
    """The form as typed, with its errors: the form's fragment for htmx, the page otherwise."""
    ctx = tab_context(customer, **forms)
    if is_htmx():
        return render(f"wallets/_{block}.html", block=block, customer=customer, status=422, **ctx)
    # Without htmx: the customer's page on its Wallet tab, as customers.detail renders it.
    return render_template("customers/detail.html", customer=customer, tabs=customer_tabs,
                           tab=customer_tabs.get("wallet"), merged_into=None, **ctx), 422


@bp.post("/customers/<int:customer_id>/entries/<int:entry_id>/reverse")
@require_role("manager")
def reverse(customer_id: int, entry_id: int):
    customer = get_or_404(Customer, customer_id)
    entry = _entry_of(customer, entry_id)
    with flashed_errors() as refused:
        moved = wallets.reverse(entry, request.form.get("reason", "")[:500])
    if refused.error is None:
        if moved.replayed:
            flash(_("This entry was reversed already."), "info")
        else:
            flash(_("Entry reversed; the balance is %(balance)s.", balance=money(moved.balance)), "success")
    return redirect_to(url_for("customers.detail", customer_id=customer.id, tab="wallet"))


@bp.get("/customers/<int:customer_id>/entries/<int:entry_id>/confirmation")
@require_role("staff")
def confirmation(customer_id: int, entry_id: int):
    """The printable confirmation of a top-up: restaurant, customer, amount, bonus, balance, when, who."""
    customer = get_or_404(Customer, customer_id)
    entry = _entry_of(customer, entry_id)
    if entry.kind != "top_up":
        abort(404)
    bonus = db.session.scalar(select(WalletEntry).where(WalletEntry.related_entry_id == entry.id,
                                                        WalletEntry.kind == "top_up_bonus"))
    return render_template("wallets/confirmation.html", customer=customer, entry=entry, bonus=bonus,
                           balance_after=(bonus or entry).balance_after, methods=method_labels(),
                           tenant=g.tenant)


def _entry_of(customer: Customer, entry_id: int) -> WalletEntry:
    entry = get_or_404(WalletEntry, entry_id)
    wallet = db.session.get(Wallet, entry.wallet_id)
    if wallet is None or wallet.customer_id != customer.id:
        abort(404)
    return entry


# --- settings: top-up bonus rules -------------------------------------------------------------

@bp.route("/bonus-rules", methods=["GET", "POST"])
@require_role("manager")
def bonus_rules():
    typed = {"min_amount": "", "bonus": "", "kind": "amount"}
    errors: dict = {}
    status = 200
    if request.method == "POST":
        typed = {"min_amount": request.form.get("min_amount", "")[:40], "bonus": request.form.get("bonus", "")[:40],
                 "kind": request.form.get("kind", "amount")}
        min_amount = parse_form_amount(typed["min_amount"], errors, field="min_amount")
        bonus_amount = bonus_percent = None
        if typed["kind"] == "percent":
            bonus_percent = _percent(typed["bonus"], errors)
        else:
            bonus_amount = parse_form_amount(typed["bonus"], errors, field="bonus")
        if not errors:
            with service_errors() as refused:
                wallets.add_rule(min_amount, bonus_amount, bonus_percent)
            if refused.error is None:
                flash(_("Bonus rule added."), "success")
                return redirect_to(url_for("wallets.bonus_rules"))
            errors[refused.error.field or "min_amount"] = refused.error.message
        status = 422
    return render("wallets/bonus_rules.html", block="rules_form" if status == 422 else None, rules=wallets.rules(),
                  typed=typed, errors=errors, example=_example()), status


def _percent(text: str, errors: dict) -> Decimal | None:
    try:
        value = parse_percent(text)
    except InvalidPercent as e:
        errors["bonus"] = (_("Enter a percent greater than 0 and at most 100.") if e.code == InvalidPercent.RANGE
                           else _("Enter a percent such as 10 or 7,5."))
        return None
    if value <= 0:
        errors["bonus"] = _("Enter a percent greater than 0 and at most 100.")
        return None
    return value


def _example() -> list[tuple[int, int]]:
    """What top-ups of a few usual sizes would get with the rules as they are."""
    rules = [wallets.Rule(r.min_amount, r.bonus_amount, r.bonus_percent) for r in wallets.rules()]
    return [(a, wallets.bonus_for(a, rules)) for a in (5000, 10000, 20000, 50000)] if rules else []


@bp.post("/bonus-rules/<int:rule_id>/delete")
@require_role("manager")
def bonus_rule_delete(rule_id: int):
    rule = get_or_404(WalletBonusRule, rule_id)
    wallets.remove_rule(rule)
    flash(_("Bonus rule removed."), "success")
    return redirect_to(url_for("wallets.bonus_rules"))


# --- what other pages include -----------------------------------------------------------------

@bp.app_template_global("wallet_reconciliation")
def wallet_reconciliation():
    """The last nightly check of the wallets, for the health page."""
    return reconcile.last_run()


@bp.app_template_global("wallet_money_held")
def wallet_money_held() -> tuple[int, int]:
    """The money the wallets hold (a liability) and how many customers hold some, for the dashboard."""
    return wallets.total_held()


@bp.app_template_global("can_manage_wallets")
def can_manage_wallets() -> bool:
    return has_role("manager")


@bp.app_template_filter("wallet_percent")
def wallet_percent(value: Decimal) -> str:
    """A bonus rule's percent as the viewer writes it: 7,5 in Polish, without trailing zeros."""
    return format_decimal(value, format="0.####")


@bp.app_template_global("wallet_balance_of")
def wallet_balance_of(customer) -> int:
    """What the customer's wallet holds (0 without one), for the terminal after a scan."""
    return db.session.scalar(select(Wallet.balance).where(Wallet.customer_id == customer.id)) or 0
