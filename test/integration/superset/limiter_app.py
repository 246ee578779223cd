"""A Flask app with Flask-Limiter built the way Flask-AppBuilder builds it (Limiter(key_func,
app=app), every RATELIMIT_* setting read from the app config), configured from a generated
superset_config.py, then Superset's FLASK_APP_MUTATOR hook. Prints the status of each request
given on the command line as JSON. Run with the python stubs on PYTHONPATH for the imports the
config makes (celery, flask_caching, superset) and the real Flask and Flask-Limiter."""
import importlib.util
import json
import logging
import sys

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

logging.disable(logging.CRITICAL)  # the swallowed storage errors are logged; not the test's output

spec = importlib.util.spec_from_file_location("superset_config", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)

app = Flask("superset")
app.config.update({k: v for k, v in vars(module).items() if k.isupper()})
Limiter(get_remote_address, app=app)


@app.route("/health")
def health():
    return "OK"


@app.route("/api/v1/chart/")
def charts():
    return "[]"


mutator = app.config.get("FLASK_APP_MUTATOR")
if mutator:
    mutator(app)

with app.test_client() as client:
    print(json.dumps([client.get(path).status_code for path in sys.argv[2:]]))
