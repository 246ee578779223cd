"""The reports tasks beat schedules (names as Superset's). The stand-in has no reports to
execute: `reports.scheduler` records each run in `logs` (action "reports.scheduler") so a test
can see beat -> broker -> the reports worker -> the metadata database work end to end."""

import json
import socket
from datetime import datetime, timedelta

from superset.extensions import celery_app, db
from superset.models import Log


@celery_app.task(name="reports.scheduler", bind=True)
def scheduler(self) -> dict:
    entry = {"worker": self.request.hostname, "host": socket.gethostname(), "eta": str(self.request.eta or "")}
    with db.session() as session:
        session.add(Log(action="reports.scheduler", json=json.dumps(entry)))
    return entry


@celery_app.task(name="reports.prune_log")
def prune_log() -> int:
    cutoff = datetime.now() - timedelta(days=90)
    with db.session() as session:
        return session.query(Log).filter(Log.action == "reports.scheduler", Log.dttm < cutoff).delete()
