"""The app-wide objects, created empty at import and configured by create_app() (as in Superset:
the Celery app exists before the config is known; the caches and the limiter are bound to the
Flask app once it is)."""

from contextlib import contextmanager

import celery
from flask_caching import Cache
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

celery_app = celery.Celery()


class CacheManager:
    """The five Flask caches Superset builds from its config, plus the coordination cache."""

    def __init__(self) -> None:
        self.cache = Cache()
        self.data_cache = Cache()
        self.thumbnail_cache = Cache()
        self.filter_state_cache = Cache()
        self.explore_form_data_cache = Cache()
        self.distributed_coordination = None

    def by_config_key(self) -> dict:
        return {
            "CACHE_CONFIG": self.cache,
            "DATA_CACHE_CONFIG": self.data_cache,
            "FILTER_STATE_CACHE_CONFIG": self.filter_state_cache,
            "EXPLORE_FORM_DATA_CACHE_CONFIG": self.explore_form_data_cache,
            "THUMBNAIL_CACHE_CONFIG": self.thumbnail_cache,
        }


cache_manager = CacheManager()


class MetadataDatabase:
    """SQLALCHEMY_DATABASE_URI with SQLALCHEMY_ENGINE_OPTIONS, as Flask-SQLAlchemy builds it
    (lazily: the first query connects)."""

    def __init__(self) -> None:
        self.engine = None
        self._sessions = None

    def init_app(self, app) -> None:
        self.engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], **app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        self._sessions = sessionmaker(bind=self.engine, expire_on_commit=False)

    @contextmanager
    def session(self):
        s = self._sessions()
        try:
            yield s
            s.commit()
        except Exception:
            s.rollback()
            raise
        finally:
            s.close()


db = MetadataDatabase()


class ResultsBackendManager:
    def __init__(self) -> None:
        self.results_backend = None

    def init_app(self, app) -> None:
        self.results_backend = app.config["RESULTS_BACKEND"]


results_backend_manager = ResultsBackendManager()


class AsyncQueryManager:
    """Global async queries (feature flag GLOBAL_ASYNC_QUERIES): job events go to a Redis
    stream per channel in GLOBAL_ASYNC_QUERIES_CACHE_BACKEND."""

    def __init__(self) -> None:
        self.cache = None
        self.stream_prefix = ""
        self.stream_limit = 0

    def init_app(self, app) -> None:
        config = app.config
        secret = config["GLOBAL_ASYNC_QUERIES_JWT_SECRET"]
        if len(secret.encode()) < 32:
            raise ValueError("GLOBAL_ASYNC_QUERIES_JWT_SECRET: please provide a JWT secret at least 32 bytes long")
        backend = config["GLOBAL_ASYNC_QUERIES_CACHE_BACKEND"]
        if backend.get("CACHE_TYPE") not in ("RedisCache", "RedisSentinelCache"):
            raise ValueError(
                f"GLOBAL_ASYNC_QUERIES_CACHE_BACKEND CACHE_TYPE {backend.get('CACHE_TYPE')!r}: global async queries need RedisCache or RedisSentinelCache"
            )
        self.cache = Cache(app, config=backend)
        self.stream_prefix = config["GLOBAL_ASYNC_QUERIES_REDIS_STREAM_PREFIX"]
        self.stream_limit = config["GLOBAL_ASYNC_QUERIES_REDIS_STREAM_LIMIT"]

    @property
    def redis(self):
        return self.cache.cache._write_client  # pylint: disable=protected-access

    def publish(self, channel_id: str, event: dict) -> str:
        fields = {k: str(v) for k, v in event.items()}
        return self.redis.xadd(f"{self.stream_prefix}{channel_id}", fields, maxlen=self.stream_limit).decode()

    def read_events(self, channel_id: str, last_id: str = "-") -> list:
        start = "-" if last_id in ("", "-") else f"({last_id}"
        rows = self.redis.xrange(f"{self.stream_prefix}{channel_id}", start, "+")
        return [{"id": i.decode(), **{k.decode(): v.decode() for k, v in f.items()}} for i, f in rows]


async_query_manager = AsyncQueryManager()
