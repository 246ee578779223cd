"""create_app(): the Flask app with the extensions configured from superset.config, in the order
Superset 6.1's app initializer uses (config, caches and results backend, the async-query
manager, ProxyFix, Talisman, the Flask-AppBuilder limiter, the Celery app, the views, then
FLASK_APP_MUTATOR)."""

import logging
import os

from flask import Flask
from flask_caching import Cache
from werkzeug.middleware.proxy_fix import ProxyFix

logger = logging.getLogger(__name__)

_METASTORE = "SupersetMetastoreCache"
_COORDINATION_TYPES = ("RedisCache", "RedisSentinelCache")


def create_app(superset_config_module=None) -> Flask:
    app = Flask("superset")
    config_module = superset_config_module or os.environ.get("SUPERSET_CONFIG", "superset.config")
    app.config.from_object(config_module)
    logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(asctime)s:%(levelname)s:%(name)s:%(message)s")
    SupersetAppInitializer(app).init_app()
    return app


class SupersetAppInitializer:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.config = app.config

    def init_app(self) -> None:
        from superset.extensions import db, results_backend_manager

        db.init_app(self.app)
        self.configure_cache()
        results_backend_manager.init_app(self.app)
        self.configure_async_queries()
        self.configure_middlewares()
        self.configure_celery()
        self.register_views()
        # Superset calls the config's FLASK_APP_MUTATOR once the app (and FAB's limiter) exist.
        mutator = self.config.get("FLASK_APP_MUTATOR")
        if mutator:
            mutator(self.app)

    def configure_cache(self) -> None:
        """Every cache is built now: a RedisClusterCache connects to the cluster right here."""
        from superset.extensions import cache_manager

        for key, cache in cache_manager.by_config_key().items():
            cache_config = dict(self.config[key])
            if cache_config.get("CACHE_TYPE") == _METASTORE:
                # Superset keeps these in its key_value table; the stand-in keeps them in memory.
                cache_config["CACHE_TYPE"] = "SimpleCache"
            cache.init_app(self.app, {"CACHE_DEFAULT_TIMEOUT": self.config["CACHE_DEFAULT_TIMEOUT"], **cache_config})
        coordination = self.config.get("DISTRIBUTED_COORDINATION_CONFIG")
        if coordination:
            if coordination.get("CACHE_TYPE") not in _COORDINATION_TYPES:
                raise ValueError(
                    f"DISTRIBUTED_COORDINATION_CONFIG CACHE_TYPE {coordination.get('CACHE_TYPE')!r}: distributed coordination needs RedisCache or RedisSentinelCache"
                )
            cache_manager.distributed_coordination = Cache(self.app, config=coordination)

    def configure_async_queries(self) -> None:
        from superset.extensions import async_query_manager

        if self.config["FEATURE_FLAGS"].get("GLOBAL_ASYNC_QUERIES"):
            async_query_manager.init_app(self.app)

    def configure_middlewares(self) -> None:
        if self.config["ENABLE_PROXY_FIX"]:
            self.app.wsgi_app = ProxyFix(self.app.wsgi_app, **self.config["PROXY_FIX_CONFIG"])
        if self.config["TALISMAN_ENABLED"]:
            from flask_talisman import Talisman

            talisman_config = self.config["TALISMAN_DEV_CONFIG"] if self.app.debug else self.config["TALISMAN_CONFIG"]
            self.app.extensions["talisman"] = Talisman(self.app, **talisman_config)
        # Flask-AppBuilder's security manager creates the limiter; Flask-Limiter reads the
        # RATELIMIT_* keys (storage URI and options, application limits) from the app config.
        from flask_limiter import Limiter
        from flask_limiter.util import get_remote_address

        self.app.extensions["superset_limiter"] = Limiter(get_remote_address, app=self.app)

    def configure_celery(self) -> None:
        from superset.extensions import celery_app

        celery_app.config_from_object(self.config["CELERY_CONFIG"])
        celery_app.set_default()
        flask_app = self.app
        task_base = celery_app.Task

        class AppContextTask(task_base):  # type: ignore[misc, valid-type]
            abstract = True

            def __call__(self, *args, **kwargs):
                with flask_app.app_context():
                    return task_base.__call__(self, *args, **kwargs)

        celery_app.Task = AppContextTask

    def register_views(self) -> None:
        from superset.views.e2e import e2e_blueprint
        from superset.views.health import health_blueprint
        from superset.views.login import limit_login, login_blueprint

        self.app.register_blueprint(health_blueprint)
        self.app.register_blueprint(login_blueprint)
        self.app.register_blueprint(e2e_blueprint)
        limit_login(self.app)
