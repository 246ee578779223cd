"""`load_chart_data_into_cache` (Superset's name and route): a chart's query, run by a worker
against the chart's data source, its result put into the data cache (DATA_CACHE_CONFIG) and,
with GLOBAL_ASYNC_QUERIES, an event on the job's channel in the async-query backend."""

import hashlib
import json

from flask import current_app

from superset import datasources
from superset.extensions import async_query_manager, cache_manager, celery_app, db
from superset.models import Database
from superset.tasks.answered import AnsweredTask


@celery_app.task(name="load_chart_data_into_cache", bind=True, base=AnsweredTask)
def load_chart_data_into_cache(self, job_metadata: dict, form_data: dict) -> dict:
    database_name, sql = form_data["database"], form_data["sql"]
    try:
        with db.session() as session:
            row = session.query(Database).filter_by(database_name=database_name).one_or_none()
            if row is None:
                raise ValueError(f"no database named {database_name!r} in dbs: register it first")
            payload = datasources.run_query(row, sql, current_app.config["ROW_LIMIT"])
        cache_key = "chart_data_" + hashlib.sha256(json.dumps(form_data, sort_keys=True).encode()).hexdigest()
        cache_manager.data_cache.set(cache_key, json.dumps(payload))
        status, error = "done", ""
    except Exception as err:  # the event says why, as Superset's does; the task still fails
        cache_key, status, error = "", "error", str(err)
        if job_metadata.get("channel_id") and async_query_manager.cache is not None:
            async_query_manager.publish(job_metadata["channel_id"], {**job_metadata, "status": status, "errors": error})
        raise
    if job_metadata.get("channel_id") and async_query_manager.cache is not None:
        async_query_manager.publish(job_metadata["channel_id"], {**job_metadata, "status": status, "result_url": cache_key})
    return {"cache_key": cache_key, "rows": len(payload["data"]), "worker": self.request.hostname}
