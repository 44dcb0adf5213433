"""The API page in the panel speaks the viewer's language below its headings too.

The OpenAPI document stays English (it is for programs); the page translates its prose. The
walk over the document also catches a description added later without a translation.
"""
from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext, pgettext

from panel.blueprints.api import views
from panel.blueprints.api.errors import ERRORS
from panel.blueprints.api.openapi import document
from panel.services.tokens import SCOPES

SAME_IN_EVERY_LANGUAGE = {"status == active."}


def _shown_texts(app) -> list[str]:
    """Every English text of the document that the API page shows, walked as docs.html does."""
    spec = document(app)
    texts = [spec["info"]["description"]]
    for o in views._operations(spec):
        op = o["op"]
        texts += [op.get("summary"), op.get("description")]
        texts += [p.get("description") for p in op.get("parameters", [])]
        texts += [f.get("description") for f in o["body_fields"].values()]
        for r in op["responses"].values():
            # An error answer is shown code by code, each with its meaning; others as described.
            texts += [ERRORS[c][1] for c in r["x-error-codes"]] if "x-error-codes" in r else [r["description"]]
    for name in ("Card", "Customer"):
        texts += [f.get("description") for f in spec["components"]["schemas"][name]["properties"].values()]
    texts += [meaning for _status, meaning in ERRORS.values()]
    return sorted({t for t in texts if t})


def _locations(app) -> set[str]:
    spec = document(app)
    return {p["in"] for methods in spec["paths"].values() for op in methods.values() for p in op.get("parameters", [])}


@pytest.mark.parametrize("locale", ["pl", "cs"])
def test_every_text_of_the_api_page_is_translated(app, locale):
    with app.test_request_context(), force_locale(locale):
        missing = [t for t in _shown_texts(app) if t not in SAME_IN_EVERY_LANGUAGE and gettext(t) == t]
        missing += [f"{where} (API parameter location)" for where in sorted(_locations(app))
                    if pgettext("API parameter location", where) == where]
        # The scope badges' labels are _() literals (test_i18n checks them); every scope needs one.
        missing += [f"scope {s}" for s in SCOPES if s not in views.scope_labels()]
    assert missing == []


@pytest.mark.parametrize("locale, overview, parameter_in, rate_limited, scope", [
    ("pl", "Dla terminali POS i kas", "ścieżka", "Zbyt wiele żądań z tego tokenu", "Zakres: POS ("),
    ("cs", "Pro POS terminály a pokladny", "cesta", "Příliš mnoho požadavků z tohoto tokenu", "Oprávnění: Pokladna ("),
])
def test_the_api_page_in_polish_and_czech(owner_a, locale, overview, parameter_in, rate_limited, scope):
    owner_a.post("/language", data={"locale": locale})
    page = owner_a.get("/api/v1/docs").text
    assert overview in page and f"<td>{parameter_in}</td>" in page and scope in page
    # An answer's error codes are listed one by one, each meaning in the viewer's language.
    assert f"<code>rate_limited</code>: {rate_limited}" in page
    assert "`" not in page.split("<h2>", 2)[2]  # every text's `code` is marked up, the error table's too
    # The prose is escaped as text, its `code` marked up, in any language.
    assert "<code>Authorization: Bearer &lt;token&gt;</code>" in page
    for english in ("For POS terminals and tills", "Find a card and its customer", "What the reader typed",
                    "No customer of your restaurant has this id.", "The number printed on the card.",
                    "Too many requests", "A token has one or both scopes", "Send an <code>Idempotency-Key</code>"):
        assert english not in page
