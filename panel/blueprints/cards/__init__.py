from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ... import clock
from ...registry import audit_labels, customer_tabs, job_titles, nav_items

bp = Blueprint("cards", __name__, url_prefix="/cards")

nav_items.register("cards.index", _l("Cards"), role="staff", order=40)
audit_labels.register(
    actions={
        "card.added": _l("added a card"),
        "card.updated": _l("edited a card"),
        "card.blocked": _l("blocked a card"),
        "card.unblocked": _l("unblocked a card"),
        "card.lost": _l("reported a card lost"),
        "card.replaced": _l("replaced a card"),
        "cards.exported": _l("exported the cards"),
    },
    groups={"card": _l("Cards"), "cards": _l("Card exports")},
)
job_titles.register({"card_export": _l("Card export")})
customer_tabs.register("cards", _l("Cards"), "customers/tabs/cards.html", order=20,
                       load=lambda c: {"today": clock.today()}, badge=lambda c: len(c.cards))

from . import views  # noqa: E402,F401  (routes register on import)
