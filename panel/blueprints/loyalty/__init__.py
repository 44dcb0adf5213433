"""Loyalty tiers by turnover (issue 17): settings, tiers, Start, dry run, members, and the
customer page's Loyalty tab with the manual assignment."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...registry import audit_labels, customer_tabs, job_titles, nav_items

bp = Blueprint("loyalty", __name__, url_prefix="/loyalty")

nav_items.register("loyalty.index", _l("Loyalty"), role="manager", order=70)
audit_labels.register(
    actions={
        "loyalty.settings_changed": _l("changed the loyalty settings"),
        "loyalty.tiers_changed": _l("changed the loyalty tiers"),
        "loyalty.tier_assigned": _l("gave a tier by hand"),
        "loyalty.tier_unassigned": _l("ended a tier given by hand"),
        "loyalty.evaluation_started": _l("started the tier evaluation"),
    },
    groups={"loyalty": _l("Loyalty")},
)
job_titles.register({"tier_evaluation": _l("Tier evaluation")})


def _tab_context(customer) -> dict:
    from .views import customer_tab_context

    return customer_tab_context(customer)


customer_tabs.register("loyalty", _l("Loyalty"), "loyalty/_customer_tab.html", order=60, load=_tab_context)

from . import views  # noqa: E402,F401  (routes register on import)
