"""Prepaid wallets: top-ups, payments and the ledger behind each balance."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...registry import audit_labels, customer_tabs, job_titles

bp = Blueprint("wallets", __name__, url_prefix="/wallets")

audit_labels.register(
    actions={
        "wallet.topped_up": _l("topped up a wallet"),
        "wallet.paid": _l("paid from a wallet"),
        "wallet.refunded": _l("refunded into a wallet"),
        "wallet.adjusted": _l("adjusted a wallet"),
        "wallet.reversed": _l("reversed a wallet entry"),
        "wallet.bonus_rule_added": _l("added a top-up bonus rule"),
        "wallet.bonus_rule_removed": _l("removed a top-up bonus rule"),
    },
    groups={"wallet": _l("Wallets")},
    records={"wallet_bonus_rule": _l("top-up bonus rule")},
)
job_titles.register({"wallet_reconciliation": _l("Wallet reconciliation")})


def _tab(customer) -> dict:
    from .views import tab_context

    return tab_context(customer)


customer_tabs.register("wallet", _l("Wallet"), "customers/tabs/wallet.html", order=30, load=_tab)

from . import views  # noqa: E402,F401  (routes register on import)
