"""The files of a dashboard export (Superset's v1 format, as `superset export-dashboards` writes
it): metadata.yaml, then per dashboard its YAML, its charts, their datasets and databases.
Fields are a subset of Superset's; database passwords are masked as Superset masks them."""

import json
from datetime import datetime, timezone

import yaml
from werkzeug.utils import secure_filename

from superset.models import Dashboard, Database, Dataset

EXPORT_VERSION = "1.0.0"


def _name(title: str, id_: int) -> str:
    return f"{secure_filename(title or 'untitled')}_{id_}"


def _dump(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def export_bundle(session):
    yield "metadata.yaml", _dump({"version": EXPORT_VERSION, "type": "Dashboard", "timestamp": datetime.now(tz=timezone.utc).isoformat()})
    seen = set()
    for dashboard in session.query(Dashboard).order_by(Dashboard.id):
        yield f"dashboards/{_name(dashboard.dashboard_title, dashboard.id)}.yaml", _dump(
            {
                "dashboard_title": dashboard.dashboard_title,
                "slug": dashboard.slug,
                "uuid": dashboard.uuid,
                "position": json.loads(dashboard.position_json or "{}"),
                "metadata": json.loads(dashboard.json_metadata or "{}"),
                "version": EXPORT_VERSION,
            }
        )
        for chart in dashboard.slices:
            dataset = session.get(Dataset, chart.datasource_id) if chart.datasource_id else None
            yield f"charts/{_name(chart.slice_name, chart.id)}.yaml", _dump(
                {
                    "slice_name": chart.slice_name,
                    "viz_type": chart.viz_type,
                    "params": json.loads(chart.params or "{}"),
                    "uuid": chart.uuid,
                    "version": EXPORT_VERSION,
                    "dataset_uuid": dataset.uuid if dataset else None,
                }
            )
            if dataset is None or dataset.id in seen:
                continue
            seen.add(dataset.id)
            database: Database = dataset.database
            yield f"datasets/{secure_filename(database.database_name)}/{secure_filename(dataset.table_name)}.yaml", _dump(
                {"table_name": dataset.table_name, "schema": dataset.schema, "sql": dataset.sql, "uuid": dataset.uuid, "database_uuid": database.uuid, "version": EXPORT_VERSION}
            )
            yield f"databases/{secure_filename(database.database_name)}.yaml", _dump(
                {"database_name": database.database_name, "sqlalchemy_uri": database.sqlalchemy_uri, "uuid": database.uuid, "version": EXPORT_VERSION}
            )
