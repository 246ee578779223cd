"""The module `celery --app=superset.tasks.celery_app:app` loads: it creates the Flask app (so
the config, its caches and the Celery configuration are in place), then registers the tasks."""

from celery.signals import worker_process_init

from superset.app import create_app
from superset.extensions import celery_app, db

flask_app = create_app()

# After create_app(): the tasks bind to the configured Celery app.
from superset import sql_lab  # noqa: E402,F401
from superset.tasks import async_queries, e2e, scheduler  # noqa: E402,F401

app = celery_app


@worker_process_init.connect
def reset_db_connection_pool(**kwargs):  # pylint: disable=unused-argument
    # Each forked pool process opens its own database connections.
    with flask_app.app_context():
        db.engine.dispose()
