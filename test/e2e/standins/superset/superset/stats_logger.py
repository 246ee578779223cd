"""STATS_LOGGER implementations: the no-op default and a StatsD client (the statsd package)."""

import logging

logger = logging.getLogger(__name__)


class BaseStatsLogger:
    def __init__(self, prefix: str = "superset") -> None:
        self.prefix = prefix

    def key(self, key: str) -> str:
        return f"{self.prefix}{key}" if self.prefix else key

    def incr(self, key: str) -> None:
        raise NotImplementedError

    def decr(self, key: str) -> None:
        raise NotImplementedError

    def timing(self, key: str, value: float) -> None:
        raise NotImplementedError

    def gauge(self, key: str, value: float) -> None:
        raise NotImplementedError


class DummyStatsLogger(BaseStatsLogger):
    def incr(self, key: str) -> None:
        logger.debug("[stats_logger] (incr) %s", key)

    def decr(self, key: str) -> None:
        logger.debug("[stats_logger] (decr) %s", key)

    def timing(self, key: str, value: float) -> None:
        logger.debug("[stats_logger] (timing) %s | %s", key, value)

    def gauge(self, key: str, value: float) -> None:
        logger.debug("[stats_logger] (gauge) %s | %s", key, value)


class StatsdStatsLogger(BaseStatsLogger):
    """Sends over UDP to host:port (statsd.StatsClient), as Superset's own class does."""

    def __init__(self, host: str = "localhost", port: int = 8125, prefix: str = "superset", statsd_client=None) -> None:
        super().__init__(prefix=prefix)
        from statsd import StatsClient

        self.client = statsd_client or StatsClient(host=host, port=port, prefix=prefix)

    def incr(self, key: str) -> None:
        self.client.incr(key)

    def decr(self, key: str) -> None:
        self.client.decr(key)

    def timing(self, key: str, value: float) -> None:
        self.client.timing(key, value)

    def gauge(self, key: str, value: float) -> None:
        self.client.gauge(key, value)
