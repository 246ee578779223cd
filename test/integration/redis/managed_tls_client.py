"""Loads a generated superset_config.py (redis.queue.mode "external" with TLS) with the unit stubs
for Superset, Celery and flask-caching but the real redis-py and kombu of Debian's Python, and
talks to a TLS-only Valkey through every client the file builds. Prints JSON: one entry per
client, "PONG"/the value read back, or the error."""
import importlib.util
import json
import ssl
import sys

import redis
from kombu import Connection

spec = importlib.util.spec_from_file_location("superset_config", sys.argv[1])
cfg = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cfg)
ca = sys.argv[2]


def attempt(fn):
    try:
        return fn()
    except Exception as error:  # reported to the test
        return f"{type(error).__name__}: {error}"


def ping(client):
    return "PONG" if client.ping() else "no answer"


def superset_backend(c):
    # What Superset's own Redis backends build from CACHE_REDIS_* (async events, coordination).
    return redis.Redis(
        host=c["CACHE_REDIS_HOST"], port=c["CACHE_REDIS_PORT"], db=c["CACHE_REDIS_DB"], password=c["CACHE_REDIS_PASSWORD"],
        ssl=c.get("CACHE_REDIS_SSL", False), ssl_cert_reqs=c.get("CACHE_REDIS_SSL_CERT_REQS", "required"), ssl_ca_certs=c.get("CACHE_REDIS_SSL_CA_CERTS"),
    )


def flask_caching_client(c):
    # What flask-caching's RedisCache builds: host, port, db, password, then CACHE_OPTIONS as kwargs.
    return redis.Redis(host=c["CACHE_REDIS_HOST"], port=c["CACHE_REDIS_PORT"], db=c["CACHE_REDIS_DB"], password=c["CACHE_REDIS_PASSWORD"], **c.get("CACHE_OPTIONS", {}))


def celery_broker():
    celery = cfg.CeleryConfig
    with Connection(celery.broker_url, ssl=celery.broker_use_ssl, transport_options=celery.broker_transport_options) as conn:
        queue = conn.SimpleQueue("managed-tls-test")
        queue.put({"hello": "tls"})
        message = queue.get(timeout=5)
        message.ack()
        queue.close()
        return message.payload["hello"]


def limiter_storage():
    return ping(redis.from_url(cfg.RATELIMIT_STORAGE_URI, **getattr(cfg, "RATELIMIT_STORAGE_OPTIONS", {})))


def without_ca():
    # The same server without the CA bundle: the certificate must be refused.
    return ping(redis.Redis(host=cfg.SESSION_REDIS.connection_pool.connection_kwargs["host"], port=cfg.SESSION_REDIS.connection_pool.connection_kwargs["port"],
                            password=cfg._REDIS_QUEUE_PASSWORD, ssl=True, ssl_cert_reqs=ssl.CERT_REQUIRED))


def in_clear():
    return ping(redis.Redis(host=cfg.SESSION_REDIS.connection_pool.connection_kwargs["host"], port=cfg.SESSION_REDIS.connection_pool.connection_kwargs["port"],
                            password=cfg._REDIS_QUEUE_PASSWORD, socket_timeout=3))


print(json.dumps({
    "session": attempt(lambda: ping(cfg.SESSION_REDIS)),
    "limiter": attempt(limiter_storage),
    "coordination_superset": attempt(lambda: ping(superset_backend(cfg.DISTRIBUTED_COORDINATION_CONFIG))),
    "coordination_flask_caching": attempt(lambda: ping(flask_caching_client(cfg.DISTRIBUTED_COORDINATION_CONFIG))),
    "async_queries": attempt(lambda: ping(superset_backend(cfg.GLOBAL_ASYNC_QUERIES_CACHE_BACKEND))),
    "celery_broker": attempt(celery_broker),
    "without_ca": attempt(without_ca),
    "in_clear": attempt(in_clear),
}))
