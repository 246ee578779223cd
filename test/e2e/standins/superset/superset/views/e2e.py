"""Endpoints of the stand-in's own (not in Superset) that let an e2e scenario prove each path the
generated config opens really works, through the same objects Superset would use. Every answer
is JSON; a failed check answers 500 (or 504 when a Celery task gave no result in time) with the
failing part and its error. No secret is ever in an answer.

GET  /e2e/config        which backends the config built (types and schemes only)
GET  /e2e/request       the request as the app sees it after ProxyFix
POST /e2e/roundtrip     write+read the metadata DB, every cache, the results backend, coordination
POST /e2e/celery        {"queue": "reports", "timeout": 30}: e2e.echo on that queue, its result
                        (and how long the publish took) within the timeout
POST /e2e/databases     {"database_name", "sqlalchemy_uri"}: register a data source in dbs
POST /e2e/chart-query   {"database", "sql", "timeout"}: load_chart_data_into_cache on its routed
                        queue; the rows read back from the data cache
POST /e2e/sql-lab       {"database", "sql", "timeout"}: sql_lab.get_sql_results, rows read back
                        from RESULTS_BACKEND
POST /e2e/dashboards    {"title", "database", "table"}: a dataset, a chart and a dashboard
GET  /e2e/beat          runs of reports.scheduler recorded by the reports worker
POST /e2e/report-email  {"recipients", "subject", "timeout"}: reports.e2e_email on the queue
                        task_routes give it (the reports queue) mails an HTML report through
                        the SMTP_* settings of app.config; what the worker did
GET  /api/v1/async_event/?channel=ID&last_id=ID   events of a channel (GLOBAL_ASYNC_QUERIES)
"""

import json
import secrets
import sys
import threading
import time
import traceback
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, request

from superset import datasources
from superset.extensions import async_query_manager, cache_manager, celery_app, db, results_backend_manager
from superset.models import Dashboard, Database, Dataset, Log, Slice

e2e_blueprint = Blueprint("e2e", __name__)


def _body() -> dict:
    return request.get_json(silent=True) or {}


def _scheme(url) -> str:
    return urlsplit(url).scheme if isinstance(url, str) else type(url).__name__


@e2e_blueprint.route("/e2e/config")
def config_summary():
    config = current_app.config
    return jsonify(
        {
            "caches": {key: config[key].get("CACHE_TYPE") for key in cache_manager.by_config_key()},
            "results_backend": type(results_backend_manager.results_backend).__name__,
            "distributed_coordination": (config.get("DISTRIBUTED_COORDINATION_CONFIG") or {}).get("CACHE_TYPE"),
            "global_async_queries": bool(config["FEATURE_FLAGS"].get("GLOBAL_ASYNC_QUERIES")),
            "celery": {
                "broker_scheme": _scheme(celery_app.conf.broker_url),
                "result_backend_scheme": _scheme(celery_app.conf.result_backend),
                "task_default_queue": celery_app.conf.task_default_queue,
                "beat_schedule": sorted(celery_app.conf.beat_schedule or {}),
            },
            "proxy_fix": bool(config["ENABLE_PROXY_FIX"]),
            "talisman": bool(config["TALISMAN_ENABLED"]),
            "ratelimit_storage_scheme": _scheme(config.get("RATELIMIT_STORAGE_URI")),
        }
    )


@e2e_blueprint.route("/e2e/request")
def request_summary():
    return jsonify({"remote_addr": request.remote_addr, "scheme": request.scheme, "host": request.host, "url_root": request.url_root})


def _cache_roundtrip(cache, token: str) -> str:
    key = f"e2e_roundtrip_{token}"
    if not cache.set(key, token, timeout=60):
        return "set returned False"
    got = cache.get(key)
    cache.delete(key)
    return "ok" if got == token else f"read back {got!r}"


