"""Superset's default configuration, as far as the stand-in uses it, and the loading of the local
configuration at the end of the module, the way Superset 6.1 does it.

Values are Superset's defaults (facts read from apache/superset superset/config.py); the code
is the stand-in's own. A deployment overrides them in superset_config.py: SUPERSET_CONFIG_PATH
names the file; only its UPPER-case names are copied over these defaults.
"""

import importlib.util
import logging
import os
import sys
from datetime import timedelta

import click
from celery.schedules import crontab

from superset.stats_logger import DummyStatsLogger

logger = logging.getLogger(__name__)

CONFIG_PATH_ENV_VAR = "SUPERSET_CONFIG_PATH"
DATA_DIR = os.environ.get("SUPERSET_HOME", os.path.join(os.path.expanduser("~"), ".superset"))

VERSION_STRING = "6.1.0 (e2e stand-in)"
STATS_LOGGER = DummyStatsLogger()
LOG_LEVEL = logging.INFO

SECRET_KEY = "CHANGE_ME_TO_A_COMPLEX_RANDOM_SECRET"
PREVIOUS_SECRET_KEY = None
SQLALCHEMY_DATABASE_URI = "sqlite:///" + os.path.join(DATA_DIR, "superset.db")
SQLALCHEMY_ENGINE_OPTIONS = {}
SQLALCHEMY_TRACK_MODIFICATIONS = False

# Flask-AppBuilder
AUTH_TYPE = 1  # AUTH_DB
AUTH_ROLE_ADMIN = "Admin"
AUTH_ROLE_PUBLIC = "Public"
AUTH_RATE_LIMITED = True
AUTH_RATE_LIMIT = "5 per second"

# Flask-Limiter (FAB creates the limiter; these keys are Flask-Limiter's own)
RATELIMIT_ENABLED = os.environ.get("SUPERSET_ENV") == "production"
RATELIMIT_APPLICATION = "50 per second"
RATELIMIT_STORAGE_URI = "memory://"

# Caches: a NullCache unless the deployment configures one.
CACHE_DEFAULT_TIMEOUT = int(timedelta(days=1).total_seconds())
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
FILTER_STATE_CACHE_CONFIG = {
    "CACHE_TYPE": "SupersetMetastoreCache",
    "CACHE_DEFAULT_TIMEOUT": int(timedelta(days=90).total_seconds()),
    "REFRESH_TIMEOUT_ON_RETRIEVAL": True,
}
EXPLORE_FORM_DATA_CACHE_CONFIG = {
    "CACHE_TYPE": "SupersetMetastoreCache",
    "CACHE_DEFAULT_TIMEOUT": int(timedelta(days=7).total_seconds()),
    "REFRESH_TIMEOUT_ON_RETRIEVAL": True,
}
THUMBNAIL_CACHE_CONFIG = {"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True}
RESULTS_BACKEND = None
DISTRIBUTED_COORDINATION_CONFIG = None

# Behind a proxy
ENABLE_PROXY_FIX = False
PROXY_FIX_CONFIG = {"x_for": 1, "x_proto": 1, "x_host": 1, "x_port": 1, "x_prefix": 1}

# Talisman
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {"default-src": ["'self'"]},
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,
    "session_cookie_secure": False,
}
TALISMAN_DEV_CONFIG = dict(TALISMAN_CONFIG)

WTF_CSRF_ENABLED = True
SUPERSET_WEBSERVER_TIMEOUT = int(timedelta(minutes=1).total_seconds())
SQLLAB_ASYNC_TIME_LIMIT_SEC = int(timedelta(hours=6).total_seconds())
ROW_LIMIT = 50000
FEATURE_FLAGS = {}
SCARF_ANALYTICS = True

# Mail of alerts and reports (superset.utils.core.send_email_smtp reads these from app.config)
SMTP_HOST = "localhost"
SMTP_STARTTLS = True
SMTP_SSL = False
SMTP_USER = "superset"
SMTP_PORT = 25
SMTP_PASSWORD = "superset"
SMTP_MAIL_FROM = "superset@superset.com"
SMTP_SSL_SERVER_AUTH = False

