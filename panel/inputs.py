"""What arrives from outside is cleaned of characters no person types before our code reads it.

PostgreSQL text cannot hold NUL: a "\\x00" in a search, a form field, a JSON body or a path
would reach the database and fail there (a 500), however carefully each view validates. The
other control characters (ESC, backspace, DEL, the C1 range) are stored fine but then sit in a
name or a note, invisible on the page and live in a terminal that prints an export. A lone
UTF-16 surrogate, which only a JSON escape ("\\ud800") can produce, cannot be encoded for the
database at all. No person types any of them and no card reader sends one, so they are removed
where the request is parsed (query string, form fields, JSON strings, URL parts), once for
every route. Tab, line feed and carriage return (a textarea's line ends) stay. Uploaded files
are bytes and keep theirs; the importer reads them.

A JSON body nested deeper than any request of ours needs is refused as malformed: parsing it
(and cleaning it) would otherwise run out of stack, a 500, instead of the caller's 400.
"""
from __future__ import annotations

import re
from typing import Any

from flask import Flask, Request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import ImmutableMultiDict

# C0 controls but tab, line feed and carriage return; DEL and C1; lone surrogates.
_UNTYPABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
MAX_JSON_DEPTH = 64


class JSONTooDeep(ValueError):
    """Flask's get_json() treats a ValueError as a malformed body (400, or None when silent)."""


def _clean(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return _UNTYPABLE.sub("", value) if _UNTYPABLE.search(value) else value
    if depth >= MAX_JSON_DEPTH and isinstance(value, (list, dict)):
        raise JSONTooDeep(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, list):
        return [_clean(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {_clean(k): _clean(v, depth + 1) for k, v in value.items()}
    return value


class _Parameters(ImmutableMultiDict):
    """The query string's and the form's fields (and the files' names), cleaned.

    Werkzeug builds both from a list of (name, value) pairs through parameter_storage_class.
    """

    def __init__(self, mapping=None):
        if isinstance(mapping, list):
            mapping = [(_clean(k), _clean(v)) for k, v in mapping]
        super().__init__(mapping)


class PanelRequest(Request):
    parameter_storage_class = _Parameters


class _JSON(DefaultJSONProvider):
    def loads(self, s, **kwargs):
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:  # the parser's own stack ran out: nested thousands deep
            raise JSONTooDeep("JSON nested too deeply") from None
        return _clean(value)


def install(app: Flask) -> None:
    app.request_class = PanelRequest
    app.json = _JSON(app)

    @app.url_value_preprocessor
    def _path_values(_endpoint, values):
        if values:
            for key, value in values.items():
                values[key] = _clean(value)