@e2e_blueprint.route("/e2e/roundtrip", methods=["GET", "POST"])
def roundtrip():
    token = secrets.token_hex(8)
    checks = {}
    try:
        with db.session() as session:
            row = Log(action="e2e.roundtrip", json=json.dumps({"token": token}))
            session.add(row)
            session.flush()
            got = session.get(Log, row.id)
            checks["metadata_db"] = "ok" if json.loads(got.json)["token"] == token else "read back a different row"
    except Exception as err:  # every part is checked and reported, whatever fails
        checks["metadata_db"] = f"{type(err).__name__}: {err}"
    parts = dict(cache_manager.by_config_key())
    parts["RESULTS_BACKEND"] = results_backend_manager.results_backend
    if cache_manager.distributed_coordination is not None:
        parts["DISTRIBUTED_COORDINATION_CONFIG"] = cache_manager.distributed_coordination
    if async_query_manager.cache is not None:
        parts["GLOBAL_ASYNC_QUERIES_CACHE_BACKEND"] = async_query_manager.cache
    for name, cache in parts.items():
        if cache is None:
            checks[name] = "not configured"
            continue
        try:
            checks[name] = _cache_roundtrip(cache, token)
        except Exception as err:
            checks[name] = f"{type(err).__name__}: {err}"
    ok = all(v in ("ok", "not configured") for v in checks.values())
    return jsonify({"ok": ok, "checks": checks}), 200 if ok else 500


def _publish(name: str, args: list, queue=None):
    """Sends a task as Superset's `.delay()` does under the generated config: results ignored (no
    subscription to the result channel); the stand-in's tasks store their answer all the same."""
    return celery_app.send_task(name, args=args, queue=queue, ignore_result=bool(celery_app.conf.task_ignore_result))