# Global async queries (feature flag GLOBAL_ASYNC_QUERIES)
GLOBAL_ASYNC_QUERIES_REDIS_STREAM_PREFIX = "async-events-"
GLOBAL_ASYNC_QUERIES_REDIS_STREAM_LIMIT = 1000
GLOBAL_ASYNC_QUERIES_REDIS_STREAM_LIMIT_FIREHOSE = 1000000
GLOBAL_ASYNC_QUERIES_JWT_COOKIE_NAME = "async-token"
GLOBAL_ASYNC_QUERIES_JWT_COOKIE_SECURE = False
GLOBAL_ASYNC_QUERIES_JWT_COOKIE_SAMESITE = None
GLOBAL_ASYNC_QUERIES_JWT_SECRET = "test-secret-change-me"
GLOBAL_ASYNC_QUERIES_TRANSPORT = "polling"
GLOBAL_ASYNC_QUERIES_POLLING_DELAY = 500
GLOBAL_ASYNC_QUERIES_CACHE_BACKEND = {
    "CACHE_TYPE": "RedisCache",
    "CACHE_REDIS_HOST": "localhost",
    "CACHE_REDIS_PORT": 6379,
    "CACHE_REDIS_USER": "",
    "CACHE_REDIS_PASSWORD": "",
    "CACHE_REDIS_DB": 0,
    "CACHE_DEFAULT_TIMEOUT": 300,
}

# Default Celery configuration: SQLAlchemy as broker, to be replaced in production. The
# deployment's CeleryConfig usually subclasses this one and inherits imports, task annotations
# and beat_schedule (the reports scheduler every minute, pruning of the reports log daily).
CELERY_BEAT_SCHEDULER_EXPIRES = timedelta(weeks=1)


class CeleryConfig:  # pylint: disable=too-few-public-methods
    broker_url = "sqla+sqlite:///celerydb.sqlite"
    imports = ("superset.sql_lab", "superset.tasks.scheduler")
    result_backend = "db+sqlite:///celery_results.sqlite"
    worker_prefetch_multiplier = 1
    task_acks_late = False
    task_annotations = {"sql_lab.get_sql_results": {"rate_limit": "100/s"}}
    beat_schedule = {
        "reports.scheduler": {
            "task": "reports.scheduler",
            "schedule": crontab(minute="*", hour="*"),
            "options": {"expires": int(CELERY_BEAT_SCHEDULER_EXPIRES.total_seconds())},
        },
        "reports.prune_log": {
            "task": "reports.prune_log",
            "schedule": crontab(minute=0, hour=0),
        },
    }


CELERY_CONFIG = CeleryConfig


def _load_local_config(module) -> None:
    """SUPERSET_CONFIG_PATH, else a `superset_config` module on the Python path: the file is
    executed as module "superset_config" (not kept in sys.modules) and its UPPER-case names
    replace the defaults above. Anything else it defines is dropped with the module."""
    if CONFIG_PATH_ENV_VAR in os.environ:
        cfg_path = os.environ[CONFIG_PATH_ENV_VAR]
        try:
            spec = importlib.util.spec_from_file_location("superset_config", cfg_path)
            if spec is None or spec.loader is None:
                raise ImportError(f"{CONFIG_PATH_ENV_VAR}={cfg_path} is not a Python file")
            override = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(override)
            for key in dir(override):
                if key.isupper():
                    setattr(module, key, getattr(override, key))
            click.secho(f"Loaded your LOCAL configuration at [{cfg_path}]", fg="cyan")
        except Exception:
            logger.exception("Failed to import config for %s=%s", CONFIG_PATH_ENV_VAR, cfg_path)
            raise
    elif importlib.util.find_spec("superset_config"):
        try:
            import superset_config  # noqa: F401  pylint: disable=import-error

            for key in dir(superset_config):
                if key.isupper():
                    setattr(module, key, getattr(superset_config, key))
            click.secho(f"Loaded your LOCAL configuration at [{superset_config.__file__}]", fg="cyan")
        except Exception:
            logger.exception("Found but failed to import local superset_config")
            raise


_load_local_config(sys.modules[__name__])
