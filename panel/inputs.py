"""What arrives from outside has its NUL characters dropped before any of our code reads it.

PostgreSQL text cannot hold NUL: a "\\x00" in a search, a form field, a JSON body or a path
would reach the database and fail there (a 500), however carefully each view validates. No
person types one and no card reader sends one, so it is removed where the request is parsed
(query string, form fields, JSON strings, URL parts), once for every route. Uploaded files are
bytes and keep theirs; the importer reads them.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, Request
from flask.json.provider import DefaultJSONProvider
from werkzeug.datastructures import ImmutableMultiDict


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    return value


class _Parameters(ImmutableMultiDict):
    """The query string's and the form's fields (and the files' names), NUL dropped.

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
        return _clean(super().loads(s, **kwargs))


def install(app: Flask) -> None:
    app.request_class = PanelRequest
    app.json = _JSON(app)

    @app.url_value_preprocessor
    def _path_values(_endpoint, values):
        if values:
            for key, value in values.items():
                values[key] = _clean(value)