def _wait(result, timeout: float):
    """Polls the task's answer in the result backend (plain reads) until `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            meta = celery_app.backend.get_task_meta(result.id, cache=False)
        except Exception as err:  # the backend is failing over: read again until the deadline
            meta = {"status": "PENDING", "error": f"{type(err).__name__}: {err}"}
        if meta["status"] == "SUCCESS":
            return meta["result"], None
        if meta["status"] == "FAILURE":
            return None, (jsonify({"task_id": result.id, "error": str(meta["result"])}), 500)
        if time.monotonic() >= deadline:
            why = f" (last read: {meta['error']})" if "error" in meta else ""
            return None, (jsonify({"task_id": result.id, "error": f"no result within {timeout} s: is a worker consuming the queue?{why}"}), 504)
        time.sleep(0.1)


def _stack_watch(seconds: float, what: str):
    """Prints the calling thread's stack to stderr if it is still at work after `seconds`: where
    a request hangs, for the scenario that finds it stuck (cancel() the returned timer when done)."""
    thread = threading.get_ident()

    def dump():
        frame = sys._current_frames().get(thread)
        stack = "".join(traceback.format_stack(frame)) if frame else "(thread gone)"
        print(f"e2e: {what} still running after {seconds:.0f} s, at:\n{stack}", file=sys.stderr, flush=True)

    timer = threading.Timer(seconds, dump)
    timer.daemon = True
    timer.start()
    return timer


@e2e_blueprint.route("/e2e/celery", methods=["POST"])
def celery_roundtrip():
    body = _body()
    queue = body.get("queue") or celery_app.conf.task_default_queue
    token = secrets.token_hex(8)
    started = time.monotonic()
    watch = _stack_watch(float(body.get("timeout", 30)) + 15, f"/e2e/celery {token}")
    try:
        result = _publish("e2e.echo", [token], queue)
        published = round(time.monotonic() - started, 3)
        # "timeout" bounds the whole request: a slow publish (a failover) leaves less time for the
        # result, so the answer comes within the timeout unless the publish itself takes longer.
        value, failure = _wait(result, max(1.0, float(body.get("timeout", 30)) - published))
    finally:
        watch.cancel()
    if failure:
        response, status = failure
        return jsonify({**response.get_json(), "publish_seconds": published}), status
    ok = value["token"] == token
    return jsonify({"ok": ok, "task_id": result.id, "queue": queue, "result": value, "publish_seconds": published, "seconds": round(time.monotonic() - started, 3)}), 200 if ok else 500


@e2e_blueprint.route("/e2e/databases", methods=["POST"])
def register_database():
    body = _body()
    with db.session() as session:
        row = datasources.get_or_create_db(session, body["database_name"], body["sqlalchemy_uri"])
        return jsonify({"id": row.id, "database_name": row.database_name, "uuid": row.uuid})


@e2e_blueprint.route("/e2e/chart-query", methods=["POST"])
def chart_query():
    body = _body()
    form_data = {"database": body["database"], "sql": body["sql"]}
    job = {"job_id": secrets.token_hex(8), "channel_id": body.get("channel_id", ""), "status": "pending"}
    result = _publish("load_chart_data_into_cache", [job, form_data])
    if body.get("async"):
        return jsonify({"task_id": result.id, "job": job}), 202
    value, failure = _wait(result, float(body.get("timeout", 30)))
    if failure:
        return failure
    cached = cache_manager.data_cache.get(value["cache_key"])
    if cached is None:
        return jsonify({"task_id": result.id, "error": f"the worker stored {value['cache_key']} but the data cache does not have it"}), 500
    return jsonify({"task_id": result.id, "worker": value["worker"], "cache_key": value["cache_key"], **json.loads(cached)})


@e2e_blueprint.route("/e2e/sql-lab", methods=["POST"])
def sql_lab():
    body = _body()
    result = _publish("sql_lab.get_sql_results", [body["database"], body["sql"]])
    value, failure = _wait(result, float(body.get("timeout", 30)))
    if failure:
        return failure
    stored = results_backend_manager.results_backend.get(value["results_key"])
    if stored is None:
        return jsonify({"task_id": result.id, "error": f"results key {value['results_key']} is not in RESULTS_BACKEND"}), 500
    return jsonify({"task_id": result.id, "worker": value["worker"], "results_key": value["results_key"], **json.loads(stored)})


@e2e_blueprint.route("/e2e/dashboards", methods=["POST"])
def create_dashboard():
    body = _body()
    with db.session() as session:
        database = session.query(Database).filter_by(database_name=body["database"]).one_or_none()
        if database is None:
            return jsonify({"error": f"no database named {body['database']!r}: POST /e2e/databases first"}), 400
        dataset = Dataset(table_name=body["table"], database=database)
        session.add(dataset)
        session.flush()
        chart = Slice(slice_name=f"{body['title']} chart", datasource_id=dataset.id, viz_type="table", params=json.dumps({"datasource": f"{dataset.id}__table"}))
        dashboard = Dashboard(dashboard_title=body["title"], slug=body.get("slug"), position_json="{}", json_metadata="{}", published=True, slices=[chart])
        session.add_all([chart, dashboard])
        session.flush()
        return jsonify({"dashboard_id": dashboard.id, "chart_id": chart.id, "dataset_id": dataset.id, "uuid": dashboard.uuid})


@e2e_blueprint.route("/e2e/report-email", methods=["POST"])
def report_email():
    body = _body()
    token = secrets.token_hex(8)
    subject = body.get("subject") or f"[Report] e2e {token}"
    html = f"<p>e2e report {token}</p>"
    started = time.monotonic()
    result = _publish("reports.e2e_email", [list(body["recipients"]), subject, html])
    value, failure = _wait(result, float(body.get("timeout", 60)))
    if failure:
        return failure
    return jsonify({"ok": True, "task_id": result.id, "result": value, "seconds": round(time.monotonic() - started, 3)})


@e2e_blueprint.route("/e2e/beat")
def beat_runs():
    with db.session() as session:
        rows = session.query(Log).filter(Log.action == "reports.scheduler").order_by(Log.id).all()
        runs = [{"dttm": r.dttm.isoformat(), **json.loads(r.json)} for r in rows]
    return jsonify({"reports.scheduler": {"count": len(runs), "runs": runs[-10:]}})


@e2e_blueprint.route("/api/v1/async_event/")
def async_events():
    if async_query_manager.cache is None:
        return jsonify({"message": "GLOBAL_ASYNC_QUERIES is off"}), 404
    events = async_query_manager.read_events(request.args["channel"], request.args.get("last_id", "-"))
    return jsonify({"result": events})
