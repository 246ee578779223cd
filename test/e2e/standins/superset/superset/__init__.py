"""Stand-in of Apache Superset 6.1 for the e2e harness (see ../README.md): the configuration
loading, extensions, Celery app and CLI commands that the manifests in dist/ run, built on the
real libraries. The Flask app is created by superset.app.create_app()."""

__version__ = "6.1.0+e2e.standin"
