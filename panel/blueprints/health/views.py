from flask import jsonify

from ...services.health import report
from . import bp


@bp.get("/healthz")
def healthz():
    """For load balancers and monitoring: 200 when the database answers, 503 otherwise."""
    data = report()
    return jsonify(data), 200 if data["database"]["ok"] else 503
