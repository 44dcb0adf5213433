"""Template globals: the navigation and the labels of roles and states."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g, request, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from .access import has_role
from .i18n import customer_name, translations

# (endpoint, label, least role). Areas appear as their blueprints arrive.
NAV = [
    ("dashboard.index", _l("Dashboard"), "staff"),
    ("terminal.index", _l("Terminal"), "staff"),
    ("customers.index", _l("Customers"), "staff"),
    ("cards.index", _l("Cards"), "staff"),
    ("groups.index", _l("Groups"), "manager"),
    ("wallets.index", _l("Wallets"), "manager"),
    ("loyalty.index", _l("Loyalty"), "manager"),
    ("users.index", _l("Users"), "owner"),
    ("audit.index", _l("Audit log"), "owner"),
    ("settings.index", _l("Settings"), "manager"),
]

AUDIT_LABELS = {
    "tenant.created": _l("created the account"),
    "tenant.updated": _l("changed the settings"),
    "user.signed_in": _l("signed in"),
    "user.password_changed": _l("changed their password"),
    "user.password_reset": _l("set a new password by e-mail link"),
    "user.added": _l("added a user"),
    "user.invited": _l("invited a user"),
    "user.joined": _l("joined"),
    "user.role_changed": _l("changed a role"),
    "user.deactivated": _l("deactivated a user"),
    "user.reactivated": _l("reactivated a user"),
    "token.created": _l("created an API token"),
    "token.revoked": _l("revoked an API token"),
    "audit.exported": _l("exported the audit log"),
    "customer.created": _l("added a customer"),
    "customer.updated": _l("edited a customer"),
    "customer.archived": _l("archived a customer"),
    "customer.restored": _l("restored a customer"),
    "customer.erased": _l("erased a customer's personal data"),
    "customer.merged": _l("merged two customers"),
    "customer.exported": _l("exported a customer's data"),
    "customers.imported": _l("imported customers"),
    "customers.exported": _l("exported the customer list"),
    "card.added": _l("added a card"),
    "card.updated": _l("edited a card"),
    "card.blocked": _l("blocked a card"),
    "card.unblocked": _l("unblocked a card"),
    "card.lost": _l("reported a card lost"),
    "card.replaced": _l("replaced a card"),
    "cards.exported": _l("exported the cards"),
}

JOB_TITLES = {
    "audit_export": _l("Audit log export"),
    "customer_export": _l("Customer export"),
    "customer_import": _l("Customer import"),
    "company_lookup": _l("Company lookup"),
    "card_export": _l("Card export"),
}

ROLE_LABELS = {"owner": _l("Owner"), "manager": _l("Manager"), "staff": _l("Staff")}


def nav_items() -> list[dict]:
    rules = current_app.view_functions
    current_bp = request.blueprint
    items = []
    for endpoint, label, role in NAV:
        if endpoint in rules and has_role(role):
            items.append({"url": url_for(endpoint), "label": label,
                          "active": endpoint.split(".")[0] == current_bp})
    return items


def tax_id_name() -> str:
    """What staff call a company's number here: IČO in a Czech restaurant, NIP in a Polish one."""
    tenant = getattr(g, "tenant", None)
    return "IČO" if tenant is not None and tenant.country == "CZ" else "NIP"


def role_label(role: str | None) -> str:
    return str(ROLE_LABELS.get(role or "", role or ""))


def audit_label(action: str) -> str:
    return str(AUDIT_LABELS.get(action, action))


def job_title(kind: str) -> str:
    return str(JOB_TITLES.get(kind, kind))


# The customer's name and state badges are Python rather than macros: the list draws both on
# every row, and a macro call with its template translations cost ~0.1 ms a row, more than the
# rest of the row.

def status_badges(c, consent: bool = True) -> Markup:
    """A customer's state badges: erased / merged / archived, staff, marketing consent."""
    t = translations()
    out = []
    if c.erased_at:
        out.append(("badge-bad", t.gettext("Erased"), None))
    elif c.merged_into_id:
        out.append(("badge-muted", t.gettext("Merged"), None))
    elif c.archived_at:
        out.append(("badge-muted", t.gettext("Archived"), None))
    if c.is_staff:
        out.append(("badge-warn", t.pgettext("customer flag", "Staff"), None))
    if consent and c.marketing_consent:
        out.append(("badge-ok", t.gettext("Consent"), t.gettext("Marketing consent")))
    html = []
    for css, label, title in out:
        attr = f' title="{escape(title)}"' if title else ""
        html.append(f'<span class="badge {css}"{attr}>{escape(label)}</span>')
    return Markup(" ".join(html))


def install(app: Flask) -> None:
    # Areas bring their own stylesheet (customers.css, cards.css, ...): link whatever is there.
    css_dir = Path(app.static_folder) / "css"
    area_css = sorted(p.name for p in css_dir.glob("*.css") if p.name != "app.css")
    app.jinja_env.globals.update(area_css=area_css)
    app.jinja_env.globals.update(nav_items=nav_items, role_label=role_label, tax_id_name=tax_id_name, has_role=has_role,
                                 audit_label=audit_label, job_title=job_title,
                                 customer_name=customer_name, status_badges=status_badges)
