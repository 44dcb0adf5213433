"""The API page in the panel speaks the viewer's language below its headings too.

The OpenAPI document stays English (it is for programs); the page translates its prose. The
walk over the document also catches a description added later without a translation.
"""
from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext

from panel.blueprints.api.openapi import ERROR_CODES, document

SAME_IN_EVERY_LANGUAGE = {"status == active."}


def _shown_texts() -> list[str]:
    """Every text of the document that the API page shows."""
    spec = document()
    schemas = spec["components"]["schemas"]
    texts = [spec["info"]["description"]]
    for methods in spec["paths"].values():
        for op in methods.values():
            texts += [op.get("summary"), op.get("description")]
            texts += [p.get("description") for p in op.get("parameters", [])]
            texts += [r.get("description") for r in op["responses"].values()]
            body = op.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                ref = body["schema"]["$ref"].rsplit("/", 1)[1]
                texts += [f.get("description") for f in schemas[ref]["properties"].values()]
    for name in ("Card", "Customer"):
        texts += [f.get("description") for f in schemas[name]["properties"].values()]
    texts += [meaning for _code, _status, meaning in ERROR_CODES]
    return sorted({t for t in texts if t})


@pytest.mark.parametrize("locale", ["pl", "cs"])
def test_every_text_of_the_api_page_is_translated(app, locale):
    with app.test_request_context(), force_locale(locale):
        missing = [t for t in _shown_texts() if t not in SAME_IN_EVERY_LANGUAGE and gettext(t) == t]
    assert missing == []


@pytest.mark.parametrize("locale, overview, parameter_in", [
    ("pl", "Dla terminali POS i kas", "ścieżka"),
    ("cs", "Pro POS terminály a pokladny", "cesta"),
])
def test_the_api_page_in_polish_and_czech(owner_a, locale, overview, parameter_in):
    owner_a.post("/language", data={"locale": locale})
    page = owner_a.get("/api/v1/docs").text
    assert overview in page and f"<td>{parameter_in}</td>" in page
    # The prose is escaped as text, its `code` marked up, in any language.
    assert "<code>Authorization: Bearer &lt;token&gt;</code>" in page
    for english in ("For POS terminals and tills", "Find a card and its customer", "What the reader typed",
                    "No customer of your restaurant has this id.", "The number printed on the card."):
        assert english not in page
