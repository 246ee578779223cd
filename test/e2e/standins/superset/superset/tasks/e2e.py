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


# Named under "reports." so the config's task_routes send it where they send Superset's
# reports.execute (the reports queue), not to an explicit queue.
@celery_app.task(name="reports.e2e_email", bind=True, base=AnsweredTask)
def report_email(self, recipients: list, subject: str, html_content: str) -> dict:
    from flask import current_app

    from superset.utils.core import send_email_smtp

    sent = send_email_smtp(recipients, subject, html_content, current_app.config)
    return {**sent, "worker": self.request.hostname, "routing_key": (self.request.delivery_info or {}).get("routing_key")}
