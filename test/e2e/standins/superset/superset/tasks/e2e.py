"""Tasks of the stand-in's own, for e2e checks (not in Superset)."""

import os

from superset.extensions import celery_app
from superset.tasks.answered import AnsweredTask


@celery_app.task(name="e2e.echo", bind=True, base=AnsweredTask)
def echo(self, token: str) -> dict:
    return {
        "token": token,
        "worker": self.request.hostname,
        "routing_key": (self.request.delivery_info or {}).get("routing_key"),
        "pid": os.getpid(),
    }
