"""Template globals: the navigation and the labels of roles and states.

Areas register their navigation item, audit labels and job titles in panel.registry."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g, request, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from . import registry
from .access import has_role
from .i18n import customer_name, translations

ROLE_LABELS = {"owner": _l("Owner"), "manager": _l("Manager"), "staff": _l("Staff")}


def nav_items() -> list[dict]:
    rules = current_app.view_functions
    current_bp = request.blueprint
    items = []
    for item in registry.nav_items:
        if item.endpoint in rules and has_role(item.role):
            items.append({"url": url_for(item.endpoint), "label": item.label,
                          "active": item.endpoint.split(".")[0] == current_bp})
    return items


def tax_id_name() -> str:
    """What staff call a company's number here: IČO in a Czech restaurant, NIP in a Polish one."""
    tenant = getattr(g, "tenant", None)
    return "IČO" if tenant is not None and tenant.country == "CZ" else "NIP"


def role_label(role: str | None) -> str:
    return str(ROLE_LABELS.get(role or "", role or ""))


def audit_label(action: str) -> str:
    return registry.audit_labels.actions.label(action)


def job_title(kind: str) -> str:
    return registry.job_titles.label(kind)


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


def group_badge(name: str | None, colour: str | None, url: str | None = None) -> Markup:
    """A customer group's badge: its colour as a dot, then its name ("" for no group).

    The dot is SVG: its fill is a presentation attribute, which the Content-Security-Policy
    (style-src 'self') allows where an inline style="background: ..." is refused.
    """
    if not name:
        return Markup("")
    dot = (f'<svg class="group-dot" viewBox="0 0 10 10" aria-hidden="true" focusable="false">'
           f'<circle cx="5" cy="5" r="5" fill="{escape(colour or "#57606a")}"/></svg>')
    inner = f"{dot}{escape(name)}"
    if url:
        return Markup(f'<a class="badge group-badge" href="{escape(url)}">{inner}</a>')
    return Markup(f'<span class="badge group-badge">{inner}</span>')


def install(app: Flask) -> None:
    # Areas bring their own stylesheet (customers.css, cards.css, ...): link whatever is there.
    css_dir = Path(app.static_folder) / "css"
    area_css = sorted(p.name for p in css_dir.glob("*.css") if p.name != "app.css")
    app.jinja_env.globals.update(area_css=area_css)
    app.jinja_env.globals.update(nav_items=nav_items, role_label=role_label, tax_id_name=tax_id_name, has_role=has_role,
                                 audit_label=audit_label, job_title=job_title,
                                 customer_name=customer_name, status_badges=status_badges,
                                 group_badge=group_badge)
