"""GET /health, /healthcheck, /ping: "OK" with 200, as Superset answers; it checks nothing else
(no database, no cache), and counts each call in the stats logger."""

from flask import Blueprint, current_app

health_blueprint = Blueprint("health", __name__)


@health_blueprint.route("/health")
@health_blueprint.route("/healthcheck")
@health_blueprint.route("/ping")
def health():
    current_app.config["STATS_LOGGER"].incr("health")
    return "OK"
