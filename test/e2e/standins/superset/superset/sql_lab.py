"""The SQL Lab Celery task (`sql_lab.get_sql_results`, named and routed as Superset's): runs a
query on a registered data source and keeps the results in RESULTS_BACKEND under a key."""

import json
import uuid

from flask import current_app

from superset import datasources
from superset.extensions import celery_app, db, results_backend_manager
from superset.models import Database
from superset.tasks.answered import AnsweredTask


@celery_app.task(name="sql_lab.get_sql_results", bind=True, base=AnsweredTask)
def get_sql_results(self, database_name: str, sql: str) -> dict:
    with db.session() as session:
        row = session.query(Database).filter_by(database_name=database_name).one_or_none()
        if row is None:
            raise ValueError(f"no database named {database_name!r} in dbs: register it first")
        payload = datasources.run_query(row, sql, current_app.config["ROW_LIMIT"])
    backend = results_backend_manager.results_backend
    if backend is None:
        raise RuntimeError("RESULTS_BACKEND is not configured: SQL Lab's async queries need it")
    key = str(uuid.uuid4())
    backend.set(key, json.dumps(payload), timeout=current_app.config["SQLLAB_ASYNC_TIME_LIMIT_SEC"])
    return {"results_key": key, "rows": len(payload["data"]), "worker": self.request.hostname}
