"""Clients for the Redis integration tests, on redis-py (the library Superset, flask-caching,
kombu and limits use). The password comes from the REDIS_PASSWORD environment variable.

  cluster-fill   --port P --count N              SET key:i through the cluster client
  cluster-verify --port P --count N              print {"missing": .., "wrong": ..}
  cluster-writes --port P --shard NAME=RANGES... a writer per shard (keys hashing into RANGES)
  sentinel-writes --sentinels H:P,.. --master M  RPUSH a sequence through the Sentinel client
  celery-roundtrip --config superset_config.py --map NAME=ADDR,..
                                                 publish and consume Celery-style messages with
                                                 kombu, configured from the rendered CeleryConfig

The *-writes modes write every INTERVAL seconds until the trigger file exists and SETTLE seconds
passed without an error or a slow write (or MAX seconds), then print JSON statistics: successful
writes, errors, and max_gap, the longest time between two successful writes (the outage as a
client sees it, whether its writes failed or waited).
"""
import argparse
import json
import os
import sys
import threading
import time

import redis
from redis.cluster import RedisCluster
from redis.crc import key_slot
from redis.sentinel import Sentinel

PASSWORD = os.environ["REDIS_PASSWORD"]
# The ACL user of redis-cache's clients (its default user is off) and the key prefix it may use.
CACHE_USER = os.environ["REDIS_CACHE_USER"]
CACHE_PREFIX = "superset_"


class Writer:
    def __init__(self, name, write, interval, slow):
        self.name = name
        self.write = write
        self.interval = interval
        self.slow = slow
        self.ok = 0
        self.errors = 0
        self.error_kinds = {}
        self.error_times = []
        self.started = time.time()
        self.last_ok = None
        self.max_gap = 0.0
        self.last_trouble = 0.0
        self.in_flight_since = None
        self.stuck = False
        self.stop = threading.Event()

    def run(self):
        seq = 0
        while not self.stop.is_set():
            seq += 1
            started = time.time()
            self.in_flight_since = started
            try:
                self.write(seq)
            except Exception as error:  # any failure counts: that is what a client sees
                self.in_flight_since = None
                self.errors += 1
                kind = type(error).__name__
                self.error_kinds.setdefault(kind, str(error)[:120])
                if len(self.error_times) < 20:
                    self.error_times.append(round(time.time() - self.started, 2))
                self.last_trouble = time.time()
            else:
                self.in_flight_since = None
                now = time.time()
                if self.last_ok is not None:
                    self.max_gap = max(self.max_gap, now - self.last_ok)
                self.last_ok = now
                self.ok += 1
                if now - started > self.slow:
                    self.last_trouble = now
            time.sleep(self.interval)

    def troubled(self, now):
        """A write failed recently, or the current one has been waiting longer than `slow`."""
        if self.in_flight_since is not None and now - self.in_flight_since > self.slow:
            return now
        return self.last_trouble

    def finish(self, still_writing):
        """Called at the end, once the writer was asked to stop and given time to complete its
        current write: a write that is still waiting is an outage that never ended. (A write that
        merely happened to be in flight when the run ended completes within that time.)"""
        if still_writing and self.last_ok is not None:
            self.stuck = True
            self.max_gap = max(self.max_gap, time.time() - self.last_ok)

    def stats(self):
        return {"ok": self.ok, "errors": self.errors, "error_kinds": self.error_kinds, "max_gap": round(self.max_gap, 3), "stuck": self.stuck, "error_times": self.error_times}


def drive(writers, args):
    threads = [threading.Thread(target=w.run, daemon=True) for w in writers]
    for t in threads:
        t.start()
    print("ready", flush=True)
    started = time.time()
    triggered = None
    while time.time() - started < args.max:
        time.sleep(0.05)
        if triggered is None and os.path.exists(args.trigger):
            triggered = time.time()
        if triggered is not None:
            now = time.time()
            quiet_since = max([triggered] + [w.troubled(now) for w in writers])
            if now - quiet_since >= args.settle:
                break
    for w in writers:
        w.stop.set()
    for t in threads:
        t.join(timeout=10)
    for w, t in zip(writers, threads):
        w.finish(still_writing=t.is_alive())
    return {"triggered": triggered is not None, "elapsed": round(time.time() - started, 3)}


def cluster_client(args):
    return RedisCluster(
        host="127.0.0.1",
        port=args.port,
        username=CACHE_USER,
        password=PASSWORD,
        socket_timeout=args.socket_timeout,
        socket_connect_timeout=args.connect_timeout,
    )


def tag_in(ranges):
    """A hash tag whose slot falls in one of the (start, end) ranges."""
    for i in range(100000):
        tag = "t%d" % i
        slot = key_slot(tag.encode())
        if any(start <= slot <= end for start, end in ranges):
            return tag
    raise RuntimeError("no tag found for %r" % (ranges,))


def cluster_writes(args):
    writers = []
    for spec in args.shard:
        name, ranges_text = spec.split("=", 1)
        ranges = [tuple(int(x) for x in r.split("-")) if "-" in r else (int(r), int(r)) for r in ranges_text.split(",")]
        tag = tag_in(ranges)
        client = cluster_client(args)
        writers.append(Writer(name, lambda seq, c=client, t=tag: c.set("%s{%s}:w:%d" % (CACHE_PREFIX, t, seq), "x" * 64), args.interval, args.slow))
    result = drive(writers, args)
    result["shards"] = {w.name: w.stats() for w in writers}
    print(json.dumps(result))


