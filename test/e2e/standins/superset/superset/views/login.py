"""POST /login/ (form or JSON: username, password): Flask-AppBuilder's database login, reduced to
checking the password in ab_user. Limited by AUTH_RATE_LIMIT when AUTH_RATE_LIMITED, like FAB's
login view, through the app's Flask-Limiter (so its storage, RATELIMIT_STORAGE_URI, is used)."""

from flask import Blueprint, current_app, jsonify, request

from superset import security
from superset.extensions import db

login_blueprint = Blueprint("login", __name__)


def _auth_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


@login_blueprint.route("/login/", methods=["POST"])
def login():
    data = request.get_json(silent=True) or request.form
    username, password = data.get("username", ""), data.get("password", "")
    with db.session() as session:
        user = security.find_user(session, username=username)
        ok = user is not None and user.active and security.check_password(user, password)
    if not ok:
        return jsonify({"message": "Invalid login. Please try again."}), 401
    return jsonify({"message": "logged in", "username": username})


def limit_login(app) -> None:
    if app.config["AUTH_RATE_LIMITED"]:
        limiter = app.extensions["superset_limiter"]
        app.view_functions["login.login"] = limiter.limit(_auth_limit, methods=["POST"])(app.view_functions["login.login"])
