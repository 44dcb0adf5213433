from flask import Blueprint
from werkzeug.routing import BaseConverter

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class AnyTextConverter(BaseConverter):
    """Any text, slashes and control characters included; the view parses it.

    A card code is whatever a reader typed, and an id may arrive malformed: the default
    converters would refuse such URLs during routing, which answers with the panel's HTML 404
    page instead of the API's JSON error.
    """

    regex = "(?s:.+)"
    part_isolating = False


@bp.record_once
def _register_converter(state) -> None:
    # Runs before the routes below are added: they use the converter.
    state.app.url_map.converters.setdefault("any_text", AnyTextConverter)


from . import (
    operations,  # noqa: E402,F401  (each area's operations, one module each)
    views,  # noqa: E402,F401  (routes register on import)
)