def cluster_fill(args):
    client = cluster_client(args)
    for i in range(args.count):
        client.set("%skey:%d" % (CACHE_PREFIX, i), "value-%d" % i)
    print(json.dumps({"written": args.count}))


def cluster_verify(args):
    client = cluster_client(args)
    missing = wrong = 0
    for i in range(args.count):
        value = client.get("%skey:%d" % (CACHE_PREFIX, i))
        if value is None:
            missing += 1
        elif value.decode() != "value-%d" % i:
            wrong += 1
    print(json.dumps({"missing": missing, "wrong": wrong}))


def sentinel_writes(args):
    sentinels = [(h, int(p)) for h, p in (s.rsplit(":", 1) for s in args.sentinels.split(","))]
    sentinel = Sentinel(
        sentinels,
        sentinel_kwargs={"password": PASSWORD, "socket_timeout": 1, "socket_connect_timeout": 1},
        password=PASSWORD,
        socket_timeout=args.socket_timeout,
        socket_connect_timeout=args.connect_timeout,
    )
    master = sentinel.master_for(args.master)
    acked = []

    def write(seq):
        master.rpush(args.key, seq)
        acked.append(seq)

    writer = Writer("queue", write, args.interval, args.slow)
    before = sentinel.discover_master(args.master)
    result = drive([writer], args)
    after = sentinel.discover_master(args.master)
    stored = set(int(x) for x in master.lrange(args.key, 0, -1))
    result.update(writer.stats())
    result["master_before"] = "%s:%d" % before
    result["master_after"] = "%s:%d" % after
    result["acknowledged"] = len(acked)
    result["lost"] = len([s for s in acked if s not in stored])
    print(json.dumps(result))


def load_superset_config(path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("superset_config", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def celery_roundtrip(args):
    """Messages through kombu's Sentinel transport, exactly as CeleryConfig configures it (broker
    URL, transport options, publish retry policy); only the Sentinel addresses are mapped."""
    import socket

    from kombu import Connection, Exchange, Queue

    celery = load_superset_config(args.config).CeleryConfig
    url = celery.broker_url
    for pair in args.map.split(","):
        name, address = pair.split("=")
        url = url.replace("@%s/" % name, "@%s/" % address)
    options = dict(celery.broker_transport_options)
    policy = dict(getattr(celery, "task_publish_retry_policy", {"max_retries": 3}))
    queue = Queue("it-roundtrip", Exchange("it-roundtrip", type="direct"), routing_key="it-roundtrip")
    consumed = set()
    stop = threading.Event()

    def on_message(body, message):
        consumed.add(body["seq"])
        message.ack()

    def consume():
        # What a Celery worker does: reconnect (through the Sentinels) whenever the link breaks.
        while not stop.is_set():
            try:
                with Connection(url, transport_options=options) as conn:
                    with conn.Consumer(queue, callbacks=[on_message], accept=["json"]):
                        while not stop.is_set():
                            try:
                                conn.drain_events(timeout=0.5)
                            except socket.timeout:
                                pass
            except Exception:  # connection errors during the failover: reconnect
                time.sleep(0.2)

    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    connection = Connection(url, transport_options=options)
    producer = connection.Producer()
    published = []
    acked_at = {}

    def publish(seq):
        producer.publish({"seq": seq}, exchange=queue.exchange, routing_key="it-roundtrip", declare=[queue], serializer="json", retry=True, retry_policy=policy)
        acked_at[seq] = time.time()
        published.append(seq)

    writer = Writer("celery", publish, args.interval, args.slow)
    result = drive([writer], args)
    deadline = time.time() + 15
    while time.time() < deadline and not set(published) <= consumed:
        time.sleep(0.1)
    stop.set()
    consumer.join(timeout=5)
    result.update(writer.stats())
    result["published"] = len(published)
    result["consumed"] = len(consumed & set(published))
    missing = sorted(set(published) - consumed)
    result["missing"] = missing[:20]
    # When each never-consumed message's publish was acknowledged (epoch seconds): the test
    # compares it with the instant of the kill.
    result["missing_acked_at"] = [acked_at[seq] for seq in missing]
    result["retry_policy"] = policy
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["cluster-fill", "cluster-verify", "cluster-writes", "sentinel-writes", "celery-roundtrip"])
    parser.add_argument("--config")
    parser.add_argument("--map")
    parser.add_argument("--port", type=int)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--shard", action="append", default=[])
    parser.add_argument("--sentinels")
    parser.add_argument("--master")
    parser.add_argument("--key", default="ledger")
    parser.add_argument("--trigger", default="/nonexistent")
    parser.add_argument("--settle", type=float, default=3.0)
    parser.add_argument("--max", type=float, default=120.0)
    parser.add_argument("--interval", type=float, default=0.02)
    parser.add_argument("--slow", type=float, default=0.25)
    parser.add_argument("--connect-timeout", type=float, default=2.0)
    parser.add_argument("--socket-timeout", type=float, default=3.0)
    args = parser.parse_args()
    {
        "cluster-fill": cluster_fill,
        "cluster-verify": cluster_verify,
        "cluster-writes": cluster_writes,
        "sentinel-writes": sentinel_writes,
        "celery-roundtrip": celery_roundtrip,
    }[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
